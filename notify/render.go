package notify

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
)

// kindTitles say in words what each kind of review is.
var kindTitles = map[string]string{
	"integrity_review":          "Annual integrity review",
	"revetting":                 "Re-vetting before expiry",
	"annual_appraisal":          "Annual security appraisal",
	"vetting_gap":               "Vetting gap",
	"vetting_review":            "Vetting review",
	"circumstances_assessment":  "Change of circumstances assessment",
	"interest_review":           "Business interest review",
	"interest_compliance_check": "Business interest compliance check",
	"association_review":        "Notifiable association review",
	"supervisor_briefing":       "Supervisor briefing",
	"mitigation_review":         "Risk-mitigation review",
	"random_revetting":          "Randomised re-vetting",
	KindGifts:                   "Gifts and hospitality declared (for the register)",
}

// KindTitle returns the words for a kind of review.
func KindTitle(kind string) string {
	if t, ok := kindTitles[kind]; ok {
		return t
	}
	return strings.ReplaceAll(kind, "_", " ")
}

var eventWords = map[string]string{
	EventOpened: "new", EventReminder: "reminder", EventDue: "due today", EventEscalation: "overdue: escalated to you",
	EventBriefing: "please brief", EventUrgent: "urgent",
}

// eventText says what an item's event is: a due-date notice sent after the
// date (the first digest after a weekend, or after downtime) is no longer
// "due today".
func eventText(it Item) string {
	if it.Event == EventDue && it.Overdue {
		return "due date passed"
	}
	return eventWords[it.Event]
}

// dueText says an item's date: a gifts declaration is for the register,
// and has none of its own (its date is the integrity review's).
func dueText(it Item) string {
	switch {
	case it.Kind == KindGifts:
		return "at the integrity review due " + it.DueOn.String()
	case it.Overdue:
		return "OVERDUE since " + it.DueOn.String()
	}
	return "due " + it.DueOn.String()
}

// Subject is a one-line summary of a message.
func Subject(m Message) string {
	if len(m.Items) == 0 {
		return "vettingd: notice"
	}
	overdue := 0
	for _, it := range m.Items {
		if it.Overdue {
			overdue++
		}
	}
	s := fmt.Sprintf("vettingd: %d vetting item(s) for you", len(m.Items))
	if overdue > 0 {
		s += fmt.Sprintf(", %d overdue", overdue)
	}
	return s
}

// Line says one item in one line of plain text.
func Line(it Item) string {
	return fmt.Sprintf("%s (%s): %s %s, %s — %s", KindTitle(it.Kind), eventText(it), it.PersonName, it.EmployeeID, dueText(it), it.URL)
}

// Text renders a message as plain text.
func Text(m Message) string {
	var b strings.Builder
	if m.Notice != "" {
		b.WriteString(m.Notice + "\n")
	}
	for _, it := range m.Items {
		b.WriteString("- " + Line(it) + "\n")
	}
	return b.String()
}

var htmlPage = template.Must(template.New("m").Funcs(template.FuncMap{"title": KindTitle, "event": eventText, "due": dueText}).Parse(
	`<!DOCTYPE html><html lang="en"><body style="font-family:sans-serif">
{{if .Notice}}<p>{{.Notice}}</p>{{end}}{{if .Items}}<table cellpadding="4" style="border-collapse:collapse">
<tr><th align="left">Review</th><th align="left">Person</th><th align="left">Due</th><th></th></tr>
{{range .Items}}<tr><td>{{title .Kind}} ({{event .}})</td><td>{{.PersonName}} {{.EmployeeID}}</td>
<td>{{if .Overdue}}<strong>{{due .}}</strong>{{else}}{{due .}}{{end}}</td><td><a href="{{.URL}}">Open</a></td></tr>
{{end}}</table>{{end}}</body></html>`))

// HTML renders a message as an HTML page (for e-mail).
func HTML(m Message) string {
	var b bytes.Buffer
	_ = htmlPage.Execute(&b, m) // the template and its data cannot fail
	return b.String()
}
