package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/slack-go/slack"

	"vettingd/notify"
)

// maxInteraction is the largest interaction body read; Slack's are a few kB.
const maxInteraction = 1 << 20

// ErrUnverified is returned for a request whose signature is missing,
// wrong, or too old to trust (a replay).
var ErrUnverified = errors.New("slack: the request is not signed by Slack, or is stale")

// ErrTooLarge is returned for a signed request whose body is larger than
// any interaction Slack sends.
var ErrTooLarge = fmt.Errorf("slack: the interaction body is larger than %d bytes", maxInteraction)

// Click is a press of an Acknowledge button.
type Click struct {
	ReviewID  int64
	UserID    string // who clicked
	ChannelID string // where the message is
	MessageTS string
}

// VerifyRequest reads an interaction request and checks its signature with
// the signing secret; a timestamp more than five minutes away is refused.
// It returns the form body.
func VerifyRequest(r *http.Request, signingSecret string) (url.Values, error) {
	sv, err := slack.NewSecretsVerifier(r.Header, signingSecret)
	if err != nil {
		return nil, ErrUnverified
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxInteraction+1))
	var tooBig *http.MaxBytesError
	switch {
	case len(body) > maxInteraction || errors.As(err, &tooBig):
		return nil, ErrTooLarge
	case err != nil:
		return nil, fmt.Errorf("slack: interaction body: %w", err)
	}
	_, _ = sv.Write(body)
	if sv.Ensure() != nil {
		return nil, ErrUnverified
	}
	return url.ParseQuery(string(body))
}

// ParseClick returns the Acknowledge click in an interaction payload, or
// nil for an interaction that is not one (Slack sends others too).
func ParseClick(payload []byte) (*Click, error) {
	var cb slack.InteractionCallback
	if err := json.Unmarshal(payload, &cb); err != nil {
		return nil, fmt.Errorf("slack: interaction payload: %w", err)
	}
	return clickFrom(cb)
}

func clickFrom(cb slack.InteractionCallback) (*Click, error) {
	if cb.Type != slack.InteractionTypeBlockActions {
		return nil, nil
	}
	for _, a := range cb.ActionCallback.BlockActions {
		if a == nil || a.ActionID != AckAction {
			continue
		}
		id, err := strconv.ParseInt(a.Value, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("slack: acknowledge button with value %q", a.Value)
		}
		channel := cb.Container.ChannelID
		if channel == "" {
			channel = cb.Channel.ID
		}
		ts := cb.Container.MessageTs
		if ts == "" {
			ts = cb.Message.Timestamp
		}
		return &Click{ReviewID: id, UserID: cb.User.ID, ChannelID: channel, MessageTS: ts}, nil
	}
	return nil, nil
}

// UserEmail returns the e-mail address of a Slack user.
func (n *Notifier) UserEmail(ctx context.Context, userID string) (string, error) {
	u, err := n.Client.GetUserInfoContext(ctx, userID)
	if err != nil {
		return "", classify(err)
	}
	return u.Profile.Email, nil
}

// Refuse tells the clicker, and only them, why nothing happened.
func (n *Notifier) Refuse(ctx context.Context, c *Click, text string) error {
	_, err := n.Client.PostEphemeralContext(ctx, c.ChannelID, c.UserID, slack.MsgOptionText(text, false))
	return classify(err)
}

// Update re-renders a message after a click: items whose review is done
// (in done, with who or what) lose their button and say so.
func (n *Notifier) Update(ctx context.Context, c *Click, m notify.Message, done map[int64]string) error {
	_, _, _, err := n.Client.UpdateMessageContext(ctx, c.ChannelID, c.MessageTS,
		slack.MsgOptionText(notify.Subject(m), false), slack.MsgOptionBlocks(blocks(m, done)...))
	return classify(err)
}
