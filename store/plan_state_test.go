package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/store"
	"vettingd/store/storetest"
	"vettingd/synth"
)

// An import forgets the people its changes concern by name, or everyone
// when the changes are many; either way the next plan evaluates them.
func TestAnImportForgetsWhomItConcerns(t *testing.T) {
	asOf := civil.MustParse("2026-11-02")
	dir := t.TempDir()
	files, err := synth.Write(dir, synth.Config{People: 200, Seed: 3, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	delta := filepath.Join(dir, "delta.csv")
	// The backends one after the other (not storetest.Each, which runs them
	// at once): the test sets a package variable.
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) { forgetsWhomItConcerns(t, storetest.URL(t, backend), files, delta, asOf) })
	}
}

func forgetsWhomItConcerns(t *testing.T, dbURL string, files synth.Files, delta string, asOf civil.Date) {
	{
		ctx := context.Background()
		s, err := store.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		importAll(t, s, files, asOf)
		p := &scheduler.Planner{Store: s, Policy: policy.Default()}
		plan := func() int {
			res, err := p.Run(ctx, asOf, "test", false)
			if err != nil {
				t.Fatal(err)
			}
			return res.People
		}
		people := storetest.Count(t, dbURL, "people")
		if n := plan(); n != people {
			t.Fatalf("the first plan evaluated %d of %d", n, people)
		}
		if err := os.WriteFile(delta, []byte("employee_id,given_name,family_name,workforce_type,start_date,end_date\nE000150,A,B,staff,2001-01-01,2026-12-01\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		importFile(t, s, "people", "delta", delta, asOf) // one leaver: them, and whoever they supervise
		if n := plan(); n < 1 || n > 20 {
			t.Errorf("after a one-person change the plan evaluated %d people", n)
		}
		defer func(was int) { *store.ForgetByNameUpTo = was }(*store.ForgetByNameUpTo)
		*store.ForgetByNameUpTo = 0
		_ = os.WriteFile(delta, []byte("employee_id,given_name,family_name,workforce_type,start_date,end_date\nE000150,A,B,staff,2001-01-01,2026-12-15\n"), 0o600)
		importFile(t, s, "people", "delta", delta, asOf)
		if n := plan(); n != people {
			t.Errorf("after an import of many changes the plan evaluated %d of %d", n, people)
		}
	}
}
