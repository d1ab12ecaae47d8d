package scheduler

import (
	"fmt"

	"vettingd/store"
)

// interestReviews: an approved business interest, with or without
// conditions, is reviewed every 12 months by PSD; a refused one has its
// compliance checked once, 6 months on (Rec 41).
func interestReviews(f *facts) []store.Wanted {
	var out []store.Wanted
	for _, i := range f.p.Interests {
		switch i.Decision {
		case "approved", "approved_with_conditions":
			pol := f.pol.InterestReview
			due := periodicDue(i.DecidedOn, i.FirstImportedOn, f.lastCompleted(InterestReview, i.Ref), pol.PeriodMonths)
			out = append(out, f.want(InterestReview, i.Ref, fmt.Sprintf("Review business interest %s (HMICFRS Rec 41)", i.Ref),
				due, due.AddDays(-pol.NoticeDays), RolePSD, ""))
		case "refused":
			if f.everClosed(InterestComplianceCheck, i.Ref) {
				continue
			}
			pol := f.pol.InterestComplianceCheck
			due := i.DecidedOn.AddMonths(pol.Months)
			out = append(out, f.want(InterestComplianceCheck, i.Ref, fmt.Sprintf("Check compliance with refused business interest %s (HMICFRS Rec 41)", i.Ref),
				due, due.AddDays(-pol.NoticeDays), RolePSD, ""))
		}
	}
	return out
}

// associationReviews: a notifiable association with conditions is reviewed
// by PSD every 6 months (Rec 42).
func associationReviews(f *facts) []store.Wanted {
	pol := f.pol.AssociationReview
	var out []store.Wanted
	for _, a := range f.p.Associations {
		if !a.HasConditions {
			continue
		}
		due := periodicDue(a.DeclaredOn, a.FirstImportedOn, f.lastCompleted(AssociationReview, a.Ref), pol.PeriodMonths)
		out = append(out, f.want(AssociationReview, a.Ref, fmt.Sprintf("Review conditions of notifiable association %s (HMICFRS Rec 42)", a.Ref),
			due, due.AddDays(-pol.NoticeDays), RolePSD, ""))
	}
	return out
}

// briefings: the supervisor of someone with an approved business interest
// or a notifiable association is briefed about it (Recs 41, 42) — once per
// record and supervisor, so a new supervisor is owed the briefing again.
func briefings(f *facts) []store.Wanted {
	if f.p.SupervisorID == "" || !f.p.SupervisorCurrent {
		return nil
	}
	sup := f.p.SupervisorID
	days := f.pol.SupervisorBriefing.Days
	var out []store.Wanted
	for _, i := range f.p.Interests {
		if i.Decision == "refused" || f.briefed(i.Ref, sup) {
			continue
		}
		out = append(out, f.want(SupervisorBriefing, i.Ref, fmt.Sprintf("Brief the supervisor about business interest %s (HMICFRS Rec 41)", i.Ref),
			i.FirstImportedOn.AddDays(days), i.FirstImportedOn, RoleSupervisor, sup))
	}
	for _, a := range f.p.Associations {
		if f.briefed(a.Ref, sup) {
			continue
		}
		out = append(out, f.want(SupervisorBriefing, a.Ref, fmt.Sprintf("Brief the supervisor about notifiable association %s (HMICFRS Rec 42)", a.Ref),
			a.FirstImportedOn.AddDays(days), a.FirstImportedOn, RoleSupervisor, sup))
	}
	return out
}

// briefed reports whether this supervisor's briefing about ref was closed.
func (f *facts) briefed(ref, supervisor string) bool {
	_, ok := f.closed[histKey{SupervisorBriefing, ref, supervisor}]
	return ok
}
