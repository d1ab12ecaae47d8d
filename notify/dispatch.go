package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"vettingd/store"
)

// Dispatcher delivers the messages of the outbox. Any number may run on
// one PostgreSQL database: each message is claimed by one of them for a
// lease. A dispatcher that dies between sending and recording leaves its
// claim to expire; the message is then sent again, so a duplicate can only
// happen within Lease of such a crash, and carries the same delivery id
// for the receiver to drop it.
type Dispatcher struct {
	Store       *store.Store
	Router      *Router
	MaxAttempts int           // then a message is given up; 10 when zero
	Lease       time.Duration // how long a claim holds; 2 minutes when zero
	Batch       int           // messages claimed at a time; 50 when zero
	BaseDelay   time.Duration // the first retry's delay; 30 s when zero
	MaxDelay    time.Duration // the longest delay between tries; 1 h when zero
	// NoticeWait is how long the vetting unit's notice of messages given
	// up waits for others once one is: a channel that fails for hours
	// gives up messages all the while, and the unit hears of them in one
	// notice for each such wait, not one per message. None when zero.
	NoticeWait time.Duration
	Now        func() time.Time
	Log        *slog.Logger
}

// DispatchStats counts what one run of the dispatcher did.
type DispatchStats struct {
	Sent    int `json:"sent"`
	Retried int `json:"retried"`
	Failed  int `json:"failed"`
	// Withdrawn counts the messages not sent because every review they
	// told of was completed or cancelled first.
	Withdrawn int `json:"withdrawn"`
}

// RunOnce delivers every message whose time has come, then returns. A
// message put back for a retry is not tried again in the same run.
func (d *Dispatcher) RunOnce(ctx context.Context) (DispatchStats, error) {
	var st DispatchStats
	told := false
	for {
		msgs, withdrawn, err := d.Store.ClaimMessages(ctx, d.now(), d.lease(), d.batch())
		st.Withdrawn += withdrawn
		if err != nil {
			return st, err
		}
		if len(msgs) == 0 {
			if told {
				return st, nil
			}
			// The round is over: the unit is told of the messages given up
			// once the first of them has waited NoticeWait (those of a run
			// cut short too), and the notice is sent now. A notice given up
			// in its turn is only logged.
			told = true
			if n, err := d.Store.TellFailures(ctx, d.now(), d.NoticeWait, d.failureNotice); err != nil || n == 0 {
				return st, err
			}
			continue
		}
		for _, m := range msgs {
			if d.now().Add(d.sendTimeout()).After(m.LeaseUntil) {
				// Too little of the claim is left to send and record within
				// it: give it back rather than risk a second sender.
				if err := d.Store.ReleaseMessage(ctx, m); err != nil {
					return st, err
				}
				continue
			}
			err := d.deliver(ctx, m, &st)
			if errors.Is(err, store.ErrLeaseLost) {
				d.log().Warn("A claim ran out before its outcome was recorded", "delivery_id", m.DeliveryID)
				continue
			}
			if err != nil {
				return st, err
			}
		}
	}
}

// sendTimeout bounds one send: 30 s, or a quarter of a shorter lease, so
// that a send and its record always fit in the claim.
func (d *Dispatcher) sendTimeout() time.Duration {
	return min(30*time.Second, d.lease()/4)
}

func (d *Dispatcher) deliver(ctx context.Context, m store.OutMessage, st *DispatchStats) error {
	ref, err := d.send(ctx, m)
	now := d.now()
	// The outcome is recorded even if a shutdown began during the send:
	// an unrecorded success would be sent again when the claim runs out.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	switch {
	case err == nil:
		st.Sent++
		return d.Store.MessageSent(rec, m, now, ref)
	case ctx.Err() != nil:
		return ctx.Err() // shutting down: the lease runs out and another try picks it up
	}
	var wait *RetryAfterError
	if errors.As(err, &wait) {
		st.Retried++
		d.log().Warn("Channel asked us to wait", "channel", m.Channel, "delivery_id", m.DeliveryID, "retry_after", wait.After)
		return d.Store.MessageRetry(rec, m, now.Add(max(wait.After, time.Second)), err.Error(), true)
	}
	if IsPermanent(err) || m.Attempts >= d.maxAttempts() {
		st.Failed++
		d.log().Error("Message failed", "channel", m.Channel, "delivery_id", m.DeliveryID, "attempts", m.Attempts, slog.Any("error", err))
		return d.Store.MessageFailed(rec, m, now, err.Error())
	}
	st.Retried++
	next := now.Add(d.backoff(m.Attempts))
	d.log().Warn("Message will be retried", "channel", m.Channel, "delivery_id", m.DeliveryID, "attempts", m.Attempts, "next", next, slog.Any("error", err))
	return d.Store.MessageRetry(rec, m, next, err.Error(), false)
}

func (d *Dispatcher) send(ctx context.Context, m store.OutMessage) (string, error) {
	ch, ok := d.Router.Channels[m.Channel]
	if !ok {
		return "", Permanent(fmt.Errorf("channel %s is not configured any more", m.Channel))
	}
	var msg Message
	if err := json.Unmarshal([]byte(m.Body), &msg); err != nil {
		return "", Permanent(fmt.Errorf("message body: %w", err))
	}
	ctx, cancel := context.WithTimeout(ctx, d.sendTimeout())
	defer cancel()
	return ch.Send(ctx, m.Address, msg)
}

// failureNotice tells the vetting unit, in one notice, of the messages
// given up since it was last told (at most noticeLines of them by name).
// Those to the unit itself are only logged, so that failures cannot breed.
func (d *Dispatcher) failureNotice(faults []store.GivenUp) []store.NewMessage {
	var lines []string
	n := 0
	for _, f := range faults {
		if f.RecipientRole == "vetting_unit" {
			continue
		}
		n++
		if len(lines) == noticeLines {
			continue
		}
		who := f.RecipientRole
		if f.RecipientID != "" {
			who += " " + f.RecipientID
		}
		lines = append(lines, fmt.Sprintf("to %s by %s (delivery %s) after %d attempt(s): %s", who, f.Channel, f.DeliveryID, f.Attempts, f.Reason))
	}
	switch {
	case n == 0:
		return nil
	case n == 1:
		return d.Router.Notice("vetting_unit", "A message could not be delivered, and was given up: "+lines[0])
	}
	text := fmt.Sprintf("%d messages could not be delivered, and were given up:\n%s", n, strings.Join(lines, "\n"))
	if n > len(lines) {
		text += fmt.Sprintf("\nand %d more: 'vettingd notify status' lists the latest.", n-len(lines))
	}
	return d.Router.Notice("vetting_unit", text)
}

// noticeLines is how many given-up messages a notice names.
const noticeLines = 20

// backoff is 2^(attempt-1) × BaseDelay, at most MaxDelay, with ±20% jitter
// so that a crowd of retries does not arrive together.
func (d *Dispatcher) backoff(attempt int) time.Duration {
	base, limit := d.BaseDelay, d.MaxDelay
	if base == 0 {
		base = 30 * time.Second
	}
	if limit == 0 {
		limit = time.Hour
	}
	delay := base
	for i := 1; i < attempt && delay < limit; i++ {
		delay *= 2
	}
	delay = min(delay, limit)
	jitter := time.Duration(rand.Int64N(int64(delay)/5+1)) * 2
	return delay - delay/5 + jitter
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Dispatcher) lease() time.Duration {
	if d.Lease == 0 {
		return 2 * time.Minute
	}
	return d.Lease
}

func (d *Dispatcher) batch() int {
	if d.Batch == 0 {
		return 50
	}
	return d.Batch
}

func (d *Dispatcher) maxAttempts() int {
	if d.MaxAttempts == 0 {
		return 10
	}
	return d.MaxAttempts
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Log
}
