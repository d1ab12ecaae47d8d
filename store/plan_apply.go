package store

import (
	"context"
	"fmt"
	"strconv"
)

// Apply writes the changes the rules made of a chunk of people: closing
// first (so that the one-open index never sees two), then updates, then new
// reviews in batches.
func (pt *PlanTx) Apply(ctx context.Context, people []PlanPerson, changes []ReviewChange) error {
	absent := map[string]bool{}
	for i := range people {
		if people[i].Status == "absent" {
			absent[people[i].EmployeeID] = true
		}
	}
	creates := make([][]any, 0, len(changes))
	var line []byte // the change's line in the audit digest
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
			w, reopen := c.Want, ""
			if c.Reopen {
				reopen, c.Reason = `, status = 'open', acknowledged_at = NULL, acknowledged_by = NULL, notified = false`, "reopened"
			}
			// A new due date starts its escalations afresh; a new assignee is told.
			_, err = pt.tx.ExecContext(ctx, `UPDATE reviews SET reason = $2, due_on = `+pt.s.date(3)+`, opens_on = `+pt.s.date(4)+`,
				escalation_level = CASE WHEN due_on = `+pt.s.date(3)+` THEN escalation_level ELSE 0 END,
				assignee_role = $5, assignee_id = $6, updated_at = $7`+reopen+` WHERE id = $1`,
				c.ID, w.Reason, w.DueOn, w.OpensOn, w.AssigneeRole, nullable(w.AssigneeID), pt.now)
			pt.Stats.Updated++
		case "create":
			w := c.Want
			notified, level := pt.owedAtOnce(w, absent[w.EmployeeID])
			creates = append(creates, []any{w.Kind, w.EmployeeID, w.Reason, w.SourceRef, w.DueOn, w.OpensOn, w.AssigneeRole,
				nullable(w.AssigneeID), pt.AsOf, pt.now, pt.now, notified, level})
			pt.Stats.Created++
		default:
			err = fmt.Errorf("unknown action %q", c.Action)
		}
		if err != nil {
			return fmt.Errorf("store: plan %s review %d: %w", c.Action, c.ID, err)
		}
		line = append(line[:0], c.Action...)
		line = strconv.AppendInt(append(line, ' '), c.ID, 10)
		for _, f := range []string{c.Want.Kind, c.Want.EmployeeID, c.Want.SourceRef, c.Want.DueOn.String(), c.Want.AssigneeID, c.Reason} {
			line = append(append(line, ' '), f...)
		}
		pt.log.Write(append(line, '\n'))
	}
	if err := pt.create(ctx, creates); err != nil {
		return fmt.Errorf("store: plan create reviews: %w", err)
	}
	return nil
}

const newReviewColumns = "kind, employee_id, reason, source_ref, due_on, opens_on, assignee_role, assignee_id, created_on, created_at, updated_at, " +
	"notified, escalation_level"

// owedAtOnce returns the notified flag and escalation level a new review
// has once the plan's notifications are owed: its opening is owed now if it
// has opened, and it is as escalated as its due date makes it (an absent
// person's reviews do not escalate). Writing them with the review spares
// updating every new review again at the end of the plan (seconds on a
// first plan); EnqueueNotifications owes what they stand for by treating
// the plan's own reviews as neither notified nor escalated.
func (pt *PlanTx) owedAtOnce(w Wanted, absent bool) (notified bool, level int) {
	if !pt.notifying {
		return false, 0
	}
	switch {
	case absent || w.DueOn.After(pt.escalate1):
	case !w.DueOn.After(pt.escalate2):
		level = 2
	default:
		level = 1
	}
	return !w.OpensOn.After(pt.AsOf), level
}

// create inserts new reviews.
func (pt *PlanTx) create(ctx context.Context, rows [][]any) error {
	return pt.s.insertMany(ctx, pt.tx, "reviews", newReviewColumns, rows)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
