package report

import (
	"strings"
	"testing"

	"vettingd/civil"
	"vettingd/store"
)

var d = civil.MustParse

func TestJudgeOnTheBoundaries(t *testing.T) {
	deadline := d("2026-09-29")
	cases := []struct {
		name  string
		e     store.EventReview
		asOf  string
		class timeliness
		note  string
	}{
		{"completed on the last day", store.EventReview{ReviewStatus: "completed", ReviewCompleted: deadline}, "2026-11-02", onTime, "review completed 2026-09-29"},
		{"completed a day late", store.EventReview{ReviewStatus: "completed", ReviewCompleted: d("2026-09-30")}, "2026-11-02", late, "review completed 2026-09-30, after 2026-09-29"},
		{"open on the last day", store.EventReview{ReviewStatus: "acknowledged", ReviewDue: deadline}, "2026-09-29", inProgress, "review open, due 2026-09-29; time allowed ends 2026-09-29"},
		{"open a day after", store.EventReview{ReviewStatus: "open", ReviewDue: deadline}, "2026-09-30", late, "review still open; time allowed ended 2026-09-29"},
		{"none yet, in time", store.EventReview{}, "2026-09-01", inProgress, "no review opened yet; time allowed ends 2026-09-29"},
		{"none, too late", store.EventReview{}, "2026-10-01", late, "no review opened; time allowed ended 2026-09-29"},
		{"cancelled as a leaver", store.EventReview{ReviewStatus: "cancelled", CancelReason: "leaver", EndDate: d("2026-09-10")}, "2026-09-20", late, "review cancelled (leaver); left 2026-09-10"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if class, note := judge(c.e, deadline, d(c.asOf)); class != c.class || note != c.note {
				t.Errorf("judge = %d %q, want %d %q", class, note, c.class, c.note)
			}
		})
	}
}

func TestAssessedOnTheBoundaries(t *testing.T) {
	deadline := d("2026-06-15")
	cases := []struct {
		assessment, assessedOn, asOf string
		class                        timeliness
	}{
		{"no_additional_risk", "2026-06-15", "2026-11-02", onTime},
		{"additional_risk", "2026-06-16", "2026-11-02", late},
		{"no_additional_risk", "", "2026-11-02", late}, // no date: cannot be shown to be on time
		{"pending", "", "2026-06-15", inProgress},
		{"pending", "", "2026-06-16", late},
	}
	for _, c := range cases {
		e := store.EventReview{Assessment: c.assessment}
		if c.assessedOn != "" {
			e.AssessedOn = d(c.assessedOn)
		}
		if class, note := assessed(e, deadline, d(c.asOf)); class != c.class {
			t.Errorf("%s on %q as of %s: %d (%s), want %d", c.assessment, c.assessedOn, c.asOf, class, note, c.class)
		}
	}
}

func TestInDateAndShares(t *testing.T) {
	asOf := d("2026-11-02")
	for due, want := range map[string]bool{"2026-11-02": true, "2026-11-01": false, "": false} {
		var dd civil.Date
		if due != "" {
			dd = d(due)
		}
		if ok, _ := inDate(dd, asOf); ok != want {
			t.Errorf("due %q: in date %v, want %v", due, ok, want)
		}
	}
	f := share("k", "l", "people", []Item{{ID: "E1"}, {ID: "E1", Ref: "R2"}}, 3)
	if f.Count != 2 || *f.Denominator != 3 || *f.Percent != 66.7 || f.Amount() != "2 of 3 people (66.7%)" || len(f.IDs()) != 1 {
		t.Errorf("share: %+v %q %v", f, f.Amount(), f.IDs())
	}
	if f := share("k", "l", "reviews", nil, 0); f.Percent != nil || f.Items == nil || f.Amount() != "0 of 0 reviews (no share)" {
		t.Errorf("share of nothing: %+v", f)
	}
	if one := count("k", "l", "people", []Item{{ID: "E1"}}); one.Amount() != "1 person" {
		t.Errorf("count: %q", one.Amount())
	}
	if inert("=HYPERLINK(1)") != "'=HYPERLINK(1)" || inert("E1;E2") != "E1;E2" {
		t.Error("a formula in an imported id must be made inert in CSV")
	}
}

func TestHTMLEscapesWhatCameFromImports(t *testing.T) {
	c := &ComplianceReport{AsOf: d("2026-11-02")}
	c.LeaversDuringReview = Section{Key: "leavers", Title: "Leavers & <others>", Figures: []Figure{
		count("k", "People <b>", "people", []Item{{ID: `E"1`, Name: "<script>alert(1)</script>", Ref: "R&D", Note: "it's <i>"}}),
	}}
	var b strings.Builder
	if err := c.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"Leavers &amp; &lt;others&gt;", "People &lt;b&gt;", `<span class="id">E&#34;1</span> &lt;script&gt;alert(1)&lt;/script&gt; <span class="muted">[R&amp;D]</span>: it&#39;s &lt;i&gt;</li>`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "<i>") {
		t.Error("imported text reached the page unescaped")
	}
}
