// Package store is the only place where vettingd speaks SQL. One Store type
// serves both backends: PostgreSQL (the system of record a force shares
// between daemons) and SQLite (the embedded default). Statements are written
// once in the subset both understand, with $N placeholders; only the schema
// (see package migrations) differs by dialect.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"  // PostgreSQL driver "postgres"
	_ "modernc.org/sqlite" // SQLite driver "sqlite"

	"vettingd/boundedfile"
)

// Dialect names a backend.
type Dialect string

// The backends.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// ErrNotFound is returned by methods that look up one record that does not exist.
var ErrNotFound = errors.New("not found")

func init() {
	// modernc's driver registers as "sqlite", which sqlx does not know; it
	// accepts $N placeholders, which is what every statement here uses.
	sqlx.BindDriver("sqlite", sqlx.DOLLAR)
}

// Store is a connection pool to one vettingd database.
type Store struct {
	db      *sqlx.DB
	dialect Dialect
	path    string // the SQLite file
}

// Open connects to a database named by a URL: postgres://… (or
// postgresql://…) or sqlite:PATH. It does not migrate; see Migrate.
func Open(ctx context.Context, dbURL string) (*Store, error) {
	driver, dsn, dialect, err := parseURL(dbURL)
	if err != nil {
		return nil, err
	}
	db, err := sqlx.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if dialect == SQLite {
		// SQLite allows one writer at a time. One connection serialises our
		// own writers instead of letting them fail with SQLITE_BUSY, and keeps
		// the import's temporary staging table on the connection that uses it.
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxOpenConns(16)
		db.SetMaxIdleConns(4)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: cannot reach the database: %w", redact(err, dbURL))
	}
	st := &Store{db: db, dialect: dialect}
	if dialect == SQLite {
		st.path = strings.TrimPrefix(strings.TrimPrefix(dbURL, "sqlite:"), "//")
	}
	return st, nil
}

// ReleaseMemory hands back the memory the database holds in this process
// beyond what it is using: on SQLite, the page cache (up to 64 MiB, filled
// by a planning run that reads whole tables) lives here, not in a server.
// A daemon calls it after a run, so that it idles small.
func (s *Store) ReleaseMemory(ctx context.Context) error {
	if s.dialect != SQLite {
		return nil
	}
	// Shrinking the cache's limit frees the pages above it at once; the
	// limit is then restored, and pages come back only as a run needs them.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: release memory: %w", err)
	}
	defer conn.Close()
	for _, q := range []string{"PRAGMA cache_size = -2000", "PRAGMA shrink_memory", "PRAGMA cache_size = " + sqliteCacheSize} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: release memory: %w", err)
		}
	}
	return nil
}

// sqliteCacheSize is SQLite's page cache, in KiB when negative: 64 MiB,
// because the planner reads whole tables in key order.
const sqliteCacheSize = "-65536"

func parseURL(dbURL string) (driver, dsn string, d Dialect, err error) {
	switch {
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		return "postgres", dbURL, Postgres, nil
	case strings.HasPrefix(dbURL, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(dbURL, "sqlite:"), "//")
		if path == "" {
			return "", "", "", errors.New("store: sqlite: URL names no file (want sqlite:PATH)")
		}
		// SQLite would wait for ever on a FIFO, and write its journal beside
		// a device (/dev/null-wal) or fail obscurely on a directory.
		if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
			return "", "", "", fmt.Errorf("store: sqlite:%s is not a database file (it is %s)", path, boundedfile.Kind(st.Mode()))
		}
		q := url.Values{}
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "cache_size("+sqliteCacheSize+")")
		q.Set("_time_format", "sqlite")
		q.Set("_txlock", "immediate")
		return "sqlite", "file:" + path + "?" + q.Encode(), SQLite, nil
	default:
		return "", "", "", fmt.Errorf("store: database URL must start with postgres:// or sqlite: (got %q)", redactURL(dbURL))
	}
}

// redactURL hides the password in a database URL, in its user part or as
// a password= parameter, so that it can be printed. A URL that does not
// parse has whatever could be a password hidden all the same (from the
// first colon after the scheme's // to the last @).
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return queryPassword.ReplaceAllString(userPassword.ReplaceAllString(s, "${1}xxxxx@"), "${1}xxxxx")
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if q := u.Query(); q.Has("password") { // a key written pass%77ord is one too
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	u.RawQuery = queryPassword.ReplaceAllString(u.RawQuery, "${1}xxxxx")
	return u.String()
}

var (
	userPassword  = regexp.MustCompile(`(://[^/@:]*:).*@`)
	queryPassword = regexp.MustCompile(`(?i)(password\s*=\s*)[^&\s]*`)
)

// HasPassword reports whether a database URL carries a password, in its
// user part or as a password= parameter.
func HasPassword(dbURL string) bool {
	u, err := url.Parse(dbURL)
	if err != nil {
		return userPassword.MatchString(dbURL) || queryPassword.MatchString(dbURL)
	}
	_, inUser := u.User.Password() // nil-safe
	return inUser || u.Query().Has("password") || queryPassword.MatchString(u.RawQuery)
}

// redact hides the database URL's password in an error that may quote it.
// An error about a URL that does not parse is not passed on: it quotes
// pieces of the URL, a password's among them.
func redact(err error, dbURL string) error {
	if strings.HasPrefix(dbURL, "sqlite:") {
		return err // a path, no password: its errors are passed on whole
	}
	u, perr := url.Parse(dbURL)
	if perr != nil {
		return fmt.Errorf("the database URL %s is not a valid URL", redactURL(dbURL))
	}
	msg := strings.ReplaceAll(err.Error(), dbURL, redactURL(dbURL))
	secrets := []string{u.Query().Get("password")}
	if u.User != nil {
		pw, _ := u.User.Password()
		secrets = append(secrets, pw)
	}
	for _, pw := range secrets {
		if pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

// Dialect returns the backend this store talks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// WithTx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise. The rollback is not cancelled with ctx, so a cancelled
// request does not leave a transaction open.
func (s *Store) WithTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// DB returns the underlying pool, for tests and tools that must reach past
// the Store's methods (to tamper with the audit log in a test, say).
func (s *Store) DB() *sqlx.DB { return s.db }

// localSettings turns PostgreSQL's JIT compiler off for a transaction,
// and applies further settings ("name = value") to it. The row estimates of
// recursive and set-based checks over a fresh staging table are far too
// high, and JIT then spends longer compiling than the query takes to run.
func (s *Store) localSettings(ctx context.Context, tx *sqlx.Tx, more ...string) error {
	if s.dialect != Postgres {
		return nil
	}
	for _, set := range append([]string{"jit = off"}, more...) {
		if _, err := tx.ExecContext(ctx, "SET LOCAL "+set); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	return nil
}
