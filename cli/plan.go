package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"vettingd/scheduler"
	"vettingd/store"
)

func (a *app) planner(s *store.Store) *scheduler.Planner {
	return &scheduler.Planner{Store: s, Policy: a.policy}
}

func (a *app) planCommand() *cobra.Command {
	var dryRun bool
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
			res, err := a.planner(s).Run(cmd.Context(), a.asOf, actor(), dryRun)
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
			fmt.Fprintf(a.env.Stdout, "Plan as of %s (%s): %d people; reviews created %d, updated %d, cancelled %d, completed %d\n",
				res.AsOf, what, res.People, res.Created, res.Updated, res.Cancelled, res.Completed)
			if d := res.Draw; d != nil {
				fmt.Fprintf(a.env.Stdout, "Random re-vetting draw %s: %d of %d eligible (population %d), seed %d\n",
					d.Month, d.Chosen, d.Eligible, d.Population, d.Seed)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would change, writing nothing")
	return cmd
}

func (a *app) drawsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "draws",
		Short: "List the random re-vetting draws: month, seed, population, eligible and who was chosen",
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
			draws, err := s.Draws(cmd.Context())
			if err != nil {
				return err
			}
			if a.format == "json" {
				return writeJSON(a.env.Stdout, draws)
			}
			for _, d := range draws {
				fmt.Fprintf(a.env.Stdout, "%s drawn %s seed %d: %d chosen of %d eligible (population %d): %v\n",
					d.Month, d.DrawnOn, d.Seed, d.Chosen, d.Eligible, d.Population, d.People)
			}
			return nil
		},
	}
}
