package crashtest_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"vettingd/store/storetest"
)

// A plan killed at any moment has made all its reviews or none, and after
// a restart and a clean plan the reviews and the notifications they owe
// are those of a clean plan of the same database: none twice, none lost
// (SPEC §4). The month's random re-vetting draw is random, so its reviews
// are checked against the draw recorded rather than against the clean
// plan's own draw.
func TestKilledPlanNeitherDuplicatesNorLoses(t *testing.T) {
	binary(t)
	storetest.Each(t, func(t *testing.T, dbURL string) {
		r := rng(t)
		for _, kind := range []string{"posts", "people", "clearances", "misconduct", "circumstances", "adverse", "interests", "associations"} {
			run(t, dbURL, nil, "import", kind, csv(kind), "--as-of", asOf)
		}
		// A force imported but never planned: the plan has everything to make.
		execSQL(t, dbURL, "DELETE FROM message_items", "DELETE FROM messages", "DELETE FROM notifications", "DELETE FROM reviews",
			"DELETE FROM revetting_draw_people", "DELETE FROM revetting_draws", "DELETE FROM plan_runs", "DELETE FROM plan_state")
		plan := []string{"plan", "--as-of", asOf}

		ref, _ := clone(t, dbURL)
		took := run(t, ref, nil, plan...)
		want := planned(t, ref)
		nReviews, nDrawn := len(lines(want.reviews)), len(lines(want.drawn))
		if nReviews < people {
			t.Fatalf("a clean plan made only %d reviews", nReviews)
		}
		t.Logf("a clean plan takes %v and makes %d reviews (%d drawn) owing %d notifications",
			took.Round(time.Millisecond), nReviews+nDrawn, nDrawn, len(lines(want.owed)))

		outcomes := map[string]int{}
		start := time.Now()
		for i := range *runsFlag {
			db, drop := clone(t, dbURL)
			// Up to twice as long as a clean run: a plan commits at its very
			// end, and a run slowed by a busy machine (a CI running every
			// package at once) must still be killed after its commit now and
			// then.
			k := runKilled(t, db, nil, spread(r, i, *runsFlag, took*2), plan...)
			// One transaction: every review or none.
			switch n := storetest.Count(t, db, "reviews"); {
			case n == 0:
				outcomes["nothing"]++
			case n == nReviews+nDrawn:
				outcomes["all"]++
			default:
				t.Fatalf("run %d: a plan killed after %v left %d reviews of %d", i, k.At.Sub(k.Start).Round(time.Millisecond), n, nReviews+nDrawn)
			}
			run(t, db, nil, plan...)
			got := planned(t, db)
			if n := storetest.Count(t, db, "reviews"); n != nReviews+nDrawn {
				t.Fatalf("run %d: %d reviews after a restart; a clean plan makes %d", i, n, nReviews+nDrawn)
			}
			compare(t, i, "reviews", got.reviews, want.reviews)
			compare(t, i, "notifications", got.owed, want.owed)
			if len(lines(got.drawn)) != nDrawn || got.drawn != got.chosen || len(lines(got.draws)) != 1 {
				t.Fatalf("run %d: drawn for random re-vetting %q; the draw chose %q (draws %q); a clean plan draws %d",
					i, got.drawn, got.chosen, got.draws, nDrawn)
			}
			drop()
		}
		t.Logf("%d runs in %v; the killed plan had made: %v", *runsFlag, time.Since(start).Round(time.Millisecond), outcomes)
		if *runsFlag >= enoughRuns && (outcomes["nothing"] == 0 || outcomes["all"] == 0) {
			t.Errorf("the plan's kills all fell on one side of its commit (%v): they test nothing", outcomes)
		}
	})
}

// plannedState is what a plan made, without ids and timestamps: rows of
// text, one a line, in order.
type plannedState struct {
	reviews string // every review but the random draw's
	owed    string // the notifications those reviews owe
	drawn   string // the people with a random_revetting review
	chosen  string // the people the recorded draw chose
	draws   string // the draws recorded
}

func planned(t *testing.T, dbURL string) plannedState {
	t.Helper()
	return plannedState{
		reviews: rows(t, dbURL, `kind || '|' || employee_id || '|' || source_ref || '|' || reason || '|' || due_on || '|' ||
			opens_on || '|' || status || '|' || assignee_role || '|' || COALESCE(assignee_id, '') || '|' || created_on || '|' || COALESCE(cancel_reason, '')`,
			`FROM reviews WHERE kind <> 'random_revetting'`),
		owed: rows(t, dbURL, `r.kind || '|' || r.employee_id || '|' || r.source_ref || '|' || n.event || '|' ||
			n.recipient_role || '|' || n.recipient_id || '|' || n.state || '|' || n.created_on`,
			`FROM notifications n JOIN reviews r ON r.id = n.review_id WHERE r.kind <> 'random_revetting'`),
		drawn:  rows(t, dbURL, `employee_id`, `FROM reviews WHERE kind = 'random_revetting'`),
		chosen: rows(t, dbURL, `employee_id`, `FROM revetting_draw_people`),
		draws:  rows(t, dbURL, `month`, `FROM revetting_draws`),
	}
}

// rows returns the text expr of the rows of from, sorted, one a line. The
// database joins them and Go sorts them: thousands of rows scanned one by
// one, or sorted by SQLite (C translated to Go), under -race would take
// seconds.
func rows(t *testing.T, dbURL, expr, from string) string {
	t.Helper()
	q := `SELECT ` + expr + ` AS v ` + from
	agg := `SELECT COALESCE(group_concat(v, char(10)), '') FROM (` + q + `) AS q`
	if !strings.HasPrefix(dbURL, "sqlite:") {
		agg = `SELECT COALESCE(string_agg(v, E'\n' ORDER BY v), '') FROM (` + q + `) AS q`
	}
	var out []string
	selectRows(t, dbURL, &out, agg)
	sorted := lines(out[0])
	slices.Sort(sorted)
	return strings.Join(sorted, "\n")
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// compare fails t, naming a row or two, unless got and want are equal.
func compare(t *testing.T, run int, what string, gotRows, wantRows string) {
	t.Helper()
	if gotRows == wantRows {
		return
	}
	got, want := lines(gotRows), lines(wantRows)
	var extra, lost []string
	for _, g := range got {
		if _, ok := slices.BinarySearch(want, g); !ok {
			extra = append(extra, g)
		}
	}
	for _, w := range want {
		if _, ok := slices.BinarySearch(got, w); !ok {
			lost = append(lost, w)
		}
	}
	t.Fatalf("run %d: %d %s after a restart, a clean plan makes %d; not made by a clean plan (%d): %s; lost (%d): %s",
		run, len(got), what, len(want), len(extra), some(extra), len(lost), some(lost))
}

func some(rows []string) string {
	return strings.Join(rows[:min(len(rows), 5)], "; ")
}
