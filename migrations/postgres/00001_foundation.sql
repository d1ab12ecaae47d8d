-- Foundation: HR and vetting records, import runs and the audit log.
-- Dates are DATE (civil days in the force's zone); instants are TIMESTAMPTZ.

-- +goose Up
CREATE TABLE posts (
    post_id           TEXT PRIMARY KEY,
    title             TEXT NOT NULL,
    department        TEXT,
    required_levels   TEXT NOT NULL,            -- ';'-separated vetting levels
    designated        BOOLEAN NOT NULL DEFAULT false,
    closed_on         DATE,                     -- set when a snapshot no longer lists the post
    first_imported_on DATE NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    CHECK (NOT designated OR (';' || required_levels || ';') LIKE '%;MV;%')
);

CREATE TABLE people (
    employee_id              TEXT PRIMARY KEY,
    given_name               TEXT NOT NULL,
    family_name              TEXT NOT NULL,
    email                    TEXT,
    slack_user_id            TEXT,
    workforce_type           TEXT NOT NULL CHECK (workforce_type IN ('officer','staff','pcso','special','volunteer','contractor')),
    rank_or_grade            TEXT,
    post_id                  TEXT REFERENCES posts (post_id),
    supervisor_id            TEXT REFERENCES people (employee_id) DEFERRABLE INITIALLY DEFERRED,
    start_date               DATE NOT NULL,
    end_date                 DATE,
    status                   TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended','absent')),
    last_integrity_review_on DATE,
    first_imported_on        DATE NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL,
    CHECK (end_date IS NULL OR end_date >= start_date),
    CHECK (supervisor_id IS NULL OR supervisor_id <> employee_id)
);
CREATE INDEX people_supervisor_id ON people (supervisor_id);
CREATE INDEX people_post_id ON people (post_id);

CREATE TABLE clearances (
    clearance_ref            TEXT PRIMARY KEY,
    employee_id              TEXT NOT NULL REFERENCES people (employee_id),
    level                    TEXT NOT NULL CHECK (level IN ('RV','MV','NPPV1','NPPV2A','NPPV2F','NPPV3','CTC','SC','DV','EDV')),
    decision                 TEXT NOT NULL CHECK (decision IN ('granted','granted_with_conditions','refused','withdrawn')),
    decided_on               DATE NOT NULL,
    expires_on               DATE,
    adverse_info             BOOLEAN NOT NULL DEFAULT false,
    mitigation_owner_id      TEXT REFERENCES people (employee_id),
    mitigation_review_months INTEGER CHECK (mitigation_review_months > 0),
    first_imported_on        DATE NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL,
    CHECK (decision <> 'granted_with_conditions' OR mitigation_owner_id IS NOT NULL),
    CHECK (expires_on IS NULL OR expires_on > decided_on)
);
CREATE INDEX clearances_employee_id ON clearances (employee_id, level, decided_on);

CREATE TABLE misconduct_outcomes (
    case_ref          TEXT PRIMARY KEY,
    employee_id       TEXT NOT NULL REFERENCES people (employee_id),
    outcome           TEXT NOT NULL CHECK (outcome IN ('no_case_to_answer','reflective_practice','management_advice','written_warning','final_written_warning','reduction_in_rank','dismissal')),
    concluded_on      DATE NOT NULL,
    first_imported_on DATE NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX misconduct_outcomes_employee_id ON misconduct_outcomes (employee_id);

CREATE TABLE circumstances_reports (
    report_ref        TEXT PRIMARY KEY,
    employee_id       TEXT NOT NULL REFERENCES people (employee_id),
    category          TEXT NOT NULL CHECK (category IN ('name','address','household','relationship','finances','criminal','civil','association','business_interest','other')),
    reported_on       DATE NOT NULL,
    assessment        TEXT NOT NULL DEFAULT 'pending' CHECK (assessment IN ('pending','no_additional_risk','additional_risk')),
    assessed_on       DATE,
    first_imported_on DATE NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    CHECK (assessed_on IS NULL OR assessed_on >= reported_on)
);
CREATE INDEX circumstances_reports_employee_id ON circumstances_reports (employee_id);

CREATE TABLE adverse_records (
    intel_ref         TEXT PRIMARY KEY,
    employee_id       TEXT NOT NULL REFERENCES people (employee_id),
    source            TEXT NOT NULL,
    received_on       DATE NOT NULL,
    first_imported_on DATE NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX adverse_records_employee_id ON adverse_records (employee_id);

CREATE TABLE business_interests (
    interest_ref      TEXT PRIMARY KEY,
    employee_id       TEXT NOT NULL REFERENCES people (employee_id),
    decision          TEXT NOT NULL CHECK (decision IN ('approved','approved_with_conditions','refused')),
    decided_on        DATE NOT NULL,
    description       TEXT,
    first_imported_on DATE NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX business_interests_employee_id ON business_interests (employee_id);

CREATE TABLE associations (
    association_ref   TEXT PRIMARY KEY,
    employee_id       TEXT NOT NULL REFERENCES people (employee_id),
    declared_on       DATE NOT NULL,
    conditions        TEXT,
    first_imported_on DATE NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX associations_employee_id ON associations (employee_id);

CREATE TABLE import_runs (
    id         BIGSERIAL PRIMARY KEY,
    kind       TEXT NOT NULL,
    mode       TEXT NOT NULL CHECK (mode IN ('snapshot','delta')),
    file_name  TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    as_of      DATE NOT NULL,
    actor      TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL,
    row_count  INTEGER NOT NULL,
    created    INTEGER NOT NULL,
    updated    INTEGER NOT NULL,
    unchanged  INTEGER NOT NULL,
    joiners    INTEGER NOT NULL,
    movers     INTEGER NOT NULL,
    leavers    INTEGER NOT NULL,
    forced     BOOLEAN NOT NULL
);

-- Append-only: each entry carries the SHA-256 of its predecessor's hash and its own content.
CREATE TABLE audit_log (
    id        BIGSERIAL PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL UNIQUE
);

-- +goose StatementBegin
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_refuse_change();
DROP TABLE import_runs;
DROP TABLE associations;
DROP TABLE business_interests;
DROP TABLE adverse_records;
DROP TABLE circumstances_reports;
DROP TABLE misconduct_outcomes;
DROP TABLE clearances;
DROP TABLE people;
DROP TABLE posts;
