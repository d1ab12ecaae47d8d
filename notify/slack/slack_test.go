package slack_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/notify"
	"vettingd/notify/notifytest"
	"vettingd/notify/slack"
	"vettingd/store"
)

func message() notify.Message {
	return notify.Message{DeliveryID: "d1", Recipient: notify.MessageRecipient{Role: "supervisor"}, Items: []notify.Item{
		{ReviewID: 42, Kind: "integrity_review", EmployeeID: "E7", PersonName: "Ann Other", DueOn: civil.MustParse("2026-12-01"), Event: "reminder", URL: "http://v/reviews/42"},
	}}
}

func TestSlackDirectMessageByUserIDWithAcknowledgeButton(t *testing.T) {
	srv := notifytest.NewSlack(t)
	n := slack.New("xoxb-test", srv.URL(), "CVU", "CPSD")
	addr := n.Address(store.Recipient{Role: "supervisor", ID: "E1", SlackUserID: "U1", Email: "a@x"})
	if addr != "U1" {
		t.Fatalf("address %q, want the Slack user id", addr)
	}
	ref, err := n.Send(context.Background(), addr, message())
	if err != nil {
		t.Fatal(err)
	}
	posts := srv.Posts()
	if len(posts) != 1 || posts[0].Channel != "U1" || ref != "U1/1.000100" {
		t.Fatalf("posts %+v ref %q", posts, ref)
	}
	for _, want := range []string{`"action_id":"vettingd_ack"`, `"value":"42"`, "Acknowledge", "Ann Other E7", "http://v/reviews/42"} {
		if !strings.Contains(posts[0].Blocks, want) {
			t.Errorf("blocks lack %s: %s", want, posts[0].Blocks)
		}
	}
}

func TestSlackLooksUpByEmailOnceAndPostsUnitsToTheirChannels(t *testing.T) {
	srv := notifytest.NewSlack(t)
	srv.Users["bob@force.police.uk"] = "U2"
	n := slack.New("xoxb-test", srv.URL(), "CVU", "CPSD")
	addr := n.Address(store.Recipient{Role: "supervisor", ID: "E2", Email: "bob@force.police.uk"})
	for range 2 {
		if _, err := n.Send(context.Background(), addr, message()); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.Lookups(); got != 1 {
		t.Errorf("%d lookups, want 1 (cached)", got)
	}
	if got := n.Address(store.Recipient{Role: "vetting_unit"}); got != "CVU" {
		t.Errorf("VU address %q", got)
	}
	if got := n.Address(store.Recipient{Role: "psd"}); got != "CPSD" {
		t.Errorf("PSD address %q", got)
	}
	if got := n.Address(store.Recipient{Role: "supervisor", ID: "E9"}); got != "" {
		t.Errorf("a person with no Slack id or e-mail is reached at %q", got)
	}
	for _, p := range srv.Posts() {
		if p.Channel != "U2" {
			t.Errorf("posted to %s, want U2", p.Channel)
		}
	}
}

func TestSlackErrorsAreClassified(t *testing.T) {
	srv := notifytest.NewSlack(t)
	n := slack.New("xoxb-test", srv.URL(), "CVU", "CPSD")
	ctx := context.Background()

	_, err := n.Send(ctx, "email:nobody@force.police.uk", message())
	if !notify.IsPermanent(err) || !strings.Contains(err.Error(), "users_not_found") {
		t.Errorf("unknown user: %v, want a permanent users_not_found", err)
	}
	_, err = n.Send(ctx, "CGONE", message())
	if !notify.IsPermanent(err) {
		t.Errorf("unknown channel: %v, want permanent", err)
	}
	srv.FailNext(429)
	_, err = n.Send(ctx, "U1", message())
	var wait *notify.RetryAfterError
	if !errors.As(err, &wait) || wait.After != 7*time.Second {
		t.Errorf("429: %v, want a RetryAfterError of 7s", err)
	}
	srv.FailNext(500)
	_, err = n.Send(ctx, "U1", message())
	if err == nil || notify.IsPermanent(err) || errors.As(err, &wait) {
		t.Errorf("500: %v, want a transient error", err)
	}
	if _, err := n.Send(ctx, "U1", message()); err != nil {
		t.Errorf("after the failures: %v", err)
	}
}

func TestSlackCapsItemsPerMessage(t *testing.T) {
	m := message()
	for i := range 30 {
		it := m.Items[0]
		it.ReviewID = int64(100 + i)
		m.Items = append(m.Items, it)
	}
	blocks := slack.Blocks(m)
	if len(blocks) > 50 {
		t.Fatalf("%d blocks: Slack takes at most 50", len(blocks))
	}
}
