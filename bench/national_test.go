package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/notify"
	"vettingd/notify/stdout"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/store"
	"vettingd/store/storetest"
	"vettingd/synth"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const asOfText = "2026-11-02"

var asOf = civil.MustParse(asOfText)

// Sizes of the HTTP runs.
const (
	eventPOSTs  = 1000
	ackRequests = 2000
	ackWorkers  = 8
)

// benchPeople is the force's size: national scale, or VETTINGD_BENCH_PEOPLE.
func benchPeople(b *testing.B) int {
	if s := os.Getenv("VETTINGD_BENCH_PEOPLE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1000 {
			b.Fatalf("VETTINGD_BENCH_PEOPLE=%q: want a number of people, at least 1000", s)
		}
		return n
	}
	return 310_000
}

// BenchmarkNational measures vettingd at national scale on each backend
// and prints a table per backend with each figure beside its target. It
// is one long run, not a loop: run it with -benchtime 1x.
func BenchmarkNational(b *testing.B) {
	n := benchPeople(b)
	dir := b.TempDir()
	// Numbered as a real force numbers its people, not managers first: in
	// id order, a plan's chunk of people is scattered over the file's order
	// (the hierarchy's), and their supervisors over the range of ids.
	progress("building vettingd and generating %s people", count(n))
	bin := buildBinary(b, dir)
	files, err := synth.Write(filepath.Join(dir, "force"), synth.Config{People: n, Seed: 1, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), SpreadIDs: true})
	if err != nil {
		b.Fatal(err)
	}
	f := readForce(b, files)
	delta := f.writeDelta(b, dir)
	var pg *figures
	for range b.N {
		for _, backend := range []string{"postgres", "sqlite"} {
			fig := measure(b, backend, bin, f, delta)
			fig.print(os.Stdout, pg)
			if backend == "postgres" {
				pg = fig
			}
		}
	}
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: %s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// measure runs every step on one backend, in the order a force lives it:
// imports, plans, a digest, a day's changes, events and acknowledgements
// through the API, then an idle daemon.
func measure(b *testing.B, backend, bin string, f *force, delta map[string]string) *figures {
	ctx := context.Background()
	fig := &figures{backend: backend, loadBefore: loadavg(), people: f.rows["people"], posts: f.rows["posts"], clearances: f.rows["clearances"]}
	dbURL := storetest.URL(b, backend)
	step := func(what string) { progress("%s: %s", backend, what) }

	step("imports")
	for _, kind := range synth.Kinds() {
		if kind == "people" && backend == "postgres" {
			step("table floor")
			fig.tableFloor = tableFloor(b, dbURL, f.files[kind], f.rows["people"])
		}
		im := importBinary(b, bin, dbURL, kind, f.files[kind])
		fig.importPeak = max(fig.importPeak, im.peak)
		switch kind {
		case "people":
			fig.peopleImport = im
		case "clearances":
			fig.clearancesImport = im
		case "posts":
		default:
			fig.otherImports += im.took
			fig.eventRows += f.rows[kind]
		}
	}
	step("copy floor")
	fig.floor, fig.floorHow = copyFloor(b, backend, dbURL, f.files["people"])

	s, err := store.Open(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	p := &scheduler.Planner{Store: s, Policy: policy.Default()}
	step("full plan")
	clearReviews(b, s) // the imports' own planning was stopped part way
	res := timePlan(b, p, &fig.fullPlan)
	fig.created, fig.owed = res.Created, res.Notifications
	if backend == "postgres" {
		step("writes floor")
		fig.writesFloor = writesFloor(b, dbURL, f.rows["people"], res.Created)
	}
	step("re-plan")
	res = timePlan(b, p, &fig.replan)
	fig.replanChanges = res.Created + res.Updated + res.Cancelled + res.Completed

	step("digest")
	fig.digest, fig.digestMsgs, fig.digestItems = buildDigest(b, s)

	step("1% change and re-plan")
	fig.deltaPeople = len(f.changedPeople())
	importDelta(b, s, delta)
	res = timePlan(b, p, &fig.replanDelta)
	fig.deltaChanges = res.Created + res.Updated + res.Cancelled + res.Completed

	step("event POSTs and acknowledgements")
	a := newAPI(s, ackWorkers)
	fig.events = postEvents(b, a, token(b, s, "psd"), f.eventPeople(eventPOSTs))
	fig.acks = acknowledge(b, a, token(b, s, "vetting_unit"), f.people[0].id, openReviews(b, s, ackRequests), ackWorkers)
	a.close()

	step("idle serve")
	emptyOutbox(b, s)
	fig.serve = serveIdle(b, bin, dbURL, 5*time.Second, 10*time.Second)
	fig.loadAfter = loadavg()
	return fig
}

func timePlan(b *testing.B, p *scheduler.Planner, took *time.Duration) scheduler.Result {
	b.Helper()
	start := time.Now()
	res, err := p.Run(context.Background(), asOf, "bench", false)
	*took = time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// clearReviews empties what planning writes, for a plan from empty.
func clearReviews(b *testing.B, s *store.Store) {
	b.Helper()
	for _, q := range []string{"DELETE FROM message_items", "DELETE FROM messages", "DELETE FROM notifications", "DELETE FROM reviews",
		"DELETE FROM revetting_draw_people", "DELETE FROM revetting_draws"} {
		if _, err := s.DB().Exec(q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
}

// buildDigest builds the digest of every pending item into messages, one
// per recipient, through the notify package's composer, as serve does at a
// digest window (the log channel carries them: nothing is sent here).
func buildDigest(b *testing.B, s *store.Store) (time.Duration, int, int) {
	b.Helper()
	logCh := &stdout.Notifier{W: io.Discard}
	r := &notify.Router{Preference: []string{"log"}, Channels: map[string]notify.Notifier{"log": logCh}, BaseURL: "http://127.0.0.1", Fallback: logCh}
	now := time.Now()
	start := time.Now()
	st, err := s.BuildMessages(context.Background(), now, now, false, r.Compose(asOf))
	took := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	return took, st.Messages, st.Items
}

// openReviews returns up to n open reviews for the acknowledge load.
func openReviews(b *testing.B, s *store.Store, n int) []int64 {
	b.Helper()
	var ids []int64
	if err := s.DB().Select(&ids, s.DB().Rebind(`SELECT id FROM reviews WHERE status = 'open' ORDER BY id LIMIT ?`), n); err != nil {
		b.Fatal(err)
	}
	return ids
}

// emptyOutbox marks every message delivered and drops every pending item,
// so that the idle daemon has nothing to deliver: idle means no work.
func emptyOutbox(b *testing.B, s *store.Store) {
	b.Helper()
	for _, q := range []string{"UPDATE messages SET status = 'sent' WHERE status = 'pending'",
		"UPDATE notifications SET state = 'dropped' WHERE state = 'pending'"} {
		if _, err := s.DB().Exec(q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
}
