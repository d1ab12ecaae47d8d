package notify_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"vettingd/importer"
	"vettingd/notify"
	"vettingd/notify/notifytest"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/store"
	"vettingd/store/storetest"
)

// A message put back for a retry is withdrawn, unsent, when every review
// it tells of is completed or cancelled before the retry (SPEC §5:
// completing stops everything); a message with a review still open, and a
// gifts notice (which tells of a completed review), still go.
func TestAMessageWhoseReviewsCloseBeforeItsRetryIsWithdrawn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		s := storetest.OpenURL(t, dbURL)
		wh := notifytest.NewWebhook(t, "whsec")
		r := webhookRouter(wh.URL)
		clk := &clock{t: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
		d := &notify.Dispatcher{Store: s, Router: r, Now: clk.Now, BaseDelay: time.Minute}
		p := &scheduler.Planner{Store: s, Policy: policy.Default()}
		load := func(kind, csv string) {
			t.Helper()
			rep, err := importer.Run(ctx, s, strings.NewReader(csv), importer.Options{Kind: kind, AsOf: civilDay, FileName: kind, Actor: "test", MaxLeaverFraction: 1})
			if err != nil || rep.Rejected() {
				t.Fatalf("import %s: %v %+v", kind, err, rep)
			}
		}
		// One run: plan, owe what is due, build it, and try to send it,
		// with the receiver failing the first fail tries.
		tryToSend := func(fail int) notify.DispatchStats {
			t.Helper()
			if _, err := p.Run(ctx, civilDay, "test", false); err != nil {
				t.Fatal(err)
			}
			if _, err := p.Notify(ctx, civilDay, "test", false); err != nil {
				t.Fatal(err)
			}
			if _, err := s.BuildMessages(ctx, clk.Now(), time.Time{}, false, r.Compose(civilDay)); err != nil {
				t.Fatal(err)
			}
			codes := make([]int, fail)
			for i := range codes {
				codes[i] = 500
			}
			wh.FailNext(codes...)
			st, err := d.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		retry := func() notify.DispatchStats {
			t.Helper()
			clk.Add(2 * time.Minute)
			st, err := d.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		review := func(kind, employee string) int64 {
			t.Helper()
			got := storetest.Query(t, dbURL, `SELECT id FROM reviews WHERE kind = $1 AND employee_id = $2 AND status IN ('open', 'acknowledged')`, kind, employee)
			if len(got) != 1 {
				t.Fatalf("open %s reviews of %s: %v", kind, employee, got)
			}
			id, err := strconv.ParseInt(got[0], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		complete := func(id int64, c store.Completion) {
			t.Helper()
			c.By, c.On = "E1", civilDay
			if _, err := p.Complete(ctx, civilDay, "test", id, c); err != nil {
				t.Fatal(err)
			}
		}
		load("people", "employee_id,given_name,family_name,email,slack_user_id,workforce_type,rank_or_grade,post_id,supervisor_id,start_date,end_date,status,last_integrity_review_on\n"+
			"E1,Ann,Able,ann@force.police.uk,,staff,,,,2020-01-01,,,2026-06-01\n"+
			"E2,Bob,Baker,bob@force.police.uk,,staff,,,E1,2020-01-01,,,2026-06-01\n")
		load("clearances", "clearance_ref,employee_id,level,decision,decided_on\nC1,E1,RV,granted,2025-01-01\nC2,E2,RV,granted,2025-01-01\n")
		load("circumstances", "report_ref,employee_id,category,reported_on\nR1,E1,criminal,2026-11-02\nR2,E2,criminal,2026-11-02\n")

		// The unit's message tells of two vetting reviews; one is done before its retry: it still goes.
		if st := tryToSend(1); st.Retried != 1 || st.Sent != 0 {
			t.Fatalf("first try: %+v", st)
		}
		complete(review("vetting_review", "E1"), store.Completion{})
		if st := retry(); st.Sent != 1 || st.Withdrawn != 0 {
			t.Fatalf("a message with a review still open was not sent: %+v", st)
		}

		// The next tells of one review, done before its retry: it is withdrawn, unsent, and audited.
		load("circumstances", "report_ref,employee_id,category,reported_on\nR3,E1,criminal,2026-11-02\n")
		if st := tryToSend(1); st.Retried != 1 {
			t.Fatalf("first try: %+v", st)
		}
		posts := len(wh.Posts())
		complete(review("vetting_review", "E1"), store.Completion{})
		// Behind it, due after its retry, a message still owed: a claim of
		// one message at a time that finds only the withdrawn one goes on.
		queue(t, s, r, clk.Now().Add(100*time.Second), 1)
		d.Batch = 1
		if st := retry(); st.Sent != 1 || st.Withdrawn != 1 || st.Retried+st.Failed != 0 {
			t.Errorf("after a withdrawal, sent %+v, want only the message still owed, and one withdrawn", st)
		}
		d.Batch = 0
		if got := wh.Posts()[posts:]; len(got) != 1 || strings.Contains(string(got[0].Body), "vetting_review") {
			t.Errorf("a withdrawn message reached the receiver: %d posts", len(got))
		}
		if o := outbox(t, s); o.Withdrawn != 1 || o.Sent != 2 || o.Pending != 0 || o.Failed != 0 {
			t.Errorf("outbox %+v, want one withdrawn", o)
		}
		if got := storetest.Query(t, dbURL, `SELECT COUNT(*) FROM audit_log WHERE action = 'message_withdrawn'`); len(got) != 1 || got[0] != "1" {
			t.Errorf("withdrawals audited: %v, want 1", got)
		}

		// A gifts notice to PSD tells of the integrity review just completed: it is not withdrawn.
		complete(review("integrity_review", "E2"), store.Completion{Outcome: "satisfactory", Declarations: []string{"gifts"}})
		if st := tryToSend(1); st.Retried != 1 {
			t.Fatalf("first try of the gifts notice: %+v", st)
		}
		if st := retry(); st.Sent != 1 {
			t.Errorf("the gifts notice was not sent on its retry: %+v", st)
		}
	})
}
