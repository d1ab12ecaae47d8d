package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"vettingd/importer"
	"vettingd/store"
	"vettingd/synth"
)

func (a *app) demoCommand() *cobra.Command {
	var people int
	var dir string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Generate a synthetic force into a fresh SQLite database, import and plan it, and serve it",
		Long: "demo is the first thing to run: it writes a synthetic force (no real person's data) as CSV files,\n" +
			"imports them through the normal import path into a fresh SQLite database, plans every review,\n" +
			"and serves it until Ctrl-C. Notifications go to the log.",
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkFormat("text"); err != nil {
				return err
			}
			if people < 1 {
				return usageErr("--people must be at least 1")
			}
			var err error
			if dir == "" {
				if dir, err = os.MkdirTemp("", "vettingd-demo-"); err != nil {
					return err
				}
			} else if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			a.cfg.DatabaseURL = "sqlite:" + filepath.Join(dir, "vettingd.db")
			// A synthetic force's messages go to the log only, whatever
			// channels the environment sets up for a real one.
			a.cfg.Channels = []string{"log"}
			a.cfg.SlackBotToken, a.cfg.SlackVUChannel, a.cfg.SlackPSDChannel, a.cfg.SlackAppToken = "", "", "", ""
			a.cfg.SMTPURL, a.cfg.EmailVU, a.cfg.EmailPSD, a.cfg.WebhookURL = "", "", "", ""
			if _, err := os.Stat(filepath.Join(dir, "vettingd.db")); err == nil {
				return usageErr("%s already holds a database: the demo needs a fresh one (choose another --dir)", dir)
			}
			s, err := store.Open(cmd.Context(), a.cfg.DatabaseURL)
			if err != nil {
				return err
			}
			defer s.Close()
			if err := a.loadDemo(cmd.Context(), s, dir, people); err != nil {
				return err
			}
			tokens, err := demoTokens(cmd.Context(), s)
			if err != nil {
				return err
			}
			return a.serve(cmd.Context(), s, func(addr string) {
				fmt.Fprintf(a.env.Stdout, "\nvettingd demo: %d synthetic people in %s\nOpen http://%s/ in a browser and sign in with a token below — press Ctrl-C to stop.\n", people, dir, addr)
				fmt.Fprintf(a.env.Stdout, "Sign-in tokens (Authorization: Bearer TOKEN):\n%s", tokens)
			})
		},
	}
	cmd.Flags().IntVar(&people, "people", 2000, "size of the synthetic force")
	cmd.Flags().StringVar(&dir, "dir", "", "directory for the database and CSV files (default: a new temporary directory)")
	return cmd
}

// loadDemo generates the force and imports every kind, then plans.
func (a *app) loadDemo(ctx context.Context, s *store.Store, dir string, people int) error {
	if _, err := s.Migrate(ctx); err != nil {
		return err
	}
	today := time.Date(a.asOf.Year, a.asOf.Month, a.asOf.Day, 0, 0, 0, 0, time.UTC)
	files, err := synth.Write(filepath.Join(dir, "csv"), synth.Config{People: people, Seed: 1, AsOf: today, Replace: true})
	if err != nil {
		return err
	}
	for _, kind := range importer.Kinds() {
		f, err := os.Open(files[kind])
		if err != nil {
			return err
		}
		rep, err := importer.Run(ctx, s, f, importer.Options{Kind: kind, AsOf: a.asOf, FileName: filepath.Base(files[kind]), Actor: "demo",
			MaxLeaverFraction: a.policy.Import.MaxLeaverFraction, MaxLeaverFloor: a.policy.Import.MaxLeaverCountFloor})
		f.Close()
		if err != nil {
			return err
		}
		if rep.Rejected() {
			return fmt.Errorf("demo: generated %s rejected: %v", kind, rep.Errors[0].Message)
		}
		fmt.Fprintf(a.env.Stdout, "Imported %s: %d rows\n", kind, rep.Rows)
	}
	res, err := a.planner(s).Run(ctx, a.asOf, "demo", false)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stdout, "Planned: %d reviews for %d people\n", res.Created, res.People)
	return nil
}

// demoTokens makes a token for the vetting unit and one for the first
// supervisor with a team, and says who each signs in as.
func demoTokens(ctx context.Context, s *store.Store) (string, error) {
	vu, _, err := s.CreateToken(ctx, "demo vetting unit", "vetting_unit", "", "demo")
	if err != nil {
		return "", err
	}
	out := fmt.Sprintf("  vetting unit:        %s\n", vu)
	if sup, err := s.FirstSupervisor(ctx); err == nil {
		tok, _, err := s.CreateToken(ctx, "demo supervisor "+sup, "supervisor", sup, "demo")
		if err != nil {
			return "", err
		}
		out += fmt.Sprintf("  supervisor %-8s  %s\n", sup+":", tok)
	}
	return out, nil
}
