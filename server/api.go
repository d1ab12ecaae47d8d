package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/store"
)

// API serves /api/v1 (SPEC §7): JSON in and out, every request made with a
// token whose role decides what it may see and do.
type API struct {
	Store   *store.Store
	Planner *scheduler.Planner
	Policy  policy.Policy
	Today   func() civil.Date
	Log     *slog.Logger
	BaseURL string // how people reach vettingd; https:// makes session cookies Secure
	// ObserveImport, when set, is told how long each import took.
	ObserveImport func(kind string, d time.Duration)
	// MaxImport bounds the CSV body of an import (VETTINGD_MAX_IMPORT_MB);
	// 0 means DefaultMaxImport.
	MaxImport int64
}

// Roles.
const (
	RoleAdmin       = "admin"
	RoleVettingUnit = "vetting_unit"
	RolePSD         = "psd"
	RoleHR          = "hr"
	RoleSupervisor  = "supervisor"
)

// Request size limits: a JSON record, a web form, and by default a CSV
// import. A national people file (310,000 rows) is about 50 MB; an HR
// export with every column it has may be several times that.
const (
	maxJSON          = 64 << 10
	maxForm          = 64 << 10
	DefaultMaxImport = 1 << 30
)

// importDeadline is how long an import may take to arrive and be answered:
// the server's read and write timeouts suit a JSON record, not a file
// streamed into the database as it arrives.
const importDeadline = 30 * time.Minute

func (a *API) routes(mux *http.ServeMux) {
	mux.Handle("POST /api/v1/imports/{kind}", a.auth(a.importCSV, RoleHR, RoleVettingUnit, RolePSD, RoleAdmin)) // each kind its own: importers
	for path, kind := range eventKinds {
		mux.Handle("POST /api/v1/"+path, a.auth(a.event(kind), importers(kind)...))
	}
	reviewers := []string{RoleAdmin, RoleVettingUnit, RolePSD, RoleSupervisor}
	mux.Handle("GET /api/v1/reviews", a.auth(a.listReviews, reviewers...))
	mux.Handle("POST /api/v1/reviews/{id}/acknowledge", a.auth(a.acknowledge, reviewers...))
	mux.Handle("POST /api/v1/reviews/{id}/complete", a.auth(a.complete, reviewers...))
	mux.Handle("GET /api/v1/reports/compliance", a.auth(a.complianceReport, RoleAdmin, RoleVettingUnit, RolePSD))
	a.pageRoutes(mux)
	mux.Handle("/api/", a.auth(func(w http.ResponseWriter, r *http.Request, _ *principal) {
		if allow := allowed(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, http.StatusMethodNotAllowed, "this endpoint takes "+strings.Join(allow, " or "))
			return
		}
		writeError(w, http.StatusNotFound, "no such API endpoint")
	}, RoleAdmin, RoleVettingUnit, RolePSD, RoleHR, RoleSupervisor))
}

// allowed returns the methods the API answers on r's path, when r's own
// method is not one of them: the catch-all under /api/ would otherwise
// answer a wrong method with 404, as if the endpoint did not exist.
func allowed(mux *http.ServeMux, r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/api/" && pattern != "" {
			out = append(out, m)
		}
	}
	return out
}

// principal is who a request acts for.
type principal struct {
	store.Token
	remote string
}

// actor names the principal in records and the audit log: the token, its
// holder, and where the request came from.
func (p *principal) actor() string {
	who := fmt.Sprintf("api:token %d (%s", p.ID, p.Role)
	if p.EmployeeID != nil {
		who += " " + *p.EmployeeID
	}
	return who + ") from " + p.remote
}

func (p *principal) employee() string {
	if p.EmployeeID == nil {
		return ""
	}
	return *p.EmployeeID
}

type handler func(w http.ResponseWriter, r *http.Request, p *principal)

// importers are the roles that may write records of a kind, a file or one
// record at a time: HR its posts and people, the vetting unit its
// clearances, PSD the vetting events; an admin any.
func importers(kind string) []string {
	switch kind {
	case "posts", "people":
		return []string{RoleHR, RoleAdmin}
	case "clearances":
		return []string{RoleVettingUnit, RoleAdmin}
	}
	return []string{RolePSD, RoleAdmin}
}

// auth authenticates the caller (caller) and lets the roles listed
// through; any other role is refused 403.
func (a *API) auth(h handler, roles ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, ok := a.caller(w, r)
		if !ok {
			return
		}
		p := &principal{Token: t, remote: remoteAddr(r)}
		if !contains(roles, t.Role) {
			writeError(w, http.StatusForbidden, fmt.Sprintf("the %s role may not do this", t.Role))
			return
		}
		h(w, r, p)
	})
}

// caller authenticates an API request by its bearer token or, with none,
// by the web session made from one (SPEC §7). A request that changes
// something by the session must carry the session's CSRF token in
// X-CSRF-Token, which only vettingd's own pages know. It answers the
// request itself, and returns false, when it refuses it.
func (a *API) caller(w http.ResponseWriter, r *http.Request) (store.Token, bool) {
	if !hasBearer(r) { // none, or another scheme a proxy passed on: the session, if any
		if c, err := r.Cookie(sessionCookie); err == nil {
			t, csrf, err := a.Store.Session(r.Context(), c.Value, a.today())
			switch {
			case err == nil:
				safe := r.Method == http.MethodGet || r.Method == http.MethodHead
				if !safe && subtle.ConstantTimeCompare([]byte(r.Header.Get("X-CSRF-Token")), []byte(csrf)) != 1 {
					writeError(w, http.StatusForbidden, "a request that changes something by the web session must carry the session's CSRF token in X-CSRF-Token")
					return t, false
				}
				return t, true
			case !errors.Is(err, store.ErrNotFound):
				a.fail(w, r, err)
				return t, false
			}
		}
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" { // the scheme is case-insensitive (RFC 9110)
		w.Header().Set("WWW-Authenticate", `Bearer realm="vettingd"`)
		writeError(w, http.StatusUnauthorized, "a bearer token (or a web session) is required")
		return store.Token{}, false
	}
	t, err := a.Store.TokenByHash(r.Context(), store.HashToken(strings.TrimSpace(token)), a.today())
	if errors.Is(err, store.ErrNotFound) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vettingd", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "the token is not valid (unknown or revoked)")
		return t, false
	}
	if err != nil {
		a.fail(w, r, err)
		return t, false
	}
	return t, true
}

// hasBearer reports whether the request carries a bearer token, the
// scheme case-insensitive (RFC 9110).
func hasBearer(r *http.Request) bool {
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.EqualFold(scheme, "Bearer")
}

func remoteAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// apiError is the body of every error (SPEC §7).
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{msg})
}

// fail answers 500 for an unexpected error, logging it; the client gets no detail.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	a.Log.Error("API request failed", "method", r.Method, "path", r.URL.Path, slog.Any("error", err))
	writeError(w, http.StatusInternalServerError, "internal error; it has been logged")
}

// decodeJSON reads one JSON object of at most maxJSON bytes into v; it
// answers 413 or 400 itself and returns false when the body will not do.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSON))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", maxJSON))
		return false
	case err != nil:
		writeError(w, http.StatusBadRequest, "the body is not a valid JSON object: "+err.Error())
		return false
	}
	return true
}

func (a *API) today() civil.Date { return a.Today() }

// audit records a read of people's records.
func (a *API) audit(ctx context.Context, p *principal, action, entity, id string, detail any) error {
	return a.Store.AuditEvent(ctx, p.actor(), action, entity, id, detail)
}
