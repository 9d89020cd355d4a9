package kehu_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/kehu-crm/kehu"
)

// FuzzParseDate checks that reading a date never panics, that every date it accepts prints
// back as the very same text, and that it survives the JSON and SQL forms.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"2024-02-29", "2023-02-28", "0001-01-01", "9999-12-31", "2000-02-29", "1900-03-01",
		"2023-02-29", "1900-02-29", "2023-2-3", "2023-02-03T00:00:00Z", "0000-01-01",
		"2023-13-01", "2023-00-00", "+023-01-01", "-023-01-01", "２０２３-01-01", "", "2023/02/03",
		"2023-02-03 ", "99999-01-01", "2023-1a-01",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var fromJSON kehu.Date
		_ = fromJSON.UnmarshalJSON([]byte(s))
		_ = fromJSON.Scan(s)

		d, err := kehu.ParseDate(s)
		if err != nil {
			if !d.IsZero() {
				t.Fatalf("ParseDate(%q) failed but returned %v", s, d)
			}
			var verr *kehu.ValidationError
			if !errors.As(err, &verr) || !verr.Has("date", "") {
				t.Fatalf("ParseDate(%q): error %v does not name the date field", s, err)
			}
			return
		}
		if !d.IsValid() || d.String() != s {
			t.Fatalf("ParseDate(%q) = %v (valid %v)", s, d, d.IsValid())
		}
		if again, err := kehu.NewDate(d.Year, d.Month, d.Day); err != nil || again != d {
			t.Fatalf("NewDate disagrees with ParseDate(%q): %v %v", s, again, err)
		}

		b, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("json.Marshal(%v): %v", d, err)
		}
		var j kehu.Date
		if err := json.Unmarshal(b, &j); err != nil || j != d {
			t.Fatalf("JSON round trip: %v → %s → %v (%v)", d, b, j, err)
		}
		v, err := d.Value()
		if err != nil {
			t.Fatalf("Value(%v): %v", d, err)
		}
		var q kehu.Date
		if err := q.Scan(v); err != nil || q != d {
			t.Fatalf("SQL round trip: %v → %v → %v (%v)", d, v, q, err)
		}
		if in := kehu.DateOf(d.In(nil)); in != d {
			t.Fatalf("DateOf(%v.In(UTC)) = %v", d, in)
		}
		if next := d.AddDays(1); next.DaysSince(d) != 1 || next.AddDays(-1) != d {
			t.Fatalf("AddDays/DaysSince disagree around %v", d)
		}
		if a := d.AnniversaryIn(d.Year); a != d {
			t.Fatalf("%v.AnniversaryIn(own year) = %v", d, a)
		}
		if age, err := d.AgeOn(d); err != nil || age != 0 {
			t.Fatalf("%v.AgeOn(itself) = %d, %v", d, age, err)
		}
	})
}
