package scheduler

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"slices"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/store"
)

// monthOf names the calendar month of d as YYYY-MM.
func monthOf(d civil.Date) string { return fmt.Sprintf("%04d-%02d", d.Year, d.Month) }

// newSeed returns the seed of a draw from crypto/rand: nobody can know
// before the draw whom it will choose. It is recorded with the draw, so
// that the choice can be re-run afterwards.
func newSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])                    // never fails: crypto/rand crashes the program rather than return weak randomness
	return binary.BigEndian.Uint64(b[:]) >> 1 // 63 bits: stored in a signed BIGINT on both backends
}

// EligibleHash is the SHA-256, in hex, of employee ids sorted byte-wise,
// each followed by a newline: what `LC_ALL=C sort ids.txt | sha256sum`
// prints for a file of the ids one a line.
func EligibleHash(ids []string) string {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	h := sha256.New()
	for _, id := range sorted {
		h.Write([]byte(id + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Choose picks n of the eligible people with a seeded shuffle of the list
// sorted byte-wise: the same people and seed always choose the same people,
// whatever order they come in.
func Choose(eligible []string, n int, seed uint64) []string {
	ids := slices.Clone(eligible)
	slices.Sort(ids)
	r := mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	n = min(n, len(ids))
	for i := 0; i < n; i++ { // a partial Fisher–Yates shuffle
		j := i + r.IntN(len(ids)-i)
		ids[i], ids[j] = ids[j], ids[i]
	}
	return ids[:n]
}

// drawIfDue makes the month's random re-vetting draw on the month's first
// planning run: round(current people × annual rate ÷ 12) people, excluding
// anyone chosen by a draw in the last ExcludeMonths months, and anyone with
// a revetting that has opened or a vetting review open (every clearance has
// a revetting from the day it is granted; only one under way excludes).
func drawIfDue(ctx context.Context, pt *store.PlanTx, pol policy.RandomRevetting) (*store.DrawRecord, error) {
	month := monthOf(pt.AsOf)
	if done, err := pt.DrawExists(ctx, month); err != nil || done {
		return nil, err
	}
	population, eligible, err := pt.DrawCandidates(ctx, month, excludedSince(pt.AsOf, pol.ExcludeMonths))
	if err != nil {
		return nil, err
	}
	if population == 0 {
		// Nobody to draw from yet (a new installation's posts, imported
		// before its people): the month's draw waits for its first plan
		// with a force, rather than being spent on nobody.
		return nil, nil
	}
	n := int(math.Round(float64(population) * pol.AnnualRate / 12))
	seed := newSeed()
	d := &store.DrawRecord{Month: month, DrawnOn: pt.AsOf, DrawnAt: pt.Now(), Seed: seed, Population: population,
		Eligible: len(eligible), EligibleSHA256: EligibleHash(eligible), ExcludeMonths: pol.ExcludeMonths,
		People: Choose(eligible, n, seed)}
	d.Chosen = len(d.People)
	return d, pt.RecordDraw(ctx, *d)
}

// excludedSince is the start of the exclusion window of a draw on day: who
// was chosen by a draw made after it cannot be chosen again.
func excludedSince(day civil.Date, months int) civil.Date { return day.AddMonths(-months) }

// DrawCheck is what re-running a recorded draw found.
type DrawCheck struct {
	Draw store.DrawRecord `json:"draw"`
	// Eligible and EligibleSHA256 describe the eligible list recomputed as
	// of the draw.
	Eligible       int    `json:"eligible"`
	EligibleSHA256 string `json:"eligible_sha256"`
	HashMatches    bool   `json:"hash_matches"`
	// Chosen is whom the recorded seed chooses from the recomputed list.
	Chosen      []string `json:"chosen"`
	ChosenMatch bool     `json:"chosen_match"`
	Verified    bool     `json:"verified"`
}

// ErrUnverifiable is returned by VerifyDraw for a draw made before draws
// recorded the hash of their eligible list.
var ErrUnverifiable = errors.New("the draw was made before vettingd recorded the hash of the eligible list, so it cannot be verified")

// VerifyDraw re-runs the draw of a month (YYYY-MM): it recomputes the
// eligible list as the database stood when the draw was made, compares its
// hash with the recorded one, and chooses again with the recorded seed. A
// draw that is not recorded is store.ErrNotFound.
func (p *Planner) VerifyDraw(ctx context.Context, month string) (DrawCheck, error) {
	d, err := p.Store.Draw(ctx, month)
	if err != nil {
		return DrawCheck{}, err
	}
	c := DrawCheck{Draw: d}
	if d.EligibleSHA256 == "" {
		return c, fmt.Errorf("draw %s: %w", month, ErrUnverifiable)
	}
	eligible, err := p.Store.DrawEligibleAt(ctx, d, excludedSince(d.DrawnOn, d.ExcludeMonths))
	if err != nil {
		return c, err
	}
	c.Eligible, c.EligibleSHA256 = len(eligible), EligibleHash(eligible)
	c.HashMatches = c.EligibleSHA256 == d.EligibleSHA256
	c.Chosen = Choose(eligible, d.Chosen, d.Seed)
	slices.Sort(c.Chosen)
	recorded := slices.Sorted(slices.Values(d.People))
	c.ChosenMatch = slices.Equal(c.Chosen, recorded)
	c.Verified = c.HashMatches && c.ChosenMatch
	return c, nil
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
