package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/store"
	"vettingd/store/storetest"
)

func TestMetricsSnapshotCountsReviewsAndOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		s, err := store.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		asOf := civil.MustParse("2027-01-02")

		empty, err := s.MetricsSnapshot(ctx, asOf)
		if err != nil {
			t.Fatal(err)
		}
		if len(empty.Reviews) != 0 || len(empty.Overdue) != 0 || len(empty.Messages) != 0 || empty.ItemsWaiting != 0 || empty.OldestPending != nil {
			t.Fatalf("empty database: %+v", empty)
		}

		seedMetrics(t, s)
		got, err := s.MetricsSnapshot(ctx, asOf)
		if err != nil {
			t.Fatal(err)
		}
		wantReviews := []store.ReviewCount{
			{Kind: "integrity_review", Status: "acknowledged", N: 1},
			{Kind: "integrity_review", Status: "completed", N: 1},
			{Kind: "integrity_review", Status: "open", N: 2},
			{Kind: "revetting", Status: "cancelled", N: 1},
			{Kind: "vetting_gap", Status: "open", N: 1},
		}
		if !reflect.DeepEqual(got.Reviews, wantReviews) {
			t.Errorf("reviews %+v, want %+v", got.Reviews, wantReviews)
		}
		// Due on the as-of date is not yet overdue; completed and cancelled never are.
		if want := map[string]int{"integrity_review": 2, "vetting_gap": 1}; !reflect.DeepEqual(got.Overdue, want) {
			t.Errorf("overdue %v, want %v", got.Overdue, want)
		}
		wantMessages := []store.MessageCount{
			{Channel: "email", Status: "pending", N: 1},
			{Channel: "log", Status: "pending", N: 1},
			{Channel: "log", Status: "sent", N: 2},
			{Channel: "webhook", Status: "failed", N: 1},
		}
		if !reflect.DeepEqual(got.Messages, wantMessages) {
			t.Errorf("messages %+v, want %+v", got.Messages, wantMessages)
		}
		if got.PendingMessages() != 2 || got.ItemsWaiting != 2 {
			t.Errorf("pending %d, items waiting %d; want 2 and 2", got.PendingMessages(), got.ItemsWaiting)
		}
		// The oldest message of all was sent: the oldest pending is the next.
		if want := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC); got.OldestPending == nil || !got.OldestPending.Equal(want) {
			t.Errorf("oldest pending %v, want %v", got.OldestPending, want)
		}
	})
}

// seedMetrics writes reviews in every status around the as-of date
// 2027-01-02, outbox items, and messages on several channels in each status.
func seedMetrics(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := s.DB().ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO people (employee_id, given_name, family_name, workforce_type, start_date, first_imported_on, updated_at)
		VALUES ('E1', 'Ada', 'Lovelace', 'officer', '2001-04-02', '2026-01-01', '2026-01-01 00:00:00')`)
	review := `INSERT INTO reviews (kind, employee_id, reason, source_ref, due_on, opens_on, status, assignee_role, created_on, created_at, updated_at,
		completed_on, cancel_reason) VALUES ($1, 'E1', 'r', $2, $3, '2026-01-01', $4, 'vetting_unit', '2026-01-01', '2026-01-01 00:00:00', '2026-01-01 00:00:00', $5, $6)`
	for _, r := range []struct{ kind, ref, due, status, completedOn, cancelReason any }{
		{"integrity_review", "a", "2027-01-01", "open", nil, nil}, // overdue
		{"integrity_review", "b", "2027-01-02", "open", nil, nil}, // due today: not overdue
		{"integrity_review", "c", "2026-12-01", "acknowledged", nil, nil},
		{"integrity_review", "d", "2026-11-01", "completed", "2026-11-01", nil},
		{"revetting", "e", "2026-01-01", "cancelled", nil, "left"},
		{"vetting_gap", "f", "2026-12-31", "open", nil, nil},
	} {
		exec(review, r.kind, r.ref, r.due, r.status, r.completedOn, r.cancelReason)
	}
	exec(`INSERT INTO notifications (review_id, event, recipient_role, urgent, created_on, created_at, state, due_on)
		SELECT id, 'opened', 'vetting_unit', false, '2027-01-01', '2027-01-01 00:00:00', CASE WHEN source_ref IN ('a', 'b') THEN 'pending' ELSE 'batched' END, due_on
		FROM reviews`)
	at := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
	msg := func(id, channel string, created time.Time) {
		t.Helper()
		err := s.AddMessages(ctx, created, []store.NewMessage{{DeliveryID: id, Recipient: store.Recipient{Role: "vetting_unit"}, Channel: channel, Address: "-", Body: "{}"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	msg("sent-early", "log", at.Add(-time.Hour))
	msg("sent", "log", at.Add(time.Hour))
	msg("failed", "webhook", at.Add(-2*time.Hour))
	msg("pending-log", "log", at.Add(time.Minute))
	msg("pending-email", "email", at)
	exec(`UPDATE messages SET status = 'sent', sent_at = created_at WHERE delivery_id IN ('sent-early', 'sent')`)
	exec(`UPDATE messages SET status = 'failed', last_error = 'refused' WHERE delivery_id = 'failed'`)
}
