-- The vetting unit is told of the messages given up in batches, not one
-- notice per message (a channel down for a day gave up thousands): a
-- failed message records when it was given up, and is marked once a
-- notice has told of it, in the transaction that queues the notice. The
-- failures before this were each told at once.

-- +goose Up
ALTER TABLE messages ADD COLUMN failed_at TIMESTAMPTZ;
ALTER TABLE messages ADD COLUMN failure_told BOOLEAN NOT NULL DEFAULT false;
UPDATE messages SET failure_told = true WHERE status = 'failed';
CREATE INDEX messages_untold ON messages (failed_at) WHERE status = 'failed' AND NOT failure_told;

-- +goose Down
DROP INDEX messages_untold;
ALTER TABLE messages DROP COLUMN failure_told;
ALTER TABLE messages DROP COLUMN failed_at;
