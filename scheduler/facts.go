package scheduler

import (
	"slices"
	"strings"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/store"
)

// Review kinds.
const (
	IntegrityReview         = "integrity_review"
	Revetting               = "revetting"
	AnnualAppraisal         = "annual_appraisal"
	VettingGap              = "vetting_gap"
	VettingReview           = "vetting_review"
	CircumstancesAssessment = "circumstances_assessment"
	InterestReview          = "interest_review"
	InterestComplianceCheck = "interest_compliance_check"
	AssociationReview       = "association_review"
	SupervisorBriefing      = "supervisor_briefing"
	MitigationReview        = "mitigation_review"
	RandomRevetting         = "random_revetting"
)

// Kinds lists every review kind.
var Kinds = []string{IntegrityReview, Revetting, AnnualAppraisal, VettingGap, VettingReview, CircumstancesAssessment,
	InterestReview, InterestComplianceCheck, AssociationReview, SupervisorBriefing, MitigationReview, RandomRevetting}

// Assignee roles.
const (
	RoleSupervisor  = "supervisor"
	RoleVettingUnit = "vetting_unit"
	RolePSD         = "psd"
	RoleOwner       = "owner"
)

// facts is one person's records as of a date, with the lookups the rules share.
type facts struct {
	p      *store.PlanPerson
	pol    *policy.Policy
	asOf   civil.Date
	closed map[histKey]civil.Date // (kind, source, assignee) → last completed (zero if only cancelled)
	// latest and held remember latestByLevel and currentClearances, which
	// several rules ask for (each once per person, not once per rule).
	latest  map[string]held
	holding []held
	heldSet bool
}

type histKey struct{ kind, source, assignee string }

func newFacts(p *store.PlanPerson, pol *policy.Policy, asOf civil.Date) *facts {
	f := &facts{p: p, pol: pol, asOf: asOf, closed: map[histKey]civil.Date{}}
	for _, c := range p.Closed {
		for _, k := range []histKey{{c.Kind, c.SourceRef, c.AssigneeID}, {c.Kind, c.SourceRef, "*"}} {
			if last, ok := f.closed[k]; !ok || c.LastCompleted.After(last) {
				f.closed[k] = c.LastCompleted
			}
		}
	}
	return f
}

// current reports whether the person is in the force on the as-of date:
// from start_date until end_date (a leaver from end_date on).
func (f *facts) current() bool {
	p := f.p
	return !p.StartDate.After(f.asOf) && (p.EndDate.IsZero() || p.EndDate.After(f.asOf))
}

// everClosed reports whether a review of this kind and source was ever
// completed or cancelled: an event's review is never reopened.
func (f *facts) everClosed(kind, source string) bool {
	_, ok := f.closed[histKey{kind, source, "*"}]
	return ok
}

// lastCompleted returns when a review of this kind and source was last completed.
func (f *facts) lastCompleted(kind, source string) civil.Date {
	return f.closed[histKey{kind, source, "*"}]
}

// supervisor returns the assignee of a supervisor review: the person's
// current supervisor, else the vetting unit.
func (f *facts) supervisor() (role, id string) {
	if f.p.SupervisorID != "" && f.p.SupervisorCurrent {
		return RoleSupervisor, f.p.SupervisorID
	}
	return RoleVettingUnit, ""
}

// want builds a review with the given timing and assignee.
func (f *facts) want(kind, source, reason string, due, opens civil.Date, role, assignee string) store.Wanted {
	return store.Wanted{Kind: kind, EmployeeID: f.p.EmployeeID, Reason: reason, SourceRef: source,
		DueOn: due, OpensOn: opens, AssigneeRole: role, AssigneeID: assignee}
}

func contains(list []string, v string) bool { return slices.Contains(list, v) }

func splitLevels(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ";")
}

// periodicDue is the due date of a periodic review with anchor a and a
// period of months: completed + period once one has been completed, else
// the first a + k·period (k ≥ 1) on or after the record was first imported —
// so a system switched on today does not declare years of history overdue.
func periodicDue(a, firstImported, completed civil.Date, months int) civil.Date {
	if !completed.IsZero() {
		return completed.AddMonths(months)
	}
	k := 1
	if firstImported.After(a) {
		gap := (firstImported.Year-a.Year)*12 + int(firstImported.Month-a.Month)
		k = max(1, gap/months)
	}
	for a.AddMonths(k * months).Before(firstImported) {
		k++
	}
	return a.AddMonths(k * months)
}
