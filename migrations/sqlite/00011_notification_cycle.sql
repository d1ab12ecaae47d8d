-- An outbox item is owed once per (review, event, recipient) and due date:
-- a review whose due date moves (a new cycle: a new integrity review date,
-- a corrected expiry) is told of, reminded of and escalated again for its
-- new date, where before the items of its first date stood in the way.
-- (Down fails if a review has items for more than one due date.)

-- +goose Up
ALTER TABLE notifications ADD COLUMN due_on DATE NOT NULL DEFAULT '';
UPDATE notifications SET due_on = (SELECT r.due_on FROM reviews r WHERE r.id = notifications.review_id);
DROP INDEX notifications_key;
CREATE UNIQUE INDEX notifications_key ON notifications (review_id, event, recipient_role, recipient_id, due_on);

-- +goose Down
DROP INDEX notifications_key;
ALTER TABLE notifications DROP COLUMN due_on;
CREATE UNIQUE INDEX notifications_key ON notifications (review_id, event, recipient_role, recipient_id);
