package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
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
