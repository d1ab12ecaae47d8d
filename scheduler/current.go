package scheduler

import (
	"vettingd/civil"
	"vettingd/policy"
	"vettingd/store"
)

// This file lends the rules' own definitions of what a person holds and
// needs (SPEC §4) to readers outside the planner — the compliance report —
// so that "current" and "satisfied" cannot mean one thing there and another
// here.

// Decision is a person's latest clearance decision of one level, with its
// expiry: the explicit expires_on, or decided_on plus the level's validity.
type Decision struct {
	Clearance store.Clearance
	Expires   civil.Date
}

// Grant reports whether the decision granted the level, with or without conditions.
func (d Decision) Grant() bool { return isGrant(d.Clearance.Decision) }

// CurrentOn reports whether the decision is a current clearance on asOf: a
// grant that expires after it. (The person must be current too.)
func (d Decision) CurrentOn(asOf civil.Date) bool { return d.Grant() && d.Expires.After(asOf) }

// LatestDecisions returns, per level, the latest of a person's decisions.
// The clearances must come ordered by level, decided_on and clearance_ref,
// as the store loads them; the last of a level wins.
func LatestDecisions(clearances []store.Clearance, pol *policy.Policy) map[string]Decision {
	f := &facts{p: &store.PlanPerson{Clearances: clearances}, pol: pol}
	out := map[string]Decision{}
	for level, h := range f.latestByLevel() {
		out[level] = Decision{Clearance: h.c, Expires: h.expiry}
	}
	return out
}

// Expiry is when a clearance lapses: its explicit expires_on, or decided_on
// plus the level's validity; zero for a decision that granted nothing.
func Expiry(c store.Clearance, pol *policy.Policy) civil.Date {
	if !isGrant(c.Decision) {
		return civil.Date{}
	}
	return (&facts{pol: pol}).expiry(c)
}

// RequiredLevels are the baseline levels of a workforce type together with
// a post's required levels (';'-separated).
func RequiredLevels(pol *policy.Policy, workforceType, postLevels string) []string {
	f := &facts{p: &store.PlanPerson{WorkforceType: workforceType, PostLevels: postLevels}, pol: pol}
	return f.requiredLevels()
}

// Satisfies reports whether holding level held meets the required level,
// by the policy's satisfaction map.
func Satisfies(pol *policy.Policy, held, required string) bool {
	return (&facts{pol: pol}).satisfies(held, required)
}
