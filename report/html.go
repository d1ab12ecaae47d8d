package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
)

//go:embed compliance.html
var pageSource string

// page is the standalone HTML form: one page, its CSS inline, no script
// and nothing fetched from elsewhere, so it can be mailed or archived as is.
var page = template.Must(template.New("compliance").Funcs(template.FuncMap{
	"units": units,
	"denominator": func(f Figure) string {
		if f.Denominator == nil {
			return "—"
		}
		return fmt.Sprint(*f.Denominator)
	},
	"percent": func(f Figure) string {
		if f.Percent == nil {
			return "—"
		}
		return fmt.Sprintf("%.1f%%", *f.Percent)
	},
}).Parse(pageSource))

// WriteHTML writes the report as a standalone HTML page: a table per
// section, the items behind each figure in a <details> element.
func (c *ComplianceReport) WriteHTML(w io.Writer) error {
	return page.Execute(w, c)
}
