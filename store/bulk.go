package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Bulk loads on PostgreSQL. Each row written to a table costs an insertion
// into every index and a trigger per foreign key: a national first plan's
// 690,000 reviews took 14 s to COPY with them all in place, 2.6 s with the
// primary key alone. When a load writes more rows than the table holds,
// building each index afresh afterwards (one sort) and checking each
// foreign key with one join is much cheaper, as PostgreSQL's own advice on
// populating a database says. It takes the table, and the tables its keys
// refer to, exclusively until the transaction ends, so it is kept for the
// loads that fill a table: a first import, a first plan.

// bulkRows is the fewest rows a bulk load is worth (a variable for the
// tests).
var bulkRows = 50000

// bulkLockWait is how long a bulk load waits for its tables before it
// gives up and loads row by row instead: whoever holds them would wait for
// the whole load behind it. It is longer than PostgreSQL's deadlock_timeout
// (1 s by default), at which a waiter has an autovacuum in its way
// cancelled, so that one (likely, just after a big import) does not make
// the load give up. (A variable for the tests.)
var bulkLockWait = 3 * time.Second

// suspended is what suspendChecks dropped from a table, to put back.
type suspended struct {
	table   string
	indexes []string // CREATE INDEX statements
	keys    []string // ADD CONSTRAINT clauses
}

// bulkWorth reports whether loading rows into table is worth suspending its
// checks: they are many, and at least as many as it holds.
func (s *Store) bulkWorth(ctx context.Context, tx *sqlx.Tx, table string, rows int) (bool, error) {
	if s.dialect != Postgres || rows < bulkRows {
		return false, nil
	}
	var held int
	err := tx.GetContext(ctx, &held, `SELECT COUNT(*) FROM (SELECT 1 FROM `+table+` LIMIT $1) AS t`, rows)
	if err != nil {
		return false, fmt.Errorf("store: %s: %w", table, err)
	}
	return held < rows, nil
}

// suspendChecks drops table's foreign keys, and its valid indexes that no
// constraint rests on (but its unique ones, with keepUnique: an INSERT …
// ON CONFLICT needs them), for a bulk load in tx; restore puts them back,
// each key checked and each unique index built over every row. It locks
// the table, the tables its keys refer to, and alsoLock (tables the same
// transaction will bulk-load next: all are had at once, or none). It
// returns nil, having changed nothing, when the role does not own the
// table, or the tables cannot be had within bulkLockWait.
func (s *Store) suspendChecks(ctx context.Context, tx *sqlx.Tx, table string, keepUnique bool, alsoLock ...string) (*suspended, error) {
	if s.dialect != Postgres {
		return nil, nil
	}
	fail := func(err error) (*suspended, error) { return nil, fmt.Errorf("store: bulk load %s: %w", table, err) }
	var owner bool
	if err := tx.GetContext(ctx, &owner, `SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = $1::regclass`, table); err != nil {
		return fail(err)
	}
	if !owner { // it may not drop anything: no use waiting for locks
		return nil, nil
	}
	sp := &suspended{table: table}
	var keys []struct {
		Name string `db:"name"`
		Def  string `db:"def"`
		Ref  string `db:"ref"`
	}
	err := tx.SelectContext(ctx, &keys, `SELECT quote_ident(conname) AS name, pg_get_constraintdef(oid) AS def, confrelid::regclass::text AS ref
		FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f' ORDER BY conname`, table)
	if err != nil {
		return fail(err)
	}
	var indexes []struct {
		Name string `db:"name"`
		Def  string `db:"def"`
	}
	err = tx.SelectContext(ctx, &indexes, `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = $1::regclass AND i.indisvalid AND i.indisready
			AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) AND NOT (i.indisunique AND $2)
		ORDER BY c.relname`, table, keepUnique)
	if err != nil {
		return fail(err)
	}
	if len(keys)+len(indexes) == 0 {
		return nil, nil
	}
	lock := append([]string{table}, alsoLock...)
	var drops []string
	for _, k := range keys {
		sp.keys = append(sp.keys, "ADD CONSTRAINT "+k.Name+" "+k.Def)
		drops = append(drops, `ALTER TABLE `+table+` DROP CONSTRAINT `+k.Name)
		lock = append(lock, k.Ref)
	}
	if len(indexes) > 0 {
		var names []string
		for _, ix := range indexes {
			names = append(names, ix.Name)
			sp.indexes = append(sp.indexes, ix.Def)
		}
		drops = append(drops, `DROP INDEX `+strings.Join(names, ", "))
	}
	// Dropping a key locks the table it refers to as well. Whoever holds
	// one of them now would wait for the whole load, and might be waiting
	// for this transaction already: then load row by row, as usual.
	if _, err := tx.ExecContext(ctx, `SAVEPOINT bulk_load`); err != nil {
		return fail(err)
	}
	if err := lockAndDrop(ctx, tx, lock, drops); err != nil {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT bulk_load`); err != nil {
			return fail(err)
		}
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT bulk_load`); err != nil {
		return fail(err)
	}
	return sp, nil
}

// lockAndDrop locks the tables, waiting at most bulkLockWait, then runs the
// drops.
func lockAndDrop(ctx context.Context, tx *sqlx.Tx, tables, drops []string) error {
	var wait string
	if err := tx.GetContext(ctx, &wait, `SELECT current_setting('lock_timeout')`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`SET LOCAL lock_timeout = '%dms'`, bulkLockWait.Milliseconds())); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `LOCK TABLE `+strings.Join(tables, ", ")+` IN ACCESS EXCLUSIVE MODE`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `SELECT set_config('lock_timeout', $1, true)`, wait); err != nil {
		return err
	}
	for _, d := range drops {
		if _, err := tx.ExecContext(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// restore builds the indexes again and adds the keys back, checking every
// row; nil restores nothing.
func (sp *suspended) restore(ctx context.Context, tx *sqlx.Tx) error {
	if sp == nil {
		return nil
	}
	// An index over a national table sorts more than the default 64 MB.
	if _, err := tx.ExecContext(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
		return fmt.Errorf("store: bulk load %s: %w", sp.table, err)
	}
	for _, ddl := range sp.indexes {
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("store: bulk load %s: %w", sp.table, err)
		}
	}
	if len(sp.keys) > 0 {
		if _, err := tx.ExecContext(ctx, `ALTER TABLE `+sp.table+` `+strings.Join(sp.keys, ", ")); err != nil {
			return fmt.Errorf("store: bulk load %s: %w", sp.table, err)
		}
	}
	return nil
}
