package importer_test

import (
	"context"
	"strings"
	"testing"

	"vettingd/importer"
	"vettingd/store/storetest"
)

// Text is stored exactly as the file has it, whatever it holds: the
// characters that PostgreSQL's COPY format escapes (backslash, tab,
// newline, carriage return) and its NULL marker written out.
func TestTextIsStoredAsWritten(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		s := storetest.OpenURL(t, dbURL)
		names := []string{`Back\slash`, "Tab\tbed", "New\nline", "Carriage\rreturn", `\N`, `\\N\t`, "Zoë O'Brien-Ólafsdóttir"}
		var b strings.Builder
		b.WriteString("employee_id,given_name,family_name,workforce_type,start_date\n")
		for i, n := range names {
			b.WriteString("E" + string(rune('1'+i)) + `,"` + strings.ReplaceAll(n, `"`, `""`) + `",Smith,staff,2020-01-01` + "\n")
		}
		rep, err := importer.Run(context.Background(), s, strings.NewReader(b.String()),
			importer.Options{Kind: "people", AsOf: benchAsOf, FileName: "people.csv", Actor: "test"})
		if err != nil || !rep.Applied {
			t.Fatalf("import: %v %+v", err, rep)
		}
		got := storetest.Query(t, dbURL, `SELECT given_name FROM people ORDER BY employee_id`)
		if len(got) != len(names) {
			t.Fatalf("stored %q, want %q", got, names)
		}
		for i := range names {
			if got[i] != names[i] {
				t.Errorf("E%d's given name stored as %q, want %q", i+1, got[i], names[i])
			}
		}
	})
}
