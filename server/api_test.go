package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/server"
	"vettingd/store"
	"vettingd/store/storetest"
)

// The force: E1 leads; E2 supervises E3 (who supervises E4); E5 supervises E6.
const team = `employee_id,given_name,family_name,email,slack_user_id,workforce_type,post_id,supervisor_id,start_date,last_integrity_review_on
E1,Ada,Lovelace,ada@force.police.uk,,officer,,,2001-04-02,2026-01-10
E2,Bob,Smith,bob@force.police.uk,,officer,,E1,2010-09-01,2026-01-10
E3,Cat,Jones,cat@force.police.uk,,staff,,E2,2015-02-28,2026-01-10
E4,Dan,Brown,dan@force.police.uk,,pcso,,E3,2020-02-29,2026-01-10
E5,Eve,White,eve@force.police.uk,,officer,,E1,2012-06-01,2026-01-10
E6,Fay,Green,fay@force.police.uk,,staff,,E5,2016-01-06,2026-01-10
`

// apiFixture is a force behind a running API, with a token per role.
type apiFixture struct {
	dbURL  string
	s      *store.Store
	srv    *httptest.Server
	tokens map[string]string // role (supervisor: bound to E2) → token
}

func newAPI(t testing.TB, dbURL string) *apiFixture {
	t.Helper()
	env := map[string]string{"VETTINGD_DATABASE_URL": dbURL}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run(t, env, "import", "people", write("people.csv", team), "--as-of", "2026-11-02")
	// A PSD assessment of E4 (in E2's line).
	run(t, env, "import", "circumstances", write("c.csv", "report_ref,employee_id,category,reported_on\nR1,E4,association,2026-11-01\n"), "--as-of", "2026-11-02")
	f := &apiFixture{dbURL: dbURL, tokens: map[string]string{}}
	for _, role := range []string{"admin", "vetting_unit", "psd", "hr", "supervisor"} {
		argv := []string{"token", "create", "--role", role, "--name", role + " test"}
		if role == "supervisor" {
			argv = append(argv, "--employee", "E2")
		}
		f.tokens[role] = strings.TrimSpace(run(t, env, argv...))
	}
	s, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f.s = s
	today := func() civil.Date { return civil.MustParse("2026-11-02") }
	api := &server.API{Store: s, Planner: &scheduler.Planner{Store: s, Policy: policy.Default()}, Policy: policy.Default(),
		Today: today, Log: slog.New(slog.DiscardHandler)}
	f.srv = httptest.NewServer(server.New(server.Options{API: api}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *apiFixture) do(t *testing.T, role, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[role])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// reviewID finds the open review of a kind for a person.
func (f *apiFixture) reviewID(t *testing.T, kind, employee string) int64 {
	t.Helper()
	var id int64
	if err := f.s.DB().Get(&id, f.s.DB().Rebind(`SELECT id FROM reviews WHERE kind = ? AND employee_id = ? AND status IN ('open', 'acknowledged')`), kind, employee); err != nil {
		t.Fatalf("%s of %s: %v", kind, employee, err)
	}
	return id
}

func TestAuthorizationMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		own := f.reviewID(t, "integrity_review", "E4")   // assigned to E3, in E2's line
		other := f.reviewID(t, "integrity_review", "E6") // assigned to E5, not in E2's line
		psd := f.reviewID(t, "circumstances_assessment", "E4")
		gap := f.reviewID(t, "vetting_gap", "E4") // the supervisor is told of it, but it is the vetting unit's
		roles := []string{"admin", "vetting_unit", "psd", "hr", "supervisor"}
		// An invalid outcome answers 400 once past authorization, and changes nothing.
		bogus := `{"outcome": "bogus", "by": "E1"}`
		supBogus := `{"outcome": "bogus"}`
		rows := []struct {
			method, path, body string
			want               map[string]int // by role; absent roles are 403
		}{
			{"GET", "/api/v1/reviews", "", map[string]int{"admin": 200, "vetting_unit": 200, "psd": 200, "supervisor": 200}},
			{"POST", fmt.Sprintf("/api/v1/reviews/%d/complete", own), bogus, map[string]int{"admin": 400, "vetting_unit": 400, "supervisor": 400}},
			{"POST", fmt.Sprintf("/api/v1/reviews/%d/complete", other), bogus, map[string]int{"admin": 400, "vetting_unit": 400}},
			{"POST", fmt.Sprintf("/api/v1/reviews/%d/complete", psd), bogus, map[string]int{"admin": 400, "vetting_unit": 400, "psd": 400}},
			{"POST", fmt.Sprintf("/api/v1/reviews/%d/acknowledge", other), `{"by": "nobody"}`, map[string]int{"admin": 400, "vetting_unit": 400}},
			{"POST", fmt.Sprintf("/api/v1/reviews/%d/complete", gap), bogus, map[string]int{"admin": 400, "vetting_unit": 400}},
			{"POST", "/api/v1/reviews/999999/acknowledge", "", map[string]int{"admin": 404, "vetting_unit": 404, "psd": 404, "supervisor": 404}},
			{"POST", "/api/v1/imports/posts?dry_run=true", "post_id,title,required_levels\nP1,Constable,RV\n", map[string]int{"admin": 200, "hr": 200}},
			{"POST", "/api/v1/imports/clearances?dry_run=true", "clearance_ref,employee_id,level,decision,decided_on\nC1,E3,RV,granted,2026-10-01\n", map[string]int{"admin": 200, "vetting_unit": 200}},
			{"POST", "/api/v1/imports/misconduct?dry_run=true", "case_ref,employee_id,outcome,concluded_on\nM1,E3,management_advice,2026-10-01\n", map[string]int{"admin": 200, "psd": 200}},
			{"POST", "/api/v1/imports/adverse?dry_run=true", "intel_ref,employee_id,source,received_on\nI1,E3,pnd,2026-10-01\n", map[string]int{"admin": 200, "psd": 200}},
			{"POST", "/api/v1/misconduct-outcomes", `{"case_ref": "M-%s", "employee_id": "E3", "outcome": "management_advice", "concluded_on": "2026-10-01"}`, map[string]int{"admin": 201, "psd": 201}},
			{"POST", "/api/v1/circumstances", `{"report_ref": "R-%s", "employee_id": "E3", "category": "address", "reported_on": "2026-10-01"}`, map[string]int{"admin": 201, "psd": 201}},
			{"POST", "/api/v1/adverse", `{"intel_ref": "I-%s", "employee_id": "E3", "source": "pnd", "received_on": "2026-10-01"}`, map[string]int{"admin": 201, "psd": 201}},
			{"POST", "/api/v1/interests", `{"interest_ref": "B-%s", "employee_id": "E3", "decision": "refused", "decided_on": "2026-10-01"}`, map[string]int{"admin": 201, "psd": 201}},
			{"POST", "/api/v1/associations", `{"association_ref": "A-%s", "employee_id": "E3", "declared_on": "2026-10-01"}`, map[string]int{"admin": 201, "psd": 201}},
			{"POST", "/api/v1/clearances", `{"clearance_ref": "C-%s", "employee_id": "E3", "level": "RV", "decision": "granted", "decided_on": "2026-10-01"}`, map[string]int{"admin": 201, "vetting_unit": 201}},
		}
		for _, row := range rows {
			if code, _ := f.do(t, "", row.method, row.path, row.body); code != http.StatusUnauthorized {
				t.Errorf("%s %s without a token: %d, want 401", row.method, row.path, code)
			}
			for _, role := range roles {
				body := row.body
				if strings.Contains(body, "%s") {
					body = fmt.Sprintf(body, role)
				}
				if role == "supervisor" && body == bogus {
					body = supBogus
				}
				want, ok := row.want[role]
				if !ok {
					want = http.StatusForbidden
				}
				if code, resp := f.do(t, role, row.method, row.path, body); code != want {
					t.Errorf("%s %s as %s: %d, want %d (%s)", row.method, row.path, role, code, want, resp)
				}
			}
		}
		for _, id := range []int64{own, other, psd, gap} {
			if rv, _ := f.s.Review(context.Background(), id); rv.Status != "open" {
				t.Errorf("review %d is %s after refused requests", id, rv.Status)
			}
		}
	})
}

func TestSupervisorSeesOnlyTheirLine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		code, body := f.do(t, "supervisor", "GET", "/api/v1/reviews?status=all", "")
		if code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		var rs []map[string]any
		if err := json.Unmarshal([]byte(body), &rs); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range rs {
			seen[r["employee_id"].(string)] = true
			if r["kind"] == "circumstances_assessment" {
				t.Errorf("a supervisor saw PSD's assessment: %v", r)
			}
		}
		if !seen["E3"] || !seen["E4"] || seen["E1"] || seen["E2"] || seen["E5"] || seen["E6"] {
			t.Errorf("E2 saw the reviews of %v; want E3 and E4 (direct and indirect reports) only", seen)
		}
		// Acknowledging one in the line works, as E2; the audit names the token and where it came from.
		own := f.reviewID(t, "integrity_review", "E4")
		code, body = f.do(t, "supervisor", "POST", fmt.Sprintf("/api/v1/reviews/%d/acknowledge", own), "")
		if code != 200 || !strings.Contains(body, `"acknowledged_by":"E2"`) || !strings.Contains(body, `"status":"acknowledged"`) {
			t.Fatalf("acknowledge: %d %s", code, body)
		}
		if code, body = f.do(t, "supervisor", "POST", fmt.Sprintf("/api/v1/reviews/%d/acknowledge", own), ""); code != http.StatusConflict {
			t.Errorf("second acknowledge: %d %s, want 409", code, body)
		}
		// Bad input is a 400 whose message is the API's own: no flag names,
		// no internal prefixes. Nobody completes a review before its person started.
		for _, c := range []struct{ body, want string }{
			{`{"outcome": "bogus"}`, `{"error":"the outcome of this review (integrity_review) must be satisfactory or concerns"}`},
			{`{"outcome": "satisfactory", "on": "1990-01-01"}`, `{"error":"a review of E4 cannot be completed on 1990-01-01, before they started (2020-02-29)"}`},
		} {
			if code, body = f.do(t, "supervisor", "POST", fmt.Sprintf("/api/v1/reviews/%d/complete", own), c.body); code != http.StatusBadRequest || strings.TrimSpace(body) != c.want {
				t.Errorf("complete with %s: %d %s, want 400 %s", c.body, code, body, c.want)
			}
		}
		code, body = f.do(t, "supervisor", "POST", fmt.Sprintf("/api/v1/reviews/%d/complete", own), `{"outcome": "satisfactory", "on": "2026-11-02"}`)
		if code != 200 || !strings.Contains(body, `"status":"completed"`) {
			t.Fatalf("complete: %d %s", code, body)
		}
		if code, _ = f.do(t, "supervisor", "POST", fmt.Sprintf("/api/v1/reviews/%d/complete", own), `{"outcome": "satisfactory"}`); code != http.StatusConflict {
			t.Errorf("completing a completed review: %d, want 409", code)
		}
		actors := storetest.Query(t, dbURL, `SELECT actor FROM audit_log WHERE action IN ('review_acknowledged', 'reviews_read') ORDER BY id`)
		if len(actors) < 2 || !strings.Contains(actors[0], "supervisor E2) from 127.0.0.1") {
			t.Errorf("audit actors %v", actors)
		}
	})
}

// A token bound to a member of the vetting unit acknowledges as them, with
// no body (SPEC §6: --employee for any role; §7: the body has no "by");
// and a mitigation plan's owner, who does not supervise its person, sees
// and acts on the review assigned to them, and nothing else of that person.
func TestUnitMembersAndOwnersActAsThemselves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		env := map[string]string{"VETTINGD_DATABASE_URL": dbURL}
		f.tokens["vu:E1"] = strings.TrimSpace(run(t, env, "token", "create", "--role", "vetting_unit", "--employee", "E1"))
		f.tokens["owner:E6"] = strings.TrimSpace(run(t, env, "token", "create", "--role", "supervisor", "--employee", "E6"))
		e6 := f.reviewID(t, "integrity_review", "E6")
		code, body := f.do(t, "vu:E1", "POST", fmt.Sprintf("/api/v1/reviews/%d/acknowledge", e6), "")
		if code != 200 || !strings.Contains(body, `"acknowledged_by":"E1"`) {
			t.Errorf("a unit member's acknowledgement: %d %s", code, body)
		}
		// A clearance granted with conditions, owned by E6, for E4 (in E2's line, not E6's).
		code, body = f.do(t, "vetting_unit", "POST", "/api/v1/clearances",
			`{"clearance_ref":"C9","employee_id":"E4","level":"RV","decision":"granted_with_conditions","decided_on":"2026-05-10","mitigation_owner_id":"E6"}`)
		if code != 200 && code != 201 {
			t.Fatalf("clearance: %d %s", code, body)
		}
		// Nobody owns their own plan.
		code, body = f.do(t, "vetting_unit", "POST", "/api/v1/clearances",
			`{"clearance_ref":"C8","employee_id":"E6","level":"RV","decision":"granted_with_conditions","decided_on":"2026-05-10","mitigation_owner_id":"E6"}`)
		if code != http.StatusBadRequest || !strings.Contains(body, "someone else must own the plan") {
			t.Errorf("a clearance whose subject owns its plan: %d %s", code, body)
		}
		mitigation := f.reviewID(t, "mitigation_review", "E4")
		code, body = f.do(t, "owner:E6", "GET", "/api/v1/reviews?kind=mitigation_review", "")
		if code != 200 || !strings.Contains(body, fmt.Sprintf(`"id":%d,`, mitigation)) {
			t.Errorf("the owner's list: %d %s", code, body)
		}
		code, body = f.do(t, "owner:E6", "POST", fmt.Sprintf("/api/v1/reviews/%d/acknowledge", mitigation), "")
		if code != 200 || !strings.Contains(body, `"acknowledged_by":"E6"`) {
			t.Errorf("the owner's acknowledgement: %d %s", code, body)
		}
		if code, body = f.do(t, "owner:E6", "POST", fmt.Sprintf("/api/v1/reviews/%d/acknowledge", f.reviewID(t, "integrity_review", "E4")), ""); code != http.StatusForbidden {
			t.Errorf("the owner acknowledged another review of E4: %d %s, want 403", code, body)
		}
		code, body = f.do(t, "owner:E6", "GET", "/api/v1/reviews?employee_id=E4&status=all", "")
		if code != 200 || strings.Contains(body, `"kind":"integrity_review"`) {
			t.Errorf("the owner's list of E4's reviews: %d %s", code, body)
		}
		// Were the plan's owner E4 itself (written by hand: an import refuses
		// it), E4's token would still neither see nor act on it.
		if _, err := f.s.DB().Exec(f.s.DB().Rebind(`UPDATE reviews SET assignee_id = 'E4' WHERE id = ?`), mitigation); err != nil {
			t.Fatal(err)
		}
		f.tokens["self:E4"] = strings.TrimSpace(run(t, env, "token", "create", "--role", "supervisor", "--employee", "E4"))
		if code, body = f.do(t, "self:E4", "POST", fmt.Sprintf("/api/v1/reviews/%d/complete", mitigation), `{"outcome":"done"}`); code != http.StatusForbidden {
			t.Errorf("the subject completing their own risk review: %d %s, want 403", code, body)
		}
		if code, body = f.do(t, "self:E4", "GET", "/api/v1/reviews?kind=mitigation_review", ""); code != 200 || strings.Contains(body, fmt.Sprintf(`"id":%d,`, mitigation)) {
			t.Errorf("the subject's own list: %d %s", code, body)
		}
	})
}

// A wrong method on an endpoint that exists is a 405 naming the methods it
// takes; a path that does not exist is a 404. Both answer JSON.
func TestAWrongMethodIsNotANoSuchEndpoint(t *testing.T) {
	f := newAPI(t, storetest.URL(t, "sqlite"))
	for _, c := range []struct {
		method, path string
		code         int
		allow        string
	}{
		{"GET", "/api/v1/adverse", http.StatusMethodNotAllowed, "POST"},
		{"GET", "/api/v1/reviews/1/acknowledge", http.StatusMethodNotAllowed, "POST"},
		{"DELETE", "/api/v1/reviews", http.StatusMethodNotAllowed, "GET"},
		{"GET", "/api/v1/nothing-here", http.StatusNotFound, ""},
	} {
		req, _ := http.NewRequest(c.method, f.srv.URL+c.path, nil)
		req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Error string }
		err = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != c.code || resp.Header.Get("Allow") != c.allow || err != nil || e.Error == "" {
			t.Errorf("%s %s: %d Allow %q %+v (%v), want %d Allow %q with a JSON error", c.method, c.path, resp.StatusCode, resp.Header.Get("Allow"), e, err, c.code, c.allow)
		}
	}
}

// overdue=true keeps the overdue reviews, overdue=false the others, and no
// overdue both.
func TestTheOverdueFilterTakesBothValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		late := f.reviewID(t, "integrity_review", "E6")
		if _, err := f.s.DB().Exec(f.s.DB().Rebind(`UPDATE reviews SET due_on = ? WHERE id = ?`), "2026-10-01", late); err != nil {
			t.Fatal(err)
		}
		ids := func(query string) map[float64]bool {
			t.Helper()
			code, body := f.do(t, "admin", "GET", "/api/v1/reviews"+query, "")
			var rs []map[string]any
			if err := json.Unmarshal([]byte(body), &rs); code != 200 || err != nil {
				t.Fatalf("%s: %d %s", query, code, body)
			}
			out := map[float64]bool{}
			for _, r := range rs {
				out[r["id"].(float64)] = true
			}
			return out
		}
		all, overdue, others := ids(""), ids("?overdue=true"), ids("?overdue=false")
		if len(overdue) != 1 || !overdue[float64(late)] {
			t.Errorf("overdue=true: %v, want only %d", overdue, late)
		}
		if others[float64(late)] || len(others) != len(all)-1 {
			t.Errorf("overdue=false: %d of %d reviews, the overdue one among them: %v", len(others), len(all), others[float64(late)])
		}
	})
}

func TestEventPostOpensTheReviewAndOwesTheMessageAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		start := time.Now()
		code, body := f.do(t, "psd", "POST", "/api/v1/misconduct-outcomes",
			`{"case_ref": "PSD-2026-17", "employee_id": "E3", "outcome": "written_warning", "concluded_on": "2026-11-01"}`)
		elapsed := time.Since(start)
		if code != http.StatusCreated || !strings.Contains(body, `"created":1`) {
			t.Fatalf("%d %s", code, body)
		}
		t.Logf("POST → review and outbox row: %s", elapsed)
		id := f.reviewID(t, "vetting_review", "E3")
		rv, _ := f.s.Review(context.Background(), id)
		if rv.SourceRef != "PSD-2026-17" || rv.DueOn.String() != "2026-11-29" || rv.AssigneeRole != "vetting_unit" {
			t.Errorf("review %+v", rv)
		}
		owed := storetest.Query(t, dbURL, `SELECT event || ' ' || recipient_role FROM notifications WHERE review_id = $1`, id)
		if len(owed) != 1 || owed[0] != "urgent vetting_unit" {
			t.Errorf("outbox for the review: %v, want the VU's urgent item", owed)
		}
		// The same record again changes nothing.
		if code, body = f.do(t, "psd", "POST", "/api/v1/misconduct-outcomes",
			`{"case_ref": "PSD-2026-17", "employee_id": "E3", "outcome": "written_warning", "concluded_on": "2026-11-01"}`); code != http.StatusOK {
			t.Errorf("repeat: %d %s", code, body)
		}
	})
}

func TestBadInputIsRefusedAndStoresNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		before := storetest.Dump(t, dbURL)
		big := `{"case_ref": "` + strings.Repeat("x", 70<<10) + `", "employee_id": "E3", "outcome": "written_warning", "concluded_on": "2026-11-01"}`
		cases := []struct {
			path, body string
			want       int
			says       string
		}{
			{"/api/v1/misconduct-outcomes", `{"case_ref": "M1", "employee_id": `, 400, "not a valid JSON object"},
			{"/api/v1/misconduct-outcomes", `[1, 2]`, 400, "not a valid JSON object"},
			{"/api/v1/misconduct-outcomes", big, 413, "larger than"},
			{"/api/v1/misconduct-outcomes", `{"case_ref": "M1", "employee_id": "E9", "outcome": "written_warning", "concluded_on": "2026-11-01"}`, 400, "E9"},
			{"/api/v1/misconduct-outcomes", `{"case_ref": "M1", "employee_id": "E3", "outcome": "sacked", "concluded_on": "2026-13-01"}`, 400, "outcome"},
			{"/api/v1/misconduct-outcomes", `{"case_ref": "M1", "employee_id": "E3", "outcome": "written_warning", "concluded_on": "2026-11-01", "notes": "x"}`, 400, "unknown field"},
			{"/api/v1/misconduct-outcomes", `{"case_ref": "M1", "employee_id": "E3", "outcome": "written_warning"}`, 400, `field "concluded_on" is required`},
			{"/api/v1/clearances", `{"clearance_ref": "C1", "employee_id": "E3", "level": "RV", "decision": "granted_with_conditions", "decided_on": "2026-10-01"}`, 403, ""},
			{"/api/v1/misconduct-outcomes", `{"case_ref": "x'); DROP TABLE reviews; --", "employee_id": "E3' OR '1'='1", "outcome": "written_warning", "concluded_on": "2026-11-01"}`, 400, "no such person"},
		}
		for _, c := range cases {
			code, body := f.do(t, "psd", "POST", c.path, c.body)
			var e map[string]string
			if code != c.want || json.Unmarshal([]byte(body), &e) != nil || !strings.Contains(e["error"], c.says) {
				t.Errorf("POST %s %.60s: %d %s, want %d with %q", c.path, c.body, code, body, c.want, c.says)
			}
		}
		code, body := f.do(t, "hr", "POST", "/api/v1/imports/people", "employee_id,given_name\nE1,Ada\n")
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `"errors"`) {
			t.Errorf("rejected import: %d %s", code, body)
		}
		// Reads are audited, so compare the records, not the audit log.
		if after := storetest.Dump(t, dbURL); strings.Split(after, "audit_log")[0] != strings.Split(before, "audit_log")[0] {
			t.Errorf("refused requests changed the database")
		}
	})
}

func TestRevokedTokenIsRefusedAndTokensAreStoredHashed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		tok := f.tokens["vetting_unit"]
		if got := storetest.Query(t, dbURL, `SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1`, tok); got[0] != "0" {
			t.Fatal("a token is stored in the clear")
		}
		if got := storetest.Query(t, dbURL, `SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1`, store.HashToken(tok)); got[0] != "1" {
			t.Fatal("the token's hash is not stored")
		}
		var id int64
		if err := f.s.DB().Get(&id, f.s.DB().Rebind(`SELECT id FROM api_tokens WHERE token_hash = ?`), store.HashToken(tok)); err != nil {
			t.Fatal(err)
		}
		if err := f.s.RevokeToken(context.Background(), id, "test"); err != nil {
			t.Fatal(err)
		}
		if code, _ := f.do(t, "vetting_unit", "GET", "/api/v1/reviews", ""); code != http.StatusUnauthorized {
			t.Errorf("revoked token: %d, want 401", code)
		}
	})
}

// A person's token, and the web session made from it, stop working when
// HR records that they have left; the Bearer scheme is case-insensitive.
func TestALeaversTokenStopsWorking(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		cookie, _ := f.signIn(t, "supervisor") // E2's
		req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/reviews", nil)
		req.Header.Set("Authorization", "bearer "+f.tokens["supervisor"])
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
			t.Fatalf("lower-case bearer: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
		// E2 leaves on 2026-11-02 (the API's today); E3 now reports to E1.
		var b strings.Builder
		for i, line := range strings.Split(strings.TrimSpace(team), "\n") {
			switch {
			case i == 0:
				line += ",end_date"
			case strings.HasPrefix(line, "E2,"):
				line += ",2026-11-02"
			case strings.HasPrefix(line, "E3,"):
				line = strings.Replace(line, ",E2,", ",E1,", 1) + ","
			default:
				line += ","
			}
			b.WriteString(line + "\n")
		}
		left := b.String()
		p := filepath.Join(t.TempDir(), "people.csv")
		if err := os.WriteFile(p, []byte(left), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, map[string]string{"VETTINGD_DATABASE_URL": dbURL}, "import", "people", p, "--as-of", "2026-11-02")
		if code, body := f.do(t, "supervisor", "GET", "/api/v1/reviews", ""); code != http.StatusUnauthorized {
			t.Errorf("a leaver's token: %d %s, want 401", code, body)
		}
		if code, loc, _ := f.page(t, "GET", "/inbox", cookie, nil); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Errorf("a leaver's web session: %d to %q, want a redirect to sign in", code, loc)
		}
		if code, _ := f.do(t, "vetting_unit", "GET", "/api/v1/reviews", ""); code != 200 {
			t.Errorf("a unit's token (no person's): %d", code)
		}
	})
}
