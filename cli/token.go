package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"vettingd/civil"
	"vettingd/store"
)

// Roles are the API roles of SPEC §7.
var Roles = []string{"admin", "vetting_unit", "psd", "hr", "supervisor"}

func (a *app) tokenCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke API tokens"}
	var role, employee, name string
	create := &cobra.Command{
		Use:   "create --role R [--employee ID] [--name N]",
		Short: "Create a token and print it once, alone on standard output (only its hash is kept)",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkFormat("text"); err != nil { // the token alone, whatever the format
				return err
			}
			if !contains(Roles, role) {
				return usageErr("--role must be one of admin, vetting_unit, psd, hr, supervisor")
			}
			if role == "supervisor" && employee == "" {
				return usageErr("--employee is required for a supervisor token")
			}
			if role == "hr" && employee != "" {
				return usageErr("--employee names who acknowledges and completes reviews with a token; an hr token only imports")
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			if employee != "" {
				if ok, err := s.PersonIsCurrent(cmd.Context(), employee, a.asOf); err != nil {
					return err
				} else if !ok {
					return usageErr("--employee %q: no such current person", employee)
				}
			}
			if name == "" {
				name = role
				if employee != "" {
					name += ":" + employee
				}
			}
			secret, t, err := s.CreateToken(cmd.Context(), name, role, employee, actor())
			if err != nil {
				return err
			}
			fmt.Fprintln(a.env.Stdout, secret)
			fmt.Fprintf(a.env.Stderr, "Token %d (%s, role %s) created; it is shown only this once.\n", t.ID, t.Name, t.Role)
			return nil
		},
	}
	create.Flags().StringVar(&role, "role", "", "admin, vetting_unit, psd, hr or supervisor")
	create.Flags().StringVar(&employee, "employee", "", "the employee id of the token's holder: required for a supervisor; for the other roles, who acknowledges and completes with it (else each request names them as \"by\")")
	create.Flags().StringVar(&name, "name", "", "a name to recognise the token by")
	list := &cobra.Command{
		Use: "list", Short: "List tokens (never the tokens themselves)", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkFormat("text", "json"); err != nil {
				return err
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			tokens, err := s.Tokens(cmd.Context())
			if err != nil {
				return err
			}
			if a.format == "json" {
				return writeJSON(a.env.Stdout, tokens)
			}
			tw := tabwriter.NewWriter(a.env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tROLE\tEMPLOYEE\tCREATED\tREVOKED")
			for _, t := range tokens {
				emp, rev := "", ""
				if t.EmployeeID != nil {
					emp = *t.EmployeeID
				}
				if t.RevokedAt != nil {
					rev = t.RevokedAt.Format("2006-01-02 15:04")
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, emp, t.CreatedAt.Format("2006-01-02 15:04"), rev)
			}
			return tw.Flush()
		},
	}
	revoke := &cobra.Command{
		Use: "revoke ID", Short: "Revoke a token", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if err := a.checkFormat("text"); err != nil {
				return err
			}
			id, err := strconv.ParseInt(argv[0], 10, 64)
			if err != nil {
				return usageErr("%q is not a token id", argv[0])
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			if err := s.RevokeToken(cmd.Context(), id, actor()); errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no live token %d", id)
			} else if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Token %d revoked.\n", id)
			return nil
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func (a *app) auditCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Verify and export the tamper-evident audit log"}
	verify := &cobra.Command{
		Use: "verify", Short: "Check the hash chain of the audit log; exit 1 naming the first broken entry", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkFormat("text"); err != nil {
				return err
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			broken, n, err := s.VerifyAudit(cmd.Context())
			if err != nil {
				return err
			}
			switch {
			case broken != nil && broken.ID == 0:
				return fmt.Errorf("audit log incomplete: %s", broken.Reason)
			case broken != nil:
				return fmt.Errorf("audit log broken at entry %d: %s", broken.ID, broken.Reason)
			}
			fmt.Fprintf(a.env.Stdout, "Audit log intact: %s verified.\n", plural(n, "entry"))
			return nil
		},
	}
	var since string
	export := &cobra.Command{
		Use: "export [--since DATE]", Short: "Write the audit log as JSON lines (for a SIEM)", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkFormat("text", "json"); err != nil { // JSON lines either way
				return err
			}
			var from civil.Date
			if since != "" {
				var err error
				if from, err = civil.Parse(since); err != nil {
					return usageErr("--since %s", err)
				}
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			w := bufio.NewWriter(a.env.Stdout)
			enc := json.NewEncoder(w)
			var after int64
			for {
				batch, err := s.AuditEntries(cmd.Context(), after, 5000)
				if err != nil || len(batch) == 0 {
					if ferr := w.Flush(); err == nil {
						err = ferr
					}
					return err
				}
				for _, e := range batch {
					after = e.ID
					if !from.IsZero() && civil.Of(e.At.In(a.cfg.Location)).Before(from) {
						continue
					}
					if err := enc.Encode(e); err != nil {
						return err
					}
				}
			}
		},
	}
	export.Flags().StringVar(&since, "since", "", "only entries on or after this date")
	cmd.AddCommand(verify, export)
	return cmd
}
