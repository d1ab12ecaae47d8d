package scheduler

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/store"
)

// rulesVersion changes whenever the rules change what they conclude from
// the same records, so that the first plan under new rules plans everyone.
const rulesVersion = "2026-11-24.1"

// rulesInUse identify the rules and the policy a conclusion was reached under.
func rulesInUse(pol *policy.Policy) store.Rules {
	b, _ := json.Marshal(pol)
	h := sha256.New()
	h.Write([]byte(rulesVersion))
	h.Write(b)
	return store.Rules{Fingerprint: hex.EncodeToString(h.Sum(nil)),
		Detail: map[string]any{"rules_version": rulesVersion, "policy": json.RawMessage(b)}}
}

// validUntil is the first date after asOf on which the rules could
// conclude otherwise for p, none of the records changing: the rules read
// the date only to ask whether the person, their supervisor and their
// mitigation owners are in the force, and which clearances have expired.
// Zero means never.
func validUntil(p *store.PlanPerson, pol *policy.Policy, asOf civil.Date) civil.Date {
	var next civil.Date
	consider := func(d civil.Date) {
		if d.After(asOf) && (next.IsZero() || d.Before(next)) {
			next = d
		}
	}
	consider(p.StartDate)
	consider(p.EndDate)
	consider(p.SupervisorStart)
	consider(p.SupervisorEnd)
	f := &facts{p: p, pol: pol, asOf: asOf}
	for _, c := range p.Clearances {
		consider(f.expiry(c))
		consider(c.MitigationOwnerStart)
		consider(c.MitigationOwnerEnd)
	}
	return next
}
