package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"vettingd/civil"
)

// valuesList returns "($1, $2), ($3, $4)…" for n rows of width columns;
// on SQLite "(?, ?), (?, ?)…", because modernc's driver looks each $N up by
// name, which costs time in proportion to the number of parameters.
func (s *Store) valuesList(n, width int) string {
	var b strings.Builder
	for r := 0; r < n; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := 0; c < width; c++ {
			if c > 0 {
				b.WriteString(", ")
			}
			if s.dialect == SQLite {
				b.WriteByte('?')
			} else {
				fmt.Fprintf(&b, "$%d", r*width+c+1)
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// batchRows is how many rows one multi-row INSERT carries; with a dozen
// columns it stays far below both backends' parameter limits.
const batchRows = 256

// insertRows inserts rows (each of width values) with one statement per
// batchRows rows: "INSERT INTO t (cols) VALUES " is the prefix.
func (s *Store) insertRows(ctx context.Context, tx *sqlx.Tx, prefix string, width int, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), batchRows)
		args := make([]any, 0, n*width)
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, prefix+s.valuesList(n, width), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// insertMany inserts rows into table's columns (", "-separated): with COPY
// on PostgreSQL, in multi-row INSERTs on SQLite.
func (s *Store) insertMany(ctx context.Context, tx *sqlx.Tx, table, columns string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if s.dialect == SQLite {
		return s.insertRows(ctx, tx, "INSERT INTO "+table+" ("+columns+") VALUES ", len(rows[0]), rows)
	}
	stmt, err := tx.PrepareContext(ctx, "COPY "+table+" ("+columns+") FROM STDIN")
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range rows {
		for i, v := range r {
			if d, ok := v.(civil.Date); ok { // COPY sends text; a civil.Date is a driver.Valuer
				r[i], _ = d.Value()
			}
		}
		if _, err := stmt.ExecContext(ctx, r...); err != nil {
			return err
		}
	}
	_, err = stmt.ExecContext(ctx)
	return err
}

// typed returns expr cast to the PostgreSQL type typ, for a placeholder
// whose type nothing else tells PostgreSQL (in VALUES); SQLite takes it as
// it is.
func (s *Store) typed(expr, typ string) string {
	if s.dialect == Postgres {
		return expr + "::" + typ
	}
	return expr
}

// insertMany inserts rows into table's columns within the plan: by raw
// COPY on PostgreSQL (copyIn), else as Store.insertMany does.
func (pt *PlanTx) insertMany(ctx context.Context, table, columns string, rows [][]any) error {
	if pt.conn == nil || len(rows) == 0 {
		return pt.s.insertMany(ctx, pt.tx, table, columns, rows)
	}
	return copyIn(ctx, pt.conn, table, columns, func(add func([]any) error) error {
		for _, r := range rows {
			if err := add(r); err != nil {
				return err
			}
		}
		return nil
	})
}
