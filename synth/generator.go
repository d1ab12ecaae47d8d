package synth

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// generator holds what a force needs between rows: the posts, the tree in
// flat slices of a few bytes a person, and the reference counters.
type generator struct {
	cfg  Config
	r    *rand.Rand
	asOf time.Time
	out  *sinks

	posts  []post
	byDept [][2][]int32 // post indices by department and by member (0) or lead (1)

	sup    []int32 // supervisor's index; -1 for the chief constable
	depth  []uint8 // steps from the chief constable
	height []uint8 // 0 supervises nobody, 1 supervises only such people, …
	postOf []int32 // post index; -1 for none

	seq      [nKinds]int // last reference number written, by kind
	spread   int         // SpreadIDs' step; 0 without
	grants   int         // current grants made so far
	leapOwed int         // 29 February grants still owed (see decidedOn)
}

func newGenerator(cfg Config, out *sinks) *generator {
	g := &generator{
		cfg:  cfg,
		r:    rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		asOf: day(cfg.AsOf.Year(), cfg.AsOf.Month(), cfg.AsOf.Day()),
		out:  out,
	}
	if cfg.SpreadIDs {
		g.spread = spreadStep(cfg.People)
	}
	return g
}

// run writes the whole force: posts, then the people one by one, each with
// their clearances and events.
func (g *generator) run() {
	g.writePosts()
	g.buildTree()
	g.postOf = make([]int32, g.cfg.People)
	for i := range g.cfg.People {
		g.writePerson(i)
	}
}

// chance is true with probability p.
func (g *generator) chance(p float64) bool { return g.r.Float64() < p }

// one picks an element of list.
func (g *generator) one(list []string) string { return list[g.r.IntN(len(list))] }

// weighted draws a value by weight.
func (g *generator) weighted(choices []choice) string { return choices[g.weightedIndex(choices)].v }

func (g *generator) weightedIndex(choices []choice) int {
	total := 0
	for _, c := range choices {
		total += c.w
	}
	n := g.r.IntN(total)
	for i, c := range choices {
		if n < c.w {
			return i
		}
		n -= c.w
	}
	return len(choices) - 1
}

// next returns the next reference of a kind: prefix and a zero-padded number.
func (g *generator) next(kind int, prefix string, width int) string {
	g.seq[kind]++
	return ref(prefix, width, g.seq[kind])
}

// ref formats prefix and n padded with zeros to width digits (more if n
// needs them, so references stay unique past the width).
func ref(prefix string, width, n int) string {
	b := make([]byte, 0, len(prefix)+width+2)
	b = append(b, prefix...)
	digits := strconv.Itoa(n)
	for range width - len(digits) {
		b = append(b, '0')
	}
	return string(append(b, digits...))
}

// employeeID names the person with index i: E000001 is index 0, or with
// SpreadIDs the number (i·step + People/3) modulo People, plus 1 (a
// shuffle, as step and People have no common factor).
func (g *generator) employeeID(i int) string {
	if g.spread == 0 {
		return ref("E", 6, i+1)
	}
	return ref("E", 6, (i*g.spread+g.cfg.People/3)%g.cfg.People+1)
}

// spreadStep returns a step for SpreadIDs: near 0.6180 of n (the golden
// ratio, which scatters consecutive indices evenly), with no factor in
// common with n.
func spreadStep(n int) int {
	step := max(1, n*618/1000)
	for gcd(step, n) != 1 {
		step++
	}
	return step
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Dates are time.Time values at midnight UTC, where a day is always 24
// hours, so differences in hours divide exactly into days.

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func addDays(t time.Time, n int) time.Time { return t.AddDate(0, 0, n) }

// addMonths moves t by n calendar months; a day the target month lacks
// becomes its last day (29 February less a year is 28 February), as the
// scheduler computes expiry, where time.AddDate would roll into March.
func addMonths(t time.Time, n int) time.Time {
	first := day(t.Year(), t.Month(), 1).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	return day(first.Year(), first.Month(), min(t.Day(), last))
}

// between is a day from lo to hi inclusive (lo when hi is before it).
func (g *generator) between(lo, hi time.Time) time.Time {
	days := int(hi.Sub(lo).Hours() / 24)
	if days <= 0 {
		return lo
	}
	return addDays(lo, g.r.IntN(days+1))
}

// recent is a day in the last months before as-of, not before since.
func (g *generator) recent(months int, since time.Time) time.Time {
	return g.between(later(addMonths(g.asOf, -months), since), g.asOf)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func date(t time.Time) string { return t.Format(time.DateOnly) }
