package cli

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"vettingd/civil"
	"vettingd/notify"
	"vettingd/notify/email"
	"vettingd/notify/slack"
	"vettingd/notify/stdout"
	"vettingd/notify/webhook"
	"vettingd/store"
)

// router builds the configured channels. The log channel writes to w.
func (a *app) router(w io.Writer) (*notify.Router, error) {
	logCh := &stdout.Notifier{W: w}
	units := a.cfg.UnitChannels() // the channels for people, and perhaps more
	r := &notify.Router{Preference: a.cfg.Channels, Units: units, Channels: map[string]notify.Notifier{"log": logCh}, BaseURL: a.cfg.BaseURL, Fallback: logCh}
	for _, name := range units {
		switch name {
		case "slack":
			r.Channels[name] = slack.New(a.cfg.SlackBotToken, a.cfg.SlackAPIURL, a.cfg.SlackVUChannel, a.cfg.SlackPSDChannel)
		case "email":
			n, err := email.New(email.Config{URL: a.cfg.SMTPURL, From: a.cfg.SMTPFrom, VU: a.cfg.EmailVU, PSD: a.cfg.EmailPSD, CAFile: a.cfg.SMTPCAFile})
			if err != nil {
				return nil, &configErr{err}
			}
			r.Channels[name] = n
		case "webhook":
			r.Channels[name] = &webhook.Notifier{URL: a.cfg.WebhookURL, Secret: a.cfg.WebhookSecret}
		}
	}
	return r, nil
}

// recipient names a message's recipient: a role, and the person (a unit
// has none).
func recipient(role, id string) string {
	if id == "" {
		return role
	}
	return role + " " + id
}

func (a *app) dispatcher(s *store.Store, r *notify.Router, log *slog.Logger) *notify.Dispatcher {
	return &notify.Dispatcher{Store: s, Router: r, MaxAttempts: a.policy.Notifications.MaxAttempts, Lease: a.cfg.DispatchLease, Log: log}
}

func (a *app) notifyCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "notify", Short: "Deliver notifications, and show the outbox"}
	cmd.AddCommand(a.notifyRunCommand(), a.notifyStatusCommand())
	return cmd
}

// notifyResult is what notify run did.
type notifyResult struct {
	AsOf   civil.Date `json:"as_of"`
	DryRun bool       `json:"dry_run"`
	Owed   int        `json:"owed"` // new outbox items
	store.BuildStats
	notify.DispatchStats
}

func (a *app) notifyRunCommand() *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Work out what is owed as of the date, gather it into messages and deliver them, once",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkFormat("text", "json"); err != nil {
				return err
			}
			// The log channel prints messages to standard output, which
			// --format json keeps for the JSON alone.
			logTo := a.env.Stdout
			if a.format == "json" {
				logTo = a.env.Stderr
			}
			r, err := a.router(logTo)
			if err != nil {
				return err
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			ctx := cmd.Context()
			res := notifyResult{AsOf: a.asOf, DryRun: dryRun}
			if res.Owed, err = a.planner(s).Notify(ctx, a.asOf, actor(), dryRun); err != nil {
				return err
			}
			if !dryRun {
				if res.BuildStats, err = s.BuildMessages(ctx, time.Now(), time.Time{}, false, r.Compose(a.asOf)); err != nil {
					return err
				}
				if res.DispatchStats, err = a.dispatcher(s, r, a.logger(a.env.Stderr)).RunOnce(ctx); err != nil {
					return err
				}
			}
			if a.format == "json" {
				return writeJSON(a.env.Stdout, res)
			}
			if dryRun {
				// What a real run would also send: the items and messages
				// already waiting.
				out, err := s.Outbox(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.env.Stdout, "Notify as of %s (dry run, nothing written or sent): %d new items would be owed, besides %d items and %d messages already waiting\n",
					res.AsOf, res.Owed, out.Waiting, out.Pending)
				return nil
			}
			fmt.Fprintf(a.env.Stdout, "Notify as of %s: %d new items owed; %d items in %d messages (%d no longer needed); sent %d, to retry %d, failed %d, withdrawn %d\n",
				res.AsOf, res.Owed, res.Items, res.Messages, res.Dropped, res.Sent, res.Retried, res.Failed, res.Withdrawn)
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "count what would be owed, writing and sending nothing")
	return cmd
}

func (a *app) notifyStatusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the outbox: messages pending, sent and failed, and the age of the oldest pending",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkFormat("text", "json"); err != nil {
				return err
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			st, err := s.Outbox(cmd.Context())
			if err != nil {
				return err
			}
			if a.format == "json" {
				return writeJSON(a.env.Stdout, st)
			}
			oldest := "none"
			if st.OldestPending != nil {
				oldest = time.Since(*st.OldestPending).Round(time.Second).String() + " old"
			}
			fmt.Fprintf(a.env.Stdout, "Outbox: %d pending (oldest %s), %d sent, %d failed, %d withdrawn; %d items waiting for their digest\n",
				st.Pending, oldest, st.Sent, st.Failed, st.Withdrawn, st.Waiting)
			for _, r := range st.Retrying {
				fmt.Fprintf(a.env.Stdout, "  retrying: message %d to %s by %s (attempts %d; next %s; last failure): %s\n", r.ID, recipient(r.RecipientRole, r.RecipientID), r.Channel,
					r.Attempts, r.NextAttemptAt.In(a.cfg.Location).Format(time.DateTime), r.Reason)
			}
			for _, f := range st.Failures {
				fmt.Fprintf(a.env.Stdout, "  failed: message %d to %s by %s: %s\n", f.ID, recipient(f.RecipientRole, f.RecipientID), f.Channel, f.Reason)
			}
			return nil
		},
	}
}
