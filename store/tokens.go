package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"vettingd/civil"
)

// Token is an API token as stored (never the token itself).
type Token struct {
	ID         int64      `db:"id" json:"id"`
	Name       string     `db:"name" json:"name"`
	Role       string     `db:"role" json:"role"`
	EmployeeID *string    `db:"employee_id" json:"employee_id"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	CreatedBy  string     `db:"created_by" json:"created_by"`
	RevokedAt  *time.Time `db:"revoked_at" json:"revoked_at"`
	LastUsedAt *time.Time `db:"last_used_at" json:"last_used_at"`
}

// tokenPrefix marks vettingd tokens, so that a leaked one is recognisable
// to secret scanners.
const tokenPrefix = "vtd_"

// HashToken returns the stored form of a token. Tokens carry 256 random
// bits, so a fast hash is enough: there is nothing to guess.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a token for a role (and, for a supervisor, the employee
// it is bound to), stores its hash, audits it, and returns the token: the
// only time it is ever seen.
func (s *Store) CreateToken(ctx context.Context, name, role, employeeID, by string) (string, Token, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Token{}, err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := time.Now().UTC().Truncate(time.Microsecond)
	var t Token
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &t, `INSERT INTO api_tokens (name, role, employee_id, token_hash, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, name, role, employee_id, created_at, created_by, revoked_at, last_used_at`,
			name, role, nullable(employeeID), HashToken(secret), now, by)
		if err != nil {
			return fmt.Errorf("store: create token: %w", err)
		}
		return s.appendAudit(ctx, tx, AuditEntry{At: now, Actor: by, Action: "token_created", Entity: "token", EntityID: fmt.Sprint(t.ID),
			Detail: jsonText(map[string]string{"name": name, "role": role, "employee_id": employeeID})})
	})
	return secret, t, err
}

// Tokens lists every token, newest first.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	var out []Token
	err := s.db.SelectContext(ctx, &out, `SELECT id, name, role, employee_id, created_at, created_by, revoked_at, last_used_at FROM api_tokens ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	return out, nil
}

// RevokeToken revokes a token; ErrNotFound when there is no live token with that id.
func (s *Store) RevokeToken(ctx context.Context, id int64, by string) error {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, now)
		if err != nil {
			return fmt.Errorf("store: revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.appendAudit(ctx, tx, AuditEntry{At: now, Actor: by, Action: "token_revoked", Entity: "token", EntityID: fmt.Sprint(id), Detail: "{}"})
	})
}

// TokenByHash returns the live token with this hash; ErrNotFound if none.
// A token is live until revoked, and, when it is a person's, while they are
// in the force on asOf: a supervisor who leaves loses their inbox with
// their post.
func (s *Store) TokenByHash(ctx context.Context, hash string, asOf civil.Date) (Token, error) {
	var t Token
	err := s.db.GetContext(ctx, &t, `SELECT id, name, role, employee_id, created_at, created_by, revoked_at, last_used_at
		FROM api_tokens t WHERE token_hash = $1 AND revoked_at IS NULL AND `+s.holderCurrent("t", 2), hash, asOf)
	if isNoRows(err) {
		return t, ErrNotFound
	}
	return t, err
}

// PersonIsCurrent reports whether the person is in the force on asOf.
func (s *Store) PersonIsCurrent(ctx context.Context, id string, asOf civil.Date) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM people WHERE employee_id = $1 AND start_date <= `+s.date(2)+`
		AND (end_date IS NULL OR end_date > `+s.date(2)+`)`, id, asOf)
	if err != nil {
		return false, fmt.Errorf("store: person: %w", err)
	}
	return n > 0, nil
}

// FirstSupervisor returns the lowest employee id of a first-line manager:
// someone who supervises people who supervise nobody, for the demo's
// sign-in (a small team, not a whole command).
func (s *Store) FirstSupervisor(ctx context.Context) (string, error) {
	var id sql.NullString
	err := s.db.GetContext(ctx, &id, `SELECT MIN(p.supervisor_id) FROM people p
		WHERE p.supervisor_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM people q WHERE q.supervisor_id = p.employee_id)
		AND NOT EXISTS (SELECT 1 FROM people r JOIN people rr ON rr.supervisor_id = r.employee_id WHERE r.supervisor_id = p.supervisor_id)`)
	if err != nil || !id.Valid {
		return "", ErrNotFound
	}
	return id.String, nil
}

// holderCurrent is the condition that the token t (its alias) is no
// person's, or its person is in the force on the date that is placeholder
// n: started (a start date moved later suspends the token), and not left.
func (s *Store) holderCurrent(t string, n int) string {
	return `(` + t + `.employee_id IS NULL OR EXISTS (SELECT 1 FROM people h WHERE h.employee_id = ` + t + `.employee_id
		AND h.start_date <= ` + s.date(n) + ` AND (h.end_date IS NULL OR h.end_date > ` + s.date(n) + `)))`
}
