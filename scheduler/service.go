package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"vettingd/civil"
)

// DefaultSchedule plans hourly.
const DefaultSchedule = "@hourly"

// Service runs the planner at start (catching up after downtime) and then
// on a cron schedule in the force's zone. Cron only wakes it: the database
// decides what is due, so a tick lost to a restart or a clock change is made
// good by the next.
type Service struct {
	Planner  *Planner
	Schedule string         // cron expression; DefaultSchedule when empty
	Location *time.Location // the force's zone
	AsOf     civil.Date     // a fixed as-of date (what-if); zero for today
	// Today, when set, says what today is (else the date in Location).
	Today func() civil.Date
	// Leader, when set, says whether this daemon leads: only the leader
	// plans on the schedule and at start. Nil means it always does.
	Leader  func() bool
	Timeout time.Duration // per run; 10 minutes when zero
	Log     *slog.Logger
	// Observe, when set, is told how long each successful run took.
	Observe func(time.Duration)

	cron     *cron.Cron
	started  sync.Mutex     // guards ctx and stopping against a Kick during Start or Stop
	kicks    sync.WaitGroup // runs Kick started, which Stop waits for
	running  sync.Mutex
	lastOK   atomic.Pointer[time.Time]
	ctx      context.Context
	cancel   context.CancelFunc
	stopping bool
}

// ErrAlreadyRunning is returned by RunOnce when a run is already under
// way: the tick is skipped, not queued.
var ErrAlreadyRunning = errors.New("planner already running; this run is skipped")

// ParseSchedule checks a cron expression (five fields, or a descriptor
// such as @hourly; CRON_TZ= may prefix it).
func ParseSchedule(spec string) error {
	_, err := cron.ParseStandard(spec)
	return err
}

// schedule parses the service's cron expression: CRON_TZ= (or TZ=) in it
// names the zone of its times, else they are in Location.
func (s *Service) schedule() (cron.Schedule, error) {
	spec := s.Schedule
	if spec == "" {
		spec = DefaultSchedule
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("plan schedule %q: %w", spec, err)
	}
	return sched, nil
}

// NextRun returns when the schedule next wakes the planner after the
// instant given, as the running service computes it.
func (s *Service) NextRun(after time.Time) (time.Time, error) {
	sched, err := s.schedule()
	if err != nil {
		return time.Time{}, err
	}
	return sched.Next(after.In(s.Location)), nil
}

func (s *Service) timeout() time.Duration {
	if s.Timeout == 0 {
		return 10 * time.Minute
	}
	return s.Timeout
}

// Start plans once (catching up after downtime), then on the schedule until Stop.
func (s *Service) Start(ctx context.Context) error {
	sched, err := s.schedule()
	if err != nil {
		return err
	}
	s.started.Lock()
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.started.Unlock()
	s.cron = cron.New(cron.WithLocation(s.Location), cron.WithLogger(cronLogger{s.Log}))
	s.cron.Schedule(sched, cron.FuncJob(func() { s.tick(s.ctx) }))
	// The catch-up run comes first, so that what it owes is in the outbox
	// before the dispatcher's first round.
	s.tick(s.ctx)
	s.cron.Start()
	return nil
}

// tick plans if this daemon leads; a follower leaves it to the leader.
func (s *Service) tick(ctx context.Context) {
	if s.Leader != nil && !s.Leader() {
		s.log().Debug("Not the leader; planning is left to the leader")
		return
	}
	_, _ = s.RunOnce(ctx)
}

// Kick plans now in the background, as a tick of the schedule would:
// for a daemon that has just taken the lead, so that whatever the last
// leader left undone is made good at once rather than at the next tick.
func (s *Service) Kick() {
	s.started.Lock()
	ctx := s.ctx
	if ctx == nil || ctx.Err() != nil || s.stopping {
		s.started.Unlock()
		return // not started, or stopping
	}
	s.kicks.Add(1)
	s.started.Unlock()
	go func() {
		defer s.kicks.Done()
		s.tick(ctx)
	}()
}

// Stop stops the schedule and waits up to grace for a run under way, then
// cancels it.
func (s *Service) Stop(grace time.Duration) {
	if s.cron == nil {
		return
	}
	s.started.Lock()
	s.stopping = true
	s.started.Unlock()
	done := s.cron.Stop()
	wait := make(chan struct{})
	go func() { s.running.Lock(); s.running.Unlock(); close(wait) }() //nolint:staticcheck // waits for a run to end
	select {
	case <-wait:
	case <-time.After(grace):
		s.cancel()
		<-wait
	}
	<-done.Done()
	s.cancel()
	s.kicks.Wait() // a Kick's run that began meanwhile ends at the cancel
}

// LastSuccess returns when the planner last finished a run, or zero.
func (s *Service) LastSuccess() time.Time {
	if t := s.lastOK.Load(); t != nil {
		return *t
	}
	return time.Time{}
}

// RunOnce plans now unless a run is already under way (then it skips and
// returns ErrAlreadyRunning). A panic in the planner is recovered and
// reported as an error.
func (s *Service) RunOnce(ctx context.Context) (res Result, err error) {
	if !s.running.TryLock() {
		s.log().Info("Planner still running; this tick is skipped")
		return res, ErrAlreadyRunning
	}
	defer s.running.Unlock()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("planner panicked: %v", p)
			s.log().Error("Planner failed", slog.Any("error", err))
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	asOf := s.AsOf
	switch {
	case !asOf.IsZero():
	case s.Today != nil:
		asOf = s.Today()
	default:
		asOf = civil.Today(s.Location)
	}
	res, err = s.Planner.Run(ctx, asOf, "vettingd", false)
	if err != nil {
		s.log().Error("Planner failed", slog.Any("error", err))
		return res, err
	}
	now := time.Now()
	s.lastOK.Store(&now)
	if s.Observe != nil {
		s.Observe(res.Duration)
	}
	return res, nil
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// cronLogger sends cron's own messages to slog.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) {
	if c.l != nil {
		c.l.Debug("cron: "+msg, kv...)
	}
}

func (c cronLogger) Error(err error, msg string, kv ...any) {
	if c.l != nil {
		c.l.Error("cron: "+msg, append(kv, slog.Any("error", err))...)
	}
}
