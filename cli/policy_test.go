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
