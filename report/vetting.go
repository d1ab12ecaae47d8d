package report

import (
	"context"
	"fmt"
	"strings"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/store"
)

// vettingTally folds the pass over current people into the figures of
// Rec 13, Rec 43, Recs 2/3 and expired clearances.
type vettingTally struct {
	pol  *policy.Policy
	asOf civil.Date

	people                     int
	designatedHolders          []Item
	designatedWithoutMV        []Item
	notSatisfied               []Item
	inLevelledPost             int    // people in a post with a required level
	postNotSatisfied           []Item // of them, those whose post's levels are not all satisfied
	integrityDone, integrityNo []Item
	currentClearances          int
	adverse                    []Item
	adverseOwner, adverseNoOwn []Item
	mitigationIn, mitigationNo []Item
	latestGrants               int
	expired                    []Item
}

// vetting makes the sections that need each current person's clearances.
func (b *builder) vetting(ctx context.Context) error {
	posts, err := b.rt.Posts(ctx)
	if err != nil {
		return err
	}
	t := &vettingTally{pol: b.pol, asOf: b.asOf}
	err = b.rt.People(ctx, func(chunk []store.ReportPerson) error {
		for i := range chunk {
			t.add(&chunk[i])
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.c.VettingLevels = t.rec13(posts)
	b.c.IntegrityReviews = t.rec43()
	b.c.AdverseInformation = t.rec2and3()
	b.c.ExpiredClearances = Section{Key: "expired_clearances", Title: "Expired clearances of people in post", Figures: []Figure{
		share("expired_clearances", "Latest grants of a level, held by people in post, that have expired", "clearances", t.expired, t.latestGrants),
	}}
	return nil
}

func (t *vettingTally) add(p *store.ReportPerson) {
	t.people++
	person := func(ref, note string) Item { return Item{ID: p.EmployeeID, Name: p.Name, Ref: ref, Note: note} }
	latest := scheduler.LatestDecisions(p.Clearances, t.pol)
	var held []string // current levels, in the policy's order
	for _, level := range policy.Levels {
		if d, ok := latest[level]; ok && d.CurrentOn(t.asOf) {
			held = append(held, level)
		}
	}
	required := scheduler.RequiredLevels(t.pol, p.WorkforceType, p.PostLevels)
	if missing := t.unsatisfied(required, held); len(missing) > 0 {
		note := "missing " + strings.Join(missing, ", ")
		if p.PostID != "" {
			note += "; post " + p.PostID
		}
		t.notSatisfied = append(t.notSatisfied, person("", note+"; "+holds(held)))
	}
	if postLevels := strings.FieldsFunc(p.PostLevels, func(r rune) bool { return r == ';' }); len(postLevels) > 0 {
		t.inLevelledPost++
		if missing := t.unsatisfied(postLevels, held); len(missing) > 0 {
			t.postNotSatisfied = append(t.postNotSatisfied, person("", "post "+p.PostID+" needs "+strings.Join(missing, ", ")+"; "+holds(held)))
		}
	}
	if p.Designated {
		t.designatedHolders = append(t.designatedHolders, person("", "post "+p.PostID))
		if len(t.unsatisfied([]string{"MV"}, held)) > 0 {
			t.designatedWithoutMV = append(t.designatedWithoutMV, person("", "post "+p.PostID+"; "+holds(held)))
		}
	}
	t.integrity(p, person)
	for _, level := range policy.Levels {
		if d, ok := latest[level]; ok && d.Grant() {
			t.clearance(d, required, p.MitigationDue[d.Clearance.Ref], person)
		}
	}
}

// unsatisfied returns the required levels that no held level satisfies.
func (t *vettingTally) unsatisfied(required, held []string) []string {
	var out []string
	for _, r := range required {
		met := false
		for _, h := range held {
			met = met || scheduler.Satisfies(t.pol, h, r)
		}
		if !met {
			out = append(out, r)
		}
	}
	return out
}

func holds(held []string) string {
	if len(held) == 0 {
		return "no current clearance"
	}
	return "holds " + strings.Join(held, ", ")
}

// integrity: an integrity review completed (or recorded by HR) within the
// period before the date.
func (t *vettingTally) integrity(p *store.ReportPerson, person func(ref, note string) Item) {
	last, how := p.LastIntegrityCompleted, "completed"
	if p.LastIntegrityReviewOn.After(last) && !p.LastIntegrityReviewOn.After(t.asOf) {
		last, how = p.LastIntegrityReviewOn, "recorded by HR"
	}
	switch {
	case last.IsZero():
		t.integrityNo = append(t.integrityNo, person("", "none recorded"))
	case last.AddMonths(t.pol.IntegrityReview.PeriodMonths).Before(t.asOf):
		t.integrityNo = append(t.integrityNo, person("", "last "+how+" "+last.String()))
	default:
		t.integrityDone = append(t.integrityDone, person("", how+" "+last.String()))
	}
}

// clearance tallies a person's latest grant of one level.
func (t *vettingTally) clearance(d scheduler.Decision, required []string, mitigationDue civil.Date, person func(ref, note string) Item) {
	c := d.Clearance
	t.latestGrants++
	if !d.CurrentOn(t.asOf) {
		note := fmt.Sprintf("%s expired %s", c.Level, d.Expires)
		if !t.satisfiesAny(c.Level, required) {
			note += "; not required of them"
		}
		t.expired = append(t.expired, person(c.Ref, note))
		return
	}
	t.currentClearances++
	if !c.AdverseInfo {
		return
	}
	t.adverse = append(t.adverse, person(c.Ref, fmt.Sprintf("%s %s %s", c.Level, c.Decision, c.DecidedOn)))
	switch {
	case c.MitigationOwnerID == "":
		t.adverseNoOwn = append(t.adverseNoOwn, person(c.Ref, "no owner named"))
	case !c.MitigationOwnerCurrent:
		t.adverseNoOwn = append(t.adverseNoOwn, person(c.Ref, "owner "+c.MitigationOwnerID+" is not in the force"))
	default:
		t.adverseOwner = append(t.adverseOwner, person(c.Ref, "owner "+c.MitigationOwnerID))
	}
	if ok, note := inDate(mitigationDue, t.asOf); ok {
		t.mitigationIn = append(t.mitigationIn, person(c.Ref, note))
	} else {
		t.mitigationNo = append(t.mitigationNo, person(c.Ref, note))
	}
}

func (t *vettingTally) satisfiesAny(level string, required []string) bool {
	for _, r := range required {
		if scheduler.Satisfies(t.pol, level, r) {
			return true
		}
	}
	return false
}

// rec13 answers Rec 13 from the open posts and the pass over people.
func (t *vettingTally) rec13(posts []store.ReportPost) Section {
	var withLevel, withoutLevel, designated []Item
	for _, p := range posts {
		it := Item{ID: p.PostID, Name: p.Title, Note: strings.ReplaceAll(p.RequiredLevels, ";", ", ")}
		if strings.TrimSpace(p.RequiredLevels) == "" {
			withoutLevel = append(withoutLevel, it)
		} else {
			withLevel = append(withLevel, it)
		}
		if p.Designated {
			designated = append(designated, it)
		}
	}
	return Section{Key: "rec13_vetting_levels", Title: "Rec 13: the required vetting level of every post; designated posts held at management vetting (MV)",
		Figures: []Figure{
			share("posts_with_required_level", "Open posts with a required vetting level", "posts", withLevel, len(posts)),
			share("posts_without_required_level", "Open posts with no required vetting level", "posts", withoutLevel, len(posts)),
			share("designated_posts", "Open posts that are designated (need MV)", "posts", designated, len(posts)),
			count("designated_postholders", "People in post in designated posts", "people", t.designatedHolders),
			share("designated_postholders_without_mv", "People in designated posts without a current clearance satisfying MV", "people",
				t.designatedWithoutMV, len(t.designatedHolders)),
			share("post_levels_not_satisfied", "People in posts with a required level whose post's levels are not all satisfied by current clearances",
				"people", t.postNotSatisfied, t.inLevelledPost),
			share("required_levels_not_satisfied", "People in post whose required levels (baseline and post) are not all satisfied by current clearances",
				"people", t.notSatisfied, t.people),
		}}
}

func (t *vettingTally) rec43() Section {
	months := plural(t.pol.IntegrityReview.PeriodMonths, "month")
	return Section{Key: "rec43_integrity_reviews", Title: "Rec 43: annual integrity reviews of all officers and staff", Figures: []Figure{
		share("integrity_review_in_period", "People in post with an integrity review completed in the last "+months, "people", t.integrityDone, t.people),
		share("integrity_review_not_in_period", "People in post with no integrity review completed in the last "+months, "people", t.integrityNo, t.people),
	}}
}

func (t *vettingTally) rec2and3() Section {
	n := len(t.adverse)
	return Section{Key: "rec2_3_adverse_information", Title: "Recs 2 and 3: clearances granted despite adverse information, their owners and risk-mitigation reviews",
		Figures: []Figure{
			share("adverse_info_clearances", "Current clearances granted with adverse information", "clearances", t.adverse, t.currentClearances),
			share("with_named_owner", "Of those, with a named risk owner in the force", "clearances", t.adverseOwner, n),
			share("without_named_owner", "Of those, with no named risk owner in the force", "clearances", t.adverseNoOwn, n),
			share("mitigation_review_in_date", "Of those, with their risk-mitigation review in date", "clearances", t.mitigationIn, n),
			share("mitigation_review_not_in_date", "Of those, with their risk-mitigation review overdue or not planned", "clearances", t.mitigationNo, n),
		}}
}

// inDate judges a periodic review by the due date of its open review:
// in date when there is one and it is not overdue.
func inDate(due, asOf civil.Date) (bool, string) {
	switch {
	case due.IsZero():
		return false, "no review open (not planned)"
	case due.Before(asOf):
		return false, "review was due " + due.String()
	default:
		return true, "next review due " + due.String()
	}
}
