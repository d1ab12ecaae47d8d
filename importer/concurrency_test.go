package importer_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"vettingd/importer"
	"vettingd/store"
	"vettingd/store/storetest"
)

// gate is a file that yields head, then waits for open to close before
// it yields tail: an upload still arriving.
type gate struct {
	head, tail io.Reader
	reached    chan struct{} // closed when the head has been read
	open       chan struct{}
}

func (g *gate) Read(p []byte) (int, error) {
	if n, err := g.head.Read(p); n > 0 || err != io.EOF {
		return n, err
	}
	select {
	case <-g.reached:
	default:
		close(g.reached)
	}
	<-g.open
	return g.tail.Read(p)
}

// Two delta imports of the same person, each with columns the other lacks,
// must both take effect. A delta keeps the stored values of the columns its
// file lacks, read during the import: had the second import read them
// before the first committed, it would write back what the first changed.
// So an import waits for any other to finish before it begins; on
// PostgreSQL the test sees the second waiting for the first's lock.
func TestConcurrentDeltaImportsOfOnePersonLoseNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		s, err := store.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		run := func(kind, mode string, in io.Reader) error {
			rep, err := importer.Run(ctx, s, in, importer.Options{Kind: kind, Mode: mode, AsOf: benchAsOf, FileName: kind + ".csv", Actor: "test"})
			if err == nil && rep.Rejected() {
				t.Errorf("%s rejected: %+v", kind, rep.Errors)
			}
			return err
		}
		posts := "post_id,title,department,required_levels,designated\nP1,Constable,Response,RV,false\nP2,Sergeant,Response,RV,false\n"
		if err := run("posts", "", strings.NewReader(posts)); err != nil {
			t.Fatal(err)
		}
		people := "employee_id,given_name,family_name,workforce_type,start_date,email,post_id\nE1,Ada,Lovelace,officer,2020-01-01,old@force.example,P1\n"
		if err := run("people", "", strings.NewReader(people)); err != nil {
			t.Fatal(err)
		}
		// The first changes the e-mail and is held half-way through its file.
		first := &gate{head: strings.NewReader("employee_id,given_name,family_name,workforce_type,start_date,email\n"),
			tail: strings.NewReader("E1,Ada,Lovelace,officer,2020-01-01,new@force.example\n"), reached: make(chan struct{}), open: make(chan struct{})}
		firstDone := make(chan error, 1)
		go func() { firstDone <- run("people", "delta", first) }()
		<-first.reached
		// The second moves her to P2, and knows nothing of e-mails.
		secondDone := make(chan error, 1)
		go func() {
			secondDone <- run("people", "delta", strings.NewReader("employee_id,given_name,family_name,workforce_type,start_date,post_id\nE1,Ada,Lovelace,officer,2020-01-01,P2\n"))
		}()
		if strings.HasPrefix(dbURL, "postgres") {
			waitForAWaitingLock(t, dbURL, secondDone)
		}
		close(first.open)
		for _, done := range []chan error{firstDone, secondDone} {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		got := storetest.Query(t, dbURL, "SELECT email || ' ' || post_id FROM people WHERE employee_id = 'E1'")
		if len(got) != 1 || got[0] != "new@force.example P2" {
			t.Errorf("after both imports E1 has %v, want the first's e-mail and the second's post", got)
		}
	})
}

// waitForAWaitingLock returns once some session waits for an advisory
// lock, and fails if the second import finishes first or nobody ever waits.
func waitForAWaitingLock(t *testing.T, dbURL string, secondDone chan error) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-secondDone:
			t.Fatalf("the second import finished (%v) while the first was still under way", err)
		default:
		}
		if n := storetest.Query(t, dbURL, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"); n[0] != "0" {
			return
		}
	}
	t.Fatal("the second import never waited for the first")
}
