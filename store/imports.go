package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"vettingd/civil"
)

// ColumnType is the type of a staged column.
type ColumnType int

// Column types of staged rows.
const (
	Text ColumnType = iota
	Date
	Bool
	Int
)

// Column is one column of an import table.
type Column struct {
	Name string
	Type ColumnType
}

// ImportTable describes the table an import writes: its key and the columns
// a file supplies. Columns includes the key.
type ImportTable struct {
	Table   string
	Key     string
	Columns []Column
}

// importTables lists the tables an import may write, so that no name from
// outside this package reaches SQL unchecked.
var importTables = map[string]string{
	"posts": "post_id", "people": "employee_id", "clearances": "clearance_ref",
	"misconduct_outcomes": "case_ref", "circumstances_reports": "report_ref",
	"adverse_records": "intel_ref", "business_interests": "interest_ref", "associations": "association_ref",
}

// RefTarget says what a reference column must name.
type RefTarget int

// Reference targets.
const (
	RefPerson         RefTarget = iota // a person already in the database
	RefPersonOrStaged                  // a person in the database or in this file
	RefOpenPost                        // a post that is not closed, or any post for a leaver
)

// Ref is a column whose value must name an existing row.
type Ref struct {
	Column string
	Target RefTarget
}

// Problem is a staged row that breaks a rule only the whole file and the
// database can tell: a duplicate key, a dangling reference, a cycle.
type Problem struct {
	Line   int
	Column string
	Value  string
	Other  int // for a duplicate, the line of the first occurrence
}

// Diff counts what applying the staged rows would change.
type Diff struct {
	Rows, Created, Updated, Unchanged int
	Joiners, Movers, Leavers          int
	Closed                            int // posts a snapshot would close; Updated counts them too
	Current                           int // rows current before the import: people not left, posts not closed
	Absent                            int // current rows a snapshot would end (people) or close (posts)
}

// ImportRun records an applied import.
type ImportRun struct {
	Kind, Mode, FileName, SHA256, Actor string
	AsOf                                civil.Date
	Forced                              bool
}

// ImportTx stages the rows of one file in a temporary table inside one
// transaction, checks them against each other and the database, and merges
// them set-based. Nothing is visible to others until Commit; Rollback leaves
// the database exactly as before.
type ImportTx struct {
	s     *Store
	conn  *sqlx.Conn // the transaction's own connection, for COPY; nil on SQLite
	tx    *sqlx.Tx
	t     ImportTable
	rows  int
	add   func(vals []any) error
	flush func() error
	// abort ends a COPY still under way, which must be over before the
	// transaction can roll back (lib/pq reads the connection meanwhile).
	abort func()
	now   time.Time
	turn  bool // WaitTurn has taken the planning lock
}

const stage = "import_stage"

// WaitTurn takes the planning lock for the rest of the import, once its
// file is staged (a file still arriving, on a slow pipe, holds up nobody)
// and before it reads what is stored: a delta keeps the stored values of
// the columns its file lacks, and must read them after any other import
// (or plan) that changes them has committed, not before, or it would write
// the old values back. So imports, plans, acknowledgements and completions
// queue behind one another.
func (it *ImportTx) WaitTurn(ctx context.Context) error {
	if err := it.s.planLock(ctx, it.tx); err != nil {
		return err
	}
	it.turn = true
	return nil
}

// BeginImport opens the transaction and the staging table for t.
func (s *Store) BeginImport(ctx context.Context, t ImportTable) (*ImportTx, error) {
	if key, ok := importTables[t.Table]; !ok || key != t.Key {
		return nil, fmt.Errorf("store: %s is not an import table", t.Table)
	}
	// Cancelling ctx stops the import's statements; the transaction itself
	// is rolled back by Rollback, after any COPY under way has ended, not by
	// database/sql the moment ctx ends: that rollback would use the
	// connection while lib/pq's COPY still reads from it (a data race).
	conn, tx, err := s.beginOwn(context.WithoutCancel(ctx))
	if err != nil {
		return nil, fmt.Errorf("store: begin import: %w", err)
	}
	it := &ImportTx{s: s, conn: conn, tx: tx, t: t, now: time.Now().UTC().Truncate(time.Microsecond)}
	if err := s.localSettings(ctx, tx); err != nil {
		it.Rollback()
		return nil, err
	}
	if err := it.roomForStage(ctx); err != nil {
		it.Rollback()
		return nil, err
	}
	if s.dialect == SQLite {
		// The planner's 64 MiB page cache buys an import nothing (it
		// streams, and sorts for its indexes in as much memory again):
		// 16 MiB halves a national import's peak, 200 MB → 100 MB, at the
		// same speed. Commit and Rollback give the planner its cache back.
		if _, err := tx.ExecContext(ctx, "PRAGMA cache_size = "+importCacheSize); err != nil {
			it.Rollback()
			return nil, fmt.Errorf("store: import cache: %w", err)
		}
	}
	if err := it.createStage(ctx); err != nil {
		it.Rollback()
		return nil, err
	}
	return it, nil
}

// importCacheSize is SQLite's page cache during an import, in KiB.
const importCacheSize = "-16384"

// stageBuffers is the memory PostgreSQL may give the staging table.
const stageBuffers = "128MB"

// roomForStage lets PostgreSQL keep the staging table in memory: temporary
// tables live in a session's own buffers, 8 MB by default, and a national
// people file (50 MB staged) spilled to disk and was read back by every
// check, the diff and the merge. The setting can only change before a
// session's first temporary table, so on a session that has had one (an
// earlier import over the same pooled connection) it stays as it was.
func (it *ImportTx) roomForStage(ctx context.Context) error {
	if it.s.dialect != Postgres {
		return nil
	}
	if _, err := it.tx.ExecContext(ctx, "SAVEPOINT temp_buffers"); err != nil {
		return fmt.Errorf("store: staging buffers: %w", err)
	}
	if _, err := it.tx.ExecContext(ctx, "SET LOCAL temp_buffers = '"+stageBuffers+"'"); err != nil {
		if _, err := it.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT temp_buffers"); err != nil {
			return fmt.Errorf("store: staging buffers: %w", err)
		}
	}
	if _, err := it.tx.ExecContext(ctx, "RELEASE SAVEPOINT temp_buffers"); err != nil {
		return fmt.Errorf("store: staging buffers: %w", err)
	}
	return nil
}

func (it *ImportTx) createStage(ctx context.Context) error {
	cols := []string{"line INTEGER NOT NULL"}
	for _, c := range it.t.Columns {
		cols = append(cols, c.Name+" "+it.s.sqlType(c.Type))
	}
	ddl := "CREATE TEMP TABLE " + stage + " (" + strings.Join(cols, ", ") + ")"
	if it.s.dialect == Postgres {
		ddl += " ON COMMIT DROP"
	} else if _, err := it.tx.ExecContext(ctx, "DROP TABLE IF EXISTS temp."+stage); err != nil {
		return fmt.Errorf("store: staging table: %w", err)
	}
	if _, err := it.tx.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("store: staging table: %w", err)
	}
	if it.s.dialect == Postgres {
		return it.startCopy(ctx)
	}
	return it.startBatches(ctx)
}

func (s *Store) sqlType(t ColumnType) string {
	pg := s.dialect == Postgres
	switch {
	case t == Date && pg:
		return "DATE"
	case t == Bool && pg:
		return "BOOLEAN"
	case t == Int || t == Bool:
		return "INTEGER"
	default:
		return "TEXT"
	}
}

func (it *ImportTx) columnNames() []string {
	names := make([]string, len(it.t.Columns))
	for i, c := range it.t.Columns {
		names[i] = c.Name
	}
	return names
}

// startCopy streams rows into the staging table with COPY FROM STDIN.
func (it *ImportTx) startCopy(ctx context.Context) error {
	// The rows reach the COPY on a goroutine of their own, a batch at a
	// time, while the next lines are read and checked, rather than the two
	// taking turns. The first failure is kept (the rest are drained unsent)
	// and stops the reading at its next row.
	const batchSize = 256
	batches := make(chan [][]any, 8)
	done := make(chan error, 1)
	var failed atomic.Pointer[error]
	var stopped atomic.Bool // aborted: what is queued is dropped
	go func() {
		err := copyIn(ctx, it.conn, stage, "line, "+strings.Join(it.columnNames(), ", "), func(add func([]any) error) error {
			var err error
			for b := range batches {
				for _, row := range b {
					if err != nil || stopped.Load() {
						break
					}
					// An error here is not the row's: what the server
					// refuses arrives with a later chunk.
					err = add(row)
				}
				if err != nil {
					failed.Store(&err) // err is not written again
				}
			}
			return err
		})
		if err != nil {
			failed.CompareAndSwap(nil, &err)
		}
		for range batches { // what is still queued, when the COPY failed before the feed began or ended
		}
		done <- err
	}()
	batch := make([][]any, 0, batchSize)
	open := true
	finish := func() error {
		if !open {
			return nil
		}
		open = false
		if len(batch) > 0 {
			batches <- batch
		}
		close(batches)
		return <-done
	}
	it.add = func(vals []any) error {
		if err := failed.Load(); err != nil {
			return *err
		}
		if batch = append(batch, vals); len(batch) == batchSize {
			batches <- batch
			batch = make([][]any, 0, batchSize)
		}
		return nil
	}
	it.flush = finish
	it.abort = func() {
		stopped.Store(true)
		_ = finish()
	}
	return nil
}

// startBatches stages rows on SQLite with prepared multi-row INSERTs.
func (it *ImportTx) startBatches(ctx context.Context) error {
	width := len(it.t.Columns) + 1
	prefix := "INSERT INTO " + stage + " (line, " + strings.Join(it.columnNames(), ", ") + ") VALUES "
	insert := func(n int) string { return prefix + it.s.valuesList(n, width) }
	full, err := it.tx.PrepareContext(ctx, insert(batchRows))
	if err != nil {
		return fmt.Errorf("store: staging insert: %w", err)
	}
	buf := make([]any, 0, batchRows*width)
	it.add = func(vals []any) error {
		buf = append(buf, vals...)
		if len(buf) < cap(buf) {
			return nil
		}
		_, err := full.ExecContext(ctx, buf...)
		buf = buf[:0]
		return err
	}
	it.flush = func() error {
		defer full.Close()
		if len(buf) == 0 {
			return nil
		}
		_, err := it.tx.ExecContext(ctx, insert(len(buf)/width), buf...)
		return err
	}
	return nil
}

// Add stages one row: its line in the file, then one value per column of
// the table (nil for not given).
func (it *ImportTx) Add(line int, vals []any) error {
	row := make([]any, 0, len(vals)+1)
	row = append(row, line)
	for _, v := range vals {
		if d, ok := v.(civil.Date); ok {
			v, _ = d.Value()
		}
		row = append(row, v)
	}
	it.rows++
	if err := it.add(row); err != nil {
		return fmt.Errorf("store: staging: %w", err)
	}
	return nil
}

// EndStaging flushes the staged rows and indexes them for the checks.
func (it *ImportTx) EndStaging(ctx context.Context) error {
	if err := it.flush(); err != nil {
		return fmt.Errorf("store: staging: %w", err)
	}
	it.abort = nil
	stmts := []string{"CREATE INDEX import_stage_key ON " + stage + " (" + it.t.Key + ")"}
	if it.t.Table == "people" {
		stmts = append(stmts, "CREATE INDEX import_stage_supervisor ON "+stage+" (supervisor_id)")
	}
	if it.s.dialect == Postgres {
		// Temporary tables are never analysed automatically, and without
		// statistics the planner picks poor joins for the checks.
		stmts = append(stmts, "ANALYZE "+stage+" ("+strings.Join(it.joinColumns(), ", ")+")")
	}
	for _, q := range stmts {
		if _, err := it.tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: staging index: %w", err)
		}
	}
	return nil
}

// joinColumns are the staged columns the checks join on: the key and the references.
func (it *ImportTx) joinColumns() []string {
	cols := []string{it.t.Key}
	for _, c := range it.t.Columns {
		if c.Name != it.t.Key && strings.HasSuffix(c.Name, "_id") {
			cols = append(cols, c.Name)
		}
	}
	return cols
}

// Duplicates returns every staged row whose key appeared on an earlier line.
func (it *ImportTx) Duplicates(ctx context.Context) ([]Problem, error) {
	k := it.t.Key
	q := `SELECT s.line, s.` + k + `, f.first FROM ` + stage + ` s
		JOIN (SELECT ` + k + ` AS k, MIN(line) AS first FROM ` + stage + ` GROUP BY ` + k + ` HAVING COUNT(*) > 1) f
		ON f.k = s.` + k + ` WHERE s.line > f.first ORDER BY s.line`
	return it.problems(ctx, q, k, true)
}

// MissingRefs returns every staged row whose reference names no row. A
// person who has left by asOf may be in a post closed since.
func (it *ImportTx) MissingRefs(ctx context.Context, refs []Ref, asOf civil.Date) ([]Problem, error) {
	var all []Problem
	for _, r := range refs {
		var exists string
		var args []any
		inStage := `EXISTS (SELECT 1 FROM ` + stage + ` x WHERE x.` + it.t.Key + ` = s.` + r.Column + `)`
		inPeople := `EXISTS (SELECT 1 FROM people p WHERE p.employee_id = s.` + r.Column + `)`
		switch r.Target {
		case RefPerson:
			exists = inPeople
		case RefPersonOrStaged:
			exists = "(" + inPeople + " OR " + inStage + ")"
		case RefOpenPost:
			exists = `EXISTS (SELECT 1 FROM posts p WHERE p.post_id = s.` + r.Column + ` AND (p.closed_on IS NULL
				OR (s.end_date IS NOT NULL AND s.end_date <= ` + it.s.date(1) + `)))`
			args = append(args, asOf)
		}
		q := `SELECT s.line, s.` + r.Column + `, 0 FROM ` + stage + ` s
			WHERE s.` + r.Column + ` IS NOT NULL AND NOT ` + exists + ` ORDER BY s.line`
		ps, err := it.problems(ctx, q, r.Column, false, args...)
		if err != nil {
			return nil, err
		}
		all = append(all, ps...)
	}
	return all, nil
}

// maxChain bounds a walk up a supervisor chain; real chains are a dozen deep.
const maxChain = 100

// SupervisorCycles returns the staged people on a circle of supervisors, as
// the chain would be after the import: following supervisors up from them
// comes back to them. Those beneath a circle are not named (their lines are
// not at fault; the circle's are), unless a chain too long to follow hides
// where the circle is. A self-supervisor is reported on its own and left
// out here.
func (it *ImportTx) SupervisorCycles(ctx context.Context, snapshot bool, asOf civil.Date) ([]Problem, error) {
	if snapshot {
		// Almost every file is a tree: counting whom the peel reaches is
		// much cheaper than naming whom it does not (PostgreSQL cannot
		// estimate a recursive query's size, and joined the peel with the
		// file in hundreds of batches on disk), so name them only when
		// someone is missed.
		var reached, staged int
		err := it.hashJoins(ctx, func() error { return it.tx.QueryRowContext(ctx, countReached).Scan(&reached, &staged) })
		if err != nil {
			return nil, fmt.Errorf("store: check supervisor_id: %w", err)
		}
		if reached == staged {
			return nil, nil
		}
		return it.onCircles(ctx)
	}
	return it.problems(ctx, strings.ReplaceAll(cyclesWithDatabase, "{as_of}", it.s.date(1)), "supervisor_id", false, asOf)
}

// reachedFromRoots peels the file's tree from its roots (whose supervisor
// the file does not list) down, each person once: a person on or under a
// circle is never reached, and UNION reaches a person the file lists twice
// once (with UNION ALL, a chain of managers each listed twice would be
// walked 2^depth times).
const reachedFromRoots = `WITH RECURSIVE reached(id) AS (
		SELECT s.employee_id FROM ` + stage + ` s LEFT JOIN ` + stage + ` x ON x.employee_id = s.supervisor_id WHERE x.employee_id IS NULL
		UNION
		SELECT s.employee_id FROM reached r JOIN ` + stage + ` s ON s.supervisor_id = r.id
	)`

// countReached counts the people the peel reaches, and those in the file:
// equal when nobody hangs from a circle (or supervises themself).
const countReached = reachedFromRoots + `
	SELECT (SELECT COUNT(*) FROM reached), (SELECT COUNT(DISTINCT employee_id) FROM ` + stage + `)`

// hangingInFile lists whom the peel of the file's tree does not reach:
// they are on a circle, or beneath one.
const hangingInFile = reachedFromRoots + `
	SELECT s.line, s.employee_id, s.supervisor_id FROM ` + stage + ` s LEFT JOIN reached r ON r.id = s.employee_id
	WHERE r.id IS NULL AND s.supervisor_id <> s.employee_id ORDER BY s.line`

// hashJoins runs read, a query of the peel, with PostgreSQL told to join
// by hashing: each step of the peel joins the people it reached with the
// file, and PostgreSQL, which cannot tell how many a step reaches, looked
// each one's reports up through the index, 0.9 s for a national file in
// order of the hierarchy's ids and 2.6 s for one whose managers' ids are
// spread; hashed, 0.75 s for either.
func (it *ImportTx) hashJoins(ctx context.Context, read func() error) error {
	return it.withSettings(ctx, read, "enable_nestloop", "off", "enable_mergejoin", "off")
}

// withSettings runs fn with PostgreSQL's settings named in pairs (name,
// value) set, and puts back the values they had, so that nothing else in
// the import's transaction runs with them. On SQLite it just runs fn.
func (it *ImportTx) withSettings(ctx context.Context, fn func() error, pairs ...string) error {
	if it.s.dialect != Postgres {
		return fn()
	}
	set := func(name, value string) error {
		_, err := it.tx.ExecContext(ctx, `SELECT set_config($1, $2, true)`, name, value)
		return err
	}
	was := make([]string, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := it.tx.GetContext(ctx, &was[i/2], `SELECT current_setting($1)`, pairs[i]); err != nil {
			return err
		}
		if err := set(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	if err := fn(); err != nil {
		return err // the import is rolled back
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := set(pairs[i], was[i/2]); err != nil {
			return err
		}
	}
	return nil
}

// onCircles names, of the people the peel of the file's tree does not
// reach, those on a circle. Each is visited once (a walk up that meets its
// own path has found a circle; one that meets an earlier walk's has not),
// so a file that is one great circle costs no more than a small one.
func (it *ImportTx) onCircles(ctx context.Context) ([]Problem, error) {
	var hanging []struct {
		Line       int    `db:"line"`
		ID         string `db:"employee_id"`
		Supervisor string `db:"supervisor_id"`
	}
	if err := it.hashJoins(ctx, func() error { return it.tx.SelectContext(ctx, &hanging, hangingInFile) }); err != nil {
		return nil, fmt.Errorf("store: check supervisor_id: %w", err)
	}
	above := make(map[string]string, len(hanging))
	for _, h := range hanging {
		above[h.ID] = h.Supervisor
	}
	const onPath, done = 1, 2
	state := make(map[string]int8, len(hanging))
	circle := map[string]bool{}
	for _, h := range hanging {
		var path []string
		id := h.ID
		for state[id] == 0 {
			next, ok := above[id]
			if !ok { // under a self-supervisor, reported on its own
				break
			}
			state[id] = onPath
			path = append(path, id)
			id = next
		}
		if state[id] == onPath { // back on this walk's path: from id on, a circle
			for i := len(path) - 1; i >= 0; i-- {
				circle[path[i]] = true
				if path[i] == id {
					break
				}
			}
		}
		for _, p := range path {
			state[p] = done
		}
	}
	var out []Problem
	for _, h := range hanging {
		if circle[h.ID] {
			out = append(out, Problem{Line: h.Line, Column: "supervisor_id", Value: h.Supervisor})
		}
	}
	return out, nil
}

// cyclesWithDatabase walks up from each staged person, following the file
// where it names the supervisor and the database elsewhere: only a staged
// edge can close a circle, and a delta is usually small. (UNION, as in the
// peel, keeps a person the file lists twice from doubling the walk.) The
// walk stops at a stored person who has left by the import's date ($1): a
// leaver's line to a supervisor is dead (a snapshot may leave out a
// supervisor whose own stored supervisor is in the file).
var cyclesWithDatabase = `WITH RECURSIVE walk(start, cur, depth) AS (
		SELECT employee_id, supervisor_id, 1 FROM ` + stage + ` WHERE supervisor_id <> employee_id
		UNION
		SELECT w.start, CASE WHEN s.employee_id IS NOT NULL THEN s.supervisor_id ELSE p.supervisor_id END, w.depth + 1
		FROM walk w LEFT JOIN ` + stage + ` s ON s.employee_id = w.cur LEFT JOIN people p ON p.employee_id = w.cur
		WHERE w.cur <> w.start AND w.depth < ` + fmt.Sprint(maxChain) + `
			AND (s.employee_id IS NOT NULL OR p.end_date IS NULL OR p.end_date > {as_of})
	)
	SELECT DISTINCT s.line, s.supervisor_id, 0 FROM walk w JOIN ` + stage + ` s ON s.employee_id = w.start
	WHERE w.cur = w.start OR (w.depth = ` + fmt.Sprint(maxChain) + ` AND NOT EXISTS (SELECT 1 FROM walk c WHERE c.cur = c.start))
	ORDER BY s.line`

func (it *ImportTx) problems(ctx context.Context, q, column string, withOther bool, args ...any) ([]Problem, error) {
	rows, err := it.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: check %s: %w", column, err)
	}
	defer rows.Close()
	var out []Problem
	for rows.Next() {
		p := Problem{Column: column}
		var v sql.NullString
		if err := rows.Scan(&p.Line, &v, &p.Other); err != nil {
			return nil, fmt.Errorf("store: check %s: %w", column, err)
		}
		p.Value = v.String
		out = append(out, p)
	}
	return out, rows.Err()
}

// KeepStored sets the named staged columns of every row that is already
// stored to its stored values, so that a delta file without those columns
// leaves them as they are (and Diff counts a row restated with fewer
// columns as unchanged). Rows not yet stored keep their staged defaults.
func (it *ImportTx) KeepStored(ctx context.Context, columns []string) error {
	if len(columns) == 0 {
		return nil
	}
	sets := make([]string, len(columns))
	for i, c := range columns {
		if it.columnType(c) < 0 {
			return fmt.Errorf("store: keep stored: %s has no column %s", it.t.Table, c)
		}
		sets[i] = c + " = t." + c
	}
	q := `UPDATE ` + stage + ` SET ` + strings.Join(sets, ", ") + ` FROM ` + it.t.Table + ` t
		WHERE t.` + it.t.Key + ` = ` + stage + `.` + it.t.Key
	if _, err := it.tx.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("store: keep stored %s: %w", it.t.Table, err)
	}
	return nil
}

// KeepDecided gives the staged rows whose column still says undecided
// the stored decision, column and the columns with it, where one is
// stored: a decision recorded in vettingd (an assessment written on a
// report when its review was completed) is not undone by the next routine
// export, made before it, which still says undecided. It returns how many
// rows keep a stored decision.
func (it *ImportTx) KeepDecided(ctx context.Context, column, undecided string, with []string) (int, error) {
	cols := append([]string{column}, with...)
	sets := make([]string, len(cols))
	for i, c := range cols {
		if it.columnType(c) < 0 {
			return 0, fmt.Errorf("store: keep decided: %s has no column %s", it.t.Table, c)
		}
		sets[i] = c + " = t." + c
	}
	q := `UPDATE ` + stage + ` SET ` + strings.Join(sets, ", ") + ` FROM ` + it.t.Table + ` t
		WHERE t.` + it.t.Key + ` = ` + stage + `.` + it.t.Key + ` AND ` + stage + `.` + column + ` = $1 AND t.` + column + ` <> $1`
	res, err := it.tx.ExecContext(ctx, q, undecided)
	if err != nil {
		return 0, fmt.Errorf("store: keep decided %s: %w", it.t.Table, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// columnType returns the type of a staged column, or -1 if there is none.
func (it *ImportTx) columnType(name string) ColumnType {
	for _, c := range it.t.Columns {
		if c.Name == name {
			return c.Type
		}
	}
	return -1
}

// EachStaged calls fn with the line and the values of every staged row, in
// the order of the file: one value per column of the table, as Add took
// them (string, civil.Date, bool or int64), nil where there is none.
func (it *ImportTx) EachStaged(ctx context.Context, fn func(line int, vals []any)) error {
	rows, err := it.tx.QueryContext(ctx, `SELECT line, `+strings.Join(it.columnNames(), ", ")+` FROM `+stage+` ORDER BY line`)
	if err != nil {
		return fmt.Errorf("store: read staged rows: %w", err)
	}
	defer rows.Close()
	raw := make([]any, len(it.t.Columns)+1)
	dest := make([]any, len(raw))
	for i := range raw {
		dest[i] = &raw[i]
	}
	vals := make([]any, len(it.t.Columns))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("store: read staged rows: %w", err)
		}
		for i, c := range it.t.Columns {
			if vals[i], err = stagedValue(c.Type, raw[i+1]); err != nil {
				return fmt.Errorf("store: read staged %s: %w", c.Name, err)
			}
		}
		line, _ := raw[0].(int64)
		fn(int(line), vals)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read staged rows: %w", err)
	}
	return nil
}

// stagedValue turns a value as either driver returns it into the Go type
// of its column: SQLite keeps dates as text and booleans as integers.
func stagedValue(t ColumnType, v any) (any, error) {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch {
	case v == nil:
		return nil, nil
	case t == Date:
		var d civil.Date
		err := d.Scan(v)
		return d, err
	case t == Bool:
		if n, ok := v.(int64); ok {
			return n != 0, nil
		}
	}
	return v, nil
}

// changed is true where a staged row differs from the stored one in any column.
func (it *ImportTx) changed(stored, staged string) string {
	var parts []string
	for _, c := range it.t.Columns {
		if c.Name != it.t.Key {
			parts = append(parts, stored+"."+c.Name+" IS DISTINCT FROM "+staged+"."+c.Name)
		}
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// Diff counts what Apply would change, as of asOf.
func (it *ImportTx) Diff(ctx context.Context, asOf civil.Date, snapshot bool) (Diff, error) {
	k, t := it.t.Key, it.t.Table
	movers, leavers := "0", "0"
	if t == "people" {
		movers = `SUM(CASE WHEN t.employee_id IS NOT NULL AND t.post_id IS DISTINCT FROM s.post_id THEN 1 ELSE 0 END)`
		leavers = `SUM(CASE WHEN t.employee_id IS NOT NULL AND s.end_date IS NOT NULL AND s.end_date <= ` + it.s.date(1) + `
			AND (t.end_date IS NULL OR t.end_date > ` + it.s.date(1) + `) THEN 1 ELSE 0 END)`
	}
	q := `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN t.` + k + ` IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN t.` + k + ` IS NOT NULL AND ` + it.changed("t", "s") + ` THEN 1 ELSE 0 END), 0),
		COALESCE(` + movers + `, 0), COALESCE(` + leavers + `, 0)
		FROM ` + stage + ` s LEFT JOIN ` + t + ` t ON t.` + k + ` = s.` + k
	var args []any
	if t == "people" {
		args = append(args, asOf)
	}
	var d Diff
	err := it.tx.QueryRowxContext(ctx, q, args...).Scan(&d.Rows, &d.Created, &d.Updated, &d.Movers, &d.Leavers)
	if err != nil {
		return d, fmt.Errorf("store: diff: %w", err)
	}
	d.Unchanged = d.Rows - d.Created - d.Updated
	if t == "people" {
		d.Joiners = d.Created
	}
	if !snapshot {
		return d, nil
	}
	return it.snapshotDiff(ctx, asOf, d)
}

// snapshotDiff adds what a snapshot does to the rows it does not list:
// people leave, and posts close (a change to the post, so also counted as
// updated).
func (it *ImportTx) snapshotDiff(ctx context.Context, asOf civil.Date, d Diff) (Diff, error) {
	var err error
	if d.Current, err = it.count(ctx, it.currentWhere(), asOf); err != nil {
		return d, err
	}
	if d.Absent, err = it.count(ctx, it.absentWhere(), asOf); err != nil {
		return d, err
	}
	switch it.t.Table {
	case "people":
		d.Leavers += d.Absent
	case "posts":
		d.Closed = d.Absent
		d.Updated += d.Closed
	}
	return d, nil
}

// currentWhere selects the rows a snapshot keeps or ends: people who have
// not left as of $1, posts that are not closed.
func (it *ImportTx) currentWhere() string {
	if it.t.Table == "people" {
		return "(end_date IS NULL OR end_date > " + it.s.date(1) + ")"
	}
	return "closed_on IS NULL"
}

// HeldPostsClosing counts the people in post on asOf whose post a posts
// snapshot would close, and names up to five of those posts, the most
// held first: the people file must move them before it can be imported.
func (it *ImportTx) HeldPostsClosing(ctx context.Context, asOf civil.Date) (people int, posts []string, err error) {
	if it.t.Table != "posts" {
		return 0, nil, nil
	}
	var rows []struct {
		PostID string `db:"post_id"`
		N      int    `db:"n"`
	}
	err = it.tx.SelectContext(ctx, &rows, `SELECT p.post_id, COUNT(*) AS n FROM people p JOIN posts ON posts.post_id = p.post_id
		WHERE `+it.absentWhere()+` AND (p.end_date IS NULL OR p.end_date > `+it.s.date(1)+`)
		GROUP BY p.post_id ORDER BY COUNT(*) DESC, p.post_id`, asOf)
	if err != nil {
		return 0, nil, fmt.Errorf("store: held posts: %w", err)
	}
	for i, r := range rows {
		people += r.N
		if i < 5 {
			posts = append(posts, r.PostID)
		}
	}
	return people, posts, nil
}

// SupervisorsGone counts, once a people import is applied, the current
// people whose recorded supervisor has left by asOf, and names the five
// leavers most named (with how many name them), of supervisors in all:
// their supervisor reviews go to the vetting unit until HR names a new
// supervisor, which HR should know. Nothing for other kinds.
func (it *ImportTx) SupervisorsGone(ctx context.Context, asOf civil.Date) (people, supervisors int, top []string, err error) {
	if it.t.Table != "people" {
		return 0, 0, nil, nil
	}
	var rows []struct {
		ID string `db:"employee_id"`
		N  int    `db:"n"`
	}
	err = it.tx.SelectContext(ctx, &rows, `SELECT s.employee_id, COUNT(*) AS n FROM people s JOIN people p ON p.supervisor_id = s.employee_id
		WHERE s.end_date <= `+it.s.date(1)+` AND p.start_date <= `+it.s.date(1)+` AND (p.end_date IS NULL OR p.end_date > `+it.s.date(1)+`)
		GROUP BY s.employee_id ORDER BY COUNT(*) DESC, s.employee_id`, asOf)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("store: supervisors gone: %w", err)
	}
	for i, r := range rows {
		people += r.N
		if i < 5 {
			top = append(top, fmt.Sprintf("%s by %d", r.ID, r.N))
		}
	}
	return people, len(rows), top, nil
}

// absentWhere selects current rows that a snapshot does not list.
func (it *ImportTx) absentWhere() string {
	return it.currentWhere() + " AND NOT EXISTS (SELECT 1 FROM " + stage + " s WHERE s." + it.t.Key + " = " + it.t.Table + "." + it.t.Key + ")"
}

// count counts the rows of the import's table that where selects, as of asOf.
func (it *ImportTx) count(ctx context.Context, where string, asOf civil.Date) (int, error) {
	var n int
	var args []any
	if it.t.Table == "people" {
		args = append(args, asOf)
	}
	err := it.tx.QueryRowxContext(ctx, `SELECT COUNT(*) FROM `+it.t.Table+` WHERE `+where, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: snapshot diff: %w", err)
	}
	return n, nil
}

// Apply merges the staged rows (insert new, update changed, leave the rest),
// ends or closes what a snapshot no longer lists, records the run and its
// audit entry, and returns the run's id. It does not commit.
func (it *ImportTx) Apply(ctx context.Context, run ImportRun, snapshot bool, d Diff) (int64, error) {
	if !it.turn {
		return 0, errors.New("store: an import must WaitTurn before it applies")
	}
	// Who the rows concern is forgotten by name, unless they are so many
	// that forgetting everyone is cheaper (a first import, a snapshot that
	// changes much), or nothing changes.
	changes := d.Created + d.Updated
	if snapshot {
		changes += d.Absent
	}
	byName := changes > 0 && changes <= forgetByNameUpTo
	if byName {
		if err := it.forgetImported(ctx, true); err != nil {
			return 0, err
		}
	}
	if err := it.merge(ctx, run.AsOf, d); err != nil {
		return 0, err
	}
	if snapshot && d.Absent > 0 {
		if err := it.endAbsent(ctx, run.AsOf); err != nil {
			return 0, err
		}
	}
	switch {
	case byName:
		if err := it.forgetImported(ctx, false); err != nil {
			return 0, err
		}
	case changes > 0:
		if _, err := it.tx.ExecContext(ctx, `DELETE FROM plan_state`); err != nil {
			return 0, fmt.Errorf("store: forget plan state: %w", err)
		}
	}
	var id int64
	err := it.tx.QueryRowxContext(ctx, `INSERT INTO import_runs
		(kind, mode, file_name, sha256, as_of, actor, applied_at, row_count, created, updated, unchanged, joiners, movers, leavers, forced)
		VALUES ($1, $2, $3, $4, `+it.s.date(5)+`, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		run.Kind, run.Mode, run.FileName, run.SHA256, run.AsOf, run.Actor, it.now,
		d.Rows, d.Created, d.Updated, d.Unchanged, d.Joiners, d.Movers, d.Leavers, run.Forced).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: record import: %w", err)
	}
	detail, _ := json.Marshal(map[string]any{
		"file_name": run.FileName, "sha256": run.SHA256, "mode": run.Mode, "as_of": run.AsOf, "forced": run.Forced,
		"rows": d.Rows, "created": d.Created, "updated": d.Updated, "unchanged": d.Unchanged,
		"joiners": d.Joiners, "movers": d.Movers, "leavers": d.Leavers, "closed": d.Closed,
	})
	err = it.s.appendAudit(ctx, it.tx, AuditEntry{At: it.now, Actor: run.Actor, Action: "import",
		Entity: run.Kind, EntityID: fmt.Sprint(id), Detail: string(detail)})
	return id, err
}

// merge inserts the new rows and updates the changed ones. Diff has
// counted both, so a statement with nothing to do is not run, and when every
// row is new (a first import) none is looked up first.
func (it *ImportTx) merge(ctx context.Context, asOf civil.Date, d Diff) error {
	names := it.columnNames()
	t, k := it.t.Table, it.t.Key
	var sets []string
	for _, n := range names {
		if n != k {
			sets = append(sets, n+" = s."+n)
		}
	}
	// New rows first with a plain INSERT (cheaper than a speculative
	// INSERT … ON CONFLICT per row), so that updates may point at them.
	insert := `INSERT INTO ` + t + ` (` + strings.Join(names, ", ") + `, first_imported_on, updated_at)
		SELECT ` + strings.Join(names, ", ") + `, ` + it.s.date(1) + `, ` + it.s.timestamp(2) + ` FROM ` + stage + ` s`
	if d.Created < d.Rows {
		insert += ` WHERE NOT EXISTS (SELECT 1 FROM ` + t + ` t WHERE t.` + k + ` = s.` + k + `)`
	}
	// On PostgreSQL, in the order the planner reads them: a person's
	// records, and the people, by employee id. A file in another order (by
	// name, by department) laid them out across the table, and the plan, a
	// chunk of ids at a time, then visited most of its pages for every
	// chunk: a national first plan took 25 s, against 17 s. (SQLite, which
	// has an index on the staged ids to read them by, took 4 s longer to
	// store a national people file so.)
	if it.s.dialect == Postgres {
		insert += ` ORDER BY s.` + it.planOrder()
	}
	update := `UPDATE ` + t + ` SET ` + strings.Join(sets, ", ") + `, updated_at = $1 FROM ` + stage + ` s
		WHERE ` + t + `.` + k + ` = s.` + k + ` AND ` + it.changed(t, "s")
	// A first import of a national force is a bulk load: its keys are
	// checked, and its indexes built, once all its rows are in.
	var bulk *suspended
	if ok, err := it.s.bulkWorth(ctx, it.tx, t, d.Created); err != nil {
		return err
	} else if ok {
		if bulk, err = it.s.suspendChecks(ctx, it.tx, t, false); err != nil {
			return err
		}
	}
	if d.Created > 0 {
		// A bulk load is given room to put a national file in order without
		// spilling to disk, for its INSERT only.
		add := func() error {
			_, err := it.tx.ExecContext(ctx, insert, asOf, it.now)
			return err
		}
		var err error
		if bulk != nil {
			err = it.withSettings(ctx, add, "work_mem", "64MB")
		} else {
			err = add()
		}
		if err != nil {
			return fmt.Errorf("store: merge %s: %w", t, err)
		}
	}
	if d.Updated > 0 { // counts closed posts too, so never less than the rows changed
		if _, err := it.tx.ExecContext(ctx, update, it.now); err != nil {
			return fmt.Errorf("store: merge %s: %w", t, err)
		}
	}
	return bulk.restore(ctx, it.tx)
}

// planOrder is the staged column by which the planner reads the table:
// employee_id where it has one, else its key.
func (it *ImportTx) planOrder() string {
	if slices.Contains(it.columnNames(), "employee_id") {
		return "employee_id"
	}
	return it.t.Key
}

// endAbsent makes leavers of the people, or closes the posts, that a
// snapshot no longer lists. A person who had not yet started leaves on
// their start date, so that no end precedes its start.
func (it *ImportTx) endAbsent(ctx context.Context, asOf civil.Date) error {
	var set string
	switch it.t.Table {
	case "people":
		set = "end_date = CASE WHEN start_date > " + it.s.date(1) + " THEN start_date ELSE " + it.s.date(1) + " END"
	case "posts":
		set = "closed_on = " + it.s.date(1)
	default:
		return fmt.Errorf("store: %s has no snapshot mode", it.t.Table)
	}
	q := `UPDATE ` + it.t.Table + ` SET ` + set + `, updated_at = ` + it.s.timestamp(2) + ` WHERE ` + it.absentWhere()
	if _, err := it.tx.ExecContext(ctx, q, asOf, it.now); err != nil {
		return fmt.Errorf("store: snapshot %s: %w", it.t.Table, err)
	}
	return nil
}

// maxAffected bounds the people AffectedPeople lists; past it, a full plan
// is cheaper than planning a list.
const maxAffected = 20000

// forgetByNameUpTo is the most changed rows whose people an import forgets
// by name; past it, it forgets everyone (a variable for the tests).
var forgetByNameUpTo = maxAffected

// AffectedPeople returns the employee ids the staged rows concern, or
// all = true when the import concerns everyone (posts, or very many people).
func (it *ImportTx) AffectedPeople(ctx context.Context) (ids []string, all bool, err error) {
	q := `SELECT DISTINCT employee_id FROM ` + stage
	switch it.t.Table {
	case "posts":
		return nil, true, nil
	case "people": // also whoever they supervise, and whose mitigation plan they own
		if it.rows > maxAffected {
			return nil, true, nil // each staged row is a person (a duplicate rejects the file)
		}
		q += ` UNION SELECT p.employee_id FROM people p JOIN ` + stage + ` s ON p.supervisor_id = s.employee_id
			UNION SELECT c.employee_id FROM clearances c JOIN ` + stage + ` s ON c.mitigation_owner_id = s.employee_id`
	}
	err = it.tx.SelectContext(ctx, &ids, q+` ORDER BY 1 LIMIT `+fmt.Sprint(maxAffected+1))
	if err != nil {
		return nil, false, fmt.Errorf("store: affected people: %w", err)
	}
	if len(ids) > maxAffected {
		return nil, true, nil
	}
	return ids, false, nil
}

// Commit makes the import visible.
func (it *ImportTx) Commit() error {
	if it.s.dialect == SQLite {
		// SQLite keeps a temporary table for the connection's lifetime.
		if _, err := it.tx.Exec("DROP TABLE temp." + stage); err != nil {
			it.Rollback()
			return fmt.Errorf("store: drop staging: %w", err)
		}
	}
	err := it.tx.Commit()
	it.release()
	if err != nil {
		return fmt.Errorf("store: commit import: %w", err)
	}
	if it.s.dialect == SQLite {
		// SQLite plans queries from statistics only ANALYZE gathers: without
		// them it walked every overdue review to plan one person (1.2 s at
		// 310,000 people, against 0.15 s with them). optimize analyses the
		// tables whose size has changed much since, a sample of each; after
		// a small import it does nothing. The import is committed whatever
		// it answers: a failure here costs speed, not data.
		_, _ = it.s.db.Exec("PRAGMA optimize=0x10002")
	}
	it.restoreCache()
	return nil
}

// restoreCache gives SQLite's connection back the planner's page cache.
func (it *ImportTx) restoreCache() {
	if it.s.dialect == SQLite {
		_, _ = it.s.db.Exec("PRAGMA cache_size = " + sqliteCacheSize) // only speed is at stake
	}
}

// Rollback discards everything staged and written; safe after Commit, and
// while rows are still being staged (an import that stopped midway).
func (it *ImportTx) Rollback() {
	if it.abort != nil {
		it.abort()
		it.abort = nil
	}
	if it.tx.Rollback() == nil {
		it.restoreCache()
	}
	it.release()
}

// release gives the transaction's own connection back to the pool.
func (it *ImportTx) release() {
	if it.conn != nil {
		_ = it.conn.Close()
		it.conn = nil
	}
}

// date returns placeholder n typed as a date on PostgreSQL (where a bare
// text parameter in a select list would stay text).
func (s *Store) date(n int) string {
	if s.dialect == Postgres {
		return fmt.Sprintf("$%d::date", n)
	}
	return fmt.Sprintf("$%d", n)
}

// timestamp returns placeholder n typed as an instant on PostgreSQL.
func (s *Store) timestamp(n int) string {
	if s.dialect == Postgres {
		return fmt.Sprintf("$%d::timestamptz", n)
	}
	return fmt.Sprintf("$%d", n)
}
