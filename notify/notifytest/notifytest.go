// Package notifytest runs the far ends of the notification channels in
// process, for tests: slack-go's slacktest server (with the handlers our
// tests need to see what was posted, and to inject rate limits and
// failures), a real SMTP server with STARTTLS (emersion/go-smtp), and a
// webhook receiver that checks signatures.
package notifytest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/slack-go/slack/slacktest"

	"vettingd/notify/webhook"
)

// Slack is a slacktest server that records posts and answers
// users.lookupByEmail from Users.
type Slack struct {
	*slacktest.Server
	mu      sync.Mutex
	posts   []SlackPost
	Users   map[string]string // e-mail → user id
	lookups int
	fail    []int // status codes to answer the next posts with (429, 500)
	updates []SlackPost
	ephem   []SlackPost
}

// Updates returns the chat.update calls.
func (s *Slack) Updates() []SlackPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SlackPost(nil), s.updates...)
}

// Ephemerals returns the chat.postEphemeral calls (Channel is "CHANNEL USER").
func (s *Slack) Ephemerals() []SlackPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SlackPost(nil), s.ephem...)
}

func (s *Slack) update(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	s.updates = append(s.updates, SlackPost{Channel: r.Form.Get("channel") + "/" + r.Form.Get("ts"), Text: r.Form.Get("text"), Blocks: r.Form.Get("blocks")})
	s.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "channel": r.Form.Get("channel"), "ts": r.Form.Get("ts"), "text": r.Form.Get("text")})
}

func (s *Slack) ephemeral(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	s.ephem = append(s.ephem, SlackPost{Channel: r.Form.Get("channel") + " " + r.Form.Get("user"), Text: r.Form.Get("text")})
	s.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "message_ts": "9.000100"})
}

// SlackPost is one chat.postMessage call.
type SlackPost struct {
	Channel string
	Text    string
	Blocks  string // JSON
}

// NewSlack starts a Slack server, stopped when t ends.
func NewSlack(t testing.TB) *Slack {
	s := &Slack{Users: map[string]string{}}
	s.Server = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", s.postMessage)
		c.Handle("/users.lookupByEmail", s.lookupByEmail)
		c.Handle("/chat.update", s.update)
		c.Handle("/chat.postEphemeral", s.ephemeral)
	})
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL is the API address to give slack-go.
func (s *Slack) URL() string { return s.GetAPIURL() }

// FailNext makes the next posts answer with these HTTP statuses, in turn
// (429 comes with Retry-After: 7).
func (s *Slack) FailNext(codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, codes...)
}

// Posts returns what has been posted.
func (s *Slack) Posts() []SlackPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SlackPost(nil), s.posts...)
}

// Lookups counts users.lookupByEmail calls.
func (s *Slack) Lookups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookups
}

func (s *Slack) postMessage(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	if len(s.fail) > 0 {
		code := s.fail[0]
		s.fail = s.fail[1:]
		s.mu.Unlock()
		if code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "7")
		}
		w.WriteHeader(code)
		return
	}
	p := SlackPost{Channel: r.Form.Get("channel"), Text: r.Form.Get("text"), Blocks: r.Form.Get("blocks")}
	s.posts = append(s.posts, p)
	ts := strconv.Itoa(len(s.posts)) + ".000100"
	s.mu.Unlock()
	if p.Channel == "CGONE" {
		writeJSON(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "channel": p.Channel, "ts": ts})
}

func (s *Slack) lookupByEmail(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	s.lookups++
	id, ok := s.Users[r.Form.Get("email")]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, map[string]any{"ok": false, "error": "users_not_found"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "user": map[string]any{"id": id, "name": id}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Mail is one message the SMTP server accepted.
type Mail struct {
	From string
	To   []string
	Data string
	TLS  bool // received over STARTTLS
	Auth string
}

// SMTP is a real SMTP server on loopback that offers STARTTLS with a
// certificate from its own CA (in CAFile), takes PLAIN auth with any
// password, and refuses recipients in Refuse with 550.
type SMTP struct {
	Addr   string
	CAFile string
	Refuse map[string]bool
	mu     sync.Mutex
	mails  []Mail
}

// NewSMTP starts an SMTP server, stopped when t ends.
func NewSMTP(t testing.TB) *SMTP {
	t.Helper()
	cert, caPEM := selfSigned(t)
	s := &SMTP{Refuse: map[string]bool{}, CAFile: filepath.Join(t.TempDir(), "ca.pem")}
	if err := os.WriteFile(s.CAFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(&smtpBackend{s})
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// URL is the VETTINGD_SMTP_URL of this server, with a user and password.
func (s *SMTP) URL(user, password string) string {
	return "smtp://" + url.UserPassword(user, password).String() + "@" + s.Addr
}

// Mails returns what has been accepted.
func (s *SMTP) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

type smtpBackend struct{ s *SMTP }

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{s: b.s, conn: c}, nil
}

type smtpSession struct {
	s    *SMTP
	conn *smtp.Conn
	m    Mail
}

func (ss *smtpSession) AuthMechanisms() []string { return []string{"PLAIN"} }

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, _ string) error {
		ss.m.Auth = user
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.m.From = from
	_, ss.m.TLS = ss.conn.TLSConnectionState()
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.s.Refuse[to] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox"}
	}
	ss.m.To = append(ss.m.To, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.m.Data = string(b)
	ss.s.mu.Lock()
	ss.s.mails = append(ss.s.mails, ss.m)
	ss.s.mu.Unlock()
	return nil
}

func (ss *smtpSession) Reset()        { ss.m = Mail{} }
func (ss *smtpSession) Logout() error { return nil }

// selfSigned makes a CA certificate for localhost and 127.0.0.1, and its PEM.
func selfSigned(t testing.TB) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vettingd test SMTP"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		t.Fatal(err)
	}
	return cert, certPEM
}

// Webhook is a receiver that checks each POST's signature and headers.
type Webhook struct {
	*httptest.Server
	Secret string
	Delay  time.Duration // before each answer
	// FirstDelay holds the first request this long (so that a second
	// sender surely runs meanwhile).
	FirstDelay time.Duration
	requests   atomic.Int64
	mu         sync.Mutex
	got        []WebhookPost
	fail       []int
	errs       []error
}

// WebhookPost is one delivery received.
type WebhookPost struct {
	DeliveryHeader string
	Body           []byte
}

// NewWebhook starts a receiver, stopped when t ends.
func NewWebhook(t testing.TB, secret string) *Webhook {
	w := &Webhook{Secret: secret}
	w.Server = httptest.NewServer(http.HandlerFunc(w.serve))
	t.Cleanup(w.Close)
	return w
}

// FailNext makes the next deliveries answer with these statuses.
func (w *Webhook) FailNext(codes ...int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.fail = append(w.fail, codes...)
}

// Posts returns the deliveries received (failed ones not included).
func (w *Webhook) Posts() []WebhookPost {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]WebhookPost(nil), w.got...)
}

// Requests counts the requests received so far, answered or not.
func (w *Webhook) Requests() int64 { return w.requests.Load() }

// Errors returns what was wrong with any delivery (signature, headers).
func (w *Webhook) Errors() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return errors.Join(w.errs...)
}

func (w *Webhook) serve(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if w.requests.Add(1) == 1 {
		time.Sleep(w.FirstDelay)
	}
	time.Sleep(w.Delay)
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.fail) > 0 {
		code := w.fail[0]
		w.fail = w.fail[1:]
		rw.WriteHeader(code)
		return
	}
	if got, want := r.Header.Get("X-Vettingd-Signature"), webhook.Sign(w.Secret, body); got != want {
		w.errs = append(w.errs, fmt.Errorf("signature %q, want %q", got, want))
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		w.errs = append(w.errs, fmt.Errorf("content type %q", ct))
	}
	var m struct {
		DeliveryID string `json:"delivery_id"`
	}
	if err := json.Unmarshal(body, &m); err != nil || m.DeliveryID == "" || !bytes.Equal([]byte(m.DeliveryID), []byte(r.Header.Get("X-Vettingd-Delivery"))) {
		w.errs = append(w.errs, fmt.Errorf("delivery header %q does not match body %s", r.Header.Get("X-Vettingd-Delivery"), body))
	}
	w.got = append(w.got, WebhookPost{DeliveryHeader: r.Header.Get("X-Vettingd-Delivery"), Body: body})
	rw.WriteHeader(http.StatusNoContent)
}
