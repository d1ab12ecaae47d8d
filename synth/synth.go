package synth

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Config says what force to generate.
type Config struct {
	People int       // number of people (at least 1)
	Posts  int       // number of posts; 0 means People/100, between 10 and 3,000
	Seed   uint64    // the same seed and config give byte-identical files
	AsOf   time.Time // "today" (only its year, month and day count): dates are generated relative to it
	// SpreadIDs numbers the people as a real force does, not in order of
	// rank: their ids are a fixed shuffle of 1…People, so that the people
	// file (in order of the hierarchy) is not in order of id, and a
	// manager's id is anywhere in the range. Without it, E000001 is the
	// chief constable and managers come first.
	SpreadIDs bool
	// Replace lets Write overwrite files of the same names; without it,
	// Write refuses a directory that holds any of them (it may hold real
	// exports).
	Replace bool
}

// Files names the file written for each import kind: kind -> absolute path.
type Files map[string]string

// The kinds, in import order: posts before the people who hold them, people
// before everything that names them.
const (
	kPosts = iota
	kPeople
	kClearances
	kMisconduct
	kCircumstances
	kAdverse
	kInterests
	kAssociations
	nKinds
)

var kindNames = [nKinds]string{"posts", "people", "clearances", "misconduct", "circumstances", "adverse", "interests", "associations"}

// columns are the header of each kind's file, in SPEC §3 order.
var columns = [nKinds][]string{
	kPosts:         {"post_id", "title", "department", "required_levels", "designated"},
	kPeople:        {"employee_id", "given_name", "family_name", "email", "slack_user_id", "workforce_type", "rank_or_grade", "post_id", "supervisor_id", "start_date", "end_date", "status", "last_integrity_review_on"},
	kClearances:    {"clearance_ref", "employee_id", "level", "decision", "decided_on", "expires_on", "adverse_info", "mitigation_owner_id", "mitigation_review_months"},
	kMisconduct:    {"case_ref", "employee_id", "outcome", "concluded_on"},
	kCircumstances: {"report_ref", "employee_id", "category", "reported_on", "assessment", "assessed_on"},
	kAdverse:       {"intel_ref", "employee_id", "source", "received_on"},
	kInterests:     {"interest_ref", "employee_id", "decision", "decided_on", "description"},
	kAssociations:  {"association_ref", "employee_id", "declared_on", "conditions"},
}

// Kinds lists the kinds in import order (posts, people, clearances,
// misconduct, circumstances, adverse, interests, associations).
func Kinds() []string { return slices.Clone(kindNames[:]) }

// Write writes one CSV per kind into dir (created if missing) as KIND.csv and
// returns their absolute paths.
func Write(dir string, cfg Config) (Files, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	out, files, err := openSinks(dir, cfg.Replace)
	if err != nil {
		return nil, err
	}
	newGenerator(cfg, out).run()
	if err := out.close(); err != nil {
		return nil, err
	}
	return files, nil
}

// withDefaults checks cfg and fills in the number of posts.
func (cfg Config) withDefaults() (Config, error) {
	switch {
	case cfg.People < 1:
		return cfg, errors.New("synth: a force needs at least one person")
	case cfg.Posts < 0:
		return cfg, fmt.Errorf("synth: the number of posts cannot be negative (%d)", cfg.Posts)
	case cfg.Posts == 0:
		cfg.Posts = min(3000, max(10, cfg.People/100))
	}
	return cfg, nil
}

// sink is one kind's file behind a buffered CSV writer.
type sink struct {
	f   *os.File
	buf *bufio.Writer
	csv *csv.Writer
}

// sinks holds the open file of every kind.
type sinks [nKinds]*sink

func openSinks(dir string, replace bool) (*sinks, Files, error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if !replace {
		flags = os.O_WRONLY | os.O_CREATE | os.O_EXCL // and a symbolic link is not followed
		for _, name := range kindNames {
			if path := filepath.Join(dir, name+".csv"); exists(path) {
				return nil, nil, fmt.Errorf("synth: %s: %w", path, fs.ErrExist)
			}
		}
	}
	out, files := &sinks{}, Files{}
	for k, name := range kindNames {
		path := filepath.Join(dir, name+".csv")
		f, err := os.OpenFile(path, flags, 0o644)
		if err != nil {
			_ = out.close()
			return nil, nil, fmt.Errorf("synth: %w", err)
		}
		buf := bufio.NewWriterSize(f, 1<<16)
		out[k] = &sink{f: f, buf: buf, csv: csv.NewWriter(buf)}
		out[k].row(columns[k]...)
		files[name] = path
	}
	return out, files, nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// row writes one record. A write error sticks in the writers and is
// returned by close, so rows need not be checked one by one.
func (s *sink) row(cells ...string) { _ = s.csv.Write(cells) }

func (s *sink) close() error {
	s.csv.Flush()
	err := s.csv.Error()
	if err == nil {
		err = s.buf.Flush()
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("synth: write %s: %w", s.f.Name(), err)
	}
	return nil
}

// close flushes and closes every open file and returns the first error.
func (out *sinks) close() error {
	var first error
	for _, s := range out {
		if s == nil {
			continue
		}
		if err := s.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
