package store_test

import (
	"context"
	"os"
	"testing"

	"vettingd/civil"
	"vettingd/importer"
	"vettingd/store"
	"vettingd/synth"
)

// importFile imports one CSV file of kind (mode "" for the kind's own) as
// of asOf, and fails the test unless it is applied.
func importFile(t *testing.T, s *store.Store, kind, mode, file string, asOf civil.Date) *importer.Report {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := importer.Run(context.Background(), s, f, importer.Options{Kind: kind, Mode: mode, AsOf: asOf, FileName: kind, Actor: "test", MaxLeaverFraction: 1})
	if err != nil || rep.Rejected() {
		t.Fatalf("import %s: %v %+v", kind, err, rep)
	}
	return rep
}

// importAll imports the files of a synthetic force: the kinds named, or
// every kind.
func importAll(t *testing.T, s *store.Store, files synth.Files, asOf civil.Date, kinds ...string) {
	t.Helper()
	if len(kinds) == 0 {
		kinds = importer.Kinds()
	}
	for _, kind := range kinds {
		importFile(t, s, kind, "", files[kind], asOf)
	}
}
