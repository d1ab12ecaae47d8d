-- API tokens: only a SHA-256 of each token is kept.

-- +goose Up
CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin','vetting_unit','psd','hr','supervisor')),
    employee_id  TEXT REFERENCES people (employee_id),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   TEXT NOT NULL,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    CHECK ((role = 'supervisor') = (employee_id IS NOT NULL))
);

-- +goose Down
DROP TABLE api_tokens;
