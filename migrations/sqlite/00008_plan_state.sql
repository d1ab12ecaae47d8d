-- Incremental planning: what the planner last concluded for each person
-- holds, with no record of theirs changed, from valid_from until the day
-- before valid_until (NULL: for good), the next date on which the rules
-- could conclude otherwise (a start, an end, an expiry). A person with no
-- row is planned at the next run; every write to what the rules read
-- deletes the rows it concerns. plan_rules holds the fingerprint of the
-- rules and policy the rows were computed under: when it differs, every
-- row is void.

-- +goose Up
CREATE TABLE plan_state (
    employee_id TEXT PRIMARY KEY,
    valid_from  DATE NOT NULL,
    valid_until DATE
);
CREATE TABLE plan_rules (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL
);

-- +goose Down
DROP TABLE plan_rules;
DROP TABLE plan_state;
