package scheduler

import (
	"fmt"

	"vettingd/store"
)

// mitigations: the current clearance granted with conditions or despite
// adverse information has its risk-mitigation plan reviewed by its named
// owner every mitigation_review_months (Recs 2, 3).
func mitigations(f *facts) []store.Wanted {
	pol := f.pol.MitigationReview
	var out []store.Wanted
	for _, h := range f.currentClearances() {
		c := h.c
		if c.Decision != "granted_with_conditions" && !c.AdverseInfo {
			continue
		}
		months := c.MitigationReviewMonths
		if months <= 0 {
			months = pol.PeriodMonths
		}
		due := periodicDue(c.DecidedOn, c.FirstImportedOn, f.lastCompleted(MitigationReview, c.Ref), months)
		role, id := RoleOwner, c.MitigationOwnerID
		if id == "" || !c.MitigationOwnerCurrent {
			role, id = RoleVettingUnit, ""
		}
		out = append(out, f.want(MitigationReview, c.Ref, fmt.Sprintf("Risk-mitigation review of %s clearance %s (HMICFRS Recs 2, 3)", c.Level, c.Ref),
			due, due.AddDays(-pol.NoticeDays), role, id))
	}
	return out
}
