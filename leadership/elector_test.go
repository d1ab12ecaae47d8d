package leadership_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"vettingd/leadership"
	"vettingd/store"
	"vettingd/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// TestTheFollowerTakesOverWhenTheLeaderStops: of two electors on one
// database one leads; when it stops, the other takes the lead at a later
// try and is told so; on SQLite the one elector leads.
func TestTheFollowerTakesOverWhenTheLeaderStops(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		first := &leadership.Elector{Store: storetest.OpenURL(t, dbURL), Retry: 50 * time.Millisecond}
		first.Start(ctx)
		defer first.Stop()
		if !first.IsLeader() {
			t.Fatal("the first elector does not lead")
		}
		if first.Store.Dialect() == store.SQLite {
			return // one serve per SQLite database: nothing to contend with
		}
		var gained atomic.Int32
		second := &leadership.Elector{Store: storetest.OpenURL(t, dbURL), Retry: 50 * time.Millisecond, OnGain: func() { gained.Add(1) }}
		second.Start(ctx)
		defer second.Stop()
		time.Sleep(200 * time.Millisecond) // a few of its tries
		if second.IsLeader() || !first.IsLeader() {
			t.Fatalf("while the first leads: first %v, second %v", first.IsLeader(), second.IsLeader())
		}
		first.Stop()
		for deadline := time.Now().Add(10 * time.Second); !second.IsLeader(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the second elector never took the lead")
			}
		}
		if first.IsLeader() || gained.Load() != 1 {
			t.Errorf("after the hand-over: first leads %v; second told %d times", first.IsLeader(), gained.Load())
		}
	})
}
