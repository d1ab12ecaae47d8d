package scheduler

import (
	"fmt"

	"vettingd/civil"
	"vettingd/store"
)

// held is the latest decision a person has for one level.
type held struct {
	c      store.Clearance
	expiry civil.Date
}

// latestByLevel returns, per level, the latest decision by decided_on.
// Clearances arrive ordered by level, decided_on and ref, so the last wins.
func (f *facts) latestByLevel() map[string]held {
	if f.latest != nil {
		return f.latest
	}
	f.latest = make(map[string]held, len(f.p.Clearances))
	for _, c := range f.p.Clearances {
		f.latest[c.Level] = held{c: c, expiry: f.expiry(c)}
	}
	return f.latest
}

// expiry is a clearance's explicit expires_on, or decided_on plus the
// level's validity.
func (f *facts) expiry(c store.Clearance) civil.Date {
	if !c.ExpiresOn.IsZero() {
		return c.ExpiresOn
	}
	return c.DecidedOn.AddMonths(f.pol.Revetting.ValidityMonths[c.Level])
}

func isGrant(decision string) bool {
	return decision == "granted" || decision == "granted_with_conditions"
}

// currentClearances are the levels a current person holds on the as-of
// date: the latest decision of the level is a grant whose expiry is after it.
func (f *facts) currentClearances() []held {
	if f.heldSet {
		return f.holding
	}
	f.heldSet = true
	if !f.current() {
		return nil
	}
	for _, h := range f.latestByLevel() {
		if isGrant(h.c.Decision) && h.expiry.After(f.asOf) {
			f.holding = append(f.holding, h)
		}
	}
	return f.holding
}

// revettings: the latest grant of each level that satisfies one of the
// person's required levels is re-vetted before it expires (an expired one is
// simply overdue). A level nobody requires of them lapses without review.
// Once completed for a clearance, its re-vetting is not reopened.
func revettings(f *facts) []store.Wanted {
	required := f.requiredLevels()
	var out []store.Wanted
	for level, h := range f.latestByLevel() {
		if !isGrant(h.c.Decision) || !f.satisfiesAny(level, required) {
			continue
		}
		if !f.lastCompleted(Revetting, h.c.Ref).IsZero() {
			continue
		}
		out = append(out, f.want(Revetting, h.c.Ref, fmt.Sprintf("%s clearance %s expires %s", level, h.c.Ref, h.expiry),
			h.expiry, h.expiry.AddDays(-f.pol.Revetting.NoticeDays), RoleVettingUnit, ""))
	}
	return out
}

// appraisals: a current DV or EDV clearance has an annual security
// appraisal, and a current NPPV3 clearance an annual vetting notice — each
// every 12 months from the decision, none on or after expiry.
func appraisals(f *facts) []store.Wanted {
	pol := f.pol.AnnualAppraisal
	var out []store.Wanted
	for _, h := range f.currentClearances() {
		if !contains(f.pol.AnnualAppraisal.Levels, h.c.Level) {
			continue
		}
		due := periodicDue(h.c.DecidedOn, h.c.FirstImportedOn, f.lastCompleted(AnnualAppraisal, h.c.Ref), pol.PeriodMonths)
		if !due.Before(h.expiry) {
			continue
		}
		out = append(out, f.want(AnnualAppraisal, h.c.Ref, fmt.Sprintf("Annual appraisal of %s clearance %s", h.c.Level, h.c.Ref),
			due, due.AddDays(-pol.NoticeDays), RoleVettingUnit, ""))
	}
	return out
}
