// Package cli is the vettingd command line: one cobra command per
// subcommand, global flags shared by all, and exit statuses as in SPEC §6
// (0 success, 1 failure, 2 usage error, 3 input rejected).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"vettingd/civil"
	"vettingd/config"
	"vettingd/importer"
	"vettingd/policy"
	"vettingd/store"
)

// Exit statuses.
const (
	ExitOK       = 0
	ExitFailure  = 1
	ExitUsage    = 2
	ExitRejected = 3
)

// exitError carries an exit status with the sentence to print.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{ExitUsage, fmt.Errorf(format, a...)}
}

// configErr is a setting at fault: exit status 2, as a usage error, but
// with no pointer to the command line's help, which cannot mend it.
type configErr struct{ err error }

func (e *configErr) Error() string { return e.err.Error() }
func (e *configErr) Unwrap() error { return e.err }

// Env is what a run of the command line sees of the world.
type Env struct {
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Now, when set, is the wall clock that tells the date and the digest
	// windows (time.Now when nil). Durations, leases and record
	// timestamps keep to the real clock whatever it says.
	Now func() time.Time
}

// app holds what every subcommand shares once the flags are parsed.
type app struct {
	env     Env
	cfg     config.Config
	flagDB  string
	flagAs  string
	flagPol string
	format  string
	asOf    civil.Date
	policy  policy.Policy
	started bool // a subcommand began to run: a later error is not a usage error
}

// Run runs the command line and returns its exit status.
func Run(ctx context.Context, env Env) int {
	a := &app{env: env}
	root := a.rootCommand()
	root.SetArgs(env.Args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := ExitFailure
	var ee *exitError
	var ce *configErr
	switch {
	case errors.As(err, &ce):
		code = ExitUsage
	case errors.As(err, &ee):
		code = ee.code
	case !a.started:
		code = ExitUsage // cobra refused the command line before anything ran
	}
	// Stopped by SIGINT or SIGTERM: what was cut short may read as a
	// database fault ("driver: bad connection"); say what happened first.
	if ctx.Err() != nil && a.started {
		fmt.Fprintf(env.Stderr, "vettingd: interrupted: %s\n", sentence(err))
		return code
	}
	fmt.Fprintf(env.Stderr, "vettingd: %s\n", sentence(err))
	if code == ExitUsage && ce == nil {
		fmt.Fprintln(env.Stderr, "Run 'vettingd help' for usage.")
	}
	return code
}

func sentence(err error) string {
	s := err.Error()
	if s == "" {
		return "failed"
	}
	return strings.TrimSuffix(s, ".")
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "vettingd",
		Short: "Keeps every person's police vetting valid, sufficient and reviewed on time",
		Long: "vettingd keeps, for every officer, member of staff, PCSO, special, volunteer and contractor,\n" +
			"the answer to one question: is this person's vetting valid and sufficient for their post,\n" +
			"and is every review the rules require opened, notified, acknowledged, done on time and provable?",
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		PersistentPreRunE: a.setup,
	}
	f := root.PersistentFlags()
	f.StringVar(&a.flagDB, "db", "", "database URL: postgres://… or sqlite:PATH (default $VETTINGD_DATABASE_URL, else sqlite:vettingd.db); never put a password here")
	f.StringVar(&a.flagAs, "as-of", "", "act as if today were this date (YYYY-MM-DD)")
	f.StringVar(&a.flagPol, "policy", "", "policy file (default $VETTINGD_POLICY, else the built-in policy)")
	f.StringVar(&a.format, "format", "text", "output format: text or json (and csv or html where a command offers them)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitError{ExitUsage, err} })
	root.AddCommand(a.migrateCommand(), a.importCommand(), a.planCommand(), a.reviewsCommand(), a.drawsCommand(), a.policyCommand(), a.serveCommand(), a.tokenCommand(), a.auditCommand(), a.notifyCommand(), a.reportCommand(), a.demoCommand(), a.generateCommand())
	for _, c := range root.Commands() {
		refuseUnknown(c)
	}
	return root
}

// refuseUnknown makes a group of commands (audit, notify, …) refuse a
// subcommand it does not have, as a usage error: cobra would print the
// group's help and succeed, and a job that misspelt "audit verify" would
// pass every night. The group alone still prints its help.
func refuseUnknown(c *cobra.Command) {
	for _, sub := range c.Commands() {
		refuseUnknown(sub)
	}
	if !c.HasSubCommands() || c.Runnable() {
		return
	}
	c.RunE = func(cmd *cobra.Command, argv []string) error {
		if len(argv) > 0 {
			return &exitError{ExitUsage, fmt.Errorf("unknown command %q for %q", argv[0], cmd.CommandPath())}
		}
		return cmd.Help()
	}
}

// setup reads configuration and the global flags before any subcommand.
func (a *app) setup(cmd *cobra.Command, _ []string) error {
	getenv := a.env.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return &configErr{err}
	}
	if a.flagDB != "" {
		if err := config.CheckDatabaseURL(a.flagDB); err != nil {
			return usageErr("--db %s", err)
		}
		if store.HasPassword(a.flagDB) {
			return usageErr("--db must not carry a password (flags show in process listings): use VETTINGD_DATABASE_URL, VETTINGD_DATABASE_URL_FILE or PGPASSWORD")
		}
		cfg.DatabaseURL = a.flagDB
	}
	if a.flagPol != "" {
		cfg.PolicyPath = a.flagPol
	}
	a.cfg = cfg
	a.asOf = civil.Of(a.now().In(cfg.Location))
	if a.flagAs != "" {
		if a.asOf, err = civil.Parse(a.flagAs); err != nil {
			return usageErr("--as-of %s", err)
		}
	}
	if a.policy, err = policy.Load(cfg.PolicyPath); err != nil {
		if a.flagPol != "" {
			return usageErr("--policy %s: %s", a.flagPol, strings.TrimPrefix(err.Error(), "policy: "))
		}
		return &configErr{fmt.Errorf("VETTINGD_POLICY %s: %s", cfg.PolicyPath, strings.TrimPrefix(err.Error(), "policy: "))}
	}
	if err := importer.CheckColumnMaps(a.policy.Import.Columns); err != nil {
		return &configErr{fmt.Errorf("policy: %w", err)}
	}
	a.started = true
	return nil
}

// now reads the wall clock of the run (Env.Now, else the system's).
func (a *app) now() time.Time {
	if a.env.Now != nil {
		return a.env.Now()
	}
	return time.Now()
}

// checkFormat refuses a --format the command does not offer.
func (a *app) checkFormat(allowed ...string) error {
	for _, f := range allowed {
		if a.format == f {
			return nil
		}
	}
	return usageErr("--format must be one of %s for this command, not %q", strings.Join(allowed, ", "), a.format)
}

// open connects to the database and refuses a schema that is behind.
func (a *app) open(ctx context.Context) (*store.Store, error) {
	s, err := store.Open(ctx, a.cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := s.CheckSchema(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// actor names who runs a command, for records and the audit log.
func actor() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

// args wraps a positional-argument check so that a wrong count is a usage error.
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := check(cmd, a); err != nil {
			return &exitError{ExitUsage, err}
		}
		return nil
	}
}

func (a *app) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the database schema",
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
			applied, err := s.Migrate(cmd.Context())
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintln(a.env.Stdout, "The schema is up to date.")
				return nil
			}
			fmt.Fprintf(a.env.Stdout, "Applied migrations %v; the schema is up to date.\n", applied)
			return nil
		},
	}
}

func (a *app) policyCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Show the effective policy"}
	cmd.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "Print the effective policy (built-in defaults overridden by the policy file)",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkFormat("text", "json"); err != nil {
				return err
			}
			if a.format == "json" {
				return writeJSON(a.env.Stdout, a.policy)
			}
			_, err := io.WriteString(a.env.Stdout, a.policy.TOML())
			return err
		},
	})
	return cmd
}
