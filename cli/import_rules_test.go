package cli_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"vettingd/store/storetest"
)

// rejected runs an import that must be refused (exit 3) without changing
// the database, and returns its standard error.
func rejected(t *testing.T, dbURL string, argv ...string) string {
	t.Helper()
	before := storetest.Dump(t, dbURL)
	r := vettingd(t, dbURL, "", argv...)
	if r.code != 3 {
		t.Fatalf("vettingd %v: exit %d, want 3\nstdout: %s\nstderr: %s", argv, r.code, r.stdout, r.stderr)
	}
	if after := storetest.Dump(t, dbURL); after != before {
		t.Errorf("vettingd %v: a rejected import changed the database", argv)
	}
	return r.stderr
}

// lacks reports each wanted text that got does not contain.
func lacks(t *testing.T, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %q\noutput:\n%s", w, got)
		}
	}
}

func TestTextThatIsNotUTF8IsRejectedOnEveryBackend(t *testing.T) {
	file := "employee_id,given_name,family_name,workforce_type,start_date,rank_or_grade\n" +
		"E7,Gus,Black,staff,2020-01-01,Grade 4\n" +
		"E8,Jos\xe9,Garc\xeda,staff,2020-01-01,Grade 4\n" + // Latin-1, as Excel saves "CSV" on Windows
		"E9,Ian,Ray,staff,2020-01-01,Grade\x004\n" +
		"E1\x00,Ann,Lee,staff,2020-01-01,\n"
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		stderr := rejected(t, dbURL, "import", "people", write(t, "people.csv", file), "--mode", "delta")
		lacks(t, stderr,
			"people.csv:3: given_name: is not UTF-8 text (save the file as CSV UTF-8)\n",
			"people.csv:3: family_name: is not UTF-8 text (save the file as CSV UTF-8)\n",
			"people.csv:4: rank_or_grade: contains a NUL character, which is not text (save the file as CSV UTF-8)\n",
			"people.csv:5: employee_id: contains a NUL character",
			"people.csv rejected with 4 problems; nothing was written")
		r := vettingd(t, dbURL, "", "import", "people", write(t, "people.csv", file), "--mode", "delta", "--format", "json")
		m := report(t, r)
		if errs, _ := m["errors"].([]any); r.code != 3 || len(errs) != 4 {
			t.Errorf("json: exit %d, errors %v", r.code, m["errors"])
		}
	})
}

func TestLineWithMoreCellsThanTheHeaderIsRejected(t *testing.T) {
	// An unquoted comma in the last column used to be dropped without a word.
	file := "employee_id,given_name,family_name,workforce_type,start_date,rank_or_grade\n" +
		"E7,Gus,Black,staff,2020-01-01,Grade 4\n" +
		"E8,Hal,Gray,staff,2020-01-01,Grade 4, Band B\n"
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		stderr := rejected(t, dbURL, "import", "people", write(t, "people.csv", file), "--mode", "delta")
		lacks(t, stderr, "people.csv:3: the line has 7 cells, more than the header's 6 columns", "rejected with 1 problem;")
	})
}

func TestPostRulesAndMalformedCSVAreReportedByLine(t *testing.T) {
	file := "post_id,title,department,required_levels,designated\n" +
		"P1,Response Constable,Response,RV,false\n" +
		"P2,Vetting Manager,Vetting Unit,SC,true\n" + // designated without MV
		"P3,Firearms Officer,Firearms,RV;NPPV3,maybe\n" + // not a boolean
		"P4,Dog \"Handler\",Dogs,RV,no\n" + // a quote inside an unquoted cell
		"P5,Custody Officer,Custody,RV,no\n"
	storetest.Each(t, func(t *testing.T, dbURL string) {
		stderr := rejected(t, dbURL, "import", "posts", write(t, "posts.csv", file))
		lacks(t, stderr,
			`posts.csv:3: a designated post must require MV (HMICFRS Rec 13), but required_levels are "SC"`,
			`posts.csv:4: designated "maybe" must be true or false (yes/no, y/n and 1/0 are accepted)`,
			`posts.csv:5: the line is not valid CSV: bare " in non-quoted-field`,
			"posts.csv rejected with 3 problems; nothing was written")
		if n := storetest.Count(t, dbURL, "posts"); n != 0 {
			t.Errorf("posts = %d, want 0", n)
		}
	})
}

func TestSupervisorCycleThroughTheDatabaseIsRejected(t *testing.T) {
	// E1 supervises E2 in the database; this delta makes E2 supervise E1.
	file := "employee_id,given_name,family_name,workforce_type,start_date,supervisor_id\nE1,Ada,Lovelace,officer,2001-04-02,E2\n"
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		stderr := rejected(t, dbURL, "import", "people", write(t, "people.csv", file), "--mode", "delta")
		lacks(t, stderr, `people.csv:2: supervisor_id "E2": this person is on a circle of supervisors (following supervisor_id up comes back to them)`)
	})
}

// Only the lines on a circle of supervisors are named: those beneath it
// are not at fault, and a clerk sent to them would mend nothing. In a
// snapshot, E4 and E5 supervise each other, with E6 under E5 and E7 under
// E6; as a delta, E3 is put under E6, whom E3 supervises in the database,
// and E7 joins under E6.
func TestOnlyTheLinesOnASupervisorCircleAreNamed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		head := "employee_id,given_name,family_name,workforce_type,start_date,supervisor_id\n"
		snapshot := head + "E1,Ada,Lovelace,officer,2001-04-02,\nE2,Bob,Smith,officer,2010-09-01,E1\nE3,Cat,Jones,staff,2015-02-28,E1\n" +
			"E4,Dan,Brown,pcso,2020-02-29,E5\nE5,Eve,White,volunteer,2024-06-01,E4\nE6,Fay,Green,contractor,2025-01-06,E5\nE7,Gus,Gray,staff,2025-01-06,E6\n"
		stderr := rejected(t, dbURL, "import", "people", write(t, "people.csv", snapshot))
		lacks(t, stderr, `people.csv:5: supervisor_id "E5": this person is on a circle`, `people.csv:6: supervisor_id "E4": this person is on a circle`,
			"people.csv rejected with 2 problems")
		delta := head + "E3,Cat,Jones,staff,2015-02-28,E6\nE7,Gus,Gray,staff,2025-01-06,E6\n"
		stderr = rejected(t, dbURL, "import", "people", write(t, "delta.csv", delta), "--mode", "delta")
		lacks(t, stderr, `delta.csv:2: supervisor_id "E6": this person is on a circle`, "delta.csv rejected with 1 problem")
	})
}

func TestAChainOfManagersEachListedTwiceIsRejectedByLine(t *testing.T) {
	// Each of 60 managers in a chain appears twice: a walk of the tree that
	// followed every listing would visit the bottom 2^60 times and never
	// end; the file must be rejected for its duplicates, whole or as a delta.
	var b strings.Builder
	b.WriteString("employee_id,given_name,family_name,workforce_type,start_date,supervisor_id\n")
	for i := range 60 {
		boss := ""
		if i > 0 {
			boss = fmt.Sprintf("C%02d", i-1)
		}
		for range 2 {
			fmt.Fprintf(&b, "C%02d,Pat,Doe,staff,2020-01-01,%s\n", i, boss)
		}
	}
	storetest.Each(t, func(t *testing.T, dbURL string) {
		for _, mode := range []string{"snapshot", "delta"} {
			stderr := rejected(t, dbURL, "import", "people", write(t, "people.csv", b.String()), "--mode", mode)
			lacks(t, stderr, `people.csv:3: employee_id "C00" appears again (first on line 2)`,
				`people.csv:121: employee_id "C59" appears again (first on line 120)`, "rejected with 60 problems;")
		}
	})
}

func TestSnapshotEndingNoMoreThanTheFloorNeedsNoForce(t *testing.T) {
	var b strings.Builder
	b.WriteString("employee_id,given_name,family_name,workforce_type,start_date\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "X%02d,Pat,Doe,staff,2020-01-01\n", i)
	}
	lines := strings.SplitAfter(b.String(), "\n")
	storetest.Each(t, func(t *testing.T, dbURL string) {
		must(t, dbURL, "import", "people", write(t, "people.csv", b.String()))
		// 11 of 40 (27.5%) is past both the 5% and the floor of 10 people…
		stderr := rejected(t, dbURL, "import", "people", write(t, "people.csv", strings.Join(lines[:30], "")))
		lacks(t, stderr, "would make leavers of 11 of 40 current people (27.5%)")
		// …but 10 of 40 (25%) is within the floor, and needs no --force.
		m := report(t, must(t, dbURL, "import", "people", write(t, "people.csv", strings.Join(lines[:31], "")), "--format", "json"))
		counts(t, m, map[string]float64{"rows": 30, "unchanged": 30, "leavers": 10})
		if got := storetest.Query(t, dbURL, "SELECT COUNT(*) FROM people WHERE end_date IS NULL"); got[0] != "30" {
			t.Errorf("current people = %v, want 30", got)
		}
	})
}

// Past the first 1,000 problems a report says how many more there were,
// and the count of problems is of them all.
func TestTheCountOfProblemsIsOfThemAll(t *testing.T) {
	var b strings.Builder
	b.WriteString("employee_id,given_name,family_name,workforce_type,start_date\n")
	for i := range 1200 {
		fmt.Fprintf(&b, "X%04d,Pat,Doe,staff,someday\n", i)
	}
	dbURL := storetest.URL(t, "sqlite")
	stderr := rejected(t, dbURL, "import", "people", write(t, "people.csv", b.String()))
	lacks(t, stderr, "… and 200 more problems not listed", "people.csv rejected with 1200 problems; nothing was written")
}

// A column that is read may appear only once (which one holds the data?);
// one vettingd does not read is ignored, however often it appears.
func TestOnlyAColumnThatIsReadMayNotAppearTwice(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	stderr := rejected(t, dbURL, "import", "people", write(t, "people.csv",
		"employee_id,given_name,family_name,workforce_type,start_date,Given_Name\nX1,Pat,Doe,staff,2020-01-01,Sam\n"))
	lacks(t, stderr, `people.csv:1: column "Given_Name" appears twice in the header`, "rejected with 1 problem;")
	m := report(t, must(t, dbURL, "import", "people", write(t, "people.csv",
		"employee_id,given_name,family_name,workforce_type,start_date,misc_note,misc_note\nX1,Pat,Doe,staff,2020-01-01,a,b\n"), "--format", "json"))
	counts(t, m, map[string]float64{"rows": 1, "created": 1})
	if w := fmt.Sprint(m["warnings"]); strings.Count(w, `column "misc_note" is not one vettingd reads`) != 2 {
		t.Errorf("warnings %s", w)
	}
}

// dropColumn removes a column from every line of a simple CSV (no quotes).
func dropColumn(file, column string) string {
	lines := strings.Split(strings.TrimSuffix(file, "\n"), "\n")
	at := slices.Index(strings.Split(lines[0], ","), column)
	for i, l := range lines {
		cells := strings.Split(l, ",")
		lines[i] = strings.Join(slices.Delete(cells, at, at+1), ",")
	}
	return strings.Join(lines, "\n") + "\n"
}

// A snapshot whose header lacks an optional column keeps that column's
// stored values, and says so: an HR extract without e-mails does not erase
// them, nor a posts file without its designated column every designation.
func TestASnapshotKeepsWhatItsHeaderLacks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		m := report(t, must(t, dbURL, "import", "people", write(t, "people.csv", dropColumn(dropColumn(dropColumn(peopleCSV, "email"), "rank_or_grade"), "status")), "--format", "json"))
		counts(t, m, map[string]float64{"rows": 6, "updated": 0, "unchanged": 6, "leavers": 0})
		if w := fmt.Sprint(m["warnings"]); !strings.Contains(w, `column "email" is not in the file: the stored values are kept`) || !strings.Contains(w, `column "rank_or_grade"`) || !strings.Contains(w, `column "status" is not in the file: the stored values are kept`) {
			t.Errorf("warnings %s", w)
		}
		m = report(t, must(t, dbURL, "import", "posts", write(t, "posts.csv", dropColumn(postsCSV, "designated")), "--format", "json"))
		counts(t, m, map[string]float64{"rows": 3, "updated": 0, "unchanged": 3})
		if got := storetest.Query(t, dbURL, "SELECT post_id FROM posts WHERE designated"); !slices.Equal(got, []string{"P2"}) {
			t.Errorf("designated posts after a file without the column: %v", got)
		}
		if got := storetest.Query(t, dbURL, "SELECT COUNT(*) FROM people WHERE email IS NOT NULL"); got[0] != "5" {
			t.Errorf("people with an e-mail: %v, want 5", got)
		}
		if got := storetest.Query(t, dbURL, "SELECT employee_id FROM people WHERE status = 'absent'"); !slices.Equal(got, []string{"E4"}) {
			t.Errorf("absent people: %v, want E4 still", got)
		}
		// Kept values are checked as if the file had them: a post closed
		// since, kept for want of a post_id column, rejects its lines.
		lines := strings.SplitAfter(postsCSV, "\n")
		must(t, dbURL, "import", "posts", write(t, "posts.csv", lines[0]+lines[2]+lines[3]), "--force") // without P1
		stderr := rejected(t, dbURL, "import", "people", write(t, "people.csv", dropColumn(peopleCSV, "post_id")))
		lacks(t, stderr, `people.csv:3: post_id "P1": no such post (or the post is closed)`, "rejected with 3 problems;")
	})
}

// A header problem does not hide the lines' own: a file that lacks a
// required column and has a bad date is rejected naming both, the missing
// column once rather than on every line.
func TestAHeaderProblemDoesNotHideTheLines(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	stderr := rejected(t, dbURL, "import", "misconduct", write(t, "m.csv", "case_ref,employee_id,concluded_on\nM1,E1,2026-02-30\nM2,E1,2026-01-05\n"))
	lacks(t, stderr, `m.csv:1: required column "outcome" is missing from the header`, `m.csv:2: concluded_on "2026-02-30" is not a date`, "rejected with 2 problems;")
}

// A posts snapshot that closes a post people still hold says so: the next
// people file must move them.
func TestClosingAPostPeopleHoldWarns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		lines := strings.SplitAfter(postsCSV, "\n")
		m := report(t, must(t, dbURL, "import", "posts", write(t, "posts.csv", lines[0]+lines[2]+lines[3]), "--force", "--format", "json")) // without P1
		if w := fmt.Sprint(m["warnings"]); !strings.Contains(w, "3 people still hold posts this snapshot closes (P1): the next people file must move them") {
			t.Errorf("warnings %s", w)
		}
	})
}

// Lines of spaces or bare commas, as spreadsheets leave at the end of an
// export, are blank lines: skipped, not problems.
func TestASpreadsheetsEmptyRowsAreBlankLines(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	m := report(t, must(t, dbURL, "import", "people", write(t, "people.csv",
		"employee_id,given_name,family_name,workforce_type,start_date\nX1,Pat,Doe,staff,2020-01-01\n   \n,,,,\n , ,,, \nX2,Sam,Roe,staff,2020-01-01\n,,,,\n"), "--format", "json"))
	counts(t, m, map[string]float64{"rows": 2, "created": 2})
}

// A snapshot without end_date, status, post_id or supervisor_id columns
// says those are empty: a leaver listed again is current again.
func TestASnapshotWithoutEndDatesBringsARejoinerBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		header := "employee_id,given_name,family_name,workforce_type,start_date\n"
		all := header + "X1,Pat,Doe,staff,2020-01-01\nX2,Sam,Roe,staff,2020-01-01\nX3,Kim,Poe,staff,2020-01-01\n"
		must(t, dbURL, "import", "people", write(t, "p.csv", all), "--as-of", "2026-01-05")
		must(t, dbURL, "import", "people", write(t, "p.csv", header+"X1,Pat,Doe,staff,2020-01-01\nX3,Kim,Poe,staff,2020-01-01\n"), "--as-of", "2026-02-05")
		m := report(t, must(t, dbURL, "import", "people", write(t, "p.csv", all), "--as-of", "2026-03-05", "--format", "json"))
		counts(t, m, map[string]float64{"rows": 3, "updated": 1})
		if got := storetest.Query(t, dbURL, "SELECT COUNT(*) FROM people WHERE end_date IS NULL"); got[0] != "3" {
			t.Errorf("current people after the rejoiner's snapshot: %v, want 3", got)
		}
	})
}

// In a file whose header lacks a required column, the lines' checks that
// read the columns it has still report.
func TestAHeaderProblemLeavesTheRowChecks(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	stderr := rejected(t, dbURL, "import", "people", write(t, "people.csv",
		"employee_id,family_name,workforce_type,start_date,supervisor_id\nX1,Doe,staff,2020-01-01,X1\n"))
	lacks(t, stderr, `people.csv:1: required column "given_name" is missing from the header`, "people.csv:2:", "supervise", "rejected with 2 problems;")
}

// A snapshot that leaves out a supervisor whose people still name them is
// taken, and says so: their supervisor reviews go to the vetting unit
// until HR records a new supervisor.
func TestASupervisorWhoLeftStillNamedIsWarnedOf(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL)
		e2 := "E2,Bob,Smith,bob@force.police.uk,,officer,Inspector,P1,E1,2010-09-01,,active,\n"
		if !strings.Contains(peopleCSV, e2) {
			t.Fatal("the fixture has changed: E2's line is not as expected")
		}
		r := must(t, dbURL, "import", "people", write(t, "p.csv", strings.Replace(peopleCSV, e2, "", 1)), "--as-of", "2026-11-05")
		lacks(t, r.stdout+r.stderr, "2 current people still name a supervisor who has left (E2 by 2): their supervisor reviews go to the vetting unit")
		if got := storetest.Query(t, dbURL, `SELECT DISTINCT assignee_role FROM reviews WHERE kind = 'integrity_review' AND employee_id IN ('E4', 'E5') AND status = 'open'`); len(got) != 1 || got[0] != "vetting_unit" {
			t.Errorf("the integrity reviews of E2's people are assigned to %v, want the vetting unit", got)
		}
		// The same file again: still so, and still said.
		r = must(t, dbURL, "import", "people", write(t, "p.csv", strings.Replace(peopleCSV, e2, "", 1)), "--as-of", "2026-11-06")
		lacks(t, r.stdout+r.stderr, "(E2 by 2)")
		// HR moves them under E1: nothing more to say.
		moved := strings.ReplaceAll(strings.Replace(peopleCSV, e2, "", 1), ",E2,", ",E1,")
		r = must(t, dbURL, "import", "people", write(t, "p.csv", moved), "--as-of", "2026-11-07")
		if strings.Contains(r.stdout+r.stderr, "a supervisor who has left") {
			t.Errorf("warned with no one naming a leaver:\n%s%s", r.stdout, r.stderr)
		}
	})
}
