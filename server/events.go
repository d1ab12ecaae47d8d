package server

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"vettingd/importer"
	"vettingd/store"
)

// eventKinds maps each event endpoint to the import kind whose rules it keeps.
var eventKinds = map[string]string{
	"misconduct-outcomes": "misconduct",
	"circumstances":       "circumstances",
	"adverse":             "adverse",
	"interests":           "interests",
	"associations":        "associations",
	"clearances":          "clearances",
}

// eventResult answers a recorded event: the import report's counts and
// what planning the person did at once.
type eventResult struct {
	Kind     string          `json:"kind"`
	Created  int             `json:"created"`
	Updated  int             `json:"updated"`
	Warnings []string        `json:"warnings"`
	Planned  store.PlanStats `json:"planned"`
}

// event records one JSON record with the columns of a CSV import of kind,
// checked by the same rules (it goes through the importer as a one-row
// delta), then plans the person at once, so the triggered reviews and
// their notifications exist when the answer comes back.
func (a *API) event(kind string) handler {
	return func(w http.ResponseWriter, r *http.Request, p *principal) {
		var rec map[string]any
		if !decodeJSON(w, r, &rec) {
			return
		}
		body, err := recordCSV(kind, rec)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		today := a.today()
		start := time.Now()
		rep, err := importer.Run(r.Context(), a.Store, bytes.NewReader(body), importer.Options{
			Kind: kind, Mode: "delta", AsOf: today, FileName: "api", Actor: p.actor()})
		if err != nil {
			a.fail(w, r, err)
			return
		}
		a.observe(kind, start)
		if rep.Rejected() {
			msgs := make([]string, len(rep.Errors))
			for i, e := range rep.Errors {
				msgs[i] = e.Message
			}
			writeError(w, http.StatusBadRequest, strings.Join(msgs, "; "))
			return
		}
		res := eventResult{Kind: kind, Created: rep.Created, Updated: rep.Updated, Warnings: rep.Warnings}
		if rep.Changed() {
			planned, err := a.Planner.PlanAffected(r.Context(), today, p.actor(), rep.Affected, rep.AffectsAll)
			if err != nil {
				a.fail(w, r, fmt.Errorf("the %s was recorded, but planning failed: %w", kind, err))
				return
			}
			res.Planned = planned.PlanStats
		}
		status := http.StatusOK
		if rep.Created > 0 {
			status = http.StatusCreated
		}
		writeJSON(w, status, res)
	}
}

// recordCSV turns a JSON record into a one-row CSV file of kind: strings
// as they are, booleans and numbers in their text form, null as empty.
// A field the kind does not have is refused.
func recordCSV(kind string, rec map[string]any) ([]byte, error) {
	cols := importer.Columns(kind)
	var header, row []string
	for _, name := range slices.Sorted(maps.Keys(rec)) {
		if !slices.Contains(cols, name) {
			return nil, fmt.Errorf("unknown field %q: a %s record has %s", name, kind, strings.Join(cols, ", "))
		}
		cell, err := cellText(rec[name])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		header, row = append(header, name), append(row, cell)
	}
	for _, name := range importer.RequiredColumns(kind) {
		if _, ok := rec[name]; !ok {
			return nil, fmt.Errorf("field %q is required: a %s record needs %s", name, kind, strings.Join(importer.RequiredColumns(kind), ", "))
		}
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(header)
	_ = w.Write(row)
	w.Flush()
	return b.Bytes(), w.Error()
}

func cellText(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	}
	return "", errors.New("must be a string, a number, true or false")
}

func (a *API) observe(kind string, start time.Time) {
	if a.ObserveImport != nil {
		a.ObserveImport(kind, time.Since(start))
	}
}

// importCSV streams a CSV body into the importer, exactly as the command
// line's import does: 200 with the report, 422 when rejected.
func (a *API) importCSV(w http.ResponseWriter, r *http.Request, p *principal) {
	kind, q := r.PathValue("kind"), r.URL.Query()
	mode := q.Get("mode")
	if err := importer.CheckKindMode(kind, mode); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !contains(importers(kind), p.Token.Role) {
		writeError(w, http.StatusForbidden, fmt.Sprintf("the %s role may not import %s", p.Token.Role, kind))
		return
	}
	dryRun, err1 := queryBool(q.Get("dry_run"))
	force, err2 := queryBool(q.Get("force"))
	if err := errors.Join(err1, err2); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	today, start := a.today(), time.Now()
	imp := a.Policy.Import
	limit := a.MaxImport
	if limit <= 0 {
		limit = DefaultMaxImport
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(start.Add(importDeadline)) // not every ResponseWriter can; the server's own timeouts then hold
	_ = rc.SetWriteDeadline(start.Add(importDeadline))
	// The file arrives whole before the import starts: an upload however
	// slow holds no connection or transaction (SQLite has one connection).
	file, err := spool(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is larger than the import limit of %d MiB (VETTINGD_MAX_IMPORT_MB); nothing was written", limit>>20))
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "the file did not arrive whole; nothing was written")
		return
	}
	defer func() { file.Close(); os.Remove(file.Name()) }()
	rep, err := importer.Run(r.Context(), a.Store, file, importer.Options{
		Kind: kind, Mode: mode, DryRun: dryRun, Force: force, AsOf: today, FileName: kind + ".csv", Actor: p.actor(),
		Columns: imp.Columns[kind], MaxLeaverFraction: imp.MaxLeaverFraction, MaxLeaverFloor: imp.MaxLeaverCountFloor})
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is larger than the import limit of %d MiB (VETTINGD_MAX_IMPORT_MB); nothing was written", limit>>20))
		return
	case err != nil:
		a.fail(w, r, err)
		return
	}
	a.observe(kind, start)
	if rep.Rejected() {
		writeJSON(w, http.StatusUnprocessableEntity, rep)
		return
	}
	if rep.Applied && rep.Changed() {
		if _, err := a.Planner.PlanAffected(r.Context(), today, p.actor(), rep.Affected, rep.AffectsAll); err != nil {
			a.fail(w, r, fmt.Errorf("the import was applied, but planning failed: %w", err))
			return
		}
	}
	writeJSON(w, http.StatusOK, rep)
}

func queryBool(v string) (bool, error) {
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%q is not true or false", v)
	}
	return b, nil
}

// spool copies an upload into a temporary file (owner-only, in TMPDIR)
// and returns it rewound; the caller closes and removes it.
func spool(body io.Reader) (*os.File, error) {
	f, err := os.CreateTemp("", "vettingd-import-*.csv")
	if err != nil {
		return nil, err
	}
	if _, err = io.Copy(f, body); err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}
