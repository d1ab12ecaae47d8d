package scheduler

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/store"
)

var d = civil.MustParse

// person returns a current officer in post P1 (requiring RV) under E0,
// first imported 2026-01-05.
func person() *store.PlanPerson {
	return &store.PlanPerson{EmployeeID: "E1", WorkforceType: "officer", PostID: "P1", PostLevels: "RV",
		SupervisorID: "E0", SupervisorCurrent: true, Status: "active",
		StartDate: d("2015-03-01"), FirstImportedOn: d("2026-01-05")}
}

func grant(ref, level, decided string) store.Clearance {
	return store.Clearance{EmployeeID: "E1", Ref: ref, Level: level, Decision: "granted", DecidedOn: d(decided), FirstImportedOn: d("2026-01-05")}
}

// wanted renders the wanted reviews of one kind as "source due opens role:id" lines, sorted.
func wanted(p *store.PlanPerson, asOf, kind string) []string {
	pol := policy.Default()
	var out []string
	for _, w := range Evaluate(p, &pol, d(asOf)) {
		if w.Kind == kind {
			out = append(out, fmt.Sprintf("%s %s %s %s:%s", w.SourceRef, w.DueOn, w.OpensOn, w.AssigneeRole, w.AssigneeID))
		}
	}
	sort.Strings(out)
	return out
}

func check(t *testing.T, name string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", name, got, want)
	}
}

func TestIntegrityReview(t *testing.T) {
	p := person()
	check(t, "no history: start + 12 months, not before first import + 90 days", wanted(p, "2026-02-01", IntegrityReview),
		"annual 2026-04-05 2026-03-06 supervisor:E0")
	p.StartDate = d("2026-01-01")
	check(t, "new joiner: start + 12 months", wanted(p, "2026-02-01", IntegrityReview), "annual 2027-01-01 2026-12-02 supervisor:E0")
	p.LastIntegrityReviewOn = d("2025-06-30")
	check(t, "HR's last review date", wanted(p, "2026-02-01", IntegrityReview), "annual 2026-06-30 2026-05-31 supervisor:E0")
	p.Closed = []store.ClosedReviews{{Kind: IntegrityReview, SourceRef: "annual", AssigneeID: "E0", LastCompleted: d("2026-02-29"[:8] + "28")}}
	check(t, "last completed wins", wanted(p, "2026-03-01", IntegrityReview), "annual 2027-02-28 2027-01-29 supervisor:E0")
	p.SupervisorCurrent = false
	check(t, "a supervisor who left: the vetting unit", wanted(p, "2026-03-01", IntegrityReview), "annual 2027-02-28 2027-01-29 vetting_unit:")
}

func TestPeopleWhoAreNotCurrentHaveNoReviews(t *testing.T) {
	p := person()
	p.Clearances = []store.Clearance{grant("C1", "RV", "2020-01-01")}
	p.EndDate = d("2026-03-01")
	pol := policy.Default()
	if w := Evaluate(p, &pol, d("2026-03-01")); len(w) != 0 {
		t.Errorf("a leaver on their end date has %d reviews", len(w))
	}
	if w := Evaluate(p, &pol, d("2026-02-28")); len(w) == 0 {
		t.Errorf("the day before leaving, no reviews")
	}
	p.EndDate, p.StartDate = civil.Date{}, d("2026-04-01")
	if w := Evaluate(p, &pol, d("2026-03-31")); len(w) != 0 {
		t.Errorf("a joiner before their start date has %d reviews", len(w))
	}
	for _, status := range []string{"suspended", "absent"} {
		p := person()
		p.Status = status
		if w := Evaluate(p, &pol, d("2026-03-01")); len(w) == 0 {
			t.Errorf("%s people keep their reviews", status)
		}
	}
}

func TestRevettingAndLeapDays(t *testing.T) {
	p := person()
	p.Clearances = []store.Clearance{grant("C1", "RV", "2016-02-29")}
	check(t, "RV 10 years from a leap day is 28 February", wanted(p, "2026-01-10", Revetting), "C1 2026-02-28 2025-09-01 vetting_unit:")
	check(t, "expired: still wanted, simply overdue", wanted(p, "2026-06-01", Revetting), "C1 2026-02-28 2025-09-01 vetting_unit:")
	p.Clearances[0].ExpiresOn = d("2027-05-01")
	check(t, "explicit expires_on", wanted(p, "2026-06-01", Revetting), "C1 2027-05-01 2026-11-02 vetting_unit:")
	p.Clearances = append(p.Clearances, grant("C2", "SC", "2024-01-01"))
	check(t, "a level nobody requires lapses without review", wanted(p, "2026-06-01", Revetting), "C1 2027-05-01 2026-11-02 vetting_unit:")
	p.Clearances = append(p.Clearances, store.Clearance{EmployeeID: "E1", Ref: "C3", Level: "RV", Decision: "withdrawn", DecidedOn: d("2026-05-01")})
	check(t, "a withdrawal ends the level", wanted(p, "2026-06-01", Revetting))
	check(t, "…and opens a gap", wanted(p, "2026-06-01", VettingGap), "post:P1:RV 2026-06-01 2026-06-01 vetting_unit:")
}

func TestVettingGaps(t *testing.T) {
	p := person()
	p.PostLevels = "MV;SC"
	check(t, "a joiner with nothing: one gap per required level", wanted(p, "2026-06-01", VettingGap),
		"baseline:RV 2026-06-01 2026-06-01 vetting_unit:", "post:P1:MV 2026-06-01 2026-06-01 vetting_unit:", "post:P1:SC 2026-06-01 2026-06-01 vetting_unit:")
	p.Clearances = []store.Clearance{grant("C1", "MV", "2020-01-01"), grant("C2", "DV", "2025-01-01")}
	check(t, "MV satisfies RV and MV; DV satisfies SC", wanted(p, "2026-06-01", VettingGap))
	p.Clearances[0].ExpiresOn = d("2026-06-01")
	check(t, "expires_on equal to the as-of date is not current", wanted(p, "2026-06-01", VettingGap),
		"baseline:RV 2026-06-01 2026-06-01 vetting_unit:", "post:P1:MV 2026-06-01 2026-06-01 vetting_unit:")
	v := person()
	v.WorkforceType, v.PostLevels = "volunteer", ""
	v.Clearances = []store.Clearance{grant("C9", "NPPV1", "2025-01-01")}
	check(t, "volunteer baseline NPPV2A is not met by NPPV1", wanted(v, "2026-06-01", VettingGap), "baseline:NPPV2A 2026-06-01 2026-06-01 vetting_unit:")
}

func TestAppraisalsAndTheFirstOnOrAfterImportRule(t *testing.T) {
	p := person()
	p.PostLevels = "RV;DV"
	c := grant("C1", "DV", "2022-03-15")
	c.FirstImportedOn = d("2026-01-05")
	p.Clearances = []store.Clearance{grant("C0", "RV", "2020-01-01"), c}
	check(t, "first anniversary on or after the first import", wanted(p, "2026-02-01", AnnualAppraisal), "C1 2026-03-15 2026-02-13 vetting_unit:")
	p.Clearances[1].FirstImportedOn = d("2026-03-15")
	check(t, "an anniversary on the import day counts", wanted(p, "2026-04-01", AnnualAppraisal), "C1 2026-03-15 2026-02-13 vetting_unit:")
	p.Closed = []store.ClosedReviews{{Kind: AnnualAppraisal, SourceRef: "C1", LastCompleted: d("2026-04-02")}}
	check(t, "next cycle from completion", wanted(p, "2026-04-03", AnnualAppraisal), "C1 2027-04-02 2027-03-03 vetting_unit:")
	p.Closed[0].LastCompleted = d("2028-04-01")
	check(t, "none on or after expiry (DV 7 years: 2029-03-15)", wanted(p, "2028-04-02", AnnualAppraisal))
}

func TestPeriodicDue(t *testing.T) {
	tests := []struct{ anchor, imported, completed, want string }{
		{"2020-01-31", "2026-03-01", "", "2026-07-31"},
		{"2020-01-31", "2020-01-01", "", "2020-07-31"},
		{"2024-02-29", "2025-02-28", "", "2025-02-28"},
		{"2024-08-31", "2025-02-28", "", "2025-02-28"},
		{"2024-08-31", "2025-03-01", "", "2025-08-31"},
		{"2024-08-31", "2025-03-01", "2025-04-30", "2025-10-30"},
	}
	for _, tt := range tests {
		var completed civil.Date
		if tt.completed != "" {
			completed = d(tt.completed)
		}
		if got := periodicDue(d(tt.anchor), d(tt.imported), completed, 6); got.String() != tt.want {
			t.Errorf("periodicDue(%s, imported %s, completed %q, 6) = %s, want %s", tt.anchor, tt.imported, tt.completed, got, tt.want)
		}
	}
}

func TestTriggeredReviewsAndAssessments(t *testing.T) {
	p := person()
	p.Misconduct = []store.Misconduct{{Ref: "M1", Outcome: "final_written_warning", ConcludedOn: d("2026-05-01")},
		{Ref: "M2", Outcome: "management_advice", ConcludedOn: d("2026-05-01")}}
	p.Circumstances = []store.Circumstance{
		{Ref: "R1", Category: "finances", Assessment: "pending", ReportedOn: d("2026-05-02")},
		{Ref: "R2", Category: "criminal", Assessment: "pending", ReportedOn: d("2026-05-03")},
		{Ref: "R3", Category: "address", Assessment: "additional_risk", ReportedOn: d("2026-04-01"), AssessedOn: d("2026-04-10")},
		{Ref: "R4", Category: "business_interest", Assessment: "pending", ReportedOn: d("2026-05-04")},
		{Ref: "R5", Category: "address", Assessment: "no_additional_risk", ReportedOn: d("2026-04-01"), AssessedOn: d("2026-04-10")}}
	p.Adverse = []store.Adverse{{Ref: "A1", ReceivedOn: d("2026-05-05")}}
	check(t, "vetting reviews", wanted(p, "2026-05-06", VettingReview),
		"A1 2026-05-12 2026-05-05 vetting_unit:", "M1 2026-05-29 2026-05-01 vetting_unit:",
		"R2 2026-05-31 2026-05-03 vetting_unit:", "R3 2026-05-08 2026-04-10 vetting_unit:")
	check(t, "assessments: PSD for business interests", wanted(p, "2026-05-06", CircumstancesAssessment),
		"R1 2026-05-16 2026-05-02 vetting_unit:", "R4 2026-05-18 2026-05-04 psd:")
	p.Closed = []store.ClosedReviews{{Kind: VettingReview, SourceRef: "M1"}}
	check(t, "a closed event review is not reopened", wanted(p, "2026-05-06", VettingReview),
		"A1 2026-05-12 2026-05-05 vetting_unit:", "R2 2026-05-31 2026-05-03 vetting_unit:", "R3 2026-05-08 2026-04-10 vetting_unit:")
}

func TestInterestsAssociationsAndBriefings(t *testing.T) {
	p := person()
	p.Interests = []store.Interest{{Ref: "I1", Decision: "approved_with_conditions", DecidedOn: d("2025-03-10"), FirstImportedOn: d("2026-01-05")},
		{Ref: "I2", Decision: "refused", DecidedOn: d("2025-12-31"), FirstImportedOn: d("2026-01-05")}}
	p.Associations = []store.Association{{Ref: "N1", DeclaredOn: d("2025-11-30"), HasConditions: true, FirstImportedOn: d("2026-01-05")},
		{Ref: "N2", DeclaredOn: d("2025-11-30"), FirstImportedOn: d("2026-01-05")}}
	check(t, "interest review", wanted(p, "2026-01-06", InterestReview), "I1 2026-03-10 2026-02-08 psd:")
	check(t, "compliance check on a refusal", wanted(p, "2026-01-06", InterestComplianceCheck), "I2 2026-06-30 2026-06-16 psd:")
	check(t, "association review every 6 months", wanted(p, "2026-01-06", AssociationReview), "N1 2026-05-30 2026-05-16 psd:")
	check(t, "briefings per record", wanted(p, "2026-01-06", SupervisorBriefing),
		"I1 2026-01-19 2026-01-05 supervisor:E0", "N1 2026-01-19 2026-01-05 supervisor:E0", "N2 2026-01-19 2026-01-05 supervisor:E0")
	p.Closed = []store.ClosedReviews{{Kind: SupervisorBriefing, SourceRef: "I1", AssigneeID: "E0", LastCompleted: d("2026-01-10")}}
	check(t, "a briefed supervisor is not briefed again", wanted(p, "2026-01-11", SupervisorBriefing),
		"N1 2026-01-19 2026-01-05 supervisor:E0", "N2 2026-01-19 2026-01-05 supervisor:E0")
	p.SupervisorID = "E7"
	check(t, "a new supervisor is owed every briefing", wanted(p, "2026-01-11", SupervisorBriefing),
		"I1 2026-01-19 2026-01-05 supervisor:E7", "N1 2026-01-19 2026-01-05 supervisor:E7", "N2 2026-01-19 2026-01-05 supervisor:E7")
}

func TestMitigationReviews(t *testing.T) {
	p := person()
	c := grant("C1", "RV", "2025-07-31")
	c.Decision, c.MitigationOwnerID, c.MitigationOwnerCurrent, c.MitigationReviewMonths = "granted_with_conditions", "E5", true, 3
	a := grant("C2", "NPPV3", "2025-06-15")
	a.AdverseInfo = true
	p.Clearances = []store.Clearance{c, a}
	check(t, "owner every N months; VU when no owner", wanted(p, "2026-01-06", MitigationReview),
		"C1 2026-01-31 2026-01-17 owner:E5", "C2 2026-06-15 2026-06-01 vetting_unit:")
	p.Clearances[0].MitigationOwnerCurrent = false
	check(t, "an owner who left: the vetting unit", wanted(p, "2026-01-06", MitigationReview)[:1], "C1 2026-01-31 2026-01-17 vetting_unit:")
}

func TestDiffClosesWhatNoLongerApplies(t *testing.T) {
	pol := policy.Default()
	p := person()
	p.Clearances = []store.Clearance{grant("C1", "RV", "2016-03-01"), grant("C2", "RV", "2026-02-01")}
	p.Circumstances = []store.Circumstance{{Ref: "R1", Category: "finances", Assessment: "no_additional_risk", ReportedOn: d("2026-01-02"), AssessedOn: d("2026-01-09")}}
	sup := "E0"
	p.Open = []store.Review{
		{ID: 1, Kind: Revetting, SourceRef: "C1"},
		{ID: 2, Kind: VettingGap, SourceRef: "post:P1:RV", DueOn: d("2026-01-10"), OpensOn: d("2026-01-10")},
		{ID: 3, Kind: CircumstancesAssessment, SourceRef: "R1"},
		{ID: 4, Kind: IntegrityReview, SourceRef: "annual", DueOn: d("2026-04-05"), OpensOn: d("2026-03-06"), AssigneeRole: "supervisor", AssigneeID: &sup,
			Reason: "Annual integrity review due 2026-04-05 (HMICFRS Rec 43)"},
		{ID: 5, Kind: VettingReview, SourceRef: "M9"},
	}
	var got []string
	asOf := d("2026-02-02")
	for _, c := range Diff(p, Evaluate(p, &pol, asOf), &pol, asOf) {
		got = append(got, fmt.Sprintf("%s %d %s %s %s", c.Action, c.ID, c.Want.Kind, c.Reason, c.CompletedOn))
	}
	sort.Strings(got)
	check(t, "diff", got,
		"cancel 2 vetting_gap resolved ",
		"cancel 5 vetting_review no_longer_applies ",
		"complete 1 revetting renewed 2026-02-01",
		"complete 3 circumstances_assessment no_additional_risk 2026-01-09",
		"create 0 revetting  ")
	p.EndDate = asOf
	for _, c := range Diff(p, Evaluate(p, &pol, asOf), &pol, asOf) {
		if c.Action != "cancel" || c.Reason != "leaver" {
			t.Errorf("a leaver's review %d: %s %s", c.ID, c.Action, c.Reason)
		}
	}
}

// A mover whose new post needs the level they still lack has the same gap:
// the new post's gap keeps the date it was first found (it stays overdue),
// and the old one is cancelled as replaced, not resolved. A gap of a level
// the new post does not need no longer applies; one of a level it adds
// starts afresh.
func TestAMoversUnmetGapKeepsItsDate(t *testing.T) {
	pol := policy.Default()
	p := person()
	p.PostID, p.PostLevels = "P4", "RV;SC"
	p.Open = []store.Review{
		{ID: 2, Kind: VettingGap, SourceRef: "post:P1:RV", DueOn: d("2026-01-15"), OpensOn: d("2026-01-15"), AssigneeRole: "vetting_unit"},
		{ID: 3, Kind: VettingGap, SourceRef: "post:P1:MV", DueOn: d("2026-01-15"), OpensOn: d("2026-01-15"), AssigneeRole: "vetting_unit"},
	}
	var got []string
	asOf := d("2026-02-01")
	for _, c := range Diff(p, Evaluate(p, &pol, asOf), &pol, asOf) {
		got = append(got, fmt.Sprintf("%s %d %s %s %s", c.Action, c.ID, c.Want.SourceRef, c.Reason, c.Want.DueOn))
	}
	sort.Strings(got)
	check(t, "diff", got,
		"cancel 2 post:P1:RV replaced ",
		"cancel 3 post:P1:MV no_longer_applies ",
		"create 0 annual  2026-04-05",
		"create 0 post:P4:RV  2026-01-15",
		"create 0 post:P4:SC  2026-02-01")
}

func TestChooseIsReproducible(t *testing.T) {
	ids := []string{"E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8"}
	a, b := Choose(ids, 3, 42), Choose([]string{"E8", "E7", "E6", "E5", "E4", "E3", "E2", "E1"}, 3, 42)
	if strings.Join(a, ",") != strings.Join(b, ",") || len(a) != 3 {
		t.Fatalf("same people and seed chose %v then %v", a, b)
	}
	if c := Choose(ids, 3, 43); strings.Join(a, ",") == strings.Join(c, ",") {
		t.Errorf("two seeds chose the same people %v (possible, but not with these seeds)", c)
	}
	if got := Choose(ids, 20, 1); len(got) != len(ids) {
		t.Errorf("choosing more than eligible gave %d", len(got))
	}
	if newSeed() == newSeed() {
		t.Errorf("two draws got the same seed")
	}
}

func TestEligibleHashIsOfTheSortedIDsOneALine(t *testing.T) {
	// printf 'E1\nE10\nE2\n' | sha256sum
	const want = "3352caeca4e40808345ed740dd2e2abc1a5ea86fdd72c2d8a8a9844cb644ac25"
	if got := EligibleHash([]string{"E2", "E10", "E1"}); got != want {
		t.Errorf("EligibleHash = %s, want %s", got, want)
	}
}

func TestDiffReopensAnAcknowledgedReviewThatChangesHands(t *testing.T) {
	pol := policy.Default()
	p := person()
	asOf := d("2026-02-02")
	w := Evaluate(p, &pol, asOf)[0] // the integrity review, with supervisor E0
	old, e0 := "E9", "E0"
	for _, tc := range []struct {
		status   string
		assignee *string
		reopen   bool
	}{{"acknowledged", &old, true}, {"open", &old, false}, {"acknowledged", &e0, false}} {
		p.Open = []store.Review{{ID: 1, Kind: w.Kind, SourceRef: w.SourceRef, DueOn: w.DueOn, OpensOn: w.OpensOn, Reason: w.Reason,
			AssigneeRole: RoleSupervisor, AssigneeID: tc.assignee, Status: tc.status}}
		p.Open[0].DueOn = p.Open[0].DueOn.AddDays(-1) // something else moved too
		changes := Diff(p, []store.Wanted{w}, &pol, asOf)
		if len(changes) != 1 || changes[0].Action != "update" || changes[0].Reopen != tc.reopen {
			t.Errorf("%s review with %s given to E0: %+v, want reopen %v", tc.status, *tc.assignee, changes, tc.reopen)
		}
	}
}
