package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vettingd/civil"
	"vettingd/scheduler"
	"vettingd/store"
)

func (a *app) reviewsCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "reviews", Short: "List, acknowledge and complete reviews"}
	cmd.AddCommand(a.reviewsList(), a.reviewsAck(), a.reviewsComplete())
	return cmd
}

var reviewStatuses = map[string][]string{
	"": nil, "open": {"open"}, "acknowledged": {"acknowledged"}, "completed": {"completed"}, "cancelled": {"cancelled"},
	"all": {"open", "acknowledged", "completed", "cancelled"},
}

func (a *app) reviewsList() *cobra.Command {
	var f store.ReviewFilter
	var status string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List reviews (default: open and acknowledged)",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkFormat("text", "json", "csv"); err != nil {
				return err
			}
			statuses, ok := reviewStatuses[status]
			if !ok {
				return usageErr("--status must be one of open, acknowledged, completed, cancelled, all")
			}
			if f.Kind != "" && !contains(scheduler.Kinds, f.Kind) {
				return usageErr("--kind %q is not a review kind", f.Kind)
			}
			f.Statuses, f.AsOf = statuses, a.asOf
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			return a.printReviews(cmd, s, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&status, "status", "", "open, acknowledged, completed, cancelled or all")
	fl.StringVar(&f.Kind, "kind", "", "only this kind of review")
	fl.StringVar(&f.EmployeeID, "employee", "", "only the reviews of this person")
	fl.StringVar(&f.AssigneeID, "assignee", "", "only the reviews assigned to this person")
	fl.BoolVar(&f.Overdue, "overdue", false, "only overdue reviews")
	return cmd
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// printReviews streams the reviews in the chosen format.
func (a *app) printReviews(cmd *cobra.Command, s *store.Store, f store.ReviewFilter) error {
	ctx, out := cmd.Context(), a.env.Stdout
	switch a.format {
	case "json": // a JSON array, written as it streams
		fmt.Fprint(out, "[")
		n := 0
		err := s.EachReview(ctx, f, func(r store.Review) error {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if n > 0 {
				fmt.Fprint(out, ",")
			}
			n++
			_, err = fmt.Fprintf(out, "\n  %s", b)
			return err
		})
		if n > 0 {
			fmt.Fprint(out, "\n")
		}
		fmt.Fprintln(out, "]")
		return err
	case "csv":
		w := csv.NewWriter(out)
		_ = w.Write(reviewHeader)
		err := s.EachReview(ctx, f, func(r store.Review) error { return w.Write(reviewRecord(r)) })
		w.Flush()
		if err != nil {
			return err
		}
		return w.Error()
	default:
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tEMPLOYEE\tDUE\tSTATUS\tASSIGNEE\tREASON")
		n := 0
		err := s.EachReview(ctx, f, func(r store.Review) error {
			n++
			status := r.Status
			if r.Overdue {
				status += " (overdue)"
			}
			_, err := fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Kind, r.EmployeeID, r.DueOn, status, assignee(r), r.Reason)
			return err
		})
		tw.Flush()
		fmt.Fprintf(out, "%s\n", plural(n, "review"))
		return err
	}
}

var reviewHeader = []string{"id", "kind", "employee_id", "reason", "source_ref", "due_on", "opens_on", "status", "overdue",
	"assignee_role", "assignee_id", "acknowledged_at", "acknowledged_by", "completed_on", "completed_by", "outcome", "escalation_level"}

func reviewRecord(r store.Review) []string {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	at := ""
	if r.AcknowledgedAt != nil {
		at = r.AcknowledgedAt.UTC().Format(time.RFC3339)
	}
	return []string{strconv.FormatInt(r.ID, 10), r.Kind, r.EmployeeID, r.Reason, r.SourceRef, r.DueOn.String(), r.OpensOn.String(),
		r.Status, strconv.FormatBool(r.Overdue), r.AssigneeRole, str(r.AssigneeID), at, str(r.AcknowledgedBy),
		r.CompletedOn.String(), str(r.CompletedBy), str(r.Outcome), strconv.Itoa(r.EscalationLevel)}
}

func assignee(r store.Review) string {
	if r.AssigneeID != nil {
		return r.AssigneeRole + ":" + *r.AssigneeID
	}
	return r.AssigneeRole
}

func reviewID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErr("%q is not a review id", s)
	}
	return id, nil
}

// lifecycleErr gives a refused transition its exit status.
func lifecycleErr(err error) error {
	switch {
	case errors.Is(err, scheduler.ErrInvalid):
		return &exitError{ExitUsage, errors.New(trimPrefix(err.Error(), "invalid: "))}
	case errors.Is(err, store.ErrConflict):
		return errors.New(trimPrefix(err.Error(), "conflict: "))
	}
	return err
}

func trimPrefix(s, p string) string {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

func (a *app) reviewsAck() *cobra.Command {
	var by string
	cmd := &cobra.Command{
		Use:   "ack ID --by EMPLOYEE_ID",
		Short: "Acknowledge an open review",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if err := a.checkFormat("text", "json"); err != nil {
				return err
			}
			id, err := reviewID(argv[0])
			if err != nil {
				return err
			}
			if by == "" {
				return usageErr("--by EMPLOYEE_ID is required")
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			if err := a.planner(s).Acknowledge(cmd.Context(), a.asOf, actor(), id, by); err != nil {
				return lifecycleErr(err)
			}
			if a.format == "json" {
				return a.printReview(cmd.Context(), s, id)
			}
			fmt.Fprintf(a.env.Stdout, "Review %d acknowledged by %s.\n", id, by)
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "employee id of who acknowledges")
	return cmd
}

func (a *app) reviewsComplete() *cobra.Command {
	var c store.Completion
	var on string
	cmd := &cobra.Command{
		Use:   "complete ID --by EMPLOYEE_ID [--outcome O] [--on DATE] [--note T] [--declare D]...",
		Short: "Complete a review (integrity reviews: --outcome satisfactory|concerns, --declare business_interest|association|finances|gifts)",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if err := a.checkFormat("text", "json"); err != nil {
				return err
			}
			id, err := reviewID(argv[0])
			if err != nil {
				return err
			}
			if c.By == "" {
				return usageErr("--by EMPLOYEE_ID is required")
			}
			if on != "" {
				if c.On, err = civil.Parse(on); err != nil {
					return usageErr("--on %s", err)
				}
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := a.planner(s).Complete(cmd.Context(), a.asOf, actor(), id, c)
			if err != nil {
				return lifecycleErr(err)
			}
			if a.format == "json" {
				return a.printReview(cmd.Context(), s, id)
			}
			fmt.Fprintf(a.env.Stdout, "Review %d completed by %s; follow-up reviews created %d, updated %d, cancelled %d.\n",
				id, c.By, res.Created, res.Updated, res.Cancelled)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&c.By, "by", "", "employee id of who completes")
	fl.StringVar(&c.Outcome, "outcome", "", "the outcome")
	fl.StringVar(&on, "on", "", "the date it was completed (default: today)")
	fl.StringVar(&c.Note, "note", "", "a note")
	fl.StringArrayVar(&c.Declarations, "declare", nil, "a declaration made at an integrity review (repeatable)")
	return cmd
}

// printReview writes one review as JSON, as reviews list does each.
func (a *app) printReview(ctx context.Context, s *store.Store, id int64) error {
	r, err := s.Review(ctx, id)
	if err != nil {
		return err
	}
	r.Overdue = (r.Status == "open" || r.Status == "acknowledged") && r.DueOn.Before(a.asOf)
	return writeJSON(a.env.Stdout, r)
}
