package notify

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"vettingd/civil"
	"vettingd/store"
)

// Service is the daemon's delivery loop: every Poll, urgent items are
// built into messages and everything due is dispatched, and the leader
// builds the digest of a window of the digest schedule that has come
// (once per window, whichever daemon builds it; the latest window missed
// while no daemon led is made good when one leads again).
type Service struct {
	Store      *store.Store
	Router     *Router
	Dispatcher *Dispatcher
	Digest     Windows
	Poll       time.Duration     // 10 s when zero
	Today      func() civil.Date // the date items are overdue against
	// Now, when set, is the wall clock that digest windows are read
	// against (else time.Now). Leases and retries keep to time.Now.
	Now func() time.Time
	// Leader, when set, says whether this daemon leads: only the leader
	// builds digests. Nil means it always does.
	Leader     func() bool
	Log        *slog.Logger
	lastOK     atomic.Pointer[time.Time]
	cancel     context.CancelFunc
	wg         sync.WaitGroup
	digestMu   sync.Mutex
	dispatchMu sync.Mutex
	built      time.Time // the last window seen built, by the loop
}

// Windows is a digest schedule: a cron expression in the force's zone,
// less bank holidays.
type Windows struct {
	Schedule     cron.Schedule
	Location     *time.Location
	BankHolidays []civil.Date
}

// ParseWindows reads a digest schedule.
func ParseWindows(spec string, loc *time.Location, holidays []string) (Windows, error) {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return Windows{}, fmt.Errorf("digest schedule %q: %w", spec, err)
	}
	w := Windows{Schedule: sched, Location: loc}
	for _, h := range holidays {
		d, err := civil.Parse(h)
		if err != nil {
			return Windows{}, fmt.Errorf("bank holiday %q: %w", h, err)
		}
		w.BankHolidays = append(w.BankHolidays, d)
	}
	return w, nil
}

// Latest returns the last window at or before now (zero if none in the
// last eight days): the window whose digest should exist by now.
func (w Windows) Latest(now time.Time) time.Time {
	var last time.Time
	for t := w.Schedule.Next(now.In(w.Location).AddDate(0, 0, -8)); !t.After(now); t = w.Schedule.Next(t) {
		if !w.holiday(t) {
			last = t
		}
	}
	return last
}

// Between lists the windows after from up to and including to.
func (w Windows) Between(from, to time.Time) []time.Time {
	var out []time.Time
	for t := w.Schedule.Next(from.In(w.Location)); !t.After(to); t = w.Schedule.Next(t) {
		if !w.holiday(t) {
			out = append(out, t)
		}
	}
	return out
}

func (w Windows) holiday(t time.Time) bool {
	return slices.Contains(w.BankHolidays, civil.Of(t.In(w.Location)))
}

// Start makes good a missed digest window and delivers what is due, then
// goes on in the background until Stop.
func (s *Service) Start(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.round(ctx)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.loop(ctx)
	}()
}

// round is one turn of the loop: the digest if its window has come, then
// the urgent items and the dispatch.
func (s *Service) round(ctx context.Context) {
	s.digestIfDue(ctx)
	s.runLogged(ctx)
}

// digestIfDue builds the latest window's digest when this daemon leads
// and has not yet seen that window built. The digest is built at the first
// round after its window (within Poll), not by a timer of its own: so a
// window is never missed for a timer that fired while another daemon led,
// and the loop needs only the clock to tell.
func (s *Service) digestIfDue(ctx context.Context) {
	if s.Leader != nil && !s.Leader() {
		s.built = time.Time{} // on taking the lead, ask the database again
		return
	}
	w := s.Digest.Latest(s.now())
	if w.IsZero() || w.Equal(s.built) {
		return
	}
	if s.buildDigest(ctx, w) == nil {
		s.built = w
	}
}

func (s *Service) runLogged(ctx context.Context) {
	switch err := s.RunOnce(ctx); {
	case err != nil && ctx.Err() != nil:
		s.log().Warn("Delivery interrupted by shutdown", slog.Any("error", err))
	case err != nil:
		s.log().Error("Dispatcher failed", slog.Any("error", err))
	}
}

// Stop stops the loop, letting a digest build or a delivery under way
// finish for up to grace; then it cancels them and returns, even if a
// build has not ended yet (a stuck database must not hold up a shutdown:
// what is not built is built by the next daemon).
func (s *Service) Stop(grace time.Duration) {
	if s.cancel == nil {
		return
	}
	idle := make(chan struct{})
	go func() { // waits for a digest build and a delivery under way to end
		s.digestMu.Lock()
		s.digestMu.Unlock() //nolint:staticcheck // waits for a build to end
		s.dispatchMu.Lock()
		s.dispatchMu.Unlock() //nolint:staticcheck // waits for a run to end
		close(idle)
	}()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-idle:
	case <-timer.C:
		s.log().Warn("Notifications stopped before a digest or delivery under way had finished", "grace", grace)
	}
	s.cancel()
	s.wg.Wait()
}

// LastSuccess is when the loop last completed a round, or zero.
func (s *Service) LastSuccess() time.Time {
	if t := s.lastOK.Load(); t != nil {
		return *t
	}
	return time.Time{}
}

// Interval is how often the loop runs.
func (s *Service) Interval() time.Duration {
	if s.Poll == 0 {
		return 10 * time.Second
	}
	return s.Poll
}

func (s *Service) loop(ctx context.Context) {
	tick := time.NewTicker(s.Interval())
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s.round(ctx)
	}
}

// RunOnce builds the urgent items into messages and delivers what is due.
func (s *Service) RunOnce(ctx context.Context) error {
	s.dispatchMu.Lock()
	defer s.dispatchMu.Unlock()
	if _, err := s.Store.BuildMessages(ctx, time.Now(), time.Time{}, true, s.Router.Compose(s.today())); err != nil {
		return err
	}
	st, err := s.Dispatcher.RunOnce(ctx)
	if err != nil {
		return err
	}
	if st.Sent+st.Failed+st.Retried+st.Withdrawn > 0 {
		s.log().Info("Dispatched", "sent", st.Sent, "retried", st.Retried, "failed", st.Failed, "withdrawn", st.Withdrawn)
	}
	now := time.Now()
	s.lastOK.Store(&now)
	return nil
}

// BuildDigest builds the digest of the latest window at or before now,
// unless it has been built already (by this daemon or another).
func (s *Service) BuildDigest(ctx context.Context, now time.Time) {
	if w := s.Digest.Latest(now); !w.IsZero() {
		_ = s.buildDigest(ctx, w)
	}
}

// buildDigest builds window w's digest, unless it is built already. The
// messages are stamped with the real time, whatever clock chose w, so
// that the dispatcher takes them at once.
func (s *Service) buildDigest(ctx context.Context, w time.Time) error {
	s.digestMu.Lock()
	defer s.digestMu.Unlock()
	st, err := s.Store.BuildMessages(ctx, time.Now(), w, false, s.Router.Compose(s.today()))
	switch {
	case err != nil && ctx.Err() != nil:
		s.log().Warn("Digest interrupted by shutdown", "window", w, slog.Any("error", err))
	case err != nil:
		s.log().Error("Digest failed", "window", w, slog.Any("error", err))
	case !st.Skipped:
		s.log().Info("Digest built", "window", w, "items", st.Items, "messages", st.Messages, "dropped", st.Dropped)
	}
	return err
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) today() civil.Date {
	if s.Today != nil {
		return s.Today()
	}
	return civil.Today(s.Digest.Location)
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}
