package civil

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func TestAddMonths(t *testing.T) {
	tests := []struct {
		from   string
		months int
		want   string
	}{
		{"2024-02-29", 12, "2025-02-28"},
		{"2024-02-29", 48, "2028-02-29"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2023-01-31", 1, "2023-02-28"},
		{"2023-03-31", -1, "2023-02-28"},
		{"2023-01-15", -1, "2022-12-15"},
		{"2023-12-15", 1, "2024-01-15"},
		{"2023-05-31", 6, "2023-11-30"},
		{"2020-02-29", -12, "2019-02-28"},
		{"2023-01-01", -25, "2020-12-01"},
	}
	for _, tt := range tests {
		got := MustParse(tt.from).AddMonths(tt.months)
		if got.String() != tt.want {
			t.Errorf("%s + %d months = %s, want %s", tt.from, tt.months, got, tt.want)
		}
	}
	if got := MustParse("2024-02-29").AddYears(1).String(); got != "2025-02-28" {
		t.Errorf("29 Feb + 1 year = %s, want 2025-02-28", got)
	}
}

func TestParseRefusesBadDates(t *testing.T) {
	for _, s := range []string{"2023-02-29", "2023-13-01", "01/02/2023", "2023-1-01", "", "2023-01-01x"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted a bad date", s)
		}
	}
	if d := MustParse("2024-02-29"); d.Day != 29 || d.Month != time.February {
		t.Errorf("MustParse(2024-02-29) = %+v", d)
	}
}

func TestDaysAndCompare(t *testing.T) {
	a, b := MustParse("2024-02-28"), MustParse("2024-03-01")
	if a.DaysUntil(b) != 2 || b.DaysUntil(a) != -2 {
		t.Errorf("DaysUntil = %d, %d", a.DaysUntil(b), b.DaysUntil(a))
	}
	if !a.Before(b) || !b.After(a) || a.Compare(a) != 0 {
		t.Error("ordering wrong")
	}
	if got := a.AddDays(-59).String(); got != "2023-12-31" {
		t.Errorf("AddDays = %s", got)
	}
}

func TestScanAndJSON(t *testing.T) {
	var d Date
	for _, src := range []any{"2024-02-29", []byte("2024-02-29"), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "2024-02-29T00:00:00Z"} {
		if err := d.Scan(src); err != nil || d.String() != "2024-02-29" {
			t.Errorf("Scan(%v) = %v, %v", src, d, err)
		}
	}
	if err := d.Scan(nil); err != nil || !d.IsZero() {
		t.Errorf("Scan(nil) = %v, %v", d, err)
	}
	b, _ := json.Marshal(struct{ A, B Date }{MustParse("2025-01-02"), Date{}})
	if string(b) != `{"A":"2025-01-02","B":null}` {
		t.Errorf("json = %s", b)
	}
	v, _ := Date{}.Value()
	if v != nil {
		t.Errorf("zero Value = %v, want nil", v)
	}
}

func TestStringMatchesTheLayout(t *testing.T) {
	for _, d := range []Date{{1, time.January, 1}, {999, time.February, 28}, {1970, time.March, 9}, {2024, time.February, 29},
		{2026, time.November, 23}, {2099, time.December, 31}, {9999, time.October, 10}, {10000, time.January, 1}, {-1, time.June, 5}} {
		if got, want := d.String(), fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day); got != want {
			t.Errorf("%#v.String() = %q, want %q", d, got, want)
		}
	}
	for d := MustParse("1999-12-25"); d.Before(MustParse("2001-01-10")); d = d.AddDays(1) {
		if back, err := Parse(d.String()); err != nil || back != d {
			t.Fatalf("Parse(%q) = %v, %v; want %v", d.String(), back, err, d)
		}
	}
}
