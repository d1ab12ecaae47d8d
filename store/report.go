package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"vettingd/civil"
)

// ReportTx is one consistent read for a report: every query in it sees the
// same snapshot of the database, so the figures of a report agree with
// each other even while the planner or an import writes.
type ReportTx struct {
	s  *Store
	tx *sqlx.Tx
	// AsOf is the date the report is for.
	AsOf civil.Date
}

// Report runs fn in one read-only transaction (repeatable read on
// PostgreSQL; on SQLite a deferred transaction reads one WAL snapshot and
// takes no write lock).
func (s *Store) Report(ctx context.Context, asOf civil.Date, fn func(rt *ReportTx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.db.BeginTxx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: begin report: %w", err)
	}
	defer tx.Rollback()
	if err := s.localSettings(ctx, tx); err != nil {
		return err
	}
	if s.dialect == Postgres {
		// A report is hundreds of small range queries; a parallel worker
		// takes longer to start (30 ms) than each takes to run.
		if _, err := tx.ExecContext(ctx, "SET LOCAL max_parallel_workers_per_gather = 0"); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	return fn(&ReportTx{s: s, tx: tx, AsOf: asOf})
}

// personName is a person's name as reports show it.
const personName = `p.given_name || ' ' || p.family_name`

// currentPerson is the condition on p of a person in the force on $1.
const currentPerson = `p.start_date <= $1 AND (p.end_date IS NULL OR p.end_date > $1)`

// ReportPost is an open post.
type ReportPost struct {
	PostID         string `db:"post_id"`
	Title          string `db:"title"`
	Department     string `db:"department"`
	RequiredLevels string `db:"required_levels"` // ';'-separated
	Designated     bool   `db:"designated"`
}

// Posts returns the posts open on the report's date, by post id.
func (rt *ReportTx) Posts(ctx context.Context) ([]ReportPost, error) {
	var posts []ReportPost
	err := rt.tx.SelectContext(ctx, &posts, `SELECT post_id, title, COALESCE(department, '') AS department, required_levels, designated
		FROM posts WHERE closed_on IS NULL OR closed_on > $1 ORDER BY post_id`, rt.AsOf)
	if err != nil {
		return nil, fmt.Errorf("store: report posts: %w", err)
	}
	return posts, nil
}

// ReportPerson is a current person with what a report needs to judge their
// vetting: their post's levels, every clearance decision they have, when
// their open mitigation reviews are due, and their last integrity review.
type ReportPerson struct {
	EmployeeID    string `db:"employee_id"`
	Name          string `db:"name"`
	WorkforceType string `db:"workforce_type"`
	PostID        string `db:"post_id"`
	PostLevels    string `db:"post_levels"` // ';'-separated
	Designated    bool   `db:"designated"`
	// LastIntegrityReviewOn is the date HR recorded (from before vettingd).
	LastIntegrityReviewOn civil.Date `db:"last_integrity_review_on"`
	// LastIntegrityCompleted is the last integrity_review completed on or
	// before the report's date.
	LastIntegrityCompleted civil.Date

	// Clearances are ordered by level, decided_on and clearance_ref, as the
	// planner reads them.
	Clearances []Clearance
	// MitigationDue maps a clearance_ref to the due date of its open
	// mitigation_review.
	MitigationDue map[string]civil.Date
}

// reportChunk is how many people one round of a report's pass loads.
const reportChunk = 2000

// People calls fn with the people current on the report's date, in
// employee_id order, a chunk at a time: memory stays bounded at any size of
// force, and each chunk costs three queries, each a range of employee ids.
func (rt *ReportTx) People(ctx context.Context, fn func([]ReportPerson) error) error {
	after := ""
	for {
		var people []ReportPerson
		err := rt.tx.SelectContext(ctx, &people, `SELECT p.employee_id, `+personName+` AS name, p.workforce_type,
			COALESCE(p.post_id, '') AS post_id, COALESCE(po.required_levels, '') AS post_levels,
			CASE WHEN po.designated THEN 1 ELSE 0 END AS designated, p.last_integrity_review_on
			FROM people p LEFT JOIN posts po ON po.post_id = p.post_id
			WHERE `+currentPerson+` AND p.employee_id > $2 ORDER BY p.employee_id LIMIT $3`, rt.AsOf, after, reportChunk)
		if err != nil {
			return fmt.Errorf("store: report people: %w", err)
		}
		if len(people) == 0 {
			return nil
		}
		if err := rt.loadRecords(ctx, people); err != nil {
			return err
		}
		if err := fn(people); err != nil {
			return err
		}
		after = people[len(people)-1].EmployeeID
	}
}

// loadRecords fills in the chunk's clearances, integrity reviews and open
// mitigation reviews with a query each over the chunk's range of employee
// ids. The reviews are read by that range alone, not by status: a status
// would steer the query to the index of every completed review there is.
func (rt *ReportTx) loadRecords(ctx context.Context, people []ReportPerson) error {
	lo, hi := people[0].EmployeeID, people[len(people)-1].EmployeeID
	idx := make(map[string]*ReportPerson, len(people))
	for i := range people {
		idx[people[i].EmployeeID] = &people[i]
		people[i].MitigationDue = map[string]civil.Date{}
	}
	var clearances []Clearance
	err := rt.tx.SelectContext(ctx, &clearances, `SELECT c.employee_id, c.clearance_ref, c.level, c.decision, c.decided_on, c.expires_on,
		c.adverse_info, COALESCE(c.mitigation_owner_id, '') AS mitigation_owner_id, COALESCE(c.mitigation_review_months, 0) AS mitigation_review_months,
		c.first_imported_on, CASE WHEN o.employee_id IS NOT NULL AND o.start_date <= $3 AND (o.end_date IS NULL OR o.end_date > $3) THEN 1 ELSE 0 END AS owner_current
		FROM clearances c LEFT JOIN people o ON o.employee_id = c.mitigation_owner_id
		WHERE c.employee_id BETWEEN $1 AND $2 ORDER BY c.employee_id, c.level, c.decided_on, c.clearance_ref`, lo, hi, rt.AsOf)
	if err != nil {
		return fmt.Errorf("store: report clearances: %w", err)
	}
	var reviews []struct {
		EmployeeID  string     `db:"employee_id"`
		Kind        string     `db:"kind"`
		Ref         string     `db:"source_ref"`
		Status      string     `db:"status"`
		DueOn       civil.Date `db:"due_on"`
		CompletedOn civil.Date `db:"completed_on"`
	}
	err = rt.tx.SelectContext(ctx, &reviews, `SELECT employee_id, kind, source_ref, status, due_on, completed_on FROM reviews
		WHERE employee_id BETWEEN $1 AND $2 AND kind IN ('integrity_review', 'mitigation_review')`, lo, hi)
	if err != nil {
		return fmt.Errorf("store: report reviews: %w", err)
	}
	for _, c := range clearances {
		if p := idx[c.EmployeeID]; p != nil {
			p.Clearances = append(p.Clearances, c)
		}
	}
	for _, r := range reviews {
		p := idx[r.EmployeeID]
		switch {
		case p == nil:
		case r.Kind == "integrity_review" && r.Status == "completed" && !r.CompletedOn.After(rt.AsOf) && r.CompletedOn.After(p.LastIntegrityCompleted):
			p.LastIntegrityCompleted = r.CompletedOn
		case r.Kind == "mitigation_review" && (r.Status == "open" || r.Status == "acknowledged"):
			if due, ok := p.MitigationDue[r.Ref]; !ok || r.DueOn.Before(due) {
				p.MitigationDue[r.Ref] = r.DueOn
			}
		}
	}
	return nil
}

// EventReview is an event that may call for a vetting_review (a misconduct
// outcome, a change-of-circumstances report) with one vetting_review of it,
// if any. An event with several reviews comes once per review.
type EventReview struct {
	Ref        string     `db:"ref"`
	EmployeeID string     `db:"employee_id"`
	Name       string     `db:"name"`
	Detail     string     `db:"detail"` // the outcome, or the category
	On         civil.Date `db:"on_date"`
	EndDate    civil.Date `db:"end_date"` // the person's, when they left
	// Assessment and AssessedOn of a circumstances report.
	Assessment string     `db:"assessment"`
	AssessedOn civil.Date `db:"assessed_on"`
	// The review: ReviewStatus is "" when there is none.
	ReviewID        int64      `db:"review_id"`
	ReviewStatus    string     `db:"review_status"`
	ReviewDue       civil.Date `db:"review_due"`
	ReviewCompleted civil.Date `db:"review_completed"`
	CancelReason    string     `db:"cancel_reason"`
}

// eventReviewColumns are an event's review r as it stood on the report's
// date $1 (reviewOn): none if made after it (unless completed by then, as
// a late-recorded review may be), open if closed after it.
const eventReviewColumns = `CASE WHEN ` + reviewOn + ` = '' THEN 0 ELSE r.id END AS review_id, ` + reviewOn + ` AS review_status,
	CASE WHEN ` + reviewOn + ` <> '' THEN r.due_on END AS review_due,
	CASE WHEN r.completed_on <= $1 THEN r.completed_on END AS review_completed,
	CASE WHEN r.cancelled_on <= $1 THEN COALESCE(r.cancel_reason, '') ELSE '' END AS cancel_reason`

// reviewOn is the status of review r on the report's date $1: open until
// acknowledged as of that date or before.
const reviewOn = `(CASE WHEN r.id IS NULL THEN ''
	WHEN r.status = 'completed' AND r.completed_on <= $1 THEN 'completed'
	WHEN r.status = 'cancelled' AND r.cancelled_on <= $1 THEN 'cancelled'
	WHEN r.created_on > $1 THEN ''
	WHEN r.acknowledged_on <= $1 THEN 'acknowledged' ELSE 'open' END)`

// closedAfter is the condition that review r was completed or cancelled
// after the report's date $1: open on it.
const closedAfter = `((r.status = 'completed' AND r.completed_on > $1) OR (r.status = 'cancelled' AND r.cancelled_on > $1))`

// openOn is the condition that review r was open on the report's date $1:
// made by then, and not closed by then.
const openOn = `r.created_on <= $1 AND (r.status IN ('open', 'acknowledged') OR ` + closedAfter + `)`

// MisconductOutcomes returns the misconduct outcomes of the kinds listed
// concluded on or before the report's date, with their vetting reviews, by
// employee id and case.
func (rt *ReportTx) MisconductOutcomes(ctx context.Context, outcomes []string) ([]EventReview, error) {
	q := &query{s: rt.s}
	asOf := q.arg(rt.AsOf)
	var rows []EventReview
	err := rt.tx.SelectContext(ctx, &rows, `SELECT m.case_ref AS ref, m.employee_id, `+personName+` AS name, m.outcome AS detail,
		m.concluded_on AS on_date, p.end_date, '' AS assessment, NULL AS assessed_on, `+eventReviewColumns+`
		FROM misconduct_outcomes m JOIN people p ON p.employee_id = m.employee_id
		LEFT JOIN reviews r ON r.kind = 'vetting_review' AND r.employee_id = m.employee_id AND r.source_ref = m.case_ref
		WHERE m.concluded_on <= `+asOf+` AND m.outcome IN `+q.list(outcomes)+`
		ORDER BY m.employee_id, m.case_ref, r.id`, q.args...)
	if err != nil {
		return nil, fmt.Errorf("store: report misconduct outcomes: %w", err)
	}
	return rows, nil
}

// CircumstancesReports returns the change-of-circumstances reports made on
// or before the report's date, with their vetting reviews, by employee id
// and report.
func (rt *ReportTx) CircumstancesReports(ctx context.Context) ([]EventReview, error) {
	var rows []EventReview
	err := rt.tx.SelectContext(ctx, &rows, `SELECT c.report_ref AS ref, c.employee_id, `+personName+` AS name, c.category AS detail,
		c.reported_on AS on_date, p.end_date, CASE WHEN c.assessed_on > $1 THEN 'pending' ELSE c.assessment END AS assessment,
		CASE WHEN c.assessed_on <= $1 THEN c.assessed_on END AS assessed_on, `+eventReviewColumns+`
		FROM circumstances_reports c JOIN people p ON p.employee_id = c.employee_id
		LEFT JOIN reviews r ON r.kind = 'vetting_review' AND r.employee_id = c.employee_id AND r.source_ref = c.report_ref
		WHERE c.reported_on <= $1
		ORDER BY c.employee_id, c.report_ref, r.id`, rt.AsOf)
	if err != nil {
		return nil, fmt.Errorf("store: report circumstances reports: %w", err)
	}
	return rows, nil
}

// DeclaredRecord is a business interest or notifiable association of a
// current person, with the state of its periodic review and of the
// briefing of the person's current supervisor.
type DeclaredRecord struct {
	Type       string `db:"type"` // interest or association
	Ref        string `db:"ref"`
	EmployeeID string `db:"employee_id"`
	Name       string `db:"name"`
	// Decision of an interest (approved, approved_with_conditions, refused).
	Decision string `db:"decision"`
	// HasConditions of an association.
	HasConditions bool `db:"has_conditions"`
	// ReviewDue is the due date of the open interest_review or
	// association_review of the record (zero when none is open).
	ReviewDue civil.Date `db:"review_due"`
	// SupervisorID is the person's current supervisor ("" when none).
	SupervisorID string `db:"supervisor_id"`
	// Briefed: that supervisor completed a supervisor_briefing about it.
	Briefed bool `db:"briefed"`
	// BriefingDue is the due date of the open briefing of that supervisor.
	BriefingDue civil.Date `db:"briefing_due"`
}

// declaredRecordState selects, for a record (ref, employee p), the state
// of its reviews. $1 is the report's date.
const declaredRecordState = `
	(SELECT MIN(r.due_on) FROM reviews r WHERE r.employee_id = p.employee_id AND r.kind IN ('interest_review', 'association_review')
		AND r.source_ref = d.ref AND r.status IN ('open', 'acknowledged')) AS review_due,
	COALESCE(s.employee_id, '') AS supervisor_id,
	CASE WHEN EXISTS (SELECT 1 FROM reviews r WHERE r.employee_id = p.employee_id AND r.kind = 'supervisor_briefing'
		AND r.source_ref = d.ref AND r.status = 'completed' AND r.assignee_id = s.employee_id) THEN 1 ELSE 0 END AS briefed,
	(SELECT MIN(r.due_on) FROM reviews r WHERE r.employee_id = p.employee_id AND r.kind = 'supervisor_briefing'
		AND r.source_ref = d.ref AND r.status IN ('open', 'acknowledged') AND r.assignee_id = s.employee_id) AS briefing_due
	FROM declared d JOIN people p ON p.employee_id = d.employee_id
	LEFT JOIN people s ON s.employee_id = p.supervisor_id AND s.start_date <= $1 AND (s.end_date IS NULL OR s.end_date > $1)
	WHERE ` + currentPerson

// DeclaredRecords returns the business interests and notifiable
// associations of current people, by employee id, type and ref.
func (rt *ReportTx) DeclaredRecords(ctx context.Context) ([]DeclaredRecord, error) {
	var rows []DeclaredRecord
	err := rt.tx.SelectContext(ctx, &rows, `WITH declared (type, ref, employee_id, decision, has_conditions) AS (
			SELECT 'interest', interest_ref, employee_id, decision, 0 FROM business_interests
			UNION ALL
			SELECT 'association', association_ref, employee_id, '', CASE WHEN COALESCE(TRIM(conditions), '') <> '' THEN 1 ELSE 0 END FROM associations)
		SELECT d.type, d.ref, d.employee_id, `+personName+` AS name, d.decision, d.has_conditions, `+declaredRecordState+`
		ORDER BY d.employee_id, d.type, d.ref`, rt.AsOf)
	if err != nil {
		return nil, fmt.Errorf("store: report interests and associations: %w", err)
	}
	return rows, nil
}

// OpenReviewCount counts the open (and acknowledged) reviews of one kind
// for the people of one department, and how many of them are overdue.
type OpenReviewCount struct {
	Kind       string `db:"kind"`
	Department string `db:"department"` // "" for people with no post or a post with no department
	Open       int    `db:"open"`
	Overdue    int    `db:"overdue"`
}

// reviewDepartment joins a review r to its person's department.
const reviewDepartment = `FROM reviews r JOIN people p ON p.employee_id = r.employee_id LEFT JOIN posts po ON po.post_id = p.post_id`

// OpenReviewCounts counts the reviews open on the report's date, of people
// in the force on it, by kind and department. Most reviews are open, so
// this reads the whole table in order rather than through the index of
// open reviews by due date.
func (rt *ReportTx) OpenReviewCounts(ctx context.Context) ([]OpenReviewCount, error) {
	var rows []OpenReviewCount
	err := rt.tx.SelectContext(ctx, &rows, `SELECT r.kind, COALESCE(po.department, '') AS department, COUNT(*) AS open,
		SUM(CASE WHEN r.due_on < $1 THEN 1 ELSE 0 END) AS overdue `+reviewDepartment+`
		WHERE `+strings.Replace(openOn, "r.status IN", rt.s.unindexed("r.status")+" IN", 1)+` AND `+currentPerson+`
		GROUP BY r.kind, COALESCE(po.department, '') ORDER BY 1, 2`, rt.AsOf)
	if err != nil {
		return nil, fmt.Errorf("store: report open reviews: %w", err)
	}
	return rows, nil
}

// OverdueReview is one overdue review with its person's department.
type OverdueReview struct {
	ID         int64      `db:"id"`
	Kind       string     `db:"kind"`
	EmployeeID string     `db:"employee_id"`
	Name       string     `db:"name"`
	Department string     `db:"department"`
	SourceRef  string     `db:"source_ref"`
	DueOn      civil.Date `db:"due_on"`
}

// OverdueReviews returns the reviews overdue on the report's date (open on
// it, and due before it) of people in the force on it, by due date.
func (rt *ReportTx) OverdueReviews(ctx context.Context) ([]OverdueReview, error) {
	var rows []OverdueReview
	err := rt.tx.SelectContext(ctx, &rows, `SELECT r.id, r.kind, r.employee_id, `+personName+` AS name,
		COALESCE(po.department, '') AS department, r.source_ref, r.due_on `+reviewDepartment+`
		WHERE `+openOn+` AND r.due_on < $1 AND `+currentPerson+` ORDER BY r.due_on, r.id`, rt.AsOf)
	if err != nil {
		return nil, fmt.Errorf("store: report overdue reviews: %w", err)
	}
	return rows, nil
}

// LeaverReview is a vetting_review of someone who left while it was open.
type LeaverReview struct {
	EmployeeID string     `db:"employee_id"`
	Name       string     `db:"name"`
	SourceRef  string     `db:"source_ref"`
	EndDate    civil.Date `db:"end_date"`
	Status     string     `db:"status"` // cancelled, or still open when no plan has run since they left
}

// LeaversDuringVettingReview returns the vetting reviews cancelled because
// their person left, and those still open of people who have left, by
// employee id.
func (rt *ReportTx) LeaversDuringVettingReview(ctx context.Context) ([]LeaverReview, error) {
	var rows []LeaverReview
	err := rt.tx.SelectContext(ctx, &rows, `SELECT r.employee_id, `+personName+` AS name, r.source_ref, p.end_date, r.status
		FROM reviews r JOIN people p ON p.employee_id = r.employee_id
		WHERE r.kind = 'vetting_review' AND ((r.status = 'cancelled' AND r.cancel_reason = 'leaver' AND r.cancelled_on <= $1)
			OR (`+openOn+` AND p.end_date <= $1))
		ORDER BY r.employee_id, r.source_ref, r.id`, rt.AsOf)
	if err != nil {
		return nil, fmt.Errorf("store: report leavers: %w", err)
	}
	return rows, nil
}

// unindexed writes col so that SQLite does not drive a query from an index
// on it: without statistics SQLite takes an equality on an indexed column
// to pick out a few rows, and would fetch most of a table one row at a
// time, at random, where a scan in order is three times faster.
// PostgreSQL has statistics and chooses for itself.
func (s *Store) unindexed(col string) string {
	if s.dialect == SQLite {
		return "+" + col
	}
	return col
}
