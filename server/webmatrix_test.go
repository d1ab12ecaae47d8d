package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/store"
	"vettingd/store/storetest"
)

// signIn signs role in through the sign-in form, over plain HTTP: the
// Cookie header of the session and the session's CSRF token.
func (f *apiFixture) signIn(t *testing.T, role string) (cookie, csrf string) {
	t.Helper()
	form := url.Values{"token": {f.tokens[role]}, "next": {"/inbox"}}.Encode()
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/login", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "vettingd_session" {
			_, csrf, err := f.s.Session(context.Background(), c.Value, civil.MustParse("2026-11-02"))
			if err != nil {
				t.Fatal(err)
			}
			return "vettingd_session=" + c.Value, csrf
		}
	}
	t.Fatalf("signing in as %s: %d without a session cookie", role, resp.StatusCode)
	return "", ""
}

// storeSession makes a session in the store directly, for a token the
// sign-in form refuses (hr) or one already expired.
func (f *apiFixture) storeSession(t *testing.T, role string, ttl time.Duration) (cookie, csrf string) {
	t.Helper()
	tok, err := f.s.TokenByHash(context.Background(), store.HashToken(f.tokens[role]), civil.MustParse("2026-11-02"))
	if err != nil {
		t.Fatal(err)
	}
	c, csrf, err := f.s.CreateSession(context.Background(), tok, ttl, "test")
	if err != nil {
		t.Fatal(err)
	}
	return "vettingd_session=" + c, csrf
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: time.Minute}

// page requests path with the Cookie header given (and, for a POST, the
// form), returning the status, the Location and the body.
func (f *apiFixture) page(t *testing.T, method, path, cookie string, form url.Values) (int, string, string) {
	t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, resp.Header.Get("Location"), b.String()
}

// Every web page and form, with every role's session, none, an expired or
// forged one, and with the CSRF token missing, wrong or another session's:
// the exact status (and where a redirect goes). A supervisor never sees
// another team's review or person page, nor PSD's or the dashboard; hr
// cannot use the pages even with a session; nothing refused changes a review.
func TestWebPagesAuthorizationMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		own := f.reviewID(t, "integrity_review", "E4")   // E3's to do, in E2's line
		other := f.reviewID(t, "integrity_review", "E6") // E5's, outside E2's line
		psd := f.reviewID(t, "circumstances_assessment", "E4")
		gap := f.reviewID(t, "vetting_gap", "E4") // the supervisor is told of it; the vetting unit's to do
		type who struct{ cookie, csrf string }
		sessions := map[string]who{}
		for _, role := range []string{"admin", "vetting_unit", "psd", "supervisor"} {
			c, csrf := f.signIn(t, role)
			sessions[role] = who{c, csrf}
		}
		c, csrf := f.storeSession(t, "hr", time.Hour)
		sessions["hr"] = who{c, csrf}
		c, csrf = f.storeSession(t, "admin", -time.Minute)
		sessions["expired"] = who{c, csrf}
		sessions["forged"] = who{"vettingd_session=" + strings.Repeat("A", 43), "x"}
		sessions["api token as cookie"] = who{"vettingd_session=" + f.tokens["admin"], "x"}
		sessions["none"] = who{}
		signedOut := []string{"none", "expired", "forged", "api token as cookie"}
		roles := []string{"admin", "vetting_unit", "psd", "supervisor", "hr"}

		r := func(id int64, action string) string { return fmt.Sprintf("/reviews/%d%s", id, action) }
		bogus := url.Values{"outcome": {"bogus"}, "by": {"E1"}}
		rows := []struct {
			method, path string
			form         url.Values
			want         map[string]int // by role; absent roles are 403
			location     map[string]string
		}{
			{"GET", "/", nil, map[string]int{"admin": 303, "vetting_unit": 303, "psd": 303, "supervisor": 303},
				map[string]string{"admin": "/dashboard", "vetting_unit": "/dashboard", "psd": "/dashboard", "supervisor": "/inbox"}},
			{"GET", "/inbox", nil, map[string]int{"admin": 200, "vetting_unit": 200, "psd": 200, "supervisor": 200}, nil},
			{"GET", "/dashboard", nil, map[string]int{"admin": 200, "vetting_unit": 200, "psd": 200}, nil},
			{"GET", r(own, ""), nil, map[string]int{"admin": 200, "vetting_unit": 200, "supervisor": 200}, nil},
			{"GET", r(other, ""), nil, map[string]int{"admin": 200, "vetting_unit": 200}, nil},
			{"GET", r(psd, ""), nil, map[string]int{"admin": 200, "vetting_unit": 200, "psd": 200}, nil},
			{"GET", r(gap, ""), nil, map[string]int{"admin": 200, "vetting_unit": 200, "supervisor": 200}, nil},
			{"GET", r(999999, ""), nil, map[string]int{"admin": 404, "vetting_unit": 404, "psd": 404, "supervisor": 404}, nil},
			{"GET", "/reviews/x';--", nil, map[string]int{"admin": 404, "vetting_unit": 404, "psd": 404, "supervisor": 404}, nil},
			{"GET", "/people/E4", nil, map[string]int{"admin": 200, "vetting_unit": 200, "psd": 200, "supervisor": 200}, nil},
			{"GET", "/people/E6", nil, map[string]int{"admin": 200, "vetting_unit": 200, "psd": 200}, nil},
			{"GET", "/people/E99", nil, map[string]int{"admin": 404, "vetting_unit": 404, "psd": 404}, nil},
			{"POST", r(own, "/complete"), bogus, map[string]int{"admin": 400, "vetting_unit": 400, "supervisor": 400}, nil},
			{"POST", r(other, "/complete"), bogus, map[string]int{"admin": 400, "vetting_unit": 400}, nil},
			{"POST", r(psd, "/complete"), bogus, map[string]int{"admin": 400, "vetting_unit": 400, "psd": 400}, nil},
			{"POST", r(gap, "/complete"), bogus, map[string]int{"admin": 400, "vetting_unit": 400}, nil},
			{"POST", r(other, "/acknowledge"), url.Values{"by": {"nobody"}}, map[string]int{"admin": 400, "vetting_unit": 400}, nil},
			{"POST", r(999999, "/acknowledge"), url.Values{}, map[string]int{"admin": 404, "vetting_unit": 404, "psd": 404, "supervisor": 404}, nil},
		}
		for _, row := range rows {
			for _, name := range signedOut {
				form := row.form
				if form != nil {
					form = cloneWith(form, "csrf", sessions[name].csrf)
				}
				code, loc, _ := f.page(t, row.method, row.path, sessions[name].cookie, form)
				if want := "/login?next=" + url.QueryEscape(row.path); code != http.StatusSeeOther || loc != want {
					t.Errorf("%s %s with %s: %d → %q, want 303 → %q", row.method, row.path, name, code, loc, want)
				}
			}
			for _, role := range roles {
				s := sessions[role]
				want, ok := row.want[role]
				if !ok {
					want = http.StatusForbidden
				}
				form := row.form
				if form != nil {
					form = cloneWith(form, "csrf", s.csrf)
					if role == "supervisor" {
						form.Del("by")
					}
				}
				code, loc, body := f.page(t, row.method, row.path, s.cookie, form)
				if code != want || (row.location != nil && loc != row.location[role]) {
					t.Errorf("%s %s as %s: %d → %q, want %d → %q", row.method, row.path, role, code, loc, want, row.location[role])
				}
				if role == "supervisor" && want == http.StatusForbidden && (strings.Contains(body, "Fay Green") || strings.Contains(body, "Change of circumstances")) {
					t.Errorf("%s %s: a supervisor's refusal shows what is not theirs", row.method, row.path)
				}
				// The CSRF token: missing, wrong, or another session's, is refused before anything is done.
				if row.method == "POST" && role != "hr" {
					for what, token := range map[string]string{"missing": "", "wrong": "x" + s.csrf, "another session's": sessions[otherRole(role)].csrf} {
						form := cloneWith(row.form, "csrf", token)
						if code, _, _ := f.page(t, row.method, row.path, s.cookie, form); code != http.StatusForbidden {
							t.Errorf("%s %s as %s with the CSRF token %s: %d, want 403", row.method, row.path, role, what, code)
						}
					}
				}
			}
		}
		for _, id := range []int64{own, other, psd, gap} {
			if rv, _ := f.s.Review(context.Background(), id); rv.Status != "open" {
				t.Errorf("review %d is %s after refused forms", id, rv.Status)
			}
		}

		// Sign-in: hr tokens and unknown tokens get no session; sign-out needs the CSRF token, then ends the session.
		for token, want := range map[string]int{f.tokens["hr"]: 401, "not-a-token": 401, f.tokens["psd"]: 303} {
			if code, _, _ := f.page(t, "POST", "/login", "", url.Values{"token": {token}}); code != want {
				t.Errorf("signing in with %.8s…: %d, want %d", token, code, want)
			}
		}
		sup := sessions["supervisor"]
		if code, _, _ := f.page(t, "POST", "/logout", sup.cookie, url.Values{"csrf": {"wrong"}}); code != http.StatusForbidden {
			t.Errorf("sign-out with a wrong CSRF token: %d, want 403", code)
		}
		if code, loc, _ := f.page(t, "POST", "/logout", sup.cookie, url.Values{"csrf": {sup.csrf}}); code != 303 || loc != "/login" {
			t.Errorf("sign-out: %d → %q", code, loc)
		}
		if code, loc, _ := f.page(t, "GET", "/inbox", sup.cookie, nil); code != 303 || loc != "/login?next=%2Finbox" {
			t.Errorf("the inbox after signing out: %d → %q", code, loc)
		}
		// A bearer token signs the pages in too (SPEC §7), with no session.
		req, _ := http.NewRequest("GET", f.srv.URL+"/inbox", nil)
		req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
		if resp, err := noRedirect.Do(req); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("the inbox with a bearer token: %v %v", resp.StatusCode, err)
		} else {
			resp.Body.Close()
		}
	})
}

func otherRole(role string) string {
	if role == "admin" {
		return "vetting_unit"
	}
	return "admin"
}

func cloneWith(v url.Values, key, value string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	out.Set(key, value)
	return out
}
