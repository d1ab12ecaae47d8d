package scheduler_test

import (
	"context"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/importer"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/store/storetest"
	"vettingd/synth"
)

// TestEveryNoticeIsOwedWhenItsDayComes plans a generated force every day
// for three weeks and checks, after each plan, the reviews against the
// outbox as SPEC §5 words it: every review that has opened has told
// someone; every review of a present person assigned to a supervisor or an
// owner and overdue by 7 days has been escalated; every one overdue by 14
// days has reached the vetting unit; and each review's escalation level
// says how overdue it is. The first plan writes its new reviews already
// notified and escalated, so a level written too high would show here as a
// unit escalation never owed; and a tenth of the force is absent for the
// first week, whose overdue reviews must escalate once they are back.
func TestEveryNoticeIsOwedWhenItsDayComes(t *testing.T) {
	start := civil.MustParse("2026-11-02")
	files, err := synth.Write(t.TempDir(), synth.Config{People: 600, Seed: 3, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	pol := policy.Default()
	n := pol.Notifications
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		s := storetest.OpenURL(t, dbURL)
		for _, kind := range importer.Kinds() {
			importFile(t, s, kind, "", files[kind], start)
		}
		// The imports planned as they went; the first plan proper starts from empty.
		for _, q := range []string{"DELETE FROM notifications", "DELETE FROM reviews", "DELETE FROM plan_state"} {
			if _, err := s.DB().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		// A tenth of the force is absent until a week in: their reviews do
		// not escalate meanwhile, and must when they are back.
		const away = `employee_id LIKE '%3'`
		if _, err := s.DB().Exec(`UPDATE people SET status = 'absent' WHERE ` + away); err != nil {
			t.Fatal(err)
		}
		back := start.AddDays(8)
		p := &scheduler.Planner{Store: s, Policy: pol}
		all := &scheduler.Planner{Store: s, Policy: pol, Everyone: true}
		count := func(q string, args ...any) int {
			t.Helper()
			var c int
			if err := s.DB().Get(&c, s.DB().Rebind(q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return c
		}
		const open = `r.status IN ('open', 'acknowledged')`
		const present = `EXISTS (SELECT 1 FROM people p WHERE p.employee_id = r.employee_id AND p.status <> 'absent')`
		const personal = `r.assignee_role IN ('supervisor', 'owner') AND r.assignee_id IS NOT NULL`
		escalated := func(role string) string {
			return `EXISTS (SELECT 1 FROM notifications n WHERE n.review_id = r.id AND n.event = 'escalation'` + role + `)`
		}
		var sawFirst, sawUnit int
		var returned int
		for day := start; !day.After(start.AddDays(21)); day = day.AddDays(1) {
			planner := p
			if day == back { // a change by hand, which only planning everyone sees
				if _, err := s.DB().Exec(`UPDATE people SET status = 'active' WHERE ` + away); err != nil {
					t.Fatal(err)
				}
				planner = all
			}
			if _, err := planner.Run(ctx, day, "test", false); err != nil {
				t.Fatal(err)
			}
			if day == back {
				returned = count(`SELECT COUNT(*) FROM reviews r WHERE `+open+` AND r.`+away+` AND r.due_on <= ?`, day.AddDays(-n.EscalateSupervisorDays).String())
			}
			d, e1, e2 := day.String(), day.AddDays(-n.EscalateSupervisorDays).String(), day.AddDays(-n.EscalateUnitDays).String()
			if c := count(`SELECT COUNT(*) FROM reviews r WHERE `+open+` AND r.opens_on <= ? AND NOT EXISTS
				(SELECT 1 FROM notifications n WHERE n.review_id = r.id AND n.event IN ('opened', 'urgent', 'briefing'))`, d); c != 0 {
				t.Fatalf("%s: %d reviews have opened and told nobody", d, c)
			}
			first := count(`SELECT COUNT(*) FROM reviews r WHERE `+open+` AND `+present+` AND `+personal+` AND r.due_on <= ?`, e1)
			if c := count(`SELECT COUNT(*) FROM reviews r WHERE `+open+` AND `+present+` AND `+personal+` AND r.due_on <= ? AND NOT `+
				escalated(""), e1); c != 0 {
				t.Fatalf("%s: %d of %d reviews overdue by %d days were never escalated", d, c, first, n.EscalateSupervisorDays)
			}
			unit := count(`SELECT COUNT(*) FROM reviews r WHERE `+open+` AND `+present+` AND r.due_on <= ?`, e2)
			if c := count(`SELECT COUNT(*) FROM reviews r WHERE `+open+` AND `+present+` AND r.due_on <= ? AND NOT `+
				escalated(` AND n.recipient_role = 'vetting_unit'`), e2); c != 0 {
				t.Fatalf("%s: %d of %d reviews overdue by %d days never reached the vetting unit", d, c, unit, n.EscalateUnitDays)
			}
			if c := count(`SELECT COUNT(*) FROM reviews r WHERE `+open+` AND `+present+` AND r.escalation_level <>
				CASE WHEN r.due_on <= ? THEN 2 WHEN r.due_on <= ? THEN 1 ELSE 0 END`, e2, e1); c != 0 {
				t.Fatalf("%s: %d reviews have an escalation level their due date does not give", d, c)
			}
			sawFirst, sawUnit = max(sawFirst, first), max(sawUnit, unit)
		}
		// The force must hold reviews past each line, or the checks above hold of nothing.
		if sawFirst == 0 || sawUnit == 0 || returned == 0 {
			t.Fatalf("no review was ever overdue enough to escalate (%d, %d, %d of those back from absence)", sawFirst, sawUnit, returned)
		}
	})
}
