// Package slack is the Slack channel, through slack-go: a direct message to
// a person (by Slack user id, else found by e-mail address with
// users.lookupByEmail, cached) or a post to a unit's channel, in Block Kit
// with an Acknowledge button per item.
package slack

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/slack-go/slack"

	"vettingd/notify"
	"vettingd/store"
)

// AckAction is the action id of an item's Acknowledge button; its value is
// the review id.
const AckAction = "vettingd_ack"

// emailPrefix marks an address still to be looked up by e-mail.
const emailPrefix = "email:"

// Notifier sends through one Slack workspace.
type Notifier struct {
	Client     *slack.Client
	VUChannel  string // channel id of the vetting unit
	PSDChannel string // channel id of PSD
	token      string
	apiURL     string

	mu    sync.Mutex
	users map[string]string // e-mail → user id
}

var _ notify.Notifier = (*Notifier)(nil)

// New returns a Notifier for the bot token; apiURL, when set, replaces
// Slack's API address (a proxy; tests).
func New(token, apiURL, vuChannel, psdChannel string) *Notifier {
	n := &Notifier{VUChannel: vuChannel, PSDChannel: psdChannel, token: token, apiURL: apiURL}
	n.Client = slack.New(token, n.options()...)
	return n
}

func (n *Notifier) options(more ...slack.Option) []slack.Option {
	if n.apiURL != "" {
		more = append(more, slack.OptionAPIURL(strings.TrimSuffix(n.apiURL, "/")+"/"))
	}
	return more
}

// UnitChannel returns the channel of a unit role ("" for others).
func (n *Notifier) UnitChannel(role string) string {
	switch role {
	case "vetting_unit":
		return n.VUChannel
	case "psd":
		return n.PSDChannel
	}
	return ""
}

// Name is "slack".
func (n *Notifier) Name() string { return "slack" }

// Address is a unit's channel, a person's Slack user id, or their e-mail
// address to look the id up by.
func (n *Notifier) Address(r store.Recipient) string {
	switch {
	case r.Role == "vetting_unit":
		return n.VUChannel
	case r.Role == "psd":
		return n.PSDChannel
	case r.SlackUserID != "":
		return r.SlackUserID
	case r.Email != "":
		return emailPrefix + r.Email
	}
	return ""
}

// Send posts m and returns "CHANNEL/TS" for a later update.
func (n *Notifier) Send(ctx context.Context, addr string, m notify.Message) (string, error) {
	to, err := n.resolve(ctx, addr)
	if err != nil {
		return "", err
	}
	channel, ts, err := n.Client.PostMessageContext(ctx, to, slack.MsgOptionText(notify.Subject(m), false), slack.MsgOptionBlocks(Blocks(m)...))
	if err != nil {
		return "", classify(err)
	}
	return channel + "/" + ts, nil
}

// resolve turns an address into a channel or user id.
func (n *Notifier) resolve(ctx context.Context, addr string) (string, error) {
	email, ok := strings.CutPrefix(addr, emailPrefix)
	if !ok {
		return addr, nil
	}
	n.mu.Lock()
	id, cached := n.users[email]
	n.mu.Unlock()
	if cached {
		return id, nil
	}
	u, err := n.Client.GetUserByEmailContext(ctx, email)
	if err != nil {
		return "", classify(err)
	}
	n.mu.Lock()
	if n.users == nil {
		n.users = map[string]string{}
	}
	n.users[email] = u.ID
	n.mu.Unlock()
	return u.ID, nil
}

// permanentErrors are Slack's answers that retrying cannot change.
var permanentErrors = map[string]bool{
	"users_not_found": true, "user_not_found": true, "channel_not_found": true, "not_in_channel": true, "is_archived": true,
	"invalid_auth": true, "account_inactive": true, "token_revoked": true, "no_permission": true, "missing_scope": true,
	"user_disabled": true, "cannot_dm_bot": true, "invalid_blocks": true, "msg_too_long": true,
}

// classify maps slack-go's errors onto the dispatcher's: a rate limit
// waits as long as Slack asks; a refusal is permanent; anything else
// (a 5xx, a network error) is retried.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &notify.RetryAfterError{After: rl.RetryAfter, Err: err}
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && permanentErrors[se.Err] {
		return notify.Permanent(fmt.Errorf("slack: %s", se.Err))
	}
	return fmt.Errorf("slack: %w", err)
}

// maxItems is how many items a Slack message shows: Slack takes at most
// 50 blocks, and each item takes two.
const maxItems = 20

// Blocks renders a message in Block Kit: a section per item with an
// Acknowledge button (not for items that are only for information), and a
// count of the rest when there are more than a message can show.
func Blocks(m notify.Message) []slack.Block { return blocks(m, nil) }

// blocks renders m; items in done show their state instead of a button.
func blocks(m notify.Message, done map[int64]string) []slack.Block {
	var blocks []slack.Block
	if m.Notice != "" {
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.PlainTextType, m.Notice, false, false), nil, nil))
	}
	items := m.Items
	if len(items) > maxItems {
		items = items[:maxItems]
	}
	for _, it := range items {
		text := slack.NewTextBlockObject(slack.PlainTextType, notify.Line(withoutURL(it)), false, false)
		var acc *slack.Accessory
		state, isDone := done[it.ReviewID]
		if isDone {
			text = slack.NewTextBlockObject(slack.PlainTextType, notify.Line(withoutURL(it))+" ✓ "+state, false, false)
		} else if it.Kind != "gifts_declaration" {
			btn := slack.NewButtonBlockElement(AckAction, strconv.FormatInt(it.ReviewID, 10),
				slack.NewTextBlockObject(slack.PlainTextType, "Acknowledge", false, false))
			acc = slack.NewAccessory(btn)
		}
		blocks = append(blocks, slack.NewSectionBlock(text, nil, acc),
			slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, "<"+it.URL+"|Open in vettingd>", false, false)))
	}
	if more := len(m.Items) - len(items); more > 0 {
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.PlainTextType,
			fmt.Sprintf("… and %d more: open vettingd to see them all.", more), false, false), nil, nil))
	}
	return blocks
}

func withoutURL(it notify.Item) notify.Item {
	it.URL = "link below"
	return it
}
