package store_test

import (
	"context"
	"testing"
	"time"

	"vettingd/store"
	"vettingd/store/storetest"
)

// Migration 00013 removes the webhook URLs earlier versions kept in the
// outbox (one may carry a secret), and leaves other channels' addresses.
func TestMigrationRemovesWebhookURLsFromTheOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		s := storetest.OpenURL(t, dbURL)
		ctx := context.Background()
		if err := s.MigrateDownTo(ctx, 12); err != nil {
			t.Fatal(err)
		}
		rcpt := store.Recipient{Role: "supervisor", ID: "E1"}
		err := s.AddMessages(ctx, time.Now(), []store.NewMessage{
			{DeliveryID: "d1", Recipient: rcpt, Channel: "webhook", Address: "https://teams.example/hook?sig=SECRET", Body: "{}"},
			{DeliveryID: "d2", Recipient: rcpt, Channel: "email", Address: "e1@force.police.uk", Body: "{}"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		got := storetest.Query(t, dbURL, `SELECT channel || ' ' || address FROM messages ORDER BY delivery_id`)
		if len(got) != 2 || got[0] != "webhook webhook" || got[1] != "email e1@force.police.uk" {
			t.Errorf("addresses after the migration: %q", got)
		}
	})
}
