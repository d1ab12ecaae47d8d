package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// leaderLockKey is the session-level advisory lock that the leading daemon
// holds for as long as it leads.
const leaderLockKey = 0x7665_7474_6c65_6164 // "vettlead"

// LeadIdleMin is the shortest idle time after which the server ends a
// leader's session (see TryLead).
const LeadIdleMin = 2 * time.Second

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
//
// The leader promises to Check its lead every checkEvery. A session left
// idle for three times that (and at least LeadIdleMin) is ended by the
// server, which frees the lead: a leader that hangs, is frozen or is cut
// off then loses it in seconds, where only TCP keepalives (about a minute,
// and never over a Unix socket) would end its session otherwise.
func (s *Store) TryLead(ctx context.Context, checkEvery time.Duration) (*Lead, error) {
	if s.dialect != Postgres {
		return &Lead{}, nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: leader connection: %w", err)
	}
	// Over TCP, the server probes an idle session every half-minute, so
	// that a leader whose host vanishes (no FIN, no RST) loses the lead in
	// about a minute rather than the system's two hours; over a Unix socket
	// these settings are ignored.
	if _, err := conn.ExecContext(ctx, `SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3`); err != nil {
		_ = conn.Close()
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
	// Only the leader's session times out when idle (a pooled one must
	// not). idle_session_timeout came with PostgreSQL 14: an older server
	// refuses it, and leaves the keepalives alone to end a lost leader's
	// session.
	idle := max(3*checkEvery, LeadIdleMin)
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`SET idle_session_timeout = %d`, idle.Milliseconds())); err != nil && !unknownSetting(err) {
		discard(conn) // frees the lock it holds
		return nil, fmt.Errorf("store: leader connection: %w", err)
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
	// Ask for the lock itself, not just a live session: behind a pooler
	// that hands sessions round (PgBouncer in transaction mode) a session
	// lock means nothing, and this says so rather than leading unseen.
	var held bool
	err := l.conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND pid = pg_backend_pid() AND objsubid = 1 AND (classid::bigint << 32 | objid::bigint) = $1)`, leaderLockKey).Scan(&held)
	if err != nil {
		return fmt.Errorf("store: leader connection: %w", err)
	}
	if !held {
		return errors.New("store: leader lock: this session no longer holds it")
	}
	return nil
}

// Release gives up the lead. It closes the session rather than unlocking,
// so that the lock is freed even when the connection is in doubt: a lead
// that merely looked lost must not go on holding the lock and block every
// daemon, this one included.
func (l *Lead) Release() {
	if l.conn != nil {
		// Unlock first when the session answers (best effort, briefly):
		// the server ends a closed session's backend, and frees its locks,
		// only some moments after the close, and the next daemon should
		// not have to wait for that.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, _ = l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock_all()`)
		cancel()
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

// unknownSetting reports PostgreSQL's refusal of a setting it does not have
// (SQLSTATE 42704, undefined_object).
func unknownSetting(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "42704"
}
