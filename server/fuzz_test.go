package server_test

import (
	"net/http"
	"strings"
	"testing"

	"vettingd/store/storetest"
)

// FuzzEventJSON posts arbitrary bodies to an event endpoint: the answer is
// always one of the statuses of SPEC §7 for bad input or success, never a
// server error, and always JSON with an error when refused.
func FuzzEventJSON(f *testing.F) {
	f.Add(`{"case_ref": "M1", "employee_id": "E3", "outcome": "written_warning", "concluded_on": "2026-11-01"}`)
	f.Add(`{"case_ref": 1, "employee_id": true, "outcome": null, "concluded_on": [1]}`)
	f.Add(`{"case_ref": "M1\u0000", "employee_id": "E3\n", "outcome": "written_warning", "concluded_on": "2026-02-29"}`)
	f.Add(`{"case_ref": "a,\"b", "employee_id": "E3", "outcome": "dismissal", "concluded_on": "2026-11-01"} {}`)
	f.Add(`{`)
	fx := newAPI(f, storetest.URL(f, "sqlite"))
	f.Fuzz(func(t *testing.T, body string) {
		code, resp := fx.do(t, "psd", "POST", "/api/v1/misconduct-outcomes", body)
		switch code {
		case http.StatusOK, http.StatusCreated:
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if !strings.Contains(resp, `"error"`) {
				t.Fatalf("%d without an error: %s", code, resp)
			}
		default:
			t.Fatalf("%d for %q: %s", code, body, resp)
		}
	})
}
