package report

import (
	"context"

	"vettingd/civil"
	"vettingd/store"
)

// declaredTally folds business interests and notifiable associations into
// the figures of Recs 41 and 42.
type declaredTally struct {
	asOf                                 civil.Date
	interests, interestsIn, interestsNo  []Item
	assocs, assocsIn, assocsNo           []Item
	owed, briefed, pending, overdueBrief []Item
}

// declared answers Recs 41 and 42: approved business interests and
// notifiable associations with conditions reviewed in date, and the
// supervisor of each person with one briefed about it.
func (b *builder) declared(ctx context.Context) error {
	rows, err := b.rt.DeclaredRecords(ctx)
	if err != nil {
		return err
	}
	t := &declaredTally{asOf: b.asOf}
	for _, r := range rows {
		t.add(r)
	}
	b.c.InterestsAndAssocs = t.section()
	return nil
}

func (t *declaredTally) add(r store.DeclaredRecord) {
	it := func(note string) Item { return Item{ID: r.EmployeeID, Name: r.Name, Ref: r.Ref, Note: note} }
	approved := r.Type == "interest" && r.Decision != "refused"
	ok, note := inDate(r.ReviewDue, t.asOf)
	switch {
	case approved:
		t.interests = append(t.interests, it(r.Decision))
		t.interestsIn, t.interestsNo = split(ok, it(note), t.interestsIn, t.interestsNo)
	case r.Type == "association" && r.HasConditions:
		t.assocs = append(t.assocs, it("with conditions"))
		t.assocsIn, t.assocsNo = split(ok, it(note), t.assocsIn, t.assocsNo)
	}
	// A briefing is owed about an approved interest or any association.
	if r.SupervisorID == "" || !(approved || r.Type == "association") {
		return
	}
	sup := "supervisor " + r.SupervisorID
	t.owed = append(t.owed, it(r.Type+"; "+sup))
	switch {
	case r.Briefed:
		t.briefed = append(t.briefed, it(sup+" briefed"))
	case !r.BriefingDue.IsZero() && !r.BriefingDue.Before(t.asOf):
		t.pending = append(t.pending, it(sup+" to be briefed by "+r.BriefingDue.String()))
	case !r.BriefingDue.IsZero():
		t.overdueBrief = append(t.overdueBrief, it(sup+" was to be briefed by "+r.BriefingDue.String()))
	default:
		t.overdueBrief = append(t.overdueBrief, it(sup+": no briefing open (not planned)"))
	}
}

func (t *declaredTally) section() Section {
	ni, na, no := len(t.interests), len(t.assocs), len(t.owed)
	return Section{Key: "rec41_42_interests_associations",
		Title: "Recs 41 and 42: business interests and notifiable associations reviewed regularly; supervisors briefed",
		Figures: []Figure{
			count("interests_approved", "Approved business interests of people in post", "interests", t.interests),
			share("interests_review_in_date", "Of those, with their periodic review in date", "interests", t.interestsIn, ni),
			share("interests_review_not_in_date", "Of those, with their periodic review overdue or not planned", "interests", t.interestsNo, ni),
			count("associations_with_conditions", "Notifiable associations with conditions, of people in post", "associations", t.assocs),
			share("associations_review_in_date", "Of those, with their periodic review in date", "associations", t.assocsIn, na),
			share("associations_review_not_in_date", "Of those, with their periodic review overdue or not planned", "associations", t.assocsNo, na),
			count("briefings_owed", "Approved interests and associations of people in post who have a supervisor", "records", t.owed),
			share("supervisors_briefed", "Of those, with the current supervisor briefed", "records", t.briefed, no),
			share("briefing_pending", "Of those, with the briefing not yet done and not yet due", "records", t.pending, no),
			share("briefing_overdue", "Of those, with the briefing overdue or not planned", "records", t.overdueBrief, no),
		}}
}

// split appends it to yes or to no.
func split(ok bool, it Item, yes, no []Item) ([]Item, []Item) {
	if ok {
		return append(yes, it), no
	}
	return yes, append(no, it)
}
