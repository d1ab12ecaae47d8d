package scheduler_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/importer"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/store"
	"vettingd/store/storetest"
	"vettingd/synth"
)

// TestIncrementalPlanningMatchesPlanningEveryone steps a generated force
// through four months of changes — movers, leavers, supervisors leaving,
// new clearances, misconduct, reports, posts changing level,
// acknowledgements and completions — some followed at once by planning the
// people concerned and some left to the scheduled run, as after a crash
// between an import and its plan. After each scheduled (incremental) run,
// evaluating everyone must find nothing to change: an incremental plan that
// skipped someone whose records or dates called for a change would fail it.
func TestIncrementalPlanningMatchesPlanningEveryone(t *testing.T) {
	start := civil.MustParse("2026-11-02")
	files, err := synth.Write(t.TempDir(), synth.Config{People: 400, Seed: 7, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		s, err := store.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, kind := range importer.Kinds() {
			importFile(t, s, kind, "", files[kind], start)
		}
		p := &scheduler.Planner{Store: s, Policy: policy.Default()}
		all := &scheduler.Planner{Store: s, Policy: policy.Default(), Everyone: true}
		if _, err := p.Run(ctx, start, "test", false); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(7, 11))
		var evaluated, steps int
		for day := start; day.Before(civil.MustParse("2027-03-01")); day = day.AddDays(1 + rng.IntN(5)) {
			steps++
			ids := storetest.Query(t, dbURL, "SELECT employee_id FROM people WHERE end_date IS NULL ORDER BY employee_id")
			bosses := storetest.Query(t, dbURL, `SELECT DISTINCT s.employee_id FROM people s JOIN people p ON p.supervisor_id = s.employee_id
				WHERE s.end_date IS NULL AND p.end_date IS NULL ORDER BY 1`)
			pick := func() string { return ids[rng.IntN(len(ids))] }
			boss := func() string { return bosses[rng.IntN(len(bosses))] }
			for range 2 {
				change(t, s, p, rng, day, pick, boss)
			}
			res, err := p.Run(ctx, day, "test", false)
			if err != nil {
				t.Fatal(err)
			}
			evaluated += res.People
			check, err := all.Run(ctx, day, "test", true)
			if err != nil {
				t.Fatal(err)
			}
			if n := check.Created + check.Updated + check.Cancelled + check.Completed; n != 0 {
				t.Fatalf("%s: after an incremental plan (%d people), evaluating everyone still changes %d reviews: %+v",
					day, res.People, n, check.PlanStats)
			}
		}
		people := storetest.Count(t, dbURL, "people")
		t.Logf("%d steps; the incremental runs evaluated %d people in all, planning everyone would have evaluated %d",
			steps, evaluated, steps*people)
		if evaluated >= steps*people/2 {
			t.Errorf("incremental runs evaluated %d people over %d steps of %d people: they are not incremental", evaluated, steps, people)
		}
	})
}

// change makes one day's random changes through the importer and the
// review lifecycle; half the time it plans the people concerned at once.
func change(t *testing.T, s *store.Store, p *scheduler.Planner, rng *rand.Rand, day civil.Date, pick, boss func() string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	var touched []string
	write := func(kind, body string) {
		f := filepath.Join(dir, kind+".csv")
		if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		mode := ""
		if kind == "people" || kind == "posts" {
			mode = "delta"
		}
		rep := importFile(t, s, kind, mode, f, day)
		touched = append(touched, rep.Affected...)
	}
	tag := strings.ReplaceAll(day.String(), "-", "") + fmt.Sprint(rng.IntN(1000))
	switch rng.IntN(6) {
	case 0: // a mover, and a supervisor who is to leave soon
		mover, boss, leaver := pick(), pick(), boss()
		if mover == boss || mover == leaver {
			return
		}
		const head = "employee_id,given_name,family_name,workforce_type,start_date,"
		write("people", head+"supervisor_id,post_id\n"+mover+",Pat,Doe,officer,2000-01-01,"+boss+",P00003\n")
		write("people", fmt.Sprintf(head+"end_date\n%s,Sam,Roe,staff,2001-01-01,%s\n", leaver, day.AddDays(1+rng.IntN(10))))
	case 1: // a new clearance, at times with a mitigation plan
		who, owner := pick(), pick()
		mit := ",false,,"
		if rng.IntN(2) == 0 {
			mit = ",true," + owner + ",6"
		}
		decision := "granted"
		if mit != ",false,," {
			decision = "granted_with_conditions"
		}
		write("clearances", fmt.Sprintf("clearance_ref,employee_id,level,decision,decided_on,expires_on,adverse_info,mitigation_owner_id,mitigation_review_months\nX%s,%s,NPPV3,%s,%s,%s%s\n",
			tag, who, decision, day, day.AddMonths(1+rng.IntN(3)), mit))
	case 2: // misconduct and a change of circumstances
		write("misconduct", fmt.Sprintf("case_ref,employee_id,outcome,concluded_on\nM%s,%s,written_warning,%s\n", tag, pick(), day))
		write("circumstances", fmt.Sprintf("report_ref,employee_id,category,reported_on,assessment,assessed_on\nR%s,%s,finances,%s,pending,\n", tag, pick(), day))
	case 3: // a post needs more
		write("posts", "post_id,title,department,required_levels,designated\nP00005,Changed,Command,MV;SC,true\n")
	case 4: // acknowledge and complete
		var open []store.Review
		err := s.EachReview(ctx, store.ReviewFilter{Kind: scheduler.IntegrityReview}, func(r store.Review) error {
			open = append(open, r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(open) < 2 {
			return
		}
		a, b := open[rng.IntN(len(open))], open[rng.IntN(len(open))]
		if a.Status == "open" && a.AssigneeID != nil {
			if err := p.Acknowledge(ctx, day, "test", a.ID, *a.AssigneeID); err != nil {
				t.Fatal(err)
			}
		}
		if b.AssigneeID != nil && b.ID != a.ID {
			_, err := p.Complete(ctx, day, "test", b.ID, store.Completion{By: *b.AssigneeID, On: day, Outcome: "satisfactory"})
			if err != nil {
				t.Fatal(err)
			}
		}
		return
	default: // nothing changes
		return
	}
	if rng.IntN(2) == 0 {
		if _, err := p.PlanAffected(ctx, day, "test", touched, false); err != nil {
			t.Fatal(err)
		}
	}
}

func importFile(t *testing.T, s *store.Store, kind, mode, file string, asOf civil.Date) *importer.Report {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := importer.Run(context.Background(), s, f, importer.Options{Kind: kind, Mode: mode, AsOf: asOf, FileName: kind,
		Actor: "test", MaxLeaverFraction: 1})
	if err != nil || rep.Rejected() {
		t.Fatalf("import %s: %v %+v", kind, err, rep)
	}
	return rep
}

// TestAFullPlanRemembersWhenASupervisorStarts: someone whose supervisor
// joins later is the vetting unit's until then, and the supervisor's from
// the day they start, when a plan of everyone (which reads supervisors'
// dates for the whole force at once) was the last to plan them.
func TestAFullPlanRemembersWhenASupervisorStarts(t *testing.T) {
	start := civil.MustParse("2026-11-02")
	dir := t.TempDir()
	files, err := synth.Write(dir, synth.Config{People: 40, Seed: 5, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	delta := filepath.Join(dir, "joiner.csv")
	body := "employee_id,given_name,family_name,workforce_type,start_date,supervisor_id\n" +
		"J000001,New,Boss,staff,2026-11-09,\nE000030,Pat,Doe,officer,2000-01-01,J000001\n"
	if err := os.WriteFile(delta, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		s, err := store.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, kind := range importer.Kinds() {
			importFile(t, s, kind, "", files[kind], start)
		}
		importFile(t, s, "people", "delta", delta, start)
		everyone := &scheduler.Planner{Store: s, Policy: policy.Default(), Everyone: true}
		if _, err := everyone.Run(ctx, start, "test", false); err != nil {
			t.Fatal(err)
		}
		assignee := func() []string {
			return storetest.Query(t, dbURL, `SELECT COALESCE(assignee_id, '-') FROM reviews
				WHERE employee_id = 'E000030' AND kind = 'integrity_review' AND status IN ('open', 'acknowledged')`)
		}
		if got := assignee(); len(got) != 1 || got[0] != "-" {
			t.Fatalf("before the supervisor starts, the integrity review is assigned to %v, not to nobody (the vetting unit)", got)
		}
		p := &scheduler.Planner{Store: s, Policy: policy.Default()}
		if _, err := p.Run(ctx, civil.MustParse("2026-11-10"), "test", false); err != nil {
			t.Fatal(err)
		}
		if got := assignee(); len(got) != 1 || got[0] != "J000001" {
			t.Fatalf("once the supervisor has started, the integrity review is assigned to %v, not to J000001", got)
		}
	})
}
