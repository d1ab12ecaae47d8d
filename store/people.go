package store

import (
	"context"
	"fmt"

	"vettingd/civil"
)

// PersonBySlackUser returns the employee id of the person with this Slack
// user id, or else with this e-mail address (case-insensitive); ErrNotFound
// when neither matches.
func (s *Store) PersonBySlackUser(ctx context.Context, slackUserID, email string) (string, error) {
	var ids []string
	err := s.db.SelectContext(ctx, &ids, `SELECT employee_id FROM people WHERE slack_user_id = $1
		UNION ALL SELECT employee_id FROM people WHERE $2 <> '' AND LOWER(email) = LOWER($2)`, slackUserID, email)
	if err != nil {
		return "", fmt.Errorf("store: person by Slack user: %w", err)
	}
	if len(ids) == 0 {
		return "", ErrNotFound
	}
	return ids[0], nil
}

// Person is one person's HR record as the pages show it.
type Person struct {
	EmployeeID    string     `db:"employee_id"`
	GivenName     string     `db:"given_name"`
	FamilyName    string     `db:"family_name"`
	WorkforceType string     `db:"workforce_type"`
	RankOrGrade   string     `db:"rank_or_grade"`
	PostID        string     `db:"post_id"`
	PostTitle     string     `db:"post_title"`
	Department    string     `db:"department"`
	SupervisorID  string     `db:"supervisor_id"`
	Status        string     `db:"status"`
	StartDate     civil.Date `db:"start_date"`
	EndDate       civil.Date `db:"end_date"`
}

// Name is the person's full name.
func (p Person) Name() string { return p.GivenName + " " + p.FamilyName }

// PersonRecord returns a person with their clearances (newest first);
// ErrNotFound when there is no such person.
func (s *Store) PersonRecord(ctx context.Context, id string) (Person, []Clearance, error) {
	var p Person
	err := s.db.GetContext(ctx, &p, `SELECT p.employee_id, p.given_name, p.family_name, p.workforce_type, COALESCE(p.rank_or_grade, '') AS rank_or_grade,
		COALESCE(p.post_id, '') AS post_id, COALESCE(po.title, '') AS post_title, COALESCE(po.department, '') AS department,
		COALESCE(p.supervisor_id, '') AS supervisor_id, p.status, p.start_date, p.end_date
		FROM people p LEFT JOIN posts po ON po.post_id = p.post_id WHERE p.employee_id = $1`, id)
	if isNoRows(err) {
		return p, nil, ErrNotFound
	}
	if err != nil {
		return p, nil, fmt.Errorf("store: person %s: %w", id, err)
	}
	var cs []Clearance
	err = s.db.SelectContext(ctx, &cs, `SELECT employee_id, clearance_ref, level, decision, decided_on, expires_on, adverse_info,
		COALESCE(mitigation_owner_id, '') AS mitigation_owner_id, COALESCE(mitigation_review_months, 0) AS mitigation_review_months,
		first_imported_on, 0 AS owner_current FROM clearances WHERE employee_id = $1 ORDER BY decided_on DESC, clearance_ref`, id)
	if err != nil {
		return p, nil, fmt.Errorf("store: clearances of %s: %w", id, err)
	}
	return p, cs, nil
}

// Names returns the names of the people with these employee ids.
func (s *Store) Names(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		q := &query{s: s}
		in := q.list(ids[:n])
		var rows []struct {
			ID   string `db:"employee_id"`
			Name string `db:"name"`
		}
		err := s.db.SelectContext(ctx, &rows, `SELECT employee_id, given_name || ' ' || family_name AS name FROM people WHERE employee_id IN `+in, q.args...)
		if err != nil {
			return nil, fmt.Errorf("store: names: %w", err)
		}
		for _, r := range rows {
			out[r.ID] = r.Name
		}
		ids = ids[n:]
	}
	return out, nil
}
