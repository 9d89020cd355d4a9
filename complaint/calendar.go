package complaint

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // calendar time zones load on any machine, with or without a zoneinfo database

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/civil"
	"github.com/kehu-crm/kehu/internal/clip"
)

// Bounds of a business calendar.
const (
	// MaxShiftsPerDay bounds the working intervals of one day.
	MaxShiftsPerDay = 12
	// MaxCalendarDates bounds the holidays and extra days of a calendar, together.
	MaxCalendarDates = 10_000
	// MaxCalendarBytes bounds the JSON LoadCalendar reads.
	MaxCalendarBytes = 1 << 20
	// MaxDuration is the longest business time an operation takes or returns: ten years
	// of 365.25 days. A longer duration is taken as MaxDuration.
	MaxDuration = 10 * 8766 * time.Hour
	// MaxSpanDays is the furthest, in calendar days, an operation looks from the instant
	// it starts at: a hundred years.
	MaxSpanDays = 36_525
)

// Shift is one working interval of a day, from From to To in wall-clock time in the
// calendar's zone: "HH:MM" on the 24-hour clock, From before To. To may be "24:00", the
// end of the day.
type Shift struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Week holds the working hours of each weekday, in order; a weekday without shifts is
// closed.
type Week struct {
	Monday    []Shift `json:"monday,omitempty"`
	Tuesday   []Shift `json:"tuesday,omitempty"`
	Wednesday []Shift `json:"wednesday,omitempty"`
	Thursday  []Shift `json:"thursday,omitempty"`
	Friday    []Shift `json:"friday,omitempty"`
	Saturday  []Shift `json:"saturday,omitempty"`
	Sunday    []Shift `json:"sunday,omitempty"`
}

// Day returns the shifts of the weekday.
func (w *Week) Day(d time.Weekday) []Shift {
	switch d {
	case time.Monday:
		return w.Monday
	case time.Tuesday:
		return w.Tuesday
	case time.Wednesday:
		return w.Wednesday
	case time.Thursday:
		return w.Thursday
	case time.Friday:
		return w.Friday
	case time.Saturday:
		return w.Saturday
	case time.Sunday:
		return w.Sunday
	}
	return nil
}

// ExtraDay is a date with working hours of its own, replacing its weekday's: a make-up
// working day (a Saturday or Sunday worked in exchange for a public holiday) or a day
// with special hours.
type ExtraDay struct {
	Date  kehu.Date `json:"date"`
	Hours []Shift   `json:"hours"`
}

// CalendarSpec is a business calendar as written, in Go or in strict JSON
// (LoadCalendar). Compile it with CompileCalendar to use it.
type CalendarSpec struct {
	// TimeZone is the IANA zone the working hours are taken in, e.g. "Asia/Shanghai".
	// "Local" is refused: it depends on the machine.
	TimeZone string `json:"time_zone"`
	// AlwaysOpen makes a 24×7 calendar: business time is elapsed real time. Such a
	// calendar has no Week, Holidays or ExtraDays.
	AlwaysOpen bool `json:"always_open,omitempty"`
	// Week holds the usual working hours of each weekday.
	Week Week `json:"week,omitzero"`
	// Holidays are dates with no working hours, whatever their weekday.
	Holidays []kehu.Date `json:"holidays,omitempty"`
	// ExtraDays are dates with working hours of their own.
	ExtraDays []ExtraDay `json:"extra_days,omitempty"`
}

func (s CalendarSpec) clone() CalendarSpec {
	c := s
	w := &c.Week
	for _, p := range []*[]Shift{&w.Monday, &w.Tuesday, &w.Wednesday, &w.Thursday, &w.Friday, &w.Saturday, &w.Sunday} {
		*p = cloneOrNil(*p)
	}
	c.Holidays = cloneOrNil(s.Holidays)
	c.ExtraDays = nil
	if len(s.ExtraDays) > 0 {
		c.ExtraDays = make([]ExtraDay, len(s.ExtraDays))
		for i, e := range s.ExtraDays {
			c.ExtraDays[i] = ExtraDay{Date: e.Date, Hours: cloneOrNil(e.Hours)}
		}
	}
	return c
}

// cloneOrNil copies a list, an empty one as nil: a spec keeps "no holidays" one way, so
// that it reads back from its JSON (which leaves empty lists out) as it was.
func cloneOrNil[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

// span is a working interval in minutes after midnight, [from, to).
type span struct{ from, to int16 }

// Calendar is a compiled business calendar: its zone loaded, its hours checked and
// indexed by weekday and by date. CompileCalendar and LoadCalendar are the only ways to
// get one, so a *Calendar is always valid. (The zero Calendar, which has no working hours,
// is never open and reads instants in UTC; CompilePolicy refuses it.) It is immutable and
// safe for concurrent use. See the package documentation for the conventions of its
// operations.
type Calendar struct {
	spec   CalendarSpec // a deep copy of what was compiled
	loc    *time.Location
	always bool
	week   [7][]span // by time.Weekday
	// special holds the hours of the holidays (none) and extra days, by day number
	// (days since 1970-01-01); nil when there are none.
	special map[int64][]span
}

// Spec returns a deep copy of the definition the calendar was compiled from; compiling
// it again gives the same calendar.
func (c *Calendar) Spec() CalendarSpec { return c.spec.clone() }

// MarshalJSON writes the definition the calendar was compiled from, the JSON that
// LoadCalendar reads back.
func (c *Calendar) MarshalJSON() ([]byte, error) { return json.Marshal(c.spec) }

// TimeZone returns the name of the calendar's IANA zone.
func (c *Calendar) TimeZone() string { return c.spec.TimeZone }

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.zone() }

// zone is the calendar's time zone: UTC for the zero Calendar.
func (c *Calendar) zone() *time.Location {
	if c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// AlwaysOpen reports whether the calendar is 24×7.
func (c *Calendar) AlwaysOpen() bool { return c.always }

var weekdayFields = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// CompileCalendar checks a calendar as a whole and returns it compiled, or a
// *kehu.ValidationError listing every problem at once with its path:
//
//   - time_zone: required, an IANA zone that time.LoadLocation knows, not "Local"
//     (rule "unknown_zone");
//   - shifts ("week.monday[1].to", "extra_days[0].hours[2].from"): "HH:MM" (rule
//     "required" or "format"), hours 00–23 and minutes 00–59, with "24:00" allowed as an
//     end only (rule "range"); From before To (rule "order" on to); each shift after the
//     one before it (rule "order" on from) and not overlapping it (rule "overlap" on
//     from); at most MaxShiftsPerDay a day (rule "max_items");
//   - holidays ("holidays[3]") and extra days ("extra_days[1].date"): set and real dates
//     (rules "required", "range"), none twice (rule "duplicate"), no date both a holiday
//     and an extra day (rule "conflict" on the extra day); an extra day has hours (rule
//     "required"); at most MaxCalendarDates of them together (rule "max_items");
//   - always_open: no week, holidays or extra days with it (rule "conflict" on each);
//   - otherwise the week has working hours (rule "no_working_hours" on "week"), so that
//     every clock has somewhere to run.
func CompileCalendar(spec CalendarSpec) (*Calendar, error) {
	c := &Calendar{spec: spec.clone(), always: spec.AlwaysOpen}
	var p kehu.Problems
	switch spec.TimeZone {
	case "":
		p.Add("time_zone", "required", `is empty: name an IANA zone such as "Asia/Shanghai" or "UTC"`)
	case "Local":
		p.Add("time_zone", "unknown_zone", `"Local" depends on the machine: name an IANA zone`)
	default:
		loc, err := time.LoadLocation(spec.TimeZone)
		if err != nil {
			p.Addf("time_zone", "unknown_zone", "%s is not an IANA time zone", clip.Quote(spec.TimeZone))
		} else {
			c.loc = loc
		}
	}

	open := false
	for d := time.Sunday; d <= time.Saturday; d++ {
		shifts := spec.Week.Day(d)
		c.week[d] = compileShifts(&p, "week."+weekdayFields[d], shifts)
		open = open || len(shifts) > 0
	}
	if n := len(spec.Holidays) + len(spec.ExtraDays); n > MaxCalendarDates {
		p.Addf("holidays", "max_items", "has %d holidays and extra days, more than %d", n, MaxCalendarDates)
	} else if n > 0 {
		c.special = make(map[int64][]span, n)
		holidays := make(map[kehu.Date]bool, len(spec.Holidays))
		for i, h := range spec.Holidays {
			f := fmt.Sprintf("holidays[%d]", i)
			if checkDate(&p, f, h) {
				if holidays[h] {
					p.Addf(f, "duplicate", "%s is listed twice", h)
				}
				holidays[h] = true
				c.special[dayNumber(h)] = []span{}
			}
		}
		extra := make(map[kehu.Date]bool, len(spec.ExtraDays))
		for i, e := range spec.ExtraDays {
			f := fmt.Sprintf("extra_days[%d]", i)
			hours := compileShifts(&p, f+".hours", e.Hours)
			if len(e.Hours) == 0 {
				p.Add(f+".hours", "required", "an extra day has working hours")
			}
			if !checkDate(&p, f+".date", e.Date) {
				continue
			}
			switch {
			case extra[e.Date]:
				p.Addf(f+".date", "duplicate", "%s is listed twice", e.Date)
			case holidays[e.Date]:
				p.Addf(f+".date", "conflict", "%s is also a holiday", e.Date)
			}
			extra[e.Date] = true
			c.special[dayNumber(e.Date)] = hours
		}
	}
	if spec.AlwaysOpen {
		if open {
			p.Add("week", "conflict", "a calendar that is always open has no weekly hours")
		}
		if len(spec.Holidays) > 0 {
			p.Add("holidays", "conflict", "a calendar that is always open has no holidays")
		}
		if len(spec.ExtraDays) > 0 {
			p.Add("extra_days", "conflict", "a calendar that is always open has no extra days")
		}
	} else if !open {
		p.Add("week", "no_working_hours", "no weekday has working hours: give some, or make the calendar always open")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

func checkDate(p *kehu.Problems, field string, d kehu.Date) bool {
	switch {
	case d.IsZero():
		p.Add(field, "required", "is not set")
	case !d.IsValid():
		p.Addf(field, "range", "%s does not exist", d)
	default:
		return true
	}
	return false
}

func dayNumber(d kehu.Date) int64 {
	return civil.Days(int64(d.Year), int64(d.Month), int64(d.Day))
}

// compileShifts checks the shifts of one day, reporting under path, and returns them
// as minutes.
func compileShifts(p *kehu.Problems, path string, shifts []Shift) []span {
	if len(shifts) > MaxShiftsPerDay {
		p.Addf(path, "max_items", "has %d shifts, more than %d", len(shifts), MaxShiftsPerDay)
		return nil
	}
	if len(shifts) == 0 {
		return nil
	}
	out := make([]span, 0, len(shifts))
	ok := true
	for i, s := range shifts {
		f := fmt.Sprintf("%s[%d]", path, i)
		from, okFrom := parseClock(p, f+".from", s.From, false)
		to, okTo := parseClock(p, f+".to", s.To, true)
		if !okFrom || !okTo {
			ok = false
			continue
		}
		if to <= from {
			p.Addf(f+".to", "order", "%s is not after %s", s.To, s.From)
			ok = false
			continue
		}
		if n := len(out); n > 0 {
			prev := out[n-1]
			if from < prev.from {
				p.Addf(f+".from", "order", "%s is before the shift before it, which starts at %s", s.From, clockString(prev.from))
				ok = false
				continue
			}
			if from < prev.to {
				p.Addf(f+".from", "overlap", "%s is inside the shift before it, which ends at %s", s.From, clockString(prev.to))
				ok = false
				continue
			}
		}
		out = append(out, span{from, to})
	}
	if !ok {
		return nil
	}
	// Shifts that touch (12:00–13:00, 13:00–18:00) are one interval.
	merged := out[:1]
	for _, s := range out[1:] {
		if last := &merged[len(merged)-1]; s.from == last.to {
			last.to = s.to
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// parseClock reads "HH:MM"; "24:00" only when end is true.
func parseClock(p *kehu.Problems, field, s string, end bool) (int16, bool) {
	if s == "" {
		p.Add(field, "required", "is empty")
		return 0, false
	}
	if len(s) != 5 || s[2] != ':' || !digits(s[:2]) || !digits(s[3:]) {
		p.Addf(field, "format", "%s is not an HH:MM time", clip.Quote(s))
		return 0, false
	}
	h := int16(s[0]-'0')*10 + int16(s[1]-'0')
	m := int16(s[3]-'0')*10 + int16(s[4]-'0')
	switch {
	case h == 24 && m == 0 && end:
		return 24 * 60, true
	case h == 24 && m == 0:
		p.Addf(field, "range", "%s is the end of the day, not the start of a shift", s)
		return 0, false
	case h > 23 || m > 59:
		p.Addf(field, "range", "%s is not a time between 00:00 and 24:00", clip.Quote(s))
		return 0, false
	}
	return h*60 + m, true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func clockString(m int16) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// LoadCalendar reads a calendar from strict JSON (unknown fields and trailing data are
// errors, as is a definition longer than MaxCalendarBytes) and compiles it. A calendar
// that does not decode is a *kehu.ValidationError naming each offending value by its path
// ("week.monday[0].form", rule "unknown_field"; "holidays[1]", rule "range", for
// "2026-13-01"); a syntax error or trailing data is on "calendar" with rule "syntax". One
// that decodes is checked by CompileCalendar.
func LoadCalendar(r io.Reader) (*Calendar, error) {
	var spec CalendarSpec
	if err := loadStrict(r, "calendar", MaxCalendarBytes, &spec); err != nil {
		return nil, err
	}
	return CompileCalendar(spec)
}

// MustLoadCalendar is LoadCalendar on a string that panics on error. It is meant for
// tests, examples and calendars written in the source, never for input.
func MustLoadCalendar(jsonText string) *Calendar {
	c, err := LoadCalendar(strings.NewReader(jsonText))
	if err != nil {
		panic(err) // MustLoadCalendar: a bad calendar in the source
	}
	return c
}
