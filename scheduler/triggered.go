package scheduler

import (
	"fmt"

	"vettingd/store"
)

// vettingReviews: an immediate vetting review after a qualifying misconduct
// outcome (Rec 11), a change of circumstances assessed as additional risk
// or of a category reviewed without assessment (Rec 15), and any adverse
// information (APP 2024). An event's review, once closed, is not reopened.
func vettingReviews(f *facts) []store.Wanted {
	pol := f.pol.VettingReview
	var out []store.Wanted
	for _, m := range f.p.Misconduct {
		if !contains(f.pol.Misconduct.TriggeringOutcomes, m.Outcome) || f.everClosed(VettingReview, m.Ref) {
			continue
		}
		due := m.ConcludedOn.AddDays(pol.MisconductDays)
		out = append(out, f.want(VettingReview, m.Ref, fmt.Sprintf("Misconduct outcome %s concluded %s (HMICFRS Rec 11)", m.Ref, m.ConcludedOn),
			due, m.ConcludedOn, RoleVettingUnit, ""))
	}
	for _, c := range f.p.Circumstances {
		if f.everClosed(VettingReview, c.Ref) {
			continue
		}
		switch {
		case c.Assessment == "additional_risk":
			due := c.AssessedOn.AddDays(pol.CircumstancesDays)
			out = append(out, f.want(VettingReview, c.Ref, fmt.Sprintf("Change of circumstances %s assessed as additional risk (HMICFRS Rec 15)", c.Ref),
				due, c.AssessedOn, RoleVettingUnit, ""))
		case contains(f.pol.Circumstances.ReviewWithoutAssessment, c.Category):
			due := c.ReportedOn.AddDays(pol.CircumstancesDays)
			out = append(out, f.want(VettingReview, c.Ref, fmt.Sprintf("Change of circumstances %s reported %s (HMICFRS Rec 15)", c.Ref, c.ReportedOn),
				due, c.ReportedOn, RoleVettingUnit, ""))
		}
	}
	for _, a := range f.p.Adverse {
		if f.everClosed(VettingReview, a.Ref) {
			continue
		}
		due := a.ReceivedOn.AddDays(pol.AdverseDays)
		out = append(out, f.want(VettingReview, a.Ref, fmt.Sprintf("Adverse information %s received %s (APP 2024)", a.Ref, a.ReceivedOn),
			due, a.ReceivedOn, RoleVettingUnit, ""))
	}
	return out
}

// assessments: a change of circumstances still pending is assessed within
// 14 days — by PSD for associations and business interests, else by the
// vetting unit — unless its category goes straight to a vetting review.
func assessments(f *facts) []store.Wanted {
	pol := f.pol.Circumstances
	var out []store.Wanted
	for _, c := range f.p.Circumstances {
		if c.Assessment != "pending" || contains(pol.ReviewWithoutAssessment, c.Category) || f.everClosed(CircumstancesAssessment, c.Ref) {
			continue
		}
		role := RoleVettingUnit
		if contains(pol.PSDCategories, c.Category) {
			role = RolePSD
		}
		due := c.ReportedOn.AddDays(pol.AssessmentDays)
		out = append(out, f.want(CircumstancesAssessment, c.Ref, fmt.Sprintf("Assess change of circumstances %s reported %s", c.Ref, c.ReportedOn),
			due, c.ReportedOn, role, ""))
	}
	return out
}
