-- A token of any role may name the person who holds it (SPEC §6:
-- `token create --role R [--employee ID]`): they are who acknowledges and
-- completes with it. A supervisor's token must still name its supervisor.

-- +goose Up
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_check,
    ADD CONSTRAINT api_tokens_check CHECK (role <> 'supervisor' OR employee_id IS NOT NULL);

-- +goose Down
UPDATE api_tokens SET employee_id = NULL WHERE role <> 'supervisor';
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_check,
    ADD CONSTRAINT api_tokens_check CHECK ((role = 'supervisor') = (employee_id IS NOT NULL));
