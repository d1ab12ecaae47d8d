package cli_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"vettingd/store"
	"vettingd/store/storetest"
)

func TestAuditChainVerifiesAndCatchesTampering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		planned(t, dbURL)
		r := must(t, dbURL, "audit", "verify")
		if want := fmt.Sprintf("Audit log intact: %d entries verified.", storetest.Count(t, dbURL, "audit_log")); !strings.Contains(r.stdout, want) {
			t.Fatalf("verify: %s, want %q", r.stdout, want)
		}
		export := must(t, dbURL, "audit", "export", "--since", "2000-01-01")
		lines := strings.Split(strings.TrimSpace(export.stdout), "\n")
		if n := storetest.Count(t, dbURL, "audit_log"); len(lines) != n || n < 4 {
			t.Fatalf("export wrote %d lines for %d entries", len(lines), n)
		}
		db, err := store.Open(t.Context(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.DB().Exec(`UPDATE audit_log SET actor = 'mallory' WHERE id = 2`); err == nil {
			t.Fatal("the audit log accepted an UPDATE")
		}
		if _, err := db.DB().Exec(`DELETE FROM audit_log WHERE id = 2`); err == nil {
			t.Fatal("the audit log accepted a DELETE")
		}
		// Someone with the power to drop the guard alters an entry: verify names it.
		disable, enable := `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`, `ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`
		if db.Dialect() == store.SQLite {
			disable, enable = `DROP TRIGGER audit_log_no_update`, `SELECT 1`
		}
		for _, q := range []string{disable, `UPDATE audit_log SET actor = 'mallory' WHERE id = 3`, enable} {
			if _, err := db.DB().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		bad := vettingd(t, dbURL, "", "audit", "verify")
		if bad.code != 1 || !strings.Contains(bad.stderr, "audit log broken at entry 3: its content does not match its hash") {
			t.Errorf("tampered: exit %d, %s", bad.code, bad.stderr)
		}
	})
}

func TestTokensAreShownOnceAndStoredHashed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		planned(t, dbURL)
		r := must(t, dbURL, "token", "create", "--role", "supervisor", "--employee", "E2", "--name", "Bob's inbox")
		token := strings.TrimSpace(r.stdout)
		if !strings.HasPrefix(token, "vtd_") || len(token) < 40 || strings.Contains(token, "\n") {
			t.Fatalf("token output %q", r.stdout)
		}
		stored := storetest.Query(t, dbURL, "SELECT token_hash FROM api_tokens")
		if len(stored) != 1 || stored[0] != store.HashToken(token) || strings.Contains(storetest.Dump(t, dbURL), token) {
			t.Errorf("token not stored as its hash only: %v", stored)
		}
		list := must(t, dbURL, "token", "list")
		if !strings.Contains(list.stdout, "Bob's inbox") || strings.Contains(list.stdout, token) {
			t.Errorf("list: %s", list.stdout)
		}
		for _, bad := range [][]string{{"--role", "supervisor"}, {"--role", "hr", "--employee", "E404"}, {"--role", "hr", "--employee", "E2"}, {"--role", "king"}, {"--role", "supervisor", "--employee", "E404"}} {
			if r := vettingd(t, dbURL, "", append([]string{"token", "create"}, bad...)...); r.code != 2 {
				t.Errorf("token create %v: exit %d", bad, r.code)
			}
		}
		must(t, dbURL, "token", "revoke", "1")
		if r := vettingd(t, dbURL, "", "token", "revoke", "1"); r.code != 1 {
			t.Errorf("second revoke: exit %d", r.code)
		}
		if got := storetest.Query(t, dbURL, "SELECT action FROM audit_log WHERE entity = 'token' ORDER BY id"); strings.Join(got, ",") != "token_created,token_revoked" {
			t.Errorf("token audit %v", got)
		}
	})
}

// A misspelt subcommand is a usage error (exit 2), never a success: a
// nightly "vettingd audit verfy" must fail. A group alone prints its help.
func TestAnUnknownSubcommandIsAUsageError(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	for _, argv := range [][]string{{"audit", "check"}, {"notify", "send"}, {"reviews", "bogus"}, {"report", "complience"}, {"policy", "print"}, {"token", "make"}} {
		r := vettingd(t, dbURL, "", argv...)
		if want := fmt.Sprintf("unknown command %q", argv[1]); r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("vettingd %v: exit %d, stderr %q; want 2 and %s", argv, r.code, r.stderr, want)
		}
	}
	if r := vettingd(t, dbURL, "", "audit"); r.code != 0 || !strings.Contains(r.stdout, "verify") {
		t.Errorf("vettingd audit: exit %d, stdout %q; want its help", r.code, r.stdout)
	}
}

// A change of policy is audited, with the policy now in force in full and
// by whom; planning again under the same policy audits no change.
func TestAPolicyChangeIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		planned(t, dbURL)
		changes := func() []string {
			return storetest.Query(t, dbURL, `SELECT actor || ' ' || detail FROM audit_log WHERE action = 'policy_changed' ORDER BY id`)
		}
		before := changes()
		if len(before) != 1 || !strings.Contains(before[0], `"previous":""`) {
			t.Fatalf("the first plan's policy: %v, want one entry with no previous policy", before)
		}
		pol := write(t, "policy.toml", "[integrity_review]\nperiod_months = 24\n")
		must(t, dbURL, "plan", "--as-of", "2026-11-03", "--policy", pol)
		must(t, dbURL, "plan", "--as-of", "2026-11-04", "--policy", pol)
		after := changes()
		if len(after) != 2 || !strings.Contains(after[1], `"period_months":24`) || !strings.Contains(after[1], `"rules_version"`) {
			t.Fatalf("after a plan under a new policy, and one more: %v", after)
		}
		// Notifying alone under a new policy (its offsets decide what is
		// owed) is a change of policy too, audited before any plan.
		pol2 := write(t, "policy2.toml", "[integrity_review]\nperiod_months = 24\n[notifications]\nreminder_days = 60\n")
		must(t, dbURL, "notify", "run", "--as-of", "2026-11-04", "--policy", pol2)
		if got := changes(); len(got) != 3 || !strings.Contains(got[2], `"reminder_days":60`) {
			t.Fatalf("after notify run under a new policy: %v", got)
		}
		must(t, dbURL, "audit", "verify")
	})
}

// A password never goes in --db (flags show in process listings), whether
// in the URL's user part or as a password= parameter; and a database URL
// that cannot be used is named in errors with its password hidden, even
// when it does not parse.
func TestADatabasePasswordNeverShows(t *testing.T) {
	if r := vettingd(t, "", "", "--db", "mysql://u@h/x", "migrate"); r.code != 2 || !strings.Contains(r.stderr, "--db must start with postgres:// or sqlite:") {
		t.Errorf("--db of another database: exit %d, %q (as VETTINGD_DATABASE_URL: a usage error)", r.code, r.stderr)
	}
	for _, u := range []string{"postgres://u:s3cret@127.0.0.1:1/x", "postgres://u@127.0.0.1:1/x?password=s3cret&sslmode=disable",
		"postgres://u:s3/cret@127.0.0.1:1/x", "postgres://u@127.0.0.1:1/x?password=s3cret%zz", "postgres://u@127.0.0.1:1/x?pass%77ord=s3cret"} {
		r := vettingd(t, "", "", "--db", u, "migrate")
		if r.code != 2 || !strings.Contains(r.stderr, "--db must not carry a password") || strings.Contains(r.stderr+r.stdout, "s3") {
			t.Errorf("--db %s: exit %d, %q", u, r.code, r.stderr)
		}
	}
	for _, u := range []string{"postgres://u:s3cret@127.0.0.1:%zz/x", "host=127.0.0.1 port=1 password=s3cret", "postgres://u:s3cret@127.0.0.1:1/x?connect_timeout=1",
		"postgres://u@127.0.0.1:1/x?connect_timeout=1&password=s3cret", "postgres://u:s3/cret@127.0.0.1:1/x", "postgres://u:s3#cret@127.0.0.1:1/x",
		"postgres://u:s3?cret@127.0.0.1:1/x"} {
		r := vettingd(t, u, "", "migrate")
		if r.code == 0 || strings.Contains(r.stderr+r.stdout, "s3") {
			t.Errorf("VETTINGD_DATABASE_URL=%s: exit %d, %q", u, r.code, r.stderr)
		}
	}
}

// --format is refused where a command does not offer it, and where it
// does (ack and complete print the review as reviews list does) it is kept.
func TestFormatIsOfferedOrRefused(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	planned(t, dbURL)
	for _, argv := range [][]string{{"audit", "verify", "--format", "json"}, {"migrate", "--format", "xml"}, {"token", "create", "--role", "hr", "--format", "json"},
		{"reviews", "complete", "1", "--by", "E1", "--format", "xml"}} {
		if r := vettingd(t, dbURL, "", argv...); r.code != 2 || !strings.Contains(r.stderr, "--format must be one of") {
			t.Errorf("vettingd %v: exit %d %s", argv, r.code, r.stderr)
		}
	}
	rs := reviews(t, dbURL)
	r := find(t, rs, "E5", "integrity_review", "annual")
	out := must(t, dbURL, "reviews", "ack", fmt.Sprint(r.ID), "--by", "E2", "--format", "json")
	var got review
	if err := json.Unmarshal([]byte(out.stdout), &got); err != nil || got.ID != r.ID || got.Status != "acknowledged" || orNull(got.AcknowledgedBy) != "E2" {
		t.Errorf("ack --format json: %v %s", err, out.stdout)
	}
}

// Entries removed from the end of the log, or all of them, leave a chain
// that links up; what the database recorded with them says they are gone.
func TestAuditVerifyCatchesEntriesRemovedFromTheEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		planned(t, dbURL)
		deleteFrom := func(id int) { t.Helper(); removeAuditFrom(t, dbURL, id) }
		n := storetest.Count(t, dbURL, "audit_log")
		deleteFrom(n) // the last: the clearances import's plan
		if r := vettingd(t, dbURL, "", "audit", "verify"); r.code != 1 || !strings.Contains(r.stderr, "audit log incomplete: 1 plan run recorded in the database has no entry") {
			t.Errorf("the last entry removed: exit %d, %s", r.code, r.stderr)
		}
		deleteFrom(1)
		if r := vettingd(t, dbURL, "", "audit", "verify"); r.code != 1 || !strings.Contains(r.stderr, "audit log incomplete: 3 import runs recorded in the database have no entry") {
			t.Errorf("every entry removed: exit %d, %s", r.code, r.stderr)
		}
	})
}

// removeAuditFrom deletes the audit entries from id on, as someone with the
// database's owner rights could.
func removeAuditFrom(t *testing.T, dbURL string, id int) {
	t.Helper()
	db := storetest.OpenURL(t, dbURL)
	disable := `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`
	enable := `ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`
	if db.Dialect() == store.SQLite {
		disable, enable = `DROP TRIGGER IF EXISTS audit_log_no_delete`, `SELECT 1`
	}
	for _, q := range []string{disable, fmt.Sprintf(`DELETE FROM audit_log WHERE id >= %d`, id), enable} {
		if _, err := db.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// An acknowledgement and a completion keep who did them in the review: the
// last entry of either removed, verify says so.
func TestAuditVerifyCatchesAnAckOrCompletionRemovedFromTheEnd(t *testing.T) {
	for _, step := range []struct {
		argv   []string
		action string
		want   string
	}{
		{[]string{"ack"}, "acknowledged", "audit log incomplete: 1 review acknowledged recorded in the database has no entry: "},
		{[]string{"complete", "--outcome", "satisfactory"}, "completed", "; 1 review completed recorded in the database has no entry: "},
	} {
		t.Run(step.argv[0], func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, dbURL string) {
				planned(t, dbURL)
				r := find(t, reviews(t, dbURL), "E5", "integrity_review", "annual")
				must(t, dbURL, append([]string{"reviews", step.argv[0], fmt.Sprint(r.ID), "--by", "E2"}, step.argv[1:]...)...)
				must(t, dbURL, "audit", "verify")
				// The entry and any after it (a completion's plan of the next review).
				last := storetest.Query(t, dbURL, `SELECT MAX(id) FROM audit_log WHERE action = 'review_`+step.action+`'`)
				id, err := strconv.Atoi(last[0])
				if err != nil {
					t.Fatalf("the review_%s entry: %v %v", step.action, last, err)
				}
				removeAuditFrom(t, dbURL, id)
				if r := vettingd(t, dbURL, "", "audit", "verify"); r.code != 1 || !strings.Contains(r.stderr, step.want) {
					t.Errorf("the last entry removed: exit %d, %s", r.code, r.stderr)
				}
			})
		})
	}
}

// The messages sent, given up and withdrawn are counted in their own
// table: the last message_sent entry removed, verify says so.
func TestAuditVerifyCatchesAMessageEntryRemovedFromTheEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		planned(t, dbURL)
		must(t, dbURL, "notify", "run", "--as-of", "2026-11-02")
		if got := storetest.Query(t, dbURL, `SELECT action FROM audit_log ORDER BY id DESC LIMIT 1`); len(got) != 1 || got[0] != "message_sent" {
			t.Fatalf("the last entry after notify run: %v, want message_sent", got)
		}
		removeAuditFrom(t, dbURL, storetest.Count(t, dbURL, "audit_log"))
		if r := vettingd(t, dbURL, "", "audit", "verify"); r.code != 1 || !strings.Contains(r.stderr, "audit log incomplete: 1 message sent recorded in the database has no entry") {
			t.Errorf("the last message_sent entry removed: exit %d, %s", r.code, r.stderr)
		}
	})
}
