package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/store"
	"vettingd/store/storetest"
)

type review struct {
	ID           int64   `json:"id"`
	Kind         string  `json:"kind"`
	EmployeeID   string  `json:"employee_id"`
	SourceRef    string  `json:"source_ref"`
	DueOn        string  `json:"due_on"`
	OpensOn      string  `json:"opens_on"`
	Status       string  `json:"status"`
	AssigneeRole string  `json:"assignee_role"`
	AssigneeID   *string `json:"assignee_id"`
	Outcome      *string `json:"outcome"`
	// AcknowledgedAt and AcknowledgedBy are null until acknowledged.
	AcknowledgedAt *string `json:"acknowledged_at"`
	AcknowledgedBy *string `json:"acknowledged_by"`
}

func (r review) String() string {
	who := r.AssigneeRole
	if r.AssigneeID != nil {
		who += ":" + *r.AssigneeID
	}
	return fmt.Sprintf("%s %s %s %s %s %s", r.EmployeeID, r.Kind, r.SourceRef, r.DueOn, r.Status, who)
}

// reviews lists reviews through the command line as JSON.
func reviews(t *testing.T, dbURL string, argv ...string) []review {
	t.Helper()
	r := must(t, dbURL, append([]string{"reviews", "list", "--format", "json"}, argv...)...)
	var out []review
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("reviews list: %v\n%s", err, r.stdout)
	}
	return out
}

func find(t *testing.T, rs []review, employee, kind, source string) review {
	t.Helper()
	for _, r := range rs {
		if r.EmployeeID == employee && r.Kind == kind && r.SourceRef == source {
			return r
		}
	}
	t.Fatalf("no %s %s %s among %v", employee, kind, source, rs)
	return review{}
}

func absent(t *testing.T, rs []review, employee, kind, source string) {
	t.Helper()
	for _, r := range rs {
		if r.EmployeeID == employee && r.Kind == kind && r.SourceRef == source {
			t.Errorf("unexpected %v", r)
		}
	}
}

const clearancesCSV = `clearance_ref,employee_id,level,decision,decided_on,expires_on,adverse_info,mitigation_owner_id,mitigation_review_months
C1,E1,MV,granted,2020-02-29,,false,,
C2,E2,RV,granted,2016-12-01,,false,,
C3,E3,RV,granted_with_conditions,2022-01-01,,false,E1,6
C4,E3,NPPV3,granted,2023-01-01,,false,,
C5,E4,RV,granted,2020-01-01,,false,,
C6,E5,NPPV2A,granted,2025-01-01,,false,,
C7,E6,NPPV1,granted,2025-01-01,,false,,
C8,E6,RV,granted,2025-01-01,,false,,
`

// planned imports the small force with clearances as of 2026-11-02.
func planned(t *testing.T, dbURL string) {
	t.Helper()
	force(t, dbURL)
	must(t, dbURL, "import", "clearances", write(t, "c.csv", clearancesCSV), "--as-of", "2026-11-02")
}

func TestPlanCreatesTheReviewsOfTheRulesAndIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		planned(t, dbURL)
		rs := reviews(t, dbURL, "--as-of", "2026-11-02")
		find(t, rs, "E1", "revetting", "C1") // MV from 29 Feb 2020 + 7y
		if r := find(t, rs, "E1", "revetting", "C1"); r.DueOn != "2027-02-28" {
			t.Errorf("MV granted 2020-02-29 due %s, want 2027-02-28", r.DueOn)
		}
		if r := find(t, rs, "E2", "revetting", "C2"); r.DueOn != "2026-12-01" {
			t.Errorf("RV due %s", r.DueOn)
		}
		find(t, rs, "E1", "vetting_gap", "post:P2:SC") // designated post also needs SC
		find(t, rs, "E3", "mitigation_review", "C3")   // owner E1
		find(t, rs, "E3", "annual_appraisal", "C4")    // NPPV3 annual notice
		if r := find(t, rs, "E2", "integrity_review", "annual"); r.AssigneeID == nil || *r.AssigneeID != "E1" {
			t.Errorf("E2's integrity review assigned to %v, want supervisor E1", r)
		}
		if r := find(t, rs, "E3", "mitigation_review", "C3"); r.AssigneeRole != "owner" || *r.AssigneeID != "E1" {
			t.Errorf("mitigation review %v", r)
		}
		absent(t, rs, "E6", "vetting_gap", "baseline:NPPV1") // RV satisfies NPPV1
		count := len(rs)
		again := must(t, dbURL, "plan", "--as-of", "2026-11-02", "--format", "json")
		var res map[string]any
		_ = json.Unmarshal([]byte(again.stdout), &res)
		for _, k := range []string{"created", "updated", "cancelled", "completed"} {
			if res[k] != 0.0 {
				t.Errorf("re-plan %s = %v, want 0 (%s)", k, res[k], again.stdout)
			}
		}
		if n := len(reviews(t, dbURL, "--as-of", "2026-11-02")); n != count {
			t.Errorf("re-plan changed the number of open reviews: %d -> %d", count, n)
		}
		if got := len(reviews(t, dbURL, "--as-of", "2026-12-05", "--overdue")); got == 0 {
			t.Errorf("nothing overdue a month later")
		}
	})
}

func TestReviewsListJSONHasExactlyTheSpecFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		planned(t, dbURL)
		r := must(t, dbURL, "reviews", "list", "--format", "json", "--employee", "E2", "--kind", "revetting")
		var rows []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 1 {
			t.Fatalf("list: %v %s", err, r.stdout)
		}
		var keys []string
		for k := range rows[0] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		want := []string{"acknowledged_at", "acknowledged_by", "assignee_id", "assignee_role", "completed_by", "completed_on", "due_on",
			"employee_id", "escalation_level", "id", "kind", "opens_on", "outcome", "overdue", "reason", "source_ref", "status"}
		if !reflect.DeepEqual(keys, want) {
			t.Errorf("fields %v\nwant   %v", keys, want)
		}
		if rows[0]["assignee_id"] != nil || rows[0]["completed_on"] != nil || rows[0]["due_on"] != "2026-12-01" {
			t.Errorf("row %v", rows[0])
		}
		csv := must(t, dbURL, "reviews", "list", "--format", "csv", "--employee", "E2", "--kind", "revetting")
		if lines := strings.Split(strings.TrimSpace(csv.stdout), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "id,kind,employee_id") {
			t.Errorf("csv:\n%s", csv.stdout)
		}
	})
}

func TestMoversLeaversAndNewClearances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		planned(t, dbURL)
		// E4 moves from E2 to E3; E6 leaves; E5 joins post P3 (needs NPPV3).
		next := strings.Replace(peopleCSV, "E4,Dan,Brown,dan@force.police.uk,U4,pcso,,P1,E2", "E4,Dan,Brown,dan@force.police.uk,U4,pcso,,P1,E3", 1)
		next = strings.Replace(next, "E6,Fay,Green,fay@force.police.uk,,contractor,,P1,E3,2025-01-06,,active,\n", "", 1)
		next = strings.Replace(next, "E5,Eve,White,eve@force.police.uk,,volunteer,,,E2", "E5,Eve,White,eve@force.police.uk,,volunteer,,P3,E2", 1)
		must(t, dbURL, "import", "people", write(t, "p.csv", next), "--as-of", "2026-11-09")
		rs := reviews(t, dbURL, "--as-of", "2026-11-09")
		if r := find(t, rs, "E4", "integrity_review", "annual"); *r.AssigneeID != "E3" {
			t.Errorf("mover's review still with %v", *r.AssigneeID)
		}
		for _, r := range rs {
			if r.EmployeeID == "E6" {
				t.Errorf("leaver still has %v", r)
			}
		}
		gap := find(t, rs, "E5", "vetting_gap", "post:P3:NPPV3")
		if gap.DueOn != "2026-11-09" {
			t.Errorf("gap due %s, want the day found", gap.DueOn)
		}
		cancelled := reviews(t, dbURL, "--status", "cancelled", "--employee", "E6")
		if len(cancelled) == 0 {
			t.Errorf("the leaver's reviews were not cancelled")
		}
		if got := storetest.Query(t, dbURL, `SELECT DISTINCT cancel_reason || ' ' || cancelled_on FROM reviews WHERE employee_id = 'E6' AND cancel_reason <> 'resolved'`); len(got) != 1 || got[0] != "leaver 2026-11-09" {
			t.Errorf("the leaver's reviews were cancelled with %q, want as a leaver on the plan's date", got)
		}
		// A week later the gap keeps its date; then a clearance closes it and renews E2's RV.
		must(t, dbURL, "plan", "--as-of", "2026-11-16")
		if g := find(t, reviews(t, dbURL), "E5", "vetting_gap", "post:P3:NPPV3"); g.DueOn != "2026-11-09" {
			t.Errorf("gap moved to %s", g.DueOn)
		}
		must(t, dbURL, "import", "clearances", write(t, "c2.csv", "clearance_ref,employee_id,level,decision,decided_on\nC9,E5,NPPV3,granted,2026-11-17\nC10,E2,RV,granted,2026-11-17\n"), "--as-of", "2026-11-17")
		rs = reviews(t, dbURL, "--status", "all")
		if g := find(t, rs, "E5", "vetting_gap", "post:P3:NPPV3"); g.Status != "cancelled" {
			t.Errorf("gap %v not closed", g)
		}
		if r := find(t, rs, "E2", "revetting", "C2"); r.Status != "completed" || r.Outcome == nil || *r.Outcome != "renewed" {
			t.Errorf("old revetting %v, want completed renewed", r)
		}
		if got := storetest.Query(t, dbURL, `SELECT completed_by || ' ' || completed_on FROM reviews WHERE source_ref = 'C2' AND kind = 'revetting'`); len(got) != 1 || got[0] != "vettingd 2026-11-17" {
			t.Errorf("the old revetting was completed %q, want by vettingd on the renewal's date", got)
		}
		if r := find(t, rs, "E2", "revetting", "C10"); r.Status != "open" || r.DueOn != "2036-11-17" {
			t.Errorf("new revetting %v", r)
		}
		for _, r := range cancelled {
			if strings.Contains(r.String(), "cancelled") && r.EmployeeID != "E6" {
				t.Errorf("%v", r)
			}
		}
	})
}

func TestLifecycleCompletionsAndRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		planned(t, dbURL)
		ir := find(t, reviews(t, dbURL), "E2", "integrity_review", "annual")
		id := fmt.Sprint(ir.ID)
		if r := vettingd(t, dbURL, "", "reviews", "complete", id, "--by", "E1", "--outcome", "fine"); r.code != 2 || !strings.Contains(r.stderr, "satisfactory or concerns") {
			t.Errorf("bad outcome: exit %d %s", r.code, r.stderr)
		}
		must(t, dbURL, "reviews", "ack", id, "--by", "E1", "--as-of", "2026-11-03")
		if r := vettingd(t, dbURL, "", "reviews", "ack", id, "--by", "E1"); r.code != 1 || !strings.Contains(r.stderr, "only an open review can be acknowledged") {
			t.Errorf("second ack: exit %d %s", r.code, r.stderr)
		}
		must(t, dbURL, "reviews", "complete", id, "--by", "E1", "--outcome", "concerns", "--declare", "business_interest", "--declare", "gifts",
			"--on", "2026-11-04", "--as-of", "2026-11-05")
		if r := vettingd(t, dbURL, "", "reviews", "complete", id, "--by", "E1", "--outcome", "concerns"); r.code != 1 || !strings.Contains(r.stderr, "already completed") {
			t.Errorf("second completion: exit %d %s", r.code, r.stderr)
		}
		rs := reviews(t, dbURL, "--as-of", "2026-11-05")
		if r := find(t, rs, "E2", "integrity_review", "annual"); r.DueOn != "2027-11-04" {
			t.Errorf("next integrity review due %s, want completed + 12 months", r.DueOn)
		}
		bi := find(t, rs, "E2", "circumstances_assessment", fmt.Sprintf("IR%d-business_interest", ir.ID))
		if bi.AssigneeRole != "psd" {
			t.Errorf("business interest declaration assessed by %s, want psd", bi.AssigneeRole)
		}
		concerns := find(t, rs, "E2", "circumstances_assessment", fmt.Sprintf("IR%d-concerns", ir.ID))
		if concerns.AssigneeRole != "vetting_unit" {
			t.Errorf("concerns assessed by %s", concerns.AssigneeRole)
		}
		absent(t, rs, "E2", "circumstances_assessment", fmt.Sprintf("IR%d-gifts", ir.ID))
		// Assessing as additional risk writes the report and opens the vetting review.
		must(t, dbURL, "reviews", "complete", fmt.Sprint(concerns.ID), "--by", "E1", "--outcome", "additional_risk", "--as-of", "2026-11-06")
		if r := find(t, reviews(t, dbURL, "--as-of", "2026-11-06"), "E2", "vetting_review", concerns.SourceRef); r.DueOn != "2026-12-04" {
			t.Errorf("vetting review due %s, want assessed + 28 days", r.DueOn)
		}
		if got := storetest.Query(t, dbURL, "SELECT assessment FROM circumstances_reports WHERE report_ref = $1", concerns.SourceRef); got[0] != "additional_risk" {
			t.Errorf("report assessment = %v", got)
		}
		// Importing a report with its assessment completes the open assessment.
		must(t, dbURL, "import", "circumstances", write(t, "r.csv", "report_ref,employee_id,category,reported_on\nR7,E4,finances,2026-11-06\n"), "--as-of", "2026-11-06")
		find(t, reviews(t, dbURL), "E4", "circumstances_assessment", "R7")
		must(t, dbURL, "import", "circumstances", write(t, "r.csv", "report_ref,employee_id,category,reported_on,assessment,assessed_on\nR7,E4,finances,2026-11-06,no_additional_risk,2026-11-08\n"), "--as-of", "2026-11-08")
		if r := find(t, reviews(t, dbURL, "--status", "all"), "E4", "circumstances_assessment", "R7"); r.Status != "completed" || *r.Outcome != "no_additional_risk" {
			t.Errorf("assessment after import: %v", r)
		}
		if r := vettingd(t, dbURL, "", "reviews", "complete", "99999", "--by", "E1"); r.code != 1 || !strings.Contains(r.stderr, "not found") {
			t.Errorf("unknown review: exit %d %s", r.code, r.stderr)
		}
		if got := storetest.Query(t, dbURL, "SELECT action FROM audit_log WHERE substr(action, 1, 7) = 'review_' ORDER BY id"); !slices.Equal(got,
			[]string{"review_acknowledged", "review_completed", "review_completed"}) {
			t.Errorf("audited lifecycle = %v", got)
		}
	})
}

func TestDryRunPlanWritesNothingAndDrawsAreReproducible(t *testing.T) {
	pol := write(t, "policy.toml", "[random_revetting]\nannual_rate = 1.0\n")
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL) // planned on import, without the policy: no draw yet (the posts import's plan had nobody to draw from); no clearances, so no revetting excludes anyone
		before := storetest.Count(t, dbURL, "reviews")
		r := must(t, dbURL, "plan", "--dry-run", "--as-of", "2026-12-01", "--policy", pol, "--format", "json")
		var res map[string]any
		_ = json.Unmarshal([]byte(r.stdout), &res)
		if res["dry_run"] != true || res["draw"] == nil {
			t.Errorf("dry run: %s", r.stdout)
		}
		if storetest.Count(t, dbURL, "reviews") != before || storetest.Count(t, dbURL, "revetting_draws") != 0 {
			t.Fatalf("a dry run wrote")
		}
		must(t, dbURL, "plan", "--as-of", "2026-12-01", "--policy", pol)
		var draws []store.DrawRecord
		if err := json.Unmarshal([]byte(must(t, dbURL, "draws", "--format", "json").stdout), &draws); err != nil || len(draws) != 1 {
			t.Fatalf("draws: %v %v", err, draws)
		}
		dec := draws[0] // newest first
		if dec.Month != "2026-12" || dec.Chosen != 1 || dec.Population != 6 || dec.Eligible != 6 || dec.ExcludeMonths != 12 {
			t.Fatalf("draw %+v", dec)
		}
		// No clearances and no events: everyone is eligible.
		eligible := []string{"E6", "E5", "E4", "E3", "E2", "E1"}
		if dec.EligibleSHA256 != scheduler.EligibleHash(eligible) {
			t.Errorf("recorded eligible hash %s, want that of %v", dec.EligibleSHA256, eligible)
		}
		if got := scheduler.Choose(eligible, 1, dec.Seed); !slices.Equal(got, dec.People) {
			t.Errorf("re-running the draw chose %v, recorded %v (eligible %v)", got, dec.People, eligible)
		}
		find(t, reviews(t, dbURL), dec.People[0], "random_revetting", "draw:2026-12")
		// A second run in the month draws nothing more.
		must(t, dbURL, "plan", "--as-of", "2026-12-15", "--policy", pol)
		if n := storetest.Count(t, dbURL, "revetting_draws"); n != 1 {
			t.Errorf("draws = %d", n)
		}
	})
}

func TestTwoPlannersAtOnceOnPostgres(t *testing.T) {
	dbURL := storetest.URL(t, "postgres")
	force(t, dbURL)
	must(t, dbURL, "import", "clearances", write(t, "c.csv", clearancesCSV), "--as-of", "2026-11-02")
	ctx := context.Background()
	// Remove the reviews the imports planned, so both planners have work.
	s, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	open := "SELECT COUNT(*) FROM reviews WHERE status IN ('open', 'acknowledged')"
	want := storetest.Query(t, dbURL, open)[0]
	if _, err := s.DB().Exec("DELETE FROM notifications; DELETE FROM reviews"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &scheduler.Planner{Store: s, Policy: policy.Default(), Everyone: true}
			_, errs[i] = p.Run(ctx, civil.MustParse("2026-11-02"), "test", false)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := storetest.Query(t, dbURL, open)[0]; got != want {
		t.Errorf("four planners at once left %s open reviews, one leaves %s", got, want)
	}
	if total := fmt.Sprint(storetest.Count(t, dbURL, "reviews")); total != want {
		t.Errorf("four planners at once wrote %s reviews (some created twice and closed?), want %s", total, want)
	}
}

func TestAPeopleDeltaReplansTheTeamOfWhoeverChanged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		planned(t, dbURL)
		// E2 leaves by a delta that names only E2: E4 and E5, whom E2 supervised, lose their supervisor.
		must(t, dbURL, "import", "people", write(t, "d.csv", "employee_id,given_name,family_name,workforce_type,post_id,supervisor_id,start_date,end_date\n"+
			"E2,Bob,Smith,officer,P1,E1,2010-09-01,2026-11-05\n"), "--mode", "delta", "--as-of", "2026-11-05")
		rs := reviews(t, dbURL, "--as-of", "2026-11-05")
		for _, who := range []string{"E4", "E5"} {
			if r := find(t, rs, who, "integrity_review", "annual"); r.AssigneeRole != "vetting_unit" {
				t.Errorf("%s's integrity review is with %v after their supervisor left", who, r)
			}
		}
		for _, r := range rs {
			if r.EmployeeID == "E2" {
				t.Errorf("the leaver keeps %v", r)
			}
		}
	})
}

func TestRecordsSharingAReferenceMakeOneReviewAndPlanningGoesOn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		// E2's interest and association are both X1; E4's misconduct case and
		// adverse record are both X2. Each pair wants one review of one kind
		// with one source_ref: the one due first is kept.
		must(t, dbURL, "import", "interests", write(t, "i.csv", "interest_ref,employee_id,decision,decided_on\nX1,E2,approved,2026-10-01\n"), "--as-of", "2026-11-02")
		must(t, dbURL, "import", "associations", write(t, "a.csv", "association_ref,employee_id,declared_on,conditions\nX1,E2,2026-10-01,no contact on duty\n"), "--as-of", "2026-11-02")
		must(t, dbURL, "import", "misconduct", write(t, "m.csv", "case_ref,employee_id,outcome,concluded_on\nX2,E4,written_warning,2026-10-20\n"), "--as-of", "2026-11-02")
		must(t, dbURL, "import", "adverse", write(t, "v.csv", "intel_ref,employee_id,source,received_on\nX2,E4,pnd,2026-10-30\n"), "--as-of", "2026-11-02")
		// Planning everyone (and a clearances import that plans E1 to E6) still works for the rest of the force.
		must(t, dbURL, "import", "clearances", write(t, "c.csv", clearancesCSV), "--as-of", "2026-11-02")
		must(t, dbURL, "plan", "--as-of", "2026-11-03")
		rs := reviews(t, dbURL, "--as-of", "2026-11-03")
		find(t, rs, "E3", "mitigation_review", "C3")
		find(t, rs, "E1", "revetting", "C1")
		find(t, rs, "E2", "interest_review", "X1")
		find(t, rs, "E2", "association_review", "X1")
		count := map[string]int{}
		for _, r := range rs {
			count[r.EmployeeID+" "+r.Kind+" "+r.SourceRef]++
		}
		if n := count["E2 supervisor_briefing X1"]; n != 1 {
			t.Errorf("%d briefings of E2's supervisor about X1, want 1", n)
		}
		if n := count["E4 vetting_review X2"]; n != 1 {
			t.Errorf("%d vetting reviews of E4 for X2, want 1", n)
		}
		if r := find(t, rs, "E4", "vetting_review", "X2"); r.DueOn != "2026-11-06" {
			t.Errorf("vetting review X2 due %s, want the adverse record's 2026-11-06 (due before the misconduct's 2026-11-17)", r.DueOn)
		}
	})
}

func TestPlanningSomePeopleReadsOnlyTheirRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		planned(t, dbURL)
		// Make E3's NPPV3 clearance unreadable (a date Go cannot hold) behind
		// vettingd's back. Planning E1 and E6 must not read it: a range from
		// E1 to E6 would read the records of everyone between them.
		bad := "never"
		if strings.HasPrefix(dbURL, "postgres") {
			bad = "infinity"
		}
		sqlExec(t, dbURL, "UPDATE clearances SET expires_on = $1 WHERE clearance_ref = 'C4'", bad)
		must(t, dbURL, "import", "adverse", write(t, "a.csv", "intel_ref,employee_id,source,received_on\nA1,E1,pnd,2026-11-03\nA6,E6,pnd,2026-11-03\n"), "--as-of", "2026-11-03")
		rs := reviews(t, dbURL, "--as-of", "2026-11-03")
		find(t, rs, "E1", "vetting_review", "A1")
		find(t, rs, "E6", "vetting_review", "A6")
		// Planning everyone does read it, and says so.
		if r := vettingd(t, dbURL, "", "plan", "--all", "--as-of", "2026-11-03"); r.code != 1 || !strings.Contains(r.stderr, "load records") {
			t.Errorf("a full plan over an unreadable record: exit %d %s", r.code, r.stderr)
		}
	})
}

func TestAnAcknowledgedReviewGivenToANewAssigneeIsOpenAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		planned(t, dbURL)
		rs := reviews(t, dbURL)
		moved := find(t, rs, "E5", "integrity_review", "annual") // E5's supervisor is E2
		stays := find(t, rs, "E2", "integrity_review", "annual") // E2's supervisor is E1
		left := find(t, rs, "E6", "integrity_review", "annual")  // E6's supervisor is E3
		for _, r := range []review{moved, stays, left} {
			must(t, dbURL, "reviews", "ack", fmt.Sprint(r.ID), "--by", *r.AssigneeID, "--as-of", "2026-11-03")
		}
		// E5 moves to E3; E3 leaves (so E6's review goes to the vetting unit); E2 stays with E1.
		next := strings.Replace(peopleCSV, "E5,Eve,White,eve@force.police.uk,,volunteer,,,E2", "E5,Eve,White,eve@force.police.uk,,volunteer,,,E1", 1)
		next = strings.Replace(next, "E3,Cat,Jones,,,staff,Grade 4,P3,E1,2015-02-28,,suspended,", "E3,Cat,Jones,,,staff,Grade 4,P3,E1,2015-02-28,2026-11-04,suspended,", 1)
		must(t, dbURL, "import", "people", write(t, "p.csv", next), "--as-of", "2026-11-04")
		rs = reviews(t, dbURL, "--as-of", "2026-11-04")
		for _, tc := range []struct {
			who, status, assignee string
		}{{"E5", "open", "supervisor:E1"}, {"E6", "open", "vetting_unit"}, {"E2", "acknowledged", "supervisor:E1"}} {
			r := find(t, rs, tc.who, "integrity_review", "annual")
			assignee := r.AssigneeRole
			if r.AssigneeID != nil {
				assignee += ":" + *r.AssigneeID
			}
			acked := r.AcknowledgedBy != nil || r.AcknowledgedAt != nil
			if r.Status != tc.status || assignee != tc.assignee || acked != (tc.status == "acknowledged") {
				t.Errorf("%s's integrity review: %s with %s, acknowledged by %q at %q; want %s with %s", tc.who, r.Status, assignee,
					orNull(r.AcknowledgedBy), orNull(r.AcknowledgedAt), tc.status, tc.assignee)
			}
		}
		// Nor is it acknowledged as of its old date, for a report.
		got := storetest.Query(t, dbURL, `SELECT employee_id || ' ' || COALESCE(CAST(acknowledged_on AS TEXT), 'none') FROM reviews
			WHERE kind = 'integrity_review' AND employee_id IN ('E2', 'E5', 'E6') ORDER BY employee_id`)
		if !slices.Equal(got, []string{"E2 2026-11-03", "E5 none", "E6 none"}) {
			t.Errorf("acknowledged as of: %v", got)
		}
		// The new assignee can acknowledge it.
		must(t, dbURL, "reviews", "ack", fmt.Sprint(moved.ID), "--by", "E1", "--as-of", "2026-11-05")
	})
}

func orNull(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}
