// Package email is the e-mail channel: SMTP with STARTTLS (or implicit
// TLS) through go-mail, each message in plain text and HTML.
package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strconv"

	mail "github.com/wneessen/go-mail"

	"vettingd/boundedfile"
	"vettingd/notify"
	"vettingd/store"
)

// Config is how to reach the SMTP server and whom units are.
type Config struct {
	// URL is smtp://user:pass@host:587 (STARTTLS required), or
	// smtps://user:pass@host:465 (TLS from the start); ?starttls=opportunistic
	// allows a relay without TLS on the force's own network.
	URL       string
	From      string
	VU, PSD   string // the units' addresses
	CAFile    string // PEM roots to trust beyond the system's (a force's own CA)
	HelloFQDN string
}

// Notifier sends e-mail.
type Notifier struct {
	cfg  Config
	opts []mail.Option
	host string
}

var _ notify.Notifier = (*Notifier)(nil)

// New checks the configuration and returns a Notifier. Its errors name the
// setting at fault (VETTINGD_SMTP_URL, …), so that a daemon stops at start
// rather than give up every message it sends.
func New(cfg Config) (*Notifier, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("VETTINGD_SMTP_URL must be smtp://[user:password@]host[:port] or smtps://…")
	}
	if cfg.From == "" {
		return nil, errors.New("VETTINGD_SMTP_URL needs VETTINGD_SMTP_FROM, the sender's address")
	}
	for _, a := range []struct{ name, v string }{{"VETTINGD_SMTP_FROM", cfg.From}, {"VETTINGD_EMAIL_VU", cfg.VU}, {"VETTINGD_EMAIL_PSD", cfg.PSD}} {
		if a.v == "" {
			continue
		}
		if _, err := netmail.ParseAddress(a.v); err != nil {
			return nil, fmt.Errorf("%s %q is not an e-mail address", a.name, a.v)
		}
	}
	tlsCfg := &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := readCA(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("VETTINGD_SMTP_CA_FILE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("VETTINGD_SMTP_CA_FILE holds no PEM certificate")
		}
		tlsCfg.RootCAs = pool
	}
	opts := []mail.Option{mail.WithTLSConfig(tlsCfg), mail.WithTLSPortPolicy(mail.TLSMandatory)}
	port := 587
	if u.Scheme == "smtps" {
		port = 465
		opts = append(opts, mail.WithSSL())
	} else if u.Query().Get("starttls") == "opportunistic" {
		opts = append(opts, mail.WithTLSPortPolicy(mail.TLSOpportunistic))
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, errors.New("VETTINGD_SMTP_URL: the port must be a number")
		}
	}
	opts = append(opts, mail.WithPort(port))
	if u.User != nil {
		pw, _ := u.User.Password()
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(u.User.Username()), mail.WithPassword(pw))
	}
	if cfg.HelloFQDN != "" {
		opts = append(opts, mail.WithHELO(cfg.HelloFQDN))
	}
	return &Notifier{cfg: cfg, opts: opts, host: u.Hostname()}, nil
}

// Name is "email".
func (n *Notifier) Name() string { return "email" }

// Address is the unit's address or the person's.
func (n *Notifier) Address(r store.Recipient) string {
	switch r.Role {
	case "vetting_unit":
		return n.cfg.VU
	case "psd":
		return n.cfg.PSD
	}
	return r.Email
}

// Send sends one e-mail. A permanent refusal (5xx) is not retried.
func (n *Notifier) Send(ctx context.Context, to string, m notify.Message) (string, error) {
	msg := mail.NewMsg()
	if err := msg.From(n.cfg.From); err != nil {
		return "", notify.Permanent(fmt.Errorf("email: from: %w", err))
	}
	if err := msg.To(to); err != nil {
		return "", notify.Permanent(fmt.Errorf("email: address %q: %w", to, err))
	}
	msg.Subject(notify.Subject(m))
	msg.SetMessageIDWithValue(m.DeliveryID + "@vettingd")
	msg.SetGenHeader("X-Vettingd-Delivery", m.DeliveryID)
	msg.SetBodyString(mail.TypeTextPlain, notify.Text(m))
	msg.AddAlternativeString(mail.TypeTextHTML, notify.HTML(m))
	client, err := mail.NewClient(n.host, n.opts...)
	if err != nil {
		return "", notify.Permanent(fmt.Errorf("email: %w", err))
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		var se *mail.SendError
		if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			return "", notify.Permanent(fmt.Errorf("email: %w", err))
		}
		return "", fmt.Errorf("email: %w", err)
	}
	return "", nil
}

// maxCA bounds the CA file: a bundle of every public root is about 200 KB.
const maxCA = 4 << 20

// readCA reads the CA file, at most maxCA bytes (a path to /dev/zero by
// mistake must not fill memory).
func readCA(path string) ([]byte, error) {
	b, err := boundedfile.Read(path, maxCA)
	switch {
	case errors.Is(err, boundedfile.ErrTooLarge):
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxCA)
	case err != nil:
		return nil, err
	}
	return b, nil
}
