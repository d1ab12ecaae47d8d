-- The vetting unit is told of the messages given up in one notice per
-- delivery round, not one per message (a channel down for a day gave up
-- thousands): a failed message is marked once a notice has told of it, in
-- the transaction that queues the notice. The failures before this were
-- each told at once.

-- +goose Up
ALTER TABLE messages ADD COLUMN failure_told BOOLEAN NOT NULL DEFAULT false;
UPDATE messages SET failure_told = true WHERE status = 'failed';

-- +goose Down
ALTER TABLE messages DROP COLUMN failure_told;
