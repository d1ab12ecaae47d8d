// Package policy holds the force's rules as numbers: every period, offset,
// threshold and mapping that SPEC §3 and §4 give a default for. The
// defaults are built in; a TOML file overrides any of them.
package policy

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/BurntSushi/toml"
)

// Policy is the effective policy.
type Policy struct {
	Import Import `toml:"import" json:"import"`
}

// Import governs data imports (SPEC §3).
type Import struct {
	// A people snapshot that would make leavers of more than this fraction
	// of current people…
	MaxLeaverFraction float64 `toml:"max_leaver_fraction" json:"max_leaver_fraction"`
	// …and of more than this many people is refused unless forced.
	MaxLeaverCountFloor int `toml:"max_leaver_count_floor" json:"max_leaver_count_floor"`
	// Columns maps, per kind, an expected column to the name an HR export
	// uses: [import.columns.people] given_name = "Forename".
	Columns map[string]map[string]string `toml:"columns" json:"columns"`
}

// Default returns the policy of the SPEC.
func Default() Policy {
	return Policy{Import: Import{MaxLeaverFraction: 0.05, MaxLeaverCountFloor: 10, Columns: map[string]map[string]string{}}}
}

// Load returns the defaults overridden by the file at path ("" for none).
// A key the policy does not know, or a value out of range, is refused
// with a message naming it.
func Load(path string) (Policy, error) {
	p := Default()
	if path == "" {
		return p, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return p, fmt.Errorf("policy: %w", err)
	}
	md, err := toml.Decode(string(b), &p)
	if err != nil {
		return p, fmt.Errorf("policy %s: %w", path, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return p, fmt.Errorf("policy %s: unknown key %q", path, undecoded[0].String())
	}
	return p, p.Validate()
}

// Validate names the first setting out of range.
func (p Policy) Validate() error {
	if f := p.Import.MaxLeaverFraction; f < 0 || f > 1 {
		return fmt.Errorf("policy: import.max_leaver_fraction must be between 0 and 1, not %g", f)
	}
	if p.Import.MaxLeaverCountFloor < 0 {
		return fmt.Errorf("policy: import.max_leaver_count_floor must not be negative")
	}
	for kind, cols := range p.Import.Columns {
		for want, got := range cols {
			if strings.TrimSpace(got) == "" {
				return fmt.Errorf("policy: import.columns.%s.%s must name a column", kind, want)
			}
		}
	}
	return nil
}

// TOML renders the policy as a file that Load accepts.
func (p Policy) TOML() string {
	var b bytes.Buffer
	_ = toml.NewEncoder(&b).Encode(p)
	return b.String()
}
