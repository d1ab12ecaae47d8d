package scheduler

import (
	"fmt"

	"vettingd/store"
)

// requiredLevels are the baseline levels of the person's workforce type
// together with their post's required levels.
func (f *facts) requiredLevels() []string {
	levels := append([]string(nil), f.pol.Baseline[f.p.WorkforceType]...)
	for _, l := range splitLevels(f.p.PostLevels) {
		if !contains(levels, l) {
			levels = append(levels, l)
		}
	}
	return levels
}

// satisfies reports whether holding level held meets the required level.
func (f *facts) satisfies(held, required string) bool {
	return contains(f.pol.Satisfaction[required], held)
}

func (f *facts) satisfiesAny(held string, required []string) bool {
	for _, r := range required {
		if f.satisfies(held, r) {
			return true
		}
	}
	return false
}

// gaps: one vetting_gap per required level that no current clearance
// satisfies — a joiner, a mover, an expiry, a withdrawal (Rec 13). Its
// source names the post when the post requires the level. It is due the day
// it is found (the planner keeps that date while the gap stays open).
func gaps(f *facts) []store.Wanted {
	current := f.currentClearances()
	postLevels := splitLevels(f.p.PostLevels)
	var out []store.Wanted
	for _, req := range f.requiredLevels() {
		met := false
		for _, h := range current {
			met = met || f.satisfies(h.c.Level, req)
		}
		if met {
			continue
		}
		source, why := "baseline:"+req, fmt.Sprintf("No current clearance satisfies the %s baseline for %s", req, f.p.WorkforceType)
		if contains(postLevels, req) {
			source, why = fmt.Sprintf("post:%s:%s", f.p.PostID, req), fmt.Sprintf("No current clearance satisfies %s required by post %s", req, f.p.PostID)
		}
		out = append(out, f.want(VettingGap, source, why, f.asOf, f.asOf, RoleVettingUnit, ""))
	}
	return out
}
