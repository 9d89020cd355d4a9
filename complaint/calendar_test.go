package complaint_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

// Calendars of the tests, in the JSON a host writes.
const (
	officeJSON = `{"time_zone": %q, "week": {
		"monday": [{"from": "08:00", "to": "18:00"}], "tuesday": [{"from": "08:00", "to": "18:00"}],
		"wednesday": [{"from": "08:00", "to": "18:00"}], "thursday": [{"from": "08:00", "to": "18:00"}],
		"friday": [{"from": "08:00", "to": "18:00"}]}%s}`
)

// office is Mon–Fri 08:00–18:00 in the zone, with extra JSON members appended.
func office(zone, extra string) *complaint.Calendar {
	return complaint.MustLoadCalendar(fmt.Sprintf(officeJSON, zone, extra))
}

// weekdays is Mon–Fri with the same shifts.
func weekdays(zone, shifts, extra string) *complaint.Calendar {
	var b strings.Builder
	b.WriteString(`{"time_zone": "` + zone + `", "week": {`)
	for i, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"` + d + `": ` + shifts)
	}
	b.WriteString("}" + extra + "}")
	return complaint.MustLoadCalendar(b.String())
}

func alwaysOpen(zone string) *complaint.Calendar {
	return complaint.MustLoadCalendar(`{"time_zone": "` + zone + `", "always_open": true}`)
}

// everyDay is 00:00–24:00 on every weekday, written out: the same business time as
// always_open, through the day-by-day walk.
func everyDay(zone string) *complaint.Calendar {
	all := `[{"from": "00:00", "to": "24:00"}]`
	var b strings.Builder
	b.WriteString(`{"time_zone": "` + zone + `", "week": {`)
	for i, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"` + d + `": ` + all)
	}
	b.WriteString("}}")
	return complaint.MustLoadCalendar(b.String())
}

// at reads "2006-01-02 15:04" as wall-clock time in the calendar's zone.
func at(t testing.TB, c *complaint.Calendar, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, c.Location())
	require.NoError(t, err)
	return v
}

// atUTC reads "2006-01-02 15:04" in UTC.
func atUTC(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02 15:04", s)
	require.NoError(t, err)
	return v
}

// Holidays and make-up days of the tests.
const (
	// China's 2024 National Day: off October 1–7 (Tuesday to Monday), make-up working
	// days Sunday September 29 and Saturday October 12 (State Council notice of 2023-10-25).
	nationalDay2024 = `, "holidays": ["2024-10-01", "2024-10-02", "2024-10-03", "2024-10-04", "2024-10-05", "2024-10-06", "2024-10-07"],
		"extra_days": [{"date": "2024-09-29", "hours": [{"from": "09:00", "to": "18:00"}]},
		               {"date": "2024-10-12", "hours": [{"from": "09:00", "to": "18:00"}]}]`
	// China's 2025 Spring Festival: off January 28 to February 4 (Tuesday to Tuesday),
	// make-up working days Sunday January 26 and Saturday February 8 (State Council notice
	// of 2024-11-12).
	springFestival2025 = `, "holidays": ["2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01", "2025-02-02", "2025-02-03", "2025-02-04"],
		"extra_days": [{"date": "2025-01-26", "hours": [{"from": "09:00", "to": "18:00"}]},
		               {"date": "2025-02-08", "hours": [{"from": "09:00", "to": "18:00"}]}]`
	// Easter 2024 in Germany: Good Friday March 29 and Easter Monday April 1 are public
	// holidays in every state; clocks went forward on Sunday March 31.
	easter2024 = `, "holidays": ["2024-03-29", "2024-04-01"]`
)

func TestCalendarAdd(t *testing.T) {
	t.Parallel()
	shanghai := office("Asia/Shanghai", "")
	short := complaint.MustLoadCalendar(`{"time_zone": "Asia/Shanghai", "week": {
		"monday": [{"from": "08:00", "to": "17:00"}], "tuesday": [{"from": "08:00", "to": "17:00"}],
		"wednesday": [{"from": "08:00", "to": "17:00"}], "thursday": [{"from": "08:00", "to": "17:00"}],
		"friday": [{"from": "08:00", "to": "17:00"}]}}`)
	lunch := weekdays("Asia/Shanghai", `[{"from": "09:00", "to": "12:00"}, {"from": "13:30", "to": "18:00"}]`, "")
	nineToSix := `[{"from": "09:00", "to": "18:00"}]`
	nationalDay := weekdays("Asia/Shanghai", nineToSix, nationalDay2024)
	springFestival := weekdays("Asia/Shanghai", nineToSix, springFestival2025)
	easter := office("Europe/Berlin", easter2024)
	berlin := office("Europe/Berlin", "")
	newYork := office("America/New_York", "")
	// A Sunday shift across the spring-forward hour in Berlin (2024-03-31, 02:00 → 03:00)
	// and a Sunday shift across the fall-back hour in New York (2024-11-03, 02:00 → 01:00).
	berlinNight := complaint.MustLoadCalendar(`{"time_zone": "Europe/Berlin", "week": {"sunday": [{"from": "00:00", "to": "06:00"}]}}`)
	newYorkNight := complaint.MustLoadCalendar(`{"time_zone": "America/New_York", "week": {"sunday": [{"from": "00:00", "to": "04:00"}]}}`)

	tests := []struct {
		name  string
		cal   *complaint.Calendar
		start string // wall clock in the calendar's zone
		d     time.Duration
		want  string // wall clock in the calendar's zone
	}{
		// The SLA textbook case: Mon–Fri 08:00–18:00, created Monday 17:00 with 4 h:
		// 1 h on Monday (17–18), 3 h on Tuesday from 08:00 → Tuesday 11:00.
		{"monday evening", shanghai, "2024-06-03 17:00", 4 * time.Hour, "2024-06-04 11:00"},
		// Friday 17:00 with 4 h: 1 h on Friday, 3 h on Monday → Monday 11:00.
		{"over the weekend", shanghai, "2024-06-07 17:00", 4 * time.Hour, "2024-06-10 11:00"},
		// Mon–Fri 08:00–17:00, Friday 17:00 is closing time: 0 h on Friday, 4 h on
		// Monday from 08:00 → Monday 12:00.
		{"received at closing time", short, "2024-06-07 17:00", 4 * time.Hour, "2024-06-10 12:00"},
		// Created Saturday 10:00: the clock starts Monday 08:00, 4 h → Monday 12:00.
		{"received on a Saturday", shanghai, "2024-06-08 10:00", 4 * time.Hour, "2024-06-10 12:00"},
		// Created Monday 08:00 with 10 h: used up exactly at 18:00, due at 18:00, not at
		// Tuesday's opening.
		{"used up at closing time", shanghai, "2024-06-03 08:00", 10 * time.Hour, "2024-06-03 18:00"},
		// 24×7, created 08:00 with 2 h → 10:00.
		{"24×7", alwaysOpen("Asia/Shanghai"), "2024-06-03 08:00", 2 * time.Hour, "2024-06-03 10:00"},
		// Lunch break 12:00–13:30: created 11:00 with 2 h: 1 h to 12:00, 1 h from 13:30
		// → 14:30.
		{"across lunch", lunch, "2024-06-03 11:00", 2 * time.Hour, "2024-06-03 14:30"},
		// Created 10:00 with 2 h: used up at 12:00 exactly, due before lunch.
		{"used up at lunch", lunch, "2024-06-03 10:00", 2 * time.Hour, "2024-06-03 12:00"},
		// Created 12:20 inside the lunch break: the clock starts at 13:30, 2 h → 15:30.
		{"received during lunch", lunch, "2024-06-03 12:20", 2 * time.Hour, "2024-06-03 15:30"},
		// Created 12:20 with 5 h: 13:30–18:00 is 4.5 h, then 0.5 h on Tuesday from 09:00
		// → Tuesday 09:30.
		{"lunch to the next day", lunch, "2024-06-03 12:20", 5 * time.Hour, "2024-06-04 09:30"},
		// National Day 2024, created Saturday September 28 10:00 with 9 h: the make-up
		// Sunday September 29 09:00–18:00 is 9 h, used up at 18:00.
		{"make-up Sunday", nationalDay, "2024-09-28 10:00", 9 * time.Hour, "2024-09-29 18:00"},
		// Created Monday September 30 15:00 with 14 h: 3 h on Monday, October 1–7 off,
		// 9 h on Tuesday October 8, 2 h on Wednesday October 9 from 09:00 → 11:00.
		{"over National Day", nationalDay, "2024-09-30 15:00", 14 * time.Hour, "2024-10-09 11:00"},
		// Created Friday October 11 17:00 with 3 h: 1 h on Friday, 2 h on the make-up
		// Saturday October 12 from 09:00 → Saturday 11:00.
		{"make-up Saturday", nationalDay, "2024-10-11 17:00", 3 * time.Hour, "2024-10-12 11:00"},
		// Spring Festival 2025, created Friday January 24 16:00 with 12 h: 2 h on Friday
		// (16–18), Saturday off, 9 h on the make-up Sunday January 26 (11 h), 1 h on Monday
		// January 27 from 09:00 → Monday 10:00.
		{"before Spring Festival", springFestival, "2025-01-24 16:00", 12 * time.Hour, "2025-01-27 10:00"},
		// The same with 20 h: 2 + 9 + 9 = 20 h, used up at Monday 18:00.
		{"Spring Festival eve at closing", springFestival, "2025-01-24 16:00", 20 * time.Hour, "2025-01-27 18:00"},
		// The same with 21 h: January 28 to February 4 off, 1 h on Wednesday February 5
		// → 10:00.
		{"after Spring Festival", springFestival, "2025-01-24 16:00", 21 * time.Hour, "2025-02-05 10:00"},
		// Easter 2024 in Berlin, created Thursday March 28 16:00 (CET) with 6 h: 2 h on
		// Thursday, Good Friday, the weekend (clocks forward on Sunday) and Easter Monday
		// off, 4 h on Tuesday April 2 from 08:00 (CEST) → 12:00 CEST (10:00 UTC).
		{"Easter", easter, "2024-03-28 16:00", 6 * time.Hour, "2024-04-02 12:00"},
		// Europe/Berlin, created Friday March 29 2024 17:00 CET (16:00 UTC) with 4 h, no
		// holidays: 1 h on Friday, 3 h on Monday April 1 from 08:00 CEST → 11:00 CEST
		// (09:00 UTC). The lost hour of Sunday is not business time and is not counted.
		{"Berlin weekend with spring-forward", berlin, "2024-03-29 17:00", 4 * time.Hour, "2024-04-01 11:00"},
		// America/New_York, created Friday March 8 2024 16:00 EST (21:00 UTC) with 4 h: 2 h
		// on Friday, 2 h on Monday March 11 from 08:00 EDT → 10:00 EDT (14:00 UTC).
		{"New York weekend with spring-forward", newYork, "2024-03-08 16:00", 4 * time.Hour, "2024-03-11 10:00"},
		// A shift across the spring-forward hour: Sunday March 31 2024, 00:00–06:00 on the
		// wall in Berlin is 5 real hours (00:00 CET = 23:00 UTC, 06:00 CEST = 04:00 UTC).
		// Created 00:00 with 5 h → 06:00 CEST; 4 h → 05:00 CEST (03:00 UTC).
		{"shift over spring-forward, whole", berlinNight, "2024-03-31 00:00", 5 * time.Hour, "2024-03-31 06:00"},
		{"shift over spring-forward, part", berlinNight, "2024-03-31 00:00", 4 * time.Hour, "2024-03-31 05:00"},
		// A shift across the fall-back hour: Sunday November 3 2024, 00:00–04:00 on the wall
		// in New York is 5 real hours (00:00 EDT = 04:00 UTC, 04:00 EST = 09:00 UTC).
		// Created 00:00 with 4 h → 08:00 UTC = 03:00 EST: the wall shows 3 h gone.
		{"shift over fall-back", newYorkNight, "2024-11-03 00:00", 4 * time.Hour, "2024-11-03 03:00"},
		// 0 h: due when the clock starts.
		{"zero target on Saturday", shanghai, "2024-06-08 10:00", 0, "2024-06-10 08:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := at(t, tt.cal, tt.start)
			got := tt.cal.Add(start, tt.d)
			want := at(t, tt.cal, tt.want)
			assert.Equal(t, time.UTC, got.Location())
			assert.True(t, want.Equal(got), "due %s, want %s", got.In(tt.cal.Location()), want)
			assert.Equal(t, tt.d, tt.cal.Between(start, got), "Between(start, due)")
			assert.False(t, got.Before(start), "due before start")
		})
	}
}

// TestCalendarDSTInstants pins the UTC instants of the DST cases, so that a wall-clock
// reading cannot hide an hour.
func TestCalendarDSTInstants(t *testing.T) {
	t.Parallel()
	berlin := office("Europe/Berlin", easter2024)
	// Easter: Thursday 16:00 CET = 15:00 UTC; due Tuesday 12:00 CEST = 10:00 UTC.
	start := atUTC(t, "2024-03-28 15:00")
	assert.Equal(t, atUTC(t, "2024-04-02 10:00"), berlin.Add(start, 6*time.Hour))

	ny := complaint.MustLoadCalendar(`{"time_zone": "America/New_York", "week": {"sunday": [{"from": "00:00", "to": "04:00"}]}}`)
	// 2024-11-03 00:00 EDT = 04:00 UTC; 4 h later is 08:00 UTC; the shift ends 04:00 EST
	// = 09:00 UTC, so the whole shift is 5 h.
	assert.Equal(t, atUTC(t, "2024-11-03 08:00"), ny.Add(atUTC(t, "2024-11-03 04:00"), 4*time.Hour))
	assert.Equal(t, 5*time.Hour, ny.Between(atUTC(t, "2024-11-03 00:00"), atUTC(t, "2024-11-04 00:00")))
}

// TestCalendar24x7AcrossDST: on a 24×7 calendar business time is elapsed real time, also
// on the nights clocks change; the same week written out as 00:00–24:00 every day agrees.
func TestCalendar24x7AcrossDST(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		zone  string
		start string // UTC
		d     time.Duration
		want  string // UTC
	}{
		// America/New_York, spring forward on 2026-03-08 at 02:00 EST → 03:00 EDT.
		// Created Saturday 22:00 EST = 03:00 UTC Sunday; 6 h → 09:00 UTC = 05:00 EDT (the
		// wall shows 7 h).
		{"New York spring-forward", "America/New_York", "2026-03-08 03:00", 6 * time.Hour, "2026-03-08 09:00"},
		// Europe/Berlin, fall back on 2026-10-25 at 03:00 CEST → 02:00 CET. Created
		// Saturday 22:00 CEST = 20:00 UTC; 6 h → 02:00 UTC = 03:00 CET (the wall shows 5 h).
		{"Berlin fall-back", "Europe/Berlin", "2026-10-24 20:00", 6 * time.Hour, "2026-10-25 02:00"},
		// The whole of each changed day: 2026-03-08 in New York is 23 h, 2026-10-25 in
		// Berlin is 25 h, and 30 h from the evening before cross them.
		{"New York day and a half", "America/New_York", "2026-03-07 23:00", 30 * time.Hour, "2026-03-09 05:00"},
		{"Berlin day and a half", "Europe/Berlin", "2026-10-24 12:00", 30 * time.Hour, "2026-10-25 18:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start, want := atUTC(t, tt.start), atUTC(t, tt.want)
			for _, c := range []*complaint.Calendar{alwaysOpen(tt.zone), everyDay(tt.zone)} {
				got := c.Add(start, tt.d)
				assert.Equal(t, want, got, "always_open=%v", c.AlwaysOpen())
				assert.Equal(t, tt.d, c.Between(start, got))
				assert.Equal(t, want.Sub(start), c.Between(start, want))
				assert.Equal(t, start, c.Sub(got, tt.d))
			}
			// Across the whole changed day the explicit week counts real hours.
			day := everyDay(tt.zone)
			local := start.In(day.Location())
			from := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, day.Location())
			to := from.AddDate(0, 0, 3)
			assert.Equal(t, to.Sub(from), day.Between(from, to))
		})
	}
}

func TestCalendarSub(t *testing.T) {
	t.Parallel()
	shanghai := office("Asia/Shanghai", "")
	lunch := weekdays("Asia/Shanghai", `[{"from": "09:00", "to": "12:00"}, {"from": "13:30", "to": "18:00"}]`, "")
	tests := []struct {
		name string
		cal  *complaint.Calendar
		due  string
		d    time.Duration
		want string
	}{
		// Mon–Fri 08:00–18:00, due Tuesday 11:00 (4 h from Monday 17:00): the 1-hour
		// warning is Tuesday 10:00.
		{"warning an hour before", shanghai, "2024-06-04 11:00", time.Hour, "2024-06-04 10:00"},
		// Due Tuesday 09:00, 2 h before: 1 h on Tuesday, 1 h on Monday → Monday 17:00.
		{"warning on the day before", shanghai, "2024-06-04 09:00", 2 * time.Hour, "2024-06-03 17:00"},
		// Due Tuesday 09:00, 1 h before: used up at Tuesday's opening, 08:00.
		{"warning at opening time", shanghai, "2024-06-04 09:00", time.Hour, "2024-06-04 08:00"},
		// Due Monday 11:00, 4 h before: 3 h on Monday, 1 h on Friday → Friday 17:00.
		{"warning over the weekend", shanghai, "2024-06-10 11:00", 4 * time.Hour, "2024-06-07 17:00"},
		// Due 14:00 with the lunch break: 0.5 h after 13:30, 0.5 h before 12:00 → 11:30.
		{"warning over lunch", lunch, "2024-06-03 14:00", time.Hour, "2024-06-03 11:30"},
		// Due Saturday 10:00 (closed), 0 h: the last business moment, Friday 18:00.
		{"zero on a Saturday", shanghai, "2024-06-08 10:00", 0, "2024-06-07 18:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			due := at(t, tt.cal, tt.due)
			got := tt.cal.Sub(due, tt.d)
			assert.True(t, at(t, tt.cal, tt.want).Equal(got), "got %s", got.In(tt.cal.Location()))
			assert.Equal(t, tt.d, tt.cal.Between(got, due))
		})
	}
}

func TestCalendarAddDays(t *testing.T) {
	t.Parallel()
	shanghai := office("Asia/Shanghai", "")
	nationalDay := weekdays("Asia/Shanghai", `[{"from": "09:00", "to": "18:00"}]`, nationalDay2024)
	halfFriday := complaint.MustLoadCalendar(`{"time_zone": "Asia/Shanghai", "week": {
		"thursday": [{"from": "08:00", "to": "18:00"}], "friday": [{"from": "08:00", "to": "12:00"}],
		"monday": [{"from": "08:00", "to": "18:00"}]}}`)
	tests := []struct {
		name  string
		cal   *complaint.Calendar
		start string
		n     int
		want  string
	}{
		// Monday 10:00 + 1 business day → Tuesday 10:00 (not 24 business hours later).
		{"one day", shanghai, "2024-06-03 10:00", 1, "2024-06-04 10:00"},
		// Friday 10:00 + 1 → Monday 10:00.
		{"over the weekend", shanghai, "2024-06-07 10:00", 1, "2024-06-10 10:00"},
		// Friday 19:00: the clock starts Monday 08:00; + 1 → Tuesday 08:00.
		{"after hours", shanghai, "2024-06-07 19:00", 1, "2024-06-11 08:00"},
		// Monday 10:00 + 5 → next Monday 10:00.
		{"a week", shanghai, "2024-06-03 10:00", 5, "2024-06-10 10:00"},
		// National Day: Monday September 30 10:00 + 1 → Tuesday October 8 10:00; + 5 →
		// the make-up Saturday October 12 10:00.
		{"over National Day", nationalDay, "2024-09-30 10:00", 1, "2024-10-08 10:00"},
		{"to the make-up Saturday", nationalDay, "2024-09-30 10:00", 5, "2024-10-12 10:00"},
		// Thursday 15:00 + 1 → Friday 15:00, but Friday closes at 12:00: the next opening,
		// Monday 08:00.
		{"that time closed", halfFriday, "2024-06-06 15:00", 1, "2024-06-10 08:00"},
		// 0 days: when the clock starts.
		{"zero", shanghai, "2024-06-08 10:00", 0, "2024-06-10 08:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.cal.AddDays(at(t, tt.cal, tt.start), tt.n)
			assert.True(t, at(t, tt.cal, tt.want).Equal(got), "got %s", got.In(tt.cal.Location()))
			assert.Equal(t, time.UTC, got.Location())
		})
	}
	// 24×7 in New York: the same wall time the next day, 23 real hours over spring-forward.
	c := alwaysOpen("America/New_York")
	got := c.AddDays(at(t, c, "2026-03-07 10:00"), 1)
	assert.Equal(t, atUTC(t, "2026-03-08 14:00"), got)
}

func TestCalendarOpen(t *testing.T) {
	t.Parallel()
	lunch := weekdays("Asia/Shanghai", `[{"from": "09:00", "to": "12:00"}, {"from": "13:30", "to": "18:00"}]`, "")
	tests := []struct {
		at   string
		open bool
		next string
	}{
		{"2024-06-03 08:59", false, "2024-06-03 09:00"},
		{"2024-06-03 09:00", true, "2024-06-03 09:00"},
		{"2024-06-03 11:59", true, "2024-06-03 11:59"},
		{"2024-06-03 12:00", false, "2024-06-03 13:30"}, // closing time is closed
		{"2024-06-03 12:20", false, "2024-06-03 13:30"}, // lunch
		{"2024-06-03 18:00", false, "2024-06-04 09:00"},
		{"2024-06-07 18:30", false, "2024-06-10 09:00"}, // Friday evening → Monday
		{"2024-06-08 10:00", false, "2024-06-10 09:00"}, // Saturday
	}
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) {
			t.Parallel()
			at1 := at(t, lunch, tt.at)
			assert.Equal(t, tt.open, lunch.Open(at1))
			assert.True(t, at(t, lunch, tt.next).Equal(lunch.NextOpening(at1)))
		})
	}
}

func TestCalendarBetween(t *testing.T) {
	t.Parallel()
	c := office("Asia/Shanghai", "")
	a, b := at(t, c, "2024-06-07 17:00"), at(t, c, "2024-06-10 11:00")
	// Friday 17:00 to Monday 11:00: 1 h + 3 h.
	assert.Equal(t, 4*time.Hour, c.Between(a, b))
	assert.Equal(t, -4*time.Hour, c.Between(b, a))
	assert.Equal(t, time.Duration(0), c.Between(a, a))
	// Saturday to Sunday: nothing.
	assert.Equal(t, time.Duration(0), c.Between(at(t, c, "2024-06-08 00:00"), at(t, c, "2024-06-09 23:00")))
	// A year: 2024 has 262 weekdays (366 days, 104 weekend days) of 10 h.
	assert.Equal(t, 2620*time.Hour, c.Between(at(t, c, "2024-01-01 00:00"), at(t, c, "2025-01-01 00:00")))
}

// TestCalendarSkippedWallTimes: where the clocks skip a shift's opening or closing time,
// the desk opens or closes when they jump past it. Checked minute by minute against the
// wall clock (open when it reads a time inside the day's shift) across nights that skip
// an hour: Havana skipped midnight on 2024-03-10 (00:00 CST → 01:00 CDT), so its Sunday
// shift from 00:00 opened at 01:00 that day, not at 23:00 on Saturday, and was 7 hours
// long; New York skipped 02:00–03:00 the same night, so a shift from 02:30 opened at
// 03:00; São Paulo skipped midnight on 2018-11-04.
func TestCalendarSkippedWallTimes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		zone, from, to string
		sunday         string // the Sunday the clocks go forward
		want           time.Duration
	}{
		{"America/Havana", "00:00", "08:00", "2024-03-10", 7 * time.Hour},
		{"America/New_York", "02:30", "04:00", "2024-03-10", time.Hour},
		{"America/New_York", "01:30", "02:30", "2024-03-10", 30 * time.Minute},
		{"America/Sao_Paulo", "00:00", "02:00", "2018-11-04", time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.zone+" "+tc.from+"–"+tc.to, func(t *testing.T) {
			c := complaint.MustLoadCalendar(fmt.Sprintf(`{"time_zone": %q, "week": {"sunday": [{"from": %q, "to": %q}]}}`, tc.zone, tc.from, tc.to))
			sunday, err := kehu.ParseDate(tc.sunday)
			require.NoError(t, err)
			minutes := func(s string) int {
				tm, err := time.Parse("15:04", s)
				require.NoError(t, err)
				return tm.Hour()*60 + tm.Minute()
			}
			from, to := minutes(tc.from), minutes(tc.to)
			open := func(tm time.Time) bool {
				l := tm.In(c.Location())
				m := l.Hour()*60 + l.Minute()
				return l.Weekday() == time.Sunday && m >= from && m < to
			}
			start := sunday.AddDays(-1).In(c.Location()).Add(12 * time.Hour)
			var sum time.Duration
			for m := range 48 * 60 {
				tm := start.Add(time.Duration(m) * time.Minute)
				require.Equal(t, open(tm), c.Open(tm), "Open(%s)", tm)
				if open(tm) {
					sum += time.Minute
				}
			}
			assert.Equal(t, tc.want, sum)
			assert.Equal(t, tc.want, c.Between(start, start.Add(48*time.Hour)))
		})
	}
}

// TestCalendarBruteForce checks Between against counting minute by minute whether the
// wall clock in the zone is inside a shift, on a zone without daylight saving time.
func TestCalendarBruteForce(t *testing.T) {
	t.Parallel()
	c := weekdays("Asia/Shanghai", `[{"from": "09:00", "to": "12:00"}, {"from": "13:30", "to": "18:00"}]`, nationalDay2024)
	open := func(tm time.Time) bool {
		l := tm.In(c.Location())
		d := kehu.DateOf(l)
		for _, h := range c.Spec().Holidays {
			if h == d {
				return false
			}
		}
		mins := l.Hour()*60 + l.Minute()
		for _, e := range c.Spec().ExtraDays {
			if e.Date == d {
				return mins >= 9*60 && mins < 18*60
			}
		}
		if wd := l.Weekday(); wd == time.Saturday || wd == time.Sunday {
			return false
		}
		return mins >= 9*60 && mins < 12*60 || mins >= 13*60+30 && mins < 18*60
	}
	start := at(t, c, "2024-09-25 07:00")
	var sum time.Duration
	for m := 0; m < 60*24*21; m++ {
		tm := start.Add(time.Duration(m) * time.Minute)
		require.Equal(t, open(tm), c.Open(tm), "Open(%s)", tm)
		if m%97 == 0 {
			require.Equal(t, sum, c.Between(start, tm), "Between(start, %s)", tm)
			if sum > 0 {
				// The minute the count reaches sum: Add(start, sum) is the end of it.
				due := c.Add(start, sum)
				require.Equal(t, sum, c.Between(start, due))
				require.False(t, due.After(tm))
			}
		}
		if open(tm) {
			sum += time.Minute
		}
	}
}

func TestCompileCalendarErrors(t *testing.T) {
	t.Parallel()
	spec := complaint.CalendarSpec{
		TimeZone: "Local",
		Week: complaint.Week{
			Monday: []complaint.Shift{{From: "09:00", To: "12:00"}, {From: "11:00", To: "13:00"}},
			Tuesday: []complaint.Shift{
				{From: "13:30", To: "18:00"}, {From: "09:00", To: "12:00"}, {From: "9:00", To: "10:00"},
				{From: "24:00", To: "24:00"}, {From: "10:00", To: "25:00"}, {From: "15:00", To: "14:00"}, {From: "", To: "12:60"},
			},
		},
		Holidays: []kehu.Date{kehu.MustDate(2024, 10, 1), kehu.MustDate(2024, 10, 1), {}, {Year: 2023, Month: 2, Day: 29}},
		ExtraDays: []complaint.ExtraDay{
			{Date: kehu.MustDate(2024, 10, 1), Hours: []complaint.Shift{{From: "09:00", To: "18:00"}}},
			{Date: kehu.MustDate(2024, 9, 29)},
		},
	}
	_, err := complaint.CompileCalendar(spec)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, errors.Is(err, kehu.ErrInvalid))
	for _, want := range [][2]string{
		{"time_zone", "unknown_zone"},
		{"week.monday[1].from", "overlap"},
		{"week.tuesday[1].from", "order"},
		{"week.tuesday[2].from", "format"},
		{"week.tuesday[3].from", "range"},
		{"week.tuesday[4].to", "range"},
		{"week.tuesday[5].to", "order"},
		{"week.tuesday[6].from", "required"},
		{"week.tuesday[6].to", "range"},
		{"holidays[1]", "duplicate"},
		{"holidays[2]", "required"},
		{"holidays[3]", "range"},
		{"extra_days[0].date", "conflict"},
		{"extra_days[1].hours", "required"},
	} {
		assert.True(t, verr.Has(want[0], want[1]), "want %s %s in %v", want[0], want[1], err)
	}
	assert.Len(t, verr.Fields, 14, "%v", err)

	for _, tt := range []struct {
		spec        complaint.CalendarSpec
		field, rule string
	}{
		{complaint.CalendarSpec{TimeZone: "UTC"}, "week", "no_working_hours"},
		{complaint.CalendarSpec{}, "time_zone", "required"},
		{complaint.CalendarSpec{TimeZone: "Mars/Olympus"}, "time_zone", "unknown_zone"},
		{complaint.CalendarSpec{TimeZone: "UTC", AlwaysOpen: true, Holidays: []kehu.Date{kehu.MustDate(2024, 1, 1)}}, "holidays", "conflict"},
		{complaint.CalendarSpec{TimeZone: "UTC", AlwaysOpen: true, Week: complaint.Week{Monday: []complaint.Shift{{From: "09:00", To: "10:00"}}}}, "week", "conflict"},
	} {
		_, err := complaint.CompileCalendar(tt.spec)
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has(tt.field, tt.rule), "%v", err)
	}
}

func TestLoadCalendar(t *testing.T) {
	t.Parallel()
	good := `{"time_zone": "Asia/Shanghai", "week": {"monday": [{"from": "09:00", "to": "12:00"}, {"from": "13:30", "to": "24:00"}]},
		"holidays": ["2024-10-01"], "extra_days": [{"date": "2024-09-29", "hours": [{"from": "09:00", "to": "18:00"}]}]}`
	c, err := complaint.LoadCalendar(strings.NewReader(good))
	require.NoError(t, err)
	assert.Equal(t, "Asia/Shanghai", c.Location().String())

	// Spec is a deep copy: editing it changes nothing.
	s := c.Spec()
	s.Week.Monday[0].From = "10:00"
	s.ExtraDays[0].Hours[0].To = "10:00"
	s.Holidays[0] = kehu.MustDate(2024, 10, 2)
	assert.Equal(t, "09:00", c.Spec().Week.Monday[0].From)
	assert.Equal(t, "18:00", c.Spec().ExtraDays[0].Hours[0].To)
	assert.Equal(t, kehu.MustDate(2024, 10, 1), c.Spec().Holidays[0])

	// MarshalJSON gives what LoadCalendar reads back.
	data, err := c.MarshalJSON()
	require.NoError(t, err)
	again, err := complaint.LoadCalendar(strings.NewReader(string(data)))
	require.NoError(t, err)
	assert.Equal(t, c.Spec(), again.Spec())

	for name, in := range map[string]string{
		"unknown field": `{"time_zone": "UTC", "always_open": true, "holiday": []}`,
		"trailing data": `{"time_zone": "UTC", "always_open": true} {}`,
		"bad date":      `{"time_zone": "UTC", "always_open": true, "holidays": ["2024-13-01"]}`,
		"empty":         ` `,
		"not an object": `[]`,
	} {
		_, err := complaint.LoadCalendar(strings.NewReader(in))
		var verr *kehu.ValidationError
		assert.ErrorAs(t, err, &verr, name)
	}
	_, err = complaint.LoadCalendar(nil)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
}
