package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"vettingd/cli"
	"vettingd/notify/notifytest"
	"vettingd/store/storetest"
)

// syncBuffer is a buffer that a running command writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// daemon runs a long-lived command until the test cancels it.
type daemon struct {
	out, err *syncBuffer
	cancel   context.CancelFunc
	done     chan struct{} // closed when the command returns
	code     int
}

func start(t *testing.T, env map[string]string, argv ...string) *daemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &daemon{out: &syncBuffer{}, err: &syncBuffer{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(d.done)
		d.code = cli.Run(ctx, cli.Env{Args: argv, Stdin: strings.NewReader(""), Stdout: d.out, Stderr: d.err,
			Getenv: func(k string) string { return env[k] }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-d.done:
		case <-time.After(30 * time.Second):
		}
	})
	return d
}

// waitFor polls until the command printed something matching re.
func (d *daemon) waitFor(t *testing.T, re string) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := rx.FindStringSubmatch(d.out.String() + d.err.String()); m != nil {
			return m
		}
		select {
		case <-d.done:
			t.Fatalf("exited %d before printing %q\nstdout: %s\nstderr: %s", d.code, re, d.out, d.err)
		default:
		}
	}
	t.Fatalf("never printed %q\nstdout: %s\nstderr: %s", re, d.out, d.err)
	return nil
}

// stop interrupts the command and returns its exit status.
func (d *daemon) stop(t *testing.T) int {
	t.Helper()
	d.cancel()
	select {
	case <-d.done:
		return d.code
	case <-time.After(30 * time.Second):
		t.Fatal("did not stop within 30s of the interrupt")
		return -1
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// apiGet GETs an API list with a token and decodes it.
func apiGet(t *testing.T, url, token string) []map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return out
}

// ready polls /readyz until it answers 200.
func ready(t *testing.T, base string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if code, _ := get(t, base+"/readyz"); code == 200 {
			return
		}
	}
	_, body := get(t, base+"/readyz")
	t.Fatalf("never ready: %s", body)
}

func TestServePlansAtStartAndStopsGracefully(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		must(t, dbURL, "import", "clearances", write(t, "c.csv", clearancesCSV), "--as-of", "2026-11-02")
		before := storetest.Count(t, dbURL, "plan_runs")
		env := map[string]string{"VETTINGD_DATABASE_URL": dbURL, "VETTINGD_LISTEN": "127.0.0.1:0", "VETTINGD_PLAN_SCHEDULE": "*/5 * * * *"}
		d := start(t, env, "serve", "--as-of", "2027-03-01")
		addr := d.waitFor(t, `msg=Listening addr=(127\.0\.0\.1:\d+)`)[1]
		if code, body := get(t, "http://"+addr+"/healthz"); code != 200 || !strings.Contains(body, "ok") {
			t.Errorf("healthz %d %s", code, body)
		}
		ready(t, "http://"+addr)
		if _, body := get(t, "http://"+addr+"/readyz"); !strings.Contains(body, `"role":"leader"`) {
			t.Errorf("the only serve does not lead: %s", body)
		}
		d.waitFor(t, `msg=Planned as_of=2027-03-01`)
		if code, body := get(t, "http://"+addr+"/metrics"); code != 200 || !strings.Contains(body, "vettingd_planner_duration_seconds_count 1") || !strings.Contains(body, "\nvettingd_leader 1\n") ||
			!strings.Contains(body, `vettingd_reviews{kind="integrity_review",status="open"}`) {
			t.Errorf("metrics %d:\n%.2000s", code, body)
		}
		if storetest.Count(t, dbURL, "plan_runs") <= before {
			t.Errorf("serve did not plan at start (catch-up)")
		}
		if dbURL[:7] == "sqlite:" {
			second := vettingd(t, dbURL, "", "serve")
			if second.code != 1 || !strings.Contains(second.stderr, "another vettingd serve is already using this SQLite database") {
				t.Errorf("second serve: exit %d %s", second.code, second.stderr)
			}
		}
		if code := d.stop(t); code != 0 {
			t.Errorf("serve exited %d after an interrupt\n%s", code, d.err)
		}
		if !strings.Contains(d.err.String(), "msg=Stopping") {
			t.Errorf("no graceful stop logged: %s", d.err)
		}
	})
}

func TestDemoImportsPlansAndServes(t *testing.T) {
	dir := t.TempDir()
	// A webhook set up for a real force carries nothing of the demo's.
	wh := notifytest.NewWebhook(t, "whsec")
	d := start(t, map[string]string{"VETTINGD_LISTEN": "127.0.0.1:0", "VETTINGD_WEBHOOK_URL": wh.URL, "VETTINGD_WEBHOOK_SECRET": "whsec"},
		"demo", "--people", "300", "--dir", dir)
	base := d.waitFor(t, `Open (http://127\.0\.0\.1:\d+)`)[1]
	ready(t, base)
	m := d.waitFor(t, `vetting unit: +(vtd_\S+)\n  supervisor (E\d+): +(vtd_\S+)`)
	// The printed tokens sign in: the vetting unit sees every review, the supervisor their line's.
	vu, sup := apiGet(t, base+"/api/v1/reviews", m[1]), apiGet(t, base+"/api/v1/reviews", m[3])
	if len(vu) == 0 || len(sup) == 0 || len(sup) >= len(vu) {
		t.Errorf("reviews seen: vetting unit %d, supervisor %s %d", len(vu), m[2], len(sup))
	}
	if !strings.Contains(d.out.String(), "notify: to vetting_unit") {
		t.Errorf("the demo's log channel delivered nothing to the vetting unit:\n%s", d.out)
	}
	for _, want := range []string{"Imported people: 300 rows", "Imported clearances:", "Planned:", "vetting unit:        vtd_"} {
		if !strings.Contains(d.out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, d.out)
		}
	}
	if code := d.stop(t); code != 0 {
		t.Fatalf("demo exited %d: %s", code, d.err)
	}
	if n := len(wh.Posts()); n != 0 {
		t.Errorf("the demo posted %d messages to a real force's webhook", n)
	}
	db := "sqlite:" + dir + "/vettingd.db"
	if n := storetest.Count(t, db, "people"); n != 300 {
		t.Errorf("demo database has %d people", n)
	}
	if n := storetest.Count(t, db, "reviews"); n < 300 {
		t.Errorf("demo planned only %d reviews", n)
	}
	if r := vettingd(t, db, "", "demo", "--dir", dir); r.code != 2 || !strings.Contains(r.stderr, "fresh") {
		t.Errorf("demo into a used directory: exit %d %s", r.code, r.stderr)
	}
}

// TestSecretsNeverReachTheLogs runs the daemon with known secrets, makes
// its channels fail (so that errors are logged), and scans everything it
// printed.
func TestSecretsNeverReachTheLogs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		secrets := map[string]string{
			"VETTINGD_SLACK_BOT_TOKEN":      "xoxb-SECRET-bot-4242",
			"VETTINGD_SLACK_SIGNING_SECRET": "SECRET-signing-4242",
			"VETTINGD_WEBHOOK_SECRET":       "SECRET-hmac-4242",
			"VETTINGD_SMTP_URL":             "smtp://vettingd:SECRET-smtp-4242@127.0.0.1:1",
		}
		env := map[string]string{"VETTINGD_DATABASE_URL": dbURL, "VETTINGD_LISTEN": "127.0.0.1:0", "VETTINGD_LOG_LEVEL": "debug",
			"VETTINGD_CHANNELS": "slack,email,webhook,log", "VETTINGD_SMTP_FROM": "vettingd@force.police.uk", "VETTINGD_EMAIL_VU": "vu@force.police.uk",
			"VETTINGD_SLACK_API_URL": "http://127.0.0.1:1/api/", "VETTINGD_SLACK_VU_CHANNEL": "CVU",
			"VETTINGD_WEBHOOK_URL": "http://127.0.0.1:1/hook?code=SECRET-url-4242"}
		maps.Copy(env, secrets)
		d := start(t, env, "serve", "--as-of", "2026-11-02")
		addr := d.waitFor(t, `msg=Listening addr=(127\.0\.0\.1:\d+)`)[1]
		d.waitFor(t, `Message will be retried`)
		get(t, "http://"+addr+"/readyz")
		if code := d.stop(t); code != 0 {
			t.Fatalf("serve exited %d", code)
		}
		all := d.out.String() + d.err.String()
		for _, secret := range []string{"xoxb-SECRET-bot-4242", "SECRET-signing-4242", "SECRET-hmac-4242", "SECRET-smtp-4242", "SECRET-url-4242"} {
			if strings.Contains(all, secret) {
				t.Errorf("the daemon printed the secret %q", secret)
			}
		}
	})
}

// TestDatabaseOutageUnderServe stops PostgreSQL under a running daemon and
// starts it again: the daemon keeps running, says it is not ready
// meanwhile, and then works again — an event posted after the outage
// opens its review and its message goes out. The daemon gives up the lead
// when its lock connection is lost, and takes it again.
func TestDatabaseOutageUnderServe(t *testing.T) {
	c := storetest.NewCluster(t)
	must(t, c.URL, "migrate")
	force(t, c.URL)
	token := strings.TrimSpace(must(t, c.URL, "token", "create", "--role", "psd").stdout)
	env := map[string]string{"VETTINGD_DATABASE_URL": c.URL, "VETTINGD_LISTEN": "127.0.0.1:0", "VETTINGD_LEADER_RETRY": "200ms"}
	d := start(t, env, "serve", "--as-of", "2026-11-02")
	d.waitFor(t, `Leadership gained`)
	base := "http://" + d.waitFor(t, `msg=Listening addr=(127\.0\.0\.1:\d+)`)[1]
	ready(t, base)

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	notReady := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !notReady; time.Sleep(100 * time.Millisecond) {
		code, body := get(t, base+"/readyz")
		notReady = code == http.StatusServiceUnavailable && strings.Contains(body, "database")
	}
	if !notReady {
		t.Fatal("/readyz never said the database was unreachable")
	}
	d.waitFor(t, `Leadership lost`)
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz %d during the outage: the process should live on", code)
	}
	if code := postEvent(t, base, token, "M-OUT"); code != http.StatusInternalServerError {
		t.Errorf("an event during the outage: %d, want 500 (nothing stored)", code)
	}

	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	d.waitFor(t, `(?s)Leadership lost.*Leadership gained`)
	ready(t, base)
	if code := postEvent(t, base, token, "M-BACK"); code != http.StatusCreated {
		t.Fatalf("an event after the outage: %d", code)
	}
	if got := storetest.Query(t, c.URL, `SELECT COUNT(*) FROM reviews WHERE source_ref = 'M-BACK'`); got[0] != "1" {
		t.Errorf("the review after the outage: %v", got)
	}
	sentAfter := `SELECT COUNT(*) FROM messages m JOIN message_items mi ON mi.message_id = m.id JOIN notifications n ON n.id = mi.notification_id
		JOIN reviews r ON r.id = n.review_id WHERE r.source_ref = 'M-BACK' AND m.status = 'sent'`
	for deadline := time.Now().Add(40 * time.Second); storetest.Query(t, c.URL, sentAfter)[0] == "0"; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the urgent message of the review made after the outage was never sent")
		}
	}
	if code := d.stop(t); code != 0 {
		t.Errorf("serve exited %d", code)
	}
	if got := storetest.Query(t, c.URL, `SELECT COUNT(*) FROM misconduct_outcomes WHERE case_ref = 'M-OUT'`); got[0] != "0" {
		t.Errorf("the event refused during the outage was stored")
	}
}

func postEvent(t *testing.T, base, token, ref string) int {
	t.Helper()
	body := `{"case_ref": "` + ref + `", "employee_id": "E2", "outcome": "written_warning", "concluded_on": "2026-11-01"}`
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/misconduct-outcomes", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A daemon that cannot run as configured stops at start, naming the
// setting, before it plans or sends anything (SPEC §10): an address it
// cannot have, an e-mail setting that would have every message given up.
func TestServeStopsBeforeAnyWorkOnABadSetting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		busy, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer busy.Close()
		email := map[string]string{"VETTINGD_CHANNELS": "email", "VETTINGD_SMTP_URL": "smtp://127.0.0.1:2525", "VETTINGD_SMTP_FROM": "vettingd@force.police.uk"}
		with := func(over ...map[string]string) map[string]string {
			env := map[string]string{"VETTINGD_DATABASE_URL": dbURL, "VETTINGD_LISTEN": "127.0.0.1:0"}
			for _, o := range over {
				maps.Copy(env, o)
			}
			return env
		}
		for _, c := range []struct {
			name string
			env  map[string]string
			code int
			want string
		}{
			{"busy address", with(map[string]string{"VETTINGD_LISTEN": busy.Addr().String()}), 1, "VETTINGD_LISTEN: cannot listen on " + busy.Addr().String()},
			{"sender", with(email, map[string]string{"VETTINGD_SMTP_FROM": "not an address"}), 2, `VETTINGD_SMTP_FROM "not an address" is not an e-mail address`},
			{"unit address", with(email, map[string]string{"VETTINGD_EMAIL_VU": "bad address"}), 2, `VETTINGD_EMAIL_VU "bad address" is not an e-mail address`},
			{"CA file", with(email, map[string]string{"VETTINGD_SMTP_CA_FILE": "/nonexistent.pem"}), 2, "VETTINGD_SMTP_CA_FILE: open /nonexistent.pem"},
			{"policy file", with(map[string]string{"VETTINGD_POLICY": "/nonexistent.toml"}), 2, "VETTINGD_POLICY /nonexistent.toml: "},
		} {
			var out, errb bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
			code := cli.Run(ctx, cli.Env{Args: []string{"serve", "--as-of", "2026-11-02"}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
				Getenv: func(k string) string { return c.env[k] }})
			cancel()
			if code != c.code || !strings.Contains(errb.String(), c.want) || strings.Contains(errb.String(), "vettingd help") {
				t.Errorf("%s: exit %d, want %d naming %q (and no pointer to the help)\nstderr: %s", c.name, code, c.code, c.want, errb.String())
			}
			if strings.Contains(errb.String(), "msg=Planned") || storetest.Count(t, dbURL, "messages") != 0 {
				t.Errorf("%s: the daemon planned or queued messages before it stopped:\n%s", c.name, errb.String())
			}
		}
	})
}

// JSON logs give durations as people read them ("1.5s"), as text logs do.
func TestJSONLogsGiveReadableDurations(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	force(t, dbURL)
	d := start(t, map[string]string{"VETTINGD_DATABASE_URL": dbURL, "VETTINGD_LISTEN": "127.0.0.1:0", "VETTINGD_LOG_FORMAT": "json"}, "serve", "--as-of", "2026-11-02")
	line := d.waitFor(t, `\{[^\n]*"msg":"Planned"[^\n]*\}`)[0]
	var entry map[string]any
	if err := json.Unmarshal([]byte(line), &entry); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	if s, ok := entry["duration"].(string); !ok || !strings.HasSuffix(s, "s") {
		t.Errorf("the plan's duration is logged as %#v, want a duration such as \"12ms\": %s", entry["duration"], line)
	}
	if code := d.stop(t); code != 0 {
		t.Errorf("serve exited %d", code)
	}
}

// HTTP answers while the start's catch-up plan runs (minutes after a long
// outage of a national force): /healthz is up and /readyz says not ready,
// where the port answered nothing before. The plan is held here by taking
// the planners' lock (store's planLockKey, "vettplan") first.
func TestServeAnswersWhileItsStartPlanRuns(t *testing.T) {
	dbURL := storetest.URL(t, "postgres")
	force(t, dbURL)
	s := storetest.OpenURL(t, dbURL)
	ctx := context.Background()
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const planLockKey = 0x7665_7474_706c_616e
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, planLockKey); err != nil {
		t.Fatal(err)
	}
	d := start(t, map[string]string{"VETTINGD_DATABASE_URL": dbURL, "VETTINGD_LISTEN": "127.0.0.1:0"}, "serve", "--as-of", "2026-11-02")
	base := "http://" + d.waitFor(t, `msg=Listening addr=(127\.0\.0\.1:\d+)`)[1]
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Errorf("healthz during the start's plan: %d", code)
	}
	if code, body := get(t, base+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "the planner has not completed a run since start") {
		t.Errorf("readyz during the start's plan: %d %s", code, body)
	}
	if strings.Contains(d.err.String(), "msg=Planned") {
		t.Fatal("the start's plan ran while the planners' lock was held")
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, planLockKey); err != nil {
		t.Fatal(err)
	}
	d.waitFor(t, `msg=Planned`)
	ready(t, base)
	if code := d.stop(t); code != 0 {
		t.Errorf("serve exited %d", code)
	}
}
