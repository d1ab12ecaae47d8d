package slack_test

import (
	"testing"

	"vettingd/notify/slack"
)

// FuzzParseClick: any payload Slack (or anyone past the signature) sends
// is parsed without panicking, and a click names a real review id.
func FuzzParseClick(f *testing.F) {
	f.Add(`{"type":"block_actions","user":{"id":"U1"},"container":{"channel_id":"D1","message_ts":"1.0"},"actions":[{"action_id":"vettingd_ack","block_id":"b","value":"42"}]}`)
	f.Add(`{"type":"block_actions","actions":[{"action_id":"vettingd_ack","block_id":"b","value":"-1"}]}`)
	f.Add(`{"type":"view_submission"}`)
	f.Add(`{"type":"block_actions","actions":[null,{"block_id":1}]}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, payload string) {
		c, err := slack.ParseClick([]byte(payload))
		if err == nil && c != nil && c.ReviewID <= 0 {
			t.Fatalf("click with review id %d", c.ReviewID)
		}
	})
}
