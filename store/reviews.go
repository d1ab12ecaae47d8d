package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"vettingd/civil"
)

// ErrConflict is returned when a review is not in a state that allows the
// change asked for (completing a completed review, say).
var ErrConflict = errors.New("conflict")

// ReviewFilter selects reviews. Empty fields do not filter.
type ReviewFilter struct {
	Statuses   []string // default: open and acknowledged
	Kind       string
	EmployeeID string
	AssigneeID string
	Overdue    bool
	NotOverdue bool       // only the reviews that are not overdue
	AsOf       civil.Date // for overdue
	// TeamOf keeps the reviews of people in this supervisor's reporting
	// line, direct or through their reports, as the latest HR data has it.
	TeamOf string
	// AssigneeRole keeps the reviews assigned to this role.
	AssigneeRole string
	// SupervisorView keeps only what a supervisor is shown: reviews
	// assigned to a supervisor, and vetting gaps.
	SupervisorView bool
	// Owner, with TeamOf, keeps as well the reviews assigned to this
	// person as an owner (of a mitigation plan), whoever they concern.
	Owner string
}

// teamQuery selects the employee ids in the reporting line of $N.
func teamQuery(mark string) string {
	return `WITH RECURSIVE team (id) AS (SELECT employee_id FROM people WHERE supervisor_id = ` + mark + `
		UNION SELECT p.employee_id FROM people p JOIN team t ON p.supervisor_id = t.id) SELECT id FROM team`
}

// InTeam reports whether a person is in a supervisor's reporting line.
func (s *Store) InTeam(ctx context.Context, supervisor, employee string) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM people WHERE employee_id = $2 AND employee_id IN (`+teamQuery("$1")+`)`, supervisor, employee)
	if err != nil {
		return false, fmt.Errorf("store: team: %w", err)
	}
	return n > 0, nil
}

// EachReview streams the reviews the filter selects, in due order, to fn.
func (s *Store) EachReview(ctx context.Context, f ReviewFilter, fn func(Review) error) error {
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []string{"open", "acknowledged"}
	}
	args := []any{f.AsOf}
	var where []string
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	marks := make([]string, len(statuses))
	for i, st := range statuses {
		marks[i] = arg(st)
	}
	where = append(where, "status IN ("+strings.Join(marks, ", ")+")")
	if f.Kind != "" {
		where = append(where, "kind = "+arg(f.Kind))
	}
	if f.EmployeeID != "" {
		where = append(where, "employee_id = "+arg(f.EmployeeID))
	}
	if f.AssigneeID != "" {
		where = append(where, "assignee_id = "+arg(f.AssigneeID))
	}
	if f.AssigneeRole != "" {
		where = append(where, "assignee_role = "+arg(f.AssigneeRole))
	}
	var team []string
	if f.SupervisorView {
		team = append(team, "(assignee_role = 'supervisor' OR kind = 'vetting_gap')")
	}
	if f.TeamOf != "" {
		team = append(team, "employee_id IN ("+teamQuery(arg(f.TeamOf))+")")
	}
	switch {
	case len(team) > 0 && f.Owner != "":
		owner := arg(f.Owner)
		where = append(where, "(("+strings.Join(team, " AND ")+") OR (assignee_role = 'owner' AND assignee_id = "+owner+" AND employee_id <> "+owner+"))")
	case len(team) > 0:
		where = append(where, team...)
	}
	overdue := "status IN ('open', 'acknowledged') AND due_on < " + s.date(1)
	if f.Overdue {
		where = append(where, overdue)
	}
	if f.NotOverdue {
		where = append(where, "NOT ("+overdue+")")
	}
	cols := strings.Replace(reviewColumns, "0 AS overdue", "CASE WHEN "+overdue+" THEN 1 ELSE 0 END AS overdue", 1)
	rows, err := s.db.QueryxContext(ctx, `SELECT `+cols+` FROM reviews WHERE `+strings.Join(where, " AND ")+` ORDER BY due_on, id`, args...)
	if err != nil {
		return fmt.Errorf("store: list reviews: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Review
		if err := rows.StructScan(&r); err != nil {
			return fmt.Errorf("store: list reviews: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// forUpdate locks a selected row on PostgreSQL; SQLite's write
// transactions are exclusive already.
func (s *Store) forUpdate() string {
	if s.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// Review returns one review inside the planning transaction, locked.
// It returns ErrNotFound when there is none.
func (pt *PlanTx) Review(ctx context.Context, id int64) (Review, error) {
	var r Review
	err := pt.tx.GetContext(ctx, &r, `SELECT `+reviewColumns+` FROM reviews WHERE id = $1`+pt.s.forUpdate(), id)
	if isNoRows(err) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("store: review %d: %w", id, err)
	}
	return r, nil
}

// PersonExists reports whether a person with this employee id was ever imported.
func (pt *PlanTx) PersonExists(ctx context.Context, id string) (bool, error) {
	var n int
	if err := pt.tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM people WHERE employee_id = $1`, id); err != nil {
		return false, fmt.Errorf("store: person: %w", err)
	}
	return n > 0, nil
}

// StartDate returns the date a person started.
func (pt *PlanTx) StartDate(ctx context.Context, id string) (civil.Date, error) {
	var d civil.Date
	if err := pt.tx.GetContext(ctx, &d, `SELECT start_date FROM people WHERE employee_id = $1`, id); err != nil {
		return d, fmt.Errorf("store: start date: %w", err)
	}
	return d, nil
}

// Acknowledge marks an open review as seen by its assignee.
func (pt *PlanTx) Acknowledge(ctx context.Context, id int64, by string) error {
	_, err := pt.tx.ExecContext(ctx, `UPDATE reviews SET status = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3, updated_at = $2,
		acknowledged_on = `+pt.s.date(4)+` WHERE id = $1 AND status = 'open'`, id, pt.now, by, pt.AsOf)
	if err != nil {
		return fmt.Errorf("store: acknowledge review %d: %w", id, err)
	}
	if err := forget(ctx, pt.tx, pt.s, `SELECT employee_id FROM reviews WHERE id = $1`, id); err != nil {
		return err
	}
	return pt.Audit(ctx, "review_acknowledged", "review", fmt.Sprint(id), map[string]any{"by": by})
}

// Completion is how a person completed a review.
type Completion struct {
	By           string
	On           civil.Date
	Outcome      string
	Note         string
	Declarations []string
}

// Complete records the completion of an open or acknowledged review.
func (pt *PlanTx) Complete(ctx context.Context, id int64, c Completion) error {
	var decl any
	if len(c.Declarations) > 0 {
		decl = strings.Join(c.Declarations, ";")
	}
	_, err := pt.tx.ExecContext(ctx, `UPDATE reviews SET status = 'completed', completed_on = `+pt.s.date(2)+`, completed_by = $3,
		outcome = $4, note = $5, declarations = $6, updated_at = $7 WHERE id = $1 AND status IN ('open', 'acknowledged')`,
		id, c.On, c.By, c.Outcome, nullable(c.Note), decl, pt.now)
	if err != nil {
		return fmt.Errorf("store: complete review %d: %w", id, err)
	}
	if err := forget(ctx, pt.tx, pt.s, `SELECT employee_id FROM reviews WHERE id = $1`, id); err != nil {
		return err
	}
	return pt.Audit(ctx, "review_completed", "review", fmt.Sprint(id),
		map[string]any{"by": c.By, "on": c.On, "outcome": c.Outcome, "declarations": c.Declarations})
}

// AddCircumstanceReport records a change of circumstances (pending
// assessment), e.g. one declared at an integrity review.
func (pt *PlanTx) AddCircumstanceReport(ctx context.Context, ref, employeeID, category string, reportedOn civil.Date) error {
	_, err := pt.tx.ExecContext(ctx, `INSERT INTO circumstances_reports (report_ref, employee_id, category, reported_on, assessment, first_imported_on, updated_at)
		VALUES ($1, $2, $3, `+pt.s.date(4)+`, 'pending', `+pt.s.date(5)+`, $6)`, ref, employeeID, category, reportedOn, pt.AsOf, pt.now)
	if err != nil {
		return fmt.Errorf("store: record circumstances %s: %w", ref, err)
	}
	return pt.Audit(ctx, "circumstances_recorded", "circumstances_report", ref, map[string]any{"employee_id": employeeID, "reported_on": reportedOn})
}

// AssessReport writes an assessment on a change-of-circumstances report.
func (pt *PlanTx) AssessReport(ctx context.Context, ref, assessment string, on civil.Date) error {
	_, err := pt.tx.ExecContext(ctx, `UPDATE circumstances_reports SET assessment = $2, assessed_on = `+pt.s.date(3)+`, updated_at = $4
		WHERE report_ref = $1`, ref, assessment, on, pt.now)
	if err != nil {
		return fmt.Errorf("store: assess %s: %w", ref, err)
	}
	return forget(ctx, pt.tx, pt.s, `SELECT employee_id FROM circumstances_reports WHERE report_ref = $1`, ref)
}

// Audit appends an entry to the audit log inside the transaction.
func (pt *PlanTx) Audit(ctx context.Context, action, entity, entityID string, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	return pt.s.appendAudit(ctx, pt.tx, AuditEntry{At: pt.now, Actor: pt.Actor, Action: action, Entity: entity, EntityID: entityID, Detail: string(b)})
}

// Now is the transaction's timestamp.
func (pt *PlanTx) Now() time.Time { return pt.now }

// Review returns one review; ErrNotFound when there is none.
func (s *Store) Review(ctx context.Context, id int64) (Review, error) {
	var r Review
	err := s.db.GetContext(ctx, &r, `SELECT `+reviewColumns+` FROM reviews WHERE id = $1`, id)
	if isNoRows(err) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("store: review %d: %w", id, err)
	}
	return r, nil
}

// ReviewStates returns, for those of ids that are no longer open, their
// status and who acknowledged or completed them.
func (s *Store) ReviewStates(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	q := &query{s: s}
	in := listOf(q, ids)
	var rows []struct {
		ID     int64  `db:"id"`
		Status string `db:"status"`
		By     string `db:"by"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT id, status, COALESCE(completed_by, acknowledged_by, '') AS by FROM reviews
		WHERE status <> 'open' AND id IN `+in, q.args...)
	if err != nil {
		return nil, fmt.Errorf("store: review states: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = strings.TrimSpace(r.Status + " by " + r.By)
		if r.By == "" {
			out[r.ID] = r.Status
		}
	}
	return out, nil
}
