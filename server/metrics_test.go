package server_test

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/server"
	"vettingd/store"
	"vettingd/store/storetest"
)

func TestMetricsShowWhatTheDatabaseHolds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		s := seedForMetrics(t, dbURL)
		today := civil.MustParse("2027-02-15")
		m := server.NewMetrics(s, func() civil.Date { return today })
		body := scrape(t, m, http.StatusOK)

		count := func(q string, args ...any) float64 {
			t.Helper()
			got := storetest.Query(t, dbURL, q, args...)
			n, err := strconv.ParseFloat(got[0], 64)
			if err != nil || n == 0 {
				t.Fatalf("%s: %v (%v): the seed should give a non-zero count", q, got, err)
			}
			return n
		}
		want := map[string]float64{
			`vettingd_reviews{kind="integrity_review",status="open"}`:         count(`SELECT COUNT(*) FROM reviews WHERE kind = 'integrity_review' AND status = 'open'`),
			`vettingd_reviews{kind="integrity_review",status="acknowledged"}`: 1,
			`vettingd_reviews{kind="vetting_gap",status="open"}`:              count(`SELECT COUNT(*) FROM reviews WHERE kind = 'vetting_gap' AND status = 'open'`),
			`vettingd_reviews{kind="revetting",status="open"}`:                0, // known kinds read 0, not nothing
			`vettingd_reviews_overdue{kind="integrity_review"}`: count(`SELECT COUNT(*) FROM reviews
				WHERE kind = 'integrity_review' AND status IN ('open', 'acknowledged') AND due_on < $1`, today),
			`vettingd_reviews_overdue{kind="vetting_gap"}`: count(`SELECT COUNT(*) FROM reviews
				WHERE kind = 'vetting_gap' AND status IN ('open', 'acknowledged') AND due_on < $1`, today),
			`vettingd_reviews_overdue{kind="annual_appraisal"}`:           0,
			`vettingd_outbox_messages{channel="log",status="sent"}`:       count(`SELECT COUNT(*) FROM messages WHERE channel = 'log' AND status = 'sent'`),
			`vettingd_outbox_messages{channel="webhook",status="failed"}`: 1,
			`vettingd_outbox_messages{channel="email",status="pending"}`:  1,
			`vettingd_outbox_messages{channel="slack",status="sent"}`:     0,
			`vettingd_outbox_pending`:                                     1,
			`vettingd_outbox_items_waiting`:                               count(`SELECT COUNT(*) FROM notifications WHERE state = 'pending'`),
			`vettingd_planner_duration_seconds_count`:                     0,
		}
		for series, n := range want {
			if got := sample(t, body, series); got != n {
				t.Errorf("%s = %v, want %v", series, got, n)
			}
		}
		// The pending e-mail was queued two hours ago.
		if age := sample(t, body, "vettingd_outbox_oldest_pending_age_seconds"); age < 7200 || age > 7200+300 {
			t.Errorf("oldest pending age %v s, want about 7200", age)
		}
		for _, name := range []string{"go_goroutines ", "process_cpu_seconds_total "} {
			if !strings.Contains(body, "\n"+name) {
				t.Errorf("no %s: the Go and process collectors are missing", name)
			}
		}
	})
}

// seedForMetrics imports four people and runs the daemon's commands over
// them, so that the database holds what a running daemon writes: open,
// acknowledged and overdue reviews, sent messages on the log channel and
// outbox items waiting. It adds a failed webhook message and an e-mail left
// pending, queued two hours ago.
func seedForMetrics(t *testing.T, dbURL string) *store.Store {
	t.Helper()
	env := map[string]string{"VETTINGD_DATABASE_URL": dbURL}
	f := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(f, []byte(people), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, env, "import", "people", f, "--as-of", "2026-11-02")
	run(t, env, "notify", "run", "--as-of", "2027-01-01") // the log channel
	id := storetest.Query(t, dbURL, `SELECT id FROM reviews WHERE kind = 'integrity_review' AND employee_id = 'E2'`)[0]
	run(t, env, "reviews", "ack", id, "--by", "E1", "--as-of", "2027-01-02")
	run(t, env, "plan", "--as-of", "2027-02-15") // escalations owed, not yet sent
	ctx := context.Background()
	s, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	now := time.Now()
	addMessage(t, s, "wh-1", "webhook", now.Add(-3*time.Hour))
	claimed, _, err := s.ClaimMessages(ctx, now, time.Minute, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claimed %v, %v: want the webhook message alone", claimed, err)
	}
	if err := s.MessageFailed(ctx, claimed[0], now, "410 Gone"); err != nil {
		t.Fatal(err)
	}
	addMessage(t, s, "em-1", "email", now.Add(-2*time.Hour))
	return s
}

func addMessage(t *testing.T, s *store.Store, id, channel string, at time.Time) {
	t.Helper()
	err := s.AddMessages(context.Background(), at, []store.NewMessage{{DeliveryID: id, Recipient: store.Recipient{Role: "vetting_unit"},
		Channel: channel, Address: "-", Body: "{}"}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMetricsHistogramsCountObservations(t *testing.T) {
	m := server.NewMetrics(storetest.Open(t, "sqlite"), func() civil.Date { return civil.MustParse("2027-01-01") })
	m.ObservePlan(1500 * time.Millisecond)
	m.ObserveImport("people", 250*time.Millisecond)
	body := scrape(t, m, http.StatusOK)
	for series, want := range map[string]float64{
		`vettingd_planner_duration_seconds_count`:               1,
		`vettingd_planner_duration_seconds_sum`:                 1.5,
		`vettingd_planner_duration_seconds_bucket{le="0.8"}`:    0,
		`vettingd_planner_duration_seconds_bucket{le="1.6"}`:    1,
		`vettingd_import_duration_seconds_count{kind="people"}`: 1,
		`vettingd_import_duration_seconds_sum{kind="people"}`:   0.25,
	} {
		if got := sample(t, body, series); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}

func TestMetricsScrapeFailsWhenTheDatabaseDoes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		s, err := store.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		m := server.NewMetrics(s, func() civil.Date { return civil.MustParse("2027-01-01") })
		s.Close()
		if body := scrape(t, m, http.StatusInternalServerError); !strings.Contains(body, "database is closed") {
			t.Errorf("the failed scrape does not say why:\n%s", body)
		}
	})
}

// scrape serves m's handler, GETs it and checks the status.
func scrape(t *testing.T, m *server.Metrics, status int) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status {
		t.Fatalf("GET /metrics: %d, want %d\n%s", resp.StatusCode, status, b)
	}
	return string(b)
}

// sample returns the value of one series (name and labels, as exposed) in
// Prometheus's text format, failing the test when it is absent.
func sample(t *testing.T, body, series string) float64 {
	t.Helper()
	for line := range strings.Lines(body) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), series+" "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return n
		}
	}
	t.Fatalf("no series %s in the scrape:\n%s", series, body)
	return 0
}
