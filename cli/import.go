package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"vettingd/boundedfile"
	"vettingd/importer"
	"vettingd/scheduler"
	"vettingd/store"
)

func (a *app) importCommand() *cobra.Command {
	var mode string
	var dryRun, force bool
	cmd := &cobra.Command{
		Use:   "import KIND FILE",
		Short: "Import a CSV file of posts, people, clearances or vetting events (FILE - reads standard input)",
		Long: "Import a CSV file, all or nothing: any problem rejects the whole file (exit status 3),\n" +
			"every problem is named with its line, and the database is left exactly as it was.\n\n" +
			"KIND is one of " + strings.Join(importer.Kinds(), ", ") + ".\n" +
			"posts and people default to --mode snapshot (the file is the whole truth: people it does not\n" +
			"list become leavers, posts it does not list are closed; one that would end or close more than\n" +
			"import.max_leaver_fraction and import.max_leaver_count_floor allow is refused without --force);\n" +
			"the others are deltas.",
		Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if err := a.checkFormat("text", "json"); err != nil {
				return err
			}
			kind, file := argv[0], argv[1]
			if err := importer.CheckKindMode(kind, mode); err != nil {
				return usageErr("%s", err)
			}
			in, name, err := a.openInput(file)
			if err != nil {
				return err
			}
			defer in.Close()
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			rep, err := importer.Run(cmd.Context(), s, in, importer.Options{
				Kind: kind, Mode: mode, DryRun: dryRun, Force: force, AsOf: a.asOf, FileName: name, Actor: actor(),
				Columns:           a.policy.Import.Columns[kind],
				MaxLeaverFraction: a.policy.Import.MaxLeaverFraction,
				MaxLeaverFloor:    a.policy.Import.MaxLeaverCountFloor,
			})
			if err != nil {
				return err
			}
			if err := a.printImport(rep); err != nil || !rep.Applied || !rep.Changed() {
				return err
			}
			// What the import triggers exists at once, not at the next scheduled plan.
			res, err := a.planImported(cmd.Context(), s, rep)
			if err != nil {
				return fmt.Errorf("%s was imported, but planning failed (run 'vettingd plan'): %w", name, err)
			}
			if a.format == "text" {
				fmt.Fprintf(a.env.Stdout, "  planned: reviews created %d, updated %d, cancelled %d, completed %d\n",
					res.Created, res.Updated, res.Cancelled, res.Completed)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&mode, "mode", "", "snapshot or delta (default: snapshot for posts and people, delta for the rest)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check the file and report what would change, writing nothing")
	cmd.Flags().BoolVar(&force, "force", false, "apply a snapshot even if it would make leavers of more people, or close more posts, than the policy allows")
	return cmd
}

func (a *app) openInput(file string) (io.ReadCloser, string, error) {
	if file == "-" {
		return io.NopCloser(a.env.Stdin), "stdin", nil
	}
	if err := plainName(file); err != nil {
		return nil, "", err
	}
	// Without blocking: opening a FIFO nobody writes to would wait for ever.
	f, err := os.OpenFile(file, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, "", fmt.Errorf("cannot read %s: %w", file, unwrapPath(err))
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("it is %s, not a file (to import from a pipe or a device, give - and send it to standard input)", boundedfile.Kind(st.Mode()))
	}
	if err != nil {
		f.Close()
		return nil, "", fmt.Errorf("cannot read %s: %w", file, unwrapPath(err))
	}
	return f, filepath.Base(file), nil
}

// plainName refuses a path with a control character in it: a newline would
// forge lines in the messages that name the file, and the name is recorded
// with the import and in the audit log.
func plainName(path string) error {
	if strings.IndexFunc(path, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return usageErr("the file name %q contains a control character (a newline, a tab or a NUL): rename the file", path)
	}
	return nil
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func (a *app) printImport(rep *importer.Report) error {
	if a.format == "json" {
		if err := writeJSON(a.env.Stdout, rep); err != nil {
			return err
		}
	} else {
		a.printImportText(rep)
	}
	if rep.Rejected() {
		return &exitError{ExitRejected, fmt.Errorf("%s rejected with %s; nothing was written", rep.FileName, plural(rep.Problems(), "problem"))}
	}
	return nil
}

func (a *app) printImportText(rep *importer.Report) {
	out, errw := a.env.Stdout, a.env.Stderr
	for _, w := range rep.Warnings {
		fmt.Fprintf(errw, "%s: warning: %s\n", rep.FileName, w)
	}
	if rep.Rejected() {
		for _, p := range rep.Errors {
			if p.Line == 0 {
				fmt.Fprintf(errw, "%s: %s\n", rep.FileName, p.Message)
				continue
			}
			fmt.Fprintf(errw, "%s:%d: %s\n", rep.FileName, p.Line, p.Message)
		}
		return
	}
	what := "applied"
	if rep.DryRun {
		what = "dry run, nothing written"
	}
	fmt.Fprintf(out, "%s: %s %s import, %s (as of %s)\n", rep.FileName, rep.Kind, rep.Mode, what, a.asOf)
	fmt.Fprintf(out, "  rows %d: created %d, updated %d, unchanged %d\n", rep.Rows, rep.Created, rep.Updated, rep.Unchanged)
	if rep.Kind == "people" {
		fmt.Fprintf(out, "  joiners %d, movers %d, leavers %d\n", rep.Joiners, rep.Movers, rep.Leavers)
	}
	if rep.Closed > 0 {
		fmt.Fprintf(out, "  closed %s (not in this snapshot; counted as updated)\n", plural(rep.Closed, "post"))
	}
	if !rep.Changed() {
		fmt.Fprintln(out, "  nothing changed: the database already held this file's data")
	}
}

func plural(n int, word string) string {
	switch {
	case n == 1:
		return "1 " + word
	case strings.HasSuffix(word, "y"): // entry, entries
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(word, "y"))
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// planImported plans the people an import concerns, or everyone.
func (a *app) planImported(ctx context.Context, s *store.Store, rep *importer.Report) (scheduler.Result, error) {
	return a.planner(s).PlanAffected(ctx, a.asOf, actor(), rep.Affected, rep.AffectsAll)
}
