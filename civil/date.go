// Package civil holds the civil date (a day in the force's time zone, with
// no time of day) that every rule and record of vettingd is written in.
package civil

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar day. The zero Date means "not given": it is stored as
// NULL and printed as JSON null.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

const layout = "2006-01-02"

// Parse reads a date written YYYY-MM-DD and refuses anything else,
// including days that do not exist (2023-02-29).
func Parse(s string) (Date, error) {
	t, err := time.Parse(layout, s)
	if err != nil || len(s) != len(layout) {
		return Date{}, fmt.Errorf("%q is not a date written YYYY-MM-DD", s)
	}
	return Of(t), nil
}

// MustParse is Parse for constants in tests and defaults; it panics on a bad date.
func MustParse(s string) Date {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Of returns the day t falls on in t's own location.
func Of(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Today returns the current day in loc.
func Today(loc *time.Location) Date { return Of(time.Now().In(loc)) }

// IsZero reports whether d is "not given".
func (d Date) IsZero() bool { return d == Date{} }

// String returns d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	if d.Year < 0 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > 99 {
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
	}
	// By hand: a plan formats millions of dates, and Sprintf's were a
	// tenth of an import's time.
	y, m := d.Year, int(d.Month)
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d.Day/10), byte('0' + d.Day%10)}
	return string(b[:])
}

func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays returns d moved by n days (n may be negative).
func (d Date) AddDays(n int) Date { return Of(d.time().AddDate(0, 0, n)) }

// AddMonths returns d moved by n calendar months. A day that does not exist
// in the target month becomes that month's last day: 31 January + 1 month is
// 28 (or 29) February, and 29 February + 12 months is 28 February.
func (d Date) AddMonths(n int) Date {
	total := d.Year*12 + int(d.Month-1) + n
	y, m := total/12, time.Month(total%12+1)
	if total%12 < 0 {
		y, m = y-1, m+12
	}
	last := daysIn(y, m)
	day := d.Day
	if day > last {
		day = last
	}
	return Date{y, m, day}
}

// AddYears returns d moved by n calendar years (29 February + 1 year is 28 February).
func (d Date) AddYears(n int) Date { return d.AddMonths(12 * n) }

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int { return d.time().Compare(e.time()) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// DaysUntil returns the number of days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int {
	return int(e.time().Sub(d.time()).Hours() / 24)
}

// Value stores d as YYYY-MM-DD text (NULL when zero); PostgreSQL casts it to DATE.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a date from either backend: PostgreSQL's DATE arrives as a
// time.Time, SQLite's TEXT as a string or bytes.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = Of(v)
	case string:
		return d.parseInto(v)
	case []byte:
		return d.parseInto(string(v))
	default:
		return fmt.Errorf("civil: cannot read a date from %T", src)
	}
	return nil
}

func (d *Date) parseInto(s string) error {
	if len(s) > len(layout) { // "2024-02-29T00:00:00Z" from some drivers
		s = s[:len(layout)]
	}
	p, err := Parse(s)
	*d = p
	return err
}

// MarshalJSON writes "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == nil || *s == "" {
		*d = Date{}
		return nil
	}
	p, err := Parse(*s)
	*d = p
	return err
}
