// Package importer reads the CSV files of SPEC §3 — posts, people,
// clearances and vetting events — checks every row, and applies a file all
// or nothing through the store. It streams: a file of any size is parsed
// row by row into the store's staging table, never held in memory.
package importer

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/mail"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"vettingd/civil"
	"vettingd/store"
)

// Options say how to import one file.
type Options struct {
	Kind     string
	Mode     string // snapshot or delta; "" for the kind's default
	DryRun   bool
	Force    bool // apply a snapshot even past the mass-leaver (or mass-closure) limit
	AsOf     civil.Date
	FileName string // as reported in messages and recorded with the run
	Actor    string // who imports, for the record and the audit log
	// Columns maps an expected column to the name the export uses
	// (given_name ← Forename).
	Columns map[string]string
	// A people snapshot that would make leavers of more than
	// MaxLeaverFraction of current people and more than MaxLeaverFloor
	// people is refused unless Force; so is a posts snapshot that would
	// close as large a share of the open posts.
	MaxLeaverFraction float64
	MaxLeaverFloor    int
}

// Problem is one reason a file is rejected.
type Problem struct {
	Line    int    `json:"line"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// Report says what an import did or would do. Its JSON form is the
// contract of SPEC §3.
type Report struct {
	Kind      string    `json:"kind"`
	Mode      string    `json:"mode"`
	DryRun    bool      `json:"dry_run"`
	Applied   bool      `json:"applied"`
	Rows      int       `json:"rows"`
	Created   int       `json:"created"`
	Updated   int       `json:"updated"`
	Unchanged int       `json:"unchanged"`
	Joiners   int       `json:"joiners"`
	Movers    int       `json:"movers"`
	Leavers   int       `json:"leavers"`
	Warnings  []string  `json:"warnings"`
	Errors    []Problem `json:"errors"`
	RunID     int64     `json:"-"`
	FileName  string    `json:"-"`
	// Closed counts the posts a snapshot closes. The JSON fields are fixed
	// by the spec, so there they are part of updated, which counts them.
	Closed int `json:"-"`
	// Affected names the people an applied import concerns, for planning
	// them at once; AffectsAll says it concerns everyone.
	Affected   []string `json:"-"`
	AffectsAll bool     `json:"-"`
	// unlisted counts the problems past maxListed, which one last entry
	// of Errors sums up.
	unlisted int
}

// Problems is how many problems the file has, listed or not.
func (r *Report) Problems() int {
	if r.unlisted > 0 {
		return len(r.Errors) - 1 + r.unlisted
	}
	return len(r.Errors)
}

// Rejected reports whether the file was refused.
func (r *Report) Rejected() bool { return len(r.Errors) > 0 }

// Changed reports whether applying the file changes anything (a post
// closed is counted in Updated).
func (r *Report) Changed() bool { return r.Created+r.Updated+r.Leavers > 0 }

// maxListed bounds the problems a report lists; past it, one line says how
// many more there were (a wrong file can have a problem on every line).
const maxListed = 1000

// Run imports one file. A file with any problem is rejected whole and the
// database is left exactly as it was: the problems are in the report, and
// the error is nil. The error is for failures of the system itself.
func Run(ctx context.Context, st *store.Store, r io.Reader, opts Options) (*Report, error) {
	if err := CheckKindMode(opts.Kind, opts.Mode); err != nil {
		return nil, err
	}
	k := kinds[opts.Kind]
	if opts.Mode == "" {
		opts.Mode = k.defaultMode
	}
	rep := &Report{Kind: k.name, Mode: opts.Mode, DryRun: opts.DryRun, Warnings: []string{}, Errors: []Problem{}, FileName: opts.FileName}
	hash := sha256.New()
	in := newReader(io.TeeReader(r, hash))

	lay, problems, err := readHeader(in, k, opts.Columns, rep)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		if lay.cols == nil { // no header to read the lines by
			rep.Errors = problems
			return rep, nil
		}
		// Every problem is reported, not just the header's: the lines are
		// checked too, for what the header lets them say.
		list := &problemList{}
		for _, p := range problems {
			list.add(p)
		}
		// The row checks run, but what they say of a missing column is the
		// header's problem, said once.
		lay.quiet = lay.absent(k)
		if _, err := stageRows(in, k, lay, nil, list, rep); err != nil {
			return nil, err
		}
		rep.Errors, rep.unlisted = list.sorted(), list.unlisted()
		return rep, nil
	}
	snapshot := opts.Mode == "snapshot"
	// A column the file lacks is not given: its stored values are kept, in
	// a snapshot as in a delta (an HR extract without an e-mail column, or
	// a posts file without designated, must not erase every e-mail or
	// designation), and checked as if the file had them. But a snapshot is
	// the whole truth of who is in the force: without end_date, everyone it
	// lists is current (a rejoiner listed again is current again).
	lay.keep = lay.absent(k)
	if snapshot {
		lay.keep = slices.DeleteFunc(lay.keep, func(name string) bool { return slices.Contains(snapshotTruth, name) })
		for _, name := range lay.absent(k) {
			msg := fmt.Sprintf("column %q is not in the file: the stored values are kept", name)
			if slices.Contains(snapshotTruth, name) {
				msg = fmt.Sprintf("column %q is not in the file: everyone it lists is current", name)
			}
			rep.Warnings = append(rep.Warnings, msg)
		}
	}
	it, err := st.BeginImport(ctx, k.storeTable())
	if err != nil {
		return nil, err
	}
	defer it.Rollback()

	list := &problemList{}
	complete, err := stageRows(in, k, lay, it.Add, list, rep)
	if err != nil {
		return nil, err
	}
	if !complete {
		rep.Errors, rep.unlisted = list.sorted(), list.unlisted()
		return rep, nil
	}
	// Read to the end, so the digest covers the whole file even after a CSV error.
	if _, err := io.Copy(io.Discard, in.buf); err != nil {
		return nil, fmt.Errorf("read %s: %w", opts.FileName, err)
	}
	if err := it.EndStaging(ctx); err != nil {
		return nil, err
	}
	if !opts.DryRun { // a dry run reports on what is stored now, and waits for nobody
		if err := it.WaitTurn(ctx); err != nil {
			return nil, err
		}
	}
	// The kept values first, so that the checks of references, supervisors
	// and cycles see the rows as they would be stored.
	if err := keepStored(ctx, it, k, lay.keep, list); err != nil {
		return nil, err
	}
	if err := checkStaged(ctx, it, k, snapshot, opts.AsOf, list); err != nil {
		return nil, err
	}
	if k.decided != nil && list.n == 0 {
		n, err := it.KeepDecided(ctx, k.decided.column, k.decided.undecided, k.decided.with)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d of the file's rows still say %s %s where vettingd has recorded one: the recorded %s is kept",
				n, k.decided.column, k.decided.undecided, k.decided.column))
		}
	}
	if list.n > 0 {
		rep.Errors, rep.unlisted = list.sorted(), list.unlisted()
		return rep, nil
	}
	d, err := it.Diff(ctx, opts.AsOf, snapshot)
	if err != nil {
		return nil, err
	}
	fill(rep, d)
	if snapshot && d.Closed > 0 {
		held, posts, err := it.HeldPostsClosing(ctx, opts.AsOf)
		if err != nil {
			return nil, err
		}
		if held > 0 {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d people still hold posts this snapshot closes (%s): the next people file must move them, or it will be rejected",
				held, strings.Join(posts, ", ")))
		}
	}
	if msg := leaverLimit(k, snapshot, d, opts); msg != "" {
		rep.Errors = []Problem{{Line: 0, Column: "", Message: msg}}
		return rep, nil
	}
	if opts.DryRun {
		return rep, nil
	}
	run := store.ImportRun{Kind: k.name, Mode: opts.Mode, FileName: opts.FileName, SHA256: hex.EncodeToString(hash.Sum(nil)),
		Actor: opts.Actor, AsOf: opts.AsOf, Forced: opts.Force}
	if rep.RunID, err = it.Apply(ctx, run, snapshot, d); err != nil {
		return nil, err
	}
	if rep.Affected, rep.AffectsAll, err = it.AffectedPeople(ctx); err != nil {
		return nil, err
	}
	if people, supervisors, top, err := it.SupervisorsGone(ctx, opts.AsOf); err != nil {
		return nil, err
	} else if people > 0 {
		if more := supervisors - len(top); more > 0 {
			top = append(top, fmt.Sprintf("and %d more", more))
		}
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d current people still name a supervisor who has left (%s): "+
			"their supervisor reviews go to the vetting unit until a new supervisor is recorded", people, strings.Join(top, ", ")))
	}
	rep.AffectsAll = rep.AffectsAll || (snapshot && d.Leavers > 0)
	if err := it.Commit(); err != nil {
		return nil, err
	}
	rep.Applied = true
	return rep, nil
}

func fill(rep *Report, d store.Diff) {
	rep.Rows, rep.Created, rep.Updated, rep.Unchanged = d.Rows, d.Created, d.Updated, d.Unchanged
	rep.Joiners, rep.Movers, rep.Leavers, rep.Closed = d.Joiners, d.Movers, d.Leavers, d.Closed
}

// leaverLimit refuses a snapshot that would end too much of the force at
// once, or close too many of its posts: a truncated HR extract (or a file
// of headers alone) must never do that.
func leaverLimit(k *kind, snapshot bool, d store.Diff, opts Options) string {
	if !snapshot || opts.Force || d.Current == 0 {
		return ""
	}
	// Leavers are those the file leaves out and those it gives an end
	// date that has come (SPEC §3: "would make leavers of").
	n := d.Absent
	if k.table == "people" {
		n = d.Leavers
	}
	frac := float64(n) / float64(d.Current)
	if frac <= opts.MaxLeaverFraction || n <= opts.MaxLeaverFloor {
		return ""
	}
	what, whole, unit := "make leavers of", "current people", "people"
	if k.table == "posts" {
		what, whole, unit = "close", "open posts", "posts"
	}
	return fmt.Sprintf("this snapshot would %s %d of %d %s (%.1f%%), more than the limit of %g%% and %d %s: "+
		"check that the file is complete, or import it with --force",
		what, n, d.Current, whole, math.Floor(frac*1000)/10, opts.MaxLeaverFraction*100, opts.MaxLeaverFloor, unit)
}

// MaxLine bounds one CSV record (a line, or several when a quoted cell
// spans lines): the CSV reader holds a record whole, so without a bound a
// file with no line ends (/dev/zero) or a quote never closed would be read
// into memory entire. A real record is a few hundred bytes.
const MaxLine = 1 << 20

// csvReadAhead is what the CSV reader's own buffer may hold beyond the
// record it returns.
const csvReadAhead = 4096

// errLineTooLong is what the CSV reader is given once a record passes MaxLine.
var errLineTooLong = errors.New("importer: a CSV record is longer than the limit")

// reader is a CSV reader over a buffered input whose byte-order mark, if
// any, has been dropped, and which reads at most MaxLine bytes per record.
type reader struct {
	buf   *bufio.Reader
	limit *recordLimit
	csv   *csv.Reader
	line  int // the last line of the last record read whole
}

func newReader(r io.Reader) *reader {
	buf := bufio.NewReaderSize(r, 1<<16)
	if b, err := buf.Peek(3); err == nil && string(b) == "\uFEFF" {
		_, _ = buf.Discard(3)
	}
	limit := &recordLimit{r: buf, left: MaxLine + csvReadAhead}
	c := csv.NewReader(limit)
	c.FieldsPerRecord = -1 // checked here, with a message a clerk understands
	c.ReuseRecord = true
	return &reader{buf: buf, limit: limit, csv: c}
}

// read returns the next record; tooLong says the record passed MaxLine,
// after which nothing more can be read.
func (in *reader) read() (rec []string, tooLong bool, err error) {
	rec, err = in.csv.Read()
	if in.limit.left <= 0 {
		return nil, true, nil
	}
	in.limit.left = MaxLine + csvReadAhead
	var pe *csv.ParseError
	switch {
	case err == nil:
		in.line, _ = in.csv.FieldPos(len(rec) - 1)
	case errors.As(err, &pe):
		in.line = pe.Line
	}
	return rec, false, err
}

// tooLong is the problem of a record past MaxLine, which ends the reading.
func (in *reader) tooLong() Problem {
	return Problem{Line: in.line + 1, Message: fmt.Sprintf("the line is longer than %d bytes (or a quote opened on it is never closed): "+
		"this is not a CSV file vettingd can read, and nothing after it was read", MaxLine)}
}

// recordLimit lets the CSV reader read at most left bytes; reader.read
// gives it a new allowance after each record.
type recordLimit struct {
	r    io.Reader
	left int
}

func (l *recordLimit) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errLineTooLong
	}
	if len(p) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= n
	return n, err
}

func normalize(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// layout says where the fields of a kind sit in the lines of one file.
type layout struct {
	cols  []int // per field of the kind, the index of its cell; -1 when the header lacks it
	cells int   // the header's cells: no line may have more
	need  int   // the cells a line needs to reach every column vettingd reads
	// keep names the fields whose stored values an import keeps, because
	// the header lacks them; the row checks then wait for those values.
	keep []string
	// quiet names fields of which no line's problem is reported.
	quiet []string
}

// absent lists the fields of k that the header lacks.
func (lay layout) absent(k *kind) []string {
	var names []string
	for i, f := range k.fields {
		if lay.cols[i] < 0 {
			names = append(names, f.name)
		}
	}
	return names
}

// readHeader maps each field of k to its column index (-1 when absent).
// An error is a failure to read the input, not a problem of the file.
func readHeader(in *reader, k *kind, mapping map[string]string, rep *Report) (layout, []Problem, error) {
	header, tooLong, err := in.read()
	var pe *csv.ParseError
	switch {
	case tooLong:
		return layout{}, []Problem{in.tooLong()}, nil
	case errors.Is(err, io.EOF):
		return layout{}, []Problem{{Line: 1, Message: "the file is empty: the first line must name the columns"}}, nil
	case errors.As(err, &pe):
		return layout{}, []Problem{{Line: 1, Message: "the header line is not valid CSV: " + csvReason(err)}}, nil
	case err != nil:
		return layout{}, nil, fmt.Errorf("read %s: %w", rep.FileName, err)
	}
	index := map[string]int{}
	twice := map[string]string{} // a name that appears again → as the header has it
	var problems []Problem
	for i, h := range header {
		name := normalize(h)
		if _, dup := index[name]; dup && name != "" {
			twice[name] = h
		}
		index[name] = i
	}
	lay := layout{cols: make([]int, len(k.fields)), cells: len(header)}
	used := map[int]bool{}
	for i, f := range k.fields {
		want := f.name
		if m, ok := mapping[f.name]; ok && m != "" {
			want = m
		}
		// Twice is a problem only for a column that is read: which of the
		// two holds the data? One that is ignored is ignored twice.
		if h, dup := twice[normalize(want)]; dup {
			problems = append(problems, Problem{Line: 1, Column: f.name, Message: fmt.Sprintf("column %q appears twice in the header", clip(h))})
		}
		idx, ok := index[normalize(want)]
		lay.cols[i] = -1
		if ok {
			lay.cols[i], used[idx] = idx, true
			lay.need = max(lay.need, idx+1)
		} else if f.required {
			problems = append(problems, Problem{Line: 1, Column: f.name, Message: missingColumn(f.name, want)})
		}
	}
	for i, h := range header {
		if !used[i] {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("column %q is not one vettingd reads for %s and was ignored", clip(strings.TrimSpace(h)), k.name))
		}
	}
	return lay, problems, nil
}

func missingColumn(name, want string) string {
	if want != name {
		return fmt.Sprintf("required column %q (configured as %q) is missing from the header", name, want)
	}
	return fmt.Sprintf("required column %q is missing from the header", name)
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// problemList keeps the first maxListed problems and counts the rest.
type problemList struct {
	items []Problem
	n     int
}

func (l *problemList) add(p Problem) {
	l.n++
	if len(l.items) < maxListed {
		l.items = append(l.items, p)
	}
}

// unlisted is how many problems sorted leaves out.
func (l *problemList) unlisted() int { return l.n - len(l.items) }

func (l *problemList) sorted() []Problem {
	out := slices.Clone(l.items)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	if l.n > len(out) {
		out = append(out, Problem{Message: fmt.Sprintf("… and %d more problems not listed", l.n-len(out))})
	}
	return out
}

// stageRows parses every data line, records its problems, and stages each
// row that has a key so the whole-file checks can see it. It returns false
// when it stopped before the end, at a line too long to read.
// stageRows reads the lines, checks each, and stages the good ones with
// add (none when nil: the lines are only checked).
func stageRows(in *reader, k *kind, lay layout, add func(line int, vals []any) error, list *problemList, rep *Report) (bool, error) {
	vals := make([]any, len(k.fields)+len(k.extra))
	for {
		rec, tooLong, err := in.read()
		if tooLong {
			list.add(in.tooLong())
			return false, nil
		}
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rep.Rows++
			list.add(Problem{Line: pe.StartLine, Message: "the line is not valid CSV: " + csvReason(err)})
			continue
		} else if err != nil {
			return false, fmt.Errorf("read %s: %w", rep.FileName, err)
		}
		if blank(rec) { // a line of spaces or bare commas (a spreadsheet's empty rows) is a blank line
			continue
		}
		rep.Rows++
		line, _ := in.csv.FieldPos(0)
		problem := func(column, msg string) {
			if !slices.Contains(lay.quiet, column) {
				list.add(Problem{Line: line, Column: column, Message: msg})
			}
		}
		if !parseRow(rec, k, lay, vals, problem) || add == nil {
			continue
		}
		if err := add(line, vals); err != nil {
			return false, err
		}
	}
}

// snapshotTruth are the columns a snapshot states even by leaving them
// out: whether a person is current.
var snapshotTruth = []string{"end_date"}

// blank reports whether every cell of a record is empty or spaces.
func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// parseRow fills vals from one line's cells and reports the line's
// problems; it returns false when the line cannot be staged (it has too few
// or too many cells, or no key to compare with other rows).
func parseRow(rec []string, k *kind, lay layout, vals []any, add func(column, msg string)) bool {
	switch {
	case len(rec) < lay.need:
		add("", fmt.Sprintf("the line has %d cells, fewer than the header's columns", len(rec)))
		return false
	case len(rec) > lay.cells:
		// Most often a comma inside a cell that is not in quotes: every
		// cell after it would land in the wrong column.
		add("", fmt.Sprintf("the line has %d cells, more than the header's %d columns (put a cell that contains a comma in double quotes)", len(rec), lay.cells))
		return false
	}
	for i := range vals {
		vals[i] = nil
	}
	for i, f := range k.fields {
		if lay.cols[i] < 0 { // not given; a required column missing is the header's problem, once
			vals[i] = f.def
			continue
		}
		cell := strings.TrimSpace(rec[lay.cols[i]])
		if msg := notText(cell); msg != "" {
			add(f.name, f.name+": "+msg+" (save the file as CSV UTF-8)")
			continue
		}
		vals[i] = parseCell(f, cell, add)
	}
	if k.check != nil && len(lay.keep) == 0 {
		k.check(row{k: k, vals: vals[:len(k.fields)]}, add)
	}
	return vals[0] != nil
}

// notText says why a cell is not text the database can hold, or "" when it
// is: a file saved in a legacy encoding (Latin-1 "é" is the byte 0xE9) is not
// UTF-8, and a NUL byte is not text at all (a UTF-16 file is full of them).
func notText(cell string) string {
	switch {
	case !utf8.ValidString(cell):
		return "is not UTF-8 text"
	case strings.ContainsRune(cell, 0):
		return "contains a NUL character, which is not text"
	}
	return ""
}

// parseCell turns one cell into its stored value, or reports why it cannot.
func parseCell(f field, cell string, add func(column, msg string)) any {
	if cell == "" {
		if f.required {
			add(f.name, f.name+" is required but empty")
		}
		return f.def
	}
	bad := func(msg string) any { add(f.name, fmt.Sprintf("%s %q %s", f.name, clip(cell), msg)); return nil }
	switch f.typ {
	case tDate:
		d, err := civil.Parse(cell)
		if err != nil {
			return bad("is not a date: write it YYYY-MM-DD, e.g. 2024-02-29")
		}
		return d
	case tBool:
		switch strings.ToLower(cell) {
		case "true", "yes", "1", "y":
			return true
		case "false", "no", "0", "n":
			return false
		}
		return bad("must be true or false (yes/no, y/n and 1/0 are accepted)")
	case tInt:
		n, err := strconv.Atoi(cell)
		if err != nil || n <= 0 || n > 120 {
			return bad("must be a whole number of months from 1 to 120")
		}
		return int64(n)
	case tEnum:
		v := strings.ToLower(cell)
		if f.name == "level" {
			v = strings.ToUpper(cell)
		}
		if !slices.Contains(f.values, v) {
			return bad("must be one of " + strings.Join(f.values, ", "))
		}
		return v
	case tLevels:
		return parseLevels(cell, bad)
	case tEmail:
		if a, err := mail.ParseAddress(cell); err != nil || a.Address != cell || a.Name != "" {
			return bad("is not a valid e-mail address")
		}
		return cell
	}
	return cell
}

func parseLevels(cell string, bad func(string) any) any {
	var levels []string
	for _, part := range strings.Split(cell, ";") {
		l := strings.ToUpper(strings.TrimSpace(part))
		if l == "" {
			continue
		}
		if !slices.Contains(Levels, l) {
			return bad(fmt.Sprintf("names %q, which is not a vetting level (%s)", clip(part), strings.Join(Levels, ", ")))
		}
		if !slices.Contains(levels, l) {
			levels = append(levels, l)
		}
	}
	if len(levels) == 0 {
		return bad("names no vetting level")
	}
	return strings.Join(levels, ";")
}

// checkStaged runs the checks that need the whole file and the database.
func checkStaged(ctx context.Context, it *store.ImportTx, k *kind, snapshot bool, asOf civil.Date, list *problemList) error {
	dups, err := it.Duplicates(ctx)
	if err != nil {
		return err
	}
	for _, p := range dups {
		list.add(Problem{Line: p.Line, Column: p.Column, Message: fmt.Sprintf("%s %q appears again (first on line %d)", p.Column, clip(p.Value), p.Other)})
	}
	missing, err := it.MissingRefs(ctx, k.refs, asOf)
	if err != nil {
		return err
	}
	for _, p := range missing {
		list.add(Problem{Line: p.Line, Column: p.Column, Message: fmt.Sprintf("%s %q: %s", p.Column, clip(p.Value), noSuch(p.Column))})
	}
	if k.table != "people" {
		return nil
	}
	cycles, err := it.SupervisorCycles(ctx, snapshot, asOf)
	if err != nil {
		return err
	}
	for _, p := range cycles {
		list.add(Problem{Line: p.Line, Column: p.Column, Message: fmt.Sprintf("supervisor_id %q: this person is on a circle of supervisors (following supervisor_id up comes back to them)", clip(p.Value))})
	}
	return nil
}

// keepStored gives the staged rows of a delta the stored values of the
// columns its header lacks, so that the merge leaves those as they are;
// then it runs the row checks, which waited for these values, on the rows
// as they would be stored (a new start_date against a kept end_date).
func keepStored(ctx context.Context, it *store.ImportTx, k *kind, keep []string, list *problemList) error {
	if len(keep) == 0 {
		return nil
	}
	if err := it.KeepStored(ctx, keep); err != nil {
		return err
	}
	if k.check == nil {
		return nil
	}
	return it.EachStaged(ctx, func(line int, vals []any) {
		k.check(row{k: k, vals: vals[:len(k.fields)]}, func(column, msg string) {
			list.add(Problem{Line: line, Column: column, Message: msg})
		})
	})
}

func noSuch(column string) string {
	if column == "post_id" {
		return "no such post (or the post is closed)"
	}
	return "no such person"
}

// clip shortens a value quoted in a message: a file of a thousand bad
// cells of a megabyte each must not make a report of gigabytes.
func clip(v string) string {
	const most = 80
	if len(v) <= most {
		return v
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut] + "…"
}
