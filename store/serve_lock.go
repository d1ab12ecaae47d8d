package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrHeld is returned by HoldForServe when another daemon serves the database.
var ErrHeld = errors.New("another vettingd serve is already using this SQLite database")

// HoldForServe makes this process the one daemon serving a SQLite
// database, until release is called. SQLite has no advisory locks shared
// between processes, so a lock file beside the database stands in. On
// PostgreSQL several daemons may share a database; it holds nothing.
func (s *Store) HoldForServe() (release func(), err error) {
	if s.dialect != SQLite {
		return func() {}, nil
	}
	f, err := os.OpenFile(s.path+".serve-lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: serve lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s)", ErrHeld, s.path)
		}
		return nil, fmt.Errorf("store: serve lock: %w", err)
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
