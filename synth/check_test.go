package synth

import (
	"encoding/csv"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The test's own copy of the file format (SPEC §3), so that a change to the
// generator's tables cannot quietly change what the test expects.
var wantColumns = map[string][]string{
	"posts":         {"post_id", "title", "department", "required_levels", "designated"},
	"people":        {"employee_id", "given_name", "family_name", "email", "slack_user_id", "workforce_type", "rank_or_grade", "post_id", "supervisor_id", "start_date", "end_date", "status", "last_integrity_review_on"},
	"clearances":    {"clearance_ref", "employee_id", "level", "decision", "decided_on", "expires_on", "adverse_info", "mitigation_owner_id", "mitigation_review_months"},
	"misconduct":    {"case_ref", "employee_id", "outcome", "concluded_on"},
	"circumstances": {"report_ref", "employee_id", "category", "reported_on", "assessment", "assessed_on"},
	"adverse":       {"intel_ref", "employee_id", "source", "received_on"},
	"interests":     {"interest_ref", "employee_id", "decision", "decided_on", "description"},
	"associations":  {"association_ref", "employee_id", "declared_on", "conditions"},
}

var (
	allLevels      = []string{"RV", "MV", "NPPV1", "NPPV2A", "NPPV2F", "NPPV3", "CTC", "SC", "DV", "EDV"}
	allWorkforce   = []string{"officer", "staff", "pcso", "special", "volunteer", "contractor"}
	allStatuses    = []string{"active", "suspended", "absent"}
	allDecisions   = []string{"granted", "granted_with_conditions", "refused", "withdrawn"}
	allOutcomes    = []string{"no_case_to_answer", "reflective_practice", "management_advice", "written_warning", "final_written_warning", "reduction_in_rank", "dismissal"}
	allCategories  = []string{"name", "address", "household", "relationship", "finances", "criminal", "civil", "association", "business_interest", "other"}
	allAssessments = []string{"pending", "no_additional_risk", "additional_risk"}
	allSources     = []string{"pnd", "ict_monitoring", "intelligence", "complaint"}
	allInterests   = []string{"approved", "approved_with_conditions", "refused"}
	emailSyntax    = regexp.MustCompile(`^[a-z]+\.[a-z]+\.[0-9]+@force\.police\.uk$`)
	slackSyntax    = regexp.MustCompile(`^U[A-Z0-9]{8}$`)
)

// table is one file's rows (header dropped) with its columns by name.
type table struct {
	kind string
	rows [][]string
	col  map[string]int
}

func (t *table) get(row []string, name string) string { return row[t.col[name]] }

// force is every file of a generated force.
type force map[string]*table

// load reads every file of files and checks that its header is exactly the
// expected one.
func load(t *testing.T, files Files) force {
	t.Helper()
	f := force{}
	for kind, want := range wantColumns {
		rows := readCSV(t, files[kind])
		if len(rows) == 0 || !slices.Equal(rows[0], want) {
			t.Fatalf("%s header: got %v, want %v", kind, rows[:min(1, len(rows))], want)
		}
		tab := &table{kind: kind, rows: rows[1:], col: map[string]int{}}
		for k, name := range want {
			tab.col[name] = k
		}
		f[kind] = tab
	}
	return f
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	rows, err := csv.NewReader(file).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// checker collects what is wrong with a force as of a date.
type checker struct {
	asOf     time.Time
	people   map[string]bool
	posts    map[string]bool
	problems []string
}

func (c *checker) addf(format string, args ...any) {
	if len(c.problems) < 50 {
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	}
}

// problems checks everything the importer checks and what the synthetic
// force promises on top (dates not after as-of, mitigation owners, trees).
func problems(f force, asOf time.Time) []string {
	c := &checker{asOf: asOf}
	for _, tab := range f {
		c.keys(tab)
	}
	c.posts = c.ids(f["posts"])
	c.people = c.ids(f["people"])
	c.checkPosts(f["posts"])
	c.checkPeople(f["people"])
	c.checkClearances(f["clearances"])
	c.checkEvents(f)
	return c.problems
}

func (c *checker) ids(t *table) map[string]bool {
	ids := map[string]bool{}
	for _, r := range t.rows {
		ids[r[0]] = true
	}
	return ids
}

func (c *checker) keys(t *table) {
	seen := map[string]bool{}
	for _, r := range t.rows {
		if r[0] == "" || seen[r[0]] {
			c.addf("%s: key %q empty or repeated", t.kind, r[0])
		}
		seen[r[0]] = true
	}
}

// date parses a YYYY-MM-DD cell that must not be after as-of (when notAfter).
func (c *checker) date(t *table, r []string, name string, required, notAfter bool) (time.Time, bool) {
	cell := t.get(r, name)
	if cell == "" {
		if required {
			c.addf("%s %s: %s is empty", t.kind, r[0], name)
		}
		return time.Time{}, false
	}
	d, err := time.Parse(time.DateOnly, cell)
	switch {
	case err != nil:
		c.addf("%s %s: %s %q is not YYYY-MM-DD", t.kind, r[0], name, cell)
		return time.Time{}, false
	case notAfter && d.After(c.asOf):
		c.addf("%s %s: %s %s is after as-of", t.kind, r[0], name, cell)
	}
	return d, true
}

func (c *checker) enum(t *table, r []string, name string, values []string) {
	if v := t.get(r, name); !slices.Contains(values, v) {
		c.addf("%s %s: %s %q is not one of %v", t.kind, r[0], name, v, values)
	}
}

func (c *checker) person(t *table, r []string, name string, required bool) {
	v := t.get(r, name)
	if (v != "" || required) && !c.people[v] {
		c.addf("%s %s: %s %q: no such person", t.kind, r[0], name, v)
	}
}

func (c *checker) checkPosts(t *table) {
	for _, r := range t.rows {
		levels := strings.Split(t.get(r, "required_levels"), ";")
		for _, l := range levels {
			if !slices.Contains(allLevels, l) {
				c.addf("post %s: level %q", r[0], l)
			}
		}
		c.enum(t, r, "designated", []string{"true", "false"})
		if t.get(r, "designated") == "true" && !slices.Contains(levels, "MV") {
			c.addf("post %s is designated but does not require MV", r[0])
		}
		if t.get(r, "title") == "" {
			c.addf("post %s has no title", r[0])
		}
	}
}

func (c *checker) checkPeople(t *table) {
	for k, r := range t.rows {
		c.enum(t, r, "workforce_type", allWorkforce)
		c.enum(t, r, "status", allStatuses)
		if p := t.get(r, "post_id"); p != "" && !c.posts[p] {
			c.addf("person %s: post %q: no such post", r[0], p)
		}
		switch sup := t.get(r, "supervisor_id"); {
		case sup == r[0]:
			c.addf("person %s supervises themselves", r[0])
		case (sup == "") != (k == 0):
			c.addf("person %s: supervisor %q (only the first person has none)", r[0], sup)
		}
		c.person(t, r, "supervisor_id", false)
		c.personCells(t, r)
	}
	c.acyclic(t)
}

func (c *checker) personCells(t *table, r []string) {
	if e := t.get(r, "email"); e != "" && !emailSyntax.MatchString(e) {
		c.addf("person %s: email %q", r[0], e)
	}
	if s := t.get(r, "slack_user_id"); s != "" && !slackSyntax.MatchString(s) {
		c.addf("person %s: slack_user_id %q", r[0], s)
	}
	wf, rank := t.get(r, "workforce_type"), t.get(r, "rank_or_grade")
	if (rank != "") != (wf == "officer" || wf == "staff") {
		c.addf("person %s: %s with rank_or_grade %q", r[0], wf, rank)
	}
	start, ok := c.date(t, r, "start_date", true, true)
	if ok && (start.Before(c.asOf.AddDate(-35, 0, -1)) || start.After(c.asOf.AddDate(0, -1, 0))) {
		c.addf("person %s: start_date %s not between 35 years and a month ago", r[0], date(start))
	}
	if t.get(r, "end_date") != "" {
		c.addf("person %s has an end_date", r[0])
	}
	if last, ok2 := c.date(t, r, "last_integrity_review_on", false, true); ok && ok2 && last.Before(start) {
		c.addf("person %s: integrity review before start", r[0])
	}
}

// acyclic follows every supervisor chain to its top; a chain that comes
// back to a person already on it is a cycle.
func (c *checker) acyclic(t *table) {
	sup := map[string]string{}
	for _, r := range t.rows {
		sup[r[0]] = t.get(r, "supervisor_id")
	}
	done := map[string]bool{}
	for id := range sup {
		onPath := map[string]bool{}
		for p := id; p != "" && !done[p]; p = sup[p] {
			if onPath[p] {
				c.addf("supervisor chain of %s loops at %s", id, p)
				break
			}
			onPath[p] = true
		}
		for p := range onPath {
			done[p] = true
		}
	}
}

func (c *checker) checkClearances(t *table) {
	for _, r := range t.rows {
		c.person(t, r, "employee_id", true)
		c.enum(t, r, "level", allLevels)
		c.enum(t, r, "decision", allDecisions)
		c.enum(t, r, "adverse_info", []string{"true", "false"})
		decided, ok := c.date(t, r, "decided_on", true, true)
		if exp, ok2 := c.date(t, r, "expires_on", false, false); ok && ok2 && !exp.After(decided) {
			c.addf("clearance %s expires before it is decided", r[0])
		}
		c.mitigation(t, r)
	}
}

// mitigation: a grant with conditions or adverse information names another
// person as mitigation owner and a review period; other rows name neither.
func (c *checker) mitigation(t *table, r []string) {
	owner, months := t.get(r, "mitigation_owner_id"), t.get(r, "mitigation_review_months")
	needs := t.get(r, "decision") == "granted_with_conditions" || t.get(r, "adverse_info") == "true"
	if needs != (owner != "") || needs != (months != "") {
		c.addf("clearance %s: %s, adverse %s, owner %q, months %q", r[0], t.get(r, "decision"), t.get(r, "adverse_info"), owner, months)
	}
	if owner == t.get(r, "employee_id") {
		c.addf("clearance %s: %s owns their own mitigation", r[0], owner)
	}
	c.person(t, r, "mitigation_owner_id", false)
	if n, err := strconv.Atoi(months); months != "" && (err != nil || n < 1 || n > 120) {
		c.addf("clearance %s: mitigation_review_months %q", r[0], months)
	}
}

// eventRule says which enumeration and which date each event file has.
var eventRules = []struct{ kind, enum, date string }{
	{"misconduct", "outcome", "concluded_on"},
	{"circumstances", "category", "reported_on"},
	{"adverse", "source", "received_on"},
	{"interests", "decision", "decided_on"},
	{"associations", "", "declared_on"},
}

var eventValues = map[string][]string{"misconduct": allOutcomes, "circumstances": allCategories, "adverse": allSources, "interests": allInterests}

func (c *checker) checkEvents(f force) {
	for _, rule := range eventRules {
		t := f[rule.kind]
		for _, r := range t.rows {
			c.person(t, r, "employee_id", true)
			if rule.enum != "" {
				c.enum(t, r, rule.enum, eventValues[rule.kind])
			}
			c.date(t, r, rule.date, true, true)
		}
	}
	c.assessments(f["circumstances"])
}

// assessments: assessed_on is given exactly when the assessment is not
// pending, on or after reported_on and not after as-of.
func (c *checker) assessments(t *table) {
	for _, r := range t.rows {
		c.enum(t, r, "assessment", allAssessments)
		reported, _ := c.date(t, r, "reported_on", true, true)
		assessed, ok := c.date(t, r, "assessed_on", false, true)
		if ok == (t.get(r, "assessment") == "pending") {
			c.addf("circumstances %s: %s assessed on %q", r[0], t.get(r, "assessment"), t.get(r, "assessed_on"))
		}
		if ok && assessed.Before(reported) {
			c.addf("circumstances %s assessed before it was reported", r[0])
		}
	}
}
