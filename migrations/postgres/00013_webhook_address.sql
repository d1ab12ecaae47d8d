-- The outbox no longer keeps the webhook's URL (it may carry a secret, as
-- Teams' do): a webhook message goes to the URL configured when it is
-- sent. The URLs kept by earlier versions are removed.

-- +goose Up
UPDATE messages SET address = 'webhook' WHERE channel = 'webhook' AND address <> 'webhook';

-- +goose Down
-- Nothing to restore: the URL is the daemon's setting.
SELECT 1;
