package server

import (
	"errors"
	"net/http"
	"strings"

	"vettingd/notify"
	"vettingd/report"
	"vettingd/store"
)

// bar is one bar of a server-rendered SVG chart.
type bar struct {
	Label string
	Count int
	Width int // pixels
}

// listed is the first reviews of a list, and how many there are.
type listed struct {
	Rows  []row
	Total int
}

type dashboardData struct {
	R               *report.ComplianceReport
	ByKind, ByDept  []bar
	Gaps, Triggered listed
}

// listLimit is how many reviews a dashboard list shows.
const listLimit = 50

var errEnough = errors.New("enough")

// dashboard is the vetting unit's view: overdue by kind and department,
// open gaps, triggered reviews, and the compliance report's figures.
func (a *API) dashboard(w http.ResponseWriter, r *http.Request, s *session) {
	rep, err := report.Compliance(r.Context(), a.Store, a.Policy, a.today())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d := dashboardData{R: rep}
	d.ByKind, d.ByDept = overdueBars(rep, "kind:", notify.KindTitle), overdueBars(rep, "department:", func(s string) string { return s })
	for _, l := range []struct {
		kind string
		dst  *listed
	}{{"vetting_gap", &d.Gaps}, {"vetting_review", &d.Triggered}} {
		if *l.dst, err = a.firstReviews(r, s, l.kind); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	if err := a.audit(r.Context(), &s.principal, "report_read", "report", "dashboard", map[string]any{"as_of": a.today()}); err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, http.StatusOK, "dashboard.html", s, view{Title: "Dashboard", Data: d})
}

// overdueBars turns the report's overdue figures with this key prefix into bars.
func overdueBars(rep *report.ComplianceReport, prefix string, label func(string) string) []bar {
	var out []bar
	most := 0
	for _, f := range rep.OverdueReviews.Figures {
		if name, ok := strings.CutPrefix(f.Key, prefix); ok && f.Count > 0 {
			out = append(out, bar{Label: label(name), Count: f.Count})
			most = max(most, f.Count)
		}
	}
	for i := range out {
		out[i].Width = max(1, 320*out[i].Count/most)
	}
	return out
}

// firstReviews lists the first open reviews of a kind the principal may see.
func (a *API) firstReviews(r *http.Request, s *session, kind string) (listed, error) {
	f := store.ReviewFilter{Kind: kind, AsOf: a.today()}
	scope(&f, &s.principal)
	var rs []store.Review
	total := 0
	err := a.Store.EachReview(r.Context(), f, func(rv store.Review) error {
		total++
		if len(rs) < listLimit {
			rs = append(rs, rv)
		}
		return nil
	})
	if err != nil {
		return listed{}, err
	}
	rows, err := a.rows(r.Context(), rs, s, "/dashboard")
	return listed{Rows: rows, Total: total}, err
}
