package report

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/store"
)

// events folds the rows of events with their reviews (one row per review,
// ordered by event) into one row per event, keeping the review that
// answers it best: completed, else open, else cancelled.
func events(rows []store.EventReview) []store.EventReview {
	rank := map[string]int{"": 0, "cancelled": 1, "open": 2, "acknowledged": 2, "completed": 3}
	var out []store.EventReview
	for _, r := range rows {
		if n := len(out); n > 0 && out[n-1].Ref == r.Ref && out[n-1].EmployeeID == r.EmployeeID {
			if rank[r.ReviewStatus] > rank[out[n-1].ReviewStatus] {
				out[n-1] = r
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// timeliness classes an event's vetting review against its deadline.
type timeliness int

const (
	onTime     timeliness = iota // completed by the deadline
	inProgress                   // not done, and the deadline has not passed
	late                         // not done by the deadline, done after it, or never to be done
)

// judge classes the review of e against the deadline and says why.
func judge(e store.EventReview, deadline, asOf civil.Date) (timeliness, string) {
	open := e.ReviewStatus == "open" || e.ReviewStatus == "acknowledged"
	switch {
	case e.ReviewStatus == "completed" && !e.ReviewCompleted.After(deadline):
		return onTime, "review completed " + e.ReviewCompleted.String()
	case (open || e.ReviewStatus == "") && !deadline.Before(asOf):
		if open {
			return inProgress, fmt.Sprintf("review open, due %s; time allowed ends %s", e.ReviewDue, deadline)
		}
		return inProgress, "no review opened yet; time allowed ends " + deadline.String()
	case e.ReviewStatus == "completed":
		return late, fmt.Sprintf("review completed %s, after %s", e.ReviewCompleted, deadline)
	case open:
		return late, "review still open; time allowed ended " + deadline.String()
	case e.ReviewStatus == "cancelled":
		note := "review cancelled (" + e.CancelReason + ")"
		if !e.EndDate.IsZero() {
			note += "; left " + e.EndDate.String()
		}
		return late, note
	default:
		return late, "no review opened; time allowed ended " + deadline.String()
	}
}

// misconduct answers Rec 11: a vetting review after each qualifying
// misconduct outcome, opened, and completed within the policy's days.
func (b *builder) misconduct(ctx context.Context) error {
	rows, err := b.rt.MisconductOutcomes(ctx, b.pol.Misconduct.TriggeringOutcomes)
	if err != nil {
		return err
	}
	days := b.pol.VettingReview.MisconductDays
	var all, opened, done, pending, overdue []Item
	for _, e := range events(rows) {
		it := func(note string) Item { return Item{ID: e.EmployeeID, Name: e.Name, Ref: e.Ref, Note: note} }
		all = append(all, it(fmt.Sprintf("%s concluded %s", e.Detail, e.On)))
		if e.ReviewStatus != "" {
			opened = append(opened, it("review "+e.ReviewStatus))
		}
		class, note := judge(e, e.On.AddDays(days), b.asOf)
		switch class {
		case onTime:
			done = append(done, it(note))
		case inProgress:
			pending = append(pending, it(note))
		default:
			overdue = append(overdue, it(note))
		}
	}
	within := plural(days, "day")
	n := len(all)
	b.c.Misconduct = Section{Key: "rec11_misconduct", Title: "Rec 11: vetting reviews after written warnings, final written warnings and reductions in rank",
		Figures: []Figure{
			count("qualifying_outcomes", "Qualifying misconduct outcomes ("+strings.Join(b.pol.Misconduct.TriggeringOutcomes, ", ")+")", "outcomes", all),
			share("vetting_review_opened", "Of those, with a vetting review opened", "outcomes", opened, n),
			share("vetting_review_completed_in_time", "Of those, with the vetting review completed within "+within+" of the outcome", "outcomes", done, n),
			share("vetting_review_in_progress", "Of those, with the review not yet done and still within "+within, "outcomes", pending, n),
			share("vetting_review_late_or_missing", "Of those, with no vetting review completed within "+within, "outcomes", overdue, n),
		}}
	return nil
}

// circumstancesTally folds change-of-circumstances reports into the
// figures of Rec 15.
type circumstancesTally struct {
	pol                              *policy.Circumstances
	asOf                             civil.Date
	all, onTime, awaiting, late      []Item
	needAssessment                   int
	needingReview, opened, notOpened []Item
}

// circumstances answers Rec 15: reports of changes of circumstances,
// assessed on time, and a vetting review opened for each that needs one.
func (b *builder) circumstances(ctx context.Context) error {
	rows, err := b.rt.CircumstancesReports(ctx)
	if err != nil {
		return err
	}
	t := &circumstancesTally{pol: &b.pol.Circumstances, asOf: b.asOf}
	for _, e := range events(rows) {
		t.add(e)
	}
	b.c.Circumstances = t.section()
	return nil
}

func (t *circumstancesTally) add(e store.EventReview) {
	it := func(note string) Item { return Item{ID: e.EmployeeID, Name: e.Name, Ref: e.Ref, Note: note} }
	t.all = append(t.all, it(fmt.Sprintf("%s reported %s", e.Detail, e.On)))
	withoutAssessment := slices.Contains(t.pol.ReviewWithoutAssessment, e.Detail)
	if !withoutAssessment {
		t.needAssessment++
		switch class, note := assessed(e, e.On.AddDays(t.pol.AssessmentDays), t.asOf); class {
		case onTime:
			t.onTime = append(t.onTime, it(note))
		case inProgress:
			t.awaiting = append(t.awaiting, it(note))
		default:
			t.late = append(t.late, it(note))
		}
	}
	if !withoutAssessment && e.Assessment != "additional_risk" {
		return
	}
	why := e.Detail + ", reviewed without assessment"
	if !withoutAssessment {
		why = "assessed additional risk " + e.AssessedOn.String()
	}
	t.needingReview = append(t.needingReview, it(why))
	if e.ReviewStatus != "" {
		t.opened = append(t.opened, it("review "+e.ReviewStatus))
	} else {
		t.notOpened = append(t.notOpened, it(why+"; no vetting review"))
	}
}

func (t *circumstancesTally) section() Section {
	within, n, nr := plural(t.pol.AssessmentDays, "day"), t.needAssessment, len(t.needingReview)
	return Section{Key: "rec15_circumstances", Title: "Rec 15: changes of circumstances reported, assessed and acted on",
		Figures: []Figure{
			count("reports", "Changes of circumstances reported", "reports", t.all),
			share("assessed_on_time", "Reports needing assessment that were assessed within "+within, "reports", t.onTime, n),
			share("awaiting_assessment", "Reports awaiting assessment, still within "+within, "reports", t.awaiting, n),
			share("assessed_late_or_overdue", "Reports assessed after "+within+", or still unassessed after them", "reports", t.late, n),
			share("needing_vetting_review", "Reports that call for a vetting review (additional risk, or a category reviewed without assessment: "+
				strings.Join(t.pol.ReviewWithoutAssessment, ", ")+")", "reports", t.needingReview, len(t.all)),
			share("vetting_review_opened", "Of those, with a vetting review opened", "reports", t.opened, nr),
			share("vetting_review_not_opened", "Of those, with no vetting review opened", "reports", t.notOpened, nr),
		}}
}

// assessed classes a report's assessment against its deadline.
func assessed(e store.EventReview, deadline, asOf civil.Date) (timeliness, string) {
	switch {
	case e.Assessment == "pending" && !deadline.Before(asOf):
		return inProgress, "awaiting assessment; due " + deadline.String()
	case e.Assessment == "pending":
		return late, "not assessed; was due " + deadline.String()
	case e.AssessedOn.IsZero():
		return late, e.Assessment + "; assessment date not recorded"
	case e.AssessedOn.After(deadline):
		return late, fmt.Sprintf("%s, assessed %s, after %s", e.Assessment, e.AssessedOn, deadline)
	default:
		return onTime, fmt.Sprintf("%s, assessed %s", e.Assessment, e.AssessedOn)
	}
}
