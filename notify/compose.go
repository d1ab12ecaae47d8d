package notify

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"vettingd/civil"
	"vettingd/store"
)

// Router decides which channels carry a recipient's messages: a person
// receives on the first channel of Preference that can reach them; a unit
// (the vetting unit, PSD) on every configured channel that has an address
// for it (SPEC §10).
type Router struct {
	Preference []string            // channel names, in order, for people
	Units      []string            // channel names for the units (nil: Preference)
	Channels   map[string]Notifier // the configured channels by name
	BaseURL    string              // links in messages point here
	// Fallback carries a unit's messages when no configured channel has
	// an address for it (the log), so that nothing is dropped unseen.
	Fallback Notifier
}

// MaxItems is the most items one message lists.
const MaxItems = 200

// unitRoles are recipients that are units, not people.
func isUnit(role string) bool { return role == "vetting_unit" || role == "psd" }

// Compose returns the store's compose function for messages built as of asOf.
func (r *Router) Compose(asOf civil.Date) store.ComposeFunc {
	return func(rcpt store.Recipient, items []store.PendingItem) ([]store.NewMessage, error) {
		msgItems := collapse(items, func(it store.PendingItem) Item { return r.item(it, asOf) })
		m := Message{Items: msgItems}
		if len(msgItems) > MaxItems {
			// A unit's first digest can hold a whole force's reviews: the
			// message names the most pressing (earliest due) and counts the
			// rest, which the dashboard lists.
			m.Items = msgItems[:MaxItems]
			m.Notice = fmt.Sprintf("%d more item(s) are not listed here: see them all at %s/", len(msgItems)-MaxItems, strings.TrimSuffix(r.BaseURL, "/"))
		}
		msgs := r.route(rcpt, m)
		if len(msgs) > 0 || isUnit(rcpt.Role) {
			return msgs, nil
		}
		// Nobody can reach this person: the vetting unit gets their items, and is told why.
		vu := store.Recipient{Role: "vetting_unit"}
		return r.route(vu, Message{Items: m.Items,
			Notice: fmt.Sprintf("%s %s has no channel that reaches them (no Slack id or e-mail address): these items were theirs.", rcpt.Role, rcpt.ID)}), nil
	}
}

func (r *Router) item(it store.PendingItem, asOf civil.Date) Item {
	kind, event, overdue := it.Kind, it.Event, it.DueOn.Before(asOf)
	if event == EventGifts {
		// For PSD's register: nothing is due, and nothing overdue.
		kind, event, overdue = KindGifts, EventOpened, false
	}
	return Item{ReviewID: it.ReviewID, Kind: kind, EmployeeID: it.EmployeeID, PersonName: it.PersonName, DueOn: it.DueOn,
		Overdue: overdue, Event: event, URL: fmt.Sprintf("%s/reviews/%d", strings.TrimSuffix(r.BaseURL, "/"), it.ReviewID)}
}

// eventWeight orders events by how much they say: a message names each
// review once, with its weightiest event.
var eventWeight = map[string]int{EventOpened: 1, EventBriefing: 2, EventUrgent: 3, EventReminder: 3, EventDue: 4, EventEscalation: 5}

// collapse turns items (in due order) into message items, one per review.
func collapse(items []store.PendingItem, conv func(store.PendingItem) Item) []Item {
	out := make([]Item, 0, len(items))
	at := map[int64]int{}
	for _, it := range items {
		m := conv(it)
		if it.Event == EventGifts {
			out = append(out, m) // a notice of its own, beside any item of the same review
			continue
		}
		if i, seen := at[it.ReviewID]; seen {
			if eventWeight[m.Event] > eventWeight[out[i].Event] {
				out[i].Event = m.Event
			}
			continue
		}
		at[it.ReviewID] = len(out)
		out = append(out, m)
	}
	return out
}

// route makes one stored message per channel that should carry m to rcpt.
func (r *Router) route(rcpt store.Recipient, m Message) []store.NewMessage {
	channels := r.Preference
	if isUnit(rcpt.Role) && r.Units != nil {
		channels = r.Units
	}
	out := r.routeOn(rcpt, m, channels)
	if len(out) == 0 && isUnit(rcpt.Role) && r.Fallback != nil {
		// A unit no configured channel reaches still hears: on the log.
		out = append(out, r.message(rcpt, r.Fallback.Name(), r.Fallback.Address(rcpt), m))
	}
	return out
}

func (r *Router) routeOn(rcpt store.Recipient, m Message, preference []string) []store.NewMessage {
	var out []store.NewMessage
	for _, name := range preference {
		ch, ok := r.Channels[name]
		if !ok {
			continue
		}
		addr := ch.Address(rcpt)
		if addr == "" {
			continue
		}
		out = append(out, r.message(rcpt, name, addr, m))
		if !isUnit(rcpt.Role) {
			break
		}
	}
	return out
}

func (r *Router) message(rcpt store.Recipient, channel, addr string, m Message) store.NewMessage {
	m.DeliveryID = newDeliveryID()
	m.Recipient = MessageRecipient{Role: rcpt.Role}
	if rcpt.ID != "" {
		id := rcpt.ID
		m.Recipient.EmployeeID = &id
	}
	if rcpt.Email != "" {
		email := rcpt.Email
		m.Recipient.Email = &email
	}
	if m.Items == nil {
		m.Items = []Item{}
	}
	body, _ := json.Marshal(m) // a Message always marshals
	return store.NewMessage{DeliveryID: m.DeliveryID, Recipient: rcpt, Channel: channel, Address: addr, Body: string(body)}
}

// Notice builds the messages that tell a unit something (a failed delivery).
func (r *Router) Notice(role, text string) []store.NewMessage {
	return r.route(store.Recipient{Role: role}, Message{Notice: text})
}

// newDeliveryID returns a random identifier receivers use to drop duplicates.
func newDeliveryID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail
	return hex.EncodeToString(b)
}
