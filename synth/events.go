package synth

import "time"

// writeEvents writes person i's vetting events, each with its share of the
// force: misconduct outcomes ~1%, circumstances reports ~3%, adverse
// information ~0.3%, business interests ~2%, notifiable associations ~1%.
// No event is dated before the person started or after as-of.
func (g *generator) writeEvents(i int, start time.Time) {
	id := g.employeeID(i)
	if g.chance(0.01) {
		g.out[kMisconduct].row(g.next(kMisconduct, "M", 6), id, g.weighted(outcomes), date(g.recent(36, start)))
	}
	if g.chance(0.03) {
		g.writeCircumstances(id, start)
	}
	if g.chance(0.003) {
		g.out[kAdverse].row(g.next(kAdverse, "A", 6), id, g.weighted(adverseSources), date(g.recent(12, start)))
	}
	if g.chance(0.02) {
		g.out[kInterests].row(g.next(kInterests, "I", 6), id, g.weighted(interestDecisions), date(g.recent(48, start)),
			g.one(interestDescriptions))
	}
	if g.chance(0.01) {
		conditions := ""
		if g.chance(0.4) {
			conditions = g.one(associationConditions)
		}
		g.out[kAssociations].row(g.next(kAssociations, "N", 6), id, date(g.recent(36, start)), conditions)
	}
}

// writeCircumstances writes a change of circumstances reported in the last
// two years; unless still pending, it was assessed within six weeks (and
// not after as-of). Reports of the last fortnight are mostly pending.
func (g *generator) writeCircumstances(id string, start time.Time) {
	reported := g.recent(24, start)
	assessment := g.weighted(assessments)
	if reported.After(addDays(g.asOf, -14)) && g.chance(0.7) {
		assessment = "pending"
	}
	assessed := ""
	if assessment != "pending" {
		d := addDays(reported, g.r.IntN(43))
		if d.After(g.asOf) {
			d = g.asOf
		}
		assessed = date(d)
	}
	g.out[kCircumstances].row(g.next(kCircumstances, "R", 6), id, g.weighted(categories), date(reported), assessment, assessed)
}
