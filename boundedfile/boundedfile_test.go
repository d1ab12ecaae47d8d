package boundedfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vettingd/boundedfile"
)

func TestReadStopsPastItsLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte(strings.Repeat("x", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := boundedfile.Read(path, 100); err != nil || len(b) != 100 {
		t.Errorf("a file of exactly the limit: %d bytes, %v", len(b), err)
	}
	if _, err := boundedfile.Read(path, 99); !errors.Is(err, boundedfile.ErrTooLarge) {
		t.Errorf("a file past the limit: %v, want ErrTooLarge", err)
	}
	// An endless file is read only to the limit.
	if _, err := boundedfile.Read("/dev/zero", 1<<20); !errors.Is(err, boundedfile.ErrTooLarge) {
		t.Errorf("/dev/zero: %v, want ErrTooLarge", err)
	}
	if k := boundedfile.Kind(mustStat(t, t.TempDir())); k != "a directory" {
		t.Errorf("Kind of a directory: %q", k)
	}
}

func mustStat(t *testing.T, path string) os.FileMode {
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode()
}
