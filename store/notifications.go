package store

import (
	"context"
	"fmt"
	"strings"

	"vettingd/civil"
)

// NotifyRules say when a message is owed (SPEC §5). The scheduler builds
// them from the policy; the store applies them to every review at once.
type NotifyRules struct {
	ReminderDays           int      // a reminder this many days before due
	EscalateSupervisorDays int      // overdue by this many days: the assignee's own supervisor
	EscalateUnitDays       int      // overdue by this many days: the vetting unit
	UrgentKinds            []string // new reviews of these kinds reach the vetting unit at once
	UnitCopyKinds          []string // the vetting unit is told of every new review of these kinds
	TellSupervisorKinds    []string // the person's supervisor is told of these too
}

// escalationDates are the due dates on or before which a review is, as of
// asOf, overdue enough for the first escalation and for the second.
func (r NotifyRules) escalationDates(asOf civil.Date) (first, second civil.Date) {
	return asOf.AddDays(-r.EscalateSupervisorDays), asOf.AddDays(-r.EscalateUnitDays)
}

// recipientRole and recipientID name who a review's assignee is, as a
// recipient: a person (supervisor, owner) or a unit (” for its id). A
// person-assigned review with nobody named falls to the vetting unit.
const (
	recipientRole = `CASE WHEN r.assignee_role IN ('supervisor', 'owner') AND r.assignee_id IS NULL THEN 'vetting_unit' ELSE r.assignee_role END`
	recipientID   = `CASE WHEN r.assignee_role IN ('supervisor', 'owner') AND r.assignee_id IS NOT NULL THEN r.assignee_id ELSE '' END`
)

// EnqueueNotifications writes into the outbox every item owed as of the
// plan's date that is not there yet: the opening of each review (to its
// assignee, and to the vetting unit for the kinds it hears of), reminders,
// due-date notices and escalations. It runs inside the planning transaction,
// so the items and the change that owes them commit together. With only
// non-empty, just those people's reviews are considered. It returns how
// many items it added.
//
// An opening or escalation dropped unsent (its recipient was no longer the
// one to tell, or its person was absent) is queued again when it is owed
// once more: a review moved back to its first assignee, a person back from
// absence.
//
// A review's notified flag and escalation level say which of its openings
// and escalations are owed already. The plan's own new reviews are written
// with the values they will have once this has run (see owedAtOnce), and are
// read here as neither notified nor escalated.
func (pt *PlanTx) EnqueueNotifications(ctx context.Context, rules NotifyRules, only []string) (int, error) {
	e1, e2 := rules.escalationDates(pt.AsOf)
	total := 0
	// A first plan owes a notice for about a third of what it created.
	var bulk *suspended
	if only == nil && !pt.dryRun {
		ok, err := pt.s.bulkWorth(ctx, pt.tx, "notifications", pt.Stats.Created/3)
		if ok {
			bulk, err = pt.s.suspendChecks(ctx, pt.tx, "notifications", true)
		}
		if err != nil {
			return 0, err
		}
	}
	for _, owed := range owedItems {
		q := &query{s: pt.s}
		asOf, now := q.date(pt.AsOf), q.arg(pt.now)
		o := owedParams{rules: rules, asOf: asOf, reminderEnd: pt.AsOf.AddDays(rules.ReminderDays), e1: e1, e2: e2,
			live: `r.status IN ('open', 'acknowledged') AND r.opens_on <= ` + asOf + q.scope("r.employee_id", only)}
		sel := owed.sel(q, o)
		if owed.flagged {
			o.fresh = q.arg(pt.lastOld)
			sel += ` UNION ALL ` + owed.sel(q, o)
		}
		// The flagged items are owed once per flag (a review told anew, or
		// escalated afresh), so that a conflict is rare, and is with an item
		// dropped unsent, queued again, or one sent, left be. The others
		// (reminders, due notices) are proposed at every plan: DO NOTHING,
		// which locks no row, lets the builds that mark them go on meanwhile;
		// one dropped unsent (its person was away) and owed still is queued
		// again first, found through the outbox's key, and only it locked.
		if !owed.flagged {
			res, err := pt.tx.ExecContext(ctx, `UPDATE notifications SET state = 'pending', created_on = `+asOf+`, created_at = `+now+`
				FROM (`+sel+`) AS owed WHERE notifications.review_id = owed.id AND notifications.event = owed.event
				AND notifications.recipient_role = owed.role AND notifications.recipient_id = owed.who AND notifications.due_on = owed.due
				AND notifications.state = 'dropped'`, q.args...)
			if err != nil {
				return total, fmt.Errorf("store: owe dropped notifications again: %w", err)
			}
			n, _ := res.RowsAffected()
			total += int(n)
		}
		conflict := `DO NOTHING`
		if owed.flagged {
			conflict = `DO UPDATE SET state = 'pending', created_on = excluded.created_on, created_at = excluded.created_at
				WHERE notifications.state = 'dropped'`
		}
		res, err := pt.tx.ExecContext(ctx, `INSERT INTO notifications (review_id, event, recipient_role, recipient_id, urgent, created_on, created_at, due_on)
			SELECT id, event, role, who, event = 'urgent', `+asOf+`, `+now+`, due FROM (`+sel+`) AS owed
			WHERE true ON CONFLICT (review_id, event, recipient_role, recipient_id, due_on) `+conflict, q.args...)
		if err != nil {
			return total, fmt.Errorf("store: enqueue notifications: %w", err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	if err := bulk.restore(ctx, pt.tx); err != nil {
		return total, err
	}
	q := &query{s: pt.s}
	_, err := pt.tx.ExecContext(ctx, `UPDATE reviews`+pt.s.indexedBy("reviews_unnotified")+` SET notified = true WHERE NOT notified AND status IN ('open', 'acknowledged') AND opens_on <= `+
		q.date(pt.AsOf)+q.scope("employee_id", only), q.args...)
	if err != nil {
		return total, fmt.Errorf("store: reviews notified: %w", err)
	}
	q = &query{s: pt.s}
	level := `CASE WHEN due_on <= ` + q.date(e2) + ` THEN 2 ELSE 1 END`
	// For a few people, look each one up: SQLite builds the whole list of
	// present people first for IN (SELECT …), 0.2 s at 310,000 people on
	// every event and acknowledgement. For everyone, the list is cheaper,
	// and SQLite is told to read only the reviews not yet escalated twice.
	present, index := `employee_id IN (SELECT employee_id FROM people WHERE status <> 'absent')`, pt.s.indexedBy("reviews_unescalated")
	if len(only) > 0 {
		present, index = `EXISTS (SELECT 1 FROM people p WHERE p.employee_id = reviews.employee_id AND p.status <> 'absent')`, ""
	}
	_, err = pt.tx.ExecContext(ctx, `UPDATE reviews`+index+` SET escalation_level = `+level+`
		WHERE status IN ('open', 'acknowledged') AND escalation_level < 2 AND due_on <= `+q.date(e1)+` AND escalation_level < `+level+`
		AND `+present+q.scope("employee_id", only), q.args...)
	if err != nil {
		return total, fmt.Errorf("store: escalation levels: %w", err)
	}
	pt.Stats.Notifications += total
	return total, nil
}

type owedParams struct {
	rules       NotifyRules
	asOf        string // the as-of date's placeholder
	live        string // the condition on r of an open review that has opened
	reminderEnd civil.Date
	e1, e2      civil.Date // due on or before: overdue enough for each escalation
	// fresh, when set, is the placeholder of the last review id before the
	// plan: the item is selected from the plan's own reviews, as if neither
	// notified nor escalated, rather than by their flags.
	fresh string
}

// reviews is the FROM of a flagged item: the reviews through the partial
// index that holds the ones whose flag is unset, or the plan's own.
// (NOT INDEXED leaves SQLite the range of rowids.)
func (o owedParams) reviews(q *query, index string) string {
	if o.fresh == "" {
		return "reviews r" + q.s.indexedBy(index)
	}
	if q.s.dialect == SQLite {
		return "reviews r NOT INDEXED"
	}
	return "reviews r"
}

// unset is the condition that a review's flag is unset (it is not yet
// notified; its escalation level is below level), or that it is the plan's own.
func (o owedParams) unset(flag string) string {
	if o.fresh != "" {
		return "r.id > " + o.fresh
	}
	return flag
}

// owedItems each select the items of one kind owed now, as (id, event,
// role, who), with their own placeholders. A flagged one reads a review's
// notified flag or escalation level.
var owedItems = []struct {
	flagged bool
	sel     func(q *query, o owedParams) string
}{
	// The opening, to the assignee; to the vetting unit at once for the urgent kinds.
	{true, func(q *query, o owedParams) string {
		return `SELECT r.id AS id, CASE WHEN r.kind = 'supervisor_briefing' THEN 'briefing' WHEN ` + recipientRole + ` = 'vetting_unit' AND r.kind IN ` +
			q.list(o.rules.UrgentKinds) + ` THEN 'urgent' ELSE 'opened' END AS event, ` + recipientRole + ` AS role, ` + recipientID + ` AS who, r.due_on AS due
			FROM ` + o.reviews(q, "reviews_unnotified") + ` WHERE ` + o.live + ` AND ` + o.unset("NOT r.notified")
	}},
	// The vetting unit hears of every new gap, triggered review and draw.
	{true, func(q *query, o owedParams) string {
		return `SELECT r.id AS id, CASE WHEN r.kind IN ` + q.list(o.rules.UrgentKinds) + ` THEN 'urgent' ELSE 'opened' END AS event,
			'vetting_unit' AS role, '' AS who, r.due_on AS due FROM ` + o.reviews(q, "reviews_unnotified") + ` WHERE ` + o.live + ` AND ` + o.unset("NOT r.notified") +
			` AND r.kind IN ` + q.list(o.rules.UnitCopyKinds)
	}},
	// The person's current supervisor is told of a gap in their vetting.
	{true, func(q *query, o owedParams) string {
		return `SELECT r.id AS id, 'opened' AS event, 'supervisor' AS role, p.supervisor_id AS who, r.due_on AS due
			FROM ` + o.reviews(q, "reviews_unnotified") + ` JOIN people p ON p.employee_id = r.employee_id JOIN people s ON s.employee_id = p.supervisor_id
			WHERE ` + o.live + ` AND ` + o.unset("NOT r.notified") + ` AND r.kind IN ` + q.list(o.rules.TellSupervisorKinds) +
			` AND s.start_date <= ` + o.asOf + ` AND (s.end_date IS NULL OR s.end_date > ` + o.asOf + `)`
	}},
	// A reminder before due: not once acknowledged, not for an absent
	// person, and not when the review opened inside the reminder window.
	{false, func(q *query, o owedParams) string {
		return `SELECT r.id AS id, 'reminder' AS event, ` + recipientRole + ` AS role, ` + recipientID + ` AS who, r.due_on AS due
			FROM reviews r JOIN people p ON p.employee_id = r.employee_id
			WHERE ` + o.live + ` AND p.status <> 'absent' AND r.status = 'open' AND r.due_on > ` + o.asOf + ` AND r.due_on <= ` + q.date(o.reminderEnd) +
			` AND r.opens_on < ` + q.s.addDays("r.due_on", -o.rules.ReminderDays)
	}},
	// On the due date or, after downtime, until the first escalation.
	{false, func(q *query, o owedParams) string {
		return `SELECT r.id AS id, 'due' AS event, ` + recipientRole + ` AS role, ` + recipientID + ` AS who, r.due_on AS due
			FROM reviews r JOIN people p ON p.employee_id = r.employee_id
			WHERE ` + o.live + ` AND p.status <> 'absent' AND r.due_on <= ` + o.asOf + ` AND r.due_on > ` + q.date(o.e1) + ` AND r.opens_on < r.due_on`
	}},
	// Overdue: the assignee's own supervisor (the vetting unit when they
	// have none). A unit's own review waits for the second level. (The
	// level below 2 as well as below 1 lets SQLite use the partial index.)
	{true, func(q *query, o owedParams) string {
		return `SELECT r.id AS id, 'escalation' AS event, CASE WHEN s.employee_id IS NULL THEN 'vetting_unit' ELSE 'supervisor' END AS role,
			COALESCE(s.employee_id, '') AS who, r.due_on AS due
			FROM ` + o.reviews(q, "reviews_unescalated") + ` JOIN people p ON p.employee_id = r.employee_id JOIN people a ON a.employee_id = r.assignee_id
			LEFT JOIN people s ON s.employee_id = a.supervisor_id AND s.start_date <= ` + o.asOf + ` AND (s.end_date IS NULL OR s.end_date > ` + o.asOf + `)
			WHERE ` + o.live + ` AND p.status <> 'absent' AND ` + o.unset("r.escalation_level < 2 AND r.escalation_level < 1") +
			` AND r.assignee_role IN ('supervisor', 'owner') AND r.due_on <= ` + q.date(o.e1)
	}},
	// Overdue further: the vetting unit.
	{true, func(q *query, o owedParams) string {
		return `SELECT r.id AS id, 'escalation' AS event, 'vetting_unit' AS role, '' AS who, r.due_on AS due
			FROM ` + o.reviews(q, "reviews_unescalated") + ` JOIN people p ON p.employee_id = r.employee_id
			WHERE ` + o.live + ` AND p.status <> 'absent' AND ` + o.unset("r.escalation_level < 2") + ` AND r.due_on <= ` + q.date(o.e2)
	}},
}

// query counts placeholders for one statement built in pieces.
type query struct {
	s    *Store
	args []any
}

func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return fmt.Sprintf("$%d", len(q.args))
}

func (q *query) date(d civil.Date) string {
	q.args = append(q.args, d)
	return q.s.date(len(q.args))
}

// list returns "($n, $m…)" for vs; "(NULL)", which matches nothing, when empty.
func (q *query) list(vs []string) string { return listOf(q, vs) }

// listOf is list for values of any type.
func listOf[T any](q *query, vs []T) string {
	if len(vs) == 0 {
		return "(NULL)"
	}
	marks := make([]string, len(vs))
	for i, v := range vs {
		marks[i] = q.arg(v)
	}
	return "(" + strings.Join(marks, ", ") + ")"
}

// scope returns " AND col IN (…)" for a non-empty list of ids, else "".
func (q *query) scope(col string, ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return " AND " + col + " IN " + q.list(ids)
}

// EnqueueGifts tells PSD, for its register, that an integrity review
// recorded a declaration of gifts or hospitality. No review follows.
func (pt *PlanTx) EnqueueGifts(ctx context.Context, reviewID int64) error {
	_, err := pt.tx.ExecContext(ctx, `INSERT INTO notifications (review_id, event, recipient_role, recipient_id, urgent, created_on, created_at, due_on)
		SELECT $1, 'gifts', 'psd', '', false, `+pt.s.date(2)+`, $3, r.due_on FROM reviews r WHERE r.id = $1
		ON CONFLICT (review_id, event, recipient_role, recipient_id, due_on) DO NOTHING`,
		reviewID, pt.AsOf, pt.now)
	if err != nil {
		return fmt.Errorf("store: enqueue gifts notice: %w", err)
	}
	pt.Stats.Notifications++
	return nil
}

// addDays returns a SQL expression for the date column col moved by n days.
func (s *Store) addDays(col string, n int) string {
	if s.dialect == Postgres {
		return fmt.Sprintf("(%s + %d)", col, n)
	}
	return fmt.Sprintf("date(%s, '%+d days')", col, n)
}

// indexedBy names, on SQLite, the index a query over reviews must use.
// Without statistics (ANALYZE over a whole force takes seconds) SQLite
// prefers the index on status, which holds every open review, to the
// partial index that holds just the few that matter; PostgreSQL's own
// statistics choose well.
func (s *Store) indexedBy(index string) string {
	if s.dialect != SQLite {
		return ""
	}
	return " INDEXED BY " + index
}
