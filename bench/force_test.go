package bench

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"vettingd/importer"
	"vettingd/store"
	"vettingd/synth"
)

// force is what the benchmark needs to know of the generated files.
type force struct {
	files  synth.Files
	people []person // in file order
	posts  []string
	rows   map[string]int // data rows by kind
	header []string       // of the people file
	whole  [][]string     // the whole record of every hundredth person, for movers
}

type person struct{ id, post string }

// readForce reads the ids the delta and the events refer to, and counts
// every file's rows.
func readForce(b *testing.B, files synth.Files) *force {
	b.Helper()
	f := &force{files: files, rows: map[string]int{}}
	for _, kind := range synth.Kinds() {
		header, recs := readCSV(b, files[kind])
		if kind == "people" {
			f.header = header
		}
		f.rows[kind] = len(recs)
		for _, r := range recs {
			switch kind {
			case "people":
				if len(f.people)%100 == 0 {
					f.whole = append(f.whole, r)
				}
				f.people = append(f.people, person{id: r[0], post: r[7]})
			case "posts":
				f.posts = append(f.posts, r[0])
			}
		}
	}
	return f
}

func readCSV(b *testing.B, path string) ([]string, [][]string) {
	b.Helper()
	fh, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	return recs[0], recs[1:]
}

// changedPeople is every hundredth person: the 1% a re-plan is timed after.
func (f *force) changedPeople() []person {
	var out []person
	for i := 0; i < len(f.people); i += 100 {
		out = append(out, f.people[i])
	}
	return out
}

// eventPeople are n people spread over the force (none of them changed by
// the delta), for the event POSTs.
func (f *force) eventPeople(n int) []string {
	step := max(1, len(f.people)/n)
	var out []string
	for i := step / 2; i < len(f.people) && len(out) < n; i += step {
		if i%100 == 0 {
			i++
		}
		out = append(out, f.people[i].id)
	}
	return out
}

// writeDelta writes the 1% change as three delta files, a third each:
// movers to another post (their whole record, as HR would send it), new clearances, and changes of circumstances
// reported; it returns them by kind.
func (f *force) writeDelta(b *testing.B, dir string) map[string]string {
	b.Helper()
	var movers, clearances, circumstances strings.Builder
	mw := csv.NewWriter(&movers)
	_ = mw.Write(f.header)
	clearances.WriteString("clearance_ref,employee_id,level,decision,decided_on,expires_on\n")
	circumstances.WriteString("report_ref,employee_id,category,reported_on\n")
	for i, p := range f.changedPeople() {
		switch i % 3 {
		case 0:
			post := f.posts[(i*7+1)%len(f.posts)]
			if post == p.post {
				post = f.posts[(i*7+2)%len(f.posts)]
			}
			rec := slices.Clone(f.whole[i])
			rec[7] = post
			_ = mw.Write(rec)
		case 1:
			fmt.Fprintf(&clearances, "BENCH-C%07d,%s,SC,granted,2026-10-26,2033-10-26\n", i, p.id)
		case 2:
			fmt.Fprintf(&circumstances, "BENCH-R%07d,%s,finances,2026-10-30\n", i, p.id)
		}
	}
	mw.Flush()
	out := map[string]string{}
	for kind, body := range map[string]string{"people": movers.String(), "clearances": clearances.String(), "circumstances": circumstances.String()} {
		p := filepath.Join(dir, "delta-"+kind+".csv")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			b.Fatal(err)
		}
		out[kind] = p
	}
	return out
}

// importDelta applies the delta files through the importer, as deltas,
// without the planning the command line does after each: the re-plan
// that follows is what is timed.
func importDelta(b *testing.B, s *store.Store, files map[string]string) int {
	b.Helper()
	n := 0
	for _, kind := range []string{"people", "clearances", "circumstances"} {
		fh, err := os.Open(files[kind])
		if err != nil {
			b.Fatal(err)
		}
		rep, err := importer.Run(context.Background(), s, fh, importer.Options{Kind: kind, Mode: "delta", AsOf: asOf,
			FileName: filepath.Base(files[kind]), Actor: "bench", MaxLeaverFraction: 0.05, MaxLeaverFloor: 10})
		fh.Close()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Rejected() {
			b.Fatalf("delta %s rejected: %v", kind, rep.Errors[:min(5, len(rep.Errors))])
		}
		n += rep.Created + rep.Updated
	}
	return n
}
