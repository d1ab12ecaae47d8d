package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vettingd/civil"
	"vettingd/store/storetest"
)

// SPEC §7: every request needs a bearer token "or the web session made
// from it". The API takes a signed-in browser's session (a change only
// with the session's CSRF token in X-CSRF-Token), and the pages take a
// bearer token, as a script sends it.
func TestTheAPITakesTheWebSessionAndThePagesABearerToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noRedirect.PostForm(f.srv.URL+"/login", url.Values{"token": {f.tokens["supervisor"]}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cookies := resp.Cookies()
		if len(cookies) != 1 {
			t.Fatalf("sign-in set %d cookies", len(cookies))
		}
		_, csrf, err := f.s.Session(context.Background(), cookies[0].Value, civil.MustParse("2026-11-02"))
		if err != nil {
			t.Fatal(err)
		}
		send := func(method, path string, header map[string]string, cookie *http.Cookie) (int, string) {
			t.Helper()
			req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range header {
				req.Header.Set(k, v)
			}
			if cookie != nil {
				req.AddCookie(cookie)
			}
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}

		// The API, by the session: reads as the supervisor, scoped to their line.
		code, body := send("GET", "/api/v1/reviews", nil, cookies[0])
		if code != http.StatusOK || !strings.Contains(body, `"employee_id":"E3"`) || strings.Contains(body, `"employee_id":"E6"`) {
			t.Fatalf("reviews by the session: %d %s", code, body)
		}
		// Another scheme (a proxy's Basic, say) leaves the session in charge.
		basic := map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}
		if code, _ := send("GET", "/api/v1/reviews", basic, cookies[0]); code != http.StatusOK {
			t.Errorf("reviews by the session with a Basic header: %d, want 200", code)
		}
		if code, _ := send("GET", "/inbox", basic, cookies[0]); code != http.StatusOK {
			t.Errorf("the inbox by the session with a Basic header: %d, want 200", code)
		}
		id := itoa(f.reviewID(t, "integrity_review", "E3"))
		if code, _ := send("POST", "/reviews/"+id+"/acknowledge", basic, cookies[0]); code != http.StatusForbidden {
			t.Errorf("a form by the session with a Basic header and no CSRF token: %d, want 403", code)
		}
		if code, body := send("POST", "/api/v1/reviews/"+id+"/acknowledge", nil, cookies[0]); code != http.StatusForbidden || !strings.Contains(body, "X-CSRF-Token") {
			t.Errorf("a change by the session without its CSRF token: %d %s, want 403", code, body)
		}
		if code, _ := send("POST", "/api/v1/reviews/"+id+"/acknowledge", map[string]string{"X-CSRF-Token": "forged"}, cookies[0]); code != http.StatusForbidden {
			t.Errorf("a change by the session with a wrong CSRF token: %d, want 403", code)
		}
		if got := storetest.Query(t, dbURL, `SELECT status FROM reviews WHERE id = `+id); len(got) != 1 || got[0] != "open" {
			t.Fatalf("refused changes acknowledged the review: %v", got)
		}
		if code, body := send("POST", "/api/v1/reviews/"+id+"/acknowledge", map[string]string{"X-CSRF-Token": csrf}, cookies[0]); code != http.StatusOK {
			t.Errorf("a change by the session with its CSRF token: %d %s", code, body)
		}
		if got := storetest.Query(t, dbURL, `SELECT acknowledged_by FROM reviews WHERE id = `+id); len(got) != 1 || got[0] != "E2" {
			t.Errorf("acknowledged by %v, want the session's holder E2", got)
		}
		if code, _ := send("GET", "/api/v1/reviews", nil, &http.Cookie{Name: cookies[0].Name, Value: "not-a-session"}); code != http.StatusUnauthorized {
			t.Errorf("an unknown session: %d, want 401", code)
		}

		// The pages, by a bearer token: no sign-in page, and the roles as for a session.
		bearer := func(role string) map[string]string {
			return map[string]string{"Authorization": "Bearer " + f.tokens[role]}
		}
		if code, body := send("GET", "/dashboard", bearer("vetting_unit"), nil); code != http.StatusOK || !strings.Contains(body, "<html") {
			t.Errorf("the dashboard by a bearer token: %d", code)
		}
		if code, _ := send("GET", "/inbox", bearer("hr"), nil); code != http.StatusForbidden {
			t.Errorf("the inbox by an hr token: %d, want 403", code)
		}
		if code, _ := send("GET", "/inbox", map[string]string{"Authorization": "Bearer nonsense"}, nil); code != http.StatusUnauthorized {
			t.Errorf("the inbox by an unknown token: %d, want 401", code)
		}
	})
}

// A form refused (a date in the future, a review already done) shows the
// review again, with its person: that read is audited like the review page.
func TestARefusedFormAuditsTheReviewItShows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		id := itoa(f.reviewID(t, "integrity_review", "E3"))
		reads := func() string {
			return storetest.Query(t, dbURL, `SELECT COUNT(*) FROM audit_log WHERE action = 'person_read' AND entity_id = 'E3'`)[0]
		}
		for _, on := range []string{"2999-01-01", "not a date"} {
			before := reads()
			req, err := http.NewRequest("POST", f.srv.URL+"/reviews/"+id+"/complete", strings.NewReader(url.Values{"on": {on}, "outcome": {"satisfactory"}}.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+f.tokens["vetting_unit"])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "E3") {
				t.Fatalf("a completion dated %q: %d, want 400 with the review shown", on, resp.StatusCode)
			}
			if after := reads(); after == before {
				t.Errorf("the refused form (on %q) showed E3's review without an audited read (%s reads before and after)", on, after)
			}
		}
	})
}

// A token, and a web session, of someone whose start date HR moves later
// stop working until that date, as a leaver's do.
func TestATokenWaitsForItsHoldersStartDate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		cookie, _ := f.signIn(t, "supervisor") // E2's
		later := strings.Replace(team, "E2,Bob,Smith,bob@force.police.uk,,officer,,E1,2010-09-01,", "E2,Bob,Smith,bob@force.police.uk,,officer,,E1,2027-01-04,", 1)
		if later == team {
			t.Fatal("the fixture has changed: E2's line is not as expected")
		}
		p := filepath.Join(t.TempDir(), "people.csv")
		if err := os.WriteFile(p, []byte(later), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, map[string]string{"VETTINGD_DATABASE_URL": dbURL}, "import", "people", p, "--as-of", "2026-11-02")
		if code, body := f.do(t, "supervisor", "GET", "/api/v1/reviews", ""); code != http.StatusUnauthorized {
			t.Errorf("the token of someone not started: %d %s, want 401", code, body)
		}
		if code, loc, _ := f.page(t, "GET", "/inbox", cookie, nil); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Errorf("the web session of someone not started: %d to %q, want a redirect to sign in", code, loc)
		}
	})
}
