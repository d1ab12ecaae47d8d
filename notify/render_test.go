package notify_test

import (
	"strings"
	"testing"

	"vettingd/civil"
	"vettingd/notify"
)

// An item says what it is in words that hold on the day it is read: a due
// notice that goes out after its date (the first digest after a weekend)
// does not say "due today", and a gifts declaration, for PSD's register,
// is neither due nor overdue.
func TestItemWordsHoldOnTheDayTheyAreRead(t *testing.T) {
	due := civil.MustParse("2027-04-17")
	item := func(kind, event string, overdue bool) notify.Item {
		return notify.Item{ReviewID: 7, Kind: kind, EmployeeID: "E19", PersonName: "Oliver Clark", DueOn: due, Overdue: overdue, Event: event, URL: "https://v/reviews/7"}
	}
	for _, c := range []struct {
		it        notify.Item
		want, not []string
	}{
		{item("integrity_review", notify.EventDue, false), []string{"(due today)", "due 2027-04-17"}, []string{"OVERDUE"}},
		{item("integrity_review", notify.EventDue, true), []string{"(due date passed)", "OVERDUE since 2027-04-17"}, []string{"due today"}},
		{item(notify.KindGifts, notify.EventOpened, false), []string{"Gifts and hospitality declared", "at the integrity review due 2027-04-17"}, []string{"OVERDUE", "overdue"}},
	} {
		m := notify.Message{Items: []notify.Item{c.it}}
		for name, out := range map[string]string{"text": notify.Text(m), "html": notify.HTML(m)} {
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("%s of %s/%s lacks %q:\n%s", name, c.it.Kind, c.it.Event, w, out)
				}
			}
			for _, w := range c.not {
				if strings.Contains(out, w) {
					t.Errorf("%s of %s/%s says %q:\n%s", name, c.it.Kind, c.it.Event, w, out)
				}
			}
		}
	}
}
