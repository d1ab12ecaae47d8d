package crashtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"vettingd/notify/webhook"
	"vettingd/store/storetest"
)

// lease is the dispatch lease the test runs with (VETTINGD_DISPATCH_LEASE),
// so that a claim cut by a kill runs out in seconds, not in the default
// two minutes.
const lease = 2 * time.Second

// A dispatcher killed at any moment, again and again, loses no message:
// after restarts every item a clean run delivers has reached the webhook,
// under one delivery id. A message goes twice only when its sender was
// killed between sending it and recording it, and then the second goes
// only once the killed sender's claim on it has run out, with the same
// delivery id and body (SPEC §5).
func TestKilledDispatchLosesNothing(t *testing.T) {
	binary(t)
	storetest.Each(t, func(t *testing.T, dbURL string) {
		r := rng(t)
		for _, kind := range []string{"posts", "people", "clearances", "misconduct", "circumstances", "adverse", "interests", "associations"} {
			run(t, dbURL, nil, "import", kind, csv(kind), "--as-of", asOf)
		}
		notify := []string{"notify", "run", "--as-of", asOf}

		ref, _ := clone(t, dbURL)
		refHook := newReceiver(t)
		took := run(t, ref, refHook.env(), notify...)
		want := refHook.items(t)
		if len(want) == 0 || len(refHook.posts()) < 20 {
			t.Fatalf("a clean run delivered %d messages, %d items", len(refHook.posts()), len(want))
		}
		// Kill within the time a clean run takes to build its messages and
		// send a few: later runs have less to do, so most kills land while
		// messages are sent.
		window := refHook.posts()[0].at.Sub(refHook.start) + 500*time.Millisecond
		t.Logf("a clean run takes %v and sends %d messages (%d items); kills within %v", took.Round(time.Millisecond), len(refHook.posts()), len(want), window.Round(time.Millisecond))

		db, _ := clone(t, dbURL)
		hook := newReceiver(t)
		var runs []kill
		held := map[string][]claim{} // delivery id → claims of killed dispatchers
		for range *runsFlag {
			k := runKilled(t, db, hook.env(), upTo(r, window), notify...)
			if !k.Killed {
				k.At = time.Now()
			}
			runs = append(runs, k)
			if k.Killed {
				for _, c := range claims(t, db) {
					held[c.DeliveryID] = append(held[c.DeliveryID], claim{killedAt: k.At, until: c.LeaseUntil})
				}
			}
		}
		// Then clean runs until nothing is pending, each once the claims of
		// the killed ones have run out.
		for try := 0; ; try++ {
			if n := storetest.Query(t, db, `SELECT COUNT(*) FROM messages WHERE status <> 'sent'`); n[0] == "0" {
				break
			}
			if try == 5 {
				t.Fatalf("messages still not sent after %d clean runs: %v", try, storetest.Query(t, db, `SELECT delivery_id || ' ' || status FROM messages WHERE status <> 'sent'`))
			}
			for _, c := range claims(t, db) {
				time.Sleep(time.Until(c.LeaseUntil))
			}
			k := kill{Start: time.Now()}
			run(t, db, hook.env(), notify...)
			k.At = time.Now()
			runs = append(runs, k)
		}

		// None lost: every item of a clean run was delivered, under one
		// delivery id, and every message recorded went.
		got := hook.items(t)
		if !slices.Equal(keys(got), keys(want)) {
			t.Fatalf("delivered %d items, a clean run %d; lost: %v; extra: %v", len(got), len(want), missing(want, got), missing(got, want))
		}
		for item, ids := range got {
			if len(ids) != 1 {
				t.Errorf("item %s went in %d messages: %v", item, len(ids), ids)
			}
		}
		recorded := storetest.Query(t, db, `SELECT delivery_id FROM messages ORDER BY delivery_id`)
		if byID := hook.byID(); !slices.Equal(keys(byID), recorded) {
			t.Fatalf("received %d delivery ids, the outbox holds %d", len(byID), len(recorded))
		}

		// Twice only within the lease of a killed sender: the message was
		// seen claimed and unrecorded just after a kill, and went again only
		// once that claim had run out. (Which run sent a delivery cannot be
		// told from when it arrived: a request written just before a kill
		// may be read after it.)
		killed, dups := 0, 0
		for _, k := range runs {
			if k.Killed {
				killed++
			}
		}
		for id, ps := range hook.byID() {
			for _, again := range ps[1:] {
				dups++
				if string(again.body) != string(ps[0].body) {
					t.Errorf("delivery %s went twice with different bodies", id)
				}
				var last *claim
				for i, c := range held[id] {
					if c.killedAt.Before(again.at) {
						last = &held[id][i]
					}
				}
				switch {
				case last == nil:
					t.Errorf("delivery %s went again at %v though no killed dispatcher held it", id, again.at)
				case again.at.Before(last.until):
					t.Errorf("delivery %s went again at %v, before the claim of the dispatcher killed at %v ran out at %v", id, again.at, last.killedAt, last.until)
				}
			}
		}
		if dups > killed {
			t.Errorf("%d deliveries went twice after %d kills: a dispatcher sends one message at a time", dups, killed)
		}
		if err := hook.err(); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d runs, %d killed: %d messages (%d items) delivered; %d sent twice", len(runs), killed, len(recorded), len(got), dups)
	})
}

// claim is a dispatcher's lease on a message, seen just after it was killed.
type claim struct {
	killedAt, until time.Time
}

type leased struct {
	DeliveryID string    `db:"delivery_id"`
	LeaseUntil time.Time `db:"lease_until"`
}

// claims are the leases held on messages not yet recorded as sent.
func claims(t *testing.T, dbURL string) []leased {
	t.Helper()
	var out []leased
	selectRows(t, dbURL, &out, `SELECT delivery_id, lease_until FROM messages WHERE status = 'pending' AND lease_until IS NOT NULL`)
	return out
}

// receiver is a webhook receiver that records when each delivery arrived.
// A delivery counts once its whole body has arrived, whether or not the
// sender lived to read the answer.
type receiver struct {
	srv   *httptest.Server
	start time.Time
	mu    sync.Mutex
	got   []post
	errs  []error
}

type post struct {
	at   time.Time
	id   string
	body []byte
}

const secret = "crash-secret"

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{start: time.Now()}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) env() []string {
	return []string{"VETTINGD_CHANNELS=webhook", "VETTINGD_WEBHOOK_URL=" + rc.srv.URL, "VETTINGD_WEBHOOK_SECRET=" + secret,
		"VETTINGD_DISPATCH_LEASE=" + lease.String(), "VETTINGD_LOG_LEVEL=warn"}
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the sender died mid-request: nothing was delivered
	}
	// A receiver's work: a kill now leaves a message delivered but not
	// recorded as sent.
	time.Sleep(10 * time.Millisecond)
	var m struct {
		DeliveryID string `json:"delivery_id"`
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err := json.Unmarshal(body, &m); err != nil || m.DeliveryID == "" || m.DeliveryID != r.Header.Get("X-Vettingd-Delivery") {
		rc.errs = append(rc.errs, fmt.Errorf("delivery header %q, body %.200s", r.Header.Get("X-Vettingd-Delivery"), body))
	}
	if got := r.Header.Get("X-Vettingd-Signature"); got != webhook.Sign(secret, body) {
		rc.errs = append(rc.errs, fmt.Errorf("delivery %s: bad signature %q", m.DeliveryID, got))
	}
	rc.got = append(rc.got, post{at: at, id: m.DeliveryID, body: body})
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) posts() []post {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

func (rc *receiver) err() error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.errs) > 0 {
		return fmt.Errorf("%d bad deliveries, the first: %w", len(rc.errs), rc.errs[0])
	}
	return nil
}

// byID groups the deliveries by delivery id, in order of arrival.
func (rc *receiver) byID() map[string][]post {
	out := map[string][]post{}
	for _, p := range rc.posts() {
		out[p.id] = append(out[p.id], p)
	}
	return out
}

// items maps each item delivered (recipient, review, event) to the
// delivery ids that carried it.
func (rc *receiver) items(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for id, ps := range rc.byID() {
		var b struct {
			Recipient struct {
				Role       string  `json:"role"`
				EmployeeID *string `json:"employee_id"`
			} `json:"recipient"`
			Items []struct {
				ReviewID int64  `json:"review_id"`
				Event    string `json:"event"`
			} `json:"items"`
			Notice string `json:"notice"`
		}
		if err := json.Unmarshal(ps[0].body, &b); err != nil {
			t.Fatal(err)
		}
		who := b.Recipient.Role
		if b.Recipient.EmployeeID != nil {
			who += " " + *b.Recipient.EmployeeID
		}
		for _, it := range b.Items {
			k := fmt.Sprintf("%s: review %d %s", who, it.ReviewID, it.Event)
			out[k] = append(out[k], id)
		}
		if b.Notice != "" {
			k := who + ": notice " + b.Notice
			out[k] = append(out[k], id)
		}
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// missing returns up to five keys of a that b lacks.
func missing(a, b map[string][]string) []string {
	var out []string
	for _, k := range keys(a) {
		if _, ok := b[k]; !ok && len(out) < 5 {
			out = append(out, k)
		}
	}
	return out
}
