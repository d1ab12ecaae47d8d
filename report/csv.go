package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// csvHeader names the columns of the CSV form.
var csvHeader = []string{"section", "figure", "count", "denominator", "percent", "people"}

// WriteCSV writes one row per figure: section key, figure key, count,
// denominator and percent (empty when there is none), and the ids behind
// it joined with ';' (each once; post ids for figures about posts).
func (c *ComplianceReport) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	for _, s := range c.Sections() {
		for _, f := range s.Figures {
			denom, pct := "", ""
			if f.Denominator != nil {
				denom = strconv.Itoa(*f.Denominator)
			}
			if f.Percent != nil {
				pct = strconv.FormatFloat(*f.Percent, 'f', 1, 64)
			}
			_ = cw.Write([]string{s.Key, f.Key, strconv.Itoa(f.Count), denom, pct, inert(strings.Join(f.IDs(), ";"))})
		}
	}
	cw.Flush()
	return cw.Error()
}

// IDs returns the ids of the items behind the figure, each once, in order.
func (f Figure) IDs() []string {
	seen := make(map[string]bool, len(f.Items))
	ids := make([]string, 0, len(f.Items))
	for _, it := range f.Items {
		if !seen[it.ID] {
			seen[it.ID] = true
			ids = append(ids, it.ID)
		}
	}
	return ids
}

// inert keeps a spreadsheet from reading a cell of imported text (an id
// from an HR export) as a formula.
func inert(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
