package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/store"
	"vettingd/store/storetest"
	"vettingd/synth"
)

// Every review a plan creates, updates, cancels or completes is in the
// audit log, a line each, in entries of at most store.AuditChangeLines
// lines: here a first plan's, a line for each review it created (by kind,
// person, source and due date), the chain still verifying.
func TestEveryReviewAPlanChangesIsAudited(t *testing.T) {
	asOf := civil.MustParse("2026-11-02")
	dir := t.TempDir()
	files, err := synth.Write(dir, synth.Config{People: 120, Seed: 5, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	defer func(was int) { *store.AuditChangeLines = was }(*store.AuditChangeLines)
	*store.AuditChangeLines = 50
	// The backends one after the other: the test sets a package variable.
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dbURL := storetest.URL(t, backend)
			s := storetest.OpenURL(t, dbURL)
			importAll(t, s, files, asOf, "posts", "people")
			before := storetest.Count(t, dbURL, "audit_log")
			// The first plan: every review it makes is a change.
			res, err := (&scheduler.Planner{Store: s, Policy: policy.Default()}).Run(ctx, asOf, "test", false)
			if err != nil {
				t.Fatal(err)
			}
			entries, err := s.AuditEntries(ctx, 0, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, e := range entries[before:] {
				if e.Action != "reviews_changed" {
					continue
				}
				var d struct{ Changes string }
				if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
					t.Fatal(err)
				}
				part := strings.Split(strings.TrimSuffix(d.Changes, "\n"), "\n")
				if len(part) > 50 {
					t.Errorf("an entry of %d lines", len(part))
				}
				lines = append(lines, part...)
			}
			changed := res.Created + res.Updated + res.Cancelled + res.Completed
			if len(lines) != changed || changed < 100 || entries[len(entries)-1].Action != "plan" {
				t.Fatalf("%d lines audited for %d changes; last entry %q", len(lines), changed, entries[len(entries)-1].Action)
			}
			want := storetest.Query(t, dbURL, `SELECT 'create new ' || kind || ' ' || employee_id || ' ' || source_ref || ' ' || due_on FROM reviews WHERE status = 'open' ORDER BY id`)
			for _, w := range want {
				if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, w+" ") }) {
					t.Fatalf("no audit line for %q among %d", w, len(lines))
				}
			}
			if broken, n, err := s.VerifyAudit(ctx); err != nil || broken != nil {
				t.Fatalf("verify %d entries: %v %+v", n, err, broken)
			}
		})
	}
}
