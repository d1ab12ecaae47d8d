package synth

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The test's own copy of SPEC §4's defaults, to find people with a gap.
var (
	testBaseline = map[string]string{"officer": "RV", "staff": "RV", "pcso": "RV", "special": "RV", "volunteer": "NPPV2A", "contractor": "NPPV1"}
	testValidity = map[string]int{"RV": 120, "MV": 84, "NPPV1": 36, "NPPV2A": 36, "NPPV2F": 36, "NPPV3": 60, "CTC": 120, "SC": 120, "DV": 84, "EDV": 84}
	testSatisfy  = map[string][]string{
		"RV": {"RV", "MV"}, "MV": {"MV"}, "NPPV1": {"NPPV1", "NPPV2A", "NPPV2F", "NPPV3", "RV", "MV"},
		"NPPV2A": {"NPPV2A", "NPPV2F", "NPPV3", "RV", "MV"}, "NPPV2F": {"NPPV2F", "NPPV3", "RV", "MV"}, "NPPV3": {"NPPV3", "MV"},
		"CTC": {"CTC", "SC", "DV", "EDV"}, "SC": {"SC", "DV", "EDV"}, "DV": {"DV", "EDV"}, "EDV": {"EDV"},
	}
)

// measures is what a force looks like in numbers, by name.
type measures map[string]float64

func measure(f force, asOf time.Time) measures {
	m := measures{}
	people := f["people"]
	n := float64(len(people.rows))
	for _, r := range people.rows {
		m["workforce "+people.get(r, "workforce_type")] += 1 / n
		m["status "+people.get(r, "status")] += 1 / n
		m["no post"] += bool01(people.get(r, "post_id") == "") / n
		m["no email"] += bool01(people.get(r, "email") == "") / n
		m["slack id"] += bool01(people.get(r, "slack_user_id") != "") / n
		m["no integrity review"] += bool01(people.get(r, "last_integrity_review_on") == "") / n
	}
	m.tree(people)
	m.posts(f["posts"])
	m.clearances(f["clearances"], n, asOf)
	m["gap"] = float64(gaps(f, asOf)) / n
	m["leap grants per 1,000 people"] = float64(leapGrants(f)) / n * 1000
	for _, k := range []string{"misconduct", "circumstances", "adverse", "interests", "associations"} {
		m[k] = float64(len(f[k].rows)) / n
	}
	return m
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// tree measures spans of control and depth; supervisors come first.
func (m measures) tree(people *table) {
	reports, depth := map[string]int{}, map[string]int{}
	for _, r := range people.rows {
		if sup := people.get(r, "supervisor_id"); sup != "" {
			reports[sup]++
			depth[r[0]] = depth[sup] + 1
			m["depth"] = max(m["depth"], float64(depth[r[0]]))
		}
	}
	for _, k := range reports {
		m["mean span"] += float64(k) / float64(len(reports))
		m["max span"] = max(m["max span"], float64(k))
	}
}

func (m measures) posts(posts *table) {
	for _, r := range posts.rows {
		m["designated posts"] += bool01(posts.get(r, "designated") == "true") / float64(len(posts.rows))
	}
}

func (m measures) clearances(cl *table, people float64, asOf time.Time) {
	n := float64(len(cl.rows))
	m["clearances per person"] = n / people
	soon := asOf.AddDate(0, 6, 0)
	for _, r := range cl.rows {
		m["with conditions"] += bool01(cl.get(r, "decision") == "granted_with_conditions") / n
		m["adverse info"] += bool01(cl.get(r, "adverse_info") == "true") / n
		m["explicit expiry"] += bool01(cl.get(r, "expires_on") != "") / n
		m["withdrawn or refused"] += bool01(!strings.HasPrefix(cl.get(r, "decision"), "granted")) / n
		if exp := expiry(cl, r); strings.HasPrefix(cl.get(r, "decision"), "granted") && exp.After(asOf) && !exp.After(soon) {
			m["expiring within 6 months"] += 1 / n
		}
	}
}

// expiry is expires_on, or decided_on plus the level's validity.
func expiry(cl *table, r []string) time.Time {
	if e := cl.get(r, "expires_on"); e != "" {
		d, _ := time.Parse(time.DateOnly, e)
		return d
	}
	d, _ := time.Parse(time.DateOnly, cl.get(r, "decided_on"))
	return d.AddDate(0, testValidity[cl.get(r, "level")], 0)
}

// gaps counts the people whose required levels (baseline and post) are not
// all satisfied by a current clearance: the latest decision of its level, a
// grant, expiring after as-of.
func gaps(f force, asOf time.Time) int {
	current := currentLevels(f["clearances"], asOf)
	postLevels := map[string][]string{}
	for _, r := range f["posts"].rows {
		postLevels[r[0]] = strings.Split(f["posts"].get(r, "required_levels"), ";")
	}
	n, people := 0, f["people"]
	for _, r := range people.rows {
		required := append([]string{testBaseline[people.get(r, "workforce_type")]}, postLevels[people.get(r, "post_id")]...)
		for _, l := range required {
			if !slices.ContainsFunc(testSatisfy[l], func(h string) bool { return current[r[0]+" "+h] }) {
				n++
				break
			}
		}
	}
	return n
}

// currentLevels is the set of "EMPLOYEE LEVEL" held currently at as-of.
func currentLevels(cl *table, asOf time.Time) map[string]bool {
	latest := map[string][]string{}
	for _, r := range cl.rows {
		key := cl.get(r, "employee_id") + " " + cl.get(r, "level")
		if prev := latest[key]; prev == nil || cl.get(r, "decided_on") >= cl.get(prev, "decided_on") {
			latest[key] = r
		}
	}
	current := map[string]bool{}
	for key, r := range latest {
		current[key] = strings.HasPrefix(cl.get(r, "decision"), "granted") && expiry(cl, r).After(asOf)
	}
	return current
}

// TestForceLooksLikeAForce checks the proportions the brief asks for, with
// room for chance, on forces of 50,000 people from several seeds.
func TestForceLooksLikeAForce(t *testing.T) {
	t.Parallel()
	want := []struct {
		name   string
		lo, hi float64
	}{
		{"workforce officer", 0.50, 0.60}, {"workforce staff", 0.29, 0.37}, {"workforce pcso", 0.035, 0.065},
		{"workforce special", 0.03, 0.05}, {"workforce volunteer", 0.012, 0.028}, {"workforce contractor", 0.005, 0.015},
		{"status suspended", 0.012, 0.028}, {"status absent", 0.02, 0.04}, {"no post", 0.02, 0.04},
		{"no email", 0.012, 0.028}, {"slack id", 0.66, 0.74}, {"no integrity review", 0.26, 0.34},
		{"mean span", 5, 10}, {"max span", 5, 10}, {"depth", 6, 10}, {"designated posts", 0.05, 0.16},
		{"clearances per person", 1.02, 1.13}, {"with conditions", 0.02, 0.04}, {"adverse info", 0.012, 0.028},
		{"explicit expiry", 0.17, 0.23}, {"withdrawn or refused", 0.002, 0.02}, {"expiring within 6 months", 0.03, 0.15},
		{"gap", 0.02, 0.045}, {"leap grants per 1,000 people", 1, 10},
		{"misconduct", 0.007, 0.013}, {"circumstances", 0.025, 0.035}, {"adverse", 0.0015, 0.0045},
		{"interests", 0.016, 0.024}, {"associations", 0.007, 0.013},
	}
	for seed := uint64(1); seed <= 3; seed++ {
		m := measure(load(t, write(t, Config{People: 50000, Seed: seed, AsOf: asOf})), asOf)
		for _, w := range want {
			if got := m[w.name]; got < w.lo || got > w.hi {
				t.Errorf("seed %d: %s is %.4f, want %g to %g", seed, w.name, got, w.lo, w.hi)
			}
		}
		if testing.Verbose() {
			t.Logf("seed %d: %v", seed, m)
		}
	}
}
