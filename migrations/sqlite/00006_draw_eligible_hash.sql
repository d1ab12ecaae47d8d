-- A random re-vetting draw records the SHA-256 of its eligible employee ids
-- (sorted) and the exclusion window it used, so that anyone can recompute the
-- eligible list as of the draw and re-run the choice with the recorded seed.
-- Draws made before this version have neither.

-- +goose Up
ALTER TABLE revetting_draws ADD COLUMN eligible_sha256 TEXT;
ALTER TABLE revetting_draws ADD COLUMN exclude_months INTEGER;

-- +goose Down
ALTER TABLE revetting_draws DROP COLUMN exclude_months;
ALTER TABLE revetting_draws DROP COLUMN eligible_sha256;
