package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"
	"vettingd/civil"

	"github.com/jmoiron/sqlx"
)

// CreateSession signs a browser in with a live token: it returns the
// session's cookie value and its CSRF token. Only a hash of the cookie is
// stored.
func (s *Store) CreateSession(ctx context.Context, t Token, ttl time.Duration, from string) (cookie, csrf string, err error) {
	cookie, csrf = randomText(), randomText()
	now := time.Now().UTC().Truncate(time.Microsecond)
	err = s.WithTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE expires_at < $1`, now); err != nil {
			return fmt.Errorf("store: sessions: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO web_sessions (id_hash, token_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			HashToken(cookie), t.ID, csrf, now, now.Add(ttl))
		if err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		return s.appendAudit(ctx, tx, AuditEntry{At: now, Actor: fmt.Sprintf("web:token %d from %s", t.ID, from), Action: "signed_in",
			Entity: "token", EntityID: fmt.Sprint(t.ID), Detail: "{}"})
	})
	return cookie, csrf, err
}

// Session returns the live token behind a session cookie, and the
// session's CSRF token; ErrNotFound when the session is unknown, expired,
// or its token revoked.
func (s *Store) Session(ctx context.Context, cookie string, asOf civil.Date) (Token, string, error) {
	var row struct {
		Token
		CSRF string `db:"csrf"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT t.id, t.name, t.role, t.employee_id, t.created_at, t.created_by, t.revoked_at, t.last_used_at, w.csrf
		FROM web_sessions w JOIN api_tokens t ON t.id = w.token_id
		WHERE w.id_hash = $1 AND w.expires_at > $2 AND t.revoked_at IS NULL AND `+s.holderCurrent("t", 3), HashToken(cookie), time.Now().UTC(), asOf)
	if isNoRows(err) {
		return Token{}, "", ErrNotFound
	}
	if err != nil {
		return Token{}, "", fmt.Errorf("store: session: %w", err)
	}
	return row.Token, row.CSRF, nil
}

// EndSession signs a browser out.
func (s *Store) EndSession(ctx context.Context, cookie string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM web_sessions WHERE id_hash = $1`, HashToken(cookie)); err != nil {
		return fmt.Errorf("store: end session: %w", err)
	}
	return nil
}

func randomText() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
