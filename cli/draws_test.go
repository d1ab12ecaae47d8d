package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"vettingd/scheduler"
	"vettingd/store"
	"vettingd/store/storetest"
)

// sqlExec runs a statement straight on the database, behind vettingd's back.
func sqlExec(t *testing.T, dbURL, q string, args ...any) {
	t.Helper()
	s, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.DB().Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func draw(t *testing.T, dbURL, month string) store.DrawRecord {
	t.Helper()
	var draws []store.DrawRecord
	if err := json.Unmarshal([]byte(must(t, dbURL, "draws", "--format", "json").stdout), &draws); err != nil {
		t.Fatal(err)
	}
	for _, d := range draws {
		if d.Month == month {
			return d
		}
	}
	t.Fatalf("no draw in %s among %+v", month, draws)
	return store.DrawRecord{}
}

func TestRandomDrawExcludesOnlyReviewsUnderWayAndVerifies(t *testing.T) {
	pol := write(t, "policy.toml", "[random_revetting]\nannual_rate = 1.0\n") // round(6 × 1.0 ÷ 12) = 1 a month
	storetest.Each(t, func(t *testing.T, dbURL string) {
		planned(t, dbURL)
		must(t, dbURL, "import", "adverse", write(t, "a.csv", "intel_ref,employee_id,source,received_on\nA1,E4,pnd,2026-11-20\n"), "--as-of", "2026-11-20")
		// On 1 December: E1's MV and E2's RV revettings have opened (due within
		// 180 days) and E4 has a vetting review open. E3, E5 and E6 hold
		// clearances whose revettings have not opened: they may be drawn.
		must(t, dbURL, "plan", "--as-of", "2026-12-01", "--policy", pol)
		dec := draw(t, dbURL, "2026-12")
		eligible := []string{"E3", "E5", "E6"}
		if dec.Eligible != 3 || dec.EligibleSHA256 != scheduler.EligibleHash(eligible) || dec.Chosen != 1 || !slices.Contains(eligible, dec.People[0]) {
			t.Fatalf("December draw %+v, want 1 of %v", dec, eligible)
		}
		if text := must(t, dbURL, "draws").stdout; !strings.Contains(text, dec.EligibleSHA256) {
			t.Errorf("draws does not show the eligible hash:\n%s", text)
		}
		// The seed is random, not a function of the month: two dry runs of one month differ.
		seeds := map[string]bool{}
		for range 2 {
			var res struct{ Draw store.DrawRecord }
			_ = json.Unmarshal([]byte(must(t, dbURL, "plan", "--dry-run", "--as-of", "2027-02-01", "--format", "json").stdout), &res)
			seeds[fmt.Sprint(res.Draw.Seed)] = true
		}
		if len(seeds) != 2 {
			t.Errorf("two draws of February 2027 had the same seed")
		}

		// Then the world moves on: E2 is re-vetted, E4's vetting review is
		// done, a joiner arrives the same day. None of it changes the draw's
		// eligible list as of when it was made.
		must(t, dbURL, "import", "people", write(t, "j.csv", "employee_id,given_name,family_name,workforce_type,start_date\nE7,Gil,Ward,staff,2026-11-01\n"),
			"--mode", "delta", "--as-of", "2026-12-01")
		must(t, dbURL, "import", "clearances", write(t, "c.csv", "clearance_ref,employee_id,level,decision,decided_on\nC10,E2,RV,granted,2026-12-02\n"), "--as-of", "2026-12-02")
		vr := find(t, reviews(t, dbURL), "E4", "vetting_review", "A1")
		must(t, dbURL, "reviews", "complete", fmt.Sprint(vr.ID), "--by", "E1", "--as-of", "2026-12-03")
		if out := must(t, dbURL, "draws", "--verify", "2026-12").stdout; !strings.Contains(out, "verified") || strings.Contains(out, "NOT") {
			t.Errorf("verify:\n%s", out)
		}

		// January: whoever December chose is excluded for 12 months; E2 and E4 are eligible again, and so is the joiner.
		must(t, dbURL, "plan", "--as-of", "2027-01-04", "--policy", pol)
		jan := draw(t, dbURL, "2027-01")
		want := []string{"E2", "E4", "E7"}
		for _, id := range eligible {
			if id != dec.People[0] {
				want = append(want, id)
			}
		}
		if jan.EligibleSHA256 != scheduler.EligibleHash(want) || jan.Eligible != len(want) {
			t.Errorf("January eligible %d (%s), want %v", jan.Eligible, jan.EligibleSHA256, want)
		}
		var check scheduler.DrawCheck
		if err := json.Unmarshal([]byte(must(t, dbURL, "draws", "--verify", "2027-01", "--format", "json").stdout), &check); err != nil || !check.Verified {
			t.Errorf("verify January: %v %+v", err, check)
		}

		// A record altered afterwards does not verify.
		other := eligible[0]
		if other == dec.People[0] {
			other = eligible[1]
		}
		sqlExec(t, dbURL, "UPDATE revetting_draw_people SET employee_id = $1 WHERE month = '2026-12'", other)
		if r := vettingd(t, dbURL, "", "draws", "--verify", "2026-12"); r.code != 1 || !strings.Contains(r.stdout, "NOT verified") ||
			!strings.Contains(r.stdout, "the draw recorded ["+other+"]") || !strings.Contains(r.stderr, "does not verify") {
			t.Errorf("altered chosen: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		sqlExec(t, dbURL, "UPDATE revetting_draws SET eligible_sha256 = $1 WHERE month = '2027-01'", scheduler.EligibleHash(eligible))
		if r := vettingd(t, dbURL, "", "draws", "--verify", "2027-01"); r.code != 1 || !strings.Contains(r.stdout, "the draw recorded") {
			t.Errorf("altered hash: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if r := vettingd(t, dbURL, "", "draws", "--verify", "2025-01"); r.code != 1 || !strings.Contains(r.stderr, "no draw was made in 2025-01") {
			t.Errorf("unknown month: exit %d %s", r.code, r.stderr)
		}
		if r := vettingd(t, dbURL, "", "draws", "--verify", "2025-13"); r.code != 2 {
			t.Errorf("bad month: exit %d %s", r.code, r.stderr)
		}
	})
}

// A new installation imports its posts before its people: the plan of the
// posts import has nobody to draw from, and the month's draw waits for the
// first plan with a force.
func TestTheFirstMonthsDrawWaitsForAForce(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	must(t, dbURL, "import", "posts", write(t, "posts.csv", postsCSV), "--as-of", "2026-11-02")
	if n := storetest.Count(t, dbURL, "revetting_draws"); n != 0 {
		t.Fatalf("%d draws with nobody in the force", n)
	}
	must(t, dbURL, "import", "people", write(t, "people.csv", peopleCSV), "--as-of", "2026-11-02")
	must(t, dbURL, "plan", "--as-of", "2026-11-03")
	if d := draw(t, dbURL, "2026-11"); d.Population != 6 {
		t.Errorf("the month's draw: %+v, want one of the 6 people", d)
	}
}
