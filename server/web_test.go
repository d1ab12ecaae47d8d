package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vettingd/store/storetest"
)

// browser starts headless Chromium for a test. Without one the test skips,
// or fails under CI=true.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium to test the pages with (make test installs Debian's chromium)")
		}
		t.Skip("no Chromium; make test installs Debian's chromium")
	}
	// Not t.TempDir: Chromium may still be writing its profile as it exits,
	// and a failed clean-up would fail the test.
	profile, err := os.MkdirTemp("", "vettingd-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Headless,
		chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(profile), chromedp.WindowSize(1280, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelT()
		cancelC()
		cancelA()
		_ = os.RemoveAll(profile)
	})
	return ctx
}

// shot saves a full-page screenshot under the test's artefacts directory
// (VETTINGD_SCREENSHOTS, else a temporary directory) for people to look at.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("VETTINGD_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func signIn(t *testing.T, ctx context.Context, base, token string) {
	t.Helper()
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/inbox"),
		chromedp.WaitVisible(`#token`, chromedp.ByID),
		chromedp.SendKeys(`#token`, token, chromedp.ByID),
		chromedp.Submit(`#token`, chromedp.ByID),
		chromedp.WaitVisible(`nav[aria-label=Main]`, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	if err := chromedp.Run(ctx, chromedp.Text(sel, &s, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSupervisorWorksTheirInboxInABrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		ctx := browser(t)
		signIn(t, ctx, f.srv.URL, f.tokens["supervisor"])
		page := text(t, ctx, "main")
		if !strings.Contains(page, "Your team's reviews") || !strings.Contains(page, "Cat Jones") || !strings.Contains(page, "Dan Brown") {
			t.Fatalf("inbox:\n%s", page)
		}
		for _, outsider := range []string{"Fay Green", "Eve White", "Ada Lovelace", "Change of circumstances"} {
			if strings.Contains(page, outsider) {
				t.Errorf("a supervisor's inbox shows %q", outsider)
			}
		}
		shot(t, ctx, "inbox-"+filepath.Base(dbURL[:6]))

		// Acknowledge E3's integrity review, then complete it with concerns and a gifts declaration.
		id := f.reviewID(t, "integrity_review", "E3")
		ack := `form[action="/reviews/` + itoa(id) + `/acknowledge"] button`
		if err := chromedp.Run(ctx, chromedp.Click(ack, chromedp.ByQuery), waitFlash("acknowledged")); err != nil {
			t.Fatal(err)
		}
		if flash := text(t, ctx, ".flash"); !strings.Contains(flash, "acknowledged") {
			t.Errorf("flash after acknowledging: %q", flash)
		}
		if rv, _ := f.s.Review(context.Background(), id); rv.Status != "acknowledged" || *rv.AcknowledgedBy != "E2" {
			t.Fatalf("after the click: %+v", rv)
		}
		form := `form[action="/reviews/` + itoa(id) + `/complete"]`
		err := chromedp.Run(ctx,
			chromedp.Click(form+` ~ summary, details:has(`+form+`) summary`, chromedp.ByQuery),
			chromedp.SetValue(form+` select[name=outcome]`, "concerns", chromedp.ByQuery),
			chromedp.Click(form+` input[value=gifts]`, chromedp.ByQuery),
			chromedp.Click(form+` button[type=submit]`, chromedp.ByQuery),
			waitFlash("completed"),
		)
		if err != nil {
			t.Fatal(err)
		}
		rv, _ := f.s.Review(context.Background(), id)
		if rv.Status != "completed" || *rv.Outcome != "concerns" || *rv.CompletedBy != "E2" {
			t.Fatalf("after completing: %+v", rv)
		}
		if got := storetest.Query(t, dbURL, `SELECT COUNT(*) FROM reviews WHERE kind = 'circumstances_assessment' AND employee_id = 'E3'`); got[0] != "1" {
			t.Errorf("concerns opened %s assessments, want 1", got[0])
		}
		shot(t, ctx, "inbox-after-"+filepath.Base(dbURL[:6]))

		// A notification's link opens the review's page.
		e4 := f.reviewID(t, "integrity_review", "E4")
		var h1 string
		if err := chromedp.Run(ctx, chromedp.Navigate(f.srv.URL+"/reviews/"+itoa(e4)), chromedp.Text(`main h1`, &h1, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		if h1 != "Annual integrity review: Dan Brown" {
			t.Errorf("review page heading %q", h1)
		}
		shot(t, ctx, "review-"+filepath.Base(dbURL[:6]))

		// A person in the team: their clearances are not shown, and the page
		// does not say they have none.
		if code, body := f.do(t, "vetting_unit", "POST", "/api/v1/clearances",
			`{"clearance_ref":"C5","employee_id":"E4","level":"RV","decision":"granted","decided_on":"2020-01-01"}`); code != http.StatusCreated {
			t.Fatalf("clearance: %d %s", code, body)
		}
		if err := chromedp.Run(ctx, chromedp.Navigate(f.srv.URL+"/people/E4"), chromedp.WaitVisible(`main h1`, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		if page := text(t, ctx, "main"); strings.Contains(page, "No clearances on record") || strings.Contains(page, "C5") ||
			!strings.Contains(page, "Clearance decisions are not shown to supervisors") {
			t.Errorf("E4's page for their supervisor E2:\n%s", page)
		}

		// Another team's person is refused.
		var status string
		if err := chromedp.Run(ctx, chromedp.Navigate(f.srv.URL+"/people/E6"), chromedp.Text(`main`, &status, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(status, "not in your team") {
			t.Errorf("E6's page for E2: %s", status)
		}
		if got := storetest.Query(t, dbURL, `SELECT COUNT(*) FROM audit_log WHERE action = 'signed_in'`); got[0] != "1" {
			t.Errorf("sign-ins audited: %s", got[0])
		}
	})
}

func TestFormsNeedTheSessionsCSRFToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.PostForm(f.srv.URL+"/login", url.Values{"token": {f.tokens["supervisor"]}, "next": {"//evil.example/"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("sign-in: %d to %q, want 303 to / (never off-site)", resp.StatusCode, loc)
		}
		for _, next := range []string{"/\t/evil.example/", "https://evil.example/", "/\\evil.example"} {
			r2, err := c.PostForm(f.srv.URL+"/login", url.Values{"token": {f.tokens["supervisor"]}, "next": {next}})
			if err != nil {
				t.Fatal(err)
			}
			r2.Body.Close()
			if loc := r2.Header.Get("Location"); loc != "/" {
				t.Errorf("sign-in with next %q went to %q, want /", next, loc)
			}
		}
		var cookie *http.Cookie
		for _, ck := range resp.Cookies() {
			cookie = ck
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
			t.Fatalf("session cookie %+v, want HttpOnly and SameSite=Strict", cookie)
		}
		id := f.reviewID(t, "integrity_review", "E3")
		resp, err = c.PostForm(f.srv.URL+"/reviews/"+itoa(id)+"/acknowledge", url.Values{"csrf": {"forged"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a form without the session's CSRF token: %d, want 403", resp.StatusCode)
		}
		if rv, _ := f.s.Review(context.Background(), id); rv.Status != "open" {
			t.Errorf("a forged form acknowledged the review")
		}
		// An HR token cannot sign in to the pages.
		resp, err = http.PostForm(f.srv.URL+"/login", url.Values{"token": {f.tokens["hr"]}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("HR sign-in: %d, want 401", resp.StatusCode)
		}
	})
}

// waitFlash waits for the page's message to say what was done (the
// previous page's message may still be showing while the next loads, and
// a check made during the navigation fails: those are retried).
func waitFlash(word string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		js := `(document.querySelector('.flash') || {textContent: ''}).textContent.includes('` + word + `')`
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			var ok bool
			if err := chromedp.Evaluate(js, &ok).Do(ctx); err == nil && ok {
				return nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		return fmt.Errorf("the page never said %q", word)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestVettingUnitDashboardShowsTheReportsFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		env := map[string]string{"VETTINGD_DATABASE_URL": dbURL}
		var want map[string]any
		if err := json.Unmarshal([]byte(run(t, env, "report", "compliance", "--format", "json", "--as-of", "2026-11-02")), &want); err != nil {
			t.Fatal(err)
		}
		ctx := browser(t)
		signIn(t, ctx, f.srv.URL, f.tokens["vetting_unit"])
		var got map[string]string
		err := chromedp.Run(ctx, chromedp.Navigate(f.srv.URL+"/dashboard"), chromedp.WaitVisible(`#compliance`, chromedp.ByID),
			chromedp.Evaluate(`Object.fromEntries([...document.querySelectorAll('tr[data-figure]')].map(r => [r.dataset.figure, r.querySelector('.count').textContent]))`, &got))
		if err != nil {
			t.Fatal(err)
		}
		shot(t, ctx, "dashboard-"+filepath.Base(dbURL[:6]))
		n := 0
		for key, section := range want {
			sec, ok := section.(map[string]any)
			if !ok {
				continue
			}
			for _, fig := range sec["figures"].([]any) {
				fg := fig.(map[string]any)
				id := sec["key"].(string) + "/" + fg["key"].(string)
				if got[id] != fmt.Sprint(fg["count"]) {
					t.Errorf("%s (%s): the dashboard shows %q, the report %v", id, key, got[id], fg["count"])
				}
				n++
			}
		}
		if n == 0 || len(got) != n {
			t.Errorf("the dashboard shows %d figures, the report has %d", len(got), n)
		}
		page := text(t, ctx, "main")
		for _, want := range []string{"Overdue reviews by kind", "Open vetting gaps", "Triggered vetting reviews", "Cat Jones"} {
			if !strings.Contains(page, want) {
				t.Errorf("the dashboard lacks %q", want)
			}
		}
		// A person's page, whose every view is audited.
		if code, body := f.do(t, "vetting_unit", "POST", "/api/v1/clearances",
			`{"clearance_ref":"C5","employee_id":"E4","level":"RV","decision":"granted","decided_on":"2020-01-01"}`); code != http.StatusCreated {
			t.Fatalf("clearance: %d %s", code, body)
		}
		before := storetest.Query(t, dbURL, `SELECT COUNT(*) FROM audit_log WHERE action = 'person_read' AND entity_id = 'E4'`)[0]
		if err := chromedp.Run(ctx, chromedp.Navigate(f.srv.URL+"/people/E4"), chromedp.WaitVisible(`main h1`, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		shot(t, ctx, "person-"+filepath.Base(dbURL[:6]))
		if page := text(t, ctx, "main"); !strings.Contains(page, "Dan Brown") || !strings.Contains(page, "Clearances") || !strings.Contains(page, "Reviews and history") {
			t.Errorf("person page:\n%s", page)
		}
		// E4's RV clearance of 2020-01-01 gave no expiry: RV's ten years set it.
		if page := text(t, ctx, "main"); !strings.Contains(page, "2030-01-01 (by the level's validity)") {
			t.Errorf("person page: no computed expiry for C5:\n%s", page)
		}
		if after := storetest.Query(t, dbURL, `SELECT COUNT(*) FROM audit_log WHERE action = 'person_read' AND entity_id = 'E4'`)[0]; after == before {
			t.Error("viewing a person's page was not audited")
		}
	})
}
