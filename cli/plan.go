package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"vettingd/scheduler"
	"vettingd/store"
)

func (a *app) planner(s *store.Store) *scheduler.Planner {
	return &scheduler.Planner{Store: s, Policy: a.policy}
}

func (a *app) planCommand() *cobra.Command {
	var dryRun, everyone bool
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Run the planner as of the date: create, update and cancel reviews",
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
			p := a.planner(s)
			p.Everyone = everyone
			res, err := p.Run(cmd.Context(), a.asOf, actor(), dryRun)
			if err != nil {
				return err
			}
			if a.format == "json" {
				return writeJSON(a.env.Stdout, res)
			}
			what := "planned"
			if dryRun {
				what = "dry run, nothing written"
			}
			fmt.Fprintf(a.env.Stdout, "Plan as of %s (%s): %d people evaluated; reviews created %d, updated %d, cancelled %d, completed %d\n",
				res.AsOf, what, res.People, res.Created, res.Updated, res.Cancelled, res.Completed)
			if d := res.Draw; d != nil {
				fmt.Fprintf(a.env.Stdout, "Random re-vetting draw %s: %d of %d eligible (population %d), seed %d\n",
					d.Month, d.Chosen, d.Eligible, d.Population, d.Seed)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would change, writing nothing")
	cmd.Flags().BoolVar(&everyone, "all", false, "evaluate every person, not only those whose records changed or whose dates came since their last plan")
	return cmd
}

func (a *app) drawsCommand() *cobra.Command {
	var verify string
	cmd := &cobra.Command{
		Use:   "draws [--verify MONTH]",
		Short: "List the random re-vetting draws (month, seed, population, eligible and its SHA-256, who was chosen), or verify one",
		Long: "List the random re-vetting draws, newest first. The eligible SHA-256 is the hash of the eligible\n" +
			"employee ids sorted byte-wise, one a line (as LC_ALL=C sort | sha256sum prints it).\n\n" +
			"--verify MONTH (YYYY-MM) recomputes the eligible list as the database stood when that draw was\n" +
			"made, compares its hash with the recorded one, chooses again with the recorded seed and says\n" +
			"whether the same people are chosen; exit status 1 when they are not.",
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkFormat("text", "json"); err != nil {
				return err
			}
			if verify != "" {
				if _, err := time.Parse("2006-01", verify); err != nil {
					return usageErr("--verify %q: want a month as YYYY-MM", verify)
				}
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			if verify != "" {
				return a.verifyDraw(cmd.Context(), s, verify)
			}
			draws, err := s.Draws(cmd.Context())
			if err != nil {
				return err
			}
			if a.format == "json" {
				return writeJSON(a.env.Stdout, draws)
			}
			for _, d := range draws {
				hash := d.EligibleSHA256
				if hash == "" {
					hash = "not recorded"
				}
				fmt.Fprintf(a.env.Stdout, "%s drawn %s seed %d: %d chosen of %d eligible (population %d; eligible SHA-256 %s): %v\n",
					d.Month, d.DrawnOn, d.Seed, d.Chosen, d.Eligible, d.Population, hash, d.People)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&verify, "verify", "", "re-run the draw of this month (YYYY-MM) and say whether it chooses the recorded people")
	return cmd
}

// verifyDraw re-runs a recorded draw and reports whether it holds.
func (a *app) verifyDraw(ctx context.Context, s *store.Store, month string) error {
	c, err := a.planner(s).VerifyDraw(ctx, month)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no draw was made in %s", month)
	}
	if err != nil {
		return err
	}
	if a.format == "json" {
		if err := writeJSON(a.env.Stdout, c); err != nil {
			return err
		}
	} else {
		a.printDrawCheck(c)
	}
	if !c.Verified {
		return fmt.Errorf("the draw of %s does not verify", month)
	}
	return nil
}

func (a *app) printDrawCheck(c scheduler.DrawCheck) {
	out, d := a.env.Stdout, c.Draw
	verdict := "verified: the same eligible list and the recorded seed choose the recorded people"
	if !c.Verified {
		verdict = "NOT verified"
	}
	fmt.Fprintf(out, "Draw %s (drawn %s, seed %d): %s.\n", d.Month, d.DrawnOn, d.Seed, verdict)
	if c.HashMatches {
		fmt.Fprintf(out, "  eligible list recomputed as of the draw: %d people, SHA-256 %s, as recorded\n", c.Eligible, c.EligibleSHA256)
	} else {
		fmt.Fprintf(out, "  eligible list recomputed as of the draw: %d people, SHA-256 %s; the draw recorded %d people, SHA-256 %s\n",
			c.Eligible, c.EligibleSHA256, d.Eligible, d.EligibleSHA256)
	}
	if c.ChosenMatch {
		fmt.Fprintf(out, "  the recorded seed chooses the %d recorded: %v\n", len(c.Chosen), c.Chosen)
	} else {
		fmt.Fprintf(out, "  the recorded seed chooses %v; the draw recorded %v\n", c.Chosen, d.People)
	}
}
