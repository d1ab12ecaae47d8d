package slack

import (
	"context"
	"log/slog"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode receives button clicks over Slack's Socket Mode (for a
// force whose daemon cannot take requests from the internet) and hands
// each Acknowledge click to handle, until ctx ends.
func (n *Notifier) RunSocketMode(ctx context.Context, appToken string, handle func(context.Context, *Click), log *slog.Logger) error {
	client := socketmode.New(slack.New(n.token, n.options(slack.OptionAppLevelToken(appToken))...))
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt, ok := <-client.Events:
				if !ok {
					return
				}
				n.socketEvent(ctx, client, evt, handle, log)
			}
		}
	}()
	return client.RunContext(ctx)
}

func (n *Notifier) socketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event, handle func(context.Context, *Click), log *slog.Logger) {
	if evt.Type != socketmode.EventTypeInteractive {
		return
	}
	if evt.Request != nil {
		client.Ack(*evt.Request)
	}
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok {
		return
	}
	click, err := clickFrom(cb)
	if err != nil {
		log.Warn("Slack interaction refused", slog.Any("error", err))
		return
	}
	if click != nil {
		handle(ctx, click)
	}
}
