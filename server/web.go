package server

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"vettingd/civil"
	"vettingd/notify"
	"vettingd/report"
	"vettingd/scheduler"
	"vettingd/store"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"kindTitle":  notify.KindTitle,
	"pct":        func(p float64) int { return int(p * 1.2) }, // of a 120-pixel bar
	"first":      func(items []report.Item, n int) []report.Item { return items[:min(n, len(items))] },
	"minus":      func(a, b int) int { return a - b },
	"barY":       func(i, off int) int { return i*20 + off },
	"barX":       func(w int) int { return 266 + w },
	"barsHeight": func(b []bar) int { return len(b)*20 + 4 },
}).ParseFS(templateFS, "templates/*.html"))

const (
	sessionCookie = "vettingd_session"
	sessionTTL    = 12 * time.Hour
)

// view is what every page template gets.
type view struct {
	Title string
	Who   *store.Token
	CSRF  string
	Flash string
	Error string
	Data  any
}

// pageRoutes serves the web pages (SPEC §7): rendered on the server, each
// action a plain form, so everything works without JavaScript.
func (a *API) pageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", a.loginPage)
	mux.HandleFunc("POST /login", a.login)
	all := []string{RoleAdmin, RoleVettingUnit, RolePSD, RoleSupervisor}
	mux.Handle("POST /logout", a.page(a.logout, all...))
	mux.Handle("GET /{$}", a.page(a.home, all...))
	mux.Handle("GET /inbox", a.page(a.inbox, all...))
	mux.Handle("GET /reviews/{id}", a.page(a.reviewPage, all...))
	mux.Handle("POST /reviews/{id}/acknowledge", a.page(a.formAcknowledge, all...))
	mux.Handle("POST /reviews/{id}/complete", a.page(a.formComplete, all...))
	mux.Handle("GET /people/{id}", a.page(a.personPage, all...))
	mux.Handle("GET /dashboard", a.page(a.dashboard, RoleAdmin, RoleVettingUnit, RolePSD))
}

// session is a signed-in browser.
type session struct {
	principal
	csrf   string
	cookie string
	bearer bool // signed in by an Authorization header, not a cookie
}

type pageHandler func(w http.ResponseWriter, r *http.Request, s *session)

// page signs the request in from its session cookie (else sends it to the
// sign-in page), checks the CSRF token of every form, and lets the roles
// listed through. A request with a bearer token (a script's, SPEC §7) is
// signed in by it instead, as the API does; no other site can make a
// browser send that header, so its forms need no CSRF token.
func (a *API) page(h pageHandler, roles ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s *session
		if hasBearer(r) {
			t, ok := a.caller(w, r)
			if !ok {
				return
			}
			s = &session{principal: principal{Token: t, remote: remoteAddr(r)}, bearer: true}
		} else {
			c, err := r.Cookie(sessionCookie)
			var t store.Token
			var csrf string
			if err == nil {
				t, csrf, err = a.Store.Session(r.Context(), c.Value, a.today())
			}
			if err != nil {
				if !errors.Is(err, http.ErrNoCookie) && !errors.Is(err, store.ErrNotFound) {
					a.fail(w, r, err)
					return
				}
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s = &session{principal: principal{Token: t, remote: remoteAddr(r)}, csrf: csrf, cookie: c.Value}
		}
		if r.Method == http.MethodPost && !a.parseForm(w, r, s) {
			return
		}
		if r.Method == http.MethodPost && !s.bearer && r.PostFormValue("csrf") != s.csrf {
			a.render(w, http.StatusForbidden, "login.html", s, view{Title: "Forbidden", Error: "This form has expired or did not come from vettingd. Go back, reload the page and try again."})
			return
		}
		if !contains(roles, s.Role) {
			a.render(w, http.StatusForbidden, "inbox.html", s, view{Title: "Not allowed", Error: fmt.Sprintf("The %s role cannot use these pages.", s.Role)})
			return
		}
		h(w, r, s)
	})
}

// parseForm reads a posted form of at most maxForm bytes (the pages' forms
// are a few hundred); it answers 413 or 400 itself and returns false when
// the body will not do. A multipart body is never parsed: no page sends
// one, and its files would be spooled to disk.
func (a *API) parseForm(w http.ResponseWriter, r *http.Request, s *session) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	err := r.ParseForm()
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		a.render(w, http.StatusRequestEntityTooLarge, "login.html", s, view{Title: "Too large", Error: fmt.Sprintf("The form is larger than %d bytes; nothing was done.", maxForm)})
		return false
	case err != nil:
		a.render(w, http.StatusBadRequest, "login.html", s, view{Title: "Bad form", Error: "The form could not be read; nothing was done."})
		return false
	}
	return true
}

// render writes a page; the view's Who and CSRF come from the session.
func (a *API) render(w http.ResponseWriter, status int, name string, s *session, v view) {
	if s != nil {
		v.Who, v.CSRF = &s.Token, s.csrf
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, v); err != nil {
		a.Log.Error("Page failed to render", "page", name, "error", err)
	}
}

func (a *API) loginPage(w http.ResponseWriter, r *http.Request) {
	a.render(w, http.StatusOK, "login.html", nil, view{Title: "Sign in", Data: safeNext(r.URL.Query().Get("next"))})
}

// login turns an API token into a session cookie: HttpOnly, SameSite=Strict,
// and Secure when vettingd is reached over TLS.
func (a *API) login(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r, nil) {
		return
	}
	next := safeNext(r.PostFormValue("next"))
	t, err := a.Store.TokenByHash(r.Context(), store.HashToken(strings.TrimSpace(r.PostFormValue("token"))), a.today())
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.Role == RoleHR) {
		a.render(w, http.StatusUnauthorized, "login.html", nil, view{Title: "Sign in", Data: next,
			Error: "That token is not valid for these pages (unknown, revoked, or for imports only)."})
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	cookie, _, err := a.Store.CreateSession(r.Context(), t, sessionTTL, remoteAddr(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: cookie, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: a.secure(r), MaxAge: int(sessionTTL.Seconds())})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (a *API) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(a.BaseURL, "https://")
}

// safeNext keeps a redirect after sign-in on this site: a path, without
// control characters (browsers drop a tab, making "/\t/evil" "//evil").
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\") || strings.IndexFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return "/"
	}
	return next
}

func (a *API) logout(w http.ResponseWriter, r *http.Request, s *session) {
	if err := a.Store.EndSession(r.Context(), s.cookie); err != nil {
		a.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (a *API) home(w http.ResponseWriter, r *http.Request, s *session) {
	if s.Role == RoleSupervisor {
		http.Redirect(w, r, "/inbox", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

// row is a review with its person's name and the form's context.
type row struct {
	R      store.Review
	Name   string
	CanAct bool
	CSRF   string
	Back   string
	Today  civil.Date
}

type inboxData struct {
	Rows    []row
	Overdue int
	Total   int // open reviews in all; Rows holds the first inboxLimit
}

// inboxLimit is how many reviews the inbox lists: a vetting unit's can hold
// a whole force's.
const inboxLimit = 500

// inbox lists the open reviews the principal may act on, overdue first.
func (a *API) inbox(w http.ResponseWriter, r *http.Request, s *session) {
	f := store.ReviewFilter{AsOf: a.today()}
	scope(&f, &s.principal)
	var rs []store.Review
	total, overdue := 0, 0
	err := a.Store.EachReview(r.Context(), f, func(rv store.Review) error {
		total++
		if rv.Overdue {
			overdue++
		}
		if len(rs) < inboxLimit {
			rs = append(rs, rv) // in due order: the overdue come first
		}
		return nil
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rows, err := a.rows(r.Context(), rs, s, "/inbox")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	slices.SortStableFunc(rows, func(x, y row) int {
		if x.R.Overdue != y.R.Overdue {
			if x.R.Overdue {
				return -1
			}
			return 1
		}
		return cmp.Compare(x.R.DueOn.String(), y.R.DueOn.String())
	})
	d := inboxData{Rows: rows, Total: total, Overdue: overdue}
	if err := a.audit(r.Context(), &s.principal, "reviews_read", "reviews", "inbox", map[string]any{"count": len(rows)}); err != nil {
		a.fail(w, r, err)
		return
	}
	title := "Open reviews"
	if s.Role == RoleSupervisor {
		title = "Your team's reviews"
	}
	a.render(w, http.StatusOK, "inbox.html", s, view{Title: title, Flash: r.URL.Query().Get("done"), Data: d})
}

func (a *API) rows(ctx context.Context, rs []store.Review, s *session, back string) ([]row, error) {
	ids := make([]string, len(rs))
	for i, rv := range rs {
		ids[i] = rv.EmployeeID
	}
	names, err := a.Store.Names(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]row, len(rs))
	for i, rv := range rs {
		out[i] = row{R: rv, Name: names[rv.EmployeeID], CanAct: mayAct(&s.principal, rv), CSRF: s.csrf, Back: back, Today: a.today()}
	}
	return out, nil
}

// pageReview loads a review for a page, answering 404 or 403 itself.
func (a *API) pageReview(w http.ResponseWriter, r *http.Request, s *session) (store.Review, bool) {
	rv, status, err := a.reviewFor(r.Context(), &s.principal, r.PathValue("id"))
	if err != nil {
		if status == http.StatusInternalServerError {
			a.fail(w, r, err)
		} else {
			a.render(w, status, "inbox.html", s, view{Title: "Review", Error: err.Error(), Data: inboxData{}})
		}
		return rv, false
	}
	return rv, true
}

// pageActable is pageReview for a form that acts on the review.
func (a *API) pageActable(w http.ResponseWriter, r *http.Request, s *session) (store.Review, bool) {
	rv, ok := a.pageReview(w, r, s)
	if ok && !mayAct(&s.principal, rv) {
		a.render(w, http.StatusForbidden, "inbox.html", s, view{Title: "Not allowed", Error: fmt.Sprintf("Review %d is the %s's to act on.", rv.ID, rv.AssigneeRole), Data: inboxData{}})
		return rv, false
	}
	return rv, ok
}

func (a *API) reviewPage(w http.ResponseWriter, r *http.Request, s *session) {
	rv, ok := a.pageReview(w, r, s)
	if !ok {
		return
	}
	if err := a.audit(r.Context(), &s.principal, "person_read", "person", rv.EmployeeID, map[string]any{"review_id": rv.ID}); err != nil {
		a.fail(w, r, err)
		return
	}
	rows, err := a.rows(r.Context(), []store.Review{rv}, s, fmt.Sprintf("/reviews/%d", rv.ID))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, http.StatusOK, "review.html", s, view{Title: notify.KindTitle(rv.Kind), Flash: r.URL.Query().Get("done"), Data: struct{ Row row }{rows[0]}})
}

// formAcknowledge and formComplete act as the API does, then go back
// where the form was, saying what happened.
func (a *API) formAcknowledge(w http.ResponseWriter, r *http.Request, s *session) {
	rv, ok := a.pageActable(w, r, s)
	if !ok {
		return
	}
	by := s.employee()
	if by == "" {
		by = strings.TrimSpace(r.PostFormValue("by"))
	}
	err := a.Planner.Acknowledge(r.Context(), a.today(), "web:"+s.actor(), rv.ID, by)
	a.afterForm(w, r, s, rv, "acknowledged", err)
}

func (a *API) formComplete(w http.ResponseWriter, r *http.Request, s *session) {
	rv, ok := a.pageActable(w, r, s)
	if !ok {
		return
	}
	c := store.Completion{By: s.employee(), Outcome: r.PostFormValue("outcome"), Note: r.PostFormValue("note"), Declarations: r.PostForm["declare"]}
	if c.By == "" {
		c.By = strings.TrimSpace(r.PostFormValue("by"))
	}
	if on := r.PostFormValue("on"); on != "" {
		d, err := civil.Parse(on)
		if err != nil {
			a.afterForm(w, r, s, rv, "", fmt.Errorf("%w: the completion date %q is not a date", scheduler.ErrInvalid, on))
			return
		}
		c.On = d
	}
	_, err := a.Planner.Complete(r.Context(), a.today(), "web:"+s.actor(), rv.ID, c)
	a.afterForm(w, r, s, rv, "completed", err)
}

func (a *API) afterForm(w http.ResponseWriter, r *http.Request, s *session, rv store.Review, did string, err error) {
	back := safeNext(r.PostFormValue("back"))
	if err != nil {
		if !errors.Is(err, store.ErrConflict) && !isInvalid(err) && !errors.Is(err, store.ErrNotFound) {
			a.fail(w, r, err)
			return
		}
		// The page shows the review again: a read of the person's record.
		if aerr := a.audit(r.Context(), &s.principal, "person_read", "person", rv.EmployeeID, map[string]any{"review_id": rv.ID}); aerr != nil {
			a.fail(w, r, aerr)
			return
		}
		rows, rerr := a.rows(r.Context(), []store.Review{rv}, s, back)
		if rerr != nil {
			a.fail(w, r, rerr)
			return
		}
		status := http.StatusConflict
		switch {
		case isInvalid(err):
			status = http.StatusBadRequest
		case errors.Is(err, store.ErrNotFound):
			status = http.StatusNotFound
		}
		a.render(w, status, "review.html", s, view{Title: "Not done", Error: sentence(err), Data: struct{ Row row }{rows[0]}})
		return
	}
	http.Redirect(w, r, back+"?done="+url.QueryEscape(fmt.Sprintf("Review %d (%s) %s.", rv.ID, notify.KindTitle(rv.Kind), did)), http.StatusSeeOther)
}

func sentence(err error) string {
	msg := plain(err)
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// plain is an error's message without the lifecycle's own prefixes.
func plain(err error) string {
	msg := err.Error()
	for _, prefix := range []string{"conflict: ", "invalid: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	return msg
}

type personData struct {
	P store.Person
	// ShowClearances is false for a supervisor, who is not shown clearance
	// decisions (and must not read their absence as "none").
	ShowClearances bool
	Clearances     []clearanceRow
	Reviews        []store.Review
}

// clearanceRow is a clearance decision with when it lapses; Computed when
// the decision gave no expiry and the level's validity sets it.
type clearanceRow struct {
	store.Clearance
	Expires  civil.Date
	Computed bool
}

// personPage shows a person's record; every view is audited. A supervisor
// sees only people in their line, and not their clearance decisions.
func (a *API) personPage(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	if s.Role == RoleSupervisor {
		in, err := a.Store.InTeam(r.Context(), s.employee(), id)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if !in {
			a.render(w, http.StatusForbidden, "inbox.html", s, view{Title: "Not allowed", Error: "That person is not in your team.", Data: inboxData{}})
			return
		}
	}
	p, cs, err := a.Store.PersonRecord(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		a.render(w, http.StatusNotFound, "inbox.html", s, view{Title: "Not found", Error: "No such person.", Data: inboxData{}})
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f := store.ReviewFilter{EmployeeID: id, Statuses: reviewStatuses["all"], AsOf: a.today()}
	scope(&f, &s.principal)
	d := personData{P: p, ShowClearances: s.Role != RoleSupervisor}
	if d.ShowClearances {
		for _, c := range cs {
			d.Clearances = append(d.Clearances, clearanceRow{Clearance: c, Expires: scheduler.Expiry(c, &a.Policy), Computed: c.ExpiresOn.IsZero()})
		}
	}
	if err := a.Store.EachReview(r.Context(), f, func(rv store.Review) error { d.Reviews = append(d.Reviews, rv); return nil }); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.audit(r.Context(), &s.principal, "person_read", "person", id, map[string]any{"page": "person"}); err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, http.StatusOK, "person.html", s, view{Title: p.Name(), Data: d})
}
