package scheduler_test

import (
	"context"
	"os"
	"strconv"
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

func TestMain(m *testing.M) { storetest.Main(m) }

// BenchmarkPlan plans a generated national-scale force (VETTINGD_BENCH_PEOPLE
// people, 310,000 by default) on each backend: a full plan into an empty
// reviews table, then a re-plan with nothing changed.
func BenchmarkPlan(b *testing.B) {
	n := 310_000
	if s := os.Getenv("VETTINGD_BENCH_PEOPLE"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	asOf := civil.MustParse("2026-11-02")
	files, err := synth.Write(b.TempDir(), synth.Config{People: n, Seed: 1, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			ctx := context.Background()
			s := storetest.Open(b, backend)
			for _, kind := range importer.Kinds() {
				f, err := os.Open(files[kind])
				if err != nil {
					b.Fatal(err)
				}
				rep, err := importer.Run(ctx, s, f, importer.Options{Kind: kind, AsOf: asOf, FileName: kind, Actor: "bench", MaxLeaverFraction: 1})
				f.Close()
				if err != nil || rep.Rejected() {
					b.Fatalf("import %s: %v %v", kind, err, rep)
				}
			}
			p := &scheduler.Planner{Store: s, Policy: policy.Default()}
			var full, again, notifyAgain time.Duration
			for i := 0; i < b.N; i++ {
				clear(b, s)
				start := time.Now()
				res, err := p.Run(ctx, asOf, "bench", false)
				full += time.Since(start)
				if err != nil || res.Created == 0 {
					b.Fatalf("plan: %v %+v", err, res)
				}
				start = time.Now()
				res, err = p.Run(ctx, asOf, "bench", false)
				again += time.Since(start)
				if err != nil || res.Created+res.Updated+res.Cancelled != 0 {
					b.Fatalf("re-plan changed things: %v %+v", err, res)
				}
				start = time.Now()
				if owed, err := p.Notify(ctx, asOf, "bench", false); err != nil || owed != 0 {
					b.Fatalf("notify after a re-plan owed %d: %v", owed, err)
				}
				notifyAgain += time.Since(start)
			}
			b.ReportMetric(full.Seconds()/float64(b.N), "s/full-plan")
			b.ReportMetric(again.Seconds()/float64(b.N), "s/re-plan")
			b.ReportMetric(notifyAgain.Seconds()/float64(b.N), "s/notify-again")
			b.ReportMetric(float64(n)*float64(b.N)/full.Seconds(), "people/s")
		})
	}
}

func clear(b *testing.B, s *store.Store) {
	for _, q := range []string{"DELETE FROM notifications", "DELETE FROM reviews", "DELETE FROM plan_state", "DELETE FROM revetting_draw_people", "DELETE FROM revetting_draws"} {
		if _, err := s.DB().Exec(q); err != nil {
			b.Fatal(err)
		}
	}
}
