package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vettingd/civil"
)

// DrawRecord is one month's random re-vetting draw.
type DrawRecord struct {
	Month   string     `db:"month" json:"month"`
	DrawnOn civil.Date `db:"drawn_on" json:"drawn_on"`
	// DrawnAt is when the planning run that made the draw began: the draw
	// saw the database as it stood then.
	DrawnAt time.Time `db:"drawn_at" json:"drawn_at"`
	// Seed is a string in JSON: 63 bits do not survive a JSON number read
	// as a double, and a seed that comes back different cannot be checked.
	Seed       uint64 `db:"seed" json:"seed,string"`
	Population int    `db:"population" json:"population"`
	Eligible   int    `db:"eligible" json:"eligible"`
	// EligibleSHA256 is the SHA-256 of the eligible employee ids (empty for
	// a draw made before it was recorded).
	EligibleSHA256 string `db:"eligible_sha256" json:"eligible_sha256"`
	// ExcludeMonths is the window within which someone drawn before could
	// not be drawn again.
	ExcludeMonths int      `db:"exclude_months" json:"exclude_months"`
	Chosen        int      `db:"chosen" json:"chosen"`
	People        []string `db:"-" json:"people"`
}

// DrawExists reports whether the month's draw has been made.
func (pt *PlanTx) DrawExists(ctx context.Context, month string) (bool, error) {
	var n int
	if err := pt.tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM revetting_draws WHERE month = $1`, month); err != nil {
		return false, fmt.Errorf("store: draw: %w", err)
	}
	return n > 0, nil
}

// DrawCandidates returns how many people are current on the as-of date and
// those eligible for the month's draw (in no particular order): not chosen
// by a draw made after since, and with neither a revetting that has opened
// nor a vetting review open.
func (pt *PlanTx) DrawCandidates(ctx context.Context, month string, since civil.Date) (population int, eligible []string, err error) {
	err = pt.tx.GetContext(ctx, &population, `SELECT COUNT(*) FROM people
		WHERE start_date <= `+pt.s.date(1)+` AND (end_date IS NULL OR end_date > `+pt.s.date(1)+`)`, pt.AsOf)
	if err != nil {
		return 0, nil, fmt.Errorf("store: draw population: %w", err)
	}
	err = pt.tx.SelectContext(ctx, &eligible, pt.s.drawEligible(false), pt.AsOf, since, month)
	if err != nil {
		return 0, nil, fmt.Errorf("store: draw candidates: %w", err)
	}
	return population, eligible, nil
}

// DrawEligibleAt recomputes the people eligible for a recorded draw (in no
// particular order) as the database stood when it was made: people and
// reviews that existed before d.DrawnAt, reviews open then, draws made
// after since. Changes since then that leave no trace in the timestamps (a
// back-dated end_date, a revetting whose opening date moved) can make the
// list differ.
func (s *Store) DrawEligibleAt(ctx context.Context, d DrawRecord, since civil.Date) ([]string, error) {
	var eligible []string
	err := s.db.SelectContext(ctx, &eligible, s.drawEligible(true), d.DrawnOn, since, d.Month, d.DrawnAt)
	if err != nil {
		return nil, fmt.Errorf("store: draw %s eligible: %w", d.Month, err)
	}
	return eligible, nil
}

// drawEligible selects the employee ids a draw may choose: $1 the draw
// date, $2 the start of the exclusion window (a draw made after it
// excludes whom it chose), $3 the draw's month (later draws do not count).
// With past set, $4 is the instant of the draw and the query sees the
// tables as they were then: every write carries its plan's or import's
// time, and a closed review's updated_at is when it closed.
func (s *Store) drawEligible(past bool) string {
	day, existed, open := s.date(1), "", "r.status IN ('open', 'acknowledged')"
	if past {
		at := s.timestamp(4)
		existed = ` AND (p.first_imported_on < ` + day + ` OR p.updated_at < ` + at + `)`
		open = `r.created_at < ` + at + ` AND (r.status IN ('open', 'acknowledged') OR r.updated_at >= ` + at + `)`
	}
	return `SELECT p.employee_id FROM people p
		WHERE p.start_date <= ` + day + ` AND (p.end_date IS NULL OR p.end_date > ` + day + `)` + existed + `
		AND NOT EXISTS (SELECT 1 FROM revetting_draw_people dp JOIN revetting_draws d ON d.month = dp.month
			WHERE dp.employee_id = p.employee_id AND d.month < $3 AND d.drawn_on > ` + s.date(2) + `)
		AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.employee_id = p.employee_id
			AND (r.kind = 'vetting_review' OR (r.kind = 'revetting' AND r.opens_on <= ` + day + `))
			AND ` + open + `)`
}

// RecordDraw stores a draw and the people it chose.
func (pt *PlanTx) RecordDraw(ctx context.Context, d DrawRecord) error {
	_, err := pt.tx.ExecContext(ctx, `INSERT INTO revetting_draws (month, drawn_on, seed, population, eligible, chosen, drawn_at, eligible_sha256, exclude_months)
		VALUES ($1, `+pt.s.date(2)+`, $3, $4, $5, $6, $7, $8, $9)`,
		d.Month, d.DrawnOn, int64(d.Seed), d.Population, d.Eligible, len(d.People), d.DrawnAt, d.EligibleSHA256, d.ExcludeMonths)
	if err != nil {
		return fmt.Errorf("store: record draw: %w", err)
	}
	rows := make([][]any, len(d.People))
	for i, id := range d.People {
		rows[i] = []any{d.Month, id}
	}
	if err := pt.s.insertRows(ctx, pt.tx, `INSERT INTO revetting_draw_people (month, employee_id) VALUES `, 2, rows); err != nil {
		return fmt.Errorf("store: record draw: %w", err)
	}
	return forget(ctx, pt.tx, pt.s, `SELECT employee_id FROM revetting_draw_people WHERE month = $1`, d.Month)
}

const drawColumns = `month, drawn_on, drawn_at, seed, population, eligible, COALESCE(eligible_sha256, '') AS eligible_sha256,
	COALESCE(exclude_months, 0) AS exclude_months, chosen`

// Draws returns every recorded draw, newest first, with the people chosen.
func (s *Store) Draws(ctx context.Context) ([]DrawRecord, error) {
	var draws []DrawRecord
	err := s.db.SelectContext(ctx, &draws, `SELECT `+drawColumns+` FROM revetting_draws ORDER BY month DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: draws: %w", err)
	}
	var chosen []struct {
		Month      string `db:"month"`
		EmployeeID string `db:"employee_id"`
	}
	if err := s.db.SelectContext(ctx, &chosen, `SELECT month, employee_id FROM revetting_draw_people ORDER BY month, employee_id`); err != nil {
		return nil, fmt.Errorf("store: draws: %w", err)
	}
	byMonth := map[string]*DrawRecord{}
	for i := range draws {
		draws[i].People = []string{}
		byMonth[draws[i].Month] = &draws[i]
	}
	for _, c := range chosen {
		byMonth[c.Month].People = append(byMonth[c.Month].People, c.EmployeeID)
	}
	return draws, nil
}

// Draw returns the draw of a month (YYYY-MM) with the people chosen, or
// ErrNotFound.
func (s *Store) Draw(ctx context.Context, month string) (DrawRecord, error) {
	var d DrawRecord
	err := s.db.GetContext(ctx, &d, `SELECT `+drawColumns+` FROM revetting_draws WHERE month = $1`, month)
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("store: draw %s: %w", month, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("store: draw %s: %w", month, err)
	}
	d.People = []string{}
	if err := s.db.SelectContext(ctx, &d.People, `SELECT employee_id FROM revetting_draw_people WHERE month = $1`, month); err != nil {
		return d, fmt.Errorf("store: draw %s: %w", month, err)
	}
	return d, nil
}
