package scheduler

import (
	"fmt"

	"vettingd/store"
)

// integrityReviews: every current person has an annual integrity review
// (Rec 43), due 12 months after the last one completed; with no history,
// 12 months after last_integrity_review_on; with neither, 12 months after
// start_date but not before first import + 90 days.
func integrityReviews(f *facts) []store.Wanted {
	pol := f.pol.IntegrityReview
	var due = f.lastCompleted(IntegrityReview, "annual")
	switch {
	case !due.IsZero():
		due = due.AddMonths(pol.PeriodMonths)
	case !f.p.LastIntegrityReviewOn.IsZero():
		due = f.p.LastIntegrityReviewOn.AddMonths(pol.PeriodMonths)
	default:
		due = f.p.StartDate.AddMonths(pol.PeriodMonths)
		if floor := f.p.FirstImportedOn.AddDays(pol.FirstImportGraceDays); due.Before(floor) {
			due = floor
		}
	}
	role, id := f.supervisor()
	return []store.Wanted{f.want(IntegrityReview, "annual", fmt.Sprintf("Annual integrity review due %s (HMICFRS Rec 43)", due),
		due, due.AddDays(-pol.NoticeDays), role, id)}
}
