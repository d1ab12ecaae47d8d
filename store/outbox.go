package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"vettingd/civil"
)

// PendingItem is an outbox item waiting for its message, with what a
// message may say of it (SPEC §5: the kind, the person, the due date).
type PendingItem struct {
	ID            int64      `db:"id"`
	ReviewID      int64      `db:"review_id"`
	Event         string     `db:"event"`
	Urgent        bool       `db:"urgent"`
	RecipientRole string     `db:"recipient_role"`
	RecipientID   string     `db:"recipient_id"`
	Kind          string     `db:"kind"`
	EmployeeID    string     `db:"employee_id"`
	PersonName    string     `db:"person_name"`
	DueOn         civil.Date `db:"due_on"`
}

// Recipient is whom a message goes to: a unit (ID "") or a person, with
// how the person can be reached.
type Recipient struct {
	Role        string `db:"recipient_role"`
	ID          string `db:"recipient_id"`
	Email       string `db:"email"`
	SlackUserID string `db:"slack_user_id"`
}

// NewMessage is one message for the dispatcher to deliver.
type NewMessage struct {
	DeliveryID string
	Recipient  Recipient
	Channel    string
	Address    string
	Body       string // JSON
}

// BuildStats says what a build of messages did.
type BuildStats struct {
	Items    int  `json:"items"`
	Messages int  `json:"messages"`
	Dropped  int  `json:"dropped"`
	Skipped  bool `json:"skipped"` // the digest window was built already
}

// ComposeFunc turns one recipient's items (in due order) into the
// messages that carry them, one per channel.
type ComposeFunc func(r Recipient, items []PendingItem) ([]NewMessage, error)

// buildLockKey serialises message builds on PostgreSQL.
const buildLockKey = 0x7665_7474_6f75_74 // "vettout"

// recipientChunk is how many recipients' items one query loads.
const recipientChunk = 200

// BuildMessages gathers the pending outbox items into messages, at most one
// per recipient and channel, in one transaction. Items that no longer need
// telling are dropped first: those of completed and cancelled reviews,
// reminders of acknowledged reviews, and chasers of absent people. With
// urgentOnly, only urgent items are gathered. A non-zero window names a
// digest window: it is built once, ever, and a second build of the same
// window (after a restart, or by another daemon) does nothing and says
// Skipped.
func (s *Store) BuildMessages(ctx context.Context, now, window time.Time, urgentOnly bool, compose ComposeFunc) (BuildStats, error) {
	var st BuildStats
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		// One build at a time: two at once (the urgent loop and a digest, or
		// two daemons) would put the same items in two messages.
		if s.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, buildLockKey); err != nil {
				return fmt.Errorf("store: outbox lock: %w", err)
			}
		}
		if !window.IsZero() {
			res, err := tx.ExecContext(ctx, `INSERT INTO digest_windows (window_at, built_at, messages) VALUES ($1, $2, 0)
				ON CONFLICT (window_at) DO NOTHING`, window.UTC(), now.UTC())
			if err != nil {
				return fmt.Errorf("store: digest window: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				st.Skipped = true
				return nil
			}
		}
		var err error
		if st.Dropped, err = dropStale(ctx, tx); err != nil {
			return err
		}
		urgent := ""
		if urgentOnly {
			urgent = " AND n.urgent"
		}
		var rcpts []Recipient
		err = tx.SelectContext(ctx, &rcpts, `SELECT n.recipient_role, n.recipient_id, COALESCE(MAX(p.email), '') AS email,
			COALESCE(MAX(p.slack_user_id), '') AS slack_user_id
			FROM notifications n LEFT JOIN people p ON p.employee_id = n.recipient_id
			WHERE n.state = 'pending'`+urgent+` GROUP BY n.recipient_role, n.recipient_id ORDER BY n.recipient_role, n.recipient_id`)
		if err != nil {
			return fmt.Errorf("store: outbox recipients: %w", err)
		}
		for len(rcpts) > 0 {
			n := min(len(rcpts), recipientChunk)
			if err := s.buildChunk(ctx, tx, now, urgent, rcpts[:n], compose, &st); err != nil {
				return err
			}
			rcpts = rcpts[n:]
		}
		if !window.IsZero() {
			_, err = tx.ExecContext(ctx, `UPDATE digest_windows SET messages = $2 WHERE window_at = $1`, window.UTC(), st.Messages)
		}
		return err
	})
	return st, err
}

// dropStale drops the pending items that no longer need telling. It looks
// up each pending item's review and person, so that its cost follows the
// pending items, not the force: the urgent loop runs it every few seconds,
// and reading every review and person each time kept an idle daemon busy
// (and, on SQLite, its page cache full).
//
// An item for a person who is no longer the one to tell is dropped too:
// the review has gone to someone else (who is owed their own items), or
// the escalation's assignee has another supervisor now. The items were
// queued for whoever it was at the time; the message goes to whoever it is
// by the latest HR data.
//
// An escalation dropped unsent (its person is absent, or the assignee has
// another supervisor now) leaves the review unescalated, so that it
// escalates again, to whoever it should, once it is owed.
func dropStale(ctx context.Context, tx *sqlx.Tx) (int, error) {
	_, err := tx.ExecContext(ctx, `UPDATE reviews SET escalation_level = 0 WHERE escalation_level > 0 AND id IN (
		SELECT n.review_id FROM notifications n JOIN reviews r ON r.id = n.review_id JOIN people p ON p.employee_id = r.employee_id
		WHERE n.state = 'pending' AND n.event = 'escalation' AND (p.status = 'absent' OR (n.recipient_role = 'supervisor' AND `+notAssigneesSupervisor("n")+`)))`)
	if err != nil {
		return 0, fmt.Errorf("store: unescalate dropped escalations: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE notifications SET state = 'dropped' WHERE state = 'pending' AND event <> 'gifts' AND EXISTS (
		SELECT 1 FROM reviews r JOIN people p ON p.employee_id = r.employee_id WHERE r.id = notifications.review_id AND (
			r.status IN ('completed', 'cancelled')
			OR notifications.due_on <> r.due_on
			OR (notifications.event = 'reminder' AND r.status = 'acknowledged')
			OR (notifications.event IN ('reminder', 'due', 'escalation') AND p.status = 'absent')
			OR (notifications.recipient_role IN ('supervisor', 'owner') AND (
				(notifications.event IN ('opened', 'reminder', 'due', 'briefing')
					AND COALESCE(r.assignee_id, '') <> notifications.recipient_id
					AND NOT (notifications.event = 'opened' AND COALESCE(p.supervisor_id, '') = notifications.recipient_id))
				OR (notifications.event = 'escalation' AND `+notAssigneesSupervisor("notifications")+`)))))`)
	if err != nil {
		return 0, fmt.Errorf("store: drop stale notifications: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// notAssigneesSupervisor is the condition that the recipient of item n
// is not the supervisor of its review r's assignee (not any more).
func notAssigneesSupervisor(n string) string {
	return `NOT EXISTS (SELECT 1 FROM people a WHERE a.employee_id = r.assignee_id AND a.supervisor_id = ` + n + `.recipient_id)`
}

func (s *Store) buildChunk(ctx context.Context, tx *sqlx.Tx, now time.Time, urgent string, rcpts []Recipient, compose ComposeFunc, st *BuildStats) error {
	q := &query{s: s}
	pairs := make([]string, len(rcpts))
	for i, r := range rcpts {
		pairs[i] = "(" + q.arg(r.Role) + ", " + q.arg(r.ID) + ")"
	}
	var items []PendingItem
	err := tx.SelectContext(ctx, &items, `SELECT n.id, n.review_id, n.event, n.urgent, n.recipient_role, n.recipient_id,
		r.kind, r.employee_id, p.given_name || ' ' || p.family_name AS person_name, r.due_on
		FROM notifications n JOIN reviews r ON r.id = n.review_id JOIN people p ON p.employee_id = r.employee_id
		WHERE n.state = 'pending'`+urgent+` AND (n.recipient_role, n.recipient_id) IN (VALUES `+strings.Join(pairs, ", ")+`)
		ORDER BY n.recipient_role, n.recipient_id, r.due_on, n.id`, q.args...)
	if err != nil {
		return fmt.Errorf("store: outbox items: %w", err)
	}
	var groups []carried
	for _, r := range rcpts {
		var mine []PendingItem
		for len(items) > 0 && items[0].RecipientRole == r.Role && items[0].RecipientID == r.ID {
			mine, items = append(mine, items[0]), items[1:]
		}
		if len(mine) == 0 {
			continue
		}
		msgs, err := compose(r, mine)
		if err != nil {
			return err
		}
		groups = append(groups, carried{msgs: msgs, items: mine})
		st.Items += len(mine)
		st.Messages += len(msgs)
	}
	return s.addMessageGroups(ctx, tx, now, groups)
}

// carried is a recipient's messages and the items they carry.
type carried struct {
	msgs  []NewMessage
	items []PendingItem
}

// addMessages inserts the messages that carry items and marks the items batched.
func (s *Store) addMessages(ctx context.Context, tx *sqlx.Tx, now time.Time, msgs []NewMessage, items []PendingItem) error {
	return s.addMessageGroups(ctx, tx, now, []carried{{msgs: msgs, items: items}})
}

// messageBatch is how many messages one INSERT carries: a message's body
// lists up to MaxItems items, so a statement stays a few MB.
const messageBatch = 64

// addMessageGroups inserts every group's messages, each carrying all of
// its group's items, and marks the items batched: a few statements for a
// whole chunk of recipients, not three per message (a national digest has
// tens of thousands of messages).
func (s *Store) addMessageGroups(ctx context.Context, tx *sqlx.Tx, now time.Time, groups []carried) error {
	var msgs []NewMessage
	for _, g := range groups {
		msgs = append(msgs, g.msgs...)
	}
	ids, err := s.insertMessages(ctx, tx, now, msgs)
	if err != nil {
		return err
	}
	var rows [][]any
	var batched []any
	for _, g := range groups {
		for _, m := range g.msgs {
			for _, it := range g.items {
				rows = append(rows, []any{ids[m.DeliveryID], it.ID})
			}
		}
		for _, it := range g.items {
			batched = append(batched, it.ID)
		}
	}
	if err := s.insertMany(ctx, tx, "message_items", "message_id, notification_id", rows); err != nil {
		return fmt.Errorf("store: add message items: %w", err)
	}
	return s.markBatched(ctx, tx, batched)
}

// insertMessages inserts msgs and returns their ids by delivery id.
func (s *Store) insertMessages(ctx context.Context, tx *sqlx.Tx, now time.Time, msgs []NewMessage) (map[string]int64, error) {
	ids := make(map[string]int64, len(msgs))
	for len(msgs) > 0 {
		n := min(len(msgs), messageBatch)
		args := make([]any, 0, n*8)
		for _, m := range msgs[:n] {
			args = append(args, m.DeliveryID, m.Recipient.Role, m.Recipient.ID, m.Channel, m.Address, m.Body, now.UTC(), now.UTC())
		}
		var got []struct {
			ID         int64  `db:"id"`
			DeliveryID string `db:"delivery_id"`
		}
		err := tx.SelectContext(ctx, &got, `INSERT INTO messages (delivery_id, recipient_role, recipient_id, channel, address, body, next_attempt_at, created_at)
			VALUES `+s.valuesList(n, 8)+` RETURNING id, delivery_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: add message: %w", err)
		}
		for _, g := range got {
			ids[g.DeliveryID] = g.ID
		}
		msgs = msgs[n:]
	}
	return ids, nil
}

// markBatched marks pending items batched, all or none.
func (s *Store) markBatched(ctx context.Context, tx *sqlx.Tx, ids []any) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		q := &query{s: s}
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET state = 'batched' WHERE state = 'pending' AND id IN `+listOf(q, ids[:n]), q.args...)
		if err != nil {
			return fmt.Errorf("store: batch notifications: %w", err)
		}
		if done, _ := res.RowsAffected(); int(done) != n {
			return fmt.Errorf("store: batch notifications: %d of %d items were no longer pending", n-int(done), n)
		}
		ids = ids[n:]
	}
	return nil
}

// AddMessages queues messages that carry no review items (a notice to a
// unit, say).
func (s *Store) AddMessages(ctx context.Context, now time.Time, msgs []NewMessage) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error { return s.addMessages(ctx, tx, now, msgs, nil) })
}

// OutMessage is a message claimed for delivery.
type OutMessage struct {
	ID            int64  `db:"id"`
	DeliveryID    string `db:"delivery_id"`
	RecipientRole string `db:"recipient_role"`
	RecipientID   string `db:"recipient_id"`
	Channel       string `db:"channel"`
	Address       string `db:"address"`
	Body          string `db:"body"`
	Attempts      int    `db:"attempts"`
	// LeaseUntil is when this claim ends; the outcome is recorded only
	// while the claim is still this dispatcher's.
	LeaseUntil time.Time `db:"lease_until"`
}

// ErrLeaseLost is returned when a claim ran out and another dispatcher
// may have taken the message.
var ErrLeaseLost = errors.New("the claim on the message ran out")

// ClaimMessages leases up to limit pending messages whose time has come,
// so that no other dispatcher takes them until the lease ends: with
// FOR UPDATE SKIP LOCKED on PostgreSQL, and on SQLite by a compare-and-set
// in its single-writer transaction. The attempt is counted at the claim,
// so a dispatcher that dies mid-send still uses one up. withdrawn counts
// the messages claimed and withdrawn unsent instead (withdrawMessages).
func (s *Store) ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) (msgs []OutMessage, withdrawn int, err error) {
	// On PostgreSQL the candidates are chosen in a CTE, which runs once: as
	// an IN (subquery … LIMIT) the subquery may be run again and claim
	// past the limit (every pending message at once).
	q := `UPDATE messages SET lease_until = $2, attempts = attempts + 1
		WHERE id IN (SELECT id FROM messages WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
			ORDER BY next_attempt_at, id LIMIT $3)
		AND status = 'pending' AND (lease_until IS NULL OR lease_until <= $1)
		RETURNING id, delivery_id, recipient_role, recipient_id, channel, address, body, attempts, lease_until`
	if s.dialect == Postgres {
		q = `WITH chosen AS (SELECT id FROM messages WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
			ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
		UPDATE messages m SET lease_until = $2, attempts = m.attempts + 1 FROM chosen WHERE m.id = chosen.id
		RETURNING m.id, m.delivery_id, m.recipient_role, m.recipient_id, m.channel, m.address, m.body, m.attempts, m.lease_until`
	}
	for {
		var claimed, out []OutMessage
		err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
			if err := tx.SelectContext(ctx, &claimed, q, now.UTC(), now.Add(lease).UTC().Truncate(time.Microsecond), limit); err != nil {
				return err
			}
			var err error
			out, err = s.withdrawMessages(ctx, tx, now, claimed)
			return err
		})
		if err != nil {
			return nil, withdrawn, fmt.Errorf("store: claim messages: %w", err)
		}
		withdrawn += len(claimed) - len(out)
		// A claim whose every message was withdrawn is not the end of the
		// messages due: claim again.
		if len(out) > 0 || len(claimed) == 0 {
			return out, withdrawn, nil
		}
	}
}

// withdrawMessages withdraws, unsent, the claimed messages that tell of
// nothing still owed, and returns the rest: every item's review has been
// completed or cancelled since the message was built (while it waited for
// a retry, say; SPEC §5: completing or cancelling stops everything). A
// message with an item still owed goes as built; a gifts item (told of a
// completed review, to PSD's register) and a message with no items (a
// notice to a unit) are always owed. Only the claimed messages are looked
// at: a claim is a few dozen, the pending ones may be a national digest.
// Each withdrawal is audited.
func (s *Store) withdrawMessages(ctx context.Context, tx *sqlx.Tx, now time.Time, claimed []OutMessage) ([]OutMessage, error) {
	if len(claimed) == 0 {
		return claimed, nil
	}
	ids := make([]int64, len(claimed))
	for i, m := range claimed {
		ids[i] = m.ID
	}
	q := &query{s: s}
	var gone []int64
	err := tx.SelectContext(ctx, &gone, `UPDATE messages SET status = 'withdrawn', lease_until = NULL,
			last_error = 'withdrawn: its reviews were completed or cancelled'
		WHERE id IN `+listOf(q, ids)+`
		AND EXISTS (SELECT 1 FROM message_items mi WHERE mi.message_id = messages.id)
		AND NOT EXISTS (SELECT 1 FROM message_items mi JOIN notifications n ON n.id = mi.notification_id
			JOIN reviews r ON r.id = n.review_id
			WHERE mi.message_id = messages.id AND (n.event = 'gifts' OR r.status NOT IN ('completed', 'cancelled')))
		RETURNING id`, q.args...)
	if err != nil || len(gone) == 0 {
		return claimed, err
	}
	kept := claimed[:0:0]
	for _, m := range claimed {
		if !slices.Contains(gone, m.ID) {
			kept = append(kept, m)
			continue
		}
		err := s.appendAudit(ctx, tx, AuditEntry{At: now, Actor: "vettingd", Action: "message_withdrawn", Entity: "message", EntityID: fmt.Sprint(m.ID),
			Detail: jsonText(map[string]any{"delivery_id": m.DeliveryID, "channel": m.Channel, "recipient_role": m.RecipientRole, "recipient_id": m.RecipientID,
				"reason": "its reviews were completed or cancelled"})})
		if err != nil {
			return nil, err
		}
	}
	return kept, nil
}

// MessageSent records a delivery, and audits it.
func (s *Store) MessageSent(ctx context.Context, m OutMessage, now time.Time, externalRef string) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE messages SET status = 'sent', sent_at = $2, external_ref = $3, lease_until = NULL, last_error = NULL
			WHERE id = $1 AND status = 'pending' AND lease_until = $4`, m.ID, now.UTC(), nullable(externalRef), m.LeaseUntil.UTC())
		if err := ours(res, err); err != nil {
			return fmt.Errorf("store: message sent: %w", err)
		}
		return s.appendAudit(ctx, tx, AuditEntry{At: now, Actor: "vettingd", Action: "message_sent", Entity: "message", EntityID: fmt.Sprint(m.ID),
			Detail: jsonText(map[string]any{"delivery_id": m.DeliveryID, "channel": m.Channel, "recipient_role": m.RecipientRole, "recipient_id": m.RecipientID})})
	})
}

// MessageRetry puts a message back for another attempt at next. With
// uncount, the attempt does not count against the limit (a rate limit is
// not the message's fault).
func (s *Store) MessageRetry(ctx context.Context, m OutMessage, next time.Time, reason string, uncount bool) error {
	back := 0
	if uncount {
		back = 1
	}
	res, err := s.db.ExecContext(ctx, `UPDATE messages SET next_attempt_at = $2, last_error = $3, lease_until = NULL, attempts = attempts - $4
		WHERE id = $1 AND status = 'pending' AND lease_until = $5`, m.ID, next.UTC(), reason, back, m.LeaseUntil.UTC())
	if err := ours(res, err); err != nil {
		return fmt.Errorf("store: message retry: %w", err)
	}
	return nil
}

// ReleaseMessage gives a claim back unused, for another try at once.
func (s *Store) ReleaseMessage(ctx context.Context, m OutMessage) error {
	_, err := s.db.ExecContext(ctx, `UPDATE messages SET lease_until = NULL, attempts = attempts - 1
		WHERE id = $1 AND status = 'pending' AND lease_until = $2`, m.ID, m.LeaseUntil.UTC())
	if err != nil {
		return fmt.Errorf("store: release message: %w", err)
	}
	return nil
}

// ours turns an update that touched no row into ErrLeaseLost.
func ours(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// MessageFailed gives a message up with its reason, and audits it; the
// vetting unit is told of it later, with others (TellFailures).
func (s *Store) MessageFailed(ctx context.Context, m OutMessage, now time.Time, reason string) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE messages SET status = 'failed', last_error = $2, lease_until = NULL, failed_at = $4
			WHERE id = $1 AND status = 'pending' AND lease_until = $3`, m.ID, reason, m.LeaseUntil.UTC(), now.UTC())
		if err := ours(res, err); err != nil {
			return fmt.Errorf("store: message failed: %w", err)
		}
		return s.appendAudit(ctx, tx, AuditEntry{At: now, Actor: "vettingd", Action: "message_failed", Entity: "message", EntityID: fmt.Sprint(m.ID),
			Detail: jsonText(map[string]any{"delivery_id": m.DeliveryID, "channel": m.Channel, "recipient_role": m.RecipientRole, "recipient_id": m.RecipientID, "reason": reason})})
	})
}

// GivenUp is a message given up, and after how many attempts.
type GivenUp struct {
	MessageFault
	Attempts int `db:"attempts"`
}

// TellFailures marks as told every message given up and not yet told of,
// once the first of them was given up at least wait before now, and
// queues in the same transaction the messages notice makes of them
// (notice is not called when there are none): one notice for all the
// failures of that while, however many, and none lost to a crash between
// giving a message up and telling of it. Of two dispatchers, each tells
// of the failures it marked. It returns how many it told of.
func (s *Store) TellFailures(ctx context.Context, now time.Time, wait time.Duration, notice func([]GivenUp) []NewMessage) (int, error) {
	var faults []GivenUp
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		faults = faults[:0]
		var due int
		err := tx.GetContext(ctx, &due, `SELECT COUNT(*) FROM messages WHERE status = 'failed' AND NOT failure_told AND failed_at <= $1`, now.Add(-wait).UTC())
		if err != nil || due == 0 {
			return err
		}
		err = tx.SelectContext(ctx, &faults, `UPDATE messages SET failure_told = true WHERE status = 'failed' AND NOT failure_told
			RETURNING id, delivery_id, channel, recipient_role, recipient_id, COALESCE(last_error, '') AS last_error, attempts`)
		if err != nil || len(faults) == 0 {
			return err
		}
		slices.SortFunc(faults, func(a, b GivenUp) int { return cmp.Compare(a.ID, b.ID) })
		if msgs := notice(faults); len(msgs) > 0 {
			return s.addMessages(ctx, tx, now, msgs, nil)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: tell of failed messages: %w", err)
	}
	return len(faults), nil
}

// OutboxStatus is the state of the outbox.
type OutboxStatus struct {
	Waiting       int             `json:"waiting"` // items not yet in a message (waiting for the digest)
	Pending       int             `json:"pending"`
	Sent          int             `json:"sent"`
	Failed        int             `json:"failed"`
	Withdrawn     int             `json:"withdrawn"` // not sent: every review it told of was closed first
	OldestPending *time.Time      `json:"oldest_pending"`
	Failures      []FailedMessage `json:"failures"`
	// Retrying are pending messages whose last attempt failed, soonest
	// retry first (at most 20): a channel failing now shows here before
	// any message is given up.
	Retrying []RetryingMessage `json:"retrying"`
}

// MessageFault is a message whose delivery went wrong, with why.
type MessageFault struct {
	ID            int64  `db:"id" json:"id"`
	DeliveryID    string `db:"delivery_id" json:"delivery_id"`
	Channel       string `db:"channel" json:"channel"`
	RecipientRole string `db:"recipient_role" json:"recipient_role"`
	RecipientID   string `db:"recipient_id" json:"recipient_id"`
	Reason        string `db:"last_error" json:"reason"`
}

// RetryingMessage is a pending message whose last attempt failed, and
// when it is tried again.
type RetryingMessage struct {
	MessageFault
	Attempts      int       `db:"attempts" json:"attempts"`
	NextAttemptAt time.Time `db:"next_attempt_at" json:"next_attempt_at"`
}

// FailedMessage is a message given up.
type FailedMessage struct {
	MessageFault
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// Outbox reports the outbox's state, with the latest failures (at most 20).
func (s *Store) Outbox(ctx context.Context) (OutboxStatus, error) {
	var st OutboxStatus
	var counts []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &counts, `SELECT status, COUNT(*) AS n FROM messages GROUP BY status`); err != nil {
		return st, fmt.Errorf("store: outbox: %w", err)
	}
	for _, c := range counts {
		switch c.Status {
		case "pending":
			st.Pending = c.N
		case "sent":
			st.Sent = c.N
		case "failed":
			st.Failed = c.N
		case "withdrawn":
			st.Withdrawn = c.N
		}
	}
	if err := s.db.GetContext(ctx, &st.Waiting, `SELECT COUNT(*) FROM notifications WHERE state = 'pending'`); err != nil {
		return st, fmt.Errorf("store: outbox: %w", err)
	}
	var oldest []time.Time
	if err := s.db.SelectContext(ctx, &oldest, `SELECT created_at FROM messages WHERE status = 'pending' ORDER BY created_at LIMIT 1`); err != nil {
		return st, fmt.Errorf("store: outbox: %w", err)
	}
	if len(oldest) == 1 {
		st.OldestPending = &oldest[0]
	}
	st.Failures = []FailedMessage{}
	err := s.db.SelectContext(ctx, &st.Failures, `SELECT id, delivery_id, channel, recipient_role, recipient_id, created_at, COALESCE(last_error, '') AS last_error
		FROM messages WHERE status = 'failed' ORDER BY id DESC LIMIT 20`)
	if err != nil {
		return st, fmt.Errorf("store: outbox: %w", err)
	}
	st.Retrying = []RetryingMessage{}
	err = s.db.SelectContext(ctx, &st.Retrying, `SELECT id, delivery_id, channel, recipient_role, recipient_id, attempts, next_attempt_at, last_error
		FROM messages WHERE status = 'pending' AND last_error IS NOT NULL ORDER BY next_attempt_at, id LIMIT 20`)
	if err != nil {
		return st, fmt.Errorf("store: outbox: %w", err)
	}
	return st, nil
}

// MessageByRef returns the sent message with this external reference
// (a Slack "CHANNEL/TS"); ErrNotFound when there is none.
func (s *Store) MessageByRef(ctx context.Context, ref string) (OutMessage, error) {
	var m OutMessage
	err := s.db.GetContext(ctx, &m, `SELECT id, delivery_id, recipient_role, recipient_id, channel, address, body, attempts
		FROM messages WHERE external_ref = $1`, ref)
	if isNoRows(err) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("store: message %s: %w", ref, err)
	}
	return m, nil
}
