package synth

import (
	"slices"
	"time"
)

// validityMonths is the default policy's validity of each level (SPEC §4).
var validityMonths = map[string]int{"RV": 120, "MV": 84, "NPPV1": 36, "NPPV2A": 36, "NPPV2F": 36, "NPPV3": 60,
	"CTC": 120, "SC": 120, "DV": 84, "EDV": 84}

// baseline is the level every person of a workforce type needs (SPEC §4).
var baseline = map[string]string{"officer": "RV", "staff": "RV", "pcso": "RV", "special": "RV", "volunteer": "NPPV2A", "contractor": "NPPV1"}

// satisfiedBy lists, for each required level, the held levels that satisfy
// it (the default of SPEC §4).
var satisfiedBy = map[string][]string{
	"RV": {"RV", "MV"}, "MV": {"MV"}, "NPPV1": {"NPPV1", "NPPV2A", "NPPV2F", "NPPV3", "RV", "MV"},
	"NPPV2A": {"NPPV2A", "NPPV2F", "NPPV3", "RV", "MV"}, "NPPV2F": {"NPPV2F", "NPPV3", "RV", "MV"}, "NPPV3": {"NPPV3", "MV"},
	"CTC": {"CTC", "SC", "DV", "EDV"}, "SC": {"SC", "DV", "EDV"}, "DV": {"DV", "EDV"}, "EDV": {"EDV"},
}

// How a vetting gap comes about: a level never granted, a grant left to
// expire, or a grant later withdrawn or refused on re-vetting.
var gapKinds = []choice{{"missing", 40}, {"expired", 40}, {"ended", 20}}

// leapEvery: one current grant in so many (the first included) is decided
// on a 29 February, so every force of one person or more has one and big
// forces have about two or three per 1,000 people.
const leapEvery = 400

// writeClearances writes the clearances of person i: a current grant of each
// level they need, except for about 3% of people, who have a gap in one.
func (g *generator) writeClearances(i int, wf string, start time.Time) {
	held := g.heldLevels(wf, g.postOf[i])
	gap, how := -1, ""
	if i > 0 && g.chance(0.03) {
		gap, how = g.r.IntN(len(held)), g.weighted(gapKinds)
	}
	for k, level := range held {
		if k == gap {
			g.writeGap(i, level, start, how)
			continue
		}
		g.writeCurrent(i, level, start)
	}
}

// heldLevels is the fewest levels that satisfy the person's baseline and
// their post's levels: a required level another of them satisfies is not
// held as well. Most people on an NPPV3 post who need RV hold MV instead,
// which satisfies both.
func (g *generator) heldLevels(wf string, p int32) []string {
	required := []string{baseline[wf]}
	if p >= 0 {
		for _, l := range g.posts[p].levels {
			if !slices.Contains(required, l) {
				required = append(required, l)
			}
		}
	}
	if slices.Contains(required, "RV") && slices.Contains(required, "NPPV3") && !slices.Contains(required, "MV") && g.chance(0.7) {
		required = append(required, "MV")
	}
	held := make([]string, 0, len(required))
	for _, r := range required {
		if !satisfiedByOther(r, required) {
			held = append(held, r)
		}
	}
	return held
}

func satisfiedByOther(level string, levels []string) bool {
	for _, l := range levels {
		if l != level && slices.Contains(satisfiedBy[level], l) {
			return true
		}
	}
	return false
}

// writeGap leaves one level unsatisfied: not granted at all, granted long
// enough ago to have expired, or granted and then withdrawn or refused.
func (g *generator) writeGap(i int, level string, start time.Time, how string) {
	switch how {
	case "expired":
		g.writeExpired(i, level, start)
	case "ended":
		decided := g.writeCurrent(i, level, start)
		decision := "withdrawn"
		if g.chance(0.3) {
			decision = "refused"
		}
		g.writeDecision(i, level, decision, g.between(addDays(decided, 1), g.asOf), "false", "", "")
	}
}

// writeCurrent writes a grant still valid at as-of (for about 2.5%, after
// the grant it renewed) and returns its decision day.
func (g *generator) writeCurrent(i int, level string, start time.Time) time.Time {
	decided := g.decidedOn(g.grantWindow(level, start))
	if g.chance(0.025) {
		g.writeRenewed(i, level, decided, start)
	}
	decision, adverse, owner, months := g.terms(i)
	g.writeDecision(i, level, decision, decided, adverse, owner, months)
	return decided
}

// grantWindow is when a current grant can have been decided: within the
// level's validity before as-of, or, for someone who joined within it,
// during their recruitment.
func (g *generator) grantWindow(level string, start time.Time) (lo, hi time.Time) {
	lo, hi = addDays(addMonths(g.asOf, -validityMonths[level]), 1), addDays(g.asOf, -1)
	if vetted := addDays(start, -120); vetted.After(lo) {
		lo, hi = vetted, addDays(start, -7)
	}
	return lo, hi
}

// decidedOn draws the day of a current grant from lo to hi. One grant in
// leapEvery is owed a 29 February; the debt waits for a grant whose window
// holds one.
func (g *generator) decidedOn(lo, hi time.Time) time.Time {
	if g.grants%leapEvery == 0 {
		g.leapOwed++
	}
	g.grants++
	if g.leapOwed > 0 {
		if d, ok := g.leapDay(lo, hi); ok {
			g.leapOwed--
			return d
		}
	}
	return g.between(lo, hi)
}

// leapDay picks one of the 29 Februaries from lo to hi, if there is one.
func (g *generator) leapDay(lo, hi time.Time) (time.Time, bool) {
	var pick time.Time
	found := 0
	for y := lo.Year(); y <= hi.Year(); y++ {
		d := day(y, time.February, 29)
		if d.Month() != time.February || d.Before(lo) || d.After(hi) {
			continue // not a leap year, or outside the window
		}
		if found++; g.r.IntN(found) == 0 {
			pick = d
		}
	}
	return pick, found > 0
}

// writeRenewed writes the grant that a current one renewed: one validity
// earlier, decided up to two months before that one would have expired.
func (g *generator) writeRenewed(i int, level string, renewal, start time.Time) {
	older := addDays(addMonths(renewal, -validityMonths[level]), g.r.IntN(60))
	if older.Before(addDays(start, -120)) {
		return // they had not joined yet
	}
	g.writeDecision(i, level, "granted", older, "false", "", "")
}

// writeExpired writes a grant that expired in the last two years.
func (g *generator) writeExpired(i int, level string, start time.Time) {
	hi := addDays(addMonths(g.asOf, -validityMonths[level]), -1)
	lo := later(addDays(hi, -730), addDays(start, -120))
	if lo.After(hi) {
		return // joined too recently for a grant to have expired: the level is missing
	}
	g.writeDecision(i, level, "granted", g.between(lo, hi), "false", "", "")
}

// terms are the conditions of a current grant: about 3% are granted with
// conditions and about 2% carry adverse information; both name a mitigation
// owner (the supervisor) and a review period. The chief constable has no
// supervisor and is granted plainly.
func (g *generator) terms(i int) (decision, adverse, owner, months string) {
	decision, adverse = "granted", "false"
	if i == 0 {
		return
	}
	if g.chance(0.03) {
		decision, months = "granted_with_conditions", g.weighted([]choice{{"6", 70}, {"3", 30}})
	}
	if g.chance(0.02) {
		adverse = "true"
		if months == "" {
			months = g.weighted([]choice{{"6", 80}, {"12", 20}})
		}
	}
	if months != "" {
		owner = g.employeeID(int(g.sup[i]))
	}
	return decision, adverse, owner, months
}

// writeDecision writes one clearance row. About 20% of grants carry an
// explicit expiry (the level's validity); the rest leave it to the policy.
func (g *generator) writeDecision(i int, level, decision string, decided time.Time, adverse, owner, months string) {
	expires := ""
	if (decision == "granted" || decision == "granted_with_conditions") && g.chance(0.2) {
		expires = date(addMonths(decided, validityMonths[level]))
	}
	g.out[kClearances].row(g.next(kClearances, "C", 7), g.employeeID(i), level, decision, date(decided), expires, adverse, owner, months)
}
