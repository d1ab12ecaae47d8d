package cli_test

import (
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
