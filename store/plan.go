package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"vettingd/civil"
)

// PlanPerson is everything the rules need to know about one person.
type PlanPerson struct {
	EmployeeID            string     `db:"employee_id"`
	WorkforceType         string     `db:"workforce_type"`
	PostID                string     `db:"post_id"`
	PostLevels            string     `db:"post_levels"` // ';'-separated
	SupervisorID          string     `db:"supervisor_id"`
	SupervisorCurrent     bool       `db:"supervisor_current"`
	Status                string     `db:"status"`
	StartDate             civil.Date `db:"start_date"`
	EndDate               civil.Date `db:"end_date"`
	LastIntegrityReviewOn civil.Date `db:"last_integrity_review_on"`
	FirstImportedOn       civil.Date `db:"first_imported_on"`

	Clearances    []Clearance
	Misconduct    []Misconduct
	Circumstances []Circumstance
	Adverse       []Adverse
	Interests     []Interest
	Associations  []Association
	Draws         []Draw
	Open          []Review        // open and acknowledged reviews
	Closed        []ClosedReviews // completed and cancelled ones

	// SupervisorStart and SupervisorEnd are the supervisor's start and end
	// dates, when they have a supervisor: they supervise from one to the
	// other.
	SupervisorStart civil.Date `db:"supervisor_start"`
	SupervisorEnd   civil.Date `db:"supervisor_end"`
	// ValidUntil is set by the planner: the first date after the plan's on
	// which the rules could conclude otherwise for this person with no
	// record changed; zero for never.
	ValidUntil civil.Date `db:"-"`
}

// Clearance is one vetting decision.
type Clearance struct {
	EmployeeID             string     `db:"employee_id"`
	Ref                    string     `db:"clearance_ref"`
	Level                  string     `db:"level"`
	Decision               string     `db:"decision"`
	DecidedOn              civil.Date `db:"decided_on"`
	ExpiresOn              civil.Date `db:"expires_on"`
	AdverseInfo            bool       `db:"adverse_info"`
	MitigationOwnerID      string     `db:"mitigation_owner_id"`
	MitigationOwnerCurrent bool       `db:"owner_current"`
	MitigationOwnerStart   civil.Date `db:"owner_start"`
	MitigationOwnerEnd     civil.Date `db:"owner_end"`
	MitigationReviewMonths int        `db:"mitigation_review_months"`
	FirstImportedOn        civil.Date `db:"first_imported_on"`
}

// Misconduct is one misconduct outcome.
type Misconduct struct {
	EmployeeID  string     `db:"employee_id"`
	Ref         string     `db:"case_ref"`
	Outcome     string     `db:"outcome"`
	ConcludedOn civil.Date `db:"concluded_on"`
}

// Circumstance is one change-of-circumstances report.
type Circumstance struct {
	EmployeeID string     `db:"employee_id"`
	Ref        string     `db:"report_ref"`
	Category   string     `db:"category"`
	ReportedOn civil.Date `db:"reported_on"`
	Assessment string     `db:"assessment"`
	AssessedOn civil.Date `db:"assessed_on"`
}

// Adverse is one adverse-information record.
type Adverse struct {
	EmployeeID string     `db:"employee_id"`
	Ref        string     `db:"intel_ref"`
	ReceivedOn civil.Date `db:"received_on"`
}

// Interest is one business-interest decision.
type Interest struct {
	EmployeeID      string     `db:"employee_id"`
	Ref             string     `db:"interest_ref"`
	Decision        string     `db:"decision"`
	DecidedOn       civil.Date `db:"decided_on"`
	FirstImportedOn civil.Date `db:"first_imported_on"`
}

// Association is one notifiable association.
type Association struct {
	EmployeeID      string     `db:"employee_id"`
	Ref             string     `db:"association_ref"`
	DeclaredOn      civil.Date `db:"declared_on"`
	HasConditions   bool       `db:"has_conditions"`
	FirstImportedOn civil.Date `db:"first_imported_on"`
}

// Draw is a random re-vetting draw that chose a person.
type Draw struct {
	EmployeeID string     `db:"employee_id"`
	Month      string     `db:"month"`
	DrawnOn    civil.Date `db:"drawn_on"`
}

// Review is a review as stored.
type Review struct {
	ID              int64      `db:"id" json:"id"`
	Kind            string     `db:"kind" json:"kind"`
	EmployeeID      string     `db:"employee_id" json:"employee_id"`
	Reason          string     `db:"reason" json:"reason"`
	SourceRef       string     `db:"source_ref" json:"source_ref"`
	DueOn           civil.Date `db:"due_on" json:"due_on"`
	OpensOn         civil.Date `db:"opens_on" json:"opens_on"`
	Status          string     `db:"status" json:"status"`
	Overdue         bool       `db:"overdue" json:"overdue"`
	AssigneeRole    string     `db:"assignee_role" json:"assignee_role"`
	AssigneeID      *string    `db:"assignee_id" json:"assignee_id"`
	AcknowledgedAt  *time.Time `db:"acknowledged_at" json:"acknowledged_at"`
	AcknowledgedBy  *string    `db:"acknowledged_by" json:"acknowledged_by"`
	CompletedOn     civil.Date `db:"completed_on" json:"completed_on"`
	CompletedBy     *string    `db:"completed_by" json:"completed_by"`
	Outcome         *string    `db:"outcome" json:"outcome"`
	Note            *string    `db:"note" json:"-"`
	Declarations    *string    `db:"declarations" json:"-"`
	CancelReason    *string    `db:"cancel_reason" json:"-"`
	EscalationLevel int        `db:"escalation_level" json:"escalation_level"`
}

// ClosedReviews is a completed or cancelled review, as the rules see it.
type ClosedReviews struct {
	EmployeeID    string     `db:"employee_id"`
	Kind          string     `db:"kind"`
	SourceRef     string     `db:"source_ref"`
	AssigneeID    string     `db:"assignee_id"`
	LastCompleted civil.Date `db:"last_completed"`
}

// ReviewChange is one thing a plan does to the reviews table.
type ReviewChange struct {
	Action string // create, update, cancel, complete
	ID     int64  // for update, cancel, complete
	Want   Wanted // for create and update
	// For cancel: the reason; for complete: the outcome, date and who.
	Reason      string
	CompletedOn civil.Date
	// Reassigned, for update: the review goes to someone else, who is told
	// of it (once it has opened) as if it were new, and whose own chain
	// hears of it when it is overdue.
	Reassigned bool
	// Reopen, for update: the review goes back to open and forgets who
	// acknowledged it (its new assignee has not seen it).
	Reopen bool
}

// Wanted is a review that the rules say should be open.
type Wanted struct {
	Kind         string
	EmployeeID   string
	Reason       string
	SourceRef    string
	DueOn        civil.Date
	OpensOn      civil.Date
	AssigneeRole string
	AssigneeID   string
}

// PlanTx is one planning transaction. On PostgreSQL it holds the planner's
// advisory lock, so one daemon plans at a time and nothing is planned twice.
type PlanTx struct {
	s    *Store
	conn *sqlx.Conn // the transaction's own connection, for COPY; nil on SQLite
	tx   *sqlx.Tx
	now  time.Time
	// AsOf is the date the plan is for.
	AsOf civil.Date
	// Actor is who the changes are attributed to in the audit log.
	Actor string
	log   hash.Hash // the SHA-256 of a line per change, for the audit entry
	// changes holds those lines, for the audit log: every review the plan
	// creates, updates, cancels or completes: auditChangeLines lines to a
	// block (one growing buffer was copied over and over as it grew, 2 s
	// of a national first plan's 690,000 lines).
	changes [][]byte
	inBlock int // lines in the last block
	// rulesChanged is the audit entry of a change of rules or policy.
	rulesChanged *AuditEntry
	rules        string // the fingerprint UseRules declared
	Stats        PlanStats
	// lastOld is the highest review id before the plan began: the reviews
	// after it are the plan's own (only plans create reviews, one at a time).
	lastOld int64
	// noReviews is set while a pass plans people who can have no reviews
	// to load: the first plan's.
	noReviews bool
	dryRun    bool // the plan will be rolled back
	// Whether UseRules declared the notification rules, and the due dates
	// on or before which, by them, a review is overdue enough for each
	// escalation.
	notifying            bool
	escalate1, escalate2 civil.Date
	// buf keeps the slices one chunk is loaded into for the next but one
	// (the people) or the next (the records, which are copied to each
	// person): a first plan loads 155 chunks, and growing fresh slices was a
	// fifth of all it allocated. Nothing keeps a chunk's rows once the chunk
	// is planned.
	buf struct {
		people        [2][]PlanPerson // a chunk is evaluated while the next loads
		clearances    []Clearance
		misconduct    []Misconduct
		circumstances []Circumstance
		adverse       []Adverse
		interests     []Interest
		associations  []Association
		draws         []Draw
		reviews       []Review
	}
}

// PlanStats counts what a plan did.
type PlanStats struct {
	People    int `json:"people"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Cancelled int `json:"cancelled"`
	Completed int `json:"completed"`
	// Notifications counts the outbox items the plan owed.
	Notifications int `json:"notifications"`
}

const planLockKey = 0x7665_7474_706c_616e // "vettplan"

// Plan runs fn in one planning transaction, and commits unless fn fails or
// dryRun is set. The audit log gets every change the run made, a line each
// ("reviews_changed" entries of up to auditChangeLines lines), then one
// entry for the run with its counts and the digest of those lines.
func (s *Store) Plan(ctx context.Context, asOf civil.Date, actor string, dryRun bool, fn func(pt *PlanTx) error) (PlanStats, error) {
	// As an import's (BeginImport): ctx stops the statements, and the
	// deferred Rollback ends the transaction once any COPY has ended.
	conn, tx, err := s.beginOwn(context.WithoutCancel(ctx))
	if err != nil {
		return PlanStats{}, fmt.Errorf("store: begin plan: %w", err)
	}
	if conn != nil {
		defer conn.Close() // after the Rollback below
	}
	defer tx.Rollback()
	// A plan is thousands of small queries: starting parallel workers for
	// one costs more than the query (30 ms against 3 ms a chunk).
	if err := s.localSettings(ctx, tx, "max_parallel_workers_per_gather = 0"); err != nil {
		return PlanStats{}, err
	}
	if s.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, planLockKey); err != nil {
			return PlanStats{}, fmt.Errorf("store: plan lock: %w", err)
		}
	}
	pt := &PlanTx{s: s, conn: conn, tx: tx, now: time.Now().UTC().Truncate(time.Microsecond), AsOf: asOf, Actor: actor, log: sha256.New(), dryRun: dryRun}
	if err := tx.GetContext(ctx, &pt.lastOld, `SELECT COALESCE(MAX(id), 0) FROM reviews`); err != nil {
		return PlanStats{}, fmt.Errorf("store: plan: %w", err)
	}
	if err := fn(pt); err != nil {
		return pt.Stats, err
	}
	if dryRun {
		return pt.Stats, nil
	}
	if err := pt.finish(ctx); err != nil {
		return pt.Stats, err
	}
	if err := tx.Commit(); err != nil {
		return pt.Stats, fmt.Errorf("store: commit plan: %w", err)
	}
	return pt.Stats, nil
}

func (pt *PlanTx) finish(ctx context.Context) error {
	if pt.rulesChanged != nil {
		if err := pt.s.appendAudit(ctx, pt.tx, *pt.rulesChanged); err != nil {
			return err
		}
	}
	st := pt.Stats
	if st.Created+st.Updated+st.Cancelled+st.Completed == 0 {
		return nil
	}
	_, err := pt.tx.ExecContext(ctx, `INSERT INTO plan_runs (as_of, started_at, finished_at, people, created, updated, cancelled, completed)
		VALUES (`+pt.s.date(1)+`, $2, $3, $4, $5, $6, $7, $8)`,
		pt.AsOf, pt.now, time.Now().UTC(), st.People, st.Created, st.Updated, st.Cancelled, st.Completed)
	if err != nil {
		return fmt.Errorf("store: record plan: %w", err)
	}
	// The lines go in at the end, not as the plan goes: appending to the
	// log takes its lock, which every audited read would then wait on for
	// the whole plan.
	for _, block := range pt.changes {
		detail, err := json.Marshal(map[string]any{"as_of": pt.AsOf, "changes": string(block)})
		if err != nil {
			return fmt.Errorf("store: audit plan changes: %w", err)
		}
		if err := pt.s.appendAudit(ctx, pt.tx, AuditEntry{At: pt.now, Actor: pt.Actor, Action: "reviews_changed", Entity: "reviews",
			EntityID: pt.AsOf.String(), Detail: string(detail)}); err != nil {
			return err
		}
	}
	detail, _ := json.Marshal(map[string]any{"as_of": pt.AsOf, "stats": st, "changes_sha256": hex.EncodeToString(pt.log.Sum(nil))})
	return pt.s.appendAudit(ctx, pt.tx, AuditEntry{At: pt.now, Actor: pt.Actor, Action: "plan", Entity: "reviews", EntityID: pt.AsOf.String(), Detail: string(detail)})
}

// auditChangeLines is how many changes one audit entry lists at most: a
// day's plan fits in one; a national first plan takes about seventy.
var auditChangeLines = 10000

// noteChange keeps a change's line for the audit log.
func (pt *PlanTx) noteChange(line []byte) {
	pt.log.Write(line)
	if len(pt.changes) == 0 || pt.inBlock == auditChangeLines {
		size := 4 << 10 // most plans change a review or two
		if len(pt.changes) > 0 {
			size = 96 * auditChangeLines
		}
		pt.changes = append(pt.changes, make([]byte, 0, size))
		pt.inBlock = 0
	}
	last := &pt.changes[len(pt.changes)-1]
	*last = append(*last, line...)
	pt.inBlock++
}

// planChunk is how many people one round of loading covers: few enough to
// bound memory, many enough that the queries are few.
const planChunk = 2000

// Evaluator works out what the rules make of a chunk of people: the
// changes to their reviews, and in each PlanPerson.ValidUntil. It must not
// touch the database: it runs on its own goroutine while the database
// writes the chunk before and loads the chunk after.
type Evaluator func(people []PlanPerson) []ReviewChange

// People plans people a chunk at a time (in employee_id order), each with
// all their records: eval works out the changes, which are applied, and
// then until when each person's conclusion holds is remembered. With only
// non-empty, just those people are loaded; else those whose last
// conclusion does not hold on the plan's date, or was forgotten since.
func (pt *PlanTx) People(ctx context.Context, only []string, eval Evaluator) error {
	if len(only) > 0 {
		done := false
		return pt.pipeline(ctx, eval, func(buf int) ([]PlanPerson, bool, error) {
			if done {
				return nil, false, nil
			}
			done = true
			people, err := pt.loadPeople(ctx, buf, only)
			return people, true, err
		})
	}
	if err := pt.forgetStale(ctx); err != nil {
		return err
	}
	var due, all int
	if err := pt.tx.GetContext(ctx, &all, `SELECT COUNT(*) FROM people`); err != nil {
		return wrapLoad(err)
	}
	// With no conclusion remembered (a first plan, a new policy) everyone
	// is due: the count would probe plan_state once a person for nothing.
	if err := pt.tx.GetContext(ctx, &due, `SELECT CASE WHEN EXISTS (SELECT 1 FROM plan_state) THEN
		(SELECT COUNT(*) FROM people p WHERE `+unplanned+`) ELSE $1 END`, all); err != nil {
		return wrapLoad(err)
	}
	if due == 0 {
		return nil
	}
	if due*2 < all {
		// Few are due: list them, and load each chunk's records by list (a
		// range of ids would span the force).
		var ids []string
		if err := pt.tx.SelectContext(ctx, &ids, `SELECT employee_id FROM people p WHERE `+unplanned+` ORDER BY employee_id`); err != nil {
			return wrapLoad(err)
		}
		return pt.pipeline(ctx, eval, func(buf int) ([]PlanPerson, bool, error) {
			if len(ids) == 0 {
				return nil, false, nil
			}
			n := min(len(ids), planChunk)
			people, err := pt.loadPeople(ctx, buf, ids[:n])
			ids = ids[n:]
			return people, true, err
		})
	}
	// Most are due: the force a chunk at a time in id order, each chunk's
	// records by range. On a first plan (no reviews yet: only plans create
	// them, and this one holds the lock) there are no reviews to load, and
	// a national one writes enough to be a bulk load.
	if pt.lastOld == 0 && pt.Stats.Created == 0 {
		pt.noReviews = true
		defer func() { pt.noReviews = false }()
		bulk, err := pt.bulkReviews(ctx, due)
		if err != nil {
			return err
		}
		if err := pt.plannedRange(ctx, eval); err != nil {
			return err
		}
		return bulk.restore(ctx, pt.tx)
	}
	return pt.plannedRange(ctx, eval)
}

// bulkReviews suspends the checks on reviews when a first plan is to write
// enough of them (not in a dry run, which writes nothing); nil when not. It
// locks the notifications as well, which the plan loads in bulk next.
func (pt *PlanTx) bulkReviews(ctx context.Context, people int) (*suspended, error) {
	if pt.dryRun {
		return nil, nil
	}
	// A person has two or three reviews on a first plan.
	if ok, err := pt.s.bulkWorth(ctx, pt.tx, "reviews", 2*people); err != nil || !ok {
		return nil, err
	}
	return pt.s.suspendChecks(ctx, pt.tx, "reviews", false, "notifications")
}

// plannedRange plans, a chunk at a time in id order, everyone with no
// conclusion that holds.
func (pt *PlanTx) plannedRange(ctx context.Context, eval Evaluator) error {
	supervisors, err := pt.supervisorDates(ctx)
	if err != nil {
		return err
	}
	after, finished := "", false
	return pt.pipeline(ctx, eval, func(buf int) ([]PlanPerson, bool, error) {
		for !finished {
			people, last, err := pt.loadRange(ctx, buf, after)
			if err != nil || last == "" {
				finished = true
				return nil, false, err
			}
			after = last
			if len(people) > 0 { // else a chunk of people all planned already
				for i := range people {
					supervisors.fill(&people[i], pt.AsOf)
				}
				return people, false, nil
			}
		}
		return nil, false, nil
	})
}

// tenure is when a person starts, and leaves (zero: not known).
type tenure struct{ start, end civil.Date }

// supervisorTenures are the tenures of everyone who supervises someone.
type supervisorTenures map[string]tenure

// supervisorDates reads the tenure of everyone who supervises someone, for
// a pass over the force: looked up a chunk at a time, the supervisors of a
// force whose ids do not follow its hierarchy were a random read each,
// 2.6 s of a national first plan against 0.9 s for one whose managers'
// ids come first. (About one person in eight supervises: 40,000 entries.)
func (pt *PlanTx) supervisorDates(ctx context.Context) (supervisorTenures, error) {
	var rows []struct {
		ID    string     `db:"employee_id"`
		Start civil.Date `db:"start_date"`
		End   civil.Date `db:"end_date"`
	}
	err := pt.tx.SelectContext(ctx, &rows, `SELECT employee_id, start_date, end_date FROM people
		WHERE employee_id IN (SELECT supervisor_id FROM people WHERE supervisor_id IS NOT NULL)`)
	if err != nil {
		return nil, fmt.Errorf("store: load supervisors: %w", err)
	}
	m := make(supervisorTenures, len(rows))
	for _, r := range rows {
		m[r.ID] = tenure{r.Start, r.End}
	}
	return m, nil
}

// fill sets p's supervisor's dates, and whether they supervise on asOf,
// as personColumns would.
func (m supervisorTenures) fill(p *PlanPerson, asOf civil.Date) {
	t := m[p.SupervisorID] // zero for none
	p.SupervisorStart, p.SupervisorEnd = t.start, t.end
	p.SupervisorCurrent = !t.start.IsZero() && !t.start.After(asOf) && (t.end.IsZero() || t.end.After(asOf))
}

// pipeline plans the chunks next loads (into people buffer buf; none, when
// there are no more), each with its records. While a chunk is evaluated,
// the database loads the next and then writes the one before: a first plan
// spends seconds in the rules, and the database would wait for them.
func (pt *PlanTx) pipeline(ctx context.Context, eval Evaluator, next func(buf int) ([]PlanPerson, bool, error)) error {
	type chunk struct {
		people  []PlanPerson
		listed  bool
		changes chan []ReviewChange
	}
	buf := 0
	load := func() (*chunk, error) {
		people, listed, err := next(buf)
		if err != nil || len(people) == 0 {
			return nil, err
		}
		buf ^= 1
		if err := pt.loadRecords(ctx, people, listed); err != nil {
			return nil, err
		}
		pt.Stats.People += len(people)
		c := &chunk{people: people, listed: listed, changes: make(chan []ReviewChange, 1)}
		go func() { c.changes <- eval(c.people) }()
		return c, nil
	}
	cur, err := load()
	for cur != nil && err == nil {
		var after *chunk
		after, err = load()
		changes := <-cur.changes
		if err == nil {
			err = pt.Apply(ctx, cur.people, changes)
		}
		if err == nil {
			err = pt.remember(ctx, cur.people, cur.listed)
		}
		if err != nil && after != nil {
			<-after.changes // its rules are done with its buffer before anything reuses it
		}
		cur = after
	}
	return err
}

// unplanned is the condition on people p that no conclusion holds for them.
const unplanned = `NOT EXISTS (SELECT 1 FROM plan_state ps WHERE ps.employee_id = p.employee_id)`

// unplannedIn is unplanned for a chunk of ids after $1, up to $2. The
// bounds on plan_state as well let the database read just the chunk's
// part of it: its statistics, from before the plan filled it, would
// otherwise have it hash the whole table for every chunk.
const unplannedIn = `NOT EXISTS (SELECT 1 FROM plan_state ps WHERE ps.employee_id = p.employee_id AND ps.employee_id > $1 AND ps.employee_id <= $2)`

// personColumns selects a chunk's people with their post's levels and,
// with supervisors, their supervisor's dates (else left to fill).
func (pt *PlanTx) personColumns(supervisors bool) string {
	cols := `p.employee_id, p.workforce_type, COALESCE(p.post_id, '') AS post_id, COALESCE(po.required_levels, '') AS post_levels,
	COALESCE(p.supervisor_id, '') AS supervisor_id, p.status, p.start_date, p.end_date, p.last_integrity_review_on, p.first_imported_on`
	if !supervisors {
		return cols + ` FROM people p LEFT JOIN posts po ON po.post_id = p.post_id`
	}
	return cols + `,
	CASE WHEN s.employee_id IS NOT NULL AND s.start_date <= $1 AND (s.end_date IS NULL OR s.end_date > $1) THEN 1 ELSE 0 END AS supervisor_current,
	s.start_date AS supervisor_start, s.end_date AS supervisor_end
	FROM people p LEFT JOIN posts po ON po.post_id = p.post_id ` + pt.s.leftLookUp("people s", "s.employee_id, s.start_date, s.end_date", "s.employee_id = p.supervisor_id")
}

// leftLookUp is a LEFT JOIN that looks up, row by row through its key,
// the columns of table (with its alias) where cond holds. Joined plainly,
// PostgreSQL merged a chunk of 2,000 people with their supervisors by
// reading the primary key from its start to the highest supervisor's id:
// 40,000 entries for every chunk where managers' ids come first, the whole
// table where they are spread. OFFSET 0 keeps PostgreSQL from flattening
// the lookup back into that join; SQLite looks up anyway.
func (s *Store) leftLookUp(table, columns, cond string) string {
	if s.dialect == Postgres {
		return `LEFT JOIN LATERAL (SELECT ` + columns + ` FROM ` + table + ` WHERE ` + cond + ` OFFSET 0) AS ` + table[strings.LastIndexByte(table, ' ')+1:] + ` ON true`
	}
	return `LEFT JOIN ` + table + ` ON ` + cond
}

func (pt *PlanTx) loadPeople(ctx context.Context, buf int, only []string) ([]PlanPerson, error) {
	people := pt.buf.people[buf][:0]
	defer func() { pt.buf.people[buf] = people[:0] }()
	filter, args := pt.idFilter(only, 2)
	err := pt.tx.SelectContext(ctx, &people, `SELECT `+pt.personColumns(true)+` WHERE p.employee_id `+filter+` ORDER BY p.employee_id`,
		append([]any{pt.AsOf}, args...)...)
	return people, wrapLoad(err)
}

// loadRange loads the people with no conclusion among the planChunk after
// the id after, and returns the chunk's last id ("" past the end). The
// chunk's bounds come first (an index-only scan), then its people by range:
// asked for "the next 2,000 in order" with the joins, the database may join
// whole tables before it sorts and stops.
func (pt *PlanTx) loadRange(ctx context.Context, buf int, after string) ([]PlanPerson, string, error) {
	var last sql.NullString
	err := pt.tx.GetContext(ctx, &last, `SELECT MAX(employee_id) FROM (SELECT employee_id FROM people WHERE employee_id > $1
		ORDER BY employee_id LIMIT $2) AS chunk`, after, planChunk)
	if err != nil || !last.Valid {
		return nil, "", wrapLoad(err)
	}
	people := pt.buf.people[buf][:0]
	defer func() { pt.buf.people[buf] = people[:0] }()
	err = pt.tx.SelectContext(ctx, &people, `SELECT `+pt.personColumns(false)+` WHERE p.employee_id > $1 AND p.employee_id <= $2 AND `+unplannedIn+`
		ORDER BY p.employee_id`, after, last.String)
	return people, last.String, wrapLoad(err)
}

func wrapLoad(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: load people: %w", err)
}

// loadRecords fills in each person's records with one query per table:
// over the chunk's range of employee ids in a full pass, where the chunk is
// contiguous, and over the listed ids when only some people are planned — a
// range from E00001 to E99999 would read every record in the force.
func (pt *PlanTx) loadRecords(ctx context.Context, people []PlanPerson, listed bool) error {
	idx := make(map[string]*PlanPerson, len(people))
	for i := range people {
		idx[people[i].EmployeeID] = &people[i]
	}
	ids, args := pt.chunkFilter(people, listed)
	b := &pt.buf
	clearances, misconduct, circumstances, adverse := b.clearances[:0], b.misconduct[:0], b.circumstances[:0], b.adverse[:0]
	interests, associations, draws, all := b.interests[:0], b.associations[:0], b.draws[:0], b.reviews[:0]
	defer func() {
		b.clearances, b.misconduct, b.circumstances, b.adverse = clearances[:0], misconduct[:0], circumstances[:0], adverse[:0]
		b.interests, b.associations, b.draws, b.reviews = interests[:0], associations[:0], draws[:0], all[:0]
	}()
	loads := []struct {
		dst any
		q   string
	}{
		{&clearances, `SELECT c.employee_id, c.clearance_ref, c.level, c.decision, c.decided_on, c.expires_on, c.adverse_info,
			COALESCE(c.mitigation_owner_id, '') AS mitigation_owner_id, COALESCE(c.mitigation_review_months, 0) AS mitigation_review_months,
			c.first_imported_on,
			CASE WHEN o.employee_id IS NOT NULL AND o.start_date <= {as_of} AND (o.end_date IS NULL OR o.end_date > {as_of}) THEN 1 ELSE 0 END AS owner_current,
			o.start_date AS owner_start, o.end_date AS owner_end
			FROM clearances c ` + pt.s.leftLookUp("people o", "o.employee_id, o.start_date, o.end_date", "o.employee_id = c.mitigation_owner_id") + `
			WHERE c.employee_id {ids} ORDER BY c.employee_id, c.level, c.decided_on, c.clearance_ref`},
		{&misconduct, `SELECT employee_id, case_ref, outcome, concluded_on FROM misconduct_outcomes WHERE employee_id {ids}`},
		{&circumstances, `SELECT employee_id, report_ref, category, reported_on, assessment, assessed_on FROM circumstances_reports WHERE employee_id {ids}`},
		{&adverse, `SELECT employee_id, intel_ref, received_on FROM adverse_records WHERE employee_id {ids}`},
		{&interests, `SELECT employee_id, interest_ref, decision, decided_on, first_imported_on FROM business_interests WHERE employee_id {ids}`},
		{&associations, `SELECT employee_id, association_ref, declared_on, first_imported_on,
			CASE WHEN COALESCE(TRIM(conditions), '') <> '' THEN 1 ELSE 0 END AS has_conditions
			FROM associations WHERE employee_id {ids}`},
		{&draws, `SELECT p.employee_id, p.month, d.drawn_on FROM revetting_draw_people p JOIN revetting_draws d ON d.month = p.month
			WHERE p.employee_id {ids}`},
		// One pass over the chunk's reviews, open and closed alike.
		{&all, `SELECT ` + reviewColumns + ` FROM reviews WHERE employee_id {ids}`},
	}
	if pt.noReviews {
		loads = loads[:len(loads)-1]
	}
	asOf := fmt.Sprintf("$%d", len(args)+1)
	for _, l := range loads {
		q, a := strings.ReplaceAll(l.q, "{ids}", ids), args
		if strings.Contains(q, "{as_of}") {
			q, a = strings.ReplaceAll(q, "{as_of}", asOf), append(slices.Clip(args), pt.AsOf)
		}
		if err := pt.tx.SelectContext(ctx, l.dst, q, a...); err != nil {
			return fmt.Errorf("store: load records: %w", err)
		}
	}
	group(idx, clearances, func(p *PlanPerson, r Clearance) { p.Clearances = append(p.Clearances, r) })
	group(idx, misconduct, func(p *PlanPerson, r Misconduct) { p.Misconduct = append(p.Misconduct, r) })
	group(idx, circumstances, func(p *PlanPerson, r Circumstance) { p.Circumstances = append(p.Circumstances, r) })
	group(idx, adverse, func(p *PlanPerson, r Adverse) { p.Adverse = append(p.Adverse, r) })
	group(idx, interests, func(p *PlanPerson, r Interest) { p.Interests = append(p.Interests, r) })
	group(idx, associations, func(p *PlanPerson, r Association) { p.Associations = append(p.Associations, r) })
	group(idx, draws, func(p *PlanPerson, r Draw) { p.Draws = append(p.Draws, r) })
	group(idx, all, func(p *PlanPerson, r Review) {
		if r.Status == "open" || r.Status == "acknowledged" {
			p.Open = append(p.Open, r)
			return
		}
		assignee := ""
		if r.AssigneeID != nil {
			assignee = *r.AssigneeID
		}
		p.Closed = append(p.Closed, ClosedReviews{EmployeeID: r.EmployeeID, Kind: r.Kind, SourceRef: r.SourceRef,
			AssigneeID: assignee, LastCompleted: r.CompletedOn})
	})
	return nil
}

// chunkFilter is the condition on employee_id that selects a chunk's
// records, and its arguments: the range from its first to its last id, or
// the list of its ids.
func (pt *PlanTx) chunkFilter(people []PlanPerson, listed bool) (string, []any) {
	if !listed {
		return "BETWEEN $1 AND $2", []any{people[0].EmployeeID, people[len(people)-1].EmployeeID}
	}
	ids := make([]string, len(people))
	for i, p := range people {
		ids[i] = p.EmployeeID
	}
	return pt.idFilter(ids, 1)
}

const reviewColumns = `id, kind, employee_id, reason, source_ref, due_on, opens_on, status, 0 AS overdue, assignee_role, assignee_id,
	acknowledged_at, acknowledged_by, completed_on, completed_by, outcome, note, declarations, cancel_reason, escalation_level`

// owned is a record that belongs to one person.
type owned interface{ owner() string }

func (r Clearance) owner() string     { return r.EmployeeID }
func (r Misconduct) owner() string    { return r.EmployeeID }
func (r Circumstance) owner() string  { return r.EmployeeID }
func (r Adverse) owner() string       { return r.EmployeeID }
func (r Interest) owner() string      { return r.EmployeeID }
func (r Association) owner() string   { return r.EmployeeID }
func (r Draw) owner() string          { return r.EmployeeID }
func (r Review) owner() string        { return r.EmployeeID }
func (r ClosedReviews) owner() string { return r.EmployeeID }

// group hands each record to its person; records of people outside the
// chunk (in a range that the chunk does not fill) are dropped.
func group[T owned](idx map[string]*PlanPerson, rows []T, put func(*PlanPerson, T)) {
	for _, r := range rows {
		if p := idx[r.owner()]; p != nil {
			put(p, r)
		}
	}
}
