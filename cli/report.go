package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"vettingd/boundedfile"
	"vettingd/report"
)

func (a *app) reportCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "report", Short: "Reports on the force's vetting"}
	cmd.AddCommand(a.reportCompliance())
	return cmd
}

func (a *app) reportCompliance() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "compliance [--format text|json|csv|html] [-o FILE]",
		Short: "The HMICFRS compliance report as of the date: figures and the people behind them (SPEC §8)",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkFormat("text", "json", "csv", "html"); err != nil {
				return err
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			c, err := report.Compliance(cmd.Context(), s, a.policy, a.asOf)
			if err != nil {
				return err
			}
			write := func(w io.Writer) error {
				switch a.format {
				case "json":
					return writeJSON(w, c)
				case "csv":
					return c.WriteCSV(w)
				case "html":
					return c.WriteHTML(w)
				default:
					return c.WriteText(w)
				}
			}
			if output == "" || output == "-" {
				return write(a.env.Stdout)
			}
			return writeFile(output, write)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the report to this file instead of standard output")
	return cmd
}

// writeFile writes a file whole or not at all: into a temporary file
// beside it, renamed into place once complete. It is readable by its owner
// only, as the report names people. An existing report is replaced (a
// report is made again each time it is wanted); through a symbolic link,
// the file it points to is. Anything but a regular file is refused: renamed
// over, a device such as /dev/null or /dev/stdout would be replaced by the
// report for every program on the machine.
func writeFile(path string, write func(io.Writer) error) error {
	if err := plainName(path); err != nil {
		return err
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		st, err := os.Stat(real)
		if err != nil {
			return fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("cannot write %s: it is %s, not a file (-o - writes to standard output)", path, boundedfile.Kind(st.Mode()))
		}
		path = real
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil { // on disk before it takes the name
		f.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	return nil
}
