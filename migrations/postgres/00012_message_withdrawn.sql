-- A message waiting for a retry whose reviews have all been completed or
-- cancelled since it was built is withdrawn, not sent (SPEC §5: completing
-- or cancelling stops everything). It stays in the outbox, for the record.

-- +goose Up
ALTER TABLE messages DROP CONSTRAINT messages_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_status_check CHECK (status IN ('pending','sent','failed','withdrawn'));

-- +goose Down
UPDATE messages SET status = 'failed', last_error = COALESCE(last_error || '; ', '') || 'withdrawn' WHERE status = 'withdrawn';
ALTER TABLE messages DROP CONSTRAINT messages_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_status_check CHECK (status IN ('pending','sent','failed'));
