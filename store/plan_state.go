package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/lib/pq"
)

// Incremental planning. What the rules conclude for a person depends on
// their records (and their supervisor's, their post's, their mitigation
// owners') and on the date only through a few dates: a start, an end, an
// expiry. After planning someone the planner remembers, in plan_state,
// until when its conclusion holds; a scheduled run then plans only the
// people with no row: those whose time came, and those whose records
// changed, since every write to what the rules read forgets the people it
// concerns, in its own transaction.

// Rules are what a plan concludes under: the rules' own version and the
// policy.
type Rules struct {
	Fingerprint string // changes whenever they do
	// Detail is written to the audit log when they change: the policy in
	// full, so that which policy was in force when is provable afterwards.
	Detail any
}

// UseRules declares the rules and policy the plan applies. Under a
// fingerprint other than the stored one, every person is forgotten, so that
// the next full pass plans everyone under the new rules, and the change is
// audited ("policy_changed"). The notification rules are those the plan's
// notifications will be owed under: new reviews are written as those make
// them.
func (pt *PlanTx) UseRules(ctx context.Context, rules Rules, notify NotifyRules) error {
	fingerprint := rules.Fingerprint
	pt.notifying = true
	pt.escalate1, pt.escalate2 = notify.escalationDates(pt.AsOf)
	if pt.rules == fingerprint {
		return nil
	}
	var stored string
	err := pt.tx.GetContext(ctx, &stored, `SELECT fingerprint FROM plan_rules WHERE id = 1`)
	switch {
	case err == sql.ErrNoRows:
		_, err = pt.tx.ExecContext(ctx, `INSERT INTO plan_rules (id, fingerprint) VALUES (1, $1)`, fingerprint)
	case err == nil && stored != fingerprint:
		_, err = pt.tx.ExecContext(ctx, `UPDATE plan_rules SET fingerprint = $1 WHERE id = 1`, fingerprint)
	}
	if err != nil {
		return fmt.Errorf("store: plan rules: %w", err)
	}
	if stored != fingerprint {
		if err := pt.ForgetAll(ctx); err != nil {
			return err
		}
		// Audited as the plan ends (see finish), not now: appending takes
		// the log's lock, which every audited read would wait on for the
		// whole plan, the longest there is (it plans everyone).
		detail, err := json.Marshal(map[string]any{"previous": stored, "fingerprint": fingerprint, "rules": rules.Detail})
		if err != nil {
			return fmt.Errorf("store: plan rules: %w", err)
		}
		pt.rulesChanged = &AuditEntry{At: pt.now, Actor: pt.Actor, Action: "policy_changed", Entity: "policy", EntityID: fingerprint, Detail: string(detail)}
	}
	pt.rules = fingerprint
	return nil
}

// ForgetAll makes the next full pass plan everyone.
func (pt *PlanTx) ForgetAll(ctx context.Context) error {
	if _, err := pt.tx.ExecContext(ctx, `DELETE FROM plan_state`); err != nil {
		return fmt.Errorf("store: forget plan state: %w", err)
	}
	return nil
}

// forgetStale forgets everyone whose last conclusion does not hold on the
// plan's date (its time came, or the plan is for an earlier date).
func (pt *PlanTx) forgetStale(ctx context.Context) error {
	_, err := pt.tx.ExecContext(ctx, `DELETE FROM plan_state WHERE valid_from > `+pt.s.date(1)+
		` OR (valid_until IS NOT NULL AND valid_until <= `+pt.s.date(1)+`)`, pt.AsOf)
	if err != nil {
		return fmt.Errorf("store: forget stale plan state: %w", err)
	}
	return nil
}

// forget forgets the people a subquery (which selects employee ids) names.
// On PostgreSQL the subquery is run first, on its own, and its people
// looked up by key: as a join, on statistics from before an import or plan
// just committed (autovacuum had not caught up), PostgreSQL chose to test
// every one of 310,000 people against every new record, 20 seconds for 929
// adverse-information records.
func forget(ctx context.Context, tx execer, s *Store, subquery string, args ...any) error {
	q := `DELETE FROM plan_state WHERE employee_id IN (` + subquery + `)`
	if s.dialect == Postgres {
		q = `DELETE FROM plan_state WHERE employee_id = ANY (ARRAY(` + subquery + `))`
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("store: forget plan state: %w", err)
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// remember records, for people just planned, until when their conclusion
// holds (each one's ValidUntil; zero for good). replace says whether they
// may have rows already.
func (pt *PlanTx) remember(ctx context.Context, people []PlanPerson, replace bool) error {
	if len(people) == 0 {
		return nil
	}
	if replace {
		ids := make([]string, len(people))
		for i, p := range people {
			ids[i] = p.EmployeeID
		}
		filter, args := pt.idFilter(ids, 1)
		if _, err := pt.tx.ExecContext(ctx, `DELETE FROM plan_state WHERE employee_id `+filter, args...); err != nil {
			return fmt.Errorf("store: plan state: %w", err)
		}
	}
	rows := make([][]any, len(people))
	for i, p := range people {
		var until any // NULL: for good
		if !p.ValidUntil.IsZero() {
			until = p.ValidUntil
		}
		rows[i] = []any{p.EmployeeID, pt.AsOf, until}
	}
	if err := pt.insertMany(ctx, "plan_state", "employee_id, valid_from, valid_until", rows); err != nil {
		return fmt.Errorf("store: plan state: %w", err)
	}
	return nil
}

// idFilter is "= ANY($n)" over ids on PostgreSQL (one parameter, one plan
// whatever the count) and "IN (?, …)" on SQLite, with its arguments.
func (pt *PlanTx) idFilter(ids []string, n int) (string, []any) {
	if pt.s.dialect == Postgres {
		return fmt.Sprintf("= ANY($%d)", n), []any{pq.StringArray(ids)}
	}
	marks, args := make([]byte, 0, 3*len(ids)), make([]any, len(ids))
	for i, id := range ids {
		if i > 0 {
			marks = append(marks, ", "...)
		}
		marks = append(marks, fmt.Sprintf("$%d", n+i)...)
		args[i] = id
	}
	return "IN (" + string(marks) + ")", args
}

// forgetImported forgets, inside an import's transaction, everyone whose
// plan the staged rows may change: before the merge (when stored is set)
// the owners of the rows about to change, so that a record moved to
// another person is planned for both; after it, the owners of every row
// written now, and for people also whoever they supervise and whose
// mitigation plans they own, for posts everyone in the post.
func (it *ImportTx) forgetImported(ctx context.Context, before bool) error {
	t, k := it.t.Table, it.t.Key
	if before {
		if t == "people" || t == "posts" {
			return nil // their key is not moved; after the merge covers them
		}
		return forget(ctx, it.tx, it.s, `SELECT t.employee_id FROM `+t+` t JOIN `+stage+` s ON t.`+k+` = s.`+k+` WHERE `+it.changed("t", "s"))
	}
	var q string
	switch t {
	case "posts":
		q = `SELECT p.employee_id FROM people p JOIN posts po ON po.post_id = p.post_id WHERE po.updated_at = $1`
	case "people":
		q = `SELECT employee_id FROM people WHERE updated_at = $1
			UNION SELECT p.employee_id FROM people p JOIN people s ON s.employee_id = p.supervisor_id WHERE s.updated_at = $1
			UNION SELECT c.employee_id FROM clearances c JOIN people o ON o.employee_id = c.mitigation_owner_id WHERE o.updated_at = $1`
	default:
		q = `SELECT employee_id FROM ` + t + ` WHERE updated_at = $1`
	}
	return forget(ctx, it.tx, it.s, q, it.now)
}

// planLock takes the planner's lock on PostgreSQL for the rest of a
// transaction that writes what the rules read: a plan that read the old
// rows commits its conclusions first, and the writer's forgetting then
// sees (and removes) them.
func (s *Store) planLock(ctx context.Context, tx execer) error {
	if s.dialect != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, planLockKey); err != nil {
		return fmt.Errorf("store: plan lock: %w", err)
	}
	return nil
}

// readCommitted are the options of a transaction that writes what the
// rules read, or plans: on PostgreSQL, READ COMMITTED whatever the
// server's default, so that each statement after the plan lock sees what
// the lock's last holder committed. SQLite serialises writers anyway.
func (s *Store) readCommitted() *sql.TxOptions {
	if s.dialect != Postgres {
		return nil
	}
	return &sql.TxOptions{Isolation: sql.LevelReadCommitted}
}
