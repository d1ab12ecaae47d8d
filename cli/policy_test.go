package cli_test

import (
	"strings"
	"testing"
)

func TestABadPolicyFileIsRefusedNamingTheSameSettingEveryTime(t *testing.T) {
	pol := write(t, "policy.toml", "[mitigation_review]\nperiod_months = 0\n[interest_review]\nperiod_months = 0\n[association_review]\nperiod_months = 999\n")
	// The policy is read before any database is opened: no backend is involved.
	for range 20 {
		r := vettingd(t, "sqlite:"+t.TempDir()+"/unused.db", "", "policy", "show", "--policy", pol)
		if r.code != 2 || !strings.Contains(r.stderr, "association_review.period_months must be from 1 to 240 months, not 999") {
			t.Fatalf("exit %d %s", r.code, r.stderr)
		}
	}
}

// A column mapping for a kind that does not exist, or for a column a kind
// does not have, is refused by every command, not only the import of the
// kind it names.
func TestAMisspeltColumnMappingIsRefused(t *testing.T) {
	for _, c := range []struct{ toml, want string }{
		{"[import.columns.misconducts]\ncase_ref = \"Case\"\n", `import.columns.misconducts: there is no kind "misconducts"`},
		{"[import.columns.people]\nforename = \"Forename\"\n", `import.columns.people.forename: people has no column "forename"`},
	} {
		pol := write(t, "policy.toml", c.toml)
		for _, argv := range [][]string{{"policy", "show"}, {"plan", "--dry-run"}} {
			r := vettingd(t, "sqlite:"+t.TempDir()+"/unused.db", "", append(argv, "--policy", pol)...)
			if r.code != 2 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("%v with %q: exit %d %s", argv, c.toml, r.code, r.stderr)
			}
		}
	}
}
