package crashtest_test

import (
	"strings"
	"testing"
	"time"

	"vettingd/store/storetest"
)

// An import killed at any moment leaves the database exactly as before
// it, or exactly as a clean run of it does: the records, the import's
// record and its audit entry all there or none (SPEC §3). The import then
// plans the people it concerns in a transaction of its own, so a kill
// between the two may also leave the import applied and its plan not yet
// made (which the next plan makes good); nothing else is allowed.
func TestKilledImportIsAllOrNothing(t *testing.T) {
	binary(t)
	storetest.Each(t, func(t *testing.T, dbURL string) {
		r := rng(t)
		// Two imports: a people snapshot onto a database holding the posts,
		// and the clearances onto one holding the people too.
		run(t, dbURL, nil, "import", "posts", csv("posts"), "--as-of", asOf)
		withPeople, _ := clone(t, dbURL)
		run(t, withPeople, nil, "import", "people", csv("people"), "--as-of", asOf)
		cases := []*importCase{newImportCase(t, "people", dbURL), newImportCase(t, "clearances", withPeople)}

		outcomes, runsOf := map[string]int{}, map[string]int{}
		start := time.Now()
		for i := range *runsFlag {
			c := cases[i%len(cases)]
			db, drop := clone(t, c.base)
			k := runKilled(t, db, nil, spreadEarly(r, i, *runsFlag, c.took*6/5), c.args()...)
			got := storetest.Dump(t, db)
			var outcome string
			tl := ""
			if got != c.before {
				tl = timeless(got)
			}
			switch {
			case got == c.before:
				outcome = "nothing"
			case tl == c.after:
				outcome = "imported and planned"
			case tl == c.unplanned:
				outcome = "imported, plan not yet made"
			default:
				t.Fatalf("run %d: %s import killed after %v left the database neither as before nor as after it; against after: %s",
					i, c.kind, k.At.Sub(k.Start).Round(time.Millisecond), firstDiff(tl, c.after))
			}
			if !k.Killed && outcome != "imported and planned" {
				t.Fatalf("run %d: %s import ended cleanly but left %q", i, c.kind, outcome)
			}
			if outcome == "imported, plan not yet made" {
				// The import forgot the people it concerns, so the next
				// (incremental) plan makes good what its own plan did not.
				run(t, db, nil, "plan", "--as-of", asOf)
				if got := reviewLines(t, db); got != c.reviews {
					t.Fatalf("run %d: after a %s import killed before its plan, the next plan left reviews %s", i, c.kind, firstDiff(got, c.reviews))
				}
			}
			outcomes[c.kind+": "+outcome]++
			runsOf[c.kind]++
			drop()
		}
		t.Logf("%d runs in %v: %v", *runsFlag, time.Since(start).Round(time.Millisecond), outcomes)
		if *runsFlag >= enoughRuns {
			for _, c := range cases {
				if nothing := outcomes[c.kind+": nothing"]; nothing == 0 || nothing == runsOf[c.kind] {
					t.Errorf("the %s import's kills all fell on one side of its commit (%v): they test nothing", c.kind, outcomes)
				}
			}
		}
	})
}

// importCase is one import to kill, with the states it may leave.
type importCase struct {
	kind, base string
	took       time.Duration // a clean run
	before     string        // the dump of base
	after      string        // timeless, after a clean run
	unplanned  string        // timeless, after the import but not its plan
	reviews    string        // reviewLines after a clean run
}

// reviewLines are the reviews of the database at dbURL without ids or
// timestamps, a line each, in order. The random re-vettings are left out:
// the month's draw is made by the first full plan with a force, which the
// next plan after a kill is and the import's own plan (of the people it
// concerns) is not.
func reviewLines(t *testing.T, dbURL string) string {
	t.Helper()
	return strings.Join(storetest.Query(t, dbURL, `SELECT kind || ' ' || employee_id || ' ' || source_ref || ' ' || status || ' ' ||
		COALESCE(assignee_id, '-') || ' ' || due_on FROM reviews WHERE kind <> 'random_revetting' ORDER BY kind, employee_id, source_ref, status`), "\n")
}

func newImportCase(t *testing.T, kind, base string) *importCase {
	t.Helper()
	c := &importCase{kind: kind, base: base, before: storetest.Dump(t, base)}
	ref, drop := clone(t, base)
	defer drop()
	c.took = run(t, ref, nil, c.args()...)
	after := storetest.Dump(t, ref)
	c.took = quickest(t, base, c.took, c.args()...)
	if after == c.before {
		t.Fatalf("a clean %s import changed nothing", kind)
	}
	c.after = timeless(after)
	c.reviews = reviewLines(t, ref)
	// The plan's audit entries are the last: the changes it made, then its
	// own; without them, the database is as the import's own transaction
	// left it.
	lines := strings.Split(strings.TrimSuffix(after, "\n"), "\n")
	last := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "audit_log ") {
			last = i
		}
	}
	if last < 0 || !strings.Contains(lines[last], " plan reviews ") {
		t.Fatalf("the last audit entry of a %s import is not its plan: %.300s", kind, lines[max(last, 0)])
	}
	first := last
	for first > 0 && strings.HasPrefix(lines[first-1], "audit_log ") && strings.Contains(lines[first-1], " reviews_changed reviews ") {
		first--
	}
	c.unplanned = timeless(strings.Join(append(lines[:first:first], lines[last+1:]...), "\n") + "\n")
	t.Logf("%s: a clean import takes %v", kind, c.took.Round(time.Millisecond))
	return c
}

func (c *importCase) args() []string {
	return []string{"import", c.kind, csv(c.kind), "--as-of", asOf}
}
