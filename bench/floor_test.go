package bench

import (
	"os/exec"
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
