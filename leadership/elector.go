// Package leadership chooses, among the daemons that share one database,
// the one that does the work only one may do at a time: the scheduled
// planning and the digest builds. Every daemon still answers HTTP and
// dispatches the outbox, which is safe in any number.
//
// On PostgreSQL the leader is the daemon whose connection holds a
// session-level advisory lock (store.TryLead). The others retry every
// Retry; when the leader dies, its session ends, PostgreSQL frees the lock
// and the next try of a follower takes the lead. On SQLite the one serve a
// database allows always leads.
package leadership

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"vettingd/store"
)

// DefaultRetry is how often a follower tries to take the lead, and the
// leader checks that it still holds it, when Retry is zero.
const DefaultRetry = 5 * time.Second

// Elector holds or seeks the lead for this daemon until Stop.
type Elector struct {
	Store *store.Store
	Retry time.Duration // DefaultRetry when zero
	Log   *slog.Logger
	// OnGain, when set, is called (in the elector's goroutine) each time
	// this daemon takes the lead after the first try in Start, so that the
	// leader's work is made good at once: what the services do at their
	// own start when they lead from the start.
	OnGain func()

	lead   *store.Lead // touched only by Start and the loop
	leader atomic.Bool
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex // serialises rounds with Stop's release
}

// Start makes a first try at once, so that a daemon that can lead does so
// before its services start, then goes on in the background until Stop.
func (e *Elector) Start(ctx context.Context) {
	ctx, e.cancel = context.WithCancel(context.WithoutCancel(ctx))
	e.done = make(chan struct{})
	if !e.RunOnce(ctx) {
		e.log().Info("Following: another daemon leads", "retry", e.retry())
	}
	go e.loop(ctx)
}

// Stop ends the loop and gives up the lead, if held, so that another
// daemon can take it at its next try.
func (e *Elector) Stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	<-e.done
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lead != nil {
		e.lead.Release()
		e.lead = nil
		e.leader.Store(false)
		e.log().Info("Leadership released")
	}
}

// IsLeader reports whether this daemon leads now.
func (e *Elector) IsLeader() bool { return e.leader.Load() }

func (e *Elector) loop(ctx context.Context) {
	defer close(e.done)
	tick := time.NewTicker(e.retry())
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if gained := e.RunOnce(ctx); gained && e.OnGain != nil {
			e.OnGain()
		}
	}
}

// RunOnce is one round: the leader checks its hold (and steps down if it
// is lost); a follower tries to take the lead. It reports whether this
// round took the lead.
func (e *Elector) RunOnce(ctx context.Context) (gained bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ctx.Err() != nil {
		return false
	}
	// A round must not outlast the next: a connection that hangs is as
	// good as lost.
	round, cancel := context.WithTimeout(ctx, max(e.retry(), 5*time.Second))
	defer cancel()
	if e.lead != nil {
		if err := e.lead.Check(round); err != nil {
			e.lead.Release()
			e.lead = nil
			e.leader.Store(false)
			e.log().Warn("Leadership lost: planning and digests stop here until the lead is taken again", slog.Any("error", err))
		}
		return false
	}
	lead, err := e.Store.TryLead(round, e.retry())
	switch {
	case errors.Is(err, store.ErrNotLeader):
		return false
	case err != nil:
		if ctx.Err() == nil {
			e.log().Warn("Cannot try for leadership", slog.Any("error", err))
		}
		return false
	}
	e.lead = lead
	e.leader.Store(true)
	e.log().Info("Leadership gained: this daemon plans and builds digests", "database", string(e.Store.Dialect()))
	return true
}

func (e *Elector) retry() time.Duration {
	if e.Retry <= 0 {
		return DefaultRetry
	}
	return e.Retry
}

func (e *Elector) log() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}
