package scheduler

import (
	"strings"
	"vettingd/civil"
	"vettingd/policy"
	"vettingd/store"
)

// rules are the rule families, each from a person's facts to the reviews
// that should be open.
var rules = []func(*facts) []store.Wanted{
	integrityReviews, revettings, appraisals, gaps, vettingReviews, assessments,
	interestReviews, associationReviews, briefings, mitigations, randomRevettings,
}

// Evaluate returns the reviews that should be open for p as of asOf, at
// most one per kind and source (see distinct). A person who is not current
// (a leaver, or not yet started) has none.
func Evaluate(p *store.PlanPerson, pol *policy.Policy, asOf civil.Date) []store.Wanted {
	f := newFacts(p, pol, asOf)
	if !f.current() {
		return nil
	}
	var out []store.Wanted
	for _, rule := range rules {
		out = append(out, rule(f)...)
	}
	return distinct(out)
}

type reviewKey struct{ kind, source string }

// distinct keeps one wanted review per kind and source — the one due first,
// the earlier rule's on a tie. Two records of one person may share a
// reference (an interest and an association both called X1; a case_ref that
// is also an intel_ref), and the reference is the review's source_ref
// (SPEC §4), while the database holds one open review per (kind, employee,
// source_ref): a second would fail the whole planning run.
func distinct(wants []store.Wanted) []store.Wanted {
	at := make(map[reviewKey]int, len(wants))
	out := make([]store.Wanted, 0, len(wants))
	for _, w := range wants {
		k := reviewKey{w.Kind, w.SourceRef}
		i, seen := at[k]
		switch {
		case !seen:
			at[k] = len(out)
			out = append(out, w)
		case w.DueOn.Before(out[i].DueOn):
			out[i] = w
		}
	}
	return out
}

// Diff compares what should be open with what is open for one person and
// returns the changes: create what is missing, update what moved (due date,
// assignee, reason; an acknowledged review given to a new assignee is open
// again), and close what no longer applies — completing a
// re-vetting that a new clearance answered or an assessment that arrived
// with the report, cancelling the rest with a reason.
func Diff(p *store.PlanPerson, wants []store.Wanted, pol *policy.Policy, asOf civil.Date) []store.ReviewChange {
	wants = distinct(wants) // whoever built them, never two creates for one key
	open := make(map[reviewKey]store.Review, len(p.Open))
	for _, r := range p.Open {
		open[reviewKey{r.Kind, r.SourceRef}] = r
	}
	wanted := make(map[reviewKey]bool, len(wants))
	for _, w := range wants {
		wanted[reviewKey{w.Kind, w.SourceRef}] = true
	}
	// A gap of a level still unmet that moves to another source (a mover
	// whose new post needs the level too) is the same shortfall: the new
	// one keeps the old one's dates, and the old one is replaced, not
	// resolved.
	staleGaps := map[string]store.Review{}
	for _, r := range p.Open {
		if r.Kind == VettingGap && !wanted[reviewKey{r.Kind, r.SourceRef}] {
			staleGaps[gapLevel(r.SourceRef)] = r
		}
	}
	replaced := map[int64]bool{}
	var out []store.ReviewChange
	for _, w := range wants {
		k := reviewKey{w.Kind, w.SourceRef}
		r, ok := open[k]
		if !ok {
			if old, same := staleGaps[gapLevel(w.SourceRef)]; same && w.Kind == VettingGap && !replaced[old.ID] {
				w.DueOn, w.OpensOn, replaced[old.ID] = old.DueOn, old.OpensOn, true
			}
			out = append(out, store.ReviewChange{Action: "create", Want: w})
			continue
		}
		delete(open, k)
		if w.Kind == VettingGap { // due the day it was found, for as long as it stays open
			w.DueOn, w.OpensOn = r.DueOn, r.OpensOn
		}
		if changed(r, w) {
			// A new assignee has not seen the review, whoever acknowledged it.
			moved := reassigned(r, w)
			out = append(out, store.ReviewChange{Action: "update", ID: r.ID, Want: w, Reassigned: moved, Reopen: moved && r.Status == "acknowledged"})
		}
	}
	f := newFacts(p, pol, asOf)
	for _, r := range p.Open {
		if _, stale := open[reviewKey{r.Kind, r.SourceRef}]; stale {
			c := closeStale(f, r)
			if replaced[r.ID] {
				c.Reason = "replaced"
			}
			out = append(out, c)
		}
	}
	return out
}

// gapLevel is the level a vetting gap's source names: its last part
// (baseline:SC, post:P1:SC).
func gapLevel(source string) string {
	return source[strings.LastIndexByte(source, ':')+1:]
}

func changed(r store.Review, w store.Wanted) bool {
	return r.DueOn != w.DueOn || r.OpensOn != w.OpensOn || reassigned(r, w) || r.Reason != w.Reason
}

// reassigned reports whether the review goes to someone else: another
// supervisor (a mover), or the vetting unit instead of a supervisor who left.
func reassigned(r store.Review, w store.Wanted) bool {
	assignee := ""
	if r.AssigneeID != nil {
		assignee = *r.AssigneeID
	}
	return r.AssigneeRole != w.AssigneeRole || assignee != w.AssigneeID
}

// closeStale decides how an open review that no rule wants any more ends.
func closeStale(f *facts, r store.Review) store.ReviewChange {
	base := store.ReviewChange{ID: r.ID, Want: store.Wanted{Kind: r.Kind, EmployeeID: r.EmployeeID, SourceRef: r.SourceRef}}
	cancel := func(reason string) store.ReviewChange {
		base.Action, base.Reason = "cancel", reason
		return base
	}
	complete := func(outcome string, on civil.Date) store.ReviewChange {
		base.Action, base.Reason, base.CompletedOn = "complete", outcome, on
		return base
	}
	if !f.current() {
		if f.p.StartDate.After(f.asOf) {
			// Not started (a start date moved later): no leaving, which
			// the compliance report lists.
			return cancel("not_started")
		}
		return cancel("leaver")
	}
	switch r.Kind {
	case VettingGap:
		// Resolved by a clearance that meets the level; else the level is
		// no longer required of them (another post, another baseline).
		for _, h := range f.currentClearances() {
			if f.satisfies(h.c.Level, gapLevel(r.SourceRef)) {
				return cancel("resolved")
			}
		}
	case Revetting:
		if renewal, ok := f.renewalOf(r.SourceRef); ok {
			return complete("renewed", renewal.DecidedOn)
		}
	case CircumstancesAssessment:
		for _, c := range f.p.Circumstances {
			if c.Ref == r.SourceRef && c.Assessment != "pending" && !c.AssessedOn.IsZero() {
				return complete(c.Assessment, c.AssessedOn)
			}
		}
	}
	return cancel("no_longer_applies")
}

// renewalOf finds a later grant of the same level as the clearance ref.
func (f *facts) renewalOf(ref string) (store.Clearance, bool) {
	var old *store.Clearance
	for i := range f.p.Clearances {
		if f.p.Clearances[i].Ref == ref {
			old = &f.p.Clearances[i]
		}
	}
	if old == nil {
		return store.Clearance{}, false
	}
	latest, ok := f.latestByLevel()[old.Level]
	if ok && latest.c.Ref != ref && isGrant(latest.c.Decision) && !latest.c.DecidedOn.Before(old.DecidedOn) {
		return latest.c, true
	}
	return store.Clearance{}, false
}
