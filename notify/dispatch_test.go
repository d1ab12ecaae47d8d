package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/notify"
	"vettingd/notify/notifytest"
	"vettingd/notify/slack"
	"vettingd/notify/webhook"
	"vettingd/store"
	"vettingd/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var civilDay = civil.MustParse("2026-11-02")

// clock is a settable time for the dispatcher.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// queue puts n messages for supervisors E1…En into the outbox, routed by r.
func queue(t *testing.T, s *store.Store, r *notify.Router, now time.Time, n int) {
	t.Helper()
	var msgs []store.NewMessage
	for i := 1; i <= n; i++ {
		rc := store.Recipient{Role: "supervisor", ID: fmt.Sprintf("E%d", i), Email: fmt.Sprintf("e%d@force.police.uk", i)}
		m, err := r.Compose(civilDay)(rc, []store.PendingItem{{ID: int64(i), ReviewID: int64(i), Event: "opened", RecipientRole: "supervisor",
			RecipientID: rc.ID, Kind: "integrity_review", EmployeeID: "E99", PersonName: "Zed Zee", DueOn: civilDay}})
		if err != nil || len(m) == 0 {
			t.Fatalf("the router made %d messages: %v", len(m), err)
		}
		msgs = append(msgs, m...)
	}
	if err := s.AddMessages(context.Background(), now, msgs); err != nil {
		t.Fatal(err)
	}
}

// outboxSetup gives a test a fresh store on backend b, a webhook receiver,
// a clock at 09:00 on 2 November 2026 and a router to the receiver.
func outboxSetup(t *testing.T, b string) (*store.Store, *notifytest.Webhook, *clock, *notify.Router) {
	t.Helper()
	wh := notifytest.NewWebhook(t, "whsec")
	return storetest.Open(t, b), wh, &clock{t: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}, webhookRouter(wh.URL)
}

func webhookRouter(url string) *notify.Router {
	return &notify.Router{Preference: []string{"webhook"}, BaseURL: "https://v",
		Channels: map[string]notify.Notifier{"webhook": &webhook.Notifier{URL: url, Secret: "whsec"}}}
}

func outbox(t *testing.T, s *store.Store) store.OutboxStatus {
	t.Helper()
	st, err := s.Outbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestDispatcherRetriesWithBackOffThenGivesUpAndTellsTheUnitOnce(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b, func(t *testing.T) {
			s, wh, clk, r := outboxSetup(t, b)
			d := &notify.Dispatcher{Store: s, Router: r, MaxAttempts: 3, Now: clk.Now, BaseDelay: time.Minute}
			queue(t, s, r, clk.Now(), 1)
			ctx := context.Background()

			wh.FailNext(500)
			if st, err := d.RunOnce(ctx); err != nil || st.Retried != 1 || st.Sent != 0 {
				t.Fatalf("first try: %+v %v", st, err)
			}
			// The failure shows before any message is given up.
			if o := outbox(t, s); len(o.Retrying) != 1 || o.Retrying[0].Attempts != 1 || !strings.Contains(o.Retrying[0].Reason, "500") ||
				!o.Retrying[0].NextAttemptAt.After(clk.Now()) || o.Failed != 0 {
				t.Errorf("outbox after a failed attempt: %+v", o)
			}
			if st, _ := d.RunOnce(ctx); st.Sent+st.Retried != 0 {
				t.Errorf("retried before its back-off: %+v", st)
			}
			clk.Add(2 * time.Minute)
			if st, _ := d.RunOnce(ctx); st.Sent != 1 {
				t.Errorf("after the back-off: %+v", st)
			}
			if o := outbox(t, s); o.Sent != 1 || o.Pending != 0 || len(o.Retrying) != 0 {
				t.Errorf("outbox %+v", o)
			}

			// A message that keeps failing is given up after MaxAttempts, and the unit is told once.
			queue(t, s, r, clk.Now(), 1)
			wh.FailNext(503, 503, 503)
			for range 3 {
				if _, err := d.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
				clk.Add(2 * time.Hour)
			}
			o := outbox(t, s)
			if o.Failed != 1 || len(o.Failures) != 1 || !strings.Contains(o.Failures[0].Reason, "503") {
				t.Fatalf("outbox %+v", o)
			}
			var notices int
			for _, p := range wh.Posts() {
				var m notify.Message
				_ = json.Unmarshal(p.Body, &m)
				if m.Recipient.Role == "vetting_unit" && strings.Contains(m.Notice, "after 3 attempt(s)") {
					notices++
				}
			}
			if notices != 1 {
				t.Errorf("%d notices to the vetting unit, want 1", notices)
			}
			clk.Add(24 * time.Hour)
			if st, _ := d.RunOnce(ctx); st.Sent+st.Failed+st.Retried != 0 {
				t.Errorf("a failed message was tried again: %+v", st)
			}
		})
	}
}

func TestDispatcherHonoursSlackRetryAfterAndFailsUnknownUsersAtOnce(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b, func(t *testing.T) {
			s := storetest.Open(t, b)
			sl := notifytest.NewSlack(t)
			sl.Users["e1@force.police.uk"] = "U1"
			clk := &clock{t: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
			r := &notify.Router{Preference: []string{"slack"}, BaseURL: "https://v",
				Channels: map[string]notify.Notifier{"slack": slack.New("xoxb-t", sl.URL(), "CVU", "CPSD")}}
			d := &notify.Dispatcher{Store: s, Router: r, MaxAttempts: 2, Now: clk.Now}
			queue(t, s, r, clk.Now(), 2) // E1 is known to Slack; E2 is not
			ctx := context.Background()

			// E2 is not found at once (permanent); E1's message and the
			// notice to the unit about E2 meet three rate limits between them.
			sl.FailNext(429, 429, 429)
			st, err := d.RunOnce(ctx)
			if err != nil || st.Retried != 2 || st.Failed != 1 || st.Sent != 0 {
				t.Fatalf("first run: %+v %v", st, err)
			}
			clk.Add(6 * time.Second)
			if st, _ := d.RunOnce(ctx); st.Sent+st.Retried+st.Failed != 0 {
				t.Errorf("tried before Retry-After: %+v", st)
			}
			clk.Add(2 * time.Second)
			if st, _ := d.RunOnce(ctx); st.Sent != 1 || st.Retried != 1 {
				t.Errorf("after Retry-After: %+v", st)
			}
			clk.Add(8 * time.Second)
			// Three tries with MaxAttempts 2: a rate limit does not count against the message.
			if st, _ := d.RunOnce(ctx); st.Sent != 1 || st.Failed != 0 {
				t.Errorf("after the second Retry-After: %+v", st)
			}
			o := outbox(t, s)
			if o.Failed != 1 || o.Sent != 2 || !strings.Contains(o.Failures[0].Reason, "users_not_found") || o.Failures[0].RecipientID != "E2" {
				t.Errorf("outbox %+v", o)
			}
			var toVU []string
			for _, p := range sl.Posts() {
				if p.Channel == "CVU" {
					toVU = append(toVU, p.Blocks)
				}
			}
			if len(toVU) != 1 || !strings.Contains(toVU[0], "supervisor E2") || !strings.Contains(toVU[0], "users_not_found") {
				t.Errorf("notices to the VU channel: %v", toVU)
			}
		})
	}
}

// TestCrashBetweenSendAndRecordLosesNothing: a dispatcher claims messages,
// sends some, and dies before recording anything. Until its lease ends no
// other dispatcher touches them; then every message is delivered, and the
// only duplicates are those sent just before the crash, with the same
// delivery id for the receiver to drop.
func TestCrashBetweenSendAndRecordLosesNothing(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b, func(t *testing.T) {
			s, wh, clk, r := outboxSetup(t, b)
			queue(t, s, r, clk.Now(), 5)
			ctx := context.Background()

			claimed, _, err := s.ClaimMessages(ctx, clk.Now(), 2*time.Minute, 10)
			if err != nil || len(claimed) != 5 {
				t.Fatalf("claimed %d: %v", len(claimed), err)
			}
			ch := r.Channels["webhook"]
			for _, m := range claimed[:3] {
				var msg notify.Message
				_ = json.Unmarshal([]byte(m.Body), &msg)
				if _, err := ch.Send(ctx, m.Address, msg); err != nil {
					t.Fatal(err)
				}
			} // …and the process dies here.

			restarted := &notify.Dispatcher{Store: s, Router: r, Now: clk.Now, Lease: 2 * time.Minute}
			clk.Add(time.Minute)
			if st, _ := restarted.RunOnce(ctx); st.Sent != 0 {
				t.Errorf("took messages still under another's lease: %+v", st)
			}
			clk.Add(time.Minute + time.Second)
			if st, _ := restarted.RunOnce(ctx); st.Sent != 5 {
				t.Errorf("after the lease: %+v, want all 5 sent", st)
			}
			seen := map[string]int{}
			for _, p := range wh.Posts() {
				seen[p.DeliveryHeader]++
			}
			dups := 0
			for _, m := range claimed {
				switch seen[m.DeliveryID] {
				case 0:
					t.Errorf("message %s lost", m.DeliveryID)
				case 2:
					dups++
				}
			}
			if dups != 3 {
				t.Errorf("%d duplicates, want the 3 sent before the crash", dups)
			}
			if o := outbox(t, s); o.Sent != 5 || o.Pending != 0 {
				t.Errorf("outbox %+v", o)
			}
		})
	}
}

func TestTwoDispatchersOnOnePostgresSendEachMessageOnce(t *testing.T) {
	url := storetest.URL(t, "postgres")
	open := func() *store.Store {
		s, err := store.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	wh := notifytest.NewWebhook(t, "whsec")
	wh.Delay = 2 * time.Millisecond
	wh.FirstDelay = 2 * time.Second // the first send waits: the other dispatcher surely claims meanwhile
	r := webhookRouter(wh.URL)
	a, b := open(), open()
	queue(t, a, r, time.Now(), 300)
	var wg sync.WaitGroup
	stats := make([]notify.DispatchStats, 2)
	for i, s := range []*store.Store{a, b} {
		if i == 1 {
			// The second starts once the first is inside its first send
			// (held by the receiver) with a batch claimed: the two surely overlap.
			for deadline := time.Now().Add(30 * time.Second); wh.Requests() == 0 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := &notify.Dispatcher{Store: s, Router: r, Batch: 10}
			var err error
			if stats[i], err = d.RunOnce(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	seen := map[string]int{}
	for _, p := range wh.Posts() {
		seen[p.DeliveryHeader]++
	}
	if len(seen) != 300 || len(wh.Posts()) != 300 {
		t.Fatalf("%d posts of %d messages, want 300 of 300", len(wh.Posts()), len(seen))
	}
	if stats[0].Sent+stats[1].Sent != 300 || stats[0].Sent == 0 || stats[1].Sent == 0 {
		t.Errorf("sent %d and %d: want both dispatchers to take a share of 300", stats[0].Sent, stats[1].Sent)
	}
}

// TestALateDispatcherCannotUndoAnothersDelivery: a dispatcher whose claim
// ran out (a stalled send) records nothing over the one that took the
// message over and delivered it.
func TestALateDispatcherCannotUndoAnothersDelivery(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b, func(t *testing.T) {
			s, _, clk, r := outboxSetup(t, b)
			queue(t, s, r, clk.Now(), 1)
			ctx := context.Background()
			stalled, _, err := s.ClaimMessages(ctx, clk.Now(), 2*time.Minute, 1)
			if err != nil || len(stalled) != 1 {
				t.Fatalf("claim: %v %v", stalled, err)
			}
			clk.Add(3 * time.Minute)
			if st, err := (&notify.Dispatcher{Store: s, Router: r, Now: clk.Now}).RunOnce(ctx); err != nil || st.Sent != 1 {
				t.Fatalf("the second dispatcher: %+v %v", st, err)
			}
			if err := s.MessageFailed(ctx, stalled[0], clk.Now(), "late"); !errors.Is(err, store.ErrLeaseLost) {
				t.Errorf("the stalled dispatcher's record: %v, want ErrLeaseLost", err)
			}
			if o := outbox(t, s); o.Sent != 1 || o.Failed != 0 {
				t.Errorf("outbox %+v: the late record changed it", o)
			}
		})
	}
}

// TestAClaimTakesNoMoreThanItsLimit: a dispatcher claims a batch, not the
// whole outbox (on PostgreSQL an IN (subquery LIMIT n) claimed everything).
func TestAClaimTakesNoMoreThanItsLimit(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b, func(t *testing.T) {
			s := storetest.Open(t, b)
			r := webhookRouter("http://127.0.0.1:1/")
			now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			queue(t, s, r, now, 25)
			got, _, err := s.ClaimMessages(context.Background(), now, time.Minute, 10)
			if err != nil || len(got) != 10 {
				t.Fatalf("claimed %d: %v", len(got), err)
			}
			var leased int
			if err := s.DB().Get(&leased, `SELECT COUNT(*) FROM messages WHERE lease_until IS NOT NULL`); err != nil || leased != 10 {
				t.Errorf("%d messages leased, want 10 (%v)", leased, err)
			}
		})
	}
}

// The outbox keeps no webhook URL (it may carry a secret): a message
// waiting for its retry goes to the URL configured when it is sent, so
// that correcting VETTINGD_WEBHOOK_URL mends the messages already queued.
func TestAQueuedWebhookMessageGoesToTheURLConfiguredNow(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b, func(t *testing.T) {
			s, old, clk, r := outboxSetup(t, b)
			queue(t, s, r, clk.Now(), 1)
			old.FailNext(500)
			d := &notify.Dispatcher{Store: s, Router: r, Now: clk.Now, BaseDelay: time.Minute}
			if st, err := d.RunOnce(context.Background()); err != nil || st.Retried != 1 {
				t.Fatalf("first try: %+v %v", st, err)
			}
			var rows []string
			if err := s.DB().Select(&rows, `SELECT address FROM messages`); err != nil || len(rows) != 1 || strings.Contains(rows[0], "http") {
				t.Errorf("the outbox keeps the webhook's URL: %v %v", rows, err)
			}
			fixed := notifytest.NewWebhook(t, "whsec")
			clk.Add(2 * time.Minute)
			d.Router = webhookRouter(fixed.URL)
			if st, err := d.RunOnce(context.Background()); err != nil || st.Sent != 1 {
				t.Fatalf("after the URL was corrected: %+v %v", st, err)
			}
			if len(fixed.Posts()) != 1 || len(old.Posts()) != 0 {
				t.Errorf("posts: %d to the URL now configured, %d accepted by the old one", len(fixed.Posts()), len(old.Posts()))
			}
		})
	}
}

// TestTheUnitIsToldOfARoundsFailuresInOneNotice: a channel that fails
// every message of a round gives the unit one notice naming the first
// twenty, not one per message; a failure recorded but not yet told of (a
// crash between the two) is told by the next round, and nothing twice.
func TestTheUnitIsToldOfARoundsFailuresInOneNotice(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b, func(t *testing.T) {
			s, wh, clk, r := outboxSetup(t, b)
			d := &notify.Dispatcher{Store: s, Router: r, MaxAttempts: 1, Now: clk.Now}
			ctx := context.Background()
			queue(t, s, r, clk.Now(), 25)
			fails := make([]int, 25)
			for i := range fails {
				fails[i] = 500
			}
			wh.FailNext(fails...)
			if st, err := d.RunOnce(ctx); err != nil || st.Failed != 25 || st.Sent != 1 {
				t.Fatalf("the round: %+v %v, want 25 given up and the notice sent", st, err)
			}
			notices := func() []string {
				var out []string
				for _, p := range wh.Posts() {
					var m notify.Message
					_ = json.Unmarshal(p.Body, &m)
					if m.Recipient.Role == "vetting_unit" && m.Notice != "" {
						out = append(out, m.Notice)
					}
				}
				return out
			}
			got := notices()
			if len(got) != 1 || !strings.Contains(got[0], "25 messages could not be delivered") ||
				!strings.Contains(got[0], "to supervisor E1 by webhook") || !strings.Contains(got[0], "to supervisor E20 by webhook") ||
				strings.Contains(got[0], "E21 ") || !strings.Contains(got[0], "and 5 more") {
				t.Fatalf("notices to the unit: %q", got)
			}

			queue(t, s, r, clk.Now(), 1)
			claimed, _, err := s.ClaimMessages(ctx, clk.Now(), time.Minute, 1)
			if err != nil || len(claimed) != 1 {
				t.Fatalf("claim: %v %v", claimed, err)
			}
			if err := s.MessageFailed(ctx, claimed[0], clk.Now(), "refused"); err != nil {
				t.Fatal(err)
			}
			if _, err := d.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			if got := notices(); len(got) != 2 || !strings.Contains(got[1], "A message could not be delivered") || !strings.Contains(got[1], "refused") {
				t.Fatalf("notices after a failure left untold: %q", got)
			}
			if _, err := d.RunOnce(ctx); err != nil || len(notices()) != 2 {
				t.Errorf("a third round told again: %q %v", notices(), err)
			}
		})
	}
}

// TestAFailureNoticeWaitsForOthers: with NoticeWait, the messages given up
// while the first waits are told in one notice once it has waited; and a
// notice to the unit that is given up in its turn is only logged, never
// told of (failures cannot breed).
func TestAFailureNoticeWaitsForOthers(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b, func(t *testing.T) {
			s, wh, clk, r := outboxSetup(t, b)
			d := &notify.Dispatcher{Store: s, Router: r, MaxAttempts: 1, Now: clk.Now, NoticeWait: time.Hour}
			ctx := context.Background()
			fail := func(want string) {
				t.Helper()
				queue(t, s, r, clk.Now(), 1)
				wh.FailNext(500)
				if st, err := d.RunOnce(ctx); err != nil || st.Failed != 1 || st.Sent != 0 {
					t.Fatalf("%s: %+v %v, want one given up and nothing sent", want, st, err)
				}
			}
			fail("the first failure")
			clk.Add(30 * time.Minute)
			fail("a second within the hour")
			clk.Add(31 * time.Minute)
			if st, err := d.RunOnce(ctx); err != nil || st.Sent != 1 {
				t.Fatalf("an hour after the first: %+v %v, want the notice sent", st, err)
			}
			if p := wh.Posts(); len(p) != 1 || !strings.Contains(string(p[0].Body), "2 messages could not be delivered") {
				t.Fatalf("posts %d, want the one notice of both", len(p))
			}

			fail("a third")
			clk.Add(61 * time.Minute)
			wh.FailNext(500) // the notice of it fails too
			if st, err := d.RunOnce(ctx); err != nil || st.Failed != 1 {
				t.Fatalf("the notice's round: %+v %v, want the notice given up", st, err)
			}
			asked := wh.Requests()
			clk.Add(2 * time.Hour)
			if st, err := d.RunOnce(ctx); err != nil || wh.Requests() != asked {
				t.Errorf("after the notice was given up: %+v %v, %d requests more", st, err, wh.Requests()-asked)
			}
		})
	}
}
