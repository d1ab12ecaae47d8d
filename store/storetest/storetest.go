// Package storetest gives each test a fresh, migrated database on every
// backend: SQLite in a temporary directory, and PostgreSQL from
// TEST_DATABASE_URL or, failing that, from a throwaway cluster that the test
// binary starts once from the local PostgreSQL binaries and stops at exit.
//
// Under CI=true a test that cannot get PostgreSQL fails; elsewhere it skips.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/lib/pq" // PostgreSQL driver

	"vettingd/store"
)

// Backends are the names Each runs a test under.
var Backends = []string{"sqlite", "postgres"}

// Main runs the tests of a package and stops the PostgreSQL cluster that
// they started, if any. Call it from TestMain.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main without the exit, for a TestMain that has more to clean up:
// it runs the tests, stops the cluster and returns the exit code.
func Run(m *testing.M) int {
	code := m.Run()
	stopCluster()
	return code
}

// Each runs fn once per backend, as subtests named by the backend, each with
// a fresh migrated database named by its URL.
func Each(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Helper()
	for _, b := range Backends {
		t.Run(b, func(t *testing.T) { fn(t, URL(t, b)) })
	}
}

// Open returns a fresh migrated store on backend b, closed when t ends.
func Open(t testing.TB, b string) *store.Store {
	t.Helper()
	return OpenURL(t, URL(t, b))
}

// OpenURL opens a store on the database at dbURL, closed when t ends: one
// more daemon, or one more handle, on a database a test already has.
func OpenURL(t testing.TB, dbURL string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// URL returns the URL of a fresh migrated database on backend b.
func URL(t testing.TB, b string) string {
	t.Helper()
	var u string
	switch b {
	case "sqlite":
		u = "sqlite:" + filepath.Join(t.TempDir(), "vettingd.db")
	case "postgres":
		u = postgresDatabase(t)
	default:
		t.Fatalf("storetest: unknown backend %q", b)
	}
	s, err := store.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return u
}

var (
	clusterOnce sync.Once
	adminURL    string // a database on the server to run CREATE DATABASE from
	clusterErr  error
	dbSeq       atomic.Int64
)

// postgresDatabase creates a database for t and drops it when t ends.
func postgresDatabase(t testing.TB) string {
	t.Helper()
	clusterOnce.Do(func() { adminURL, clusterErr = findServer() })
	if clusterErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("storetest: PostgreSQL is required under CI=true: %v", clusterErr)
		}
		t.Skipf("storetest: no PostgreSQL: %v", clusterErr)
	}
	admin, err := sql.Open("postgres", adminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("vt_%d_%d", os.Getpid(), dbSeq.Add(1))
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("postgres", adminURL); err == nil {
			_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	u, _ := url.Parse(adminURL)
	u.Path = "/" + name
	return u.String()
}

// findServer returns TEST_DATABASE_URL, or starts a throwaway cluster.
func findServer() (string, error) {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u, nil
	}
	return startCluster()
}

// binDir finds initdb and pg_ctl: Debian's versioned directories first
// (their /usr/bin holds only wrappers), then PATH.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("initdb not found on PATH or under /usr/lib/postgresql/*/bin (install Debian's postgresql, or set TEST_DATABASE_URL)")
}

// Tool returns the path of a PostgreSQL client program (psql, say) from
// the same installation whose initdb starts the throwaway clusters, so that
// a benchmark's client matches its server.
func Tool(name string) (string, error) {
	dir, err := binDir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		return exec.LookPath(name)
	}
	return p, nil
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// Cluster is a throwaway PostgreSQL cluster run from the local binaries.
type Cluster struct {
	// URL reaches the cluster's postgres database.
	URL  string
	dir  string
	bin  string
	cred *syscall.Credential
}

// NewCluster starts a cluster of t's own, removed when t ends: for tests
// that stop and start the server under a running daemon. Without the
// binaries it skips t, or fails it under CI=true.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	c, err := newCluster()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("storetest: PostgreSQL is required under CI=true: %v", err)
		}
		t.Skipf("storetest: no PostgreSQL: %v", err)
	}
	t.Cleanup(c.remove)
	return c
}

func newCluster() (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "vettingd-pg-")
	if err != nil {
		return nil, err
	}
	cred, err := postgresCredential(dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin, cred: cred,
		URL: fmt.Sprintf("postgres://postgres@/postgres?host=%s&sslmode=disable", url.QueryEscape(dir))}
	if err := c.run("initdb", "-D", c.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	db, err := sql.Open("postgres", c.URL)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = db.PingContext(ctx)
		cancel()
		db.Close()
	}
	return c, err
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) run(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	cmd.Dir = c.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Start starts the server (again).
func (c *Cluster) Start() error {
	// A throwaway cluster: durability off for speed, Unix socket only.
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=1GB", c.dir)
	return c.run("pg_ctl", "-D", c.data(), "-o", opts, "-l", filepath.Join(c.dir, "log"), "-w", "-t", "60", "start")
}

// Stop stops the server at once, cutting every connection (an outage).
func (c *Cluster) Stop() error {
	return c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop")
}

func (c *Cluster) remove() {
	_ = c.Stop()
	_ = os.RemoveAll(c.dir)
}

var shared *Cluster

func startCluster() (string, error) {
	c, err := newCluster()
	if err != nil {
		return "", err
	}
	shared = c
	return c.URL, nil
}

// postgresCredential returns who runs the cluster: PostgreSQL refuses to
// run as root, so as root it is the postgres user, who then owns dir.
func postgresCredential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs a postgres user to start PostgreSQL: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func stopCluster() {
	if shared != nil {
		shared.remove()
	}
}

// dumpTables are the tables Dump covers, each ordered by its first column.
var dumpTables = []string{"posts", "people", "clearances", "misconduct_outcomes", "circumstances_reports",
	"adverse_records", "business_interests", "associations", "import_runs", "audit_log"}

// Dump renders every record table of the database at dbURL as text, so a
// test can prove that a rejected import left the database exactly as before.
func Dump(t testing.TB, dbURL string) string {
	t.Helper()
	s, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var b strings.Builder
	for _, table := range dumpTables {
		rows, err := s.DB().Queryx("SELECT * FROM " + table + " ORDER BY 1")
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		for rows.Next() {
			vals, err := rows.SliceScan()
			if err != nil {
				t.Fatalf("dump %s: %v", table, err)
			}
			fmt.Fprintf(&b, "%s %v\n", table, vals)
		}
		rows.Close()
	}
	return b.String()
}

// Count returns the number of rows of table in the database at dbURL.
func Count(t testing.TB, dbURL, table string) int {
	t.Helper()
	s, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.DB().Get(&n, "SELECT COUNT(*) FROM "+table); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// Query returns the first column of each row of a query, as text.
func Query(t testing.TB, dbURL, q string, args ...any) []string {
	t.Helper()
	s, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.DB().Queryx(s.DB().Rebind(q), args...)
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		switch x := v.(type) {
		case nil:
			out = append(out, "NULL")
		case []byte:
			out = append(out, string(x))
		case time.Time:
			out = append(out, x.Format("2006-01-02"))
		default:
			out = append(out, fmt.Sprint(x))
		}
	}
	return out
}
