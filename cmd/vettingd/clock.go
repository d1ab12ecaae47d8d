//go:build !simclock

package main

import "time"

// wallClock is the clock the daemon reads the date and digest windows
// from: the system's, always. (A binary built with -tags simclock can read
// a simulated one instead; see simclock.go.)
func wallClock() (func() time.Time, error) { return nil, nil }
