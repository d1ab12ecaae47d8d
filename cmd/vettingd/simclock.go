//go:build simclock

package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// wallClock, in a binary built with -tags simclock (for tests only: a
// release is built without it, and then has no such setting), reads the
// date and the digest windows from the file named by
// VETTINGD_SIMCLOCK_FILE: one RFC 3339 instant, which a test rewrites to
// step several daemons through simulated days together. The clock stands
// still between rewrites. Durations, leases, retries and the planner's
// cron keep to the real clock. Without the variable the clock is the
// system's.
func wallClock() (func() time.Time, error) {
	path := os.Getenv("VETTINGD_SIMCLOCK_FILE")
	if path == "" {
		return nil, nil
	}
	c := &fileClock{path: path}
	if _, err := c.read(); err != nil {
		return nil, err
	}
	return c.Now, nil
}

type fileClock struct {
	path string
	mu   sync.Mutex
	last time.Time
}

// Now returns the instant in the file, or the last one read if the file
// is being rewritten.
func (c *fileClock) Now() time.Time {
	t, err := c.read()
	if err != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.last
	}
	return t
}

func (c *fileClock) read() (time.Time, error) {
	b, err := os.ReadFile(c.path)
	if err != nil {
		return time.Time{}, fmt.Errorf("VETTINGD_SIMCLOCK_FILE: %w", err)
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(string(b)))
	if err != nil {
		return time.Time{}, fmt.Errorf("VETTINGD_SIMCLOCK_FILE: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = t
	return t, nil
}
