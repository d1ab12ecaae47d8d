package scheduler

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/store"
)

// monthOf names the calendar month of d as YYYY-MM.
func monthOf(d civil.Date) string { return fmt.Sprintf("%04d-%02d", d.Year, d.Month) }

// DrawSeed is the seed of a month's draw: derived from the month alone, so
// that anyone can re-run the draw from the recorded eligible list.
func DrawSeed(month string) uint64 {
	h := fnv.New64a()
	h.Write([]byte("vettingd random re-vetting " + month))
	return h.Sum64() >> 1 // 63 bits: stored in a signed BIGINT on both backends
}

// Choose picks n of the eligible people (in employee_id order) with a
// seeded shuffle: the same list and seed always choose the same people.
func Choose(eligible []string, n int, seed uint64) []string {
	ids := append([]string(nil), eligible...)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	n = min(n, len(ids))
	for i := 0; i < n; i++ { // a partial Fisher–Yates shuffle
		j := i + r.IntN(len(ids)-i)
		ids[i], ids[j] = ids[j], ids[i]
	}
	return ids[:n]
}

// drawIfDue makes the month's random re-vetting draw on the month's first
// planning run: round(current people × annual rate ÷ 12) people, excluding
// anyone drawn in the last 12 months or with an open revetting or vetting
// review.
func drawIfDue(ctx context.Context, pt *store.PlanTx, pol policy.RandomRevetting) (*store.DrawRecord, error) {
	month := monthOf(pt.AsOf)
	if done, err := pt.DrawExists(ctx, month); err != nil || done {
		return nil, err
	}
	since := monthOf(pt.AsOf.AddMonths(-(pol.ExcludeMonths - 1)))
	population, eligible, err := pt.DrawCandidates(ctx, since)
	if err != nil {
		return nil, err
	}
	n := int(math.Round(float64(population) * pol.AnnualRate / 12))
	seed := DrawSeed(month)
	d := &store.DrawRecord{Month: month, DrawnOn: pt.AsOf, Seed: seed, Population: population, Eligible: len(eligible),
		People: Choose(eligible, n, seed)}
	d.Chosen = len(d.People)
	return d, pt.RecordDraw(ctx, *d)
}

// randomRevettings: a person chosen in a monthly draw is re-vetted within
// 90 days of it.
func randomRevettings(f *facts) []store.Wanted {
	var out []store.Wanted
	for _, d := range f.p.Draws {
		source := "draw:" + d.Month
		if f.everClosed(RandomRevetting, source) {
			continue
		}
		due := d.DrawnOn.AddDays(f.pol.RandomRevetting.DueDays)
		out = append(out, f.want(RandomRevetting, source, fmt.Sprintf("Chosen in the randomised re-vetting draw of %s (APP 2024)", d.Month),
			due, d.DrawnOn, RoleVettingUnit, ""))
	}
	return out
}
