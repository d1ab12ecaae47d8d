package scheduler_test

import (
	"context"
	"os"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/importer"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/store"
	"vettingd/store/storetest"
	"vettingd/synth"
)

// BenchmarkEvaluatePerson measures the rules on one person at a time, as
// the planner applies them: Evaluate then Diff against the open reviews.
// The people are a generated force of 5,000 as the planner loads them from
// SQLite after a first plan, so each has their clearances, events and open
// reviews; an op is one person.
func BenchmarkEvaluatePerson(b *testing.B) {
	ctx := context.Background()
	files, err := synth.Write(b.TempDir(), synth.Config{People: 5000, Seed: 1, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	s := storetest.Open(b, "sqlite")
	importAll(b, s, files)
	pol := policy.Default()
	p := &scheduler.Planner{Store: s, Policy: pol}
	if _, err := p.Run(ctx, ruleAsOf, "bench", false); err != nil {
		b.Fatal(err)
	}
	var people []store.PlanPerson
	_, err = s.Plan(ctx, ruleAsOf, "bench", true, func(pt *store.PlanTx) error {
		if err := pt.ForgetAll(ctx); err != nil { // everyone, not only who is due
			return err
		}
		return pt.People(ctx, nil, func(chunk []store.PlanPerson) []store.ReviewChange {
			people = append(people, chunk...)
			return nil
		})
	})
	if err != nil || len(people) == 0 {
		b.Fatalf("load people: %v (%d)", err, len(people))
	}
	changes := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		person := &people[i%len(people)]
		changes += len(scheduler.Diff(person, scheduler.Evaluate(person, &pol, ruleAsOf), &pol, ruleAsOf))
	}
	b.ReportMetric(float64(changes)/float64(b.N), "changes/person")
}

var ruleAsOf = civil.MustParse("2026-11-02")

func importAll(b *testing.B, s *store.Store, files synth.Files) {
	b.Helper()
	for _, kind := range synth.Kinds() {
		f, err := os.Open(files[kind])
		if err != nil {
			b.Fatal(err)
		}
		rep, err := importer.Run(context.Background(), s, f, importer.Options{Kind: kind, AsOf: ruleAsOf, FileName: kind, Actor: "bench", MaxLeaverFraction: 1})
		f.Close()
		if err != nil || rep.Rejected() {
			b.Fatalf("import %s: %v %v", kind, err, rep)
		}
	}
}
