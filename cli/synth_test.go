package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"vettingd/store/storetest"
)

// A generated force imports cleanly through the command line on both
// backends, plans, and re-plans to nothing.
func TestGeneratedForceImportsAndPlans(t *testing.T) {
	dir := t.TempDir()
	must(t, "sqlite:"+dir+"/unused.db", "generate", "--people", "1500", "-o", dir, "--as-of", "2026-11-02")
	storetest.Each(t, func(t *testing.T, dbURL string) {
		for _, k := range []string{"posts", "people", "clearances", "misconduct", "circumstances", "adverse", "interests", "associations"} {
			r := must(t, dbURL, "import", k, dir+"/"+k+".csv", "--format", "json", "--as-of", "2026-11-02")
			m := report(t, r)
			if m["created"] != m["rows"] || m["rows"] == 0.0 {
				t.Errorf("%s: %v", k, r.stdout)
			}
		}
		// The month's random draw waits for the first full plan with a force
		// (the posts import's plan had nobody to draw from).
		first := report(t, must(t, dbURL, "plan", "--as-of", "2026-11-02", "--format", "json"))
		// It plans just the people it chose: their random re-vettings.
		if d, ok := first["draw"].(map[string]any); !ok || d["chosen"] != first["created"] || first["people"] != d["chosen"] || first["updated"] != 0.0 || first["cancelled"] != 0.0 {
			t.Errorf("the month's first full plan: %v", first)
		}
		// The imports planned everyone: a re-plan has no one to evaluate, and
		// evaluating everyone again finds nothing to change.
		for _, flags := range [][]string{nil, {"--all"}} {
			again := must(t, dbURL, append([]string{"plan", "--as-of", "2026-11-02", "--format", "json"}, flags...)...)
			var res map[string]any
			_ = json.Unmarshal([]byte(again.stdout), &res)
			people := 0.0
			if flags != nil {
				people = 1500
			}
			if res["created"] != 0.0 || res["cancelled"] != 0.0 || res["updated"] != 0.0 || res["people"] != people {
				t.Errorf("re-plan %v: %s", flags, again.stdout)
			}
		}
		kinds := storetest.Query(t, dbURL, "SELECT DISTINCT kind FROM reviews ORDER BY kind")
		for _, k := range []string{"integrity_review", "revetting", "vetting_gap", "vetting_review", "supervisor_briefing"} {
			if !strings.Contains(strings.Join(kinds, ","), k) {
				t.Errorf("no %s reviews planned (have %v)", k, kinds)
			}
		}
	})
}
