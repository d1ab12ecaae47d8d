package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"vettingd/civil"
	"vettingd/store"
	"vettingd/store/storetest"
)

// TestImportsStoreRowsInPlanOrder: on PostgreSQL, a file in another order
// than the employee ids (here, the reverse) is stored in their order,
// people and their records alike, as the planner reads them a range of ids
// at a time.
func TestImportsStoreRowsInPlanOrder(t *testing.T) {
	asOf := civil.MustParse("2026-11-02")
	dir := t.TempDir()
	var people, clearances strings.Builder
	people.WriteString("employee_id,given_name,family_name,workforce_type,start_date\n")
	clearances.WriteString("clearance_ref,employee_id,level,decision,decided_on\n")
	for i := 60; i >= 1; i-- {
		fmt.Fprintf(&people, "E%06d,A,B,staff,2001-01-01\n", i)
		fmt.Fprintf(&clearances, "C%06d,E%06d,RV,granted,2024-01-01\n", 100-i, i)
	}
	write := func(name, text string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	peopleFile, clearancesFile := write("people.csv", people.String()), write("clearances.csv", clearances.String())
	t.Run("postgres", func(t *testing.T) {
		dbURL := storetest.URL(t, "postgres")
		s, err := store.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		importFile(t, s, "people", "", peopleFile, asOf)
		importFile(t, s, "clearances", "", clearancesFile, asOf)
		for _, table := range []string{"people", "clearances"} {
			ids := storetest.Query(t, dbURL, "SELECT employee_id FROM "+table+" ORDER BY ctid")
			if len(ids) != 60 || !slices.IsSorted(ids) {
				t.Errorf("%s as stored: %v", table, ids)
			}
		}
	})
}

// TestTheSupervisorCheckLeavesTheImportAsItFoundIt: the check for circles
// of supervisors has PostgreSQL hash its joins, and only it: once it has
// named the circle's lines, the import's transaction plans as before.
func TestTheSupervisorCheckLeavesTheImportAsItFoundIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		s, err := store.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		it, err := s.BeginImport(ctx, store.ImportTable{Table: "people", Key: "employee_id",
			Columns: []store.Column{{Name: "employee_id", Type: store.Text}, {Name: "supervisor_id", Type: store.Text}}})
		if err != nil {
			t.Fatal(err)
		}
		defer it.Rollback()
		for line, row := range map[int][]any{2: {"E1", nil}, 3: {"E2", "E3"}, 4: {"E3", "E2"}, 5: {"E4", "E1"}} {
			if err := it.Add(line, row); err != nil {
				t.Fatal(err)
			}
		}
		if err := it.EndStaging(ctx); err != nil {
			t.Fatal(err)
		}
		problems, err := it.SupervisorCycles(ctx, true, civil.MustParse("2026-11-02"))
		if err != nil {
			t.Fatal(err)
		}
		var lines []int
		for _, p := range problems {
			lines = append(lines, p.Line)
		}
		if slices.Sort(lines); !slices.Equal(lines, []int{3, 4}) {
			t.Errorf("the circle named lines %v, want 3 and 4", lines)
		}
		if s.Dialect() != store.Postgres {
			return
		}
		for _, name := range []string{"enable_nestloop", "enable_mergejoin"} {
			if v, err := it.Setting(ctx, name); err != nil || v != "on" {
				t.Errorf("after the check, %s = %q (%v), want on", name, v, err)
			}
		}
	})
}
