-- A message waiting for a retry whose reviews have all been completed or
-- cancelled since it was built is withdrawn, not sent (SPEC §5: completing
-- or cancelling stops everything). It stays in the outbox, for the record.
-- SQLite cannot change a CHECK: the table is built anew, and with it the
-- items that refer to it (as in 00010).

-- +goose Up
CREATE TABLE messages_new (
    id              INTEGER PRIMARY KEY,
    delivery_id     TEXT NOT NULL UNIQUE,
    recipient_role  TEXT NOT NULL,
    recipient_id    TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL CHECK (channel IN ('slack','email','webhook','log')),
    address         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed','withdrawn')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until     TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP,
    external_ref    TEXT,
    last_error      TEXT
);
INSERT INTO messages_new SELECT id, delivery_id, recipient_role, recipient_id, channel, address, body, status, attempts,
    next_attempt_at, lease_until, created_at, sent_at, external_ref, last_error FROM messages;
CREATE TABLE message_items_new (
    message_id      INTEGER NOT NULL REFERENCES messages_new (id),
    notification_id INTEGER NOT NULL REFERENCES notifications (id),
    PRIMARY KEY (message_id, notification_id)
);
INSERT INTO message_items_new SELECT message_id, notification_id FROM message_items;
DROP TABLE message_items;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
ALTER TABLE message_items_new RENAME TO message_items;
CREATE INDEX messages_pending ON messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX messages_external_ref ON messages (external_ref) WHERE external_ref IS NOT NULL;
CREATE INDEX message_items_notification_id ON message_items (notification_id);

-- +goose Down
CREATE TABLE messages_old (
    id              INTEGER PRIMARY KEY,
    delivery_id     TEXT NOT NULL UNIQUE,
    recipient_role  TEXT NOT NULL,
    recipient_id    TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL CHECK (channel IN ('slack','email','webhook','log')),
    address         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until     TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP,
    external_ref    TEXT,
    last_error      TEXT
);
INSERT INTO messages_old SELECT id, delivery_id, recipient_role, recipient_id, channel, address, body,
    CASE WHEN status = 'withdrawn' THEN 'failed' ELSE status END, attempts, next_attempt_at, lease_until, created_at, sent_at, external_ref,
    CASE WHEN status = 'withdrawn' THEN COALESCE(last_error || '; ', '') || 'withdrawn' ELSE last_error END FROM messages;
CREATE TABLE message_items_old (
    message_id      INTEGER NOT NULL REFERENCES messages_old (id),
    notification_id INTEGER NOT NULL REFERENCES notifications (id),
    PRIMARY KEY (message_id, notification_id)
);
INSERT INTO message_items_old SELECT message_id, notification_id FROM message_items;
DROP TABLE message_items;
DROP TABLE messages;
ALTER TABLE messages_old RENAME TO messages;
ALTER TABLE message_items_old RENAME TO message_items;
CREATE INDEX messages_pending ON messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX messages_external_ref ON messages (external_ref) WHERE external_ref IS NOT NULL;
CREATE INDEX message_items_notification_id ON message_items (notification_id);
