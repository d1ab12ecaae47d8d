package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/cli"
	"vettingd/notify"
	"vettingd/notify/notifytest"
	"vettingd/notify/webhook"
	"vettingd/store"
	"vettingd/store/storetest"
)

// vettingdEnv runs the command line with extra environment.
func vettingdEnv(t *testing.T, dbURL string, extra map[string]string, argv ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"VETTINGD_DATABASE_URL": dbURL, "VETTINGD_TZ": "Europe/London"}
	maps.Copy(env, extra)
	code := cli.Run(context.Background(), cli.Env{
		Args: argv, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
	})
	if code != 0 {
		t.Fatalf("vettingd %v: exit %d\nstdout: %s\nstderr: %s", argv, code, out.String(), errb.String())
	}
	return result{out.String(), errb.String(), code}
}

type whItem struct {
	ReviewID   int64  `json:"review_id"`
	Kind       string `json:"kind"`
	EmployeeID string `json:"employee_id"`
	PersonName string `json:"person_name"`
	DueOn      string `json:"due_on"`
	Overdue    bool   `json:"overdue"`
	Event      string `json:"event"`
	URL        string `json:"url"`
}

type whBody struct {
	DeliveryID string `json:"delivery_id"`
	Recipient  struct {
		Role       string  `json:"role"`
		EmployeeID *string `json:"employee_id"`
		Email      *string `json:"email"`
	} `json:"recipient"`
	Items  []whItem `json:"items"`
	Notice string   `json:"notice"`
}

func bodies(t *testing.T, wh *notifytest.Webhook) []whBody {
	t.Helper()
	if err := wh.Errors(); err != nil {
		t.Fatal(err)
	}
	var out []whBody
	for _, p := range wh.Posts() {
		var b whBody
		if err := json.Unmarshal(p.Body, &b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// itemsFor returns the items that reached a recipient ("vetting_unit", or
// a person's employee id) in the given bodies.
func itemsFor(bs []whBody, who string) []whItem {
	var out []whItem
	for _, b := range bs {
		id := b.Recipient.Role
		if b.Recipient.EmployeeID != nil {
			id = *b.Recipient.EmployeeID
		}
		if id == who {
			out = append(out, b.Items...)
		}
	}
	return out
}

func hasItem(items []whItem, kind, employee, event string) bool {
	return slices.ContainsFunc(items, func(it whItem) bool {
		return it.Kind == kind && it.EmployeeID == employee && it.Event == event
	})
}

func notifyRun(t *testing.T, dbURL string, env map[string]string, asOf string) map[string]any {
	t.Helper()
	r := vettingdEnv(t, dbURL, env, "notify", "run", "--as-of", asOf, "--format", "json")
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("notify run: %v\n%s", err, r.stdout)
	}
	return m
}

func TestNotifyTellsWhomTheRulesSayWhenTheySayIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		wh := notifytest.NewWebhook(t, "whsec")
		env := map[string]string{"VETTINGD_CHANNELS": "webhook", "VETTINGD_WEBHOOK_URL": wh.URL, "VETTINGD_WEBHOOK_SECRET": "whsec",
			"VETTINGD_BASE_URL": "https://vettingd.force.police.uk"}
		force(t, dbURL)
		must(t, dbURL, "import", "misconduct", write(t, "m.csv", "case_ref,employee_id,outcome,concluded_on\nM1,E2,final_written_warning,2026-11-02\nM2,E3,written_warning,2026-11-02\n"),
			"--as-of", "2026-11-02")

		// The day the reviews open: the vetting unit hears of the triggered reviews at once.
		notifyRun(t, dbURL, env, "2026-11-02")
		all := bodies(t, wh)
		vu := itemsFor(all, "vetting_unit")
		if !hasItem(vu, "vetting_review", "E2", "urgent") || !hasItem(vu, "vetting_review", "E3", "urgent") {
			t.Fatalf("the vetting unit was not told of the vetting reviews: %+v", vu)
		}
		if !hasItem(itemsFor(all, "E1"), "vetting_gap", "E2", "opened") {
			t.Errorf("E2's supervisor E1 was not told of E2's vetting gap: %+v", itemsFor(all, "E1"))
		}
		checkWebhookShape(t, wh.Posts()[0].Body)
		for _, it := range vu {
			if it.Kind == "vetting_review" && it.EmployeeID == "E2" {
				if it.DueOn != "2026-11-30" || it.Overdue || it.PersonName != "Bob Smith" || it.URL != fmt.Sprintf("https://vettingd.force.police.uk/reviews/%d", it.ReviewID) {
					t.Errorf("item %+v", it)
				}
			}
		}

		// A dry run owes nothing and sends nothing; the status shows what went.
		dry := vettingdEnv(t, dbURL, env, "notify", "run", "--dry-run", "--as-of", "2026-11-09")
		if !strings.Contains(dry.stdout, "dry run") || len(wh.Posts()) != len(all) {
			t.Errorf("dry run: %s (posts %d → %d)", dry.stdout, len(all), len(wh.Posts()))
		}
		var st map[string]any
		if err := json.Unmarshal([]byte(vettingdEnv(t, dbURL, env, "notify", "status", "--format", "json").stdout), &st); err != nil {
			t.Fatal(err)
		}
		if st["sent"] != float64(len(all)) || st["pending"] != 0.0 || st["failed"] != 0.0 || st["oldest_pending"] != nil {
			t.Errorf("notify status %v, want %d sent and nothing pending", st, len(all))
		}

		// Run again the same day: nothing new.
		if m := notifyRun(t, dbURL, env, "2026-11-02"); m["sent"] != 0.0 || m["owed"] != 0.0 || len(wh.Posts()) != len(all) {
			t.Errorf("second run on one day sent more: %v", m)
		}

		// Acknowledged reviews get no reminder; both get the due-date notice.
		e3 := reviews(t, dbURL, "--kind", "vetting_review", "--employee", "E3")[0]
		must(t, dbURL, "reviews", "ack", fmt.Sprint(e3.ID), "--by", "E1", "--as-of", "2026-11-10")
		n := len(wh.Posts())
		notifyRun(t, dbURL, env, "2026-11-23")
		vu = itemsFor(bodies(t, wh)[n:], "vetting_unit")
		if !hasItem(vu, "vetting_review", "E2", "reminder") || hasItem(vu, "vetting_review", "E3", "reminder") {
			t.Errorf("reminders 7 days before due: %+v", vu)
		}
		n = len(wh.Posts())
		notifyRun(t, dbURL, env, "2026-11-30")
		vu = itemsFor(bodies(t, wh)[n:], "vetting_unit")
		if !hasItem(vu, "vetting_review", "E2", "due") || !hasItem(vu, "vetting_review", "E3", "due") {
			t.Errorf("due-date notices: %+v", vu)
		}

		// Integrity reviews of E4 (absent) and E5, both supervised by E2, are due 2027-01-31.
		n = len(wh.Posts())
		notifyRun(t, dbURL, env, "2027-01-01")
		e2 := itemsFor(bodies(t, wh)[n:], "E2")
		if !hasItem(e2, "integrity_review", "E4", "opened") || !hasItem(e2, "integrity_review", "E5", "opened") {
			t.Errorf("E2 was not told of the integrity reviews opening: %+v", e2)
		}
		n = len(wh.Posts())
		notifyRun(t, dbURL, env, "2027-01-24")
		e2 = itemsFor(bodies(t, wh)[n:], "E2")
		if !hasItem(e2, "integrity_review", "E5", "reminder") || hasItem(e2, "integrity_review", "E4", "reminder") {
			t.Errorf("reminders (none for the absent E4): %+v", e2)
		}
		n = len(wh.Posts())
		notifyRun(t, dbURL, env, "2027-02-07")
		later := bodies(t, wh)[n:]
		if !hasItem(itemsFor(later, "E1"), "integrity_review", "E5", "escalation") {
			t.Errorf("overdue 7 days: E2's own supervisor E1 was not told: %+v", later)
		}
		if hasItem(itemsFor(later, "E1"), "integrity_review", "E4", "escalation") {
			t.Errorf("the absent E4 was chased")
		}
		n = len(wh.Posts())
		notifyRun(t, dbURL, env, "2027-02-14")
		if vu := itemsFor(bodies(t, wh)[n:], "vetting_unit"); !hasItem(vu, "integrity_review", "E5", "escalation") {
			t.Errorf("overdue 14 days: the vetting unit was not told: %+v", vu)
		}
		for emp, level := range map[string]string{"E5": "2", "E4": "0"} {
			got := storetest.Query(t, dbURL, "SELECT escalation_level FROM reviews WHERE kind = 'integrity_review' AND employee_id = $1", emp)
			if len(got) != 1 || got[0] != level {
				t.Errorf("%s escalation level %v, want %s", emp, got, level)
			}
		}

		// Completing stops everything; a gifts declaration goes to PSD for its register.
		e5 := reviews(t, dbURL, "--kind", "integrity_review", "--employee", "E5")[0]
		must(t, dbURL, "reviews", "complete", fmt.Sprint(e5.ID), "--by", "E2", "--outcome", "satisfactory", "--declare", "gifts", "--as-of", "2027-02-15")
		n = len(wh.Posts())
		notifyRun(t, dbURL, env, "2027-02-21")
		later = bodies(t, wh)[n:]
		if !hasItem(itemsFor(later, "psd"), "gifts_declaration", "E5", "opened") {
			t.Errorf("PSD was not told of the gifts declaration: %+v", later)
		}
		// For the register: nothing is due of PSD, and nothing overdue
		// (the review it came from was due 2027-01-31).
		for _, it := range itemsFor(later, "psd") {
			if it.Kind == "gifts_declaration" && it.Overdue {
				t.Errorf("the gifts declaration was told to PSD as overdue: %+v", it)
			}
		}
		for _, b := range later {
			for _, it := range b.Items {
				if it.ReviewID == e5.ID && it.Kind == "integrity_review" {
					t.Errorf("the completed review was still notified: %+v", it)
				}
			}
		}
	})
}

// An escalation queued for the assignee's supervisor goes, if the
// assignee has another supervisor before it is sent, to the new one.
func TestAnEscalationGoesToTheAssigneesSupervisorOfTheDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		wh, env := webhookForce(t, dbURL)
		// E5's integrity review (assignee E2, whose supervisor is E1) is due
		// 2027-01-31: the plan of 2027-02-07 queues its escalation to E1...
		must(t, dbURL, "plan", "--as-of", "2027-02-07")
		// ...then HR puts E2 under E3.
		e2 := "E2,Bob,Smith,bob@force.police.uk,,officer,Inspector,P1,E1,"
		if !strings.Contains(peopleCSV, e2) {
			t.Fatal("the fixture has changed: E2's line is not as expected")
		}
		must(t, dbURL, "import", "people", write(t, "p.csv", strings.Replace(peopleCSV, e2, strings.Replace(e2, ",E1,", ",E3,", 1), 1)), "--as-of", "2027-02-07")
		notifyRun(t, dbURL, env, "2027-02-07")
		notifyRun(t, dbURL, env, "2027-02-08")
		sent := bodies(t, wh)
		if hasItem(itemsFor(sent, "E1"), "integrity_review", "E5", "escalation") || !hasItem(itemsFor(sent, "E3"), "integrity_review", "E5", "escalation") {
			t.Errorf("the escalation of E5's review: to E1 %+v; to E3 %+v", itemsFor(sent, "E1"), itemsFor(sent, "E3"))
		}
	})
}

// webhookForce imports the force of import_test.go and sends
// notifications to a webhook receiver, whose posts it returns with the
// environment that sends there.
func webhookForce(t *testing.T, dbURL string) (*notifytest.Webhook, map[string]string) {
	t.Helper()
	wh := notifytest.NewWebhook(t, "whsec")
	force(t, dbURL)
	return wh, map[string]string{"VETTINGD_CHANNELS": "webhook", "VETTINGD_WEBHOOK_URL": wh.URL, "VETTINGD_WEBHOOK_SECRET": "whsec"}
}

// A review that goes to someone else (a mover's new supervisor) is told
// to them, not to the old one, including what was queued for the old one
// and not yet sent; once overdue, the new assignee's own supervisor is
// told, not the old one's.
func TestAReviewGivenToSomeoneElseIsToldToThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		wh, env := webhookForce(t, dbURL)
		// E5's integrity review (assignee E2, whose supervisor is E1) is due
		// 2027-01-31. The plan of its reminder day queues E2's items...
		must(t, dbURL, "plan", "--as-of", "2027-01-24")
		if got := storetest.Query(t, dbURL, `SELECT n.event FROM notifications n JOIN reviews r ON r.id = n.review_id
			WHERE r.employee_id = 'E5' AND r.kind = 'integrity_review' AND n.recipient_id = 'E2' AND n.state = 'pending' ORDER BY n.event`); !slices.Equal(got, []string{"opened", "reminder"}) {
			t.Fatalf("queued for E2: %v, want opened and reminder", got)
		}
		// ...then HR moves E5 under E6 (whose supervisor is E3), before the digest.
		moved := strings.Replace(peopleCSV, "E5,Eve,White,eve@force.police.uk,,volunteer,,,E2", "E5,Eve,White,eve@force.police.uk,,volunteer,,,E6", 1)
		must(t, dbURL, "import", "people", write(t, "p.csv", moved), "--as-of", "2027-01-24")
		notifyRun(t, dbURL, env, "2027-01-24")
		sent := bodies(t, wh)
		if hasItem(itemsFor(sent, "E2"), "integrity_review", "E5", "opened") || hasItem(itemsFor(sent, "E2"), "integrity_review", "E5", "reminder") {
			t.Errorf("E2, no longer the assignee, was told of E5's review: %+v", itemsFor(sent, "E2"))
		}
		// (One item a review in a digest: the reminder stands for the opening.)
		if e6 := itemsFor(sent, "E6"); !hasItem(e6, "integrity_review", "E5", "reminder") {
			t.Errorf("the new assignee E6 was not told of E5's review: %+v", e6)
		}
		// Overdue by 7 days: E6's supervisor E3 is told, not E2's (E1).
		n := len(wh.Posts())
		notifyRun(t, dbURL, env, "2027-02-07")
		later := bodies(t, wh)[n:]
		if !hasItem(itemsFor(later, "E3"), "integrity_review", "E5", "escalation") || hasItem(itemsFor(later, "E1"), "integrity_review", "E5", "escalation") {
			t.Errorf("escalation of E5's review: to E3 %+v; to E1 %+v", itemsFor(later, "E3"), itemsFor(later, "E1"))
		}
		// Already overdue and escalated, it moves again, to E2: E2 is told
		// of it, and at once (overdue 8 days) so is E2's own supervisor E1.
		must(t, dbURL, "import", "people", write(t, "p.csv", peopleCSV), "--as-of", "2027-02-08")
		n = len(wh.Posts())
		notifyRun(t, dbURL, env, "2027-02-08")
		later = bodies(t, wh)[n:]
		if !hasItem(itemsFor(later, "E2"), "integrity_review", "E5", "opened") || !hasItem(itemsFor(later, "E1"), "integrity_review", "E5", "escalation") {
			t.Errorf("moved back when overdue: to E2 %+v; to E1 %+v", itemsFor(later, "E2"), itemsFor(later, "E1"))
		}
	})
}

// An escalation queued just before its person became absent is not sent
// while they are away, and is sent once they are back.
func TestAnEscalationHeldForAnAbsenceIsSentOnReturn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		wh, env := webhookForce(t, dbURL)
		// E5's integrity review (assignee E2) is due 2027-01-31: the plan of
		// 2027-02-07 owes its escalation to E2's supervisor E1.
		must(t, dbURL, "plan", "--as-of", "2027-02-07")
		must(t, dbURL, "import", "people", write(t, "p.csv", e5Away(t)), "--as-of", "2027-02-07")
		notifyRun(t, dbURL, env, "2027-02-07")
		if hasItem(itemsFor(bodies(t, wh), "E1"), "integrity_review", "E5", "escalation") {
			t.Fatal("an absent person's review was escalated")
		}
		must(t, dbURL, "import", "people", write(t, "p.csv", peopleCSV), "--as-of", "2027-02-10")
		n := len(wh.Posts())
		notifyRun(t, dbURL, env, "2027-02-10")
		if e1 := itemsFor(bodies(t, wh)[n:], "E1"); !hasItem(e1, "integrity_review", "E5", "escalation") {
			t.Errorf("back from absence, E5's overdue review was not escalated to E1: %+v", e1)
		}
	})
}

// A reminder queued just before its person became absent is not sent
// while they are away, and is sent once they are back before the review
// is due.
func TestAReminderHeldForAnAbsenceIsSentOnReturn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		wh, env := webhookForce(t, dbURL)
		// E5's integrity review (assignee E2) is due 2027-01-31: the plan of
		// 2027-01-24 owes E2 its reminder.
		must(t, dbURL, "plan", "--as-of", "2027-01-24")
		must(t, dbURL, "import", "people", write(t, "p.csv", e5Away(t)), "--as-of", "2027-01-24")
		notifyRun(t, dbURL, env, "2027-01-24")
		if e2 := itemsFor(bodies(t, wh), "E2"); hasItem(e2, "integrity_review", "E5", "reminder") {
			t.Fatalf("an absent person's review was chased: %+v", e2)
		}
		must(t, dbURL, "import", "people", write(t, "p.csv", peopleCSV), "--as-of", "2027-01-26")
		n := len(wh.Posts())
		notifyRun(t, dbURL, env, "2027-01-26")
		if e2 := itemsFor(bodies(t, wh)[n:], "E2"); !hasItem(e2, "integrity_review", "E5", "reminder") {
			t.Errorf("back from absence before the due date, E5's review was not chased: %+v", e2)
		}
		// Sent once: the next plans do not owe it again.
		must(t, dbURL, "plan", "--as-of", "2027-01-27")
		n = len(wh.Posts())
		notifyRun(t, dbURL, env, "2027-01-27")
		if e2 := itemsFor(bodies(t, wh)[n:], "E2"); hasItem(e2, "integrity_review", "E5", "reminder") {
			t.Errorf("the reminder was sent twice: %+v", e2)
		}
	})
}

// A review whose due date moves (a new cycle: HR records a new integrity
// review date) is told of, reminded of and escalated again for its new
// date: its first date's items do not stand in the way.
func TestAReviewWhoseDueDateMovesIsToldOfAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		wh, env := webhookForce(t, dbURL)
		// E5's integrity review (assignee E2, whose supervisor is E1) is due 2027-01-31.
		must(t, dbURL, "plan", "--as-of", "2027-01-24")
		notifyRun(t, dbURL, env, "2027-01-24")
		if e2 := itemsFor(bodies(t, wh), "E2"); !hasItem(e2, "integrity_review", "E5", "reminder") {
			t.Fatalf("the first cycle's reminder: %+v", e2)
		}
		old := "E5,Eve,White,eve@force.police.uk,,volunteer,,,E2,2024-06-01,,,\n"
		if !strings.Contains(peopleCSV, old) {
			t.Fatal("the fixture has changed: E5's line is not as expected")
		}
		// Done on 2027-01-25: the next is due 2028-01-25, opening 2027-12-26.
		reviewed := strings.Replace(peopleCSV, old, "E5,Eve,White,eve@force.police.uk,,volunteer,,,E2,2024-06-01,,,2027-01-25\n", 1)
		must(t, dbURL, "import", "people", write(t, "p.csv", reviewed), "--as-of", "2027-01-26")
		if got := storetest.Query(t, dbURL, `SELECT due_on FROM reviews WHERE employee_id = 'E5' AND kind = 'integrity_review' AND status = 'open'`); len(got) != 1 || got[0] != "2028-01-25" {
			t.Fatalf("the review's new due date: %v", got)
		}
		for _, step := range []struct{ day, who, event string }{
			{"2027-12-26", "E2", "opened"}, {"2028-01-18", "E2", "reminder"}, {"2028-01-25", "E2", "due"}, {"2028-02-01", "E1", "escalation"},
		} {
			must(t, dbURL, "plan", "--as-of", step.day)
			n := len(wh.Posts())
			notifyRun(t, dbURL, env, step.day)
			if got := itemsFor(bodies(t, wh)[n:], step.who); !hasItem(got, "integrity_review", "E5", step.event) {
				t.Errorf("%s: %s was not sent the new cycle's %s: %+v", step.day, step.who, step.event, got)
			}
		}
	})
}

// A due date corrected within its cycle (a criminal report's vetting
// review: due 28 days from the report, then 28 days from the assessment)
// takes its items with it: the vetting unit is not told twice.
func TestACorrectedDueDateIsNotToldTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		wh, env := webhookForce(t, dbURL)
		must(t, dbURL, "import", "circumstances", write(t, "c.csv", "report_ref,employee_id,category,reported_on\nR1,E3,criminal,2026-11-02\n"), "--as-of", "2026-11-02")
		notifyRun(t, dbURL, env, "2026-11-02")
		if vu := itemsFor(bodies(t, wh), "vetting_unit"); !hasItem(vu, "vetting_review", "E3", "urgent") {
			t.Fatalf("the vetting unit's urgent item: %+v", vu)
		}
		before := storetest.Query(t, dbURL, `SELECT due_on FROM reviews WHERE employee_id = 'E3' AND kind = 'vetting_review'`)
		must(t, dbURL, "import", "circumstances", write(t, "c.csv", "report_ref,employee_id,category,reported_on,assessment,assessed_on\nR1,E3,criminal,2026-11-02,additional_risk,2026-11-05\n"), "--as-of", "2026-11-05")
		if after := storetest.Query(t, dbURL, `SELECT due_on FROM reviews WHERE employee_id = 'E3' AND kind = 'vetting_review' AND status = 'open'`); len(after) != 1 || slices.Equal(after, before) {
			t.Fatalf("the vetting review's due date did not move: %v, then %v", before, after)
		}
		n := len(wh.Posts())
		notifyRun(t, dbURL, env, "2026-11-05")
		if vu := itemsFor(bodies(t, wh)[n:], "vetting_unit"); hasItem(vu, "vetting_review", "E3", "urgent") || hasItem(vu, "vetting_review", "E3", "opened") {
			t.Errorf("the vetting unit was told of E3's vetting review twice: %+v", vu)
		}
	})
}

// e5Away returns the people file with E5 absent.
func e5Away(t *testing.T) string {
	t.Helper()
	active := "E5,Eve,White,eve@force.police.uk,,volunteer,,,E2,2024-06-01,,,"
	if !strings.Contains(peopleCSV, active+"\n") {
		t.Fatal("the fixture has changed: E5's line is not as expected")
	}
	return strings.Replace(peopleCSV, active, "E5,Eve,White,eve@force.police.uk,,volunteer,,,E2,2024-06-01,,absent,", 1)
}

// With --format json, standard output carries the JSON alone: the log
// channel's messages go to standard error.
func TestNotifyRunJSONIsJSONAlone(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	force(t, dbURL)
	// A dry run counts what already waits too (the imports' plans queued it).
	waiting := storetest.Query(t, dbURL, "SELECT COUNT(*) FROM notifications WHERE state = 'pending'")[0]
	if dry := vettingd(t, dbURL, "", "notify", "run", "--dry-run", "--as-of", "2026-11-02"); waiting == "0" ||
		!strings.Contains(dry.stdout, "0 new items would be owed, besides "+waiting+" items and 0 messages already waiting") {
		t.Errorf("dry run with %s items waiting: %q", waiting, dry.stdout)
	}
	r := vettingd(t, dbURL, "", "notify", "run", "--as-of", "2026-11-02", "--format", "json")
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil || r.code != 0 {
		t.Fatalf("exit %d; stdout is not JSON alone (%v): %q", r.code, err, r.stdout)
	}
	if m["sent"] == 0.0 || !strings.Contains(r.stderr, "vetting item") {
		t.Errorf("sent %v; the log channel's messages on standard error: %q", m["sent"], r.stderr)
	}
}

// checkWebhookShape holds a body to the webhook contract of SPEC §5.
func checkWebhookShape(t *testing.T, body []byte) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	keys := func(v any) []string { return slices.Sorted(maps.Keys(v.(map[string]any))) }
	if got := keys(m); !reflect.DeepEqual(got, []string{"delivery_id", "items", "recipient"}) {
		t.Errorf("body fields %v", got)
	}
	if got := keys(m["recipient"]); !reflect.DeepEqual(got, []string{"email", "employee_id", "role"}) {
		t.Errorf("recipient fields %v", got)
	}
	items := m["items"].([]any)
	if len(items) == 0 {
		t.Fatal("no items")
	}
	want := []string{"due_on", "employee_id", "event", "kind", "overdue", "person_name", "review_id", "url"}
	if got := keys(items[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("item fields %v, want %v", got, want)
	}
}

// The units receive on every channel set up with an address for them,
// whether or not it is one of the people's channels (SPEC §10); people
// only on theirs. A unit's address with no channel to carry it stops the
// command, naming the setting.
func TestTheUnitsReceiveOnEveryConfiguredChannel(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	sl, wh := notifytest.NewSlack(t), notifytest.NewWebhook(t, "whsec")
	env := map[string]string{"VETTINGD_CHANNELS": "log",
		"VETTINGD_SLACK_BOT_TOKEN": "xoxb-test", "VETTINGD_SLACK_API_URL": sl.URL(), "VETTINGD_SLACK_VU_CHANNEL": "CVU",
		"VETTINGD_WEBHOOK_URL": wh.URL, "VETTINGD_WEBHOOK_SECRET": "whsec"}
	force(t, dbURL)
	must(t, dbURL, "import", "misconduct", write(t, "m.csv", "case_ref,employee_id,outcome,concluded_on\nM1,E2,final_written_warning,2026-11-02\n"), "--as-of", "2026-11-02")
	r := vettingdEnv(t, dbURL, env, "notify", "run", "--as-of", "2026-11-02")
	if r.code != 0 {
		t.Fatalf("notify run: exit %d: %s", r.code, r.stderr)
	}
	toVU := 0
	for _, p := range sl.Posts() {
		if p.Channel != "CVU" {
			t.Errorf("Slack, not a people's channel here, carried a message to %s", p.Channel)
		}
		toVU++
	}
	if toVU == 0 || !hasItem(itemsFor(bodies(t, wh), "vetting_unit"), "vetting_review", "E2", "urgent") {
		t.Errorf("the vetting unit's urgent item: %d Slack posts to CVU; webhook %+v", toVU, itemsFor(bodies(t, wh), "vetting_unit"))
	}
	for _, b := range bodies(t, wh) {
		if b.Recipient.Role != "vetting_unit" && b.Recipient.Role != "psd" {
			t.Errorf("the webhook, not a people's channel here, carried a message to a %s", b.Recipient.Role)
		}
	}
	var errb bytes.Buffer
	bad := map[string]string{"VETTINGD_DATABASE_URL": dbURL, "VETTINGD_EMAIL_VU": "vu@force.police.uk"}
	code := cli.Run(context.Background(), cli.Env{Args: []string{"notify", "run", "--as-of", "2026-11-02"}, Stdin: strings.NewReader(""),
		Stdout: io.Discard, Stderr: &errb, Getenv: func(k string) string { return bad[k] }})
	if code != 2 || !strings.Contains(errb.String(), "VETTINGD_EMAIL_VU") {
		t.Errorf("a unit's e-mail address with no SMTP server: exit %d, %q", code, errb.String())
	}
}

func TestEveryChannelCarriesOnlyTheMinimumNecessary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		sl, smtp, wh := notifytest.NewSlack(t), notifytest.NewSMTP(t), notifytest.NewWebhook(t, "whsec")
		sl.Users["bob@force.police.uk"] = "U2"
		env := map[string]string{"VETTINGD_CHANNELS": "slack,email,webhook,log",
			"VETTINGD_SLACK_BOT_TOKEN": "xoxb-test", "VETTINGD_SLACK_API_URL": sl.URL(), "VETTINGD_SLACK_VU_CHANNEL": "CVU", "VETTINGD_SLACK_PSD_CHANNEL": "CPSD",
			"VETTINGD_SMTP_URL": smtp.URL("vettingd", "pw"), "VETTINGD_SMTP_FROM": "vettingd@force.police.uk", "VETTINGD_SMTP_CA_FILE": smtp.CAFile,
			"VETTINGD_EMAIL_VU": "vu@force.police.uk", "VETTINGD_EMAIL_PSD": "psd@force.police.uk",
			"VETTINGD_WEBHOOK_URL": wh.URL, "VETTINGD_WEBHOOK_SECRET": "whsec"}
		force(t, dbURL)
		imports := map[string]string{
			"clearances":    "clearance_ref,employee_id,level,decision,decided_on,adverse_info,mitigation_owner_id\nC1,E2,RV,granted_with_conditions,2026-01-05,true,E1\n",
			"misconduct":    "case_ref,employee_id,outcome,concluded_on\nM1,E2,final_written_warning,2026-11-01\n",
			"circumstances": "report_ref,employee_id,category,reported_on\nR1,E3,finances,2026-11-01\nR2,E6,criminal,2026-11-01\n",
			"adverse":       "intel_ref,employee_id,source,received_on\nI1,E5,covert-source-ZX9,2026-11-01\n",
			"interests":     "interest_ref,employee_id,decision,decided_on,description\nB1,E2,approved,2026-10-01,Dog grooming ZQ4\n",
			"associations":  "association_ref,employee_id,declared_on,conditions\nA1,E6,2026-10-01,No contact with ZQ7\n",
		}
		for _, kind := range []string{"clearances", "misconduct", "circumstances", "adverse", "interests", "associations"} {
			must(t, dbURL, "import", kind, write(t, kind+".csv", imports[kind]), "--as-of", "2026-11-02")
		}
		r := vettingdEnv(t, dbURL, env, "notify", "run", "--as-of", "2026-11-03")
		later := vettingdEnv(t, dbURL, env, "notify", "run", "--as-of", "2027-04-01") // the periodic reviews have opened
		var sent strings.Builder
		sent.WriteString(r.stdout + later.stdout)
		for _, p := range sl.Posts() {
			sent.WriteString(p.Text + p.Blocks)
		}
		for _, m := range smtp.Mails() {
			sent.WriteString(m.Data)
		}
		for _, p := range wh.Posts() {
			sent.Write(p.Body)
		}
		if len(sl.Posts()) == 0 || len(smtp.Mails()) == 0 || len(wh.Posts()) == 0 || !strings.Contains(r.stdout, "notify: to vetting_unit") {
			t.Fatalf("a channel carried nothing: slack %d, email %d, webhook %d, log:\n%s", len(sl.Posts()), len(smtp.Mails()), len(wh.Posts()), r.stdout)
		}
		for _, kind := range []string{"vetting_review", "circumstances_assessment", "mitigation_review", "supervisor_briefing", "association_review"} {
			if !strings.Contains(sent.String(), kind) {
				t.Errorf("no message about a %s: the test does not cover it", kind)
			}
		}
		for _, secret := range []string{"final_written_warning", "final written warning", "finances", "criminal", "covert-source-ZX9", "ZX9",
			"No contact", "ZQ7", "ZQ4", "granted_with_conditions", "adverse_info", "xoxb-test", "whsec"} {
			if strings.Contains(strings.ToLower(sent.String()), strings.ToLower(secret)) {
				t.Errorf("a message carries %q", secret)
			}
		}
		// The vetting unit hears on every channel that has an address for it; a person on the first that reaches them.
		vuChannels := 0
		for _, p := range sl.Posts() {
			if p.Channel == "CVU" {
				vuChannels++
				break
			}
		}
		for _, m := range smtp.Mails() {
			if slices.Contains(m.To, "vu@force.police.uk") {
				vuChannels++
				break
			}
		}
		if len(itemsFor(bodies(t, wh), "vetting_unit")) > 0 {
			vuChannels++
		}
		if vuChannels != 3 {
			t.Errorf("the vetting unit heard on %d channels, want slack, email and webhook", vuChannels)
		}
		if len(itemsFor(bodies(t, wh), "E2")) > 0 || len(itemsFor(bodies(t, wh), "E1")) > 0 {
			t.Errorf("E1 and E2 are on Slack, yet their messages went by webhook too")
		}
	})
}

func TestDigestWindowIsBuiltOnceAcrossRestarts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		force(t, dbURL) // plans as of 2026-11-02: gaps are owed to the VU (urgent) and to supervisors (digest)
		s, err := store.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		loc, _ := time.LoadLocation("Europe/London")
		windows, err := notify.ParseWindows("0 8 * * 1-5", loc, nil)
		if err != nil {
			t.Fatal(err)
		}
		wh := notifytest.NewWebhook(t, "whsec")
		router := &notify.Router{Preference: []string{"webhook"}, BaseURL: "https://v",
			Channels: map[string]notify.Notifier{"webhook": &webhook.Notifier{URL: wh.URL, Secret: "whsec"}}}
		daemon := func() *notify.Service {
			return &notify.Service{Store: s, Router: router, Dispatcher: &notify.Dispatcher{Store: s, Router: router}, Digest: windows,
				Today: func() civil.Date { return civil.MustParse("2026-11-02") }}
		}
		ctx := context.Background()
		// Urgent items go at once, outside any digest.
		if err := daemon().RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		urgent := bodies(t, wh)
		if len(itemsFor(urgent, "vetting_unit")) == 0 || len(itemsFor(urgent, "E1")) != 0 {
			t.Fatalf("before the digest: VU %d items, E1 %d; want the VU's urgent items only", len(itemsFor(urgent, "vetting_unit")), len(itemsFor(urgent, "E1")))
		}
		// The daemon starts at 09:00 on Monday: the 08:00 window was missed and is made good.
		monday := time.Date(2026, 11, 2, 9, 0, 0, 0, loc)
		first := daemon()
		first.BuildDigest(ctx, monday)
		if err := first.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		n := len(wh.Posts())
		if got := itemsFor(bodies(t, wh), "E1"); !hasItem(got, "vetting_gap", "E2", "opened") {
			t.Fatalf("the missed window was not made good: E1 got %+v", got)
		}
		// A restart the same morning, and the next at 07:59 on Tuesday, build nothing again.
		for _, at := range []time.Time{monday.Add(time.Hour), time.Date(2026, 11, 3, 7, 59, 0, 0, loc)} {
			again := daemon()
			again.BuildDigest(ctx, at)
			if err := again.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if len(wh.Posts()) != n {
			t.Errorf("the window was built again: %d posts, then %d", n, len(wh.Posts()))
		}
		if got := storetest.Count(t, dbURL, "digest_windows"); got != 1 {
			t.Errorf("%d digest windows recorded, want 1", got)
		}
		// Each recipient got at most one digest message in the window.
		per := map[string]int{}
		for _, b := range bodies(t, wh)[len(urgent):] {
			id := b.Recipient.Role
			if b.Recipient.EmployeeID != nil {
				id = *b.Recipient.EmployeeID
			}
			per[id]++
		}
		for who, k := range per {
			if k > 1 {
				t.Errorf("%s got %d messages in one window", who, k)
			}
		}
	})
}

// An assignee whose own supervisor has not started yet has nobody above
// them in post: their overdue review is escalated to the vetting unit, and
// the future supervisor is told nothing.
func TestAnEscalationSkipsASupervisorNotStarted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		wh, env := webhookForce(t, dbURL)
		// E2 (assignee of E5's integrity review, due 2027-01-31) is put
		// under E7, who joins on 2027-03-01.
		old := "E2,Bob,Smith,bob@force.police.uk,,officer,Inspector,P1,E1,"
		if !strings.Contains(peopleCSV, old) {
			t.Fatal("the fixture has changed: E2's line is not as expected")
		}
		people := strings.Replace(peopleCSV, old, "E2,Bob,Smith,bob@force.police.uk,,officer,Inspector,P1,E7,", 1) +
			"E7,Gus,Gray,gus@force.police.uk,,officer,Superintendent,P2,,2027-03-01,,active,\n"
		must(t, dbURL, "import", "people", write(t, "p.csv", people), "--as-of", "2027-01-24")
		must(t, dbURL, "plan", "--as-of", "2027-02-07")
		notifyRun(t, dbURL, env, "2027-02-07")
		sent := bodies(t, wh)
		if !hasItem(itemsFor(sent, "vetting_unit"), "integrity_review", "E5", "escalation") {
			t.Errorf("E5's overdue review was not escalated to the vetting unit: %+v", itemsFor(sent, "vetting_unit"))
		}
		if got := storetest.Query(t, dbURL, `SELECT event FROM notifications WHERE recipient_id = 'E7'`); len(got) != 0 {
			t.Errorf("E7 was told before they started: %v", got)
		}
	})
}

// A channel failing now is visible in notify status before any message is
// given up: the message waiting for its retry, and why.
func TestNotifyStatusShowsAMessageWaitingForItsRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		wh, env := webhookForce(t, dbURL)
		wh.FailNext(500)
		if m := notifyRun(t, dbURL, env, "2026-11-02"); m["retried"] != 1.0 {
			t.Fatalf("notify run with the receiver failing once: %v", m)
		}
		out := vettingdEnv(t, dbURL, env, "notify", "status").stdout
		if !strings.Contains(out, "retrying: message ") || !strings.Contains(out, "(attempts 1; next ") || !strings.Contains(out, "500") {
			t.Errorf("notify status does not show the message waiting for its retry:\n%s", out)
		}
		var st struct {
			Failed   int `json:"failed"`
			Retrying []struct {
				Channel string `json:"channel"`
				Reason  string `json:"reason"`
			} `json:"retrying"`
		}
		if err := json.Unmarshal([]byte(vettingdEnv(t, dbURL, env, "notify", "status", "--format", "json").stdout), &st); err != nil {
			t.Fatal(err)
		}
		if st.Failed != 0 || len(st.Retrying) != 1 || st.Retrying[0].Channel != "webhook" || !strings.Contains(st.Retrying[0].Reason, "500") {
			t.Errorf("notify status --format json: %+v", st)
		}
	})
}
