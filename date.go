package kehu

import (
	"bytes"
	"cmp"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kehu-crm/kehu/internal/civil"
	"github.com/kehu-crm/kehu/internal/clip"
)

// Date is a calendar date with no time of day and no time zone, for birthdays,
// anniversaries and contract days: 1990-05-17 is the same date everywhere. It is compared
// and counted on the proleptic Gregorian calendar, so there is no daylight saving time to
// get wrong.
//
// The zero value Date{} means "no date": it prints "", encodes as JSON null and as SQL
// NULL. The fields are exported for convenience; a Date built by hand may be invalid
// (2023-02-30), which IsValid reports. Dates are comparable with ==.
type Date struct {
	Year  int        // 1 to 9999
	Month time.Month // January to December
	Day   int        // 1 to the length of the month
}

// NewDate returns the date, or a *ValidationError if it does not exist: field "year"
// (rule "range", 1 to 9999), "month" ("range") or "day" ("range": 2023-02-29 and 2024-04-31
// do not exist).
func NewDate(year int, month time.Month, day int) (Date, error) {
	var p Problems
	if year < 1 || year > 9999 {
		p.Addf("year", "range", "%d is not between 1 and 9999", year)
	}
	if month < time.January || month > time.December {
		p.Addf("month", "range", "%d is not between 1 and 12", int(month))
	} else if day < 1 || day > civil.DaysIn(int64(year), int(month)) {
		p.Addf("day", "range", "%d-%02d has no day %d", year, int(month), day)
	}
	if err := p.Err(); err != nil {
		return Date{}, err
	}
	return Date{Year: year, Month: month, Day: day}, nil
}

// MustDate is NewDate that panics on error. It is meant for tests, examples and constants
// written in the source, never for input.
func MustDate(year int, month time.Month, day int) Date {
	d, err := NewDate(year, month, day)
	if err != nil {
		panic(err) // MustDate: a bad constant in the source
	}
	return d
}

// ParseDate parses exactly "YYYY-MM-DD", e.g. "2024-02-29": four-digit year, two-digit
// month and day, nothing before or after. It fails with a *ValidationError on field
// "date": rule "required" for "", "format" for another layout ("2023-2-3", "2023-02-03T00:00"),
// and "range" for a date that does not exist (2023-02-29, 0000-01-01).
func ParseDate(s string) (Date, error) {
	if s == "" {
		return Date{}, Invalid("date", "required", "is empty")
	}
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, Invalid("date", "format", fmt.Sprintf("%s is not a YYYY-MM-DD date", clip.Quote(s)))
	}
	y, ok1 := atoiDigits(s[0:4])
	m, ok2 := atoiDigits(s[5:7])
	d, ok3 := atoiDigits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, Invalid("date", "format", fmt.Sprintf("%s is not a YYYY-MM-DD date", clip.Quote(s)))
	}
	date := Date{Year: y, Month: time.Month(m), Day: d}
	if !date.IsValid() {
		return Date{}, Invalid("date", "range", fmt.Sprintf("%s does not exist", clip.Quote(s)))
	}
	return date, nil
}

// atoiDigits reads a string of ASCII digits only (no sign, no spaces).
func atoiDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// DateOf returns the date of t in t's own location: the same instant can fall on different
// dates in Shanghai and New York. A t outside the years 1 to 9999 gives a date that is not
// IsValid.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// In returns the instant the date begins in loc (UTC when loc is nil): normally midnight.
// Where the clocks skip midnight for daylight saving time, it is the first instant of the
// day (01:00 on 2018-11-04 in America/Sao_Paulo); where midnight happens twice, the
// earlier one. The zero or an invalid date is normalized as time.Date does. It is
// d.At(0, 0, 0, 0, loc).
func (d Date) In(loc *time.Location) time.Time { return d.At(0, 0, 0, 0, loc) }

// At returns the first instant at which the wall clock in loc (UTC when loc is nil) reads
// the date d at hour:min:sec.nsec or later. That is the one instant it reads so on most
// days; where the clocks go back across it and it happens twice, the earlier; and where
// the clocks skip it (02:30 on the night they jump from 02:00 to 03:00), the instant they
// jump, 03:00. time.Date leaves a skipped or repeated wall time to either side of the
// change; every rule of the library that places a wall time on a date places it with
// At. A time of day out of its range counts on into the next days or back into the
// previous ones first (24:00 is 00:00 the next day); the zero or an invalid date is
// normalized as time.Date does.
func (d Date) At(hour, min, sec, nsec int, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	if hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 59 || nsec < 0 || nsec > 999_999_999 {
		// Normalized on the civil calendar first (24:00 is the next day's 00:00), then
		// placed on the date it falls on.
		u := time.Date(d.Year, d.Month, d.Day, hour, min, sec, nsec, time.UTC)
		if n := DateOf(u); d.IsValid() && n.IsValid() {
			return n.At(u.Hour(), u.Minute(), u.Second(), u.Nanosecond(), loc)
		}
		return time.Date(d.Year, d.Month, d.Day, hour, min, sec, nsec, loc)
	}
	t := time.Date(d.Year, d.Month, d.Day, hour, min, sec, nsec, loc)
	if !d.IsValid() {
		return t
	}
	// The wall clock's reading at t against the one asked for, in seconds (the offsets
	// are whole seconds, so the nanoseconds agree).
	_, off := t.Zone()
	want := time.Date(d.Year, d.Month, d.Day, hour, min, sec, nsec, time.UTC).Unix()
	switch c := cmp.Compare(t.Unix()+int64(off), want); {
	case c < 0:
		// time.Date took the offset before a gap that swallowed the wall time, landing
		// before the gap: the clocks read the time or later first when the gap ends.
		if _, end := t.ZoneBounds(); !end.IsZero() {
			return end
		}
	case c > 0:
		// It took the offset after the gap, landing after it: the gap ended at start.
		if start, _ := t.ZoneBounds(); !start.IsZero() {
			return start
		}
	default:
		// The wall time may also have happened before start, when the clocks went back
		// at start across it: by less than a day, on every zone there has been.
		start, _ := t.ZoneBounds()
		if start.IsZero() || t.Unix()-start.Unix() >= 26*3600 {
			return t
		}
		if _, offBefore := start.Add(-time.Nanosecond).Zone(); offBefore > off {
			earlier := t.Add(-time.Duration(offBefore-off) * time.Second)
			if _, offEarlier := earlier.Zone(); earlier.Before(start) && earlier.Unix()+int64(offEarlier) == want {
				return earlier
			}
		}
	}
	return t
}

// IsZero reports whether d is the zero value, "no date".
func (d Date) IsZero() bool { return d == Date{} }

// IsValid reports whether d is a real date between 0001-01-01 and 9999-12-31.
func (d Date) IsValid() bool {
	return d.Year >= 1 && d.Year <= 9999 &&
		d.Month >= time.January && d.Month <= time.December &&
		d.Day >= 1 && d.Day <= civil.DaysIn(int64(d.Year), int(d.Month))
}

// String returns "YYYY-MM-DD", or "" for the zero value.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	if d.Year < 0 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > 31 {
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	// The usual case, written without fmt: dates are formatted on every earning.
	y, m := d.Year, int(d.Month)
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d.Day/10), byte('0' + d.Day%10)}
	return string(b[:])
}

// Compare returns -1, 0 or +1 as d is before, the same as or after o. The zero value is
// before every valid date.
func (d Date) Compare(o Date) int {
	return cmp.Or(cmp.Compare(d.Year, o.Year), cmp.Compare(d.Month, o.Month), cmp.Compare(d.Day, o.Day))
}

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// AddDays returns the date n days after d (before it when n is negative): 2024-02-28 plus
// 1 is 2024-02-29, plus 2 is 2024-03-01. The zero value stays zero; an invalid date is
// first normalized as time.Date does (2023-02-30 is 2023-03-02).
func (d Date) AddDays(n int) Date {
	if d.IsZero() {
		return d
	}
	return dateFromDays(d.days() + int64(n))
}

// DaysSince returns the number of days from o to d (d - o): positive when d is after o.
// It counts calendar days, so it is exact across leap years and daylight saving changes.
// Invalid dates are normalized as in AddDays.
func (d Date) DaysSince(o Date) int {
	return int(d.days() - o.days())
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	w := (d.days() + 4) % 7 // 1970-01-01, day 0, was a Thursday
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

// AddMonths returns the date n calendar months after d (before, for n < 0), on the same
// day of the month or, when that month is shorter, on its last day: 2024-01-31 plus one
// month is 2024-02-29, and 2023-01-31 plus one is 2023-02-28 (never March, as
// time.Time.AddDate would normalise it). The zero date gives the zero date.
func (d Date) AddMonths(n int) Date {
	if d.IsZero() {
		return d
	}
	m := int64(d.Year)*12 + int64(d.Month) - 1 + int64(n)
	y, mo := civil.FloorDiv(m, 12), time.Month(m-civil.FloorDiv(m, 12)*12+1)
	last := civil.DaysIn(y, int(mo))
	return Date{Year: int(y), Month: mo, Day: min(d.Day, int(last))}
}

// AnniversaryIn returns the anniversary of d in the given year: the same month and day.
// For February 29 in a year that is not a leap year it returns February 28, so the
// celebration stays in February (the choice most birthday and contract rules make). The
// zero date gives the zero date; a year outside 1 to 9999 gives a date that is not
// IsValid.
func (d Date) AnniversaryIn(year int) Date {
	if d.IsZero() {
		return d
	}
	a := Date{Year: year, Month: d.Month, Day: d.Day}
	if d.Month == time.February && d.Day == 29 && !civil.IsLeap(int64(year)) {
		a.Day = 28
	}
	return a
}

// NextAnniversary returns the first anniversary of d (see AnniversaryIn) on or after
// onOrAfter, counting d itself as its own first anniversary: for d 2000-02-29 and
// onOrAfter 2023-03-01 it is 2024-02-29, and for onOrAfter before d it is d. The zero date
// gives the zero date.
func (d Date) NextAnniversary(onOrAfter Date) Date {
	if d.IsZero() {
		return d
	}
	y := max(d.Year, onOrAfter.Year)
	if a := d.AnniversaryIn(y); !a.Before(onOrAfter) {
		return a
	}
	return d.AnniversaryIn(y + 1)
}

// AgeOn returns the number of whole years from d (a birth date) to on, counting a year as
// complete on the anniversary of AnniversaryIn: someone born 2000-02-29 is 0 on 2001-02-27,
// 1 on 2001-02-28 and 4 on 2004-02-29. It fails with a *ValidationError if d (field
// "date") or on (field "on") is zero or invalid, or on is before d (field "on", rule
// "range").
func (d Date) AgeOn(on Date) (int, error) {
	var p Problems
	checkDateField(&p, "date", d)
	checkDateField(&p, "on", on)
	if p.Len() == 0 && on.Before(d) {
		p.Addf("on", "range", "%s is before %s", on, d)
	}
	if err := p.Err(); err != nil {
		return 0, err
	}
	age := on.Year - d.Year
	if d.AnniversaryIn(on.Year).After(on) {
		age--
	}
	return age, nil
}

func checkDateField(p *Problems, field string, d Date) {
	switch {
	case d.IsZero():
		p.Add(field, "required", "is not set")
	case !d.IsValid():
		p.Addf(field, "range", "%s does not exist", d)
	}
}

// MarshalText implements encoding.TextMarshaler: "YYYY-MM-DD", or "" for the zero value.
// A non-zero date that is not IsValid is an error.
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	if !d.IsValid() {
		return nil, Invalid("date", "range", d.String()+" does not exist")
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseDate, except that empty text
// gives the zero value.
func (d *Date) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON encodes d as "YYYY-MM-DD", or null for the zero value.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	text, err := d.MarshalText()
	if err != nil {
		return nil, err
	}
	return json.Marshal(string(text))
}

// UnmarshalJSON decodes a "YYYY-MM-DD" JSON string; null and "" give the zero value.
// Anything else is rule "format" on field "date".
func (d *Date) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if len(data) == 0 || data[0] != '"' || json.Unmarshal(data, &s) != nil {
		return Invalid("date", "format", fmt.Sprintf("%s is not a JSON string", clip.Quote(string(data))))
	}
	return d.UnmarshalText([]byte(s))
}

// Value implements driver.Valuer: "YYYY-MM-DD", or NULL for the zero value. A non-zero
// date that is not IsValid is an error.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	if !d.IsValid() {
		return nil, Invalid("date", "range", d.String()+" does not exist")
	}
	return d.String(), nil
}

// Scan implements sql.Scanner. A time.Time gives its year, month and day as stored,
// without converting its location (drivers return DATE columns as midnight UTC); a string
// or []byte is read by ParseDate ("" gives the zero value); NULL gives the zero value.
// Other types are rule "type" on field "date".
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		date := DateOf(v)
		if !date.IsValid() {
			return Invalid("date", "range", fmt.Sprintf("year %d is not between 1 and 9999", date.Year))
		}
		*d = date
		return nil
	case string:
		return d.UnmarshalText([]byte(v))
	case []byte:
		return d.UnmarshalText(v)
	default:
		return Invalid("date", "type", fmt.Sprintf("cannot scan %T into a date", src))
	}
}

// days returns the number of days from 1970-01-01 to d on the proleptic Gregorian calendar.
// An invalid date is normalized first.
func (d Date) days() int64 {
	if !d.IsValid() {
		d = DateOf(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC))
	}
	return civil.Days(int64(d.Year), int64(d.Month), int64(d.Day))
}

// dateFromDays is the inverse of days.
func dateFromDays(z int64) Date {
	y, m, d := civil.Date(z)
	return Date{Year: int(y), Month: time.Month(m), Day: int(d)}
}
