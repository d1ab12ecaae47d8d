package scheduler

import (
	"context"
	"log/slog"
	"time"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/store"
)

// Planner applies the rules to the store.
type Planner struct {
	Store  *store.Store
	Policy policy.Policy
	Log    *slog.Logger
	// Everyone makes Run plan every person, not only those whose records
	// changed or whose time came since they were last planned.
	Everyone bool
}

// Result says what a planning run did (or, dry, would do).
type Result struct {
	AsOf   civil.Date `json:"as_of"`
	DryRun bool       `json:"dry_run"`
	store.PlanStats
	Draw     *store.DrawRecord `json:"draw"`
	Duration time.Duration     `json:"-"`
}

// Run plans everyone as of asOf, in one transaction: the month's random
// re-vetting draw if it is due, then every person a chunk at a time.
func (p *Planner) Run(ctx context.Context, asOf civil.Date, actor string, dryRun bool) (Result, error) {
	start := time.Now()
	res := Result{AsOf: asOf, DryRun: dryRun}
	stats, err := p.Store.Plan(ctx, asOf, actor, dryRun, func(pt *store.PlanTx) error {
		if err := pt.UseRules(ctx, rulesInUse(&p.Policy), p.notifyRules()); err != nil {
			return err
		}
		if p.Everyone {
			if err := pt.ForgetAll(ctx); err != nil {
				return err
			}
		}
		d, err := drawIfDue(ctx, pt, p.Policy.RandomRevetting)
		if err != nil {
			return err
		}
		res.Draw = d
		if err := pt.People(ctx, nil, p.evaluator(pt.AsOf)); err != nil {
			return err
		}
		_, err = pt.EnqueueNotifications(ctx, p.notifyRules(), nil)
		return err
	})
	res.PlanStats, res.Duration = stats, time.Since(start)
	if err == nil && p.Log != nil {
		p.Log.Info("Planned", "as_of", asOf.String(), "dry_run", dryRun, "people", stats.People, "created", stats.Created,
			"updated", stats.Updated, "cancelled", stats.Cancelled, "completed", stats.Completed, "duration", res.Duration)
	}
	return res, err
}

// PlanPeople plans just the named people inside an open planning
// transaction: after an import, an event or a completion, so that what it
// triggers exists at once rather than at the next scheduled run.
func (p *Planner) PlanPeople(ctx context.Context, pt *store.PlanTx, ids []string) error {
	if err := pt.UseRules(ctx, rulesInUse(&p.Policy), p.notifyRules()); err != nil {
		return err
	}
	const batch = 500
	scope := ids
	if len(scope) > maxScoped {
		scope = nil // everyone: one pass is cheaper than a list this long
	}
	for len(ids) > 0 {
		n := min(len(ids), batch)
		err := pt.People(ctx, ids[:n], p.evaluator(pt.AsOf))
		if err != nil {
			return err
		}
		ids = ids[n:]
	}
	_, err := pt.EnqueueNotifications(ctx, p.notifyRules(), scope)
	return err
}

// maxScoped is the most people whose notifications are worked out by name.
const maxScoped = 5000

// notifyRules are the policy's notification offsets, and who hears of what.
func (p *Planner) notifyRules() store.NotifyRules {
	n := p.Policy.Notifications
	return store.NotifyRules{ReminderDays: n.ReminderDays, EscalateSupervisorDays: n.EscalateSupervisorDays, EscalateUnitDays: n.EscalateUnitDays,
		UrgentKinds: n.UrgentKinds, UnitCopyKinds: n.UnitKinds, TellSupervisorKinds: []string{VettingGap}}
}

// evaluator applies the rules as of asOf to a chunk of people, touching
// nothing but the people (it runs beside the database's work).
func (p *Planner) evaluator(asOf civil.Date) store.Evaluator {
	return func(people []store.PlanPerson) []store.ReviewChange {
		changes := make([]store.ReviewChange, 0, 3*len(people)) // a first plan makes two or three each
		for i := range people {
			person := &people[i]
			changes = append(changes, Diff(person, Evaluate(person, &p.Policy, asOf), &p.Policy, asOf)...)
			person.ValidUntil = validUntil(person, &p.Policy, asOf)
		}
		return changes
	}
}

// Notify writes into the outbox every notification owed as of asOf by the
// reviews as they stand, without planning them again; with dryRun it
// counts them and writes nothing.
func (p *Planner) Notify(ctx context.Context, asOf civil.Date, actor string, dryRun bool) (int, error) {
	n := 0
	_, err := p.Store.Plan(ctx, asOf, actor, dryRun, func(pt *store.PlanTx) error {
		// The policy's offsets decide what is owed: a new one is a change
		// of policy, audited (and the stored conclusions forgotten) here
		// as in any plan.
		if err := pt.UseRules(ctx, rulesInUse(&p.Policy), p.notifyRules()); err != nil {
			return err
		}
		var err error
		n, err = pt.EnqueueNotifications(ctx, p.notifyRules(), nil)
		return err
	})
	return n, err
}

// PlanAffected plans, as of asOf, the people a change concerns (after an
// import or an event), or everyone when all is set, so that what the
// change triggers exists, and is owed to its recipients, at once.
func (p *Planner) PlanAffected(ctx context.Context, asOf civil.Date, actor string, ids []string, all bool) (Result, error) {
	if all {
		return p.Run(ctx, asOf, actor, false)
	}
	res := Result{AsOf: asOf}
	stats, err := p.Store.Plan(ctx, asOf, actor, false, func(pt *store.PlanTx) error {
		return p.PlanPeople(ctx, pt, ids)
	})
	res.PlanStats = stats
	return res, err
}
