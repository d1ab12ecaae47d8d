-- The queries that read reviews by due date read the open ones (overdue
-- lists, reminders, escalations, the metrics): a partial index on the date
-- alone serves them, and builds in a third of the time of one on (status,
-- due_on), whose leading column is the same for almost every row. A list
-- of closed reviews by due date reads the table and sorts.

-- +goose Up
DROP INDEX reviews_status_due_on;
CREATE INDEX reviews_open_due_on ON reviews (due_on) WHERE status IN ('open', 'acknowledged');

-- +goose Down
DROP INDEX reviews_open_due_on;
CREATE INDEX reviews_status_due_on ON reviews (status, due_on);
