// Package webhook is the webhook channel (SPEC §5): one JSON POST per
// message, signed with HMAC-SHA256 of the raw body, for Microsoft Teams
// workflows or a force's case system.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"

	"vettingd/notify"
	"vettingd/store"
)

// Notifier posts messages to URL.
type Notifier struct {
	URL    string
	Secret string
	Client *http.Client // http.DefaultClient when nil
}

var _ notify.Notifier = (*Notifier)(nil)

// Name is "webhook".
func (n *Notifier) Name() string { return "webhook" }

// Address is the same for everyone (the receiver routes to people
// itself): not the URL, which may carry a secret and would be kept in
// every outbox row, and which a corrected VETTINGD_WEBHOOK_URL must
// replace for the messages already waiting too.
func (n *Notifier) Address(store.Recipient) string { return Address }

// Address is the webhook's address in the outbox.
const Address = "webhook"

// Sign returns the X-Vettingd-Signature value of body.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Send posts m to the URL configured now (an outbox row made before a
// change of URL, which held it, goes to the new one). A 2xx answer is
// success; anything else is retried.
func (n *Notifier) Send(ctx context.Context, _ string, m notify.Message) (string, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return "", notify.Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.URL, bytes.NewReader(body))
	if err != nil {
		return "", notify.Permanent(fmt.Errorf("webhook: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Vettingd-Delivery", m.DeliveryID)
	req.Header.Set("X-Vettingd-Signature", Sign(n.Secret, body))
	client := n.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may carry a secret (Teams puts one in it)
		}
		return "", fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", fmt.Errorf("webhook: the receiver answered %s", resp.Status)
	}
	return "", nil
}
