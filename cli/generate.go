package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/spf13/cobra"

	"vettingd/synth"
)

func (a *app) generateCommand() *cobra.Command {
	var people, posts int
	var seed uint64
	var out string
	var force bool
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write the CSV files of a synthetic force (for trials, demos and benchmarks)",
		Long: "Write one CSV file per import kind for a synthetic force of --people people, with realistic\n" +
			"posts, supervisor trees, clearances of every level and a sprinkling of vetting events.\n" +
			"The same --seed gives the same files. No real person's data is involved.\n" +
			"Files already in the directory are not overwritten (they may be real HR exports) unless --force.",
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkFormat("text"); err != nil {
				return err
			}
			if people < 1 {
				return usageErr("--people must be at least 1")
			}
			asOf := time.Date(a.asOf.Year, a.asOf.Month, a.asOf.Day, 0, 0, 0, 0, time.UTC)
			if err := plainName(out); err != nil {
				return err
			}
			files, err := synth.Write(out, synth.Config{People: people, Posts: posts, Seed: seed, AsOf: asOf, Replace: force})
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%w; nothing was written: choose another --out directory, or --force to replace the files", err)
			}
			if err != nil {
				return err
			}
			for _, k := range synth.Kinds() {
				fmt.Fprintln(a.env.Stdout, files[k])
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&people, "people", 2000, "number of people")
	cmd.Flags().IntVar(&posts, "posts", 0, "number of posts (default: people/100, between 10 and 3,000)")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	cmd.Flags().StringVarP(&out, "out", "o", "force", "directory to write the files into")
	cmd.Flags().BoolVar(&force, "force", false, "replace files of the same names already in the directory")
	return cmd
}
