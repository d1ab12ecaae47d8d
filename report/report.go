package report

import (
	"context"
	"fmt"
	"math"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/store"
)

// ComplianceReport is the compliance report of SPEC §8 as of a date. Its
// JSON form is the report the API serves; each section has a stable key.
// (Compliance, which builds it, has the shorter name.)
type ComplianceReport struct {
	AsOf                civil.Date `json:"as_of"`
	VettingLevels       Section    `json:"rec13_vetting_levels"`
	Misconduct          Section    `json:"rec11_misconduct"`
	Circumstances       Section    `json:"rec15_circumstances"`
	InterestsAndAssocs  Section    `json:"rec41_42_interests_associations"`
	IntegrityReviews    Section    `json:"rec43_integrity_reviews"`
	AdverseInformation  Section    `json:"rec2_3_adverse_information"`
	ExpiredClearances   Section    `json:"expired_clearances"`
	OverdueReviews      Section    `json:"overdue_reviews"`
	LeaversDuringReview Section    `json:"leavers_during_vetting_review"`
}

// Sections returns the sections in the order the report presents them.
func (c *ComplianceReport) Sections() []*Section {
	return []*Section{&c.VettingLevels, &c.Misconduct, &c.Circumstances, &c.InterestsAndAssocs, &c.IntegrityReviews,
		&c.AdverseInformation, &c.ExpiredClearances, &c.OverdueReviews, &c.LeaversDuringReview}
}

// Section answers the questions of one recommendation (or one concern).
type Section struct {
	Key     string   `json:"key"`
	Title   string   `json:"title"`
	Figures []Figure `json:"figures"`
}

// Figure returns the figure with this key, or nil.
func (s *Section) Figure(key string) *Figure {
	for i := range s.Figures {
		if s.Figures[i].Key == key {
			return &s.Figures[i]
		}
	}
	return nil
}

// Figure is one number of the report and what is behind it.
type Figure struct {
	Key   string `json:"key"`   // stable within its section
	Label string `json:"label"` // the question it answers, for people
	// Unit names what is counted: posts, people, outcomes, reports,
	// interests, associations, records, clearances or reviews.
	Unit  string `json:"unit"`
	Count int    `json:"count"`
	// Denominator is what Count is a share of, when a share makes sense;
	// Percent is Count of it, to one decimal place (null when it is 0).
	Denominator *int     `json:"denominator"`
	Percent     *float64 `json:"percent"`
	// Items are the people (or posts) behind Count, one per thing counted.
	Items []Item `json:"items"`
}

// Item is one thing behind a figure: a person (with the record concerned)
// or, for figures about posts, a post.
type Item struct {
	ID   string `json:"id"`             // employee id; post id for posts
	Name string `json:"name"`           // the person's name; the post's title
	Ref  string `json:"ref,omitempty"`  // the record: case, report, interest, association, clearance or review source
	Note string `json:"note,omitempty"` // what about it: dates, levels, state
}

// count is a figure with no denominator.
func count(key, label, unit string, items []Item) Figure {
	if items == nil {
		items = []Item{}
	}
	return Figure{Key: key, Label: label, Unit: unit, Count: len(items), Items: items}
}

// share is a figure that is a share of "of".
func share(key, label, unit string, items []Item, of int) Figure {
	f := count(key, label, unit, items)
	f.Denominator = &of
	if of > 0 {
		p := math.Round(1000*float64(f.Count)/float64(of)) / 10
		f.Percent = &p
	}
	return f
}

// builder gathers the report from one read of the store.
type builder struct {
	pol  *policy.Policy
	asOf civil.Date
	rt   *store.ReportTx
	c    *ComplianceReport
}

// Compliance builds the report as of asOf from one consistent read of the
// store, with the policy's numbers (days allowed, satisfaction, baselines).
// Its cost is a pass over current people a chunk at a time and a handful of
// set-based queries: seconds at national scale, never a query per person.
func Compliance(ctx context.Context, s *store.Store, pol policy.Policy, asOf civil.Date) (*ComplianceReport, error) {
	c := &ComplianceReport{AsOf: asOf}
	err := s.Report(ctx, asOf, func(rt *store.ReportTx) error {
		b := &builder{pol: &pol, asOf: asOf, rt: rt, c: c}
		for _, step := range []func(context.Context) error{b.vetting, b.misconduct, b.circumstances, b.declared, b.overdue, b.leavers} {
			if err := step(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("report: compliance: %w", err)
	}
	return c, nil
}

// plural writes n and a noun, "1 day" or "28 days".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
