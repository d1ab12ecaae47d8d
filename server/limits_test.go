package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/importer"
	"vettingd/notify/notifytest"
	vslack "vettingd/notify/slack"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/server"
	"vettingd/store/storetest"
	"vettingd/synth"
)

// chunked hides a body's length, so the client sends it chunked, without
// Content-Length: the limit must hold on what arrives, not on what is said.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

// send posts body to path with the headers given; a chunked body is sent
// without Content-Length.
func send(t *testing.T, base, path string, h http.Header, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: time.Minute}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b)
}

// everything renders the records, the reviews and the sessions, so a test
// can prove that a refused request changed nothing at all.
func everything(t *testing.T, dbURL string) string {
	t.Helper()
	return storetest.Dump(t, dbURL) + strings.Join(storetest.Query(t, dbURL, `SELECT id || ' ' || status FROM reviews ORDER BY id`), "\n") +
		strings.Join(storetest.Query(t, dbURL, `SELECT COUNT(*) FROM web_sessions`), "")
}

// limited serves the fixture's store with an import limit of maxImport
// bytes and Slack's interactions signed with "shh".
func limited(t *testing.T, f *apiFixture, maxImport int64) string {
	t.Helper()
	today := func() civil.Date { return civil.MustParse("2026-11-02") }
	planner := &scheduler.Planner{Store: f.s, Policy: policy.Default()}
	api := &server.API{Store: f.s, Planner: planner, Policy: policy.Default(), Today: today, Log: slog.New(slog.DiscardHandler), MaxImport: maxImport}
	sl := notifytest.NewSlack(t)
	slack := &server.SlackActions{Store: f.s, Planner: planner, Slack: vslack.New("xoxb-t", sl.URL(), "CVU", ""), SigningSecret: "shh",
		Today: today, Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(server.New(server.Options{API: api, Slack: slack}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func bearer(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

// rows is a posts CSV of about n bytes, every row valid.
func rows(n int) string {
	var b strings.Builder
	b.WriteString("post_id,title,required_levels\n")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "PX%07d,Constable,RV\n", i)
	}
	return b.String()
}

// Every endpoint that takes a body refuses one over its limit with 413,
// whether or not it says its length, reading no more than the limit, and
// stores nothing; a single CSV line of many megabytes is rejected (422,
// naming the line) without being held in memory.
func TestOversizedBodiesAreRefusedAndStoreNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		base := limited(t, f, 1<<20)
		cookie, csrf := f.signIn(t, "supervisor")
		review := f.reviewID(t, "integrity_review", "E4")
		before := everything(t, dbURL)

		bigJSON := `{"case_ref": "` + strings.Repeat("x", 8<<20) + `", "employee_id": "E3", "outcome": "written_warning", "concluded_on": "2026-11-01"}`
		form := func(extra int) string {
			return url.Values{"csrf": {csrf}, "note": {strings.Repeat("n", extra)}, "outcome": {"satisfactory"}}.Encode()
		}
		slackBody := "payload=" + strings.Repeat("p", 2<<20)
		signed := sign("shh", time.Now(), slackBody)
		session := http.Header{"Cookie": {cookie}, "Content-Type": {"application/x-www-form-urlencoded"}}
		formHeader := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		ack := fmt.Sprintf("/reviews/%d/acknowledge", review)
		cases := []struct {
			name, path string
			h          http.Header
			body       string
			want       int
			says       string
		}{
			{"event JSON", "/api/v1/misconduct-outcomes", bearer(f.tokens["psd"]), bigJSON, 413, "larger than 65536 bytes"},
			{"clearance JSON", "/api/v1/clearances", bearer(f.tokens["vetting_unit"]), bigJSON, 413, "larger than 65536 bytes"},
			{"review completion JSON", fmt.Sprintf("/api/v1/reviews/%d/complete", review), bearer(f.tokens["supervisor"]), bigJSON, 413, "larger than 65536 bytes"},
			{"review acknowledgement JSON", fmt.Sprintf("/api/v1/reviews/%d/acknowledge", review), bearer(f.tokens["supervisor"]), bigJSON, 413, "larger than 65536 bytes"},
			{"import of many rows", "/api/v1/imports/posts", bearer(f.tokens["hr"]), rows(3 << 20), 413, "larger than the import limit of 1 MiB"},
			{"import of one huge line", "/api/v1/imports/posts", bearer(f.tokens["hr"]), "post_id,title,required_levels\nP9," + strings.Repeat("t", 3<<20) + ",RV\n", 413, "larger than the import limit"},
			{"Slack interaction", "/slack/interactions", signed, slackBody, 413, "larger than 1048576 bytes"},
			{"Slack interaction unsigned", "/slack/interactions", formHeader, slackBody, 401, "not signed"},
			{"sign-in form", "/login", formHeader, "token=" + f.tokens["admin"] + "&next=" + strings.Repeat("n", 1<<20), 413, "larger than 65536 bytes"},
			{"acknowledge form", ack, session, form(1 << 20), 413, "larger than 65536 bytes"},
			{"complete form", fmt.Sprintf("/reviews/%d/complete", review), session, form(1 << 20), 413, "larger than 65536 bytes"},
			{"sign-out form", "/logout", session, form(1 << 20), 413, "larger than 65536 bytes"},
		}
		for _, c := range cases {
			for _, hide := range []bool{false, true} {
				name := c.name
				var body io.Reader = strings.NewReader(c.body)
				if hide {
					name, body = name+", chunked", chunked{body}
				}
				t.Run(name, func(t *testing.T) {
					code, resp := send(t, base, c.path, c.h, body)
					if code != c.want || !strings.Contains(resp, c.says) {
						t.Errorf("%d %.200s; want %d with %q", code, resp, c.want, c.says)
					}
				})
			}
		}
		if everything(t, dbURL) != before {
			t.Error("a refused body changed the database")
		}
		// The session survived the refused sign-out, and a form within the limit still works.
		if code, resp := send(t, base, ack, session, strings.NewReader(form(100))); code != http.StatusSeeOther {
			t.Errorf("a small acknowledge form: %d %.300s", code, resp)
		}
		// A multipart form is not parsed (its files would go to disk): without the CSRF token it is refused.
		var mp bytes.Buffer
		mw := multipart.NewWriter(&mp)
		_ = mw.WriteField("csrf", csrf)
		fw, _ := mw.CreateFormFile("upload", "big.bin")
		_, _ = fw.Write(bytes.Repeat([]byte{0}, 32<<10))
		mw.Close()
		h := http.Header{"Cookie": {cookie}, "Content-Type": {mw.FormDataContentType()}}
		if code, _ := send(t, base, fmt.Sprintf("/reviews/%d/complete", review), h, &mp); code != http.StatusForbidden {
			t.Errorf("a multipart form: %d, want 403", code)
		}

		// Under the default limit a 64 MiB line is rejected naming it, read no further than 1 MiB.
		huge := io.MultiReader(strings.NewReader("post_id,title,required_levels\nP9,"), &endlessT{}, strings.NewReader(",RV\n"))
		code, resp := f.doReader(t, "hr", "/api/v1/imports/posts", chunked{io.LimitReader(huge, 64<<20)})
		if code != http.StatusUnprocessableEntity || !strings.Contains(resp, `"line":2`) || !strings.Contains(resp, "longer than 1048576 bytes") {
			t.Errorf("a 64 MiB line: %d %.300s", code, resp)
		}
		if rv, _ := f.s.Review(context.Background(), review); rv.Status != "acknowledged" {
			t.Errorf("review %d is %s", review, rv.Status)
		}
	})
}

type endlessT struct{}

func (endlessT) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 't'
	}
	return len(p), nil
}

// doReader posts a body read from r with role's token.
func (f *apiFixture) doReader(t *testing.T, role, path string, r io.Reader) (int, string) {
	t.Helper()
	return send(t, f.srv.URL, path, bearer(f.tokens[role]), r)
}

// A national people file fits the import limit many times over, so imports
// over HTTP (SPEC §3, §7) take a whole force's extract.
func TestANationalPeopleFileFitsTheImportLimit(t *testing.T) {
	const sample, national = 2000, 310_000
	files, err := synth.Write(t.TempDir(), synth.Config{People: sample, Seed: 1, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(files["people"])
	if err != nil {
		t.Fatal(err)
	}
	perRow := float64(st.Size()) / sample
	if need := perRow * national; need*4 > server.DefaultMaxImport {
		t.Errorf("a national people file is about %.0f MB; the default import limit of %d MiB leaves less than 4× room", need/1e6, server.DefaultMaxImport>>20)
	} else {
		t.Logf("a national people file is about %.0f MB (%.0f bytes a row); the limit is %d MiB", need/1e6, perRow, server.DefaultMaxImport>>20)
	}
	if importer.MaxLine < 64*int(perRow) {
		t.Errorf("the line limit of %d bytes is too close to a real row (%.0f bytes)", importer.MaxLine, perRow)
	}
}

// The import kind in the path names a kind, never a file: traversal in any
// spelling is refused before anything is read, and stores nothing.
func TestImportKindIsNotAPath(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		before := everything(t, dbURL)
		for path, want := range map[string]int{
			"/api/v1/imports/..%2F..%2Fetc%2Fpasswd": 400,
			"/api/v1/imports/%2Fetc%2Fpasswd":        400,
			"/api/v1/imports/people%00.csv":          400,
			"/api/v1/imports/people.csv":             400,
			// An unclean path is sent to its clean form (nothing is read), where
			// /etc/passwd is no route: the server serves no files.
			"/api/v1/imports/../../etc/passwd": 307,
			"/api/v1/imports/people/../posts":  307,
			"/etc/passwd":                      404,
		} {
			code, resp := send(t, f.srv.URL, path+"?dry_run=true", bearer(f.tokens["hr"]), strings.NewReader("post_id,title,required_levels\nP1,Constable,RV\n"))
			if code != want {
				t.Errorf("POST %s: %d %.200s, want %d", path, code, resp, want)
			}
		}
		if everything(t, dbURL) != before {
			t.Error("the database changed")
		}
	})
}

// trickle sends its lines slowly: a file arriving over a slow link.
type trickle struct {
	lines []string
	every time.Duration
}

func (tr *trickle) Read(p []byte) (int, error) {
	if len(tr.lines) == 0 {
		return 0, io.EOF
	}
	time.Sleep(tr.every)
	n := copy(p, tr.lines[0])
	tr.lines[0] = tr.lines[0][n:]
	if tr.lines[0] == "" {
		tr.lines = tr.lines[1:]
	}
	return n, nil
}

// An import may take longer to arrive than the server's read timeout,
// which suits a JSON record: the import endpoint gives itself longer.
func TestAnImportMayArriveSlowerThanTheServersReadTimeout(t *testing.T) {
	f := newAPI(t, storetest.URL(t, "sqlite"))
	today := func() civil.Date { return civil.MustParse("2026-11-02") }
	api := &server.API{Store: f.s, Planner: &scheduler.Planner{Store: f.s, Policy: policy.Default()}, Policy: policy.Default(), Today: today, Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewUnstartedServer(server.New(server.Options{API: api}))
	srv.Config.ReadTimeout = 500 * time.Millisecond
	srv.Start()
	defer srv.Close()
	slow := func() io.Reader {
		return &trickle{lines: []string{"post_id,title,required_levels\n", "P1,Constable,RV\n", "P2,Sergeant,RV\n", "P3,Inspector,RV\n"}, every: 400 * time.Millisecond}
	}
	if code, resp := send(t, srv.URL, "/api/v1/imports/posts?dry_run=true", bearer(f.tokens["hr"]), slow()); code != http.StatusOK {
		t.Errorf("a slow import: %d %.300s", code, resp)
	}
	// A JSON record as slow is cut off by the server's timeout.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/misconduct-outcomes", chunked{slow()})
	req.Header.Set("Authorization", "Bearer "+f.tokens["psd"])
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a slow JSON record: %d, want the read cut off", resp.StatusCode)
		}
	}
}

// An upload however slow holds no database connection: on SQLite, which
// has one, other requests are answered while an import is still arriving.
func TestASlowImportDoesNotHoldTheDatabase(t *testing.T) {
	f := newAPI(t, storetest.URL(t, "sqlite"))
	today := func() civil.Date { return civil.MustParse("2026-11-02") }
	api := &server.API{Store: f.s, Planner: &scheduler.Planner{Store: f.s, Policy: policy.Default()}, Policy: policy.Default(), Today: today, Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(server.New(server.Options{API: api}))
	defer srv.Close()
	arrived, release := make(chan struct{}), make(chan struct{})
	body := io.MultiReader(strings.NewReader("post_id,title,required_levels\nP1,Constable,RV\n"), &gate{arrived: arrived, release: release},
		strings.NewReader("P2,Sergeant,RV\n"))
	done := make(chan int, 1)
	go func() {
		code, _ := send(t, srv.URL, "/api/v1/imports/posts?dry_run=true", bearer(f.tokens["hr"]), body)
		done <- code
	}()
	<-arrived // half the file is in; the rest waits
	client := &http.Client{Timeout: 20 * time.Second}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/reviews", nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens["vetting_unit"])
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("a request while an import was arriving: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a request while an import was arriving: %d", resp.StatusCode)
	}
	close(release)
	if code := <-done; code != http.StatusOK {
		t.Errorf("the slow import, once arrived: %d", code)
	}
}

// gate blocks the first read until released, saying when it is reached.
type gate struct {
	arrived, release chan struct{}
	once             bool
}

func (g *gate) Read(p []byte) (int, error) {
	if !g.once {
		g.once = true
		close(g.arrived)
		<-g.release
	}
	return 0, io.EOF
}
