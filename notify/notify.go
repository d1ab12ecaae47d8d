// Package notify delivers what the planner has put in the outbox (SPEC §5).
// It decides nothing about what is due: the scheduler writes outbox items in
// the same transaction as the change that owes them. Here items are gathered
// into messages (a digest per recipient and window; urgent items at once),
// routed to channels, and delivered by a dispatcher that claims messages from
// the database, retries with back-off and records every outcome, so that a
// crash or restart loses nothing.
//
// Channels live in their own packages (notify/slack, notify/email,
// notify/webhook, notify/stdout) behind the Notifier interface.
package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"vettingd/civil"
	"vettingd/store"
)

// Notifier is one channel.
type Notifier interface {
	// Name is the channel's name in VETTINGD_CHANNELS: slack, email, webhook, log.
	Name() string
	// Address says where the channel reaches a recipient, "" when it cannot.
	Address(r store.Recipient) string
	// Send delivers m to address and returns a reference to what was sent
	// (for a later update), or an error: Permanent when retrying cannot
	// help, a *RetryAfterError when the far end asked us to wait.
	Send(ctx context.Context, address string, m Message) (ref string, err error)
}

// Message is what a recipient is told: the webhook contract of SPEC §5.
// It carries the kind of each review, the person's name and employee
// number, the due date and a link, and nothing more.
type Message struct {
	DeliveryID string           `json:"delivery_id"`
	Recipient  MessageRecipient `json:"recipient"`
	Items      []Item           `json:"items"`
	// Notice, on a message to a unit that carries no review (a delivery
	// that failed), says what happened.
	Notice string `json:"notice,omitempty"`
}

// MessageRecipient is whom a message is for.
type MessageRecipient struct {
	Role       string  `json:"role"`
	EmployeeID *string `json:"employee_id"`
	Email      *string `json:"email"`
}

// Item is one review a message is about.
type Item struct {
	ReviewID   int64      `json:"review_id"`
	Kind       string     `json:"kind"`
	EmployeeID string     `json:"employee_id"`
	PersonName string     `json:"person_name"`
	DueOn      civil.Date `json:"due_on"`
	Overdue    bool       `json:"overdue"`
	Event      string     `json:"event"`
	URL        string     `json:"url"`
}

// Event names.
const (
	EventOpened     = "opened"
	EventReminder   = "reminder"
	EventDue        = "due"
	EventEscalation = "escalation"
	EventBriefing   = "briefing"
	EventUrgent     = "urgent"
	// EventGifts is not a review event: an integrity review recorded a
	// declaration of gifts or hospitality for PSD's register. Its item
	// says kind KindGifts and event "opened", and is never overdue.
	EventGifts = "gifts"
)

// KindGifts is the kind of the item that tells PSD of a gifts declaration.
const KindGifts = "gifts_declaration"

// PermanentError is a failure that retrying cannot mend (an unknown Slack
// user, a refused address).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return &PermanentError{err} }

// RetryAfterError says the far end asked us to wait before trying again
// (Slack's rate limit).
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
}
func (e *RetryAfterError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
