-- Notifications (SPEC §5): the outbox of items owed to recipients, the
-- messages that carry them, and the digest windows already built.

-- +goose Up
-- One row per (review, event, recipient): written in the same transaction as
-- the change that owes it, so a crash loses none, and the key makes a second
-- impossible.
CREATE TABLE notifications (
    id             INTEGER PRIMARY KEY,
    review_id      INTEGER NOT NULL REFERENCES reviews (id),
    event          TEXT NOT NULL CHECK (event IN ('opened','reminder','due','escalation','briefing','urgent','gifts')),
    recipient_role TEXT NOT NULL CHECK (recipient_role IN ('supervisor','owner','vetting_unit','psd')),
    recipient_id   TEXT NOT NULL DEFAULT '',   -- an employee id; '' for a unit
    urgent         BOOLEAN NOT NULL,           -- sent at once, not in the next digest
    created_on     TEXT NOT NULL,              -- the as-of date that owed it
    created_at     TIMESTAMP NOT NULL,
    state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','batched','dropped')),
    CHECK ((recipient_role IN ('vetting_unit','psd')) = (recipient_id = ''))
);
CREATE UNIQUE INDEX notifications_key ON notifications (review_id, event, recipient_role, recipient_id);
CREATE INDEX notifications_pending ON notifications (recipient_role, recipient_id) WHERE state = 'pending';

-- One row per message to deliver: a recipient's digest (or urgent items) on one channel.
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    delivery_id     TEXT NOT NULL UNIQUE,
    recipient_role  TEXT NOT NULL,
    recipient_id    TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL CHECK (channel IN ('slack','email','webhook','log')),
    address         TEXT NOT NULL,            -- Slack user or channel id, e-mail address, URL, or '-'
    body            TEXT NOT NULL,            -- JSON, the webhook contract of SPEC §5
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until     TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP,
    external_ref    TEXT,                     -- e.g. the Slack channel and ts, to update the message later
    last_error      TEXT
);
CREATE INDEX messages_pending ON messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX messages_external_ref ON messages (external_ref) WHERE external_ref IS NOT NULL;

CREATE TABLE message_items (
    message_id      INTEGER NOT NULL REFERENCES messages (id),
    notification_id INTEGER NOT NULL REFERENCES notifications (id),
    PRIMARY KEY (message_id, notification_id)
);
CREATE INDEX message_items_notification_id ON message_items (notification_id);

-- A digest window once built is never built again (by this daemon after a
-- restart, or by another daemon on the same database).
CREATE TABLE digest_windows (
    window_at TIMESTAMP PRIMARY KEY,
    built_at  TIMESTAMP NOT NULL,
    messages  INTEGER NOT NULL
);

-- +goose Down
DROP TABLE digest_windows;
DROP TABLE message_items;
DROP TABLE messages;
DROP TABLE notifications;
