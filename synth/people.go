package synth

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// validityMonths mirrors the default policy's validity of each level.
var validityMonths = map[string]int{"RV": 120, "MV": 84, "NPPV1": 36, "NPPV2A": 36, "NPPV2F": 36, "NPPV3": 60, "CTC": 120, "SC": 120, "DV": 84, "EDV": 84}

var baseline = map[string]string{"officer": "RV", "staff": "RV", "pcso": "RV", "special": "RV", "volunteer": "NPPV2A", "contractor": "NPPV1"}

// covers says which held level already satisfies a required one, so a
// person with MV is not also given RV.
var covers = map[string][]string{"RV": {"MV"}, "NPPV3": {"MV"}, "NPPV1": {"RV", "MV", "NPPV3"}, "NPPV2A": {"RV", "MV", "NPPV3"},
	"SC": {"DV", "EDV"}, "CTC": {"SC", "DV", "EDV"}, "DV": {"EDV"}}

// supervisorOf gives a tree with spans of about seven: person i reports to
// someone with a lower number, so there is never a cycle.
func (g *generator) supervisorOf(i int) string {
	if i == 1 {
		return ""
	}
	s := 1 + (i-2)/7
	if s > 1 && g.chance(0.2) {
		s -= g.r.IntN(min(3, s-1) + 1)
	}
	return fmt.Sprintf("E%06d", s)
}

func (g *generator) writePerson(i int, out map[string]*sink) {
	id := fmt.Sprintf("E%06d", i)
	wf := g.weighted(workforce)
	given, family := g.one(givenNames), g.one(familyNames)
	email := ""
	if !g.chance(0.02) {
		email = fmt.Sprintf("%s.%s.%d@force.police.uk", local(given), local(family), i)
	}
	slack := ""
	if g.chance(0.7) {
		slack = "U" + g.alnum(8)
	}
	rank := g.rank(wf, i)
	var p post
	postID := ""
	if i == 1 || !g.chance(0.03) {
		p = g.posts[g.r.IntN(len(g.posts))]
		postID = p.id
	}
	start := g.daysAgo(30, 35*365)
	status := g.weighted([]choice{{"active", 95}, {"suspended", 2}, {"absent", 3}})
	lastIR := ""
	if g.chance(0.7) {
		if d := g.daysAgo(0, 540); d.After(start) {
			lastIR = date(d)
		}
	}
	sup := g.supervisorOf(i)
	out["people"].row(id, given, family, email, slack, wf, rank, postID, sup, date(start), "", status, lastIR)
	g.writeClearances(id, sup, wf, p.levels, out["clearances"])
	g.writeEvents(id, out)
}

func local(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r
		}
		return -1
	}, strings.ToLower(name))
}

func (g *generator) alnum(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[g.r.IntN(len(chars))]
	}
	return string(b)
}

func (g *generator) rank(wf string, i int) string {
	switch {
	case i == 1:
		return "Chief Constable"
	case wf == "officer":
		return g.weighted([]choice{{"Constable", 70}, {"Sergeant", 18}, {"Inspector", 7}, {"Chief Inspector", 3}, {"Superintendent", 2}})
	case wf == "staff":
		return fmt.Sprintf("Grade %d", 1+g.r.IntN(9))
	}
	return ""
}

// heldLevels are the levels a person is vetted to: their post's levels and
// their baseline, less any another of them already covers.
func heldLevels(wf string, postLevels []string) []string {
	want := slices.Clone(postLevels)
	if !slices.Contains(want, baseline[wf]) {
		want = append(want, baseline[wf])
	}
	var held []string
	for _, l := range want {
		covered := false
		for _, c := range covers[l] {
			covered = covered || slices.Contains(want, c)
		}
		if !covered {
			held = append(held, l)
		}
	}
	return held
}

func (g *generator) writeClearances(id, sup, wf string, postLevels []string, w *sink) {
	held := heldLevels(wf, postLevels)
	if len(held) > 1 && g.chance(0.03) { // a gap: one required level never granted
		held = held[:len(held)-1]
	}
	owner := sup
	if owner == "" {
		owner = "E000001"
	}
	for _, level := range held {
		months := validityMonths[level]
		decided := g.daysAgo(0, months*31)
		if g.grants++; g.grants%g.leapDay == 0 {
			decided = g.leapGrant(months)
		}
		if g.chance(0.03) { // a renewal: the older grant of the same level stays on record
			g.grant(w, id, level, "granted", decided.AddDate(0, -months, 0), "", "")
		}
		decision, mitigation := "granted", ""
		switch {
		case g.chance(0.03):
			decision, mitigation = "granted_with_conditions", g.one([]string{"6", "3"})
		case g.chance(0.02):
			mitigation = "6"
		}
		g.grant(w, id, level, decision, decided, mitigation, owner)
		if g.chance(0.003) { // withdrawn later
			w.row(g.next("C", 7), id, level, "withdrawn", date(g.daysBetween(decided, g.asOf)), "", "false", "", "")
		}
	}
}

// leapGrant is a recent-enough 29 February for a level of this validity.
func (g *generator) leapGrant(months int) time.Time {
	for y := g.asOf.Year(); y > g.asOf.Year()-12; y-- {
		d := time.Date(y, 2, 29, 0, 0, 0, 0, time.UTC)
		if d.Month() == time.February && !d.After(g.asOf) && d.AddDate(0, months, 0).After(g.asOf.AddDate(0, -6, 0)) {
			return d
		}
	}
	return time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
}

func (g *generator) daysBetween(from, to time.Time) time.Time {
	days := int(to.Sub(from).Hours() / 24)
	if days <= 0 {
		return to
	}
	return from.AddDate(0, 0, g.r.IntN(days)+1)
}

// grant writes one grant; mitigation non-empty means conditions or adverse
// information, reviewed by owner every so many months.
func (g *generator) grant(w *sink, id, level, decision string, decided time.Time, mitigation, owner string) {
	expires := ""
	if g.chance(0.2) {
		expires = date(decided.AddDate(0, validityMonths[level], 0))
	}
	adverse := decision == "granted" && mitigation != ""
	if mitigation == "" {
		owner = ""
	}
	w.row(g.next("C", 7), id, level, decision, date(decided), expires, fmt.Sprint(adverse), owner, mitigation)
}

func (g *generator) writeEvents(id string, out map[string]*sink) {
	if g.chance(0.01) {
		out["misconduct"].row(g.next("M", 6), id, g.weighted(outcomes), date(g.daysAgo(0, 3*365)))
	}
	if g.chance(0.03) {
		reported := g.daysAgo(0, 2*365)
		assessment := g.weighted([]choice{{"pending", 40}, {"no_additional_risk", 45}, {"additional_risk", 15}})
		assessed := ""
		if assessment != "pending" {
			if d := reported.AddDate(0, 0, g.r.IntN(21)); d.After(g.asOf) {
				assessment = "pending"
			} else {
				assessed = date(d)
			}
		}
		out["circumstances"].row(g.next("R", 6), id, g.one(categories), date(reported), assessment, assessed)
	}
	if g.chance(0.003) {
		out["adverse"].row(g.next("A", 6), id, g.one([]string{"pnd", "ict_monitoring", "intelligence", "complaint"}), date(g.daysAgo(0, 365)))
	}
	if g.chance(0.02) {
		out["interests"].row(g.next("I", 6), id, g.weighted([]choice{{"approved", 60}, {"approved_with_conditions", 25}, {"refused", 15}}),
			date(g.daysAgo(0, 3*365)), g.one(interests))
	}
	if g.chance(0.01) {
		conditions := ""
		if g.chance(0.4) {
			conditions = g.one([]string{"No contact while on duty", "Declare any change at once", "No access to the person's records"})
		}
		out["associations"].row(g.next("N", 6), id, date(g.daysAgo(0, 3*365)), conditions)
	}
}
