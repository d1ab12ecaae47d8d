package crashtest_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"vettingd/store"
	"vettingd/store/storetest"
)

var (
	runsFlag = flag.Int("crash.runs", defaultRuns(), "kills per crash test and backend (default 20, or VETTINGD_CRASH_RUNS)")
	seedFlag = flag.Uint64("crash.seed", 0, "seed of the random kill times (0: from the clock; each test logs its seed)")
)

func defaultRuns() int {
	if n, err := strconv.Atoi(os.Getenv("VETTINGD_CRASH_RUNS")); err == nil && n > 0 {
		return n
	}
	return 20
}

// asOf is the date every command runs as of; people is the size of the
// generated force: enough for an import or a plan to take a few hundred
// milliseconds, so that a random kill lands inside it.
const (
	asOf   = "2026-11-02"
	people = 800
)

var (
	workDir   string // the package's scratch directory, removed at exit
	buildOnce sync.Once
	bin       string // the vettingd binary
	force     string // the directory of a generated force's CSV files
	buildErr  error
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "vettingd-crash-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workDir = dir
	code := storetest.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// binary builds vettingd once for the package, and generates the force
// the tests import.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		bin = filepath.Join(workDir, "vettingd")
		build := exec.Command(goTool(), "build", "-o", bin, "vettingd/cmd/vettingd")
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		force = filepath.Join(workDir, "force")
		gen := command("sqlite:"+filepath.Join(workDir, "unused.db"), nil, "generate", "--people", strconv.Itoa(people), "-o", force, "--as-of", asOf)
		if out, err := gen.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("vettingd generate: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return bin
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// csv names a file of the generated force.
func csv(kind string) string { return filepath.Join(force, kind+".csv") }

// command is vettingd with args on the database at dbURL, with the
// environment's VETTINGD_ settings replaced by ours.
func command(dbURL string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VETTINGD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "VETTINGD_DATABASE_URL="+dbURL, "VETTINGD_TZ=Europe/London")
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// run runs vettingd to its end, fails t unless it succeeds, and returns
// how long it took.
func run(t *testing.T, dbURL string, env []string, args ...string) time.Duration {
	t.Helper()
	cmd := command(dbURL, env, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("vettingd %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return time.Since(start)
}

// kill is what became of a command run under runKilled.
type kill struct {
	Killed bool
	Start  time.Time // when it started
	At     time.Time // when the signal went (zero if it ended first)
}

// runKilled starts vettingd and kills it with SIGKILL after delay, unless
// it has ended by then, in which case it must have succeeded.
func runKilled(t *testing.T, dbURL string, env []string, delay time.Duration, args ...string) kill {
	t.Helper()
	cmd := command(dbURL, env, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	k := kill{Start: time.Now()}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("vettingd %s (not killed): %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return k
	case <-timer.C:
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
	at := time.Now()
	err := <-done
	var exit *exec.ExitError
	switch {
	case err == nil:
		return k // it ended just before the signal
	case errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL:
		k.Killed, k.At = true, at
		return k
	default:
		t.Fatalf("vettingd %s: %v\n%s", strings.Join(args, " "), err, out.String())
		return k
	}
}

// rng returns the test's source of kill times, and logs its seed.
func rng(t *testing.T) *rand.Rand {
	t.Helper()
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("kill times from seed %d (replay: -crash.seed %d -run '%s')", seed, seed, t.Name())
	return rand.New(rand.NewPCG(seed, 0))
}

// upTo returns a random delay in [0, d).
func upTo(r *rand.Rand, d time.Duration) time.Duration {
	return time.Duration(r.Int64N(int64(d)))
}

// spread returns a random delay in the i-th of n equal parts of [0, d):
// n runs so timed cover the whole of d, early and late, on any machine and
// with any seed, where n random ones could all fall on one side of a commit.
func spread(r *rand.Rand, i, n int, d time.Duration) time.Duration {
	part := d / time.Duration(n)
	return time.Duration(i)*part + upTo(r, max(part, 1))
}

// quickest returns the shortest of first and two more clean runs of args,
// each on a fresh clone of base: an import's kills are spread over a clean
// run's time, and one run slowed by a busy moment would spread them all
// past its commit, which comes early. (A plan commits at its end: a slow
// clean run only spreads more of its kills past it.)
func quickest(t *testing.T, base string, first time.Duration, args ...string) time.Duration {
	t.Helper()
	took := first
	for range 2 {
		db, drop := clone(t, base)
		took = min(took, run(t, db, nil, args...))
		drop()
	}
	return took
}

// spreadEarly is spread over [0, d) with the parts closer together early
// (the i-th of n at the square of its share of d): an import commits in the
// first fifth of its run, then plans, and evenly spread kills left one or
// two before its commit.
func spreadEarly(r *rand.Rand, i, n int, d time.Duration) time.Duration {
	share := (float64(i) + r.Float64()) / float64(n)
	return time.Duration(share * share * float64(d))
}

// enoughRuns is the fewest runs after which a test insists that its kills
// fell on both sides of what it kills.
const enoughRuns = 10

var cloneSeq atomic.Int64

// clone copies the database at dbURL into a new one, and returns its URL
// and a function that drops it (also called when t ends). Nothing may be
// connected to the original meanwhile.
func clone(t *testing.T, dbURL string) (string, func()) {
	t.Helper()
	if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		dir, err := os.MkdirTemp(t.TempDir(), "clone-")
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.Base(path))
		for _, suffix := range []string{"", "-wal"} {
			if err := copyFile(path+suffix, dst+suffix); err != nil && !(suffix != "" && errors.Is(err, os.ErrNotExist)) {
				t.Fatal(err)
			}
		}
		return "sqlite:" + dst, func() { os.RemoveAll(dir) }
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	src := strings.TrimPrefix(u.Path, "/")
	name := fmt.Sprintf("%s_c%d", src, cloneSeq.Add(1))
	admin := *u
	admin.Path = "/postgres"
	onServer := func(q string) error {
		db, err := sql.Open("postgres", admin.String())
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.Exec(q)
		return err
	}
	// A server process may outlive its client by a moment, and a database
	// in use cannot be a template.
	for try := 0; ; try++ {
		err = onServer("CREATE DATABASE " + name + " TEMPLATE " + src)
		if err == nil || try == 100 || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("clone %s: %v", src, err)
	}
	drop := func() { _ = onServer("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") }
	t.Cleanup(drop)
	u.Path = "/" + name
	return u.String(), drop
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// execSQL runs statements on the database at dbURL (test set-up).
func execSQL(t *testing.T, dbURL string, stmts ...string) {
	t.Helper()
	s, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range stmts {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// selectRows runs a query on the database at dbURL into dst (a slice).
func selectRows(t *testing.T, dbURL string, dst any, q string, args ...any) {
	t.Helper()
	s, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.DB().Select(dst, s.DB().Rebind(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// digest is a SHA-256 in hex: of a file, or of an audit entry.
var digest = regexp.MustCompile(`\b[0-9a-f]{64}\b`)

// timeless returns a dump with each instant (row timestamps, audit times)
// and each SHA-256 of the audit log and import records (the chain hashes
// the times) replaced by its number in order of first appearance: two
// databases that had the same import applied at different moments then
// dump alike, but a row that differs, or a timestamp shared where it was
// not, still shows. Civil dates, which PostgreSQL prints as their
// midnight, are kept as they are. (A scan rather than a regular
// expression: dumps are large and the tests run under -race.)
func timeless(dump string) string {
	var b strings.Builder
	b.Grow(len(dump))
	instants := map[string]int{}
	i := 0
	for {
		j := strings.IndexByte(dump[i:], ':')
		if j < 0 {
			break
		}
		start := i + j - len("2006-01-02 15")
		end := instantEnd(dump, start)
		if start < i || end < 0 {
			b.WriteString(dump[i : i+j+1])
			i += j + 1
			continue
		}
		b.WriteString(dump[i:start])
		if m := dump[start:end]; strings.Contains(m, " 00:00:00 ") {
			b.WriteString(m)
		} else {
			if _, ok := instants[m]; !ok {
				instants[m] = len(instants) + 1
			}
			fmt.Fprintf(&b, "T%d", instants[m])
		}
		i = end
	}
	b.WriteString(dump[i:])
	lines := strings.Split(b.String(), "\n")
	hashes := map[string]int{}
	for n, l := range lines {
		if strings.HasPrefix(l, "audit_log ") || strings.HasPrefix(l, "import_runs ") {
			lines[n] = digest.ReplaceAllStringFunc(l, func(h string) string {
				if _, ok := hashes[h]; !ok {
					hashes[h] = len(hashes) + 1
				}
				return fmt.Sprintf("H%d", hashes[h])
			})
		}
	}
	return strings.Join(lines, "\n")
}

// instantEnd returns the end of the time.Time printed at s[start:]
// ("2006-01-02 15:04:05.999999 +0000 UTC"), or -1 if there is none.
func instantEnd(s string, start int) int {
	const layout = "dddd-dd-dd dd:dd:dd"
	if start < 0 || start+len(layout) > len(s) {
		return -1
	}
	for k, c := range []byte(layout) {
		if x := s[start+k]; (c == 'd' && (x < '0' || x > '9')) || (c != 'd' && x != c) {
			return -1
		}
	}
	i := start + len(layout)
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		}
	}
	// " +0000 ZONE": the offset, then the zone's name or offset.
	if i+7 > len(s) || s[i] != ' ' || (s[i+1] != '+' && s[i+1] != '-') || s[i+6] != ' ' {
		return -1
	}
	for i += 7; i < len(s) && s[i] != ' ' && s[i] != ']' && s[i] != '\n'; i++ {
	}
	return i
}

// firstDiff describes where two dumps part.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d (of %d, want %d):\n got  %.400s\n want %.400s", i+1, len(g), len(w), g[i], w[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(g), len(w))
}
