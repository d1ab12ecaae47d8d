// Package config reads vettingd's settings from the environment (SPEC §10).
// Each option is a row of one table: its variable, default and validator.
// Every secret also has a NAME_FILE twin, read from that file, so that no
// secret needs to appear in a flag or a process listing.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"vettingd/boundedfile"
)

// Config is the daemon's and the CLI's configuration.
type Config struct {
	DatabaseURL string
	Location    *time.Location
	PolicyPath  string
	LogFormat   string
	LogLevel    string
	Listen      string
	BaseURL     string
	// BaseURLUnreachable is set when BaseURL defaulted to a listen address
	// on every interface (http://0.0.0.0:8080): links nobody can follow.
	BaseURLUnreachable bool
	PlanSchedule       string
	// LeaderRetry is how often a daemon that does not lead tries to take
	// the lead, and the leader checks its hold (PostgreSQL).
	LeaderRetry time.Duration
	// DispatchInterval is how often the outbox is dispatched and a digest
	// window that has come is built.
	DispatchInterval time.Duration
	// DispatchLease is how long a dispatcher's claim on a message holds: a
	// message whose sender died is sent again once it runs out.
	DispatchLease time.Duration
	// MaxImportBytes bounds the CSV body of an import over HTTP.
	MaxImportBytes int64

	// Notifications (SPEC §5, §10).
	Channels           []string // for people, in order of preference
	SlackBotToken      string
	SlackSigningSecret string
	SlackAppToken      string
	SlackAPIURL        string
	SlackVUChannel     string
	SlackPSDChannel    string
	SMTPURL            string
	SMTPFrom           string
	SMTPCAFile         string
	EmailVU            string
	EmailPSD           string
	WebhookURL         string
	WebhookSecret      string
}

type option struct {
	name   string
	def    string
	secret bool // may come from NAME_FILE
	set    func(c *Config, v string) error
}

var options = []option{
	{name: "VETTINGD_DATABASE_URL", def: "sqlite:vettingd.db", secret: true, set: func(c *Config, v string) error {
		if err := CheckDatabaseURL(v); err != nil {
			return err
		}
		c.DatabaseURL = v
		return nil
	}},
	{name: "VETTINGD_TZ", def: "Europe/London", set: func(c *Config, v string) error {
		loc, err := time.LoadLocation(v)
		if err != nil {
			return fmt.Errorf("is not a time zone (e.g. Europe/London)")
		}
		c.Location = loc
		return nil
	}},
	{name: "VETTINGD_POLICY", set: func(c *Config, v string) error { c.PolicyPath = v; return nil }},
	{name: "VETTINGD_LISTEN", def: "127.0.0.1:8080", set: func(c *Config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("must be HOST:PORT (e.g. 127.0.0.1:8080)")
		}
		c.Listen = v
		return nil
	}},
	{name: "VETTINGD_BASE_URL", set: func(c *Config, v string) error {
		if v == "" {
			v = "http://" + c.Listen
			c.BaseURLUnreachable = unspecified(c.Listen)
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("must be an http:// or https:// URL")
		}
		c.BaseURL = strings.TrimSuffix(v, "/")
		return nil
	}},
	{name: "VETTINGD_PLAN_SCHEDULE", def: "@hourly", set: func(c *Config, v string) error {
		if _, err := cron.ParseStandard(v); err != nil {
			return fmt.Errorf("is not a cron expression: %v", err)
		}
		c.PlanSchedule = v
		return nil
	}},
	{name: "VETTINGD_LEADER_RETRY", def: "5s", set: func(c *Config, v string) error {
		return duration(&c.LeaderRetry, v, 100*time.Millisecond, time.Hour)
	}},
	{name: "VETTINGD_DISPATCH_INTERVAL", def: "10s", set: func(c *Config, v string) error {
		return duration(&c.DispatchInterval, v, 100*time.Millisecond, time.Hour)
	}},
	{name: "VETTINGD_DISPATCH_LEASE", def: "2m", set: func(c *Config, v string) error {
		return duration(&c.DispatchLease, v, time.Second, time.Hour)
	}},
	{name: "VETTINGD_MAX_IMPORT_MB", def: "1024", set: func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > 1<<20 {
			return fmt.Errorf("must be a whole number of MiB from 1 to 1048576")
		}
		c.MaxImportBytes = n << 20
		return nil
	}},
	{name: "VETTINGD_LOG_FORMAT", def: "text", set: func(c *Config, v string) error {
		return oneOf(&c.LogFormat, v, "text", "json")
	}},
	{name: "VETTINGD_LOG_LEVEL", def: "info", set: func(c *Config, v string) error {
		return oneOf(&c.LogLevel, v, "debug", "info", "warn", "error")
	}},
	{name: "VETTINGD_CHANNELS", def: "log", set: func(c *Config, v string) error {
		c.Channels = nil
		for _, ch := range strings.Split(v, ",") {
			ch = strings.TrimSpace(ch)
			var one string
			if err := oneOf(&one, ch, "slack", "email", "webhook", "log"); err != nil {
				return fmt.Errorf("lists %q: each channel %w", ch, err)
			}
			c.Channels = append(c.Channels, one)
		}
		return nil
	}},
	{name: "VETTINGD_SLACK_BOT_TOKEN", secret: true, set: func(c *Config, v string) error { c.SlackBotToken = v; return nil }},
	{name: "VETTINGD_SLACK_SIGNING_SECRET", secret: true, set: func(c *Config, v string) error { c.SlackSigningSecret = v; return nil }},
	{name: "VETTINGD_SLACK_APP_TOKEN", secret: true, set: func(c *Config, v string) error { c.SlackAppToken = v; return nil }},
	{name: "VETTINGD_SLACK_API_URL", set: func(c *Config, v string) error { c.SlackAPIURL = v; return checkURL(v) }},
	{name: "VETTINGD_SLACK_VU_CHANNEL", set: func(c *Config, v string) error { c.SlackVUChannel = v; return nil }},
	{name: "VETTINGD_SLACK_PSD_CHANNEL", set: func(c *Config, v string) error { c.SlackPSDChannel = v; return nil }},
	{name: "VETTINGD_SMTP_URL", secret: true, set: func(c *Config, v string) error { c.SMTPURL = v; return nil }},
	{name: "VETTINGD_SMTP_FROM", set: func(c *Config, v string) error { c.SMTPFrom = v; return nil }},
	{name: "VETTINGD_SMTP_CA_FILE", set: func(c *Config, v string) error { c.SMTPCAFile = v; return nil }},
	{name: "VETTINGD_EMAIL_VU", set: func(c *Config, v string) error { c.EmailVU = v; return nil }},
	{name: "VETTINGD_EMAIL_PSD", set: func(c *Config, v string) error { c.EmailPSD = v; return nil }},
	{name: "VETTINGD_WEBHOOK_URL", secret: true, set: func(c *Config, v string) error { c.WebhookURL = v; return checkURL(v) }},
	{name: "VETTINGD_WEBHOOK_SECRET", secret: true, set: func(c *Config, v string) error { c.WebhookSecret = v; return nil }},
}

// unspecified reports whether a listen address names no host people can
// reach (0.0.0.0, ::, or none: every interface).
func unspecified(listen string) bool {
	host, _, _ := net.SplitHostPort(listen)
	ip := net.ParseIP(host)
	return host == "" || (ip != nil && ip.IsUnspecified())
}

// checkURL accepts "" or an http(s) URL.
func checkURL(v string) error {
	if v == "" {
		return nil
	}
	if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("must be an http:// or https:// URL")
	}
	return nil
}

// validate checks what one setting alone cannot: each channel chosen for
// people, or set up for the units, has what it needs.
func (c Config) validate() error {
	for _, ch := range c.Channels {
		switch {
		case ch == "slack" && c.SlackBotToken == "":
			return fmt.Errorf("VETTINGD_CHANNELS names slack, which needs VETTINGD_SLACK_BOT_TOKEN")
		case ch == "email" && (c.SMTPURL == "" || c.SMTPFrom == ""):
			return fmt.Errorf("VETTINGD_CHANNELS names email, which needs VETTINGD_SMTP_URL and VETTINGD_SMTP_FROM")
		case ch == "webhook" && (c.WebhookURL == "" || c.WebhookSecret == ""):
			return fmt.Errorf("VETTINGD_CHANNELS names webhook, which needs VETTINGD_WEBHOOK_URL and VETTINGD_WEBHOOK_SECRET")
		}
	}
	switch {
	case (c.SlackVUChannel != "" || c.SlackPSDChannel != "") && c.SlackBotToken == "":
		return fmt.Errorf("VETTINGD_SLACK_VU_CHANNEL and VETTINGD_SLACK_PSD_CHANNEL need VETTINGD_SLACK_BOT_TOKEN")
	case (c.EmailVU != "" || c.EmailPSD != "") && (c.SMTPURL == "" || c.SMTPFrom == ""):
		return fmt.Errorf("VETTINGD_EMAIL_VU and VETTINGD_EMAIL_PSD need VETTINGD_SMTP_URL and VETTINGD_SMTP_FROM")
	case c.SMTPURL != "" && c.SMTPFrom == "":
		return fmt.Errorf("VETTINGD_SMTP_URL needs VETTINGD_SMTP_FROM")
	case c.WebhookURL != "" && c.WebhookSecret == "":
		return fmt.Errorf("VETTINGD_WEBHOOK_URL needs VETTINGD_WEBHOOK_SECRET")
	}
	return nil
}

// UnitChannels are the channels the units (vetting unit, PSD) receive on
// (SPEC §10: every configured channel that has an address for them): those
// chosen for people, then any other set up with an address for a unit.
func (c Config) UnitChannels() []string {
	out := append([]string(nil), c.Channels...)
	add := func(name string, configured bool) {
		if configured && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	add("slack", c.SlackBotToken != "" && (c.SlackVUChannel != "" || c.SlackPSDChannel != ""))
	add("email", c.SMTPURL != "" && (c.EmailVU != "" || c.EmailPSD != ""))
	add("webhook", c.WebhookURL != "")
	return out
}

// duration reads a Go duration (e.g. 5s, 500ms) between least and most.
func duration(dst *time.Duration, v string, least, most time.Duration) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < least || d > most {
		return fmt.Errorf("must be a duration from %s to %s (e.g. 5s)", least, most)
	}
	*dst = d
	return nil
}

func oneOf(dst *string, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			*dst = v
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(allowed, ", "))
}

// Load reads the configuration through getenv (os.Getenv in production).
// The error is one sentence naming the setting at fault.
func Load(getenv func(string) string) (Config, error) {
	var c Config
	for _, o := range options {
		v, err := lookup(getenv, o)
		if err != nil {
			return c, err
		}
		if v == "" {
			v = o.def
		}
		if err := o.set(&c, v); err != nil {
			return c, fmt.Errorf("%s %w", o.name, err)
		}
	}
	return c, c.validate()
}

func lookup(getenv func(string) string, o option) (string, error) {
	v := getenv(o.name)
	if !o.secret || v != "" {
		return v, nil
	}
	path := getenv(o.name + "_FILE")
	if path == "" {
		return "", nil
	}
	b, err := readSecret(path)
	if err != nil {
		return "", fmt.Errorf("%s_FILE %w", o.name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// maxSecret bounds a secret file: a token or a URL is far smaller, and a
// _FILE naming /dev/zero or a large file by mistake must not fill memory.
const maxSecret = 64 << 10

// readSecret reads a secret file of at most maxSecret bytes. A pipe is
// allowed (a secret manager's process substitution), so it is not refused
// for not being a regular file.
func readSecret(path string) ([]byte, error) {
	b, err := boundedfile.Read(path, maxSecret)
	switch {
	case errors.Is(err, boundedfile.ErrTooLarge):
		return nil, fmt.Errorf("%s is larger than %d bytes: is it the right file?", path, maxSecret)
	case err != nil:
		return nil, fmt.Errorf("cannot be read: %w", err)
	}
	return b, nil
}

// CheckDatabaseURL refuses a database URL of neither backend.
func CheckDatabaseURL(v string) error {
	if !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") && !strings.HasPrefix(v, "sqlite:") {
		return fmt.Errorf("must start with postgres:// or sqlite:")
	}
	return nil
}
