package slack_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"vettingd/notify/notifytest"
	"vettingd/notify/slack"
)

func TestSocketModeHandsClicksOver(t *testing.T) {
	srv := notifytest.NewSlack(t)
	n := slack.New("xoxb-test", srv.URL(), "CVU", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clicks := make(chan *slack.Click, 1)
	go func() {
		_ = n.RunSocketMode(ctx, "xapp-test", func(_ context.Context, c *slack.Click) {
			select {
			case clicks <- c:
			default: // a repeat of the envelope
			}
		}, slog.New(slog.DiscardHandler))
	}()
	envelope := `{"envelope_id":"env-1","type":"interactive","accepts_response_payload":false,"payload":{"type":"block_actions",
		"user":{"id":"U1"},"container":{"type":"message","channel_id":"D1","message_ts":"5.000100"},
		"actions":[{"action_id":"vettingd_ack","block_id":"b1","value":"42","type":"button"}]}}`
	deadline := time.After(15 * time.Second)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case c := <-clicks:
			if c.ReviewID != 42 || c.UserID != "U1" || c.ChannelID != "D1" || c.MessageTS != "5.000100" {
				t.Fatalf("click %+v", c)
			}
			return
		case <-tick.C:
			srv.SendToWebsocket(envelope) // until the client has connected and takes it
		case <-deadline:
			t.Fatal("no click arrived over Socket Mode")
		}
	}
}
