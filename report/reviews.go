package report

import (
	"context"
	"fmt"
	"sort"

	"vettingd/scheduler"
)

// overdue answers "overdue reviews by kind and by department": each a
// share of the open reviews of that kind, or of that department's people.
func (b *builder) overdue(ctx context.Context) error {
	counts, err := b.rt.OpenReviewCounts(ctx)
	if err != nil {
		return err
	}
	rows, err := b.rt.OverdueReviews(ctx)
	if err != nil {
		return err
	}
	openByKind, openByDept, total := map[string]int{}, map[string]int{}, 0
	for _, c := range counts {
		openByKind[c.Kind] += c.Open
		openByDept[c.Department] += c.Open
		total += c.Open
	}
	var all []Item
	byKind, byDept := map[string][]Item{}, map[string][]Item{}
	for _, r := range rows {
		it := Item{ID: r.EmployeeID, Name: r.Name, Ref: r.SourceRef, Note: fmt.Sprintf("%s review %d due %s", r.Kind, r.ID, r.DueOn)}
		all = append(all, it)
		byKind[r.Kind] = append(byKind[r.Kind], it)
		byDept[r.Department] = append(byDept[r.Department], it)
	}
	figures := []Figure{share("overdue_reviews", "Open reviews that are overdue", "reviews", all, total)}
	for _, kind := range scheduler.Kinds {
		figures = append(figures, share("kind:"+kind, "Overdue reviews: "+kind, "reviews", byKind[kind], openByKind[kind]))
	}
	depts := make([]string, 0, len(openByDept))
	for d := range openByDept {
		depts = append(depts, d)
	}
	sort.Strings(depts)
	for _, d := range depts {
		key, label := "department:"+d, "Overdue reviews: department "+d
		if d == "" {
			key, label = "department:(none)", "Overdue reviews: people with no department"
		}
		figures = append(figures, share(key, label, "reviews", byDept[d], openByDept[d]))
	}
	b.c.OverdueReviews = Section{Key: "overdue_reviews", Title: "Overdue reviews by kind and by department", Figures: figures}
	return nil
}

// leavers lists the people who left while a vetting review of theirs was
// open (left before the review concluded: relevant to the Advisory list).
func (b *builder) leavers(ctx context.Context) error {
	rows, err := b.rt.LeaversDuringVettingReview(ctx)
	if err != nil {
		return err
	}
	var items []Item
	for _, r := range rows {
		state := r.SourceRef + " cancelled"
		if r.Status != "cancelled" {
			state = r.SourceRef + " still open"
		}
		if n := len(items); n > 0 && items[n-1].ID == r.EmployeeID {
			items[n-1].Ref += ", " + r.SourceRef
			items[n-1].Note += "; " + state
			continue
		}
		left := "left " + r.EndDate.String()
		if r.EndDate.IsZero() { // they left, the review was cancelled, and they have since rejoined
			left = "left and rejoined"
		}
		items = append(items, Item{ID: r.EmployeeID, Name: r.Name, Ref: r.SourceRef, Note: left + "; " + state})
	}
	b.c.LeaversDuringReview = Section{Key: "leavers_during_vetting_review", Title: "People who left while a vetting review of theirs was open",
		Figures: []Figure{count("leavers_during_vetting_review", "Leavers whose vetting review was open when they left", "people", items)}}
	return nil
}
