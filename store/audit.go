package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	ID       int64     `db:"id" json:"id"`
	At       time.Time `db:"at" json:"at"`
	Actor    string    `db:"actor" json:"actor"`
	Action   string    `db:"action" json:"action"`
	Entity   string    `db:"entity" json:"entity"`
	EntityID string    `db:"entity_id" json:"entity_id"`
	Detail   string    `db:"detail" json:"detail"` // JSON
	PrevHash string    `db:"prev_hash" json:"prev_hash"`
	Hash     string    `db:"hash" json:"hash"`
}

// genesisHash is the predecessor of the first entry.
var genesisHash = strings.Repeat("0", 64)

// auditLockKey serialises appends on PostgreSQL so that two transactions
// never chain onto the same predecessor.
const auditLockKey = 0x7665_7474_6175_64 // "vettaud"

// HashAudit computes an entry's hash from its predecessor's hash and its
// content. The time is taken in UTC to the microsecond, the precision both
// backends keep.
func HashAudit(e AuditEntry) string {
	h := sha256.New()
	for _, part := range []string{e.PrevHash, e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, e.Entity, e.EntityID, e.Detail} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// appendAudit chains e onto the log inside tx.
func (s *Store) appendAudit(ctx context.Context, tx *sqlx.Tx, e AuditEntry) error {
	if s.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, auditLockKey); err != nil {
			return fmt.Errorf("store: audit lock: %w", err)
		}
	}
	err := tx.GetContext(ctx, &e.PrevHash, `SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`)
	if isNoRows(err) {
		e.PrevHash, err = genesisHash, nil
	}
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Hash = HashAudit(e)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, entity, entity_id, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.At, e.Actor, e.Action, e.Entity, e.EntityID, e.Detail, e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// AuditEntries returns the log in order, from entry id after on, at most limit entries.
func (s *Store) AuditEntries(ctx context.Context, after int64, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.db.SelectContext(ctx, &out, `SELECT id, at, actor, action, entity, entity_id, detail, prev_hash, hash
		FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit entries: %w", err)
	}
	return out, nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// AuditBreak names the first entry of the log that does not verify.
type AuditBreak struct {
	ID     int64
	Reason string
}

// VerifyAudit walks the whole log in order and returns the first entry
// whose link to its predecessor or whose own hash does not hold, or nil
// when the chain is intact. It also returns how many entries it checked.
func (s *Store) VerifyAudit(ctx context.Context) (*AuditBreak, int, error) {
	prev, n := genesisHash, 0
	var after int64
	for {
		batch, err := s.AuditEntries(ctx, after, 5000)
		if err != nil {
			return nil, n, err
		}
		if len(batch) == 0 {
			broken, err := s.auditAnchors(ctx)
			return broken, n, err
		}
		for _, e := range batch {
			n++
			if e.PrevHash != prev {
				return &AuditBreak{e.ID, "its link to the previous entry is broken (an entry was removed, inserted or altered)"}, n, nil
			}
			if HashAudit(e) != e.Hash {
				return &AuditBreak{e.ID, "its content does not match its hash (the entry was altered)"}, n, nil
			}
			prev, after = e.Hash, e.ID
		}
	}
}

// auditAnchors finds what the chain alone cannot show: entries removed
// from its end, or all of them. Imports, tokens, plans and the messages
// sent, failed and withdrawn are each recorded in a table of their own in
// the same transaction as their entry, so there are as many entries of
// each as rows. A review acknowledged, or completed by a person, keeps who
// did it, so there are at least as many entries as such reviews (a plan
// that reopens a review forgets its acknowledgement). (One pass over the
// log, whatever its size. A break has ID 0: no entry is to blame.)
func (s *Store) auditAnchors(ctx context.Context) (*AuditBreak, error) {
	anchors := []struct{ one, many, rows, action string }{
		{"import run", "import runs", "SELECT COUNT(*) FROM import_runs", "import"},
		{"token", "tokens", "SELECT COUNT(*) FROM api_tokens", "token_created"},
		{"plan run", "plan runs", "SELECT COUNT(*) FROM plan_runs", "plan"},
		{"message sent", "messages sent", "SELECT COUNT(*) FROM messages WHERE status = 'sent'", "message_sent"},
		{"message given up", "messages given up", "SELECT COUNT(*) FROM messages WHERE status = 'failed'", "message_failed"},
		{"message withdrawn", "messages withdrawn", "SELECT COUNT(*) FROM messages WHERE status = 'withdrawn'", "message_withdrawn"},
		{"review acknowledged", "reviews acknowledged", "SELECT COUNT(*) FROM reviews WHERE acknowledged_at IS NOT NULL", "review_acknowledged"},
		{"review completed", "reviews completed", "SELECT COUNT(*) FROM reviews WHERE status = 'completed' AND completed_by <> 'vettingd'", "review_completed"},
	}
	var rows, entries []string
	for i, a := range anchors {
		rows = append(rows, fmt.Sprintf("(%s) - COALESCE(a.n%d, 0)", a.rows, i))
		entries = append(entries, fmt.Sprintf("SUM(CASE WHEN action = '%s' THEN 1 ELSE 0 END) AS n%d", a.action, i))
	}
	// One statement, one snapshot: an import committing between two
	// counts would look like a missing entry.
	missing := make([]int64, len(anchors))
	dest := make([]any, len(anchors))
	for i := range missing {
		dest[i] = &missing[i]
	}
	err := s.db.QueryRowxContext(ctx, `SELECT `+strings.Join(rows, ", ")+` FROM (SELECT `+strings.Join(entries, ", ")+` FROM audit_log) AS a`).Scan(dest...)
	if err != nil {
		return nil, fmt.Errorf("store: audit anchors: %w", err)
	}
	var gone []string
	for i, a := range anchors {
		if n := missing[i]; n > 0 {
			msg := fmt.Sprintf("%d %s recorded in the database have no entry", n, a.many)
			if n == 1 {
				msg = fmt.Sprintf("1 %s recorded in the database has no entry", a.one)
			}
			gone = append(gone, msg)
		}
	}
	if len(gone) > 0 {
		return &AuditBreak{0, strings.Join(gone, "; ") + ": entries have been removed from the log"}, nil
	}
	return nil, nil
}

// AuditEvent appends one entry in a transaction of its own: a read of
// people's records through the API or the pages, say.
func (s *Store) AuditEvent(ctx context.Context, actor, action, entity, entityID string, detail any) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		return s.appendAudit(ctx, tx, AuditEntry{At: time.Now(), Actor: actor, Action: action, Entity: entity, EntityID: entityID, Detail: jsonText(detail)})
	})
}
