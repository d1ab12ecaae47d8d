package store

import (
	"context"
	"fmt"
	"time"

	"vettingd/civil"
)

// MetricsSnapshot is what the database says of the reviews and the outbox at
// one moment, counted for monitoring. The counts come from the tables, not
// from one process's memory, so they hold across restarts and across
// several daemons sharing a database.
type MetricsSnapshot struct {
	Reviews       []ReviewCount  // every review, by kind and status
	Overdue       map[string]int // open or acknowledged reviews due before the as-of date, by kind
	Messages      []MessageCount // outbox messages, by channel and status
	ItemsWaiting  int            // outbox items not yet gathered into a message
	OldestPending *time.Time     // when the oldest pending message was queued; nil when none is
}

// ReviewCount is how many reviews of one kind are in one status.
type ReviewCount struct {
	Kind   string `db:"kind"`
	Status string `db:"status"`
	N      int    `db:"n"`
}

// MessageCount is how many outbox messages on one channel are in one status.
type MessageCount struct {
	Channel string `db:"channel"`
	Status  string `db:"status"`
	N       int    `db:"n"`
}

// PendingMessages returns how many messages wait for delivery, on every channel.
func (m MetricsSnapshot) PendingMessages() int {
	n := 0
	for _, c := range m.Messages {
		if c.Status == "pending" {
			n += c.N
		}
	}
	return n
}

// MetricsSnapshot counts reviews and outbox messages with a few grouped
// queries, whatever the size of the tables. A review is overdue when it is
// open or acknowledged and due before asOf. The queries run outside a
// transaction: on SQLite a transaction here would take the write lock, and a
// scrape must not hold up the planner; the counts may therefore straddle a
// concurrent write, which a gauge tolerates.
func (s *Store) MetricsSnapshot(ctx context.Context, asOf civil.Date) (MetricsSnapshot, error) {
	var m MetricsSnapshot
	var err error
	if m.Reviews, m.Overdue, err = s.reviewCounts(ctx, asOf); err != nil {
		return m, err
	}
	if err := s.db.SelectContext(ctx, &m.Messages, `SELECT channel, status, COUNT(*) AS n FROM messages
		GROUP BY channel, status ORDER BY channel, status`); err != nil {
		return m, fmt.Errorf("store: metrics: messages: %w", err)
	}
	if err := s.db.GetContext(ctx, &m.ItemsWaiting, `SELECT COUNT(*) FROM notifications WHERE state = 'pending'`); err != nil {
		return m, fmt.Errorf("store: metrics: outbox items: %w", err)
	}
	m.OldestPending, err = s.oldestPending(ctx)
	return m, err
}

// reviewCounts reads the reviews once, counting each (kind, status) and,
// of those, the overdue ones.
func (s *Store) reviewCounts(ctx context.Context, asOf civil.Date) ([]ReviewCount, map[string]int, error) {
	var rows []struct {
		ReviewCount
		Overdue int `db:"overdue"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT kind, status, COUNT(*) AS n,
		SUM(CASE WHEN status IN ('open', 'acknowledged') AND due_on < `+s.date(1)+` THEN 1 ELSE 0 END) AS overdue
		FROM reviews GROUP BY kind, status ORDER BY kind, status`, asOf)
	if err != nil {
		return nil, nil, fmt.Errorf("store: metrics: reviews: %w", err)
	}
	counts, overdue := make([]ReviewCount, len(rows)), map[string]int{}
	for i, r := range rows {
		counts[i] = r.ReviewCount
		if r.Overdue > 0 {
			overdue[r.Kind] += r.Overdue
		}
	}
	return counts, overdue, nil
}

// oldestPending returns when the oldest pending message was queued. It
// orders rather than takes MIN: SQLite's driver returns an aggregate of a
// TIMESTAMP column as text, not as a time.
func (s *Store) oldestPending(ctx context.Context) (*time.Time, error) {
	var oldest []time.Time
	if err := s.db.SelectContext(ctx, &oldest, `SELECT created_at FROM messages WHERE status = 'pending'
		ORDER BY created_at LIMIT 1`); err != nil {
		return nil, fmt.Errorf("store: metrics: oldest pending message: %w", err)
	}
	if len(oldest) == 0 {
		return nil, nil
	}
	return &oldest[0], nil
}
