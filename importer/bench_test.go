package importer_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/importer"
	"vettingd/store"
	"vettingd/store/storetest"
	"vettingd/synth"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// benchPeople is the force size of the import benchmark: national scale,
// or VETTINGD_BENCH_PEOPLE for a quicker look.
func benchPeople(b *testing.B) int {
	if s := os.Getenv("VETTINGD_BENCH_PEOPLE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 310_000
}

var benchAsOf = civil.MustParse("2026-11-02")

func importFile(tb testing.TB, s *store.Store, kind, path string) *importer.Report {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rep, err := importer.Run(context.Background(), s, f, importer.Options{Kind: kind, AsOf: benchAsOf, FileName: kind + ".csv",
		Actor: "bench", MaxLeaverFraction: 0.05, MaxLeaverFloor: 10})
	if err != nil {
		tb.Fatal(err)
	}
	if rep.Rejected() {
		tb.Fatalf("%s rejected: %v", kind, rep.Errors[:min(5, len(rep.Errors))])
	}
	return rep
}

// BenchmarkImportPeople imports a generated force's people into an empty
// database on each backend and reports rows/s; on PostgreSQL it also
// measures the floor — psql \copy of the same file into an unlogged table
// with the same columns — and the ratio to it.
func BenchmarkImportPeople(b *testing.B) {
	n := benchPeople(b)
	files, err := synth.Write(b.TempDir(), synth.Config{People: n, Seed: 1, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			var elapsed time.Duration
			var dbURL string
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dbURL = storetest.URL(b, backend)
				s, err := store.Open(context.Background(), dbURL)
				if err != nil {
					b.Fatal(err)
				}
				importFile(b, s, "posts", files["posts"])
				b.StartTimer()
				start := time.Now()
				rep := importFile(b, s, "people", files["people"])
				elapsed += time.Since(start)
				b.StopTimer()
				if rep.Created != n {
					b.Fatalf("created %d of %d people", rep.Created, n)
				}
				s.Close()
			}
			perRun := elapsed / time.Duration(b.N)
			b.ReportMetric(float64(n)/perRun.Seconds(), "rows/s")
			if backend == "postgres" {
				floor := copyFloor(b, dbURL, files["people"])
				b.ReportMetric(float64(n)/floor.Seconds(), "copy-rows/s")
				b.ReportMetric(perRun.Seconds()/floor.Seconds(), "x-copy")
			}
		})
	}
}

// copyFloor times psql \copy of the people file into an unlogged table.
func copyFloor(b *testing.B, dbURL, path string) time.Duration {
	psql, err := exec.LookPath("psql")
	if err != nil {
		b.Logf("no psql: floor not measured")
		return 0
	}
	// The same columns and types as people, without its keys and checks.
	setup := exec.Command(psql, dbURL, "-q", "-v", "ON_ERROR_STOP=1", "-c", `CREATE UNLOGGED TABLE copy_floor (LIKE people);
		ALTER TABLE copy_floor ALTER first_imported_on DROP NOT NULL, ALTER updated_at DROP NOT NULL, ALTER status DROP NOT NULL`)
	if out, err := setup.CombinedOutput(); err != nil {
		b.Fatalf("psql: %v: %s", err, out)
	}
	start := time.Now()
	cp := exec.Command(psql, dbURL, "-q", "-v", "ON_ERROR_STOP=1", "-c", `\copy copy_floor (`+strings.Join(importer.Columns("people"), ", ")+`) FROM '`+path+`' WITH (FORMAT csv, HEADER true)`)
	if out, err := cp.CombinedOutput(); err != nil {
		b.Fatalf("psql \\copy: %v: %s", err, out)
	}
	return time.Since(start)
}
