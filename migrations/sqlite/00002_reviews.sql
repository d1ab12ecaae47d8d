-- Reviews (the obligations the planner derives), random re-vetting draws.

-- +goose Up
CREATE TABLE reviews (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('integrity_review','revetting','annual_appraisal','vetting_gap','vetting_review',
                         'circumstances_assessment','interest_review','interest_compliance_check','association_review',
                         'supervisor_briefing','mitigation_review','random_revetting')),
    employee_id      TEXT NOT NULL REFERENCES people (employee_id),
    reason           TEXT NOT NULL,
    source_ref       TEXT NOT NULL,
    due_on           TEXT NOT NULL,
    opens_on         TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','acknowledged','completed','cancelled')),
    assignee_role    TEXT NOT NULL CHECK (assignee_role IN ('supervisor','vetting_unit','psd','owner')),
    assignee_id      TEXT,
    created_on       TEXT NOT NULL,          -- the as-of date of the plan that created it
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    acknowledged_at  TIMESTAMP,
    acknowledged_by  TEXT,
    completed_on     TEXT,
    completed_by     TEXT,
    outcome          TEXT,
    note             TEXT,
    declarations     TEXT,                   -- ';'-separated
    cancelled_on     TEXT,
    cancel_reason    TEXT,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    CHECK ((status = 'completed') = (completed_on IS NOT NULL)),
    CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL))
);
-- Planning is idempotent: one open review per (kind, person, source).
CREATE UNIQUE INDEX reviews_one_open ON reviews (kind, employee_id, source_ref) WHERE status IN ('open', 'acknowledged');
CREATE INDEX reviews_employee_id ON reviews (employee_id);
CREATE INDEX reviews_status_due_on ON reviews (status, due_on);
CREATE INDEX reviews_assignee_id ON reviews (assignee_id) WHERE assignee_id IS NOT NULL;

-- The monthly randomised re-vetting draw, recorded so it can be re-run and checked.
CREATE TABLE revetting_draws (
    month      TEXT PRIMARY KEY,            -- YYYY-MM
    drawn_on   TEXT NOT NULL,
    seed       INTEGER NOT NULL,
    population INTEGER NOT NULL,            -- current people
    eligible   INTEGER NOT NULL,            -- after exclusions
    chosen     INTEGER NOT NULL,
    drawn_at   TIMESTAMP NOT NULL
);
CREATE TABLE revetting_draw_people (
    month       TEXT NOT NULL REFERENCES revetting_draws (month),
    employee_id TEXT NOT NULL REFERENCES people (employee_id),
    PRIMARY KEY (month, employee_id)
);
CREATE INDEX revetting_draw_people_employee_id ON revetting_draw_people (employee_id);

CREATE TABLE plan_runs (
    id          INTEGER PRIMARY KEY,
    as_of       TEXT NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    people      INTEGER NOT NULL,
    created     INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    cancelled   INTEGER NOT NULL,
    completed   INTEGER NOT NULL
);

-- +goose Down
DROP TABLE plan_runs;
DROP TABLE revetting_draw_people;
DROP TABLE revetting_draws;
DROP TABLE reviews;
