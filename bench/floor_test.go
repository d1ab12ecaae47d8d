package bench

import (
	"database/sql"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"vettingd/importer"
	"vettingd/store/storetest"
)

// copyFloor times the fastest load of the people file its backend's own
// client can do, into a table with the same columns and no keys, checks
// or indexes: psql's \copy into an UNLOGGED table on PostgreSQL, sqlite3's
// .import on SQLite. An import can only approach it: it also checks every
// row and merges into the real table. It returns 0 with a note when the
// client is missing.
func copyFloor(b *testing.B, backend, dbURL, file string) (time.Duration, string) {
	b.Helper()
	cols := importer.Columns("people")
	if backend == "postgres" {
		psql, err := storetest.Tool("psql")
		if err != nil {
			return 0, "no psql: " + err.Error()
		}
		run := func(sql string) {
			cmd := exec.Command(psql, dbURL, "-q", "-X", "-v", "ON_ERROR_STOP=1", "-c", sql)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("psql: %v: %s", err, out)
			}
		}
		run("CREATE UNLOGGED TABLE copy_floor AS SELECT " + strings.Join(cols, ", ") + " FROM people WITH NO DATA")
		start := time.Now()
		run(`\copy copy_floor (` + strings.Join(cols, ", ") + `) FROM '` + file + `' WITH (FORMAT csv, HEADER true)`)
		took := time.Since(start)
		run("DROP TABLE copy_floor")
		return took, "psql \\copy into an UNLOGGED table"
	}
	sqlite, err := exec.LookPath("sqlite3")
	if err != nil {
		return 0, "no sqlite3 on PATH"
	}
	path := strings.TrimPrefix(dbURL, "sqlite:")
	run := func(script string) {
		cmd := exec.Command(sqlite, "-batch", "-bail", path)
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("sqlite3: %v: %s", err, out)
		}
	}
	run("CREATE TABLE copy_floor AS SELECT " + strings.Join(cols, ", ") + " FROM people WHERE 0;\n")
	start := time.Now()
	run(".import --csv --skip 1 '" + file + "' copy_floor\n")
	took := time.Since(start)
	run("DROP TABLE copy_floor;\n")
	return took, "sqlite3 .import into a bare table"
}

// psqlTimed runs a psql script on dbURL and returns the time psql's own
// \timing reports for its commands, summed: the script turns it on just
// around what is to be measured.
func psqlTimed(b *testing.B, dbURL, script string) time.Duration {
	b.Helper()
	psql, err := storetest.Tool("psql")
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(psql, dbURL, "-q", "-X", "-v", "ON_ERROR_STOP=1")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("psql: %v: %s", err, out)
	}
	var took time.Duration
	for _, m := range psqlTime.FindAllStringSubmatch(string(out), -1) {
		ms, _ := strconv.ParseFloat(m[1], 64)
		took += time.Duration(ms * float64(time.Millisecond))
	}
	if took == 0 {
		b.Fatalf("psql timed nothing: %s", out)
	}
	return took
}

var psqlTime = regexp.MustCompile(`(?m)^Time: ([0-9.]+) ms`)

// tableFloor times psql's \copy of the people file into the people table
// itself, loaded as vettingd loads it (in bulk, from bulkRows rows: its
// foreign keys and secondary indexes dropped first, then built and checked
// again), in a transaction it then
// rolls back: the floor of any load into that table, before any check of
// the file's own. The posts must be imported and the people not yet. The
// rolled-back rows are vacuumed away at once: left, they would slow the
// import measured next, and draw autovacuum into it.
func tableFloor(b *testing.B, dbURL, file string, people int) time.Duration {
	b.Helper()
	cols := strings.Join(importer.Columns("people"), ", ")
	drop, restore := bulkDDL(b, dbURL, "people", false, people >= bulkRows)
	return psqlTimed(b, dbURL, `BEGIN;
ALTER TABLE people ALTER first_imported_on SET DEFAULT CURRENT_DATE, ALTER updated_at SET DEFAULT now();
\timing on
`+drop+`
\copy people (`+cols+`) FROM '`+file+`' WITH (FORMAT csv, HEADER true)
`+restore+`
\timing off
ROLLBACK;
VACUUM people;
`)
}

// writesFloor times psql's \copy of every row a plan wrote (its reviews,
// their notifications, the plan state) into those tables emptied, loaded
// as a first plan of people people, reviews reviews, loads them (in bulk,
// past the same thresholds; plan_state has nothing to drop), in a
// transaction it then rolls back: the floor of any plan that has to write
// them.
func writesFloor(b *testing.B, dbURL string, people, reviews int) time.Duration {
	b.Helper()
	dir := b.TempDir()
	tables := []string{"reviews", "notifications", "plan_state"}
	bulk := map[string]bool{"reviews": 2*people >= bulkRows, "notifications": reviews/3 >= bulkRows}
	var export, load, drops, restores strings.Builder
	for _, t := range tables {
		f := filepath.Join(dir, t+".copy")
		export.WriteString(`\copy ` + t + ` TO '` + f + "'\n")
		load.WriteString(`\copy ` + t + ` FROM '` + f + "'\n")
		drop, restore := bulkDDL(b, dbURL, t, t == "notifications", bulk[t])
		drops.WriteString(drop)
		restores.WriteString(restore)
	}
	psqlTimed(b, dbURL, "\\timing on\n"+export.String())
	return psqlTimed(b, dbURL, "BEGIN;\nTRUNCATE "+strings.Join(tables, ", ")+" CASCADE;\n\\timing on\n"+
		drops.String()+load.String()+restores.String()+"\\timing off\nROLLBACK;\n")
}

// bulkRows is vettingd's threshold for a bulk load (store.bulkRows).
const bulkRows = 50000

// bulkDDL returns the statements that drop table's foreign keys and the
// indexes no constraint rests on (but the unique ones, with keepUnique),
// and those that put them back, as vettingd's own bulk loads do; none
// unless bulk.
func bulkDDL(b *testing.B, dbURL, table string, keepUnique, bulk bool) (drop, restore string) {
	b.Helper()
	if !bulk {
		return "", ""
	}
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var d, r strings.Builder
	rows, err := db.Query(`SELECT 'ALTER TABLE ' || conrelid::regclass || ' DROP CONSTRAINT ' || conname || ';',
			'ALTER TABLE ' || conrelid::regclass || ' ADD CONSTRAINT ' || conname || ' ' || pg_get_constraintdef(oid) || ';'
		FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'
		UNION ALL SELECT 'DROP INDEX ' || c.relname || ';', pg_get_indexdef(i.indexrelid) || ';'
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
			AND NOT (i.indisunique AND $2)`, table, keepUnique)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var dr, re string
		if err := rows.Scan(&dr, &re); err != nil {
			b.Fatal(err)
		}
		d.WriteString(dr + "\n")
		r.WriteString(re + "\n")
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return d.String(), "SET LOCAL maintenance_work_mem = '256MB';\n" + r.String()
}
