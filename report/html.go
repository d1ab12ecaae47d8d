package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
)

//go:embed compliance.html
var pageSource string

// page is the standalone HTML form: one page, its CSS inline, no script
// and nothing fetched from elsewhere, so it can be mailed or archived as is.
var page = template.Must(template.New("compliance").Funcs(template.FuncMap{
	"units": units,
	"items": itemList,
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

// itemList writes the <li> of each item, every field escaped. A national
// report lists half a million people: written here it takes a fraction of
// the time html/template takes to range over them.
func itemList(items []Item) template.HTML {
	var b strings.Builder
	for _, it := range items {
		b.WriteString("\n<li><span class=\"id\">")
		b.WriteString(template.HTMLEscapeString(it.ID))
		b.WriteString("</span> ")
		b.WriteString(template.HTMLEscapeString(it.Name))
		if it.Ref != "" {
			b.WriteString(` <span class="muted">[`)
			b.WriteString(template.HTMLEscapeString(it.Ref))
			b.WriteString("]</span>")
		}
		if it.Note != "" {
			b.WriteString(": ")
			b.WriteString(template.HTMLEscapeString(it.Note))
		}
		b.WriteString("</li>")
	}
	return template.HTML(b.String()) // every part escaped above
}
