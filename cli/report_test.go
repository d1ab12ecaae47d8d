package cli_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"vettingd/store/storetest"
)

// The compliance force, built over two years so that every figure of the
// report has a known answer as of 2026-11-02:
//
//	E1 Ada    officer P2 (designated, MV)  MV current; HR integrity review 2026-01-10; no supervisor
//	E2 Bob    officer P2 (designated, MV)  RV only: designated without MV, a gap since the first import;
//	          written warning M1 reviewed in time; criminal report R3 reviewed without assessment
//	E3 Cat    staff   P1 (RV)              RV with adverse information, owner E1, mitigation review done
//	          2026-10-01; interest B1 with its review overdue and E1 briefed; integrity review 2026-08-02
//	E4 Dan    pcso    P1 (RV)              RV expired 2026-01-01; written warning M2 reviewed late;
//	          report R1 assessed late; association A1 with conditions, E2 to be briefed
//	E5 Eve    officer P1 (RV)              final written warning M4 under review; report R2 awaiting
//	          assessment; refused interest B2; HR integrity review 2025-12-01
//	E6 Fay    staff   no post              RV with adverse information and no owner; report R4 assessed
//	          additional risk in time
//	E7 Gus    officer P1 (RV)              left 2026-10-15 during the vetting review of adverse record X1
const (
	compliancePosts = `post_id,title,department,required_levels,designated
P1,Response Constable,Response,RV,false
P2,Vetting Manager,Vetting Unit,MV,true
`
	compliancePeople = `employee_id,given_name,family_name,workforce_type,post_id,supervisor_id,start_date,last_integrity_review_on
E1,Ada,Lovelace,officer,P2,,2001-04-02,2026-01-10
E2,Bob,Smith,officer,P2,E1,2010-09-01,
E3,Cat,Jones,staff,P1,E1,2015-02-28,
E4,Dan,Brown,pcso,P1,E2,2020-02-29,
E5,Eve,White,officer,P1,E1,2018-06-01,2025-12-01
E6,Fay,Green,staff,,E1,2016-01-06,
`
	complianceLeaver     = "E7,Gus,Grey,officer,P1,E1,2012-03-01,\n"
	complianceClearances = `clearance_ref,employee_id,level,decision,decided_on,expires_on,adverse_info,mitigation_owner_id,mitigation_review_months
C1,E1,MV,granted,2024-01-01,,false,,
C2,E2,RV,granted,2020-01-01,,false,,
C3,E3,RV,granted,2022-01-01,,true,E1,6
C4,E4,RV,granted,2016-01-01,2026-01-01,false,,
C5,E5,RV,granted,2021-05-01,,false,,
C6,E6,RV,granted,2023-06-01,,true,,
C7,E7,RV,granted,2019-01-01,,false,,
`
	complianceMisconduct = `case_ref,employee_id,outcome,concluded_on
M1,E2,written_warning,2026-09-01
M2,E4,written_warning,2026-08-01
M3,E3,management_advice,2026-09-01
M4,E5,final_written_warning,2026-10-20
`
	complianceCircumstances = `report_ref,employee_id,category,reported_on,assessment,assessed_on
R1,E4,address,2026-06-01,no_additional_risk,2026-06-30
R2,E5,finances,2026-10-25,,
R3,E2,criminal,2026-10-01,,
R4,E6,relationship,2026-05-01,additional_risk,2026-05-10
`
)

// complete completes the open review of a kind and source for a person.
func complete(t *testing.T, dbURL, asOf, employee, kind, source string, argv ...string) {
	t.Helper()
	r := find(t, reviews(t, dbURL, "--as-of", asOf, "--employee", employee, "--kind", kind), employee, kind, source)
	must(t, dbURL, append([]string{"reviews", "complete", strconv.FormatInt(r.ID, 10), "--as-of", asOf}, argv...)...)
}

// complianceForce builds the force above through the command line.
func complianceForce(t *testing.T, dbURL string) {
	t.Helper()
	imp := func(asOf, kind, body string, extra ...string) {
		t.Helper()
		must(t, dbURL, append([]string{"import", kind, write(t, kind+".csv", body), "--as-of", asOf}, extra...)...)
	}
	imp("2025-01-06", "posts", compliancePosts)
	imp("2025-01-06", "people", compliancePeople+complianceLeaver)
	imp("2025-01-06", "clearances", complianceClearances)
	imp("2025-02-01", "interests", "interest_ref,employee_id,decision,decided_on\nB1,E3,approved,2024-03-01\n")
	complete(t, dbURL, "2025-02-10", "E3", "supervisor_briefing", "B1", "--by", "E1")
	complete(t, dbURL, "2026-08-02", "E3", "integrity_review", "annual", "--by", "E1", "--outcome", "satisfactory")
	complete(t, dbURL, "2026-10-01", "E3", "mitigation_review", "C3", "--by", "E1")
	imp("2026-10-01", "adverse", "intel_ref,employee_id,source,received_on\nX1,E7,pnd,2026-10-01\n")
	imp("2026-10-15", "people", compliancePeople) // E7 leaves during the review of X1
	imp("2026-11-02", "misconduct", complianceMisconduct)
	complete(t, dbURL, "2026-11-02", "E2", "vetting_review", "M1", "--by", "E1", "--on", "2026-09-20")
	complete(t, dbURL, "2026-11-02", "E4", "vetting_review", "M2", "--by", "E1", "--on", "2026-09-15")
	imp("2026-11-02", "circumstances", complianceCircumstances)
	imp("2026-11-02", "associations", "association_ref,employee_id,declared_on,conditions\nA1,E4,2026-06-01,no contact while serving\n")
	imp("2026-11-02", "interests", "interest_ref,employee_id,decision,decided_on\nB2,E5,refused,2026-10-01\n")
	must(t, dbURL, "plan", "--as-of", "2026-11-02")
}

type reportItem struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Ref  string `json:"ref"`
	Note string `json:"note"`
}

type reportFigure struct {
	Key         string       `json:"key"`
	Label       string       `json:"label"`
	Unit        string       `json:"unit"`
	Count       int          `json:"count"`
	Denominator *int         `json:"denominator"`
	Percent     *float64     `json:"percent"`
	Items       []reportItem `json:"items"`
}

type reportSection struct {
	Key     string         `json:"key"`
	Title   string         `json:"title"`
	Figures []reportFigure `json:"figures"`
}

var sectionKeys = []string{"rec13_vetting_levels", "rec11_misconduct", "rec15_circumstances", "rec41_42_interests_associations",
	"rec43_integrity_reviews", "rec2_3_adverse_information", "expired_clearances", "overdue_reviews", "leavers_during_vetting_review"}

// compliance decodes the JSON report as of 2026-11-02 into its sections by key.
func compliance(t *testing.T, out string) map[string]reportSection {
	t.Helper()
	return complianceOn(t, out, "2026-11-02")
}

// complianceOn decodes the JSON report as of asOf into its sections by key.
func complianceOn(t *testing.T, out, asOf string) map[string]reportSection {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out)
	}
	if len(raw) != len(sectionKeys)+1 || string(raw["as_of"]) != `"`+asOf+`"` {
		t.Errorf("report keys: as_of %s, %d keys", raw["as_of"], len(raw))
	}
	sections := map[string]reportSection{}
	for _, k := range sectionKeys {
		var s reportSection
		if err := json.Unmarshal(raw[k], &s); err != nil || s.Key != k || s.Title == "" {
			t.Fatalf("section %s: %v %s", k, err, raw[k])
		}
		sections[k] = s
	}
	return sections
}

func (s reportSection) figure(t *testing.T, key string) reportFigure {
	t.Helper()
	for _, f := range s.Figures {
		if f.Key == key {
			return f
		}
	}
	t.Fatalf("section %s has no figure %s", s.Key, key)
	return reportFigure{}
}

// want is a figure's expected count, denominator (-1: none) and items,
// written "ID" or "ID/REF", space-separated.
type want struct {
	count, of int
	items     string
}

var complianceWant = map[string]map[string]want{
	"rec13_vetting_levels": {
		"posts_with_required_level":         {2, 2, "P1 P2"},
		"posts_without_required_level":      {0, 2, ""},
		"designated_posts":                  {1, 2, "P2"},
		"designated_postholders":            {2, -1, "E1 E2"},
		"designated_postholders_without_mv": {1, 2, "E2"},
		"post_levels_not_satisfied":         {2, 5, "E2 E4"},
		"required_levels_not_satisfied":     {2, 6, "E2 E4"},
	},
	"rec11_misconduct": {
		"qualifying_outcomes":              {3, -1, "E2/M1 E4/M2 E5/M4"},
		"vetting_review_opened":            {3, 3, "E2/M1 E4/M2 E5/M4"},
		"vetting_review_completed_in_time": {1, 3, "E2/M1"},
		"vetting_review_in_progress":       {1, 3, "E5/M4"},
		"vetting_review_late_or_missing":   {1, 3, "E4/M2"},
	},
	"rec15_circumstances": {
		"reports":                   {4, -1, "E2/R3 E4/R1 E5/R2 E6/R4"},
		"assessed_on_time":          {1, 3, "E6/R4"},
		"awaiting_assessment":       {1, 3, "E5/R2"},
		"assessed_late_or_overdue":  {1, 3, "E4/R1"},
		"needing_vetting_review":    {2, 4, "E2/R3 E6/R4"},
		"vetting_review_opened":     {2, 2, "E2/R3 E6/R4"},
		"vetting_review_not_opened": {0, 2, ""},
	},
	"rec41_42_interests_associations": {
		"interests_approved":              {1, -1, "E3/B1"},
		"interests_review_in_date":        {0, 1, ""},
		"interests_review_not_in_date":    {1, 1, "E3/B1"},
		"associations_with_conditions":    {1, -1, "E4/A1"},
		"associations_review_in_date":     {1, 1, "E4/A1"},
		"associations_review_not_in_date": {0, 1, ""},
		"briefings_owed":                  {2, -1, "E3/B1 E4/A1"},
		"supervisors_briefed":             {1, 2, "E3/B1"},
		"briefing_pending":                {1, 2, "E4/A1"},
		"briefing_overdue":                {0, 2, ""},
	},
	"rec43_integrity_reviews": {
		"integrity_review_in_period":     {3, 6, "E1 E3 E5"},
		"integrity_review_not_in_period": {3, 6, "E2 E4 E6"},
	},
	"rec2_3_adverse_information": {
		"adverse_info_clearances":       {2, 5, "E3/C3 E6/C6"},
		"with_named_owner":              {1, 2, "E3/C3"},
		"without_named_owner":           {1, 2, "E6/C6"},
		"mitigation_review_in_date":     {1, 2, "E3/C3"},
		"mitigation_review_not_in_date": {1, 2, "E6/C6"},
	},
	"expired_clearances": {
		"expired_clearances": {1, 6, "E4/C4"},
	},
	"overdue_reviews": {
		"overdue_reviews":                {10, 24, "E2/post:P2:MV E3/B1 E2/annual E4/annual E6/annual E6/C6 E4/C4 E6/R4 E4/post:P1:RV E2/R3"},
		"kind:integrity_review":          {3, 6, "E2/annual E4/annual E6/annual"},
		"kind:revetting":                 {1, 6, "E4/C4"},
		"kind:annual_appraisal":          {0, 0, ""},
		"kind:vetting_gap":               {2, 2, "E2/post:P2:MV E4/post:P1:RV"},
		"kind:vetting_review":            {2, 3, "E2/R3 E6/R4"},
		"kind:circumstances_assessment":  {0, 1, ""},
		"kind:interest_review":           {1, 1, "E3/B1"},
		"kind:interest_compliance_check": {0, 1, ""},
		"kind:association_review":        {0, 1, ""},
		"kind:supervisor_briefing":       {0, 1, ""},
		"kind:mitigation_review":         {1, 2, "E6/C6"},
		"kind:random_revetting":          {0, 0, ""},
		"department:(none)":              {3, 4, "E6/annual E6/C6 E6/R4"},
		"department:Response":            {4, 14, "E3/B1 E4/annual E4/C4 E4/post:P1:RV"},
		"department:Vetting Unit":        {3, 6, "E2/post:P2:MV E2/annual E2/R3"},
	},
	"leavers_during_vetting_review": {
		"leavers_during_vetting_review": {1, -1, "E7/X1"},
	},
}

// notes pins what the report says about some of the people behind its figures.
var complianceNotes = []struct{ section, figure, item, note string }{
	{"rec13_vetting_levels", "designated_postholders_without_mv", "E2", "post P2; holds RV"},
	{"rec13_vetting_levels", "required_levels_not_satisfied", "E4", "missing RV; post P1; no current clearance"},
	{"rec11_misconduct", "vetting_review_completed_in_time", "E2/M1", "review completed 2026-09-20"},
	{"rec11_misconduct", "vetting_review_late_or_missing", "E4/M2", "review completed 2026-09-15, after 2026-08-29"},
	{"rec11_misconduct", "vetting_review_in_progress", "E5/M4", "review open, due 2026-11-17; time allowed ends 2026-11-17"},
	{"rec15_circumstances", "assessed_late_or_overdue", "E4/R1", "no_additional_risk, assessed 2026-06-30, after 2026-06-15"},
	{"rec15_circumstances", "awaiting_assessment", "E5/R2", "awaiting assessment; due 2026-11-08"},
	{"rec41_42_interests_associations", "interests_review_not_in_date", "E3/B1", "review was due 2025-03-01"},
	{"rec41_42_interests_associations", "associations_review_in_date", "E4/A1", "next review due 2026-12-01"},
	{"rec41_42_interests_associations", "supervisors_briefed", "E3/B1", "supervisor E1 briefed"},
	{"rec41_42_interests_associations", "briefing_pending", "E4/A1", "supervisor E2 to be briefed by 2026-11-16"},
	{"rec43_integrity_reviews", "integrity_review_in_period", "E1", "recorded by HR 2026-01-10"},
	{"rec43_integrity_reviews", "integrity_review_in_period", "E3", "completed 2026-08-02"},
	{"rec43_integrity_reviews", "integrity_review_not_in_period", "E2", "none recorded"},
	{"rec2_3_adverse_information", "with_named_owner", "E3/C3", "owner E1"},
	{"rec2_3_adverse_information", "without_named_owner", "E6/C6", "no owner named"},
	{"rec2_3_adverse_information", "mitigation_review_in_date", "E3/C3", "next review due 2027-04-01"},
	{"rec2_3_adverse_information", "mitigation_review_not_in_date", "E6/C6", "review was due 2025-06-01"},
	{"expired_clearances", "expired_clearances", "E4/C4", "RV expired 2026-01-01"},
	{"leavers_during_vetting_review", "leavers_during_vetting_review", "E7/X1", "left 2026-10-15; X1 cancelled"},
}

func (it reportItem) token() string {
	if it.Ref == "" {
		return it.ID
	}
	return it.ID + "/" + it.Ref
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// checkCompliance asserts every figure of the report, and nothing more.
func checkCompliance(t *testing.T, sections map[string]reportSection) {
	t.Helper()
	for key, figures := range complianceWant {
		s := sections[key]
		if len(s.Figures) != len(figures) {
			t.Errorf("%s has %d figures, want %d", key, len(s.Figures), len(figures))
		}
		for fk, w := range figures {
			f := s.figure(t, fk)
			var got []string
			for _, it := range f.Items {
				got = append(got, it.token())
				if strings.HasPrefix(it.ID, "E") && it.Name == "" {
					t.Errorf("%s.%s: %s has no name", key, fk, it.ID)
				}
			}
			wantItems := strings.Fields(w.items)
			if f.Count != w.count || !slices.Equal(sorted(got), sorted(wantItems)) || f.Count != len(f.Items) {
				t.Errorf("%s.%s = %d %v, want %d %v", key, fk, f.Count, got, w.count, wantItems)
			}
			switch {
			case w.of < 0 && (f.Denominator != nil || f.Percent != nil):
				t.Errorf("%s.%s has a denominator %v", key, fk, *f.Denominator)
			case w.of >= 0 && (f.Denominator == nil || *f.Denominator != w.of):
				t.Errorf("%s.%s denominator %v, want %d", key, fk, f.Denominator, w.of)
			case w.of == 0 && f.Percent != nil:
				t.Errorf("%s.%s: a share of nothing has percent %v", key, fk, *f.Percent)
			case w.of > 0 && (f.Percent == nil || *f.Percent != math.Round(1000*float64(w.count)/float64(w.of))/10):
				t.Errorf("%s.%s percent %v, want %d of %d", key, fk, f.Percent, w.count, w.of)
			}
		}
	}
	for _, n := range complianceNotes {
		found := false
		for _, it := range sections[n.section].figure(t, n.figure).Items {
			if it.token() == n.item {
				found = true
				if it.Note != n.note {
					t.Errorf("%s.%s %s: note %q, want %q", n.section, n.figure, n.item, it.Note, n.note)
				}
			}
		}
		if !found {
			t.Errorf("%s.%s: no %s", n.section, n.figure, n.item)
		}
	}
	if f := sections["rec11_misconduct"].figure(t, "vetting_review_completed_in_time"); f.Items[0].Name != "Bob Smith" {
		t.Errorf("E2 is named %q", f.Items[0].Name)
	}
}

func TestComplianceReportAnswersEveryQuestionOfTheForce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		complianceForce(t, dbURL)
		r := must(t, dbURL, "report", "compliance", "--format", "json", "--as-of", "2026-11-02")
		sections := compliance(t, r.stdout)
		checkCompliance(t, sections)

		// CSV: one row per figure, with the same numbers and the ids behind them.
		rows, err := csv.NewReader(strings.NewReader(must(t, dbURL, "report", "compliance", "--format", "csv", "--as-of", "2026-11-02").stdout)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rows[0], []string{"section", "figure", "count", "denominator", "percent", "people"}) {
			t.Errorf("CSV header %v", rows[0])
		}
		n := 0
		for _, k := range sectionKeys {
			for _, f := range sections[k].Figures {
				n++
				if n >= len(rows) {
					t.Fatalf("CSV has %d rows", len(rows))
				}
				if got, want := rows[n], csvRow(k, f); !slices.Equal(got, want) {
					t.Errorf("CSV row %d = %v, want %v", n, got, want)
				}
			}
		}
		if len(rows) != n+1 {
			t.Errorf("CSV has %d rows, want %d", len(rows), n+1)
		}
		checkText(t, must(t, dbURL, "report", "compliance", "--as-of", "2026-11-02").stdout, sections)
		checkHTML(t, dbURL, sections)
	})
}

func csvRow(section string, f reportFigure) []string {
	denom, pct := "", ""
	if f.Denominator != nil {
		denom = strconv.Itoa(*f.Denominator)
	}
	if f.Percent != nil {
		pct = strconv.FormatFloat(*f.Percent, 'f', 1, 64)
	}
	var ids []string
	for _, it := range f.Items {
		if !slices.Contains(ids, it.ID) {
			ids = append(ids, it.ID)
		}
	}
	return []string{section, f.Key, strconv.Itoa(f.Count), denom, pct, strings.Join(ids, ";")}
}

func checkText(t *testing.T, text string, sections map[string]reportSection) {
	t.Helper()
	for _, line := range []string{
		"Compliance with the HMICFRS (2022) vetting recommendations, as of 2026-11-02",
		"  Open posts that are designated (need MV): 1 of 2 posts (50.0%)",
		"  People in designated posts without a current clearance satisfying MV: 1 of 2 people (50.0%)",
		"      E2 Bob Smith: post P2; holds RV",
		"  Of those, with the vetting review completed within 28 days of the outcome: 1 of 3 outcomes (33.3%)",
		"      E4 Dan Brown [M2]: review completed 2026-09-15, after 2026-08-29",
		"  Reports needing assessment that were assessed within 14 days: 1 of 3 reports (33.3%)",
		"  Of those, with the current supervisor briefed: 1 of 2 records (50.0%)",
		"  People in post with an integrity review completed in the last 12 months: 3 of 6 people (50.0%)",
		"  Current clearances granted with adverse information: 2 of 5 clearances (40.0%)",
		"      E4 Dan Brown [C4]: RV expired 2026-01-01",
		"  Open reviews that are overdue: 10 of 24 reviews (41.7%)",
		"  Overdue reviews: annual_appraisal: 0 of 0 reviews (no share)",
		"  Overdue reviews: department Vetting Unit: 3 of 6 reviews (50.0%)",
		"  Leavers whose vetting review was open when they left: 1 person",
		"      E7 Gus Grey [X1]: left 2026-10-15; X1 cancelled",
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("text lacks %q:\n%s", line, text)
		}
	}
	for _, k := range sectionKeys {
		if !strings.Contains(text, "\n"+sections[k].Title+"\n") {
			t.Errorf("text lacks the title of %s", k)
		}
		for _, f := range sections[k].Figures {
			if !strings.Contains(text, fmt.Sprintf("  %s: %d ", f.Label, f.Count)) {
				t.Errorf("text lacks %s.%s with %d", k, f.Key, f.Count)
			}
		}
	}
}

func checkHTML(t *testing.T, dbURL string, sections map[string]reportSection) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "compliance.html")
	if r := must(t, dbURL, "report", "compliance", "--format", "html", "-o", file, "--as-of", "2026-11-02"); r.stdout != "" {
		t.Errorf("-o still wrote to standard output: %q", r.stdout)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "<style>") {
		t.Errorf("not a standalone page:\n%.300s", page)
	}
	for _, bad := range []string{"<script", "src=", "http://", "https://", "<link", "@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page has %q: it must need nothing from elsewhere", bad)
		}
	}
	if !strings.Contains(page, "<h1>") {
		t.Error("the page has no h1")
	}
	for _, k := range sectionKeys {
		if !strings.Contains(page, fmt.Sprintf(`<h2 id="%s-title">%s</h2>`, k, html.EscapeString(sections[k].Title))) {
			t.Errorf("the page lacks the heading of %s", k)
		}
		for _, f := range sections[k].Figures {
			row := fmt.Sprintf("<th scope=\"row\">%s</th>\n<td class=\"n\">%d</td>", html.EscapeString(f.Label), f.Count)
			if !strings.Contains(page, row) {
				t.Errorf("the page lacks %s.%s with %d", k, f.Key, f.Count)
			}
		}
	}
	for _, s := range []string{`<summary>1 person</summary>`, `<span class="id">E7</span> Gus Grey <span class="muted">[X1]</span>: left 2026-10-15; X1 cancelled`,
		`<td class="n">41.7%</td>`, "<details>"} {
		if !strings.Contains(page, s) {
			t.Errorf("the page lacks %s", s)
		}
	}
}

func TestComplianceReportFlags(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	if r := vettingd(t, dbURL, "", "report", "compliance", "--format", "xml"); r.code != 2 || !strings.Contains(r.stderr, "--format must be one of text, json, csv, html") {
		t.Errorf("--format xml: exit %d, %s", r.code, r.stderr)
	}
	if r := vettingd(t, dbURL, "", "report", "compliance", "-o", filepath.Join(t.TempDir(), "no", "such", "dir", "r.json")); r.code != 1 || !strings.Contains(r.stderr, "cannot write") {
		t.Errorf("-o into a missing folder: exit %d, %s", r.code, r.stderr)
	}
	// An empty force answers every question with nothing, not an error.
	file := filepath.Join(t.TempDir(), "r.json")
	must(t, dbURL, "report", "compliance", "--format", "json", "-o", file, "--as-of", "2026-11-02")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range compliance(t, string(b)) {
		for _, f := range s.Figures {
			if f.Count != 0 || f.Items == nil || f.Percent != nil {
				t.Errorf("empty force: %s.%s = %+v", s.Key, f.Key, f)
			}
		}
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("report file mode %v (%v), want 0600: it names people", st.Mode().Perm(), err)
	}
}

// The report as of an earlier date shows the reviews as they stood then,
// and counts only the people in the force on its date: a review done
// since is open (and overdue) on it; a person who left since the last
// plan has no open reviews; a start date moved later is no leaving.
func TestComplianceReportAsOfItsDate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		complianceForce(t, dbURL)
		items := func(sections map[string]reportSection, section, figure string) []string {
			t.Helper()
			var out []string
			for _, it := range sections[section].figure(t, figure).Items {
				out = append(out, it.token())
			}
			return out
		}
		report := func(asOf string) map[string]reportSection {
			t.Helper()
			return complianceOn(t, must(t, dbURL, "report", "compliance", "--format", "json", "--as-of", asOf).stdout, asOf)
		}

		// E7, who left on 2026-10-15 during the review of X1, rejoins: still
		// a leaver during a vetting review, on any date after leaving.
		must(t, dbURL, "import", "people", write(t, "rejoin.csv", compliancePeople+complianceLeaver), "--as-of", "2026-11-10")
		if got := items(report("2026-10-20"), "leavers_during_vetting_review", "leavers_during_vetting_review"); !slices.Contains(got, "E7/X1") {
			t.Errorf("leavers on 2026-10-20, after E7 rejoined: %v, want E7/X1", got)
		}

		// On 2026-09-10 E3's mitigation review (done 2026-10-01) was overdue,
		// and the review of E2's written warning (done 2026-09-20, in time) in progress.
		then := report("2026-09-10")
		overdue := func(s map[string]reportSection) []string { return items(s, "overdue_reviews", "overdue_reviews") }
		if got := overdue(then); !slices.Contains(got, "E3/C3") {
			t.Errorf("overdue on 2026-09-10: %v, want E3's mitigation review C3 among them", got)
		}
		if got := items(then, "rec11_misconduct", "vetting_review_in_progress"); !slices.Contains(got, "E2/M1") {
			t.Errorf("in progress on 2026-09-10: %v, want E2/M1", got)
		}
		if got := items(then, "rec11_misconduct", "vetting_review_completed_in_time"); slices.Contains(got, "E2/M1") {
			t.Errorf("completed in time on 2026-09-10: %v; E2/M1 was done on 2026-09-20", got)
		}

		// E1 acknowledges the review of E5's final written warning as of
		// 2026-11-03: it was open on 2026-11-02, and acknowledged on the 3rd
		// (whatever the clock said when it was recorded).
		m4 := find(t, reviews(t, dbURL, "--kind", "vetting_review", "--employee", "E5"), "E5", "vetting_review", "M4")
		must(t, dbURL, "reviews", "ack", fmt.Sprint(m4.ID), "--by", "E1", "--as-of", "2026-11-03")
		note := func(asOf string) string {
			t.Helper()
			for _, it := range report(asOf)["rec11_misconduct"].figure(t, "vetting_review_opened").Items {
				if it.token() == "E5/M4" {
					return it.Note
				}
			}
			t.Fatalf("E5/M4 is not among the outcomes with a review opened on %s", asOf)
			return ""
		}
		if got := note("2026-11-02"); got != "review open" {
			t.Errorf("E5/M4 on 2026-11-02: %q, want \"review open\" (acknowledged since)", got)
		}
		if got := note("2026-11-03"); got != "review acknowledged" {
			t.Errorf("E5/M4 on 2026-11-03: %q, want \"review acknowledged\"", got)
		}

		// E6 leaves on 2026-12-01 and E5's start moves to 2027: no plan runs
		// after E6 leaves; the plan after the import cancels E5's reviews.
		later := strings.Replace(compliancePeople, "E5,Eve,White,officer,P1,E1,2018-06-01,2025-12-01", "E5,Eve,White,officer,P1,E1,2027-01-04,2025-12-01", 1)
		later = strings.Replace(later, "start_date,last_integrity_review_on", "start_date,last_integrity_review_on,end_date", 1)
		lines := strings.Split(strings.TrimSuffix(later, "\n"), "\n")
		for i := 1; i < len(lines); i++ {
			lines[i] += ","
			if strings.HasPrefix(lines[i], "E6,") {
				lines[i] += "2026-12-01"
			}
		}
		must(t, dbURL, "import", "people", write(t, "p.csv", strings.Join(lines, "\n")+"\n"), "--as-of", "2026-11-02")
		if got := overdue(report("2026-11-02")); !slices.Contains(got, "E6/C6") {
			t.Fatalf("overdue on 2026-11-02: %v, want E6's mitigation review C6", got)
		}
		after := report("2026-12-15")
		if got := overdue(after); slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "E6/") }) {
			t.Errorf("overdue on 2026-12-15 counts the reviews of E6, who left on 2026-12-01: %v", got)
		}
		if got := items(after, "leavers_during_vetting_review", "leavers_during_vetting_review"); slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "E5/") }) {
			t.Errorf("leavers: %v; E5's start date moved later, E5 did not leave", got)
		}
	})
}
