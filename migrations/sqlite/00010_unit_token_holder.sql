-- A token of any role may name the person who holds it (SPEC §6:
-- `token create --role R [--employee ID]`): they are who acknowledges and
-- completes with it. A supervisor's token must still name its supervisor.
-- SQLite cannot change a CHECK: the table is built anew, and with it the
-- web sessions that refer to it (as SQLite's own procedure for other
-- changes to a table has it; renaming a table rewrites the references to
-- it).

-- +goose Up
CREATE TABLE api_tokens_new (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin','vetting_unit','psd','hr','supervisor')),
    employee_id  TEXT REFERENCES people (employee_id),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    created_by   TEXT NOT NULL,
    revoked_at   TIMESTAMP,
    last_used_at TIMESTAMP,
    CHECK (role <> 'supervisor' OR employee_id IS NOT NULL)
);
INSERT INTO api_tokens_new (id, name, role, employee_id, token_hash, created_at, created_by, revoked_at, last_used_at)
    SELECT id, name, role, employee_id, token_hash, created_at, created_by, revoked_at, last_used_at FROM api_tokens;
CREATE TABLE web_sessions_new (
    id_hash    TEXT PRIMARY KEY,
    token_id   INTEGER NOT NULL REFERENCES api_tokens_new (id),
    csrf       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
INSERT INTO web_sessions_new (id_hash, token_id, csrf, created_at, expires_at)
    SELECT id_hash, token_id, csrf, created_at, expires_at FROM web_sessions;
DROP TABLE web_sessions;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;
ALTER TABLE web_sessions_new RENAME TO web_sessions;
CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at);

-- +goose Down
CREATE TABLE api_tokens_old (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin','vetting_unit','psd','hr','supervisor')),
    employee_id  TEXT REFERENCES people (employee_id),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    created_by   TEXT NOT NULL,
    revoked_at   TIMESTAMP,
    last_used_at TIMESTAMP,
    CHECK ((role = 'supervisor') = (employee_id IS NOT NULL))
);
INSERT INTO api_tokens_old (id, name, role, employee_id, token_hash, created_at, created_by, revoked_at, last_used_at)
    SELECT id, name, role, CASE WHEN role = 'supervisor' THEN employee_id END, token_hash, created_at, created_by, revoked_at, last_used_at FROM api_tokens;
CREATE TABLE web_sessions_old (
    id_hash    TEXT PRIMARY KEY,
    token_id   INTEGER NOT NULL REFERENCES api_tokens_old (id),
    csrf       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
INSERT INTO web_sessions_old (id_hash, token_id, csrf, created_at, expires_at)
    SELECT id_hash, token_id, csrf, created_at, expires_at FROM web_sessions;
DROP TABLE web_sessions;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_old RENAME TO api_tokens;
ALTER TABLE web_sessions_old RENAME TO web_sessions;
CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at);
