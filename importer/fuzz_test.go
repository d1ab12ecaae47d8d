package importer_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"vettingd/importer"
	"vettingd/store"
)

// fuzzStore is one SQLite database per fuzzing process, holding a small
// force for references to point at.
var (
	fuzzOnce  sync.Once
	fuzzDB    *store.Store
	fuzzError error
)

func fuzzStore(t *testing.T) *store.Store {
	fuzzOnce.Do(func() {
		dir, err := osMkdirTemp()
		if err != nil {
			fuzzError = err
			return
		}
		s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(dir, "fuzz.db"))
		if err != nil {
			fuzzError = err
			return
		}
		if _, err = s.Migrate(context.Background()); err != nil {
			fuzzError = err
			return
		}
		for kind, body := range map[string]string{
			"posts":  "post_id,title,required_levels,designated\nP1,Constable,RV,false\nP2,Vetting,MV,true\n",
			"people": "employee_id,given_name,family_name,workforce_type,post_id,supervisor_id,start_date\nE1,Ada,L,officer,P2,,2001-01-01\nE2,Bob,S,staff,P1,E1,2010-01-01\n",
		} {
			if _, err := importer.Run(context.Background(), s, strings.NewReader(body), importer.Options{Kind: kind, AsOf: benchAsOf, FileName: kind, Actor: "fuzz"}); err != nil {
				fuzzError = err
				return
			}
		}
		fuzzDB = s
	})
	if fuzzError != nil {
		t.Fatal(fuzzError)
	}
	return fuzzDB
}

// FuzzImport feeds arbitrary bytes to every kind's import as a dry run: it
// must never panic nor fail with anything but a report (a broken file is
// rejected with its problems named), and writes nothing.
func FuzzImport(f *testing.F) {
	seeds := []string{
		"employee_id,given_name,family_name,workforce_type,start_date\nE3,Cat,J,pcso,2020-02-29\n",
		"\ufeffEMPLOYEE_ID , Given_Name,family_name,workforce_type,start_date,email\r\nE4,\"Dan, Jr\",B,staff,2021-01-01,not-an-email\r\n",
		"clearance_ref,employee_id,level,decision,decided_on,expires_on\nC1,E1,MV,granted,2020-02-29,2027-02-28\n",
		"case_ref,employee_id,outcome,concluded_on\nM1,E2,written_warning,2026-13-01\n",
		"post_id,title,required_levels,designated\nP9,X,SC;XX,yes\n",
		"a,b\n\"unterminated\n",
		"employee_id,given_name\n\x00\xff\xfe,\n",
	}
	for _, s := range seeds {
		f.Add(s, uint8(0))
	}
	kinds := importer.Kinds()
	f.Fuzz(func(t *testing.T, body string, k uint8) {
		s := fuzzStore(t)
		kind := kinds[int(k)%len(kinds)]
		rep, err := importer.Run(context.Background(), s, bytes.NewReader([]byte(body)), importer.Options{
			Kind: kind, Mode: "delta", DryRun: true, AsOf: benchAsOf, FileName: "fuzz.csv", Actor: "fuzz"})
		if err != nil {
			t.Fatalf("%s: an error instead of a report: %v", kind, err)
		}
		if rep.Applied {
			t.Fatalf("a dry run applied")
		}
		for _, p := range rep.Errors {
			if p.Message == "" {
				t.Fatalf("a problem without a message: %+v", p)
			}
		}
	})
}

func osMkdirTemp() (string, error) { return os.MkdirTemp("", "vettingd-fuzz-") }
