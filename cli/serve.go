package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"vettingd/civil"
	"vettingd/leadership"
	"vettingd/notify"
	vslack "vettingd/notify/slack"
	"vettingd/scheduler"
	"vettingd/server"
	"vettingd/store"
)

// logger builds the daemon's structured logger from the configuration.
func (a *app) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(a.cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if a.cfg.LogFormat == "json" {
		// A duration as people read it ("1.5s"), as the text format has
		// it, not a count of nanoseconds.
		opts.ReplaceAttr = func(_ []string, at slog.Attr) slog.Attr {
			if at.Value.Kind() == slog.KindDuration {
				return slog.String(at.Key, at.Value.Duration().String())
			}
			return at
		}
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func (a *app) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the daemon: the planner at start and on its schedule, and the HTTP server",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkFormat("text"); err != nil {
				return err
			}
			s, err := store.Open(cmd.Context(), a.cfg.DatabaseURL)
			if err != nil {
				return err
			}
			defer s.Close()
			return a.serve(cmd.Context(), s, nil)
		},
	}
}

// serve migrates, holds the database, seeks the lead, starts the planner
// service, the delivery loop and the HTTP server, and runs until ctx ends
// (SIGINT or SIGTERM), then stops them gracefully. started, if set, is
// told the address once it listens.
func (a *app) serve(ctx context.Context, s *store.Store, started func(addr string)) error {
	log := a.logger(a.env.Stderr)
	release, err := s.HoldForServe()
	if err != nil {
		return err
	}
	defer release()
	if _, err := s.Migrate(ctx); err != nil {
		return err
	}
	if a.cfg.BaseURLUnreachable {
		log.Warn("VETTINGD_BASE_URL is not set: the links in messages name the listen address, which people cannot reach; set it to the address people use",
			"base_url", a.cfg.BaseURL)
	}
	// What can stop the daemon is found before it plans or sends
	// anything: the address, and each channel's settings.
	ln, err := server.Listen(a.cfg.Listen)
	if err != nil {
		return fmt.Errorf("VETTINGD_LISTEN: %w", err)
	}
	defer ln.Close()
	router, err := a.router(a.env.Stdout)
	if err != nil {
		return err
	}
	ns, err := a.notifyService(s, router, log)
	if err != nil {
		return err
	}
	metrics := server.NewMetrics(s, a.today)
	observe := func(d time.Duration) {
		metrics.ObservePlan(d)
		releaseMemory(ctx, s, log)
	}
	svc := &scheduler.Service{Planner: a.planner(s), Schedule: a.cfg.PlanSchedule, Location: a.cfg.Location, Log: log,
		Observe: observe, Today: a.today}
	svc.Planner.Log = log
	// The lead is sought before the services start, so that a daemon that
	// leads from the start makes good what is owed in their first round;
	// one that takes the lead later does so through OnGain.
	el := &leadership.Elector{Store: s, Retry: a.cfg.LeaderRetry, Log: log, OnGain: svc.Kick}
	svc.Leader = el.IsLeader
	ns.Leader = el.IsLeader
	metrics.Leader(el.IsLeader)
	slackActions := a.slackActions(ctx, s, router, svc.Planner, log)
	// HTTP is served from here on: /healthz answers, and /readyz says
	// "not ready" until the start's catch-up plan (minutes, after a long
	// outage of a national force) and first delivery round are done,
	// rather than the port answering nothing meanwhile. httpCtx stops it
	// when the start fails below.
	httpCtx, stopHTTP := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- server.Serve(httpCtx, ln, server.New(server.Options{Ready: readyChecks(s, svc, ns, el, a.cfg.PlanSchedule),
			Facts: map[string]func() string{"role": func() string { return role(el.IsLeader()) }}, Slack: slackActions,
			Metrics: metrics, API: &server.API{Store: s, Planner: svc.Planner, Policy: a.policy, Today: a.today, Log: log, BaseURL: a.cfg.BaseURL,
				MaxImport: a.cfg.MaxImportBytes, ObserveImport: metrics.ObserveImport}}), func(addr string) {
			log.Info("Listening", "addr", addr)
			if started != nil {
				started(addr)
			}
		})
	}()
	defer func() { stopHTTP(); <-served }() // a failed start ends it too
	el.Start(ctx)
	defer el.Stop() // last: the services stop before the lead is given up
	if err := svc.Start(ctx); err != nil {
		return err
	}
	defer svc.Stop(30 * time.Second)
	ns.Start(ctx)
	releaseMemory(ctx, s, log) // after the start's plan, digest and deliveries
	defer ns.Stop(30 * time.Second)
	log.Info("Serving", "listen", ln.Addr().String(), "database", string(s.Dialect()), "plan_schedule", a.cfg.PlanSchedule)
	// Until ctx ends: HTTP shuts down gracefully first, then the services.
	err = <-served
	served <- err // for the deferred wait
	log.Info("Stopping")
	return err
}

// readyChecks are what /readyz asks: the database answers, the planner has
// run within its interval (on the leader: a follower leaves planning to
// it), and the dispatcher has completed a round lately.
func readyChecks(s *store.Store, svc *scheduler.Service, ns *notify.Service, el *leadership.Elector, schedule string) server.Checks {
	interval := scheduleInterval(schedule)
	return server.Checks{
		"database": s.Ping,
		"planner": func(context.Context) error {
			if !el.IsLeader() {
				return nil
			}
			last := svc.LastSuccess()
			if last.IsZero() {
				return errors.New("the planner has not completed a run since start")
			}
			if age := time.Since(last); age > 2*interval+time.Minute {
				return fmt.Errorf("the planner last completed %s ago", age.Round(time.Second))
			}
			return nil
		},
		"dispatcher": func(context.Context) error {
			if age := time.Since(ns.LastSuccess()); age > 3*ns.Interval()+time.Minute {
				return fmt.Errorf("the dispatcher last completed a round %s ago", age.Round(time.Second))
			}
			return nil
		},
	}
}

func role(leader bool) string {
	if leader {
		return "leader"
	}
	return "follower"
}

// notifyService builds the dispatcher and digest service from the configuration.
func (a *app) notifyService(s *store.Store, r *notify.Router, log *slog.Logger) (*notify.Service, error) {
	n := a.policy.Notifications
	windows, err := notify.ParseWindows(n.DigestSchedule, a.cfg.Location, n.BankHolidays)
	if err != nil {
		return nil, err
	}
	d := a.dispatcher(s, r, log)
	d.NoticeWait = noticeWait
	ns := &notify.Service{Store: s, Router: r, Dispatcher: d, Digest: windows, Log: log,
		Poll: a.cfg.DispatchInterval, Today: a.today, Now: a.now}
	return ns, nil
}

// today is the date the daemon works as of: --as-of when given, else today in the force's zone.
func (a *app) today() civil.Date {
	if a.flagAs != "" {
		return a.asOf
	}
	return civil.Of(a.now().In(a.cfg.Location))
}

// slackActions takes Slack's button clicks when Slack is a channel and a
// signing secret (HTTP) or an app token (Socket Mode) is set; nil otherwise.
func (a *app) slackActions(ctx context.Context, s *store.Store, r *notify.Router, p *scheduler.Planner, log *slog.Logger) *server.SlackActions {
	sl, ok := r.Channels["slack"].(*vslack.Notifier)
	if !ok || (a.cfg.SlackSigningSecret == "" && a.cfg.SlackAppToken == "") {
		return nil
	}
	h := &server.SlackActions{Store: s, Planner: p, Slack: sl, SigningSecret: a.cfg.SlackSigningSecret, Today: a.today, Log: log}
	if a.cfg.SlackAppToken != "" {
		go func() {
			if err := sl.RunSocketMode(ctx, a.cfg.SlackAppToken, h.Handle, log); err != nil && ctx.Err() == nil {
				log.Error("Slack Socket Mode stopped", slog.Any("error", err))
			}
		}()
	}
	if a.cfg.SlackSigningSecret == "" {
		return nil // Socket Mode only: no inbound route
	}
	return h
}

// scheduleInterval estimates the time between two runs of a cron schedule.
func scheduleInterval(spec string) time.Duration {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return time.Hour
	}
	first := sched.Next(time.Now())
	return sched.Next(first).Sub(first)
}

// releaseMemory gives the memory of a finished run back to the system. A
// plan of a national force reads every person, so the heap and SQLite's
// page cache grow to a few hundred MB; Go returns freed heap only slowly,
// and SQLite never, so without this an idle daemon would hold its busiest
// hour's memory all day.
func releaseMemory(ctx context.Context, s *store.Store, log *slog.Logger) {
	if err := s.ReleaseMemory(ctx); err != nil && ctx.Err() == nil {
		log.Warn("Could not release the database's cache", slog.Any("error", err))
	}
	debug.FreeOSMemory()
}

// noticeWait is how long the daemon's notice to the vetting unit of
// messages given up waits for others: a channel down for a day sends the
// unit a notice an hour, not one for every message. (notify run tells at
// once: it runs once.)
const noticeWait = time.Hour
