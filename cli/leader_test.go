package cli_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"vettingd/civil"
	"vettingd/notify"
	"vettingd/notify/notifytest"
	"vettingd/policy"
	"vettingd/store"
	"vettingd/store/storetest"
)

// TestTwoServesThroughASimulatedMonth runs two vettingd serve processes on
// one PostgreSQL database through thirty simulated days, stepping a shared
// simulated clock a day at a time, with events posted to either daemon on
// the way. Mid-month the leader is killed with SIGKILL and started again.
// It checks that one daemon at a time leads and only the leader plans and
// builds digests, that plans never overlap, that the survivor takes the
// lead within a few of its retries and carries on, that every digest
// window is built, and that every message is delivered exactly once.
func TestTwoServesThroughASimulatedMonth(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the daemon and runs it as processes")
	}
	begin := time.Now()
	dbURL := storetest.URL(t, "postgres")
	bin := buildVettingd(t)
	t.Logf("built in %s", time.Since(begin).Round(time.Millisecond))
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	// 08:30 on each day from Monday 2 November 2026: after the day's
	// 08:00 digest window.
	at := func(day int) time.Time { return time.Date(2026, 11, 2+day, 8, 30, 0, 0, loc) }
	dateOf := func(day int) string { return civil.Of(at(day)).String() }

	dir := t.TempDir()
	files := strings.Fields(must(t, dbURL, "generate", "--people", "150", "--seed", "7", "-o", filepath.Join(dir, "force"), "--as-of", dateOf(0)).stdout)
	for _, f := range files {
		must(t, dbURL, "import", strings.TrimSuffix(filepath.Base(f), ".csv"), f, "--as-of", dateOf(0))
	}
	token := strings.TrimSpace(must(t, dbURL, "token", "create", "--role", "admin").stdout)
	db := openDB(t, dbURL)
	var people []string
	if err := db.Select(&people, `SELECT employee_id FROM people WHERE end_date IS NULL ORDER BY employee_id LIMIT 4`); err != nil || len(people) < 4 {
		t.Fatalf("people: %v %v", people, err)
	}

	t.Logf("imported by %s", time.Since(begin).Round(time.Millisecond))
	clock := &simClock{path: filepath.Join(dir, "clock")}
	clock.set(t, at(0))
	wh := notifytest.NewWebhook(t, "whsec")
	env := []string{"VETTINGD_DATABASE_URL=" + dbURL, "VETTINGD_TZ=Europe/London", "VETTINGD_LISTEN=127.0.0.1:0",
		"VETTINGD_LOG_FORMAT=json", "VETTINGD_PLAN_SCHEDULE=@every 1s", "VETTINGD_LEADER_RETRY=300ms",
		"VETTINGD_DISPATCH_INTERVAL=200ms", "VETTINGD_CHANNELS=webhook", "VETTINGD_WEBHOOK_URL=" + wh.URL,
		"VETTINGD_WEBHOOK_SECRET=whsec", "VETTINGD_SIMCLOCK_FILE=" + clock.path, "GORACE=halt_on_error=1"}
	a := startServe(t, bin, env, "a")
	a.waitFor(t, "leadership", isMsg("Leadership gained"))
	b := startServe(t, bin, env, "b")
	all := []*serveProc{a, b}
	b.waitFor(t, "following", isMsg("Following"))

	p := policy.Default().Notifications
	windows, err := notify.ParseWindows(p.DigestSchedule, loc, p.BankHolidays)
	if err != nil {
		t.Fatal(err)
	}
	live := []*serveProc{a, b}
	step := func(day int) {
		t.Helper()
		clock.set(t, at(day))
		waitUntil(t, "a plan as of "+dateOf(day), func() bool {
			for _, p := range live {
				if p.has(func(l logLine) bool { return l["msg"] == "Planned" && l["as_of"] == dateOf(day) }) {
					return true
				}
			}
			return false
		}, live)
		if w := windows.Latest(at(day)); !w.IsZero() {
			waitUntil(t, "the digest of "+w.String(), func() bool { return count(t, db, `SELECT COUNT(*) FROM digest_windows WHERE window_at = $1`, w) == 1 }, live)
		}
		waitUntil(t, "an empty outbox", func() bool {
			return count(t, db, `SELECT COUNT(*) FROM messages WHERE status = 'pending'`) == 0 &&
				count(t, db, `SELECT COUNT(*) FROM notifications WHERE state = 'pending' AND urgent`) == 0
		}, live)
	}
	event := func(day int, to *serveProc, path, body string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, to.base+"/api/v1/"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("day %d: POST %s to %s: %d", day, path, to.name, resp.StatusCode)
		}
	}

	t.Logf("serving by %s", time.Since(begin).Round(time.Millisecond))
	step(0)
	var killedAt time.Time
	for day := 1; day < 30; day++ {
		switch day {
		case 5: // to the follower
			event(day, b, "misconduct-outcomes", fmt.Sprintf(`{"case_ref": "SIM-M1", "employee_id": %q, "outcome": "written_warning", "concluded_on": %q}`, people[0], dateOf(4)))
		case 9: // to the leader
			event(day, a, "adverse", fmt.Sprintf(`{"intel_ref": "SIM-A1", "employee_id": %q, "source": "pnd", "received_on": %q}`, people[1], dateOf(8)))
		case 14: // kill the leader when the outbox is quiet; the follower takes over
			killedAt = time.Now()
			if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-a.exited
			a.killed = true
			live = []*serveProc{b}
			gained := b.waitFor(t, "leadership after the kill", isMsg("Leadership gained"))
			if delay := gained.time(t).Sub(killedAt); delay > 10*time.Second {
				t.Errorf("the follower took the lead %s after the leader was killed; its retry is 300ms", delay)
			} else {
				t.Logf("the follower took the lead %s after the leader was killed", delay.Round(time.Millisecond))
			}
			if v := metric(t, b.base, "vettingd_leader"); v != "1" {
				t.Errorf("vettingd_leader on the new leader: %q", v)
			}
			if _, body := get(t, b.base+"/readyz"); !strings.Contains(body, `"role":"leader"`) {
				t.Errorf("readyz of the new leader: %s", body)
			}
			event(day, b, "misconduct-outcomes", fmt.Sprintf(`{"case_ref": "SIM-M2", "employee_id": %q, "outcome": "final_written_warning", "concluded_on": %q}`, people[2], dateOf(13)))
		case 16: // the killed daemon comes back, and follows
			a = startServe(t, bin, env, "a2")
			a.waitFor(t, "following", isMsg("Following"))
			all = append(all, a)
			live = []*serveProc{a, b}
		case 20: // to the returned follower
			event(day, a, "adverse", fmt.Sprintf(`{"intel_ref": "SIM-A2", "employee_id": %q, "source": "intelligence", "received_on": %q}`, people[3], dateOf(19)))
		}
		step(day)
	}

	// Every event's urgent message went out.
	for _, ref := range []string{"SIM-M1", "SIM-A1", "SIM-M2", "SIM-A2"} {
		if n := count(t, db, `SELECT COUNT(*) FROM messages m JOIN message_items mi ON mi.message_id = m.id JOIN notifications n ON n.id = mi.notification_id
			JOIN reviews r ON r.id = n.review_id WHERE r.source_ref = $1 AND m.status = 'sent' AND n.urgent`, ref); n == 0 {
			t.Errorf("no urgent message sent for the review of %s", ref)
		}
	}
	// Every message sent, each received exactly once.
	var sent []string
	if err := db.Select(&sent, `SELECT delivery_id FROM messages WHERE status = 'sent'`); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM messages WHERE status <> 'sent'`); n != 0 {
		t.Errorf("%d messages not sent", n)
	}
	received := map[string]int{}
	for _, p := range wh.Posts() {
		received[p.DeliveryHeader]++
	}
	for id, n := range received {
		if n != 1 {
			t.Errorf("delivery %s received %d times", id, n)
		}
	}
	for _, id := range sent {
		if received[id] == 0 {
			t.Errorf("delivery %s recorded as sent but never received", id)
		}
	}
	if len(received) != len(sent) || len(sent) < 30 {
		t.Errorf("%d deliveries received, %d messages sent", len(received), len(sent))
	}
	if err := wh.Errors(); err != nil {
		t.Error(err)
	}
	// Every digest window of the month built, once.
	want := len(windows.Between(at(0).Add(-time.Hour), at(29)))
	if n := count(t, db, `SELECT COUNT(*) FROM digest_windows`); n != want {
		t.Errorf("%d digest windows built, want %d", n, want)
	}
	checkPlansNeverOverlap(t, db)

	t.Logf("month done by %s", time.Since(begin).Round(time.Millisecond))
	for _, p := range []*serveProc{a, b} {
		p.stop(t)
	}
	t.Logf("stopped by %s", time.Since(begin).Round(time.Millisecond))
	for _, p := range all {
		if strings.Contains(p.log.String(), "DATA RACE") {
			t.Errorf("%s: the race detector reported\n%s", p.name, p.log)
		}
	}
	checkOneLeaderAtATime(t, killedAt, all)
	t.Logf("%d messages delivered exactly once; scheduled plans and digests by daemon: %v", len(sent), leaderWork(all))
}

// checkPlansNeverOverlap: the recorded plan runs follow one another.
func checkPlansNeverOverlap(t *testing.T, db *sqlx.DB) {
	t.Helper()
	var runs []struct {
		Started  time.Time `db:"started_at"`
		Finished time.Time `db:"finished_at"`
	}
	if err := db.Select(&runs, `SELECT started_at, finished_at FROM plan_runs ORDER BY started_at`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(runs); i++ {
		if runs[i].Started.Before(runs[i-1].Finished) {
			t.Errorf("plan run %d started at %s, before run %d finished at %s", i, runs[i].Started, i-1, runs[i-1].Finished)
		}
	}
	if len(runs) < 2 {
		t.Errorf("only %d plan runs recorded over the month", len(runs))
	}
}

// checkOneLeaderAtATime reads the logs: each daemon planned and built
// digests only while it led, and their terms as leader did not overlap.
// The first daemon's log went with its process; its term ended at the kill.
func checkOneLeaderAtATime(t *testing.T, killedAt time.Time, procs []*serveProc) {
	t.Helper()
	type term struct {
		who        string
		start, end time.Time
	}
	var terms []term
	for _, p := range procs {
		leading, from := false, time.Time{}
		for _, l := range p.lines() {
			msg, _ := l["msg"].(string)
			switch {
			case strings.HasPrefix(msg, "Leadership gained"):
				leading, from = true, l.time(t)
			case strings.HasPrefix(msg, "Leadership lost"), msg == "Leadership released":
				if leading {
					terms = append(terms, term{p.name, from, l.time(t)})
				}
				leading = false
			case msg == "Planned", msg == "Digest built":
				if !leading {
					t.Errorf("%s: %s while not the leader: %v", p.name, msg, l)
				}
			}
		}
		if leading {
			end := time.Now()
			if p.killed {
				end = killedAt
			}
			terms = append(terms, term{p.name, from, end})
		}
	}
	for i := range terms {
		for j := range terms {
			if i < j && terms[i].start.Before(terms[j].end) && terms[j].start.Before(terms[i].end) {
				t.Errorf("two leaders at once: %+v and %+v", terms[i], terms[j])
			}
		}
	}
	// The first daemon led until it was killed, then the survivor. (A
	// daemon may lose and retake the lead should a check of its
	// connection fail on a loaded machine: that is allowed.)
	slices.SortFunc(terms, func(x, y term) int { return x.start.Compare(y.start) })
	if len(terms) < 2 || terms[0].who != "a" || terms[1].who != "b" || terms[1].start.Before(killedAt) {
		t.Errorf("terms as leader %+v; want the first daemon's until the kill at %s, then the survivor's", terms, killedAt)
	}
}

// leaderWork counts each daemon's scheduled plans and digests.
func leaderWork(procs []*serveProc) map[string]string {
	out := map[string]string{}
	for _, p := range procs {
		plans, digests := 0, 0
		for _, l := range p.lines() {
			switch l["msg"] {
			case "Planned":
				plans++
			case "Digest built":
				digests++
			}
		}
		out[p.name] = fmt.Sprintf("%d plans, %d digests", plans, digests)
	}
	return out
}

// buildVettingd builds the daemon with the simulated clock (-tags
// simclock), and with the race detector when the tests have it.
func buildVettingd(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the go command is needed to build the daemon: %v", err)
		}
		t.Skipf("the go command is needed to build the daemon: %v", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "vettingd")
	args := []string{"build", "-tags", "simclock", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command(goBin, append(args, "./cmd/vettingd")...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func openDB(t *testing.T, dbURL string) *sqlx.DB {
	t.Helper()
	s, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.DB()
}

func count(t *testing.T, db *sqlx.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Get(&n, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// simClock is the file the daemons built with -tags simclock read the
// time from.
type simClock struct{ path string }

// set moves the clock, atomically: a daemon never reads half a time.
func (c *simClock) set(t *testing.T, at time.Time) {
	t.Helper()
	tmp := c.path + ".new"
	if err := os.WriteFile(tmp, []byte(at.Format(time.RFC3339)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, c.path); err != nil {
		t.Fatal(err)
	}
}

// serveProc is one vettingd serve process.
type serveProc struct {
	name   string
	cmd    *exec.Cmd
	log    *syncBuffer // standard output and error: JSON log lines
	base   string
	exited chan struct{}
	killed bool
}

func startServe(t *testing.T, bin string, env []string, name string) *serveProc {
	t.Helper()
	p := &serveProc{name: name, cmd: exec.Command(bin, "serve"), log: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	addr, _ := p.waitFor(t, "listening", isMsg("Listening"))["addr"].(string)
	p.base = "http://" + addr
	return p
}

// stop interrupts the daemon and expects a graceful exit.
func (p *serveProc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not stop within 60s of SIGTERM", p.name)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("%s exited %d\n%s", p.name, code, p.log)
	}
}

// logLine is one JSON log line.
type logLine map[string]any

func (l logLine) time(t *testing.T) time.Time {
	t.Helper()
	s, _ := l["time"].(string)
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("log line without a time: %v", l)
	}
	return at
}

func isMsg(prefix string) func(logLine) bool {
	return func(l logLine) bool {
		msg, _ := l["msg"].(string)
		return strings.HasPrefix(msg, prefix)
	}
}

// lines parses the log so far; a line that is not JSON (a race report)
// fails the test where it is read.
func (p *serveProc) lines() []logLine {
	var out []logLine
	sc := bufio.NewScanner(strings.NewReader(p.log.String()))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			out = append(out, l)
		}
	}
	return out
}

func (p *serveProc) has(match func(logLine) bool) bool {
	for _, l := range p.lines() {
		if match(l) {
			return true
		}
	}
	return false
}

// waitFor waits for the first log line that matches since the start.
func (p *serveProc) waitFor(t *testing.T, what string, match func(logLine) bool) logLine {
	t.Helper()
	var found logLine
	waitUntil(t, p.name+": "+what, func() bool {
		for _, l := range p.lines() {
			if match(l) {
				found = l
				return true
			}
		}
		return false
	}, []*serveProc{p})
	return found
}

// waitUntil polls cond for up to a minute (a loaded machine, a race
// build), failing early if a daemon that should be running has exited.
func waitUntil(t *testing.T, what string, cond func() bool, live []*serveProc) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(25 * time.Millisecond) {
		if cond() {
			return
		}
		for _, p := range live {
			select {
			case <-p.exited:
				t.Fatalf("%s exited (%v) while waiting for %s\n%s", p.name, p.cmd.ProcessState, what, p.log)
			default:
			}
		}
		if time.Now().After(deadline) {
			var logs strings.Builder
			for _, p := range live {
				fmt.Fprintf(&logs, "--- %s\n%s\n", p.name, tail(p.log.String(), 4000))
			}
			t.Fatalf("never saw %s\n%s", what, logs.String())
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// metric returns the value of an unlabelled metric from /metrics.
func metric(t *testing.T, base, name string) string {
	t.Helper()
	_, body := get(t, base+"/metrics")
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return ""
}
