package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"vettingd/store"
	"vettingd/store/storetest"
)

// TestOneLeaderAtATime: of two daemons on one PostgreSQL database one
// leads; the other takes the lead once the first gives it up. On SQLite
// the one serve always leads.
func TestOneLeaderAtATime(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, dbURL string) {
		a, b := storetest.OpenURL(t, dbURL), storetest.OpenURL(t, dbURL)
		lead, err := a.TryLead(ctx, time.Minute)
		if err != nil {
			t.Fatalf("first daemon: %v", err)
		}
		if err := lead.Check(ctx); err != nil {
			t.Fatalf("check: %v", err)
		}
		second, err := b.TryLead(ctx, time.Minute)
		if a.Dialect() == store.SQLite {
			if err != nil {
				t.Fatalf("SQLite: %v", err)
			}
			second.Release()
			return
		}
		if !errors.Is(err, store.ErrNotLeader) {
			t.Fatalf("second daemon while the first leads: %v, want ErrNotLeader", err)
		}
		// The first daemon's own pool cannot take it twice either: the lock is
		// its lead connection's, not the process's.
		if _, err := a.TryLead(ctx, time.Minute); !errors.Is(err, store.ErrNotLeader) {
			t.Fatalf("a second lead from the leader's pool: %v", err)
		}
		lead.Release()
		second, err = b.TryLead(ctx, time.Minute)
		if err != nil {
			t.Fatalf("second daemon after the first gave up: %v", err)
		}
		second.Release()
	})
}

// TestALeadIsLostWithItsConnection: when the database goes away, the
// leader's check fails, and once it is back, the lead can be taken again.
func TestALeadIsLostWithItsConnection(t *testing.T) {
	ctx := context.Background()
	c := storetest.NewCluster(t)
	s, err := store.Open(ctx, c.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	lead, err := s.TryLead(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := lead.Check(ctx); err == nil {
		t.Fatal("the check passed with the database down")
	}
	lead.Release()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	again, err := s.TryLead(ctx, time.Minute)
	if err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	again.Release()
}

// TestAFrozenLeaderLosesTheLead: a leader that stops checking its lead (a
// hung or frozen process, or one cut off from the database, whose session
// the server cannot see end) loses it once its session has been idle for
// three of its checks, and another daemon takes it; the frozen one's next
// check says it is lost.
func TestAFrozenLeaderLosesTheLead(t *testing.T) {
	ctx := context.Background()
	dbURL := storetest.URL(t, "postgres")
	a, b := storetest.OpenURL(t, dbURL), storetest.OpenURL(t, dbURL)
	const every = time.Second // idle for 3 s ends the session
	frozen, err := a.TryLead(ctx, every)
	if err != nil {
		t.Fatal(err)
	}
	defer frozen.Release()
	start := time.Now()
	var next *store.Lead
	for next == nil {
		next, err = b.TryLead(ctx, time.Minute)
		switch {
		case errors.Is(err, store.ErrNotLeader):
			if time.Since(start) > 30*time.Second {
				t.Fatal("the frozen leader still held the lead after 30 s")
			}
			time.Sleep(100 * time.Millisecond)
		case err != nil:
			t.Fatal(err)
		}
	}
	defer next.Release()
	if took := time.Since(start); took < 3*every {
		t.Errorf("the lead passed after %v, before the leader's session had been idle for %v", took, 3*every)
	}
	if err := frozen.Check(ctx); err == nil {
		t.Error("the frozen leader's check passed after it lost the lead")
	}
	if err := next.Check(ctx); err != nil {
		t.Errorf("the new leader's check: %v", err)
	}
}
