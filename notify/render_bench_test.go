package notify_test

import (
	"fmt"
	"io"
	"testing"

	"vettingd/civil"
	"vettingd/notify"
	"vettingd/notify/stdout"
	"vettingd/store"
)

// digestItems are a supervisor's pending items, in due order, as the
// outbox hands them to Compose.
func digestItems(n int) []store.PendingItem {
	kinds := []string{"integrity_review", "revetting", "annual_appraisal", "vetting_gap", "circumstances_assessment"}
	events := []string{notify.EventOpened, notify.EventReminder, notify.EventDue, notify.EventEscalation}
	due := civil.MustParse("2026-10-01")
	items := make([]store.PendingItem, n)
	for i := range items {
		items[i] = store.PendingItem{ID: int64(i + 1), ReviewID: int64(1000 + i), Event: events[i%len(events)], RecipientRole: "supervisor",
			RecipientID: "E000001", Kind: kinds[i%len(kinds)], EmployeeID: fmt.Sprintf("E%06d", 100+i),
			PersonName: "Ada Lovelace", DueOn: due.AddDays(i)}
	}
	return items
}

// digestMessage is the message Compose builds from n items.
func digestMessage(b *testing.B, n int) notify.Message {
	items := digestItems(n)
	m := notify.Message{}
	for _, it := range items {
		m.Items = append(m.Items, notify.Item{ReviewID: it.ReviewID, Kind: it.Kind, EmployeeID: it.EmployeeID, PersonName: it.PersonName,
			DueOn: it.DueOn, Overdue: it.DueOn.Before(civil.MustParse("2026-11-02")), Event: it.Event,
			URL: fmt.Sprintf("https://vettingd.example/reviews/%d", it.ReviewID)})
	}
	return m
}

// BenchmarkCompose measures building one supervisor's digest: collapsing
// the items, routing, and the JSON body stored in the outbox.
func BenchmarkCompose(b *testing.B) {
	for _, n := range []int{10, notify.MaxItems} {
		b.Run(fmt.Sprint(n, "-items"), func(b *testing.B) {
			ch := &stdout.Notifier{W: io.Discard}
			r := &notify.Router{Preference: []string{"log"}, Channels: map[string]notify.Notifier{"log": ch}, BaseURL: "https://vettingd.example", Fallback: ch}
			compose := r.Compose(civil.MustParse("2026-11-02"))
			rcpt := store.Recipient{Role: "supervisor", ID: "E000001", Email: "ada@force.police.uk"}
			items := digestItems(n)
			b.ReportAllocs()
			for range b.N {
				if _, err := compose(rcpt, items); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRender measures rendering a digest as the channels send it:
// plain text (Slack, the log) and HTML (e-mail).
func BenchmarkRender(b *testing.B) {
	for _, n := range []int{10, notify.MaxItems} {
		m := digestMessage(b, n)
		b.Run(fmt.Sprint("text/", n, "-items"), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				_ = notify.Text(m)
			}
		})
		b.Run(fmt.Sprint("html/", n, "-items"), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				_ = notify.HTML(m)
			}
		})
	}
}
