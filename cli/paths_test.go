package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"vettingd/cli"
	"vettingd/store/storetest"
)

// within runs the command line with stdin and env, failing the test if it
// has not finished in ten seconds (a FIFO or a device must not hang it).
func within(t *testing.T, dbURL string, stdin any, env map[string]string, argv ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := map[string]string{"VETTINGD_DATABASE_URL": dbURL, "VETTINGD_TZ": "Europe/London"}
	for k, v := range env {
		e[k] = v
	}
	in, ok := stdin.(interface{ Read([]byte) (int, error) })
	if !ok {
		in = strings.NewReader("")
	}
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(context.Background(), cli.Env{Args: argv, Stdin: in, Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return e[k] }})
	}()
	select {
	case code := <-done:
		return result{out.String(), errb.String(), code}
	case <-time.After(10 * time.Second):
		t.Fatalf("vettingd %q did not finish in 10 s", argv)
		return result{}
	}
}

// endless is /dev/zero as standard input.
type endless struct{}

func (endless) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func mkfifo(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "pipe.csv")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every file argument of import: what is not a CSV file is refused with a
// sentence naming the problem, promptly and in bounded memory, and the
// database is left exactly as it was.
func TestImportRefusesWhatIsNotACSVFileAndStoresNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		dir := t.TempDir()
		good := write(t, "posts.csv", postsCSV)
		for name, target := range map[string]string{"zero.csv": "/dev/zero", "dangling.csv": filepath.Join(dir, "absent"), "good.csv": good} {
			if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
		// The path a clerk gives is theirs to give: ../ is resolved as usual.
		rel, err := filepath.Rel(mustGetwd(t), "/etc/passwd")
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			file  string
			stdin any
			code  int
			says  string
		}{
			{"/etc/passwd", "/etc/passwd", nil, cli.ExitRejected, `passwd:1: required column "employee_id" is missing from the header`},
			{"../ to /etc/passwd", rel, nil, cli.ExitRejected, `passwd:1: required column "employee_id" is missing`},
			{"a directory", dir, nil, cli.ExitFailure, "it is a directory, not a file"},
			{"/dev/zero", "/dev/zero", nil, cli.ExitFailure, "it is a device, not a file (to import from a pipe or a device, give - "},
			{"a symbolic link to /dev/zero", filepath.Join(dir, "zero.csv"), nil, cli.ExitFailure, "it is a device"},
			{"a dangling symbolic link", filepath.Join(dir, "dangling.csv"), nil, cli.ExitFailure, "no such file or directory"},
			{"a FIFO nobody writes to", mkfifo(t, dir), nil, cli.ExitFailure, "it is a named pipe, not a file"},
			{"standard input that never ends", "-", endless{}, cli.ExitRejected, "stdin:1: the line is longer than 1048576 bytes"},
			{"a file that does not exist", filepath.Join(dir, "nope.csv"), nil, cli.ExitFailure, "cannot read " + filepath.Join(dir, "nope.csv") + ": no such file or directory"},
			{"a newline in the name", dir + "/x\nvettingd: forged.csv", nil, cli.ExitUsage, `contains a control character`},
			{"a NUL in the name", "people\x00.csv", nil, cli.ExitUsage, `"people\x00.csv" contains a control character`},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := storetest.Dump(t, dbURL)
				r := within(t, dbURL, c.stdin, nil, "import", "people", c.file, "--as-of", "2026-11-03")
				if r.code != c.code || !strings.Contains(r.stderr, c.says) {
					t.Errorf("exit %d, stderr %q; want %d with %q", r.code, r.stderr, c.code, c.says)
				}
				if strings.Contains(r.stderr, "\nvettingd: forged") {
					t.Errorf("the name forged a line: %q", r.stderr)
				}
				if storetest.Dump(t, dbURL) != before {
					t.Error("the database changed")
				}
			})
		}
		// A symbolic link to a real file is followed; the run records its name.
		r := within(t, dbURL, nil, nil, "import", "posts", filepath.Join(dir, "good.csv"), "--as-of", "2026-11-03")
		if r.code != 0 || !strings.Contains(r.stdout, "good.csv: posts snapshot import, applied") {
			t.Errorf("through a link: exit %d %s %s", r.code, r.stdout, r.stderr)
		}
	})
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

// report compliance -o replaces an earlier report whole (through a link,
// the file it points to), readable by its owner only; it refuses a
// directory, a FIFO or a device (renamed over, /dev/null would become the
// report), and leaves no temporary file behind.
func TestReportOutputPaths(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	dir := t.TempDir()
	old := filepath.Join(dir, "report.txt")
	if err := os.WriteFile(old, []byte("last week's report\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := within(t, dbURL, nil, nil, "report", "compliance", "-o", old, "--as-of", "2026-11-02")
	if b, _ := os.ReadFile(old); r.code != 0 || strings.Contains(string(b), "last week") || len(b) == 0 {
		t.Fatalf("replacing a report: exit %d %s; file %q", r.code, r.stderr, b)
	}
	if st, _ := os.Stat(old); st.Mode().Perm() != 0o600 {
		t.Errorf("the report is %v, want 0600", st.Mode().Perm())
	}
	link := filepath.Join(dir, "latest.txt")
	if err := os.Symlink(old, link); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(old, []byte("stale\n"), 0o600)
	if r := within(t, dbURL, nil, nil, "report", "compliance", "-o", link, "--as-of", "2026-11-02"); r.code != 0 {
		t.Fatalf("through a link: %d %s", r.code, r.stderr)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced instead of the file it points to")
	}
	if b, _ := os.ReadFile(old); strings.Contains(string(b), "stale") {
		t.Error("the file behind the link was not replaced")
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	fifo := mkfifo(t, dir)
	for path, says := range map[string]string{sub: "it is a directory, not a file", fifo: "it is a named pipe, not a file (-o - writes to standard output)",
		filepath.Join(dir, "a\nb.txt"): "control character"} {
		r := within(t, dbURL, nil, nil, "report", "compliance", "-o", path, "--as-of", "2026-11-02")
		if r.code == 0 || !strings.Contains(r.stderr, says) {
			t.Errorf("-o %q: exit %d %q, want %q", path, r.code, r.stderr, says)
		}
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Error("the FIFO was replaced")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("a temporary file was left behind: %s", e.Name())
		}
	}
}

// generate refuses to overwrite files already in its directory (they may
// be real HR exports), even through a symbolic link, unless --force.
func TestGenerateDoesNotOverwriteUnlessForced(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	dir := t.TempDir()
	real := filepath.Join(t.TempDir(), "hr-export.csv")
	if err := os.WriteFile(real, []byte("the real export\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(dir, "people.csv")); err != nil {
		t.Fatal(err)
	}
	r := within(t, dbURL, nil, nil, "generate", "--people", "20", "-o", dir)
	if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "people.csv: file already exists; nothing was written") || !strings.Contains(r.stderr, "--force") {
		t.Errorf("exit %d %q", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(real); string(b) != "the real export\n" {
		t.Errorf("the file behind the link was overwritten: %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "posts.csv")); err == nil {
		t.Error("some files were written before the refusal")
	}
	fresh := filepath.Join(t.TempDir(), "force")
	if r := within(t, dbURL, nil, nil, "generate", "--people", "20", "-o", fresh); r.code != 0 {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
	if r := within(t, dbURL, nil, nil, "generate", "--people", "20", "-o", fresh); r.code == 0 {
		t.Error("a second generate into the same directory overwrote it")
	}
	if r := within(t, dbURL, nil, nil, "generate", "--people", "20", "-o", fresh, "--force"); r.code != 0 {
		t.Errorf("--force: %d %s", r.code, r.stderr)
	}
	if r := within(t, dbURL, nil, nil, "generate", "-o", real); r.code == 0 || !strings.Contains(r.stderr, "not a directory") {
		t.Errorf("-o a file: %d %q", r.code, r.stderr)
	}
}

// The policy file and the secrets' _FILE settings: a device or a large
// file is refused at once in bounded memory, a FIFO does not hang the
// policy, and each refusal names the setting.
func TestPolicyAndSecretFilesAreReadBounded(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	dir := t.TempDir()
	big := filepath.Join(dir, "big.toml")
	if err := os.WriteFile(big, bytes.Repeat([]byte("# comment\n"), 200_000), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  map[string]string
		says string
	}{
		{"policy /dev/zero", map[string]string{"VETTINGD_POLICY": "/dev/zero"}, "policy /dev/zero: not a regular file"},
		{"policy FIFO", map[string]string{"VETTINGD_POLICY": mkfifo(t, dir)}, "not a regular file"},
		{"policy directory", map[string]string{"VETTINGD_POLICY": dir}, "not a regular file"},
		{"policy of 2 MB", map[string]string{"VETTINGD_POLICY": big}, "larger than 1048576 bytes"},
		{"secret /dev/zero", map[string]string{"VETTINGD_WEBHOOK_SECRET_FILE": "/dev/zero"}, "VETTINGD_WEBHOOK_SECRET_FILE /dev/zero is larger than 65536 bytes"},
		{"secret directory", map[string]string{"VETTINGD_SLACK_BOT_TOKEN_FILE": dir}, "VETTINGD_SLACK_BOT_TOKEN_FILE cannot be read"},
		{"import limit of 0", map[string]string{"VETTINGD_MAX_IMPORT_MB": "0"}, "VETTINGD_MAX_IMPORT_MB must be a whole number of MiB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := within(t, dbURL, nil, c.env, "policy", "show")
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, c.says) {
				t.Errorf("exit %d %q, want %d with %q", r.code, r.stderr, cli.ExitUsage, c.says)
			}
		})
	}
}

// --db sqlite:PATH names a database file: a directory, a device or a FIFO
// (on which SQLite would wait for ever) is refused at once, naming it.
func TestSQLitePathMustBeAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, dir)
	for path, says := range map[string]string{dir: "is not a database file (it is a directory)", "/dev/zero": "(it is a device)", fifo: "(it is a named pipe)"} {
		r := within(t, "sqlite:"+path, nil, nil, "migrate")
		if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "sqlite:"+path+" "+"is not a database file") || !strings.Contains(r.stderr, says) {
			t.Errorf("sqlite:%s: exit %d %q, want %q", path, r.code, r.stderr, says)
		}
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Error("the FIFO was touched")
	}
	for _, journal := range []string{"/dev/zero-wal", "/dev/zero-journal"} {
		if _, err := os.Stat(journal); err == nil {
			t.Errorf("SQLite wrote %s", journal)
		}
	}
}
