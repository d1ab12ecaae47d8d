package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"vettingd/civil"
)

// A bulk COPY on PostgreSQL goes through lib/pq's raw CopyData on the
// transaction's own connection, its rows encoded here in COPY's text
// format: through database/sql, every row was a statement execution of its
// own (argument conversion, locking, lib/pq's encoding), which cost more
// Go time than PostgreSQL took to store the rows.

// copyChunk is how much encoded text is handed to lib/pq at a time: about
// its own buffer, which it flushes to the server as one message.
const copyChunk = 60 << 10

// copyData is the method of lib/pq's COPY statement that takes raw text.
type copyData interface {
	CopyData(ctx context.Context, line string) (driver.Result, error)
}

// beginOwn begins a transaction on a connection of its own, kept so that
// copyIn can reach the driver under it; on SQLite (one connection, used
// by the statements the import runs after its commit) conn is nil.
func (s *Store) beginOwn(ctx context.Context) (*sqlx.Conn, *sqlx.Tx, error) {
	if s.dialect != Postgres {
		tx, err := s.db.BeginTxx(ctx, s.readCommitted())
		return nil, tx, err
	}
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return nil, nil, err
	}
	tx, err := conn.BeginTxx(ctx, s.readCommitted())
	if err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	return conn, tx, nil
}

// copyIn runs COPY table (columns) FROM STDIN on conn, inside the
// transaction begun on it, with the rows feed adds. feed must not use the
// transaction: the connection is the COPY's until copyIn returns.
//
// Cancelling ctx stops the COPY at its next chunk, the connection intact
// for the transaction's rollback: lib/pq, told of a cancellation mid-COPY,
// closes the connection, and database/sql, told of the broken connection
// by Raw, would close the Conn while the transaction on it holds it (a
// deadlock). So lib/pq is never given ctx's cancellation, and a broken
// connection is reported as a plain error, for Rollback to find.
func copyIn(ctx context.Context, conn *sqlx.Conn, table, columns string, feed func(add func(row []any) error) error) error {
	return conn.Raw(func(dc any) error {
		err := copyOn(ctx, dc, table, columns, feed)
		if errors.Is(err, driver.ErrBadConn) {
			return fmt.Errorf("store: copy into %s: the connection broke: %v", table, err)
		}
		return err
	})
}

// copyOn is copyIn on the driver connection dc.
func copyOn(ctx context.Context, dc any, table, columns string, feed func(add func(row []any) error) error) error {
	pqCtx := context.WithoutCancel(ctx)
	prep, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return errors.New("store: copy: the driver cannot prepare")
	}
	st, err := prep.PrepareContext(pqCtx, "COPY "+table+" ("+columns+") FROM STDIN")
	if err != nil {
		return fmt.Errorf("store: copy into %s: %w", table, err)
	}
	cd, ok := st.(copyData)
	if !ok {
		_ = st.Close()
		return errors.New("store: copy: the driver takes no raw COPY data")
	}
	buf := make([]byte, 0, copyChunk+4<<10)
	send := func() error {
		if len(buf) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		// CopyData ends what it is given with a newline: the last row's is left off.
		_, err := cd.CopyData(pqCtx, string(buf[:len(buf)-1]))
		buf = buf[:0]
		return err
	}
	err = feed(func(row []any) error {
		for i, v := range row {
			if i > 0 {
				buf = append(buf, '\t')
			}
			var err error
			if buf, err = appendCopyValue(buf, v); err != nil {
				return err
			}
		}
		buf = append(buf, '\n')
		if len(buf) >= copyChunk {
			return send()
		}
		return nil
	})
	if err == nil {
		err = send()
	}
	if err != nil {
		_ = st.Close() // ends the COPY; the caller rolls the transaction back
		return err
	}
	// lib/pq ends a COPY with Exec(nil), which waits for the server's answer.
	if _, err := st.Exec(nil); err != nil {
		_ = st.Close()
		return fmt.Errorf("store: copy into %s: %w", table, err)
	}
	return st.Close()
}

// appendCopyValue appends v in COPY's text format: \N for NULL, and in text
// a backslash, tab, newline or carriage return escaped.
func appendCopyValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, `\N`...), nil
	case string:
		return appendCopyText(b, v), nil
	case *string:
		if v == nil {
			return append(b, `\N`...), nil
		}
		return appendCopyText(b, *v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case bool:
		if v {
			return append(b, 't'), nil
		}
		return append(b, 'f'), nil
	case civil.Date:
		if v.IsZero() {
			return append(b, `\N`...), nil
		}
		return append(b, v.String()...), nil
	case time.Time:
		return v.UTC().AppendFormat(b, "2006-01-02 15:04:05.999999Z07:00"), nil
	case driver.Valuer:
		dv, err := v.Value()
		if err != nil {
			return b, err
		}
		return appendCopyValue(b, dv)
	}
	return b, fmt.Errorf("store: copy: cannot encode a %T", v)
}

func appendCopyText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '\t':
			b = append(b, `\t`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		default:
			b = append(b, c)
		}
	}
	return b
}
