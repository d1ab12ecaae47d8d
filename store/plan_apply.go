package store

import (
	"context"
	"fmt"
)

// Apply writes one chunk's changes: closing first (so that the one-open
// index never sees two), then updates, then new reviews in batches.
func (pt *PlanTx) Apply(ctx context.Context, changes []ReviewChange) error {
	var creates [][]any
	for _, c := range changes {
		var err error
		switch c.Action {
		case "cancel":
			_, err = pt.tx.ExecContext(ctx, `UPDATE reviews SET status = 'cancelled', cancelled_on = `+pt.s.date(2)+`, cancel_reason = $3, updated_at = $4
				WHERE id = $1 AND status IN ('open', 'acknowledged')`, c.ID, pt.AsOf, c.Reason, pt.now)
			pt.Stats.Cancelled++
		case "complete":
			_, err = pt.tx.ExecContext(ctx, `UPDATE reviews SET status = 'completed', completed_on = `+pt.s.date(2)+`, completed_by = 'vettingd', outcome = $3, updated_at = $4
				WHERE id = $1 AND status IN ('open', 'acknowledged')`, c.ID, c.CompletedOn, c.Reason, pt.now)
			pt.Stats.Completed++
		case "update":
			w := c.Want
			_, err = pt.tx.ExecContext(ctx, `UPDATE reviews SET reason = $2, due_on = `+pt.s.date(3)+`, opens_on = `+pt.s.date(4)+`,
				assignee_role = $5, assignee_id = $6, updated_at = $7 WHERE id = $1`,
				c.ID, w.Reason, w.DueOn, w.OpensOn, w.AssigneeRole, nullable(w.AssigneeID), pt.now)
			pt.Stats.Updated++
		case "create":
			w := c.Want
			creates = append(creates, []any{w.Kind, w.EmployeeID, w.Reason, w.SourceRef, w.DueOn, w.OpensOn, w.AssigneeRole,
				nullable(w.AssigneeID), pt.AsOf, pt.now, pt.now})
			pt.Stats.Created++
		default:
			err = fmt.Errorf("unknown action %q", c.Action)
		}
		if err != nil {
			return fmt.Errorf("store: plan %s review %d: %w", c.Action, c.ID, err)
		}
		pt.log = append(pt.log, fmt.Sprintf("%s %d %s %s %s %s %s %s", c.Action, c.ID, c.Want.Kind, c.Want.EmployeeID,
			c.Want.SourceRef, c.Want.DueOn, c.Want.AssigneeID, c.Reason))
	}
	err := pt.s.insertRows(ctx, pt.tx, `INSERT INTO reviews (kind, employee_id, reason, source_ref, due_on, opens_on, assignee_role,
		assignee_id, created_on, created_at, updated_at) VALUES `, 11, creates)
	if err != nil {
		return fmt.Errorf("store: plan create reviews: %w", err)
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
