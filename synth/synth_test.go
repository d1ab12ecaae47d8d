package synth

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var asOf = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

func write(t *testing.T, cfg Config) Files {
	t.Helper()
	files, err := Write(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestSameSeedSameFiles(t *testing.T) {
	t.Parallel()
	cfg := Config{People: 3000, Seed: 7, AsOf: asOf}
	a, b := write(t, cfg), write(t, cfg)
	for _, k := range Kinds() {
		x, _ := os.ReadFile(a[k])
		y, _ := os.ReadFile(b[k])
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with one seed (or is empty)", k)
		}
	}
	cfg.Seed = 8
	c := write(t, cfg)
	x, _ := os.ReadFile(a["people"])
	y, _ := os.ReadFile(c["people"])
	if bytes.Equal(x, y) {
		t.Error("another seed gave the same people")
	}
}

func TestWriteNamesEveryKind(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "new", "dir")
	files, err := Write(dir, Config{People: 5, Seed: 1, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(Kinds(), ","); got != "posts,people,clearances,misconduct,circumstances,adverse,interests,associations" {
		t.Errorf("Kinds() = %s", got)
	}
	for _, k := range Kinds() {
		if files[k] != filepath.Join(dir, k+".csv") || !filepath.IsAbs(files[k]) {
			t.Errorf("%s written to %q", k, files[k])
		}
	}
	if len(files) != len(Kinds()) {
		t.Errorf("%d files for %d kinds", len(files), len(Kinds()))
	}
}

func TestWriteRefusesAnEmptyForce(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{{People: 0, AsOf: asOf}, {People: 10, Posts: -1, AsOf: asOf}} {
		if _, err := Write(t.TempDir(), cfg); err == nil {
			t.Errorf("Write(%+v) gave no error", cfg)
		}
	}
}

// TestForcesAreValid checks every file of forces of several sizes and
// dates (a leap day and the day after one among them) as the importer would.
func TestForcesAreValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
	}{
		{"one person", Config{People: 1, Seed: 1, AsOf: asOf}},
		{"five people", Config{People: 5, Seed: 2, AsOf: asOf}},
		{"twenty people", Config{People: 20, Seed: 3, AsOf: asOf}},
		{"as of a leap day", Config{People: 500, Posts: 3, Seed: 4, AsOf: time.Date(2028, 2, 29, 15, 4, 5, 0, time.UTC)}},
		{"as of 1 March", Config{People: 500, Seed: 5, AsOf: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}},
		{"two thousand", Config{People: 2000, Seed: 1, AsOf: asOf}},
		{"ids spread", Config{People: 2000, Seed: 1, AsOf: asOf, SpreadIDs: true}},
		{"many posts", Config{People: 20000, Posts: 2500, Seed: 6, AsOf: asOf}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := load(t, write(t, tt.cfg))
			for _, p := range problems(f, day(tt.cfg.AsOf.Year(), tt.cfg.AsOf.Month(), tt.cfg.AsOf.Day())) {
				t.Error(p)
			}
			if len(f["people"].rows) != tt.cfg.People {
				t.Errorf("%d people, want %d", len(f["people"].rows), tt.cfg.People)
			}
			if leap := leapGrants(f); tt.cfg.People >= 20 && leap < max(1, tt.cfg.People/1000) {
				t.Errorf("%d grants decided on a 29 February among %d people", leap, tt.cfg.People)
			}
		})
	}
}

// TestSpreadIDsShuffleTheNumbers: with SpreadIDs the people are numbered
// 1…People all the same, each once, but not in the order of the file (the
// hierarchy's), and the chief constable is not E000001.
func TestSpreadIDsShuffleTheNumbers(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 10, 618, 2000} {
		f := load(t, write(t, Config{People: n, Seed: 2, AsOf: asOf, SpreadIDs: true}))
		people := f["people"]
		var ids []string
		for _, r := range people.rows {
			ids = append(ids, people.get(r, "employee_id"))
		}
		sorted := slices.Sorted(slices.Values(ids))
		for i, id := range sorted {
			if want := ref("E", 6, i+1); id != want {
				t.Fatalf("%d people: the %dth id in order is %s, want %s", n, i+1, id, want)
			}
		}
		if n >= 10 && (slices.IsSorted(ids) || ids[0] == "E000001") {
			t.Errorf("%d people: the ids are not spread: %v…", n, ids[:5])
		}
	}
}

func leapGrants(f force) int {
	n, t := 0, f["clearances"]
	for _, r := range t.rows {
		if strings.HasSuffix(t.get(r, "decided_on"), "-02-29") && strings.HasPrefix(t.get(r, "decision"), "granted") {
			n++
		}
	}
	return n
}

// TestCheckerCatchesBrokenForces shows that the checks of TestForcesAreValid
// can fail: each case breaks one rule in an otherwise valid force.
func TestCheckerCatchesBrokenForces(t *testing.T) {
	t.Parallel()
	files := write(t, Config{People: 1000, Seed: 9, AsOf: asOf})
	type edit struct {
		kind  string
		row   int
		col   string
		value string
	}
	tests := []struct {
		name  string
		want  string // in a problem reported
		edits []edit
	}{
		{"self-supervision", "supervises themselves", []edit{{"people", 5, "supervisor_id", "E000006"}}},
		{"a cycle", "loops", []edit{{"people", 1, "supervisor_id", "E000003"}, {"people", 2, "supervisor_id", "E000002"}}},
		{"a second chief", "only the first person", []edit{{"people", 9, "supervisor_id", ""}}},
		{"unknown supervisor", "no such person", []edit{{"people", 7, "supervisor_id", "E999999"}}},
		{"unknown post", "no such post", []edit{{"people", 7, "post_id", "P99999"}}},
		{"duplicate key", "repeated", []edit{{"people", 8, "employee_id", "E000001"}}},
		{"start after as-of", "after as-of", []edit{{"people", 3, "start_date", "2026-11-03"}}},
		{"bad date", "not YYYY-MM-DD", []edit{{"people", 3, "last_integrity_review_on", "2026-02-30"}}},
		{"bad workforce", "not one of", []edit{{"people", 3, "workforce_type", "police"}}},
		{"bad email", "email", []edit{{"people", 3, "email", "Someone@force.police.uk"}}},
		{"designated without MV", "does not require MV", []edit{{"posts", 4, "required_levels", "RV"}, {"posts", 4, "designated", "true"}}},
		{"conditions without owner", "owner \"\"", []edit{{"clearances", 2, "decision", "granted_with_conditions"}, {"clearances", 2, "mitigation_review_months", "6"}}},
		{"grant after as-of", "after as-of", []edit{{"clearances", 2, "decided_on", "2027-01-01"}}},
		{"bad level", "not one of", []edit{{"clearances", 2, "level", "TS"}}},
		{"unknown holder", "no such person", []edit{{"clearances", 2, "employee_id", "E001001"}}},
		{"unknown owner", "no such person", []edit{{"clearances", 2, "adverse_info", "true"}, {"clearances", 2, "mitigation_owner_id", "E001001"}, {"clearances", 2, "mitigation_review_months", "6"}}},
		{"misconduct after as-of", "after as-of", []edit{{"misconduct", 0, "concluded_on", "2026-11-03"}}},
		{"pending with assessed_on", "pending assessed on", []edit{{"circumstances", 0, "assessment", "pending"}, {"circumstances", 0, "assessed_on", "2026-01-01"}}},
		{"unknown adverse source", "not one of", []edit{{"adverse", 0, "source", "rumour"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := load(t, files)
			if len(problems(f, asOf)) != 0 {
				t.Fatal("the force was broken before the test broke it")
			}
			for _, e := range tt.edits {
				if tab := f[e.kind]; e.row < len(tab.rows) {
					tab.rows[e.row][tab.col[e.col]] = e.value
				} else {
					t.Fatalf("%s has only %d rows", e.kind, len(tab.rows))
				}
			}
			got := problems(f, asOf)
			if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("%v: want a problem saying %q, got %q", tt.edits, tt.want, got)
			}
		})
	}
}

// BenchmarkWrite writes a national-scale force of 310,000 people.
func BenchmarkWrite(b *testing.B) {
	cfg := Config{People: 310_000, Seed: 1, AsOf: asOf}
	b.ReportAllocs()
	runs := 0
	for b.Loop() {
		if _, err := Write(b.TempDir(), cfg); err != nil {
			b.Fatal(err)
		}
		runs++
	}
	b.ReportMetric(float64(cfg.People*runs)/b.Elapsed().Seconds(), "people/s")
}
