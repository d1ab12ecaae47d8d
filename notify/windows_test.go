package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/notify"
	"vettingd/notify/stdout"
	"vettingd/store"
)

func london(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestDigestWindowsKeepLocalTimeAcrossTheClockChange(t *testing.T) {
	loc := london(t)
	w, err := notify.ParseWindows("0 8 * * 1-5", loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	// British Summer Time ends at 02:00 on Sunday 25 October 2026.
	got := w.Between(time.Date(2026, 10, 22, 12, 0, 0, 0, loc), time.Date(2026, 10, 28, 12, 0, 0, 0, loc))
	want := []string{"2026-10-23T07:00:00Z", "2026-10-26T08:00:00Z", "2026-10-27T08:00:00Z", "2026-10-28T08:00:00Z"}
	if len(got) != len(want) {
		t.Fatalf("windows %v, want %v", got, want)
	}
	for i := range want {
		if s := got[i].UTC().Format(time.RFC3339); s != want[i] {
			t.Errorf("window %d at %s, want %s (08:00 in London)", i, s, want[i])
		}
		if h := got[i].In(loc).Hour(); h != 8 {
			t.Errorf("window %d at %d:00 local", i, h)
		}
	}
}

func TestBankHolidayHasNoDigestAndTheNextWindowCarriesIt(t *testing.T) {
	loc := london(t)
	w, err := notify.ParseWindows("0 8 * * 1-5", loc, []string{"2026-12-25", "2026-12-28"})
	if err != nil {
		t.Fatal(err)
	}
	got := w.Between(time.Date(2026, 12, 24, 9, 0, 0, 0, loc), time.Date(2026, 12, 29, 9, 0, 0, 0, loc))
	if len(got) != 1 || got[0].In(loc).Format("2006-01-02 15:04") != "2026-12-29 08:00" {
		t.Errorf("windows %v, want only Tuesday 29 December 08:00", got)
	}
	// On Christmas Day at noon the latest window is Christmas Eve's: already built, so nothing new goes out.
	if l := w.Latest(time.Date(2026, 12, 25, 12, 0, 0, 0, loc)); l.In(loc).Format("2006-01-02 15:04") != "2026-12-24 08:00" {
		t.Errorf("latest window on a bank holiday: %v", l)
	}
	if l := w.Latest(time.Date(2026, 12, 29, 7, 59, 0, 0, loc)); l.In(loc).Format("2006-01-02") != "2026-12-24" {
		t.Errorf("latest window before Tuesday's: %v", l)
	}
}

func TestDigestScheduleErrors(t *testing.T) {
	if _, err := notify.ParseWindows("every morning", time.UTC, nil); err == nil {
		t.Error("a bad cron expression was accepted")
	}
	if _, err := notify.ParseWindows("0 8 * * 1-5", time.UTC, []string{"25/12/2026"}); err == nil {
		t.Error("a bad bank holiday was accepted")
	}
}

func TestAMessageListsAtMostMaxItemsAndCountsTheRest(t *testing.T) {
	r := &notify.Router{Preference: []string{"log"}, BaseURL: "https://v", Channels: map[string]notify.Notifier{"log": &stdout.Notifier{W: io.Discard}}}
	var items []store.PendingItem
	for i := range notify.MaxItems + 5 {
		items = append(items, store.PendingItem{ID: int64(i + 1), ReviewID: int64(i + 1), Event: "opened", RecipientRole: "vetting_unit",
			Kind: "revetting", EmployeeID: "E1", PersonName: "A B", DueOn: civil.MustParse("2026-12-01")})
	}
	msgs, err := r.Compose(civil.MustParse("2026-11-02"))(store.Recipient{Role: "vetting_unit"}, items)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("%d messages: %v", len(msgs), err)
	}
	var m notify.Message
	if err := json.Unmarshal([]byte(msgs[0].Body), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Items) != notify.MaxItems || !strings.Contains(m.Notice, "5 more item(s)") {
		t.Errorf("%d items, notice %q", len(m.Items), m.Notice)
	}
}

func TestAUnitNoChannelReachesHearsOnTheLog(t *testing.T) {
	logged := &strings.Builder{}
	fallback := &stdout.Notifier{W: logged}
	r := &notify.Router{Preference: []string{"email"}, BaseURL: "https://v", Fallback: fallback,
		Channels: map[string]notify.Notifier{"log": fallback, "email": noAddress{}}}
	msgs, err := r.Compose(civil.MustParse("2026-11-02"))(store.Recipient{Role: "vetting_unit"}, []store.PendingItem{{ID: 1, ReviewID: 1,
		Event: "urgent", RecipientRole: "vetting_unit", Kind: "vetting_gap", EmployeeID: "E1", PersonName: "A B", DueOn: civil.MustParse("2026-11-02")}})
	if err != nil || len(msgs) != 1 || msgs[0].Channel != "log" {
		t.Fatalf("messages %+v: %v, want one on the log", msgs, err)
	}
}

// noAddress is a channel that reaches nobody (e-mail without unit addresses).
type noAddress struct{}

func (noAddress) Name() string                   { return "email" }
func (noAddress) Address(store.Recipient) string { return "" }
func (noAddress) Send(context.Context, string, notify.Message) (string, error) {
	return "", nil
}
