package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"vettingd/cli"
	"vettingd/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// result is what one run of the command line printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// vettingd runs the command line in-process against the database at dbURL.
const commandTimeout = 3 * time.Minute

func vettingd(t *testing.T, dbURL, stdin string, argv ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"VETTINGD_DATABASE_URL": dbURL, "VETTINGD_TZ": "Europe/London"}
	// No command here takes more than seconds: one that runs away (a walk
	// that never ends) fails the test, and its queries are cancelled,
	// rather than holding the database until go test's own timeout.
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	code := cli.Run(ctx, cli.Env{
		Args: argv, Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
	})
	return result{out.String(), errb.String(), code}
}

// must runs the command line and fails the test unless it exits 0.
func must(t *testing.T, dbURL string, argv ...string) result {
	t.Helper()
	r := vettingd(t, dbURL, "", argv...)
	if r.code != 0 {
		t.Fatalf("vettingd %v: exit %d\nstdout: %s\nstderr: %s", argv, r.code, r.stdout, r.stderr)
	}
	return r
}

// write writes a file into a fresh directory and returns its path.
func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const postsCSV = `post_id,title,department,required_levels,designated
P1,Response Constable,Response,RV,false
P2,Vetting Manager,Vetting Unit,MV;SC,true
P3,Firearms Officer,Firearms,RV;NPPV3,no
`

const peopleCSV = `employee_id,given_name,family_name,email,slack_user_id,workforce_type,rank_or_grade,post_id,supervisor_id,start_date,end_date,status,last_integrity_review_on
E1,Ada,Lovelace,ada@force.police.uk,U1,officer,Chief Constable,P2,,2001-04-02,,active,2026-01-10
E2,Bob,Smith,bob@force.police.uk,,officer,Inspector,P1,E1,2010-09-01,,active,
E3,Cat,Jones,,,staff,Grade 4,P3,E1,2015-02-28,,suspended,
E4,Dan,Brown,dan@force.police.uk,U4,pcso,,P1,E2,2020-02-29,,absent,
E5,Eve,White,eve@force.police.uk,,volunteer,,,E2,2024-06-01,,,
E6,Fay,Green,fay@force.police.uk,,contractor,,P1,E3,2025-01-06,,active,
`

// force imports the posts and people above as of 2026-11-02.
func force(t *testing.T, dbURL string) {
	t.Helper()
	must(t, dbURL, "import", "posts", write(t, "posts.csv", postsCSV), "--as-of", "2026-11-02")
	must(t, dbURL, "import", "people", write(t, "people.csv", peopleCSV), "--as-of", "2026-11-02")
}

func report(t *testing.T, r result) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("report is not JSON: %v\n%s\nstderr: %s", err, r.stdout, r.stderr)
	}
	return m
}

func counts(t *testing.T, m map[string]any, want map[string]float64) {
	t.Helper()
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v (report %v)", k, m[k], v, m)
		}
	}
}

func TestImportReportHasExactlyTheSpecFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		r := must(t, dbURL, "import", "posts", write(t, "posts.csv", postsCSV), "--format", "json")
		m := report(t, r)
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := []string{"applied", "created", "dry_run", "errors", "joiners", "kind", "leavers", "mode", "movers", "rows", "unchanged", "updated", "warnings"}
		if !reflect.DeepEqual(keys, want) {
			t.Fatalf("report fields %v, want %v", keys, want)
		}
		counts(t, m, map[string]float64{"rows": 3, "created": 3, "updated": 0, "unchanged": 0})
		if m["kind"] != "posts" || m["mode"] != "snapshot" || m["applied"] != true || m["dry_run"] != false {
			t.Errorf("report = %v", m)
		}
	})
}

func TestImportEveryKind(t *testing.T) {
	files := map[string]string{
		"clearances": `clearance_ref,employee_id,level,decision,decided_on,expires_on,adverse_info,mitigation_owner_id,mitigation_review_months
C1,E1,MV,granted,2020-02-29,,false,,
C2,E2,rv,granted_with_conditions,2019-05-01,2029-05-01,yes,E1,6
C3,E3,NPPV3,granted,2022-01-01,,n,,
C4,E3,NPPV3,withdrawn,2025-01-01,,0,,
`,
		"misconduct": "case_ref,employee_id,outcome,concluded_on\nM1,E2,written_warning,2026-10-01\nM2,E3,management_advice,2026-09-01\n",
		"circumstances": "report_ref,employee_id,category,reported_on,assessment,assessed_on\n" +
			"R1,E2,finances,2026-10-01,pending,\nR2,E3,criminal,2026-10-02,,\nR3,E4,address,2026-09-01,no_additional_risk,2026-09-10\n",
		"adverse":      "intel_ref,employee_id,source,received_on\nA1,E4,pnd,2026-10-20\n",
		"interests":    "interest_ref,employee_id,decision,decided_on,description\nI1,E2,approved,2026-01-05,Private tuition\nI2,E3,refused,2026-02-05,\n",
		"associations": "association_ref,employee_id,declared_on,conditions\nN1,E4,2026-03-01,No contact while on duty\nN2,E5,2026-03-02,\n",
	}
	tables := map[string]string{"clearances": "clearances", "misconduct": "misconduct_outcomes", "circumstances": "circumstances_reports",
		"adverse": "adverse_records", "interests": "business_interests", "associations": "associations"}
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		if n := storetest.Count(t, dbURL, "people"); n != 6 {
			t.Fatalf("people = %d, want 6", n)
		}
		for kind, content := range files {
			m := report(t, must(t, dbURL, "import", kind, write(t, kind+".csv", content), "--format", "json", "--as-of", "2026-11-03"))
			rows := float64(strings.Count(content, "\n") - 1)
			counts(t, m, map[string]float64{"rows": rows, "created": rows})
			if m["mode"] != "delta" {
				t.Errorf("%s mode = %v, want delta", kind, m["mode"])
			}
			if n := storetest.Count(t, dbURL, tables[kind]); float64(n) != rows {
				t.Errorf("%s: %d rows stored, want %v", kind, n, rows)
			}
		}
		if got := storetest.Query(t, dbURL, "SELECT level FROM clearances WHERE clearance_ref = 'C2'"); got[0] != "RV" {
			t.Errorf("level normalised to %v, want RV", got)
		}
		if got := storetest.Query(t, dbURL, "SELECT assessment FROM circumstances_reports WHERE report_ref = 'R2'"); got[0] != "pending" {
			t.Errorf("default assessment = %v, want pending", got)
		}
		if got := storetest.Query(t, dbURL, "SELECT first_imported_on FROM misconduct_outcomes WHERE case_ref = 'M1'"); got[0] != "2026-11-03" {
			t.Errorf("first_imported_on = %v, want the as-of date", got)
		}
		if got := storetest.Query(t, dbURL, "SELECT status FROM people WHERE employee_id = 'E5'"); got[0] != "active" {
			t.Errorf("default status = %v, want active", got)
		}
	})
}

func TestRejectedFileNamesEveryProblemAndWritesNothing(t *testing.T) {
	bad := "\uFEFFEmployee_ID , given_name,family_name,email,workforce_type,post_id,supervisor_id,start_date,end_date,status,nickname\r\n" +
		"E1,Ada,Lovelace,ada@force.police.uk,officer,P2,,2001-04-02,,active,x\r\n" + // line 2: fine
		"E2,,Smith,bob@,wizard,P9,E9999,2010-13-01,,active,x\r\n" + // line 3: five problems
		"E3,Cat,Jones,,staff,P3,E3,2015-02-28,2014-01-01,sleeping,x\r\n" + // line 4: self, end<start, status
		"E1,Dup,Licate,,staff,P1,,2015-02-28,,,x\r\n" + // line 5: duplicate key
		"E4,Dan,Brown,,pcso,P1,E5,2020-02-29,,,x\r\n" + // lines 6-7: a cycle
		"E5,Eve,White,,pcso,P1,E4,2020-02-29,,,x\r\n" +
		"E6,Short\r\n" // line 8: too few cells
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		before := storetest.Dump(t, dbURL)
		r := vettingd(t, dbURL, "", "import", "people", write(t, "people.csv", bad), "--as-of", "2026-11-05")
		if r.code != 3 {
			t.Fatalf("exit %d, want 3\nstderr: %s", r.code, r.stderr)
		}
		for _, want := range []string{
			`people.csv:3: given_name is required but empty`,
			`people.csv:3: email "bob@" is not a valid e-mail address`,
			`people.csv:3: workforce_type "wizard" must be one of officer, staff, pcso, special, volunteer, contractor`,
			`people.csv:3: start_date "2010-13-01" is not a date`,
			`people.csv:3: post_id "P9": no such post`,
			`people.csv:3: supervisor_id "E9999": no such person`,
			`people.csv:4: supervisor_id "E3": nobody can supervise themselves`,
			`people.csv:4: end_date "2014-01-01" is before start_date "2015-02-28"`,
			`people.csv:4: status "sleeping" must be one of active, suspended, absent`,
			`people.csv:5: employee_id "E1" appears again (first on line 2)`,
			`people.csv:6: supervisor_id "E5": this person is on a circle of supervisors (following supervisor_id up comes back to them)`,
			`people.csv:7: supervisor_id "E4": this person is on a circle of supervisors (following supervisor_id up comes back to them)`,
			`people.csv:8: the line has 2 cells`,
			`warning: column "nickname" is not one vettingd reads`,
			`people.csv rejected with 13 problems; nothing was written`,
		} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q\nstderr:\n%s", want, r.stderr)
			}
		}
		if after := storetest.Dump(t, dbURL); after != before {
			t.Errorf("a rejected import changed the database")
		}
		j := vettingd(t, dbURL, "", "import", "people", write(t, "people.csv", bad), "--format", "json")
		m := report(t, j)
		errs, _ := m["errors"].([]any)
		if j.code != 3 || m["applied"] != false || len(errs) != 13 {
			t.Fatalf("json rejection: exit %d, applied %v, %d errors", j.code, m["applied"], len(errs))
		}
		first := errs[0].(map[string]any)
		if first["line"] != 3.0 || first["column"] == "" || first["message"] == "" {
			t.Errorf("first error = %v", first)
		}
	})
}

func TestReimportChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		before := storetest.Query(t, dbURL, "SELECT updated_at FROM people ORDER BY employee_id")
		r := must(t, dbURL, "import", "people", write(t, "people.csv", peopleCSV), "--as-of", "2026-11-09")
		if !strings.Contains(r.stdout, "nothing changed") || !strings.Contains(r.stdout, "unchanged 6") {
			t.Errorf("second import said:\n%s", r.stdout)
		}
		if after := storetest.Query(t, dbURL, "SELECT updated_at FROM people ORDER BY employee_id"); !reflect.DeepEqual(before, after) {
			t.Errorf("re-import touched rows: %v -> %v", before, after)
		}
		if got := storetest.Query(t, dbURL, "SELECT first_imported_on FROM people WHERE employee_id = 'E1'"); got[0] != "2026-11-02" {
			t.Errorf("first_imported_on moved to %v", got)
		}
		if n := storetest.Count(t, dbURL, "import_runs"); n != 3 {
			t.Errorf("import_runs = %d, want 3 (every applied import is recorded)", n)
		}
	})
}

func TestDryRunWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		before := storetest.Dump(t, dbURL)
		moved := strings.Replace(peopleCSV, "E6,Fay,Green,fay@force.police.uk,,contractor,,P1,E3", "E6,Fay,Green,fay@force.police.uk,,contractor,,P3,E2", 1)
		m := report(t, must(t, dbURL, "import", "people", write(t, "people.csv", moved), "--dry-run", "--format", "json"))
		counts(t, m, map[string]float64{"rows": 6, "updated": 1, "unchanged": 5, "movers": 1})
		if m["dry_run"] != true || m["applied"] != false {
			t.Errorf("dry run report = %v", m)
		}
		if after := storetest.Dump(t, dbURL); after != before {
			t.Errorf("a dry run changed the database")
		}
	})
}

func TestSnapshotJoinersMoversLeaversAndClosedPosts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		next := strings.Replace(peopleCSV, "E6,Fay,Green,fay@force.police.uk,,contractor,,P1,E3,2025-01-06,,active,\n", "", 1)
		next = strings.Replace(next, "E5,Eve,White,eve@force.police.uk,,volunteer,,,E2", "E5,Eve,White,eve@force.police.uk,,volunteer,,P3,E3", 1)
		next += "E7,Gus,Black,gus@force.police.uk,,special,,P1,E2,2026-11-01,,active,\n"
		m := report(t, must(t, dbURL, "import", "people", write(t, "people.csv", next), "--format", "json", "--as-of", "2026-11-10"))
		counts(t, m, map[string]float64{"rows": 6, "created": 1, "updated": 1, "unchanged": 4, "joiners": 1, "movers": 1, "leavers": 1})
		if got := storetest.Query(t, dbURL, "SELECT end_date FROM people WHERE employee_id = 'E6'"); got[0] != "2026-11-10" {
			t.Errorf("leaver end_date = %v, want the as-of date", got)
		}
		if got := storetest.Query(t, dbURL, "SELECT supervisor_id FROM people WHERE employee_id = 'E5'"); got[0] != "E3" {
			t.Errorf("supervisor change not applied: %v", got)
		}
		// A delta of people adds and updates but makes no leavers.
		m = report(t, must(t, dbURL, "import", "people", write(t, "d.csv", "employee_id,given_name,family_name,workforce_type,start_date,supervisor_id\nE8,Hal,Gray,staff,2026-11-11,E1\n"),
			"--mode", "delta", "--format", "json"))
		counts(t, m, map[string]float64{"created": 1, "leavers": 0})
		// A posts snapshot closes what it no longer lists; people cannot then be placed in it.
		must(t, dbURL, "import", "posts", write(t, "posts.csv", strings.Replace(postsCSV, "P3,Firearms Officer,Firearms,RV;NPPV3,no\n", "", 1)))
		if got := storetest.Query(t, dbURL, "SELECT closed_on FROM posts WHERE post_id = 'P3'"); got[0] == "NULL" {
			t.Errorf("P3 not closed")
		}
		r := vettingd(t, dbURL, "", "import", "people", write(t, "e.csv", "employee_id,given_name,family_name,workforce_type,start_date,post_id\nE9,Ian,Ray,staff,2026-11-11,P3\n"), "--mode", "delta")
		if r.code != 3 || !strings.Contains(r.stderr, `post_id "P3": no such post (or the post is closed)`) {
			t.Errorf("placing a person in a closed post: exit %d, %s", r.code, r.stderr)
		}
	})
}

func TestTruncatedSnapshotIsRefusedUnlessForced(t *testing.T) {
	var b strings.Builder
	b.WriteString("employee_id,given_name,family_name,workforce_type,start_date\n")
	for i := 0; i < 40; i++ {
		b.WriteString("X" + string(rune('A'+i/26)) + string(rune('A'+i%26)) + ",Pat,Doe,staff,2020-01-01\n")
	}
	full := b.String()
	truncated := strings.Join(strings.SplitAfter(full, "\n")[:21], "") // header + 20 of 40
	storetest.Each(t, func(t *testing.T, dbURL string) {
		must(t, dbURL, "import", "people", write(t, "people.csv", full))
		before := storetest.Dump(t, dbURL)
		r := vettingd(t, dbURL, "", "import", "people", write(t, "people.csv", truncated))
		if r.code != 3 || !strings.Contains(r.stderr, "would make leavers of 20 of 40 current people (50.0%)") || !strings.Contains(r.stderr, "--force") {
			t.Fatalf("truncated snapshot: exit %d\n%s", r.code, r.stderr)
		}
		if storetest.Dump(t, dbURL) != before {
			t.Fatal("a refused snapshot changed the database")
		}
		m := report(t, must(t, dbURL, "import", "people", write(t, "people.csv", truncated), "--force", "--format", "json"))
		counts(t, m, map[string]float64{"leavers": 20, "unchanged": 20})
		if got := storetest.Query(t, dbURL, "SELECT forced FROM import_runs ORDER BY id DESC LIMIT 1"); got[0] != "true" && got[0] != "1" {
			t.Errorf("forced import not recorded as forced: %v", got)
		}
		// Leavers by end date count as well: 12 of the 20 left, with an end date.
		var ended strings.Builder
		ended.WriteString("employee_id,given_name,family_name,workforce_type,start_date,end_date\n")
		for i, line := range strings.SplitAfter(truncated, "\n")[1:21] {
			end := ""
			if i < 12 {
				end = "2026-11-01"
			}
			ended.WriteString(strings.TrimSuffix(line, "\n") + "," + end + "\n")
		}
		r = vettingd(t, dbURL, "", "import", "people", write(t, "people.csv", ended.String()))
		if r.code != 3 || !strings.Contains(r.stderr, "would make leavers of 12 of 20 current people") {
			t.Errorf("a snapshot ending 12 of 20 people: exit %d\n%s", r.code, r.stderr)
		}
	})
}

func TestHeaderFlexibilityStdinAndColumnMapping(t *testing.T) {
	policy := write(t, "policy.toml", "[import.columns.people]\ngiven_name = \"Forename\"\nfamily_name = \"Surname\"\n")
	file := "\uFEFF START_DATE ,Surname,Forename,Workforce_Type,employee_id\r\n2020-01-01,Doe,Jan,staff,E1\r\n2020-01-01,\"Roe, Jr\",Ann,officer,E2\r\n"
	storetest.Each(t, func(t *testing.T, dbURL string) {
		m := report(t, must(t, dbURL, "import", "people", write(t, "hr.csv", file), "--policy", policy, "--format", "json"))
		counts(t, m, map[string]float64{"created": 2})
		if got := storetest.Query(t, dbURL, "SELECT family_name FROM people WHERE employee_id = 'E2'"); got[0] != "Roe, Jr" {
			t.Errorf("family_name = %v", got)
		}
		// Without the mapping the same file lacks required columns.
		r := vettingd(t, dbURL, "", "import", "people", write(t, "hr.csv", file))
		if r.code != 3 || !strings.Contains(r.stderr, `hr.csv:1: required column "given_name" is missing from the header`) {
			t.Errorf("unmapped: exit %d\n%s", r.code, r.stderr)
		}
		// FILE - reads standard input.
		in := "case_ref,employee_id,outcome,concluded_on\nM1,E1,final_written_warning,2026-01-01\n"
		s := vettingd(t, dbURL, in, "import", "misconduct", "-", "--format", "json")
		if s.code != 0 || report(t, s)["created"] != 1.0 {
			t.Errorf("stdin import: exit %d %s %s", s.code, s.stdout, s.stderr)
		}
		if got := storetest.Query(t, dbURL, "SELECT file_name FROM import_runs ORDER BY id DESC LIMIT 1"); got[0] != "stdin" {
			t.Errorf("file_name = %v", got)
		}
	})
}

func TestEventReferencesAndRulesAreChecked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		r := vettingd(t, dbURL, "", "import", "clearances", write(t, "c.csv", "clearance_ref,employee_id,level,decision,decided_on,expires_on,mitigation_owner_id\n"+
			"C1,E404,XV,granted,2020-01-01,2019-01-01,\nC2,E2,RV,granted_with_conditions,2020-01-01,,\nC3,E2,RV,granted,2020-01-01,,E405\n"))
		for _, want := range []string{
			`c.csv:2: employee_id "E404": no such person`,
			`c.csv:2: level "XV" must be one of RV, MV`,
			`c.csv:2: expires_on "2019-01-01" must be after decided_on "2020-01-01"`,
			`c.csv:3: mitigation_owner_id is required when the decision is granted_with_conditions`,
			`c.csv:4: mitigation_owner_id "E405": no such person`,
		} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q\n%s", want, r.stderr)
			}
		}
		if r.code != 3 {
			t.Errorf("exit %d, want 3", r.code)
		}
		if got := vettingd(t, dbURL, "", "import", "clearances", "c.csv", "--mode", "snapshot"); got.code != 2 {
			t.Errorf("snapshot of clearances: exit %d, want 2 (usage)", got.code)
		}
	})
}

func TestImportIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		got := storetest.Query(t, dbURL, "SELECT entity FROM audit_log WHERE action = 'import' ORDER BY id")
		if !reflect.DeepEqual(got, []string{"posts", "people"}) {
			t.Errorf("audited imports = %v", got)
		}
		sha := storetest.Query(t, dbURL, "SELECT sha256 FROM import_runs WHERE kind = 'people'")
		if len(sha) != 1 || len(sha[0]) != 64 {
			t.Errorf("sha256 = %v", sha)
		}
	})
}

func TestPostsSnapshotThatClosesPostsIsAChange(t *testing.T) {
	without3 := strings.Replace(postsCSV, "P3,Firearms Officer,Firearms,RV;NPPV3,no\n", "", 1)
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		m := report(t, must(t, dbURL, "import", "posts", write(t, "posts.csv", without3), "--dry-run", "--format", "json", "--as-of", "2026-11-03"))
		counts(t, m, map[string]float64{"rows": 2, "created": 0, "updated": 1, "unchanged": 2})
		r := must(t, dbURL, "import", "posts", write(t, "posts.csv", without3), "--as-of", "2026-11-03")
		lacks(t, r.stdout, "updated 1, unchanged 2", "closed 1 post ", "planned: reviews")
		if strings.Contains(r.stdout, "nothing changed") {
			t.Errorf("closing a post was reported as nothing changed:\n%s", r.stdout)
		}
		if got := storetest.Query(t, dbURL, "SELECT updated FROM import_runs ORDER BY id DESC LIMIT 1"); got[0] != "1" {
			t.Errorf("import_runs.updated = %v, want 1 (the post closed)", got)
		}
		if got := storetest.Query(t, dbURL, "SELECT closed_on FROM posts WHERE post_id = 'P3'"); got[0] != "2026-11-03" {
			t.Errorf("P3 closed_on = %v", got)
		}
		// The same file again closes nothing more.
		r = must(t, dbURL, "import", "posts", write(t, "posts.csv", without3), "--as-of", "2026-11-04")
		lacks(t, r.stdout, "nothing changed")
	})
}

func TestMassPostClosureIsRefusedUnlessForced(t *testing.T) {
	var b strings.Builder
	b.WriteString("post_id,title,required_levels\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "Q%02d,Constable,RV\n", i)
	}
	full := b.String()
	lines := strings.SplitAfter(full, "\n")
	headerOnly := lines[0]
	storetest.Each(t, func(t *testing.T, dbURL string) {
		must(t, dbURL, "import", "posts", write(t, "posts.csv", full))
		stderr := rejected(t, dbURL, "import", "posts", write(t, "posts.csv", headerOnly))
		lacks(t, stderr, "posts.csv: this snapshot would close 40 of 40 open posts (100.0%), more than the limit of 5% and 10 posts", "--force")
		stderr = rejected(t, dbURL, "import", "posts", write(t, "posts.csv", strings.Join(lines[:30], "")))
		lacks(t, stderr, "would close 11 of 40 open posts (27.5%)")
		// No more than the floor of 10 posts is accepted without --force.
		m := report(t, must(t, dbURL, "import", "posts", write(t, "posts.csv", strings.Join(lines[:31], "")), "--format", "json"))
		counts(t, m, map[string]float64{"rows": 30, "updated": 10, "unchanged": 30})
		m = report(t, must(t, dbURL, "import", "posts", write(t, "posts.csv", headerOnly), "--force", "--format", "json"))
		counts(t, m, map[string]float64{"rows": 0, "updated": 30})
		if n := storetest.Query(t, dbURL, "SELECT COUNT(*) FROM posts WHERE closed_on IS NULL"); n[0] != "0" {
			t.Errorf("open posts after a forced empty snapshot = %v", n)
		}
	})
}

// personFields renders the optional fields of a person, to compare.
func personFields(t *testing.T, dbURL, id string) string {
	t.Helper()
	return storetest.Query(t, dbURL, `SELECT COALESCE(email, '-') || '|' || COALESCE(slack_user_id, '-') || '|' || COALESCE(rank_or_grade, '-')
		|| '|' || COALESCE(post_id, '-') || '|' || status || '|' || COALESCE(supervisor_id, '-') FROM people WHERE employee_id = ?`, id)[0]
}

func TestDeltaKeepsColumnsTheFileDoesNotHave(t *testing.T) {
	restated := "employee_id,given_name,family_name,workforce_type,start_date,supervisor_id\n" +
		"E1,Ada,Lovelace,officer,2001-04-02,\nE2,Bob,Smith,officer,2010-09-01,E1\nE3,Cat,Jones,staff,2015-02-28,E1\n" +
		"E4,Dan,Brown,pcso,2020-02-29,E2\nE5,Eve,White,volunteer,2024-06-01,E2\nE6,Fay,Green,contractor,2025-01-06,E3\n"
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		before := storetest.Dump(t, dbURL)
		// Restating everyone with fewer columns changes nothing.
		m := report(t, must(t, dbURL, "import", "people", write(t, "people.csv", restated), "--mode", "delta", "--format", "json", "--as-of", "2026-11-03"))
		counts(t, m, map[string]float64{"rows": 6, "created": 0, "updated": 0, "unchanged": 6, "movers": 0, "leavers": 0})
		// A new supervisor changes only supervisor_id.
		moved := strings.Replace(restated, "E3,Cat,Jones,staff,2015-02-28,E1", "E3,Cat,Jones,staff,2015-02-28,E2", 1)
		moved = strings.Replace(moved, "E4,Dan,Brown,pcso,2020-02-29,E2", "E4,Dan,Brown,pcso,2020-02-29,E1", 1)
		m = report(t, must(t, dbURL, "import", "people", write(t, "people.csv", moved), "--mode", "delta", "--format", "json", "--as-of", "2026-11-03"))
		counts(t, m, map[string]float64{"rows": 6, "updated": 2, "unchanged": 4, "movers": 0})
		for id, want := range map[string]string{
			"E1": "ada@force.police.uk|U1|Chief Constable|P2|active|-",
			"E3": "-|-|Grade 4|P3|suspended|E2",
			"E4": "dan@force.police.uk|U4|-|P1|absent|E1",
		} {
			if got := personFields(t, dbURL, id); got != want {
				t.Errorf("%s = %s, want %s", id, got, want)
			}
		}
		if got := storetest.Query(t, dbURL, "SELECT last_integrity_review_on FROM people WHERE employee_id = 'E1'"); got[0] != "2026-01-10" {
			t.Errorf("E1 last_integrity_review_on = %v", got)
		}
		// A column present with an empty cell still clears the field.
		must(t, dbURL, "import", "people", write(t, "e.csv", "employee_id,given_name,family_name,workforce_type,start_date,email\nE4,Dan,Brown,pcso,2020-02-29,\n"), "--mode", "delta")
		if got := personFields(t, dbURL, "E4"); got != "-|U4|-|P1|absent|E1" {
			t.Errorf("E4 after an empty email cell = %s", got)
		}
		if before == storetest.Dump(t, dbURL) {
			t.Error("the deltas changed nothing")
		}
	})
}

func TestDeltaKeepsColumnsOfEveryKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		must(t, dbURL, "import", "clearances", write(t, "c.csv", "clearance_ref,employee_id,level,decision,decided_on,expires_on,adverse_info,mitigation_owner_id,mitigation_review_months\n"+
			"C2,E2,RV,granted_with_conditions,2019-05-01,2029-05-01,yes,E1,6\n"))
		must(t, dbURL, "import", "circumstances", write(t, "r.csv", "report_ref,employee_id,category,reported_on,assessment,assessed_on\nR3,E4,address,2026-09-01,no_additional_risk,2026-09-10\n"))
		for kind, file := range map[string]string{
			"posts":         "post_id,title,required_levels\nP2,Vetting Manager,MV;SC\n",
			"clearances":    "clearance_ref,employee_id,level,decision,decided_on\nC2,E2,RV,granted_with_conditions,2019-05-01\n",
			"circumstances": "report_ref,employee_id,category,reported_on\nR3,E4,address,2026-09-01\n",
		} {
			m := report(t, must(t, dbURL, "import", kind, write(t, kind+".csv", file), "--mode", "delta", "--format", "json"))
			counts(t, m, map[string]float64{"rows": 1, "updated": 0, "unchanged": 1})
		}
		for q, want := range map[string]string{
			"SELECT COALESCE(department, '-') || '|' || required_levels FROM posts WHERE post_id = 'P2' AND designated":                 "Vetting Unit|MV;SC",
			"SELECT mitigation_owner_id || '|' || mitigation_review_months FROM clearances WHERE clearance_ref = 'C2' AND adverse_info": "E1|6",
			"SELECT assessment || '|' || assessed_on FROM circumstances_reports WHERE report_ref = 'R3'":                                "no_additional_risk|2026-09-10",
		} {
			if got := storetest.Query(t, dbURL, q); len(got) != 1 || got[0] != want {
				t.Errorf("%s = %v, want %s", q, got, want)
			}
		}
		// The row checks see the kept values: a designated post must keep MV.
		stderr := rejected(t, dbURL, "import", "posts", write(t, "p.csv", "post_id,title,required_levels\nP2,Vetting Manager,SC\n"), "--mode", "delta")
		lacks(t, stderr, `p.csv:2: a designated post must require MV (HMICFRS Rec 13), but required_levels are "SC"`)
		// …and a new start_date must not pass a kept end_date.
		must(t, dbURL, "import", "people", write(t, "e.csv", "employee_id,given_name,family_name,workforce_type,start_date,end_date\nE5,Eve,White,volunteer,2024-06-01,2026-12-31\n"), "--mode", "delta")
		stderr = rejected(t, dbURL, "import", "people", write(t, "s.csv", "employee_id,given_name,family_name,workforce_type,start_date\nE5,Eve,White,volunteer,2027-01-01\n"), "--mode", "delta")
		lacks(t, stderr, `s.csv:2: end_date "2026-12-31" is before start_date "2027-01-01"`)
	})
}

// An import stopped by SIGINT (its context cancelled) says it was
// interrupted, whatever the database driver made of the cut, and leaves
// nothing imported.
func TestAnInterruptedImportSaysSo(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	must(t, dbURL, "import", "posts", write(t, "posts.csv", "post_id,title,department,required_levels\nP1,PC,Ops,RV\n"), "--as-of", "2026-11-02")
	in, feed := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, cli.Env{Args: []string{"import", "people", "-", "--as-of", "2026-11-02"}, Stdin: in, Stdout: &out, Stderr: &errb,
			Getenv: func(k string) string { return map[string]string{"VETTINGD_DATABASE_URL": dbURL}[k] }})
	}()
	if _, err := io.WriteString(feed, "employee_id,given_name,family_name,workforce_type,post_id,start_date\nE1,A,B,staff,P1,2020-01-01\n"); err != nil {
		t.Fatal(err)
	}
	cancel()
	feed.CloseWithError(context.Canceled) // the rest of the file never comes
	code := <-done
	if code == 0 || !strings.HasPrefix(errb.String(), "vettingd: interrupted: ") {
		t.Errorf("exit %d, stderr %q: want a failure that says it was interrupted", code, errb.String())
	}
	if n := storetest.Count(t, dbURL, "people"); n != 0 {
		t.Errorf("an interrupted import left %d people", n)
	}
}

// References are to rows that exist after the import (SPEC §3): a
// snapshot that leaves out a supervisor whose reports still name them is
// taken (they become a leaver, and their reports' reviews go to the
// vetting unit until HR names someone else), and a leaver may be in a post
// closed since; a current person may not.
func TestReferencesMayNameLeaversAndTheirClosedPosts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		withoutE2 := strings.Replace(peopleCSV, "E2,Bob,Smith,bob@force.police.uk,,officer,Inspector,P1,E1,2010-09-01,,active,\n", "", 1)
		m := report(t, must(t, dbURL, "import", "people", write(t, "p.csv", withoutE2), "--as-of", "2026-11-03", "--force", "--format", "json"))
		counts(t, m, map[string]float64{"leavers": 1})
		if got := storetest.Query(t, dbURL, "SELECT supervisor_id FROM people WHERE employee_id = 'E4'"); got[0] != "E2" {
			t.Errorf("E4's supervisor: %v", got)
		}
		must(t, dbURL, "plan", "--as-of", "2026-11-03")
		if got := storetest.Query(t, dbURL, `SELECT assignee_role FROM reviews WHERE employee_id = 'E5' AND kind = 'integrity_review' AND status = 'open'`); len(got) != 1 || got[0] != "vetting_unit" {
			t.Errorf("the integrity review of E5, whose supervisor left: assigned to %v, want the vetting unit", got)
		}
		// P3 closes; E3, who held it, leaves on 2026-11-04 with it still on their record.
		must(t, dbURL, "import", "posts", write(t, "posts.csv", strings.Replace(postsCSV, "P3,Firearms Officer,Firearms,RV;NPPV3,no\n", "", 1)), "--as-of", "2026-11-04")
		leaver := "employee_id,given_name,family_name,workforce_type,post_id,start_date,end_date\nE3,Cat,Jones,staff,P3,2015-02-28,2026-11-04\n"
		must(t, dbURL, "import", "people", write(t, "l.csv", leaver), "--mode", "delta", "--as-of", "2026-11-04")
		current := "employee_id,given_name,family_name,workforce_type,post_id,start_date,end_date\nE3,Cat,Jones,staff,P3,2015-02-28,\n"
		if r := vettingd(t, dbURL, "", "import", "people", write(t, "c.csv", current), "--mode", "delta", "--as-of", "2026-11-04"); r.code != 3 ||
			!strings.Contains(r.stderr, `post_id "P3": no such post (or the post is closed)`) {
			t.Errorf("a current person in a closed post: exit %d, %s", r.code, r.stderr)
		}
	})
}

// A leaver's line to a supervisor is dead: a snapshot that leaves out E2
// (stored as reporting to E1) and makes E2 E1's supervisor is taken, and
// the next day's delta is not refused for a circle through the leaver.
func TestASupervisorCircleThroughALeaverIsNoCircle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		file := strings.Replace(peopleCSV, "E2,Bob,Smith,bob@force.police.uk,,officer,Inspector,P1,E1,2010-09-01,,active,\n", "", 1)
		file = strings.Replace(file, "E1,Ada,Lovelace,ada@force.police.uk,U1,officer,Chief Constable,P2,,2001-04-02,,active,2026-01-10",
			"E1,Ada,Lovelace,ada@force.police.uk,U1,officer,Chief Constable,P2,E2,2001-04-02,,active,2026-01-10", 1)
		must(t, dbURL, "import", "people", write(t, "p.csv", file), "--as-of", "2026-11-03", "--force")
		delta := "employee_id,given_name,family_name,workforce_type,start_date,supervisor_id\nE6,Fay,Green,contractor,2025-01-06,E3\n"
		must(t, dbURL, "import", "people", write(t, "d.csv", delta), "--mode", "delta", "--as-of", "2026-11-04")
	})
}
