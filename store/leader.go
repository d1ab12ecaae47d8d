package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
)

// leaderLockKey is the session-level advisory lock that the leading daemon
// holds for as long as it leads.
const leaderLockKey = 0x7665_7474_6c65_6164 // "vettlead"

// ErrNotLeader is returned by TryLead when another daemon leads.
var ErrNotLeader = errors.New("store: another daemon leads")

// Lead is this daemon's hold on leadership: on PostgreSQL, one connection
// of its own whose session holds the leader's advisory lock. PostgreSQL
// frees the lock when that session ends, so a daemon that dies (killed,
// its host gone, its connection cut) gives up the lead without having to
// say so.
type Lead struct {
	conn *sql.Conn // nil on SQLite
}

// TryLead makes this daemon the leader unless another holds the lead, when
// it returns ErrNotLeader. On SQLite it always succeeds: HoldForServe
// already allows one serve per database, and that one leads.
func (s *Store) TryLead(ctx context.Context) (*Lead, error) {
	if s.dialect != Postgres {
		return &Lead{}, nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: leader connection: %w", err)
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, leaderLockKey).Scan(&got); err != nil {
		// The lock may have been granted before the answer was lost: end
		// the session so that it cannot hold the lead unseen.
		discard(conn)
		return nil, fmt.Errorf("store: leader lock: %w", err)
	}
	if !got {
		_ = conn.Close() // holds nothing: back to the pool
		return nil, ErrNotLeader
	}
	return &Lead{conn: conn}, nil
}

// Check confirms that the lead is still held. An error means that the
// session holding it is lost, or cannot be shown to live: the caller must
// stop leader work and Release the lead.
func (l *Lead) Check(ctx context.Context) error {
	if l.conn == nil {
		return nil
	}
	if _, err := l.conn.ExecContext(ctx, `SELECT 1`); err != nil {
		return fmt.Errorf("store: leader connection: %w", err)
	}
	return nil
}

// Release gives up the lead. It closes the session rather than unlocking,
// so that the lock is freed even when the connection is in doubt: a lead
// that merely looked lost must not go on holding the lock and block every
// daemon, this one included.
func (l *Lead) Release() {
	if l.conn != nil {
		discard(l.conn)
		l.conn = nil
	}
}

// discard closes a connection instead of returning it to the pool, which
// ends its session and so frees its session locks.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}
