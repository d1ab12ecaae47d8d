package importer_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"vettingd/importer"
	"vettingd/store"
	"vettingd/store/storetest"
)

// Two delta imports of the same person, each with columns the other lacks,
// must both take effect. A delta keeps the stored values of the columns its
// file lacks: had each read them while a plan held the lock, and then
// merged in turn, the second would write back what the first changed. The
// test holds a plan open, starts both, waits (on PostgreSQL) until both
// wait for the plan, and lets it go.
func TestConcurrentDeltaImportsOfOnePersonLoseNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		s := storetest.OpenURL(t, dbURL)
		run := func(kind, mode, file string) error {
			rep, err := importer.Run(ctx, s, strings.NewReader(file), importer.Options{Kind: kind, Mode: mode, AsOf: benchAsOf, FileName: kind + ".csv", Actor: "test"})
			if err == nil && rep.Rejected() {
				t.Errorf("%s rejected: %+v", kind, rep.Errors)
			}
			return err
		}
		if err := run("posts", "", "post_id,title,department,required_levels,designated\nP1,Constable,Response,RV,false\nP2,Sergeant,Response,RV,false\n"); err != nil {
			t.Fatal(err)
		}
		if err := run("people", "", "employee_id,given_name,family_name,workforce_type,start_date,email,post_id\nE1,Ada,Lovelace,officer,2020-01-01,old@force.example,P1\n"); err != nil {
			t.Fatal(err)
		}

		holding, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		letGo := func() { once.Do(func() { close(release) }) }
		t.Cleanup(letGo)
		planned := make(chan error, 1)
		go func() {
			_, err := s.Plan(ctx, benchAsOf, "test", false, func(*store.PlanTx) error {
				close(holding)
				<-release
				return nil
			})
			planned <- err
		}()
		<-holding
		done := make(chan error, 2)
		go func() { // a new e-mail, and nothing of posts
			done <- run("people", "delta", "employee_id,given_name,family_name,workforce_type,start_date,email\nE1,Ada,Lovelace,officer,2020-01-01,new@force.example\n")
		}()
		go func() { // a move to P2, and nothing of e-mails
			done <- run("people", "delta", "employee_id,given_name,family_name,workforce_type,start_date,post_id\nE1,Ada,Lovelace,officer,2020-01-01,P2\n")
		}()
		if strings.HasPrefix(dbURL, "postgres") {
			waitForWaiters(t, dbURL, 2, done)
		}
		letGo()
		for _, c := range []chan error{planned, done, done} {
			if err := <-c; err != nil {
				t.Fatal(err)
			}
		}
		got := storetest.Query(t, dbURL, "SELECT email || ' ' || post_id FROM people WHERE employee_id = 'E1'")
		if len(got) != 1 || got[0] != "new@force.example P2" {
			t.Errorf("after both imports E1 has %v, want the first's e-mail and the second's post", got)
		}
	})
}

// waitForWaiters returns once n sessions of this database wait for an
// advisory lock, and fails if an import finishes first or they never do.
func waitForWaiters(t *testing.T, dbURL string, n int, done chan error) {
	t.Helper()
	want := string(rune('0' + n))
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("an import finished (%v) while a plan held the lock", err)
		default:
		}
		got := storetest.Query(t, dbURL, `SELECT COUNT(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
			WHERE d.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted`)
		if got[0] == want {
			return
		}
	}
	t.Fatalf("%d imports never waited for the plan", n)
}
