-- What has been owed for each review already, so that owing what is new
-- reads only the reviews that may need something (not a whole force's
-- every hour): whether its opening was owed, and (escalation_level) how far
-- it has been escalated.

-- +goose Up
ALTER TABLE reviews ADD COLUMN notified BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX reviews_unnotified ON reviews (opens_on) WHERE NOT notified AND status IN ('open', 'acknowledged');
CREATE INDEX reviews_unescalated ON reviews (due_on) WHERE escalation_level < 2 AND status IN ('open', 'acknowledged');

-- +goose Down
DROP INDEX reviews_unescalated;
DROP INDEX reviews_unnotified;
ALTER TABLE reviews DROP COLUMN notified;
