package server_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/cli"
	"vettingd/notify/notifytest"
	vslack "vettingd/notify/slack"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/server"
	"vettingd/store"
	"vettingd/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const people = `employee_id,given_name,family_name,email,slack_user_id,workforce_type,post_id,supervisor_id,start_date
E1,Ada,Lovelace,ada@force.police.uk,U1,officer,,,2001-04-02
E2,Bob,Smith,bob@force.police.uk,,officer,,E1,2010-09-01
E3,Cat,Jones,cat@force.police.uk,,staff,,E1,2015-02-28
E4,Dan,Brown,dan@force.police.uk,U4,pcso,,E1,2020-02-29
`

func run(t testing.TB, env map[string]string, argv ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), cli.Env{Args: argv, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] }})
	if code != 0 {
		t.Fatalf("vettingd %v: exit %d\n%s%s", argv, code, out.String(), errb.String())
	}
	return out.String()
}

// sign makes Slack's v0 signature headers for body at time at.
func sign(secret string, at time.Time, body string) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":" + body))
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return h
}

func clickBody(user, channel, ts string, reviewID int64) string {
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]string{"id": user},
		"container": map[string]string{"type": "message", "channel_id": channel, "message_ts": ts},
		"actions":   []map[string]string{{"action_id": vslack.AckAction, "block_id": "b1", "value": strconv.FormatInt(reviewID, 10), "type": "button"}},
	})
	return url.Values{"payload": {string(payload)}}.Encode()
}

func post(t *testing.T, srv *httptest.Server, h http.Header, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/slack/interactions", strings.NewReader(body))
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAcknowledgeFromSlack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		sl := notifytest.NewSlack(t)
		env := map[string]string{"VETTINGD_DATABASE_URL": dbURL, "VETTINGD_CHANNELS": "slack", "VETTINGD_SLACK_BOT_TOKEN": "xoxb-t",
			"VETTINGD_SLACK_API_URL": sl.URL(), "VETTINGD_SLACK_VU_CHANNEL": "CVU"}
		f := filepath.Join(t.TempDir(), "people.csv")
		if err := os.WriteFile(f, []byte(people), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, env, "import", "people", f, "--as-of", "2026-11-02")
		// E1 supervises E2, E3 and E4: their integrity reviews open on 2027-01-01, in a DM to U1.
		run(t, env, "notify", "run", "--as-of", "2027-01-01")
		s, err := store.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var ref string
		if err := s.DB().Get(&ref, `SELECT external_ref FROM messages WHERE recipient_id = 'E1' AND channel = 'slack'`); err != nil {
			t.Fatal(err)
		}
		channel, ts, _ := strings.Cut(ref, "/")
		var reviewID int64
		if err := s.DB().Get(&reviewID, `SELECT id FROM reviews WHERE kind = 'integrity_review' AND employee_id = 'E2'`); err != nil {
			t.Fatal(err)
		}
		h := &server.SlackActions{Store: s, Planner: &scheduler.Planner{Store: s, Policy: policy.Default()},
			Slack: vslack.New("xoxb-t", sl.URL(), "CVU", ""), SigningSecret: "shh",
			Today: func() civil.Date { return civil.MustParse("2027-01-02") }, Log: slog.New(slog.DiscardHandler)}
		srv := httptest.NewServer(server.New(server.Options{Slack: h}))
		defer srv.Close()
		status := func() string {
			r, err := s.Review(context.Background(), reviewID)
			if err != nil {
				t.Fatal(err)
			}
			return r.Status
		}

		// Forged and stale (replayed) requests are refused, and change nothing.
		body := clickBody("U1", channel, ts, reviewID)
		if code := post(t, srv, sign("not-the-secret", time.Now(), body), body); code != http.StatusUnauthorized {
			t.Errorf("forged signature: %d", code)
		}
		if code := post(t, srv, sign("shh", time.Now().Add(-10*time.Minute), body), body); code != http.StatusUnauthorized {
			t.Errorf("stale signature: %d", code)
		}
		if status() != "open" {
			t.Fatalf("a refused request changed the review: %s", status())
		}

		// Anyone but the assignee is refused, in a message only they see.
		other := clickBody("U4", channel, ts, reviewID)
		if code := post(t, srv, sign("shh", time.Now(), other), other); code != http.StatusOK {
			t.Errorf("click by U4: %d", code)
		}
		if status() != "open" {
			t.Errorf("E4 acknowledged E1's review")
		}
		if e := sl.Ephemerals(); len(e) != 1 || e[0].Channel != channel+" U4" || !strings.Contains(e[0].Text, "Only the person") {
			t.Errorf("ephemerals %+v", e)
		}

		// The assignee acknowledges; the message is updated.
		if code := post(t, srv, sign("shh", time.Now(), body), body); code != http.StatusOK {
			t.Errorf("click by U1: %d", code)
		}
		r, _ := s.Review(context.Background(), reviewID)
		if r.Status != "acknowledged" || r.AcknowledgedBy == nil || *r.AcknowledgedBy != "E1" {
			t.Fatalf("review after the click: %+v", r)
		}
		u := sl.Updates()
		if len(u) != 1 || u[0].Channel != ref || !strings.Contains(u[0].Blocks, "acknowledged by E1") || !strings.Contains(u[0].Blocks, vslack.AckAction) {
			t.Errorf("updates %+v: want the clicked item marked and the others' buttons kept", u)
		}
		if got := storetest.Query(t, dbURL, `SELECT actor FROM audit_log WHERE action = 'review_acknowledged'`); len(got) != 1 || got[0] != "slack:U1" {
			t.Errorf("audit %v", got)
		}

		// A second click is told the review is already acknowledged.
		if code := post(t, srv, sign("shh", time.Now(), body), body); code != http.StatusOK {
			t.Errorf("second click: %d", code)
		}
		if e := sl.Ephemerals(); len(e) != 2 || !strings.Contains(e[1].Text, "already acknowledged") {
			t.Errorf("ephemerals %+v", e)
		}
	})
}

func TestSlackInteractionsRouteExistsOnlyWhenConfigured(t *testing.T) {
	srv := httptest.NewServer(server.New(server.Options{}))
	defer srv.Close()
	body := clickBody("U1", "C1", "1.0", 1)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/slack/interactions", strings.NewReader(body))
	req.Header = sign("x", time.Now(), body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct{ Error string }
	if err := json.NewDecoder(resp.Body).Decode(&e); resp.StatusCode != http.StatusNotFound || err != nil || !strings.Contains(e.Error, "Slack is not set up") {
		t.Errorf("unconfigured Slack route answered %d %+v (%v), want 404 with a JSON error", resp.StatusCode, e, err)
	}
	_ = fmt.Sprint()
}
