package store

import (
	"context"
	"fmt"
	"time"

	"vettingd/civil"
)

// DrawRecord is one month's random re-vetting draw.
type DrawRecord struct {
	Month      string     `db:"month" json:"month"`
	DrawnOn    civil.Date `db:"drawn_on" json:"drawn_on"`
	Seed       uint64     `db:"seed" json:"seed"`
	Population int        `db:"population" json:"population"`
	Eligible   int        `db:"eligible" json:"eligible"`
	Chosen     int        `db:"chosen" json:"chosen"`
	People     []string   `db:"-" json:"people"`
}

// DrawExists reports whether the month's draw has been made.
func (pt *PlanTx) DrawExists(ctx context.Context, month string) (bool, error) {
	var n int
	if err := pt.tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM revetting_draws WHERE month = $1`, month); err != nil {
		return false, fmt.Errorf("store: draw: %w", err)
	}
	return n > 0, nil
}

// DrawCandidates returns how many people are current on the as-of date and,
// in employee_id order, those eligible for a draw: not drawn in a month from
// since on, and with no open revetting or vetting review.
func (pt *PlanTx) DrawCandidates(ctx context.Context, since string) (population int, eligible []string, err error) {
	err = pt.tx.GetContext(ctx, &population, `SELECT COUNT(*) FROM people
		WHERE start_date <= `+pt.s.date(1)+` AND (end_date IS NULL OR end_date > `+pt.s.date(1)+`)`, pt.AsOf)
	if err != nil {
		return 0, nil, fmt.Errorf("store: draw population: %w", err)
	}
	err = pt.tx.SelectContext(ctx, &eligible, `SELECT p.employee_id FROM people p
		WHERE p.start_date <= `+pt.s.date(1)+` AND (p.end_date IS NULL OR p.end_date > `+pt.s.date(1)+`)
		AND NOT EXISTS (SELECT 1 FROM revetting_draw_people d WHERE d.employee_id = p.employee_id AND d.month >= $2)
		AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.employee_id = p.employee_id
			AND r.kind IN ('revetting', 'vetting_review') AND r.status IN ('open', 'acknowledged'))
		ORDER BY p.employee_id`, pt.AsOf, since)
	if err != nil {
		return 0, nil, fmt.Errorf("store: draw candidates: %w", err)
	}
	return population, eligible, nil
}

// RecordDraw stores a draw and the people it chose.
func (pt *PlanTx) RecordDraw(ctx context.Context, d DrawRecord) error {
	_, err := pt.tx.ExecContext(ctx, `INSERT INTO revetting_draws (month, drawn_on, seed, population, eligible, chosen, drawn_at)
		VALUES ($1, `+pt.s.date(2)+`, $3, $4, $5, $6, $7)`, d.Month, d.DrawnOn, int64(d.Seed), d.Population, d.Eligible, len(d.People), time.Now().UTC())
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
	return nil
}

// Draws returns every recorded draw, newest first, with the people chosen.
func (s *Store) Draws(ctx context.Context) ([]DrawRecord, error) {
	var draws []DrawRecord
	err := s.db.SelectContext(ctx, &draws, `SELECT month, drawn_on, seed, population, eligible, chosen FROM revetting_draws ORDER BY month DESC`)
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
