-- A review's acknowledgement keeps the date it was made as of, as a
-- completion does (completed_on): acknowledged_at is the clock's time,
-- which an acknowledgement recorded with --as-of does not follow, and a
-- report as of a date shows as acknowledged what was acknowledged by then.
-- Earlier acknowledgements take the date of their time (UTC).

-- +goose Up
ALTER TABLE reviews ADD COLUMN acknowledged_on DATE;
UPDATE reviews SET acknowledged_on = substr(acknowledged_at, 1, 10) WHERE acknowledged_at IS NOT NULL;

-- +goose Down
ALTER TABLE reviews DROP COLUMN acknowledged_on;
