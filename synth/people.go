package synth

import (
	"strconv"
	"strings"
	"time"
)

// writePerson writes person i's row, then their clearances and events.
func (g *generator) writePerson(i int) {
	wf := g.workforce(i)
	given, family := g.one(givenNames), g.one(familyNames)
	g.postOf[i] = g.pickPost(i)
	start := g.startDate(i)
	g.out[kPeople].row(g.employeeID(i), given, family, g.email(i, given, family), g.slackID(), wf, g.rank(i, wf),
		g.postID(i), g.supervisorID(i), date(start), "", g.status(i), g.lastIntegrityReview(start))
	g.writeClearances(i, wf, start)
	g.writeEvents(i, start)
}

// workforce draws person i's workforce type; only officers and police staff
// supervise, and the chief constable is an officer.
func (g *generator) workforce(i int) string {
	switch {
	case i == 0:
		return "officer"
	case g.height[i] > 0:
		return g.weighted(managerMix)
	}
	return g.weighted(leafMix)
}

// email is given.family.N@force.police.uk; about 2% have none on record.
func (g *generator) email(i int, given, family string) string {
	if g.chance(0.02) {
		return ""
	}
	return localPart(given) + "." + localPart(family) + "." + strconv.Itoa(i+1) + "@force.police.uk"
}

// localPart lowercases a name and drops what is not a letter (O'Brien → obrien).
func localPart(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, name)
}

// slackID is a Slack member id for about 70% of people.
func (g *generator) slackID() string {
	if !g.chance(0.7) {
		return ""
	}
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := []byte("U00000000")
	for k := 1; k < len(b); k++ {
		b[k] = chars[g.r.IntN(len(chars))]
	}
	return string(b)
}

// rank is an officer's rank or a staff member's grade, from their place in
// the tree; other workforce types have none.
func (g *generator) rank(i int, wf string) string {
	h := int(g.height[i])
	switch {
	case wf == "officer" && i == 0:
		return "Chief Constable"
	case wf == "officer" && g.depth[i] == 1:
		if i == 1 {
			return "Deputy Chief Constable"
		}
		return "Assistant Chief Constable"
	case wf == "officer":
		return officerRanks[min(h, len(officerRanks)-1)]
	case wf == "staff" && h == 0:
		return "Grade " + strconv.Itoa(1+g.r.IntN(6))
	case wf == "staff":
		return "Grade " + strconv.Itoa(min(13, 4+2*h+g.r.IntN(2)))
	}
	return ""
}

func (g *generator) postID(i int) string {
	if p := g.postOf[i]; p >= 0 {
		return ref("P", 5, int(p)+1)
	}
	return ""
}

func (g *generator) supervisorID(i int) string {
	if s := g.sup[i]; s >= 0 {
		return g.employeeID(int(s))
	}
	return ""
}

// startDate is between 35 years and a month before as-of. Senior people
// have served longer (two years a level at least, 25 years for the chief
// constable); the rest lean towards recent recruits.
func (g *generator) startDate(i int) time.Time {
	earliest, latest := addMonths(g.asOf, -35*12), addMonths(g.asOf, -1)
	service := 24 * int(g.height[i])
	if i == 0 {
		service = 25 * 12
	}
	hi := later(earliest, addMonths(latest, -service))
	days := int(hi.Sub(earliest).Hours() / 24)
	u := g.r.Float64()
	if g.height[i] == 0 {
		u *= u
	}
	return addDays(hi, -int(u*float64(days)))
}

func (g *generator) status(i int) string {
	if i == 0 {
		return "active"
	}
	return g.weighted(statuses)
}

// lastIntegrityReview is empty for about 30% of people, else a day in the
// last 18 months since they started.
func (g *generator) lastIntegrityReview(start time.Time) string {
	if g.chance(0.3) {
		return ""
	}
	return date(g.recent(18, start))
}
