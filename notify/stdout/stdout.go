// Package stdout is the log channel: each message is written to standard
// output (or any writer) as text, one line per item. It reaches everyone,
// and is the default when no other channel is configured.
package stdout

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"vettingd/notify"
	"vettingd/store"
)

// maxItems is how many items of a message the log shows.
const maxItems = 10

// Notifier writes messages to W.
type Notifier struct {
	W  io.Writer
	mu sync.Mutex
}

var _ notify.Notifier = (*Notifier)(nil)

// Name is "log".
func (n *Notifier) Name() string { return "log" }

// Address is "-" for everyone: the log reaches all.
func (n *Notifier) Address(store.Recipient) string { return "-" }

// Send writes the message.
func (n *Notifier) Send(_ context.Context, _ string, m notify.Message) (string, error) {
	to := m.Recipient.Role
	if m.Recipient.EmployeeID != nil {
		to += " " + *m.Recipient.EmployeeID
	}
	var b strings.Builder
	fmt.Fprintf(&b, "notify: to %s (delivery %s): %s\n", to, m.DeliveryID, notify.Subject(m))
	if m.Notice != "" {
		b.WriteString("  " + m.Notice + "\n")
	}
	for i, it := range m.Items {
		if i == maxItems {
			fmt.Fprintf(&b, "  … and %d more\n", len(m.Items)-maxItems)
			break
		}
		b.WriteString("  - " + notify.Line(it) + "\n")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	_, err := io.WriteString(n.W, b.String())
	return "", err
}
