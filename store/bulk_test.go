package store_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/store"
	"vettingd/store/storetest"
	"vettingd/synth"
)

// A first import and a first plan big enough are bulk loads on
// PostgreSQL: their tables' indexes are built, and their foreign keys
// checked, once all the rows are in. What they store, and the schema they
// leave, are those of a load row by row.
func TestBulkLoadsStoreWhatLoadsRowByRowDo(t *testing.T) {
	asOf := civil.MustParse("2026-11-02")
	files, err := synth.Write(t.TempDir(), synth.Config{People: 300, Seed: 11, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	// Then a force more than twice as big: most of it new (a bulk load
	// again), the rest changed.
	bigger, err := synth.Write(t.TempDir(), synth.Config{People: 700, Seed: 12, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	defer func(was int) { *store.BulkRows = was }(*store.BulkRows)
	// The backends one after the other: the test sets a package variable.
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			rowByRow, bulk := storetest.URL(t, backend), storetest.URL(t, backend)
			*store.BulkRows = 1 << 30
			firstLoad(t, rowByRow, files, asOf)
			grow(t, rowByRow, bigger)
			before := indexIDs(t, bulk, backend)
			*store.BulkRows = 1
			firstLoad(t, bulk, files, asOf)
			grow(t, bulk, bigger)
			if got, want := contents(t, bulk), contents(t, rowByRow); got != want {
				t.Errorf("a bulk load stored\n%.2000s\nwhere one row by row stored\n%.2000s", got, want)
			}
			if got, want := schema(t, bulk, backend), schema(t, rowByRow, backend); got != want {
				t.Errorf("a bulk load left the schema\n%s\nwhere one row by row left\n%s", got, want)
			}
			if backend == "postgres" {
				after := indexIDs(t, bulk, backend)
				for i, name := range bulkIndexes {
					if before[i] == after[i] {
						t.Errorf("index %s was not built afresh: not a bulk load", name)
					}
				}
			}
			keysHold(t, bulk)
		})
	}
}

// A bulk load gives way to a reader holding its table: it waits a moment,
// then loads row by row.
func TestABulkLoadGivesWayToAReader(t *testing.T) {
	asOf := civil.MustParse("2026-11-02")
	files, err := synth.Write(t.TempDir(), synth.Config{People: 100, Seed: 12, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	defer func(was int, wait time.Duration) { *store.BulkRows, *store.BulkLockWait = was, wait }(*store.BulkRows, *store.BulkLockWait)
	*store.BulkRows, *store.BulkLockWait = 1, 200*time.Millisecond
	dbURL := storetest.URL(t, "postgres")
	before := indexIDs(t, dbURL, "postgres")
	reader := storetest.OpenURL(t, dbURL)
	tx, err := reader.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SELECT 1 FROM people, reviews LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	firstLoad(t, dbURL, files, asOf)
	after := indexIDs(t, dbURL, "postgres")
	for i, name := range bulkIndexes {
		if before[i] != after[i] {
			t.Errorf("index %s was built afresh while a reader held its table", name)
		}
	}
	if n := storetest.Count(t, dbURL, "reviews"); n == 0 {
		t.Error("the plan that gave way created no reviews")
	}
}

// firstLoad imports every file of a synthetic force into an empty
// database, and plans it.
func firstLoad(t *testing.T, dbURL string, files synth.Files, asOf civil.Date) {
	t.Helper()
	ctx := context.Background()
	s := storetest.OpenURL(t, dbURL)
	importAll(t, s, files, asOf)
	p := &scheduler.Planner{Store: s, Policy: policy.Default()}
	res, err := p.Run(ctx, asOf, "test", false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created == 0 || res.Notifications == 0 {
		t.Fatalf("the first plan created %d reviews and owed %d notices", res.Created, res.Notifications)
	}
}

// grow imports a bigger force's people over the stored one (created and
// updated rows both), and checks that the import both created and updated.
func grow(t *testing.T, dbURL string, files synth.Files) {
	t.Helper()
	rep := importFile(t, storetest.OpenURL(t, dbURL), "people", "", files["people"], civil.MustParse("2026-11-02"))
	if rep.Created <= rep.Updated+rep.Unchanged || rep.Updated == 0 {
		t.Fatalf("the bigger force created %d and updated %d of %d people: not a bulk load with updates", rep.Created, rep.Updated, rep.Rows)
	}
}

// bulkIndexes are indexes that a bulk load builds afresh.
var bulkIndexes = []string{"people_post_id", "clearances_employee_id", "reviews_employee_id", "notifications_pending"}

// indexIDs returns the object id of each of bulkIndexes on PostgreSQL,
// which changes when the index is dropped and built again.
func indexIDs(t *testing.T, dbURL, backend string) []string {
	if backend != "postgres" {
		return nil
	}
	var ids []string
	for _, name := range bulkIndexes {
		ids = append(ids, storetest.Query(t, dbURL, `SELECT CAST(CAST($1 AS regclass) AS oid)::text`, name)...)
	}
	return ids
}

// contents renders what a first load stores, without its ids and clocks,
// and without the random draw's reviews (its seed is random).
func contents(t *testing.T, dbURL string) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT employee_id || ' ' || COALESCE(post_id, '-') || ' ' || COALESCE(supervisor_id, '-') || ' ' || status FROM people ORDER BY 1`,
		`SELECT employee_id || ' ' || clearance_ref || ' ' || level || ' ' || decision FROM clearances ORDER BY 1`,
		`SELECT kind || ' ' || employee_id || ' ' || source_ref || ' ' || CAST(due_on AS text) || ' ' || status || ' ' || assignee_role || ' ' ||
			COALESCE(assignee_id, '-') || ' ' || CAST(escalation_level AS text) || ' ' || CASE WHEN notified THEN 'told' ELSE 'untold' END
			FROM reviews WHERE kind <> 'random_revetting' ORDER BY 1`,
		`SELECT r.kind || ' ' || r.employee_id || ' ' || r.source_ref || ' ' || n.event || ' ' || n.recipient_role || ' ' || n.recipient_id || ' ' || n.state
			FROM notifications n JOIN reviews r ON r.id = n.review_id WHERE r.kind <> 'random_revetting' ORDER BY 1`,
	} {
		b.WriteString(strings.Join(storetest.Query(t, dbURL, q), "\n"))
		b.WriteString("\n--\n")
	}
	return b.String()
}

// schema lists the indexes and constraints of the tables a bulk load
// suspends the checks of.
func schema(t *testing.T, dbURL, backend string) string {
	t.Helper()
	q := `SELECT sql FROM sqlite_master WHERE tbl_name IN ('people', 'clearances', 'reviews', 'notifications') AND sql IS NOT NULL ORDER BY name`
	if backend == "postgres" {
		q = `SELECT indexdef FROM pg_indexes WHERE tablename IN ('people', 'clearances', 'reviews', 'notifications') AND schemaname = 'public'
			UNION ALL SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
			WHERE conrelid IN ('people'::regclass, 'clearances'::regclass, 'reviews'::regclass, 'notifications'::regclass) ORDER BY 1`
	}
	got := storetest.Query(t, dbURL, q)
	if len(got) < 10 {
		t.Fatalf("schema: only %q", got)
	}
	slices.Sort(got)
	return strings.Join(got, "\n")
}

// keysHold checks that the foreign keys a bulk load dropped are back:
// rows naming no one are refused.
func keysHold(t *testing.T, dbURL string) {
	t.Helper()
	s := storetest.OpenURL(t, dbURL)
	for _, q := range []string{
		`UPDATE people SET post_id = 'NO-SUCH-POST' WHERE employee_id = (SELECT MIN(employee_id) FROM people)`,
		`UPDATE people SET supervisor_id = 'NO-SUCH-PERSON' WHERE employee_id = (SELECT MIN(employee_id) FROM people)`,
		`UPDATE clearances SET employee_id = 'NO-SUCH-PERSON' WHERE clearance_ref = (SELECT MIN(clearance_ref) FROM clearances)`,
		`UPDATE reviews SET employee_id = 'NO-SUCH-PERSON' WHERE id = (SELECT MIN(id) FROM reviews)`,
		`UPDATE notifications SET review_id = -1 WHERE id = (SELECT MIN(id) FROM notifications)`,
	} {
		if _, err := s.DB().Exec(q); err == nil || !strings.Contains(strings.ToLower(err.Error()), "foreign key") {
			t.Errorf("%s: %v, want a foreign key violation", q, err)
		}
	}
}

// A role that does not own the tables (one granted only what a daemon
// needs) may not drop their keys and indexes: its loads go row by row.
func TestABulkLoadNeedsNoOwnership(t *testing.T) {
	asOf := civil.MustParse("2026-11-02")
	files, err := synth.Write(t.TempDir(), synth.Config{People: 100, Seed: 13, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	defer func(was int) { *store.BulkRows = was }(*store.BulkRows)
	*store.BulkRows = 1
	owner := storetest.URL(t, "postgres")
	admin := storetest.OpenURL(t, owner)
	role := fmt.Sprintf("vt_app_%d", os.Getpid())
	if _, err := admin.DB().Exec(`CREATE ROLE ` + role); err != nil {
		t.Fatalf("create role (the test's server role needs CREATEROLE): %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.DB().Exec(`DROP OWNED BY ` + role)
		_, _ = admin.DB().Exec(`DROP ROLE ` + role)
	})
	for _, grant := range []string{
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ` + role,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ` + role,
		`GRANT TEMPORARY ON DATABASE ` + strings.TrimPrefix(mustParse(t, owner).Path, "/") + ` TO ` + role,
	} {
		if _, err := admin.DB().Exec(grant); err != nil {
			t.Fatal(err)
		}
	}
	u := mustParse(t, owner)
	q := u.Query()
	q.Set("options", "-c role="+role)
	u.RawQuery = q.Encode()
	before := indexIDs(t, owner, "postgres")
	firstLoad(t, u.String(), files, asOf)
	if got := storetest.Query(t, u.String(), `SELECT current_user`); len(got) != 1 || got[0] != role {
		t.Fatalf("the loads ran as %q, not as %s", got, role)
	}
	after := indexIDs(t, owner, "postgres")
	for i, name := range bulkIndexes {
		if before[i] != after[i] {
			t.Errorf("index %s was built afresh by a role that does not own it", name)
		}
	}
	if n := storetest.Count(t, owner, "reviews"); n == 0 {
		t.Error("the plan created no reviews")
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// A dry run of a first plan writes nothing, so it asks for no table
// exclusively either: a reader holding the reviews never sees it waiting.
func TestADryRunLoadsNothingInBulk(t *testing.T) {
	asOf := civil.MustParse("2026-11-02")
	files, err := synth.Write(t.TempDir(), synth.Config{People: 100, Seed: 14, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	defer func(was int, wait time.Duration) { *store.BulkRows, *store.BulkLockWait = was, wait }(*store.BulkRows, *store.BulkLockWait)
	*store.BulkRows = 1 << 30
	dbURL := storetest.URL(t, "postgres")
	ctx := context.Background()
	s := storetest.OpenURL(t, dbURL)
	importAll(t, s, files, asOf)
	*store.BulkRows, *store.BulkLockWait = 1, 3*time.Second
	reader := storetest.OpenURL(t, dbURL)
	tx, err := reader.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SELECT 1 FROM reviews LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		res, err := (&scheduler.Planner{Store: s, Policy: policy.Default()}).Run(ctx, asOf, "test", true)
		if err == nil && res.Created == 0 {
			err = fmt.Errorf("the dry run created no reviews")
		}
		done <- err
	}()
	watcher := storetest.OpenURL(t, dbURL)
	for waited := false; ; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if waited {
				t.Error("a dry run asked for the reviews exclusively, for a bulk load")
			}
			return
		default:
		}
		var n int
		if err := watcher.DB().Get(&n, `SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
			WHERE c.relname = 'reviews' AND l.mode = 'AccessExclusiveLock' AND NOT l.granted`); err != nil {
			t.Fatal(err)
		}
		waited = waited || n > 0
		time.Sleep(10 * time.Millisecond)
	}
}
