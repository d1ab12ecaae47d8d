package cli_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"vettingd/store/storetest"
)

// The rules of SPEC §4 through the command line and the database, on both
// backends: one test per row or lifecycle rule that the unit tests in
// scheduler/ cover only in memory. The small force of import_test.go is
// imported as of 2026-11-02.

// expect checks a review's due date, opening date and assignee ("psd",
// "supervisor:E1"); an empty opens is not checked.
func expect(t *testing.T, r review, due, opens, assignee string) {
	t.Helper()
	who := r.AssigneeRole
	if r.AssigneeID != nil {
		who += ":" + *r.AssigneeID
	}
	if r.DueOn != due || (opens != "" && r.OpensOn != opens) || who != assignee {
		t.Errorf("%v opens %s; want due %s, opens %s, with %s", r, r.OpensOn, due, opens, assignee)
	}
}

func ids(rs []review) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s %s %s", r.Kind, r.SourceRef, r.Status))
	}
	slices.Sort(out)
	return out
}

func TestAClearanceExpiringTodayIsNotCurrentAndAWithdrawalEndsTheLevel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		must(t, dbURL, "import", "clearances", write(t, "c.csv", "clearance_ref,employee_id,level,decision,decided_on,expires_on\n"+
			"X1,E2,RV,granted,2020-01-01,2026-11-10\n"+
			"W1,E6,RV,granted,2025-01-01,\n"), "--as-of", "2026-11-02")

		// E2's RV expires on 10 November: current the day before, not on the day.
		must(t, dbURL, "plan", "--as-of", "2026-11-09")
		rs := reviews(t, dbURL, "--as-of", "2026-11-09")
		absent(t, rs, "E2", "vetting_gap", "post:P1:RV")
		expect(t, find(t, rs, "E2", "revetting", "X1"), "2026-11-10", "2026-05-14", "vetting_unit")
		must(t, dbURL, "plan", "--as-of", "2026-11-10")
		rs = reviews(t, dbURL, "--as-of", "2026-11-10")
		expect(t, find(t, rs, "E2", "vetting_gap", "post:P1:RV"), "2026-11-10", "2026-11-10", "vetting_unit")
		expect(t, find(t, rs, "E2", "revetting", "X1"), "2026-11-10", "", "vetting_unit") // due today…
		overdue := reviews(t, dbURL, "--as-of", "2026-11-11", "--overdue", "--employee", "E2", "--kind", "revetting")
		if len(overdue) != 1 || overdue[0].SourceRef != "X1" { // …and overdue from tomorrow
			t.Errorf("overdue revettings of E2 on 2026-11-11: %v", overdue)
		}

		// E6's RV is withdrawn: the level ends. Gaps for the post's RV and the
		// contractor's NPPV1 baseline (which RV satisfied); no revetting of a
		// level withdrawn, nor of the withdrawal.
		find(t, reviews(t, dbURL, "--as-of", "2026-11-10"), "E6", "revetting", "W1")
		must(t, dbURL, "import", "clearances", write(t, "w.csv", "clearance_ref,employee_id,level,decision,decided_on\nW2,E6,RV,withdrawn,2026-11-12\n"), "--as-of", "2026-11-12")
		rs = reviews(t, dbURL, "--as-of", "2026-11-12", "--employee", "E6")
		expect(t, find(t, rs, "E6", "vetting_gap", "post:P1:RV"), "2026-11-12", "2026-11-12", "vetting_unit")
		expect(t, find(t, rs, "E6", "vetting_gap", "baseline:NPPV1"), "2026-11-12", "2026-11-12", "vetting_unit")
		for _, r := range rs {
			if r.Kind == "revetting" {
				t.Errorf("a withdrawn level is re-vetted: %v", r)
			}
		}
		if r := find(t, reviews(t, dbURL, "--status", "cancelled"), "E6", "revetting", "W1"); r.Status != "cancelled" {
			t.Errorf("the withdrawn grant's revetting %v", r)
		}
	})
}

func TestInterestAndAssociationReviewsStartFromTheFirstImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		must(t, dbURL, "import", "interests", write(t, "i.csv", "interest_ref,employee_id,decision,decided_on\n"+
			"I1,E2,approved,2020-03-10\n"+ // anniversaries 10 March: the first on or after 2026-11-02 is 2027
			"I2,E2,approved_with_conditions,2025-11-02\n"+ // an anniversary on the import day counts
			"I3,E3,refused,2026-09-15\n"), "--as-of", "2026-11-02")
		must(t, dbURL, "import", "associations", write(t, "a.csv", "association_ref,employee_id,declared_on,conditions\n"+
			"N1,E2,2024-01-31,no contact on duty\n"+ // every 6 months from 31 January
			"N2,E2,2024-01-31,\n"), "--as-of", "2026-11-02") // no conditions: no review
		rs := reviews(t, dbURL, "--as-of", "2026-11-02")
		expect(t, find(t, rs, "E2", "interest_review", "I1"), "2027-03-10", "2027-02-08", "psd")
		expect(t, find(t, rs, "E2", "interest_review", "I2"), "2026-11-02", "2026-10-03", "psd")
		expect(t, find(t, rs, "E2", "association_review", "N1"), "2027-01-31", "2027-01-17", "psd")
		absent(t, rs, "E2", "association_review", "N2")
		// A refused interest: its compliance is checked 6 months on, by PSD; no review, no briefing.
		expect(t, find(t, rs, "E3", "interest_compliance_check", "I3"), "2027-03-15", "2027-03-01", "psd")
		absent(t, rs, "E3", "interest_review", "I3")
		absent(t, rs, "E3", "supervisor_briefing", "I3")

		// The same declaration first imported later starts from that import.
		must(t, dbURL, "import", "associations", write(t, "b.csv", "association_ref,employee_id,declared_on,conditions\nN3,E5,2024-01-31,no contact\n"), "--as-of", "2027-02-15")
		expect(t, find(t, reviews(t, dbURL, "--as-of", "2027-02-15"), "E5", "association_review", "N3"), "2027-07-31", "2027-07-17", "psd")

		// Once completed, the next cycle runs from the completion.
		for _, id := range []int64{find(t, rs, "E2", "interest_review", "I1").ID, find(t, rs, "E2", "association_review", "N1").ID} {
			must(t, dbURL, "reviews", "complete", fmt.Sprint(id), "--by", "E1", "--on", "2027-02-20", "--as-of", "2027-02-21")
		}
		rs = reviews(t, dbURL, "--as-of", "2027-02-21")
		expect(t, find(t, rs, "E2", "interest_review", "I1"), "2028-02-20", "2028-01-21", "psd")
		expect(t, find(t, rs, "E2", "association_review", "N1"), "2027-08-20", "2027-08-06", "psd")
	})
}

func TestAbsentAndSuspendedPeopleKeepAllTheirReviews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		planned(t, dbURL)
		must(t, dbURL, "import", "adverse", write(t, "a.csv", "intel_ref,employee_id,source,received_on\nA2,E2,pnd,2026-11-02\n"), "--as-of", "2026-11-02")
		// E4 was absent and E3 suspended from the start: they have their reviews.
		rs := reviews(t, dbURL, "--as-of", "2026-11-02")
		find(t, rs, "E4", "integrity_review", "annual")
		find(t, rs, "E4", "revetting", "C5")
		find(t, rs, "E3", "mitigation_review", "C3")
		before := ids(reviews(t, dbURL, "--as-of", "2026-11-02", "--employee", "E2"))
		closed := ids(reviews(t, dbURL, "--status", "cancelled", "--employee", "E2")) // the gap the clearance closed
		// E2 becomes absent: nothing of theirs is cancelled.
		must(t, dbURL, "import", "people", write(t, "d.csv", "employee_id,given_name,family_name,workforce_type,post_id,supervisor_id,start_date,status\n"+
			"E2,Bob,Smith,officer,P1,E1,2010-09-01,absent\n"), "--mode", "delta", "--as-of", "2026-11-03")
		must(t, dbURL, "plan", "--as-of", "2026-11-04")
		if after := ids(reviews(t, dbURL, "--as-of", "2026-11-04", "--employee", "E2")); !slices.Equal(after, before) {
			t.Errorf("absent E2's open reviews %v, before %v", after, before)
		}
		if c := ids(reviews(t, dbURL, "--status", "cancelled", "--employee", "E2")); !slices.Equal(c, closed) {
			t.Errorf("absent E2's cancelled reviews %v, before %v", c, closed)
		}
		if !slices.Contains(before, "vetting_review A2 open") || !slices.Contains(before, "revetting C2 open") {
			t.Errorf("E2's reviews %v", before)
		}
	})
}

func TestVettingReviewsFromEventsAreDueAsThePolicySays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		must(t, dbURL, "import", "misconduct", write(t, "m.csv", "case_ref,employee_id,outcome,concluded_on\n"+
			"M1,E5,written_warning,2026-10-20\nM2,E5,management_advice,2026-10-20\n"), "--as-of", "2026-11-02")
		must(t, dbURL, "import", "adverse", write(t, "a.csv", "intel_ref,employee_id,source,received_on\nA1,E5,ict_monitoring,2026-10-30\n"), "--as-of", "2026-11-02")
		must(t, dbURL, "import", "circumstances", write(t, "r.csv", "report_ref,employee_id,category,reported_on,assessment,assessed_on\n"+
			"R1,E5,criminal,2026-10-25,,\nR2,E5,address,2026-10-01,additional_risk,2026-10-15\nR3,E5,address,2026-10-01,no_additional_risk,2026-10-15\n"),
			"--as-of", "2026-11-02")
		rs := reviews(t, dbURL, "--as-of", "2026-11-02", "--employee", "E5")
		expect(t, find(t, rs, "E5", "vetting_review", "M1"), "2026-11-17", "2026-10-20", "vetting_unit") // concluded + 28 days
		expect(t, find(t, rs, "E5", "vetting_review", "A1"), "2026-11-06", "2026-10-30", "vetting_unit") // received + 7 days
		expect(t, find(t, rs, "E5", "vetting_review", "R1"), "2026-11-22", "2026-10-25", "vetting_unit") // criminal: reported + 28 days, no assessment
		expect(t, find(t, rs, "E5", "vetting_review", "R2"), "2026-11-12", "2026-10-15", "vetting_unit") // assessed + 28 days
		absent(t, rs, "E5", "vetting_review", "M2")
		absent(t, rs, "E5", "vetting_review", "R3")
		absent(t, rs, "E5", "circumstances_assessment", "R1")
		// Another policy, other dates.
		pol := write(t, "policy.toml", "[vetting_review]\nmisconduct_days = 10\nadverse_days = 3\ncircumstances_days = 5\n"+
			"[misconduct]\ntriggering_outcomes = [\"management_advice\"]\n")
		must(t, dbURL, "plan", "--as-of", "2026-11-03", "--policy", pol)
		rs = reviews(t, dbURL, "--as-of", "2026-11-03", "--employee", "E5")
		expect(t, find(t, rs, "E5", "vetting_review", "M2"), "2026-10-30", "2026-10-20", "vetting_unit")
		expect(t, find(t, rs, "E5", "vetting_review", "A1"), "2026-11-02", "2026-10-30", "vetting_unit")
		expect(t, find(t, rs, "E5", "vetting_review", "R1"), "2026-10-30", "2026-10-25", "vetting_unit")
		expect(t, find(t, rs, "E5", "vetting_review", "R2"), "2026-10-20", "2026-10-15", "vetting_unit")
		absent(t, rs, "E5", "vetting_review", "M1") // a written warning no longer triggers under this policy
	})
}

// An assessment recorded by completing its review is written on the
// report; the next routine export, which still says pending, does not undo
// it (nor cancel the vetting review it opened), says so, and is otherwise
// applied as usual. An export that records an assessment itself wins.
func TestAnExportStillPendingKeepsARecordedAssessment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		file := "report_ref,employee_id,category,reported_on,assessment,assessed_on\nR1,E5,finances,2026-10-25,pending,\nR2,E5,address,2026-10-26,,\n"
		must(t, dbURL, "import", "circumstances", write(t, "r.csv", file), "--as-of", "2026-11-02")
		a := find(t, reviews(t, dbURL, "--employee", "E5"), "E5", "circumstances_assessment", "R1")
		must(t, dbURL, "reviews", "complete", fmt.Sprint(a.ID), "--by", "E1", "--outcome", "additional_risk", "--as-of", "2026-11-04")
		vr := find(t, reviews(t, dbURL, "--employee", "E5"), "E5", "vetting_review", "R1")
		stored := func() []string {
			return storetest.Query(t, dbURL, "SELECT report_ref || ' ' || assessment || ' ' || COALESCE(CAST(assessed_on AS TEXT), '-') FROM circumstances_reports ORDER BY report_ref")
		}
		if got := stored(); !slices.Equal(got, []string{"R1 additional_risk 2026-11-04", "R2 pending -"}) {
			t.Fatalf("after completing: %v", got)
		}
		r := must(t, dbURL, "import", "circumstances", write(t, "r.csv", file), "--as-of", "2026-11-05", "--format", "json")
		m := report(t, r)
		counts(t, m, map[string]float64{"rows": 2, "created": 0, "updated": 0, "unchanged": 2})
		if w := fmt.Sprint(m["warnings"]); !strings.Contains(w, "1 of the file's rows still say assessment pending where vettingd has recorded one") {
			t.Errorf("warnings %s", w)
		}
		if got := stored(); !slices.Equal(got, []string{"R1 additional_risk 2026-11-04", "R2 pending -"}) {
			t.Errorf("after the export again: %v", got)
		}
		if got := find(t, reviews(t, dbURL, "--employee", "E5"), "E5", "vetting_review", "R1"); got.ID != vr.ID || got.Status != "open" {
			t.Errorf("the vetting review the assessment opened: %+v, was %+v", got, vr)
		}
		// A later export with its own assessment is the record.
		must(t, dbURL, "import", "circumstances", write(t, "r.csv", strings.Replace(file, "pending,", "no_additional_risk,2026-11-06", 1)), "--as-of", "2026-11-06")
		if got := stored(); !slices.Equal(got, []string{"R1 no_additional_risk 2026-11-06", "R2 pending -"}) {
			t.Errorf("an export with an assessment: %v", got)
		}
	})
}

func TestANewSupervisorIsBriefedAgainAfterAMove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		must(t, dbURL, "import", "associations", write(t, "a.csv", "association_ref,employee_id,declared_on\nN1,E2,2026-10-01\n"), "--as-of", "2026-11-02")
		b := find(t, reviews(t, dbURL), "E2", "supervisor_briefing", "N1")
		expect(t, b, "2026-11-16", "2026-11-02", "supervisor:E1")
		must(t, dbURL, "reviews", "complete", fmt.Sprint(b.ID), "--by", "E1", "--as-of", "2026-11-05")
		absent(t, reviews(t, dbURL, "--as-of", "2026-11-05"), "E2", "supervisor_briefing", "N1")
		// E2 moves to E3, who is owed the briefing E1 had.
		next := strings.Replace(peopleCSV, "E2,Bob,Smith,bob@force.police.uk,,officer,Inspector,P1,E1", "E2,Bob,Smith,bob@force.police.uk,,officer,Inspector,P1,E3", 1)
		must(t, dbURL, "import", "people", write(t, "p.csv", next), "--as-of", "2026-11-09")
		again := find(t, reviews(t, dbURL, "--as-of", "2026-11-09"), "E2", "supervisor_briefing", "N1")
		expect(t, again, "2026-11-16", "2026-11-02", "supervisor:E3")
		if again.ID == b.ID {
			t.Errorf("the completed briefing was reopened instead of a new one owed")
		}
		all := reviews(t, dbURL, "--status", "all", "--employee", "E2", "--kind", "supervisor_briefing")
		if got := ids(all); !slices.Equal(got, []string{"supervisor_briefing N1 completed", "supervisor_briefing N1 open"}) {
			t.Errorf("E2's briefings: %v", got)
		}
	})
}

func TestAFinancesDeclarationOpensAnAssessmentForTheVettingUnit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		ir := find(t, reviews(t, dbURL), "E2", "integrity_review", "annual")
		must(t, dbURL, "reviews", "complete", fmt.Sprint(ir.ID), "--by", "E1", "--outcome", "satisfactory", "--declare", "finances",
			"--on", "2026-11-05", "--as-of", "2026-11-06")
		rs := reviews(t, dbURL, "--as-of", "2026-11-06", "--employee", "E2")
		// Reported on the completion date, assessed within 14 days, by the vetting unit.
		expect(t, find(t, rs, "E2", "circumstances_assessment", fmt.Sprintf("IR%d-finances", ir.ID)), "2026-11-19", "2026-11-05", "vetting_unit")
		absent(t, rs, "E2", "circumstances_assessment", fmt.Sprintf("IR%d-concerns", ir.ID)) // satisfactory: no concerns
		expect(t, find(t, rs, "E2", "integrity_review", "annual"), "2027-11-05", "2027-10-06", "supervisor:E1")
	})
}

// A supervisor or mitigation owner recorded before their start date is
// not in post yet: until they start, the reviews they would have go to the
// vetting unit, and the briefing owed by whoever supervises waits; on the
// start date the plan hands them over, with nothing else changed.
func TestASupervisorOrOwnerTakesOverOnTheirStartDate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		// E7 joins on 2026-12-01; E5 is put under them, as is E8, who joins
		// now (with a gap in their vetting), and E7 owns E6's mitigation plan.
		joiner := "E7,Gus,Gray,gus@force.police.uk,,officer,Inspector,P1,E1,2026-12-01,,active,\n" +
			"E8,Hal,Hill,hal@force.police.uk,,staff,,,E7,2026-11-01,,active,\n"
		moved := strings.Replace(peopleCSV, "E5,Eve,White,eve@force.police.uk,,volunteer,,,E2,", "E5,Eve,White,eve@force.police.uk,,volunteer,,,E7,", 1) + joiner
		must(t, dbURL, "import", "people", write(t, "p.csv", moved), "--as-of", "2026-11-02")
		must(t, dbURL, "import", "clearances", write(t, "c.csv", "clearance_ref,employee_id,level,decision,decided_on,expires_on,adverse_info,mitigation_owner_id,mitigation_review_months\n"+
			"C9,E6,NPPV1,granted_with_conditions,2026-10-01,,false,E7,6\n"), "--as-of", "2026-11-02")
		must(t, dbURL, "import", "associations", write(t, "a.csv", "association_ref,employee_id,declared_on\nN1,E5,2026-10-01\n"), "--as-of", "2026-11-02")

		before := reviews(t, dbURL, "--as-of", "2026-11-30")
		expect(t, find(t, before, "E5", "integrity_review", "annual"), "2027-01-31", "", "vetting_unit")
		expect(t, find(t, before, "E6", "mitigation_review", "C9"), "2027-04-01", "", "vetting_unit")
		absent(t, before, "E5", "supervisor_briefing", "N1")
		if got := storetest.Query(t, dbURL, `SELECT event FROM notifications WHERE recipient_id = 'E7'`); len(got) != 0 {
			t.Errorf("E7 was told before they started: %v", got)
		}

		must(t, dbURL, "plan", "--as-of", "2026-12-01")
		after := reviews(t, dbURL, "--as-of", "2026-12-01")
		expect(t, find(t, after, "E5", "integrity_review", "annual"), "2027-01-31", "", "supervisor:E7")
		expect(t, find(t, after, "E6", "mitigation_review", "C9"), "2027-04-01", "", "owner:E7")
		expect(t, find(t, after, "E5", "supervisor_briefing", "N1"), "2026-11-16", "", "supervisor:E7")
	})
}
