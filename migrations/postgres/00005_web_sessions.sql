-- Web sessions: a signed-in browser, made from an API token. Only a SHA-256
-- of the cookie is kept; revoking the token ends its sessions.

-- +goose Up
CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    token_id   BIGINT NOT NULL REFERENCES api_tokens (id),
    csrf       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at);

-- +goose Down
DROP TABLE web_sessions;
