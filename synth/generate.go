// Package synth writes the CSV files of a synthetic police force — posts,
// people with supervisor trees, clearances of every level and a sprinkling
// of vetting events — for tests, the demo and benchmarks. No real person's
// data is involved. It streams: each row is written as it is made, so a
// national-scale force costs little memory.
package synth

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config says what force to generate.
type Config struct {
	People int       // number of people (at least 1)
	Posts  int       // number of posts; 0 means People/100, between 10 and 3,000
	Seed   uint64    // the same seed and config give byte-identical files
	AsOf   time.Time // "today": only its year, month and day count
}

// Files names the file written for each import kind.
type Files map[string]string

// Kinds lists the kinds in import order.
func Kinds() []string {
	return []string{"posts", "people", "clearances", "misconduct", "circumstances", "adverse", "interests", "associations"}
}

var headers = map[string][]string{
	"posts":         {"post_id", "title", "department", "required_levels", "designated"},
	"people":        {"employee_id", "given_name", "family_name", "email", "slack_user_id", "workforce_type", "rank_or_grade", "post_id", "supervisor_id", "start_date", "end_date", "status", "last_integrity_review_on"},
	"clearances":    {"clearance_ref", "employee_id", "level", "decision", "decided_on", "expires_on", "adverse_info", "mitigation_owner_id", "mitigation_review_months"},
	"misconduct":    {"case_ref", "employee_id", "outcome", "concluded_on"},
	"circumstances": {"report_ref", "employee_id", "category", "reported_on", "assessment", "assessed_on"},
	"adverse":       {"intel_ref", "employee_id", "source", "received_on"},
	"interests":     {"interest_ref", "employee_id", "decision", "decided_on", "description"},
	"associations":  {"association_ref", "employee_id", "declared_on", "conditions"},
}

// Write writes one CSV per kind into dir (created if missing) as KIND.csv.
func Write(dir string, cfg Config) (Files, error) {
	if cfg.People < 1 {
		return nil, fmt.Errorf("synth: a force needs at least one person")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	g := newGenerator(cfg)
	files := Files{}
	out := map[string]*sink{}
	for _, k := range Kinds() {
		path := filepath.Join(dir, k+".csv")
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		files[k] = path
		out[k] = newSink(f)
		out[k].row(headers[k]...)
	}
	g.writePosts(out["posts"])
	for i := 1; i <= cfg.People; i++ {
		g.writePerson(i, out)
	}
	for _, k := range Kinds() {
		if err := out[k].close(); err != nil {
			return nil, fmt.Errorf("synth: write %s: %w", files[k], err)
		}
	}
	return files, nil
}

// sink is a buffered CSV writer.
type sink struct {
	f   *os.File
	buf *bufio.Writer
	csv *csv.Writer
}

func newSink(f *os.File) *sink {
	buf := bufio.NewWriterSize(f, 1<<16)
	return &sink{f: f, buf: buf, csv: csv.NewWriter(buf)}
}

func (s *sink) row(cells ...string) { _ = s.csv.Write(cells) }

func (s *sink) close() error {
	s.csv.Flush()
	if err := s.csv.Error(); err != nil {
		return err
	}
	if err := s.buf.Flush(); err != nil {
		return err
	}
	return s.f.Close()
}

// generator holds the little state a force needs: its posts and counters.
type generator struct {
	cfg     Config
	r       *rand.Rand
	asOf    time.Time
	posts   []post
	seq     map[string]int
	leapDay int // grants between two made on a 29 February
	grants  int
}

type post struct {
	id     string
	levels []string
}

func newGenerator(cfg Config) *generator {
	if cfg.Posts == 0 {
		cfg.Posts = min(3000, max(10, cfg.People/100))
	}
	asOf := time.Date(cfg.AsOf.Year(), cfg.AsOf.Month(), cfg.AsOf.Day(), 0, 0, 0, 0, time.UTC)
	return &generator{cfg: cfg, r: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5eed)), asOf: asOf, seq: map[string]int{},
		leapDay: max(1, min(1000, cfg.People/20))}
}

func (g *generator) next(prefix string, width int) string {
	g.seq[prefix]++
	return fmt.Sprintf("%s%0*d", prefix, width, g.seq[prefix])
}

// chance is true with probability p.
func (g *generator) chance(p float64) bool { return g.r.Float64() < p }

func (g *generator) one(list []string) string { return list[g.r.IntN(len(list))] }

// weighted picks a value by weight: pairs of value and weight.
func (g *generator) weighted(choices []choice) string {
	total := 0
	for _, c := range choices {
		total += c.w
	}
	n := g.r.IntN(total)
	for _, c := range choices {
		if n < c.w {
			return c.v
		}
		n -= c.w
	}
	return choices[len(choices)-1].v
}

type choice struct {
	v string
	w int
}

func date(t time.Time) string { return t.Format("2006-01-02") }

// daysAgo is a day between lo and hi days before as-of.
func (g *generator) daysAgo(lo, hi int) time.Time {
	return g.asOf.AddDate(0, 0, -(lo + g.r.IntN(hi-lo+1)))
}

func (g *generator) writePosts(w *sink) {
	for i := 1; i <= g.cfg.Posts; i++ {
		levels := g.weighted(postLevels)
		designated := g.chance(0.10)
		if designated && !strings.Contains(";"+levels+";", ";MV;") {
			levels = "MV;" + strings.TrimPrefix(strings.TrimPrefix(levels, "RV;"), "RV")
			levels = strings.TrimSuffix(levels, ";")
		}
		p := post{id: fmt.Sprintf("P%05d", i), levels: strings.Split(levels, ";")}
		g.posts = append(g.posts, p)
		dept := g.one(departments)
		w.row(p.id, g.one(titles[dept]), dept, levels, fmt.Sprint(designated))
	}
}
