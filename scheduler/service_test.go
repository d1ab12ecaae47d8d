package scheduler_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/store"
	"vettingd/store/storetest"
)

func TestAPanicInPlanningIsRecoveredAndReported(t *testing.T) {
	// A planner without a store panics on its first use of it.
	svc := &scheduler.Service{Planner: &scheduler.Planner{}, Location: time.UTC}
	for range 2 { // the second run is not refused as "already running": the panic released the run
		if _, err := svc.RunOnce(context.Background()); err == nil || !strings.Contains(err.Error(), "planner panicked") {
			t.Fatalf("RunOnce with a failing planner: %v", err)
		}
	}
	if !svc.LastSuccess().IsZero() {
		t.Errorf("a panicked run counted as a success")
	}
}

func TestAnOverlappingRunIsSkipped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		st, err := store.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		asOf := civil.MustParse("2026-11-02")
		svc := &scheduler.Service{Planner: &scheduler.Planner{Store: st, Policy: policy.Default()}, Location: time.UTC, AsOf: asOf}
		// Another planning transaction (a completion, an import's plan) holds
		// the planner's lock: on SQLite the one connection, on PostgreSQL the
		// advisory lock. A run started now waits for it.
		held, release := make(chan struct{}), make(chan struct{})
		blocker := make(chan error, 1)
		go func() {
			_, err := st.Plan(ctx, asOf, "test", true, func(*store.PlanTx) error { close(held); <-release; return nil })
			blocker <- err
		}()
		<-held
		// Two ticks at once: one runs (and waits), the other is skipped at once.
		results := make(chan error, 2)
		for range 2 {
			go func() { _, err := svc.RunOnce(ctx); results <- err }()
		}
		if err := <-results; !errors.Is(err, scheduler.ErrAlreadyRunning) {
			t.Errorf("the first run to return: %v, want it skipped (the other cannot finish yet)", err)
		}
		close(release)
		if err := <-blocker; err != nil {
			t.Fatal(err)
		}
		if err := <-results; err != nil {
			t.Errorf("the run that waited: %v", err)
		}
		if svc.LastSuccess().IsZero() {
			t.Errorf("no success recorded")
		}
	})
}

func TestTheScheduleHonoursCRON_TZ(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		schedule string
		loc      *time.Location
		from     string
		want     string
	}{
		{"CRON_TZ=Europe/London 0 8 * * *", time.UTC, "2026-07-01T12:00:00Z", "2026-07-02T07:00:00Z"}, // summer: 08:00 BST
		{"CRON_TZ=Europe/London 0 8 * * *", time.UTC, "2026-01-15T12:00:00Z", "2026-01-16T08:00:00Z"}, // winter: 08:00 GMT
		{"CRON_TZ=Europe/London 0 8 * * *", time.UTC, "2026-03-28T12:00:00Z", "2026-03-29T07:00:00Z"}, // the clocks go forward that night
		{"0 8 * * *", london, "2026-07-01T12:00:00Z", "2026-07-02T07:00:00Z"},                         // the force's zone without CRON_TZ
		{"0 8 * * *", time.UTC, "2026-07-01T12:00:00Z", "2026-07-02T08:00:00Z"},
	}
	for _, tt := range tests {
		svc := &scheduler.Service{Schedule: tt.schedule, Location: tt.loc}
		next, err := svc.NextRun(utc(tt.from))
		if err != nil {
			t.Fatal(err)
		}
		if !next.Equal(utc(tt.want)) {
			t.Errorf("%q in %s from %s: next run %s (%s in London), want %s", tt.schedule, tt.loc, tt.from,
				next.UTC().Format(time.RFC3339), next.In(london).Format("15:04 MST"), tt.want)
		}
	}
	if _, err := (&scheduler.Service{Schedule: "CRON_TZ=Mars/Olympus 0 8 * * *", Location: time.UTC}).NextRun(time.Now()); err == nil {
		t.Errorf("an unknown zone was accepted")
	}
}
