package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"vettingd/civil"
	"vettingd/store"
)

// ErrInvalid wraps a request that breaks a lifecycle rule (an outcome the
// kind does not take, a completion dated in the future).
var ErrInvalid = errors.New("invalid")

// Declarations an integrity review may carry, and the change-of-circumstances
// category each opens for assessment ("" for none: gifts go to PSD's register).
var declarations = map[string]string{
	"business_interest": "business_interest",
	"association":       "association",
	"finances":          "finances",
	"gifts":             "",
}

// outcomes lists the outcomes of kinds that have a fixed set; other kinds
// take free text, "completed" by default.
var outcomes = map[string][]string{
	IntegrityReview:         {"satisfactory", "concerns"},
	CircumstancesAssessment: {"no_additional_risk", "additional_risk"},
}

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

// Acknowledge marks an open review as seen.
func (p *Planner) Acknowledge(ctx context.Context, asOf civil.Date, actor string, id int64, by string) error {
	_, err := p.Store.Plan(ctx, asOf, actor, false, func(pt *store.PlanTx) error {
		r, err := p.load(ctx, pt, id, by)
		if err != nil {
			return err
		}
		if r.Status != "open" {
			return fmt.Errorf("%w: review %d is %s; only an open review can be acknowledged", store.ErrConflict, id, r.Status)
		}
		return pt.Acknowledge(ctx, id, by)
	})
	return err
}

// Complete completes an open or acknowledged review and applies what
// follows from it — the declarations and concerns of an integrity review
// opening assessments, an assessment written onto its report — then plans
// the person at once, so the next cycle or triggered review exists.
func (p *Planner) Complete(ctx context.Context, asOf civil.Date, actor string, id int64, c store.Completion) (Result, error) {
	res := Result{AsOf: asOf}
	stats, err := p.Store.Plan(ctx, asOf, actor, false, func(pt *store.PlanTx) error {
		r, err := p.load(ctx, pt, id, c.By)
		if err != nil {
			return err
		}
		if r.Status != "open" && r.Status != "acknowledged" {
			return fmt.Errorf("%w: review %d is already %s", store.ErrConflict, id, r.Status)
		}
		started, err := pt.StartDate(ctx, r.EmployeeID)
		if err != nil {
			return err
		}
		if c, err = checkCompletion(r, c, asOf, started); err != nil {
			return err
		}
		if err := pt.Complete(ctx, id, c); err != nil {
			return err
		}
		if err := followUps(ctx, pt, r, c); err != nil {
			return err
		}
		return p.PlanPeople(ctx, pt, []string{r.EmployeeID})
	})
	res.PlanStats = stats
	return res, err
}

func (p *Planner) load(ctx context.Context, pt *store.PlanTx, id int64, by string) (store.Review, error) {
	if ok, err := pt.PersonExists(ctx, by); err != nil {
		return store.Review{}, err
	} else if !ok {
		return store.Review{}, invalid("by %q: no such person", by)
	}
	r, err := pt.Review(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return r, fmt.Errorf("review %d: %w", id, store.ErrNotFound)
	}
	return r, err
}

// checkCompletion fills defaults and refuses what the review's kind does not take.
func checkCompletion(r store.Review, c store.Completion, asOf, started civil.Date) (store.Completion, error) {
	if c.On.IsZero() {
		c.On = asOf
	}
	if r.Kind == VettingGap {
		return c, invalid("a vetting gap cannot be completed by hand: it closes itself when a clearance that satisfies the level is recorded")
	}
	if c.On.After(asOf) {
		return c, invalid("a review cannot be completed on %s, after today (%s)", c.On, asOf)
	}
	if c.On.Before(started) {
		return c, invalid("a review of %s cannot be completed on %s, before they started (%s)", r.EmployeeID, c.On, started)
	}
	c.Outcome = strings.TrimSpace(c.Outcome)
	if allowed, fixed := outcomes[r.Kind]; fixed {
		if !slices.Contains(allowed, c.Outcome) {
			return c, invalid("the outcome of this review (%s) must be %s", r.Kind, strings.Join(allowed, " or "))
		}
	} else if c.Outcome == "" {
		c.Outcome = "completed"
	}
	if len(c.Declarations) > 0 && r.Kind != IntegrityReview {
		return c, invalid("only an integrity_review takes declarations")
	}
	seen := map[string]bool{}
	for _, d := range c.Declarations {
		if _, ok := declarations[d]; !ok {
			return c, invalid("declaration %q must be one of business_interest, association, finances, gifts", d)
		}
		if seen[d] {
			return c, invalid("declaration %q is given twice", d)
		}
		seen[d] = true
	}
	return c, nil
}

// followUps routes what a completion brings to light the way forces do.
func followUps(ctx context.Context, pt *store.PlanTx, r store.Review, c store.Completion) error {
	switch r.Kind {
	case CircumstancesAssessment:
		return pt.AssessReport(ctx, r.SourceRef, c.Outcome, c.On)
	case IntegrityReview:
		opened := slices.Clone(c.Declarations)
		if c.Outcome == "concerns" {
			opened = append(opened, "concerns")
		}
		for _, d := range opened {
			category, ok := declarations[d]
			if d == "concerns" {
				category, ok = "other", true
			}
			if !ok || category == "" {
				// Gifts and hospitality go to PSD's register, not to a review.
				if err := pt.Audit(ctx, "gifts_declared", "review", fmt.Sprint(r.ID), map[string]any{"employee_id": r.EmployeeID}); err != nil {
					return err
				}
				if err := pt.EnqueueGifts(ctx, r.ID); err != nil {
					return err
				}
				continue
			}
			ref := fmt.Sprintf("IR%d-%s", r.ID, d)
			if err := pt.AddCircumstanceReport(ctx, ref, r.EmployeeID, category, c.On); err != nil {
				return err
			}
		}
	}
	return nil
}
