package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Apply writes the changes the rules made of a chunk of people, a few
// statements for the whole chunk: closing first (so that the one-open index
// never sees two), then updates, then new reviews.
func (pt *PlanTx) Apply(ctx context.Context, people []PlanPerson, changes []ReviewChange) error {
	absent := map[string]bool{}
	for i := range people {
		if people[i].Status == "absent" {
			absent[people[i].EmployeeID] = true
		}
	}
	var cancels, completes, updates [][]any
	creates := make([][]any, 0, len(changes))
	var line []byte // the change's line in the audit log
	for _, c := range changes {
		switch c.Action {
		case "cancel":
			cancels = append(cancels, []any{c.ID, c.Reason})
			pt.Stats.Cancelled++
		case "complete":
			completes = append(completes, []any{c.ID, c.CompletedOn, c.Reason})
			pt.Stats.Completed++
		case "update":
			if c.Reopen {
				c.Reason = "reopened"
			}
			w := c.Want
			updates = append(updates, []any{c.ID, w.Reason, w.DueOn, w.OpensOn, w.AssigneeRole, nullable(w.AssigneeID), c.Reassigned, c.Reopen})
			pt.Stats.Updated++
		case "create":
			w := c.Want
			notified, level := pt.owedAtOnce(w, absent[w.EmployeeID])
			creates = append(creates, []any{w.Kind, w.EmployeeID, w.Reason, w.SourceRef, w.DueOn, w.OpensOn, w.AssigneeRole,
				nullable(w.AssigneeID), pt.AsOf, pt.now, pt.now, notified, level})
			pt.Stats.Created++
		default:
			return fmt.Errorf("store: plan: unknown action %q", c.Action)
		}
		line = changeLine(line[:0], c)
		pt.noteChange(line)
	}
	open := ` AND reviews.status IN ('open', 'acknowledged')`
	err := pt.updateMany(ctx, "cancel", []string{"id bigint", "reason text"}, cancels, func(q *query) string {
		return `status = 'cancelled', cancelled_on = ` + q.date(pt.AsOf) + `, cancel_reason = v.reason, updated_at = ` + q.arg(pt.now)
	}, open)
	if err == nil {
		err = pt.updateMany(ctx, "complete", []string{"id bigint", "completed date", "outcome text"}, completes, func(q *query) string {
			return `status = 'completed', completed_on = v.completed, completed_by = 'vettingd', outcome = v.outcome, updated_at = ` + q.arg(pt.now)
		}, open)
	}
	if err == nil {
		// A new due date, or a new assignee, starts its escalations afresh
		// (the new assignee's own supervisor is told, the vetting unit not
		// twice); a new assignee, or a new cycle (a due date whose opening
		// comes after the old due date: its items are owed again for that
		// date), is told of it; a review reopened forgets who acknowledged
		// it. A corrected due date takes the review's items with it.
		err = pt.rekeyNotices(ctx, updates)
	}
	if err == nil {
		err = pt.updateMany(ctx, "update", []string{"id bigint", "reason text", "due date", "opens date", "role text", "assignee text", "moved boolean", "reopen boolean"},
			updates, func(q *query) string {
				return `reason = v.reason, due_on = v.due, opens_on = v.opens,
				escalation_level = CASE WHEN reviews.due_on = v.due AND NOT v.moved THEN reviews.escalation_level ELSE 0 END,
				assignee_role = v.role, assignee_id = v.assignee, updated_at = ` + q.arg(pt.now) + `,
				status = CASE WHEN v.reopen THEN 'open' ELSE reviews.status END,
				acknowledged_at = CASE WHEN v.reopen THEN NULL ELSE reviews.acknowledged_at END,
				acknowledged_by = CASE WHEN v.reopen THEN NULL ELSE reviews.acknowledged_by END,
				acknowledged_on = CASE WHEN v.reopen THEN NULL ELSE reviews.acknowledged_on END,
				notified = CASE WHEN v.moved OR v.opens > reviews.due_on THEN false ELSE reviews.notified END`
			}, "")
	}
	if err != nil {
		return err
	}
	if err := pt.create(ctx, creates); err != nil {
		return fmt.Errorf("store: plan create reviews: %w", err)
	}
	return nil
}

// rekeyNotices moves the outbox items of reviews whose due date is
// corrected (not a new cycle: the new opening is not after the old due
// date) to the new date, so that what was told, reminded or escalated is
// not owed, and sent, again. The rows are those of the "update" changes.
func (pt *PlanTx) rekeyNotices(ctx context.Context, updates [][]any) error {
	rows := make([][]any, len(updates))
	for i, u := range updates {
		rows[i] = []any{u[0], u[2], u[3]} // id, due, opens
	}
	err := pt.batchValues(ctx, []string{"id bigint", "due date", "opens date"}, rows, func(_ *query, with string) string {
		return with + ` UPDATE notifications SET due_on = v.due FROM v
			WHERE notifications.review_id = v.id AND notifications.due_on <> v.due AND v.opens <= notifications.due_on
			AND NOT EXISTS (SELECT 1 FROM notifications n2 WHERE n2.review_id = notifications.review_id AND n2.event = notifications.event
				AND n2.recipient_role = notifications.recipient_role AND n2.recipient_id = notifications.recipient_id AND n2.due_on = v.due)`
	})
	if err != nil {
		return fmt.Errorf("store: plan move notifications to a corrected due date: %w", err)
	}
	return nil
}

// updateBatch is how many reviews one UPDATE changes.
const updateBatch = 500

// updateMany updates the reviews named by rows, updateBatch to a statement.
// Each row is a review's id and then its values; cols names them, with
// their PostgreSQL types ("due date"), so that set can read them as v.due.
// set returns the SET list, adding any further arguments to q; and is
// added to the condition on the review's id.
func (pt *PlanTx) updateMany(ctx context.Context, action string, cols []string, rows [][]any, set func(q *query) string, and string) error {
	err := pt.batchValues(ctx, cols, rows, func(q *query, with string) string {
		return with + ` UPDATE reviews SET ` + set(q) + ` FROM v WHERE reviews.id = v.id` + and
	})
	if err != nil {
		return fmt.Errorf("store: plan %s reviews: %w", action, err)
	}
	return nil
}

// batchValues runs the statement stmt makes for rows, updateBatch at a
// time: with is "WITH v (names) AS (VALUES …)" of the batch's rows, typed
// as cols says ("due date"); stmt may add further arguments to q.
func (pt *PlanTx) batchValues(ctx context.Context, cols []string, rows [][]any, stmt func(q *query, with string) string) error {
	names := make([]string, len(cols))
	types := make([]string, len(cols))
	for i, c := range cols {
		names[i], types[i], _ = strings.Cut(c, " ")
	}
	for len(rows) > 0 {
		n := min(len(rows), updateBatch)
		q := &query{s: pt.s}
		var values strings.Builder
		for i, r := range rows[:n] {
			if i > 0 {
				values.WriteString(", ")
			}
			values.WriteByte('(')
			for j, v := range r {
				if j > 0 {
					values.WriteString(", ")
				}
				values.WriteString(pt.s.typed(q.arg(v), types[j]))
			}
			values.WriteByte(')')
		}
		with := `WITH v (` + strings.Join(names, ", ") + `) AS (VALUES ` + values.String() + `)`
		if _, err := pt.tx.ExecContext(ctx, stmt(q, with), q.args...); err != nil {
			return err
		}
		rows = rows[n:]
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
	return pt.insertMany(ctx, "reviews", newReviewColumns, rows)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// changeLine appends the line by which the audit log records a change:
// action, review id ("new" for one created, which its kind, person and
// source name), kind, person, source, due date, assignee, and the reason
// or outcome; "-" where there is none (a cancel or complete names only
// the review and why).
func changeLine(line []byte, c ReviewChange) []byte {
	w := c.Want
	id := "new"
	if c.Action != "create" {
		id = strconv.FormatInt(c.ID, 10)
	}
	assignee := w.AssigneeRole
	if w.AssigneeID != "" {
		assignee += ":" + w.AssigneeID
	}
	line = append(line, c.Action...)
	for _, f := range []string{id, w.Kind, w.EmployeeID, w.SourceRef, w.DueOn.String(), assignee, c.Reason} {
		if f == "" {
			f = "-"
		}
		line = append(append(line, ' '), f...)
	}
	return append(line, '\n')
}
