package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"vettingd/store/storetest"
)

func TestComplianceReportOverTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		f := newAPI(t, dbURL)
		const path = "/api/v1/reports/compliance"
		if code, _ := f.do(t, "", "GET", path, ""); code != http.StatusUnauthorized {
			t.Errorf("without a token: %d, want 401", code)
		}
		for role, want := range map[string]int{"admin": 200, "vetting_unit": 200, "psd": 200, "hr": 403, "supervisor": 403} {
			if code, body := f.do(t, role, "GET", path, ""); code != want {
				t.Errorf("GET %s as %s: %d, want %d (%.200s)", path, role, code, want, body)
			}
		}
		code, body := f.do(t, "vetting_unit", "GET", path, "")
		if code != http.StatusOK {
			t.Fatalf("%d %s", code, body)
		}
		// The same report as the command line prints, as of the same day.
		cli := run(t, map[string]string{"VETTINGD_DATABASE_URL": dbURL}, "report", "compliance", "--format", "json", "--as-of", "2026-11-02")
		var fromAPI, fromCLI map[string]any
		if err := json.Unmarshal([]byte(body), &fromAPI); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(cli), &fromCLI); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fromAPI, fromCLI) {
			t.Errorf("the API and the command line disagree:\nAPI %s\nCLI %s", body, cli)
		}
		// Six people in post with no clearance; E4's report awaits PSD's assessment.
		var rep struct {
			AsOf   string  `json:"as_of"`
			Rec13  section `json:"rec13_vetting_levels"`
			Rec15  section `json:"rec15_circumstances"`
			Leaver section `json:"leavers_during_vetting_review"`
		}
		if err := json.Unmarshal([]byte(body), &rep); err != nil {
			t.Fatal(err)
		}
		if got := rep.Rec13.count("required_levels_not_satisfied"); rep.AsOf != "2026-11-02" || got != "6 of 6: E1 E2 E3 E4 E5 E6" {
			t.Errorf("as of %s, required levels not satisfied: %s", rep.AsOf, got)
		}
		if got := rep.Rec15.count("awaiting_assessment"); got != "1 of 1: E4" {
			t.Errorf("awaiting assessment: %s", got)
		}
		// Each read is audited, naming the report and who read it.
		reads := storetest.Query(t, dbURL, `SELECT entity || ' ' || entity_id || ' ' || actor FROM audit_log WHERE action = 'report_read' ORDER BY id`)
		if len(reads) != 4 || !strings.HasPrefix(reads[3], "report compliance api:token") || !strings.Contains(reads[3], "(vetting_unit)") {
			t.Errorf("audited reads: %q, want 4 of report compliance", reads)
		}
	})
}

type section struct {
	Figures []struct {
		Key         string `json:"key"`
		Count       int    `json:"count"`
		Denominator *int   `json:"denominator"`
		Items       []struct {
			ID string `json:"id"`
		} `json:"items"`
	} `json:"figures"`
}

// count writes a figure as "COUNT of DENOMINATOR: IDS".
func (s section) count(key string) string {
	for _, f := range s.Figures {
		if f.Key != key {
			continue
		}
		var ids []string
		for _, it := range f.Items {
			ids = append(ids, it.ID)
		}
		of := "-"
		if f.Denominator != nil {
			of = strconv.Itoa(*f.Denominator)
		}
		return fmt.Sprintf("%d of %s: %s", f.Count, of, strings.Join(ids, " "))
	}
	return "no figure " + key
}
