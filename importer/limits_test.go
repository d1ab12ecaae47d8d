package importer_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"vettingd/importer"
	"vettingd/store"
	"vettingd/store/storetest"
)

// zeros is /dev/zero: endless NUL bytes, no line end.
type zeros struct{ read int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.read += int64(len(p))
	return len(p), nil
}

// repeat yields head, then body over and over, up to n bytes in all.
func repeat(head, body string, n int) io.Reader {
	return io.LimitReader(io.MultiReader(strings.NewReader(head), &loop{s: body}), int64(n))
}

type loop struct {
	s   string
	off int
}

func (l *loop) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], l.s[l.off:])
		n += c
		l.off = (l.off + c) % len(l.s)
	}
	return n, nil
}

// A file whose line never ends, or whose quote never closes, is read only
// up to importer.MaxLine past the last good record: it is rejected with the
// line named, at once and in bounded memory, and nothing is written.
func TestAnEndlessLineIsRejectedInBoundedMemory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		s, err := store.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		header := "employee_id,given_name,family_name,workforce_type,start_date\n"
		cases := []struct {
			name string
			in   func() io.Reader
			line int
		}{
			{"/dev/zero", func() io.Reader { return &zeros{} }, 1},
			{"a header of 64 MiB", func() io.Reader { return repeat("", "x", 64<<20) }, 1},
			{"a cell of 64 MiB", func() io.Reader { return repeat(header+"E1,Ada,L,officer,2020-01-01\nE2,", "y", 64<<20) }, 3},
			{"a quote never closed", func() io.Reader {
				return repeat(header+"E1,\"Ada,L,officer,2020-01-01\n", "E2,Bob,S,staff,2020-01-01\n", 64<<20)
			}, 2},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := storetest.Dump(t, dbURL)
				var m0, m1 runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&m0)
				rep, err := importer.Run(context.Background(), s, c.in(), importer.Options{Kind: "people", Mode: "delta", AsOf: benchAsOf, FileName: "people.csv", Actor: "test"})
				runtime.ReadMemStats(&m1)
				if err != nil {
					t.Fatal(err)
				}
				if !rep.Rejected() || rep.Applied || rep.Errors[len(rep.Errors)-1].Line != c.line ||
					!strings.Contains(rep.Errors[len(rep.Errors)-1].Message, "longer than 1048576 bytes") {
					t.Fatalf("report %+v, want rejected naming line %d as too long", rep, c.line)
				}
				if alloc := m1.TotalAlloc - m0.TotalAlloc; alloc > 24<<20 {
					t.Errorf("the import allocated %d MiB for a line it refused", alloc>>20)
				}
				if storetest.Dump(t, dbURL) != before {
					t.Error("a rejected file changed the database")
				}
			})
		}
		// A long line under the limit is only a problem of its cells.
		rep, err := importer.Run(context.Background(), s, strings.NewReader(header+"E1,"+strings.Repeat("z", importer.MaxLine/2)+",L,officer,2020-01-01\n"),
			importer.Options{Kind: "people", Mode: "delta", DryRun: true, AsOf: benchAsOf, FileName: "people.csv", Actor: "test"})
		if err != nil || rep.Rejected() {
			t.Fatalf("a 512 KiB cell: %v %+v", err, rep)
		}
	})
}

// A file of many bad cells, each nearly as long as a line may be, gets a
// report of bounded size: each message quotes the start of its cell.
func TestMessagesQuoteLongCellsShortened(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		s, err := store.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var b strings.Builder
		b.WriteString("employee_id,given_name,family_name,workforce_type,start_date\n")
		long := strings.Repeat("é", 100_000) // 200 kB, not a date
		for i := range 50 {
			b.WriteString("E" + strings.Repeat("9", i+1) + ",A,B,officer," + long + "\n")
		}
		rep, err := importer.Run(context.Background(), s, strings.NewReader(b.String()), importer.Options{Kind: "people", Mode: "delta",
			FileName: "long.csv", Actor: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Errors) != 50 {
			t.Fatalf("want 50 problems, got %d", len(rep.Errors))
		}
		for _, p := range rep.Errors {
			if len(p.Message) > 300 || !strings.Contains(p.Message, "start_date \"éé") || !strings.Contains(p.Message, "…") {
				t.Fatalf("line %d: a message of %d bytes: %.120s", p.Line, len(p.Message), p.Message)
			}
		}
		if n := storetest.Count(t, dbURL, "people"); n != 0 {
			t.Errorf("a rejected file stored %d people", n)
		}
	})
}

// failAfter yields r, then fails as a dropped upload or a bad disk does.
type failAfter struct{ r io.Reader }

var errDropped = errors.New("connection reset by peer")

func (f *failAfter) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errDropped
	}
	return n, err
}

// cancelAfter yields r, and cancels once n bytes have been read.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	k, err := c.r.Read(p[:min(len(p), 4096)])
	if c.n -= k; c.n <= 0 {
		c.cancel()
	}
	return k, err
}

// staffFile is a people file of n members of staff.
func staffFile(n int) string {
	var b strings.Builder
	b.WriteString("employee_id,given_name,family_name,workforce_type,start_date\n")
	for i := range n {
		fmt.Fprintf(&b, "E%05d,Ada,Lovelace,staff,2020-01-01\n", i)
	}
	return b.String()
}

// A file that stops arriving part way, after thousands of rows have been
// staged, or an import whose caller gives up, fails with the reason and
// writes nothing; the same store then imports a whole file.
func TestAFileThatStopsPartWayWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		s := storetest.OpenURL(t, dbURL)
		file := staffFile(5_000)
		opts := importer.Options{Kind: "people", Mode: "delta", AsOf: benchAsOf, FileName: "people.csv", Actor: "test"}
		before := storetest.Dump(t, dbURL)
		_, err := importer.Run(context.Background(), s, &failAfter{strings.NewReader(file)}, opts)
		if !errors.Is(err, errDropped) {
			t.Fatalf("a file that stopped: %v, want its reason", err)
		}
		// Given up half way through the file, its first rows staged.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if _, err := importer.Run(ctx, s, &cancelAfter{r: strings.NewReader(file), n: len(file) / 2, cancel: cancel}, opts); err == nil {
			t.Fatal("a cancelled import did not fail")
		}
		if storetest.Dump(t, dbURL) != before {
			t.Fatal("a failed import changed the database")
		}
		rep, err := importer.Run(context.Background(), s, strings.NewReader(file), opts)
		if err != nil || !rep.Applied || rep.Created != 5_000 {
			t.Fatalf("the whole file afterwards: %v %+v", err, rep)
		}
		if n := storetest.Count(t, dbURL, "people"); n != 5_000 {
			t.Errorf("%d people stored, want 5000", n)
		}
	})
}

// killAfter yields r, and once n bytes have been read ends the database
// session that is staging them, as a server restart or an administrator
// would.
type killAfter struct {
	r      io.Reader
	n      int
	dbURL  string
	t      *testing.T
	killed bool
}

func (k *killAfter) Read(p []byte) (int, error) {
	n, err := k.r.Read(p[:min(len(p), 4096)])
	if k.n -= n; k.n <= 0 && !k.killed {
		k.killed = true
		got := storetest.Query(k.t, k.dbURL, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'COPY import_stage%'`)
		if len(got) != 1 || got[0] != "true" {
			k.t.Errorf("ending the staging session: %v", got)
		}
	}
	return n, err
}

// An import whose database session ends part way through staging fails
// with the reason, rather than waiting for ever, and writes nothing; the
// store then imports the whole file on a new connection.
func TestAnImportWhoseConnectionIsKilledFails(t *testing.T) {
	dbURL := storetest.URL(t, "postgres")
	s := storetest.OpenURL(t, dbURL)
	file := staffFile(20_000)
	opts := importer.Options{Kind: "people", Mode: "delta", AsOf: benchAsOf, FileName: "people.csv", Actor: "test"}
	done := make(chan error, 1)
	go func() {
		_, err := importer.Run(context.Background(), s, &killAfter{r: strings.NewReader(file), n: len(file) / 2, dbURL: dbURL, t: t}, opts)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("an import whose connection was killed succeeded")
		}
	case <-time.After(time.Minute):
		t.Fatal("an import whose connection was killed still waits after a minute")
	}
	if n := storetest.Count(t, dbURL, "people"); n != 0 {
		t.Fatalf("%d people stored by the failed import", n)
	}
	rep, err := importer.Run(context.Background(), s, strings.NewReader(file), opts)
	if err != nil || !rep.Applied || rep.Created != 20_000 {
		t.Fatalf("the whole file afterwards: %v %+v", err, rep)
	}
}
