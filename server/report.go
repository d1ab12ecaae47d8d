package server

import (
	"net/http"

	"vettingd/report"
)

// complianceReport answers GET /api/v1/reports/compliance with the report
// of SPEC §8 as of today, as `report compliance --format json` prints it.
// It names people, so the read is audited before it is sent.
func (a *API) complianceReport(w http.ResponseWriter, r *http.Request, p *principal) {
	asOf := a.today()
	c, err := report.Compliance(r.Context(), a.Store, a.Policy, asOf)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.audit(r.Context(), p, "report_read", "report", "compliance", map[string]any{"as_of": asOf}); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
