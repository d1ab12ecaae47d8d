package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// textItems is how many items the text form lists under a figure; the
// other forms list them all.
const textItems = 20

// singular names one of a unit.
var singular = map[string]string{"posts": "post", "people": "person", "outcomes": "outcome", "reports": "report", "interests": "interest",
	"associations": "association", "records": "record", "clearances": "clearance", "reviews": "review"}

// units writes n of a unit: "1 person", "3 people".
func units(n int, unit string) string {
	if n == 1 {
		if s, ok := singular[unit]; ok {
			return "1 " + s
		}
	}
	return fmt.Sprintf("%d %s", n, unit)
}

// Amount writes the figure's number for people: "3 of 4 people (75.0%)",
// "2 posts", or "0 of 0 reviews (no share)".
func (f Figure) Amount() string {
	if f.Denominator == nil {
		return units(f.Count, f.Unit)
	}
	pct := "no share"
	if f.Percent != nil {
		pct = fmt.Sprintf("%.1f%%", *f.Percent)
	}
	return fmt.Sprintf("%d of %s (%s)", f.Count, units(*f.Denominator, f.Unit), pct)
}

// String writes an item on one line: "E3 Cat Jones [C3]: note".
func (it Item) String() string {
	s := strings.TrimSpace(it.ID + " " + it.Name)
	if it.Ref != "" {
		s += " [" + it.Ref + "]"
	}
	if it.Note != "" {
		s += ": " + it.Note
	}
	return s
}

// WriteText writes the report for a terminal: each section, each figure
// with its number, and the first items behind it.
func (c *ComplianceReport) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "Compliance with the HMICFRS (2022) vetting recommendations, as of %s\n", c.AsOf)
	for _, s := range c.Sections() {
		fmt.Fprintf(bw, "\n%s\n%s\n", s.Title, strings.Repeat("-", min(len(s.Title), 78)))
		for _, f := range s.Figures {
			fmt.Fprintf(bw, "  %s: %s\n", f.Label, f.Amount())
			for i, it := range f.Items {
				if i == textItems {
					fmt.Fprintf(bw, "      ... and %d more (--format json, csv or html lists them all)\n", len(f.Items)-textItems)
					break
				}
				fmt.Fprintf(bw, "      %s\n", it)
			}
		}
	}
	return bw.Flush()
}
