package config_test

import (
	"testing"

	"vettingd/config"
)

// Links in messages default to the listen address: on every interface
// (0.0.0.0, ::) that is an address nobody can follow, which serve warns of.
func TestABaseURLOnEveryInterfaceIsUnreachable(t *testing.T) {
	for _, c := range []struct {
		listen, base string
		want         bool
	}{
		{"0.0.0.0:8080", "", true},
		{"[::]:8080", "", true},
		{":8080", "", true},
		{"127.0.0.1:8080", "", false},
		{"0.0.0.0:8080", "https://vetting.force.police.uk", false},
	} {
		env := map[string]string{"VETTINGD_LISTEN": c.listen, "VETTINGD_BASE_URL": c.base}
		cfg, err := config.Load(func(k string) string { return env[k] })
		if err != nil {
			t.Fatalf("%s %q: %v", c.listen, c.base, err)
		}
		if cfg.BaseURLUnreachable != c.want {
			t.Errorf("listen %s, base %q: unreachable %v (base URL %s), want %v", c.listen, c.base, cfg.BaseURLUnreachable, cfg.BaseURL, c.want)
		}
	}
}
