package complaint_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

// propertyZones include zones with unusual clock changes: a 30-minute change
// (Australia/Lord_Howe), changes at midnight (America/Sao_Paulo until 2019,
// America/Havana), a skipped date (Pacific/Apia, 2011-12-30) and none (Asia/Shanghai).
var propertyZones = []string{
	"UTC", "Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
	"America/Sao_Paulo", "America/Havana", "Pacific/Apia", "Asia/Kolkata",
}

// randomCalendar returns a valid calendar: a random zone, 0 to 3 shifts on a 15-minute
// grid on each weekday (at least one weekday open), random holidays and extra days, or
// sometimes 24×7.
func randomCalendar(r *rand.Rand) complaint.CalendarSpec {
	spec := complaint.CalendarSpec{TimeZone: propertyZones[r.IntN(len(propertyZones))]}
	if r.IntN(8) == 0 {
		spec.AlwaysOpen = true
		return spec
	}
	shifts := func() []complaint.Shift {
		var out []complaint.Shift
		at := r.IntN(12) * 15
		for range r.IntN(4) {
			from := at + r.IntN(8*4)*15
			to := from + 15 + r.IntN(10*4)*15
			if to > 24*60 {
				break
			}
			out = append(out, complaint.Shift{From: clock(from), To: clock(to)})
			at = to + r.IntN(3)*15
		}
		return out
	}
	days := []*[]complaint.Shift{&spec.Week.Monday, &spec.Week.Tuesday, &spec.Week.Wednesday,
		&spec.Week.Thursday, &spec.Week.Friday, &spec.Week.Saturday, &spec.Week.Sunday}
	for _, d := range days {
		if r.IntN(3) > 0 {
			*d = shifts()
		}
	}
	if len(*days[0]) == 0 {
		*days[0] = []complaint.Shift{{From: "09:00", To: "17:00"}}
	}
	used := map[kehu.Date]bool{}
	for range r.IntN(30) {
		d := kehu.MustDate(2010, 1, 1).AddDays(r.IntN(18 * 365))
		if used[d] {
			continue
		}
		used[d] = true
		if r.IntN(3) == 0 {
			h := shifts()
			if len(h) == 0 {
				h = []complaint.Shift{{From: "00:00", To: "24:00"}}
			}
			spec.ExtraDays = append(spec.ExtraDays, complaint.ExtraDay{Date: d, Hours: h})
		} else {
			spec.Holidays = append(spec.Holidays, d)
		}
	}
	return spec
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// randomInstant is a microsecond between 2010 and 2028.
func randomInstant(r *rand.Rand) time.Time {
	from := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	return time.UnixMicro(from + r.Int64N(18*365*24*3600*1_000_000))
}

// randomDuration is up to 400 h, often a whole number of minutes or hours.
func randomDuration(r *rand.Rand) time.Duration {
	switch r.IntN(3) {
	case 0:
		return time.Duration(r.IntN(100)) * time.Hour
	case 1:
		return time.Duration(r.IntN(400*60)) * time.Minute
	}
	return time.Duration(r.Int64N(int64(400*time.Hour/time.Microsecond))) * time.Microsecond
}

// TestCalendarProperties checks, on random calendars, instants and durations (seeded):
// the due time is never before the start; Between(start, Add(start, d)) == d;
// Sub(Add(start, d), d) is at or before the clock's start and d of business time before
// the due time; a longer target is never due earlier; business time is never negative
// for a ≤ b, and Between(b, a) == -Between(a, b).
func TestCalendarProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(20240601, 7))
	n := 300
	if testing.Short() {
		n = 50
	}
	for i := range n {
		spec := randomCalendar(r)
		c, err := complaint.CompileCalendar(spec)
		require.NoError(t, err, "%+v", spec)
		for j := range 20 {
			start := randomInstant(r)
			d := randomDuration(r)
			where := fmt.Sprintf("calendar %d (%s) case %d: start %s, d %s", i, spec.TimeZone, j, start.UTC(), d)
			due := c.Add(start, d)
			require.Equal(t, time.UTC, due.Location(), where)
			require.False(t, due.Before(kehu.Truncate(start)), "%s: due %s before start", where, due)
			require.Equal(t, d, c.Between(start, due), "%s: due %s", where, due)

			back := c.Sub(due, d)
			require.False(t, back.After(c.NextOpening(start)), "%s: Sub %s after the clock starts %s", where, back, c.NextOpening(start))
			require.Equal(t, d, c.Between(back, due), "%s: Sub %s", where, back)

			longer := d + time.Duration(r.Int64N(int64(50*time.Hour)))
			require.False(t, c.Add(start, longer).Before(due), "%s: %s is due earlier", where, longer)

			other := randomInstant(r)
			a, b := start, other
			if b.Before(a) {
				a, b = b, a
			}
			if b.Sub(a) < 2*365*24*time.Hour {
				ab := c.Between(a, b)
				require.GreaterOrEqual(t, ab, time.Duration(0), where)
				require.LessOrEqual(t, ab, b.Sub(a).Truncate(time.Microsecond)+time.Microsecond, where)
				require.Equal(t, -ab, c.Between(b, a), where)
			}

			next := c.NextOpening(start)
			require.True(t, c.Open(next), "%s: closed at its next opening %s", where, next)
			days := r.IntN(10)
			require.False(t, c.AddDays(start, days+1).Before(c.AddDays(start, days)), where)
			require.False(t, c.AddDays(start, days).Before(next), where)
		}
	}
}

// TestCalendarBounds: durations beyond MaxDuration saturate, instants outside the years 1
// to 9999 are clamped, and every call returns, whatever the input.
func TestCalendarBounds(t *testing.T) {
	t.Parallel()
	sparse := complaint.MustLoadCalendar(`{"time_zone": "Europe/Berlin", "week": {"sunday": [{"from": "02:15", "to": "02:16"}]}}`)
	office := office("Asia/Shanghai", "")
	start := time.Date(2024, 6, 3, 8, 0, 0, 0, time.UTC)
	extremes := []time.Time{{}, time.Unix(-1<<62, 0), time.Unix(1<<62, 999), start}
	durations := []time.Duration{0, 1, -1, complaint.MaxDuration, complaint.MaxDuration + 1, 1<<63 - 1, -1 << 63}
	for _, c := range []*complaint.Calendar{sparse, office, alwaysOpen("America/New_York")} {
		for _, s := range extremes {
			for _, d := range durations {
				due := c.Add(s, d)
				require.Equal(t, time.UTC, due.Location())
				_ = c.Sub(s, d)
				_ = c.Between(s, due)
				_ = c.AddDays(s, int(d>>20))
			}
			for _, e := range extremes {
				_ = c.Between(s, e)
			}
		}
	}
	// Saturation: a duration beyond MaxDuration is MaxDuration.
	require.Equal(t, office.Add(start, complaint.MaxDuration), office.Add(start, 1<<63-1))
	require.Equal(t, complaint.MaxDuration, office.Between(start, office.Add(start, complaint.MaxDuration)))
	require.Equal(t, complaint.MaxDuration, office.Between(time.Time{}, time.Unix(1<<62, 0)))
}

// FuzzLoadCalendar: any input either fails with a *kehu.ValidationError or compiles to a
// calendar whose JSON loads back to the same spec, and whose operations keep their
// properties; nothing panics.
func FuzzLoadCalendar(f *testing.F) {
	f.Add(`{"time_zone": "Asia/Shanghai", "week": {"monday": [{"from": "09:00", "to": "12:00"}, {"from": "13:30", "to": "18:00"}]}, "holidays": ["2024-10-01"], "extra_days": [{"date": "2024-09-29", "hours": [{"from": "09:00", "to": "24:00"}]}]}`)
	f.Add(`{"time_zone": "UTC", "always_open": true}`)
	f.Add(`{"time_zone": "Europe/Berlin", "week": {"sunday": [{"from": "00:00", "to": "24:00"}]}}`)
	f.Add(`{"time_zone": "Local"}`)
	f.Add(`{"time_zone": "UTC", "week": {"monday": [{"from": "09:00", "to": "17:00"}], "tuesday": []}, "holidays": [], "extra_days": []}`)
	f.Add(`{"time_zone": "UTC", "week": {"friday": [{"from": "24:00", "to": "9:00"}]}} x`)
	start := time.Date(2024, 3, 29, 16, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, in string) {
		c, err := complaint.LoadCalendar(strings.NewReader(in))
		if err != nil {
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			return
		}
		data, err := c.MarshalJSON()
		require.NoError(t, err)
		again, err := complaint.LoadCalendar(strings.NewReader(string(data)))
		require.NoError(t, err, "%s", data)
		require.Equal(t, c.Spec(), again.Spec())
		due := c.Add(start, 7*time.Hour)
		require.Equal(t, 7*time.Hour, c.Between(start, due))
		require.Equal(t, 7*time.Hour, c.Between(c.Sub(due, 7*time.Hour), due))
	})
}

// FuzzCalendarAdd: Add, Sub, Between and AddDays on any instant and duration never panic
// and keep their properties within the years 1900 to 2100.
func FuzzCalendarAdd(f *testing.F) {
	cals := []*complaint.Calendar{
		office("Europe/Berlin", easter2024),
		weekdays("Asia/Shanghai", `[{"from": "09:00", "to": "12:00"}, {"from": "13:30", "to": "18:00"}]`, springFestival2025),
		complaint.MustLoadCalendar(`{"time_zone": "America/New_York", "week": {"sunday": [{"from": "00:00", "to": "04:00"}], "monday": [{"from": "01:30", "to": "02:30"}, {"from": "02:45", "to": "24:00"}]}}`),
		alwaysOpen("Australia/Lord_Howe"),
		everyDay("Pacific/Apia"),
	}
	f.Add(uint8(0), int64(1711638000), int64(0), int64(6*time.Hour))
	f.Add(uint8(1), int64(1737705600), int64(123), int64(12*time.Hour))
	f.Add(uint8(2), int64(1730606400), int64(0), int64(-4*time.Hour))
	f.Add(uint8(4), int64(1325160000), int64(0), int64(48*time.Hour))
	f.Fuzz(func(t *testing.T, which uint8, sec, nsec, d int64) {
		c := cals[int(which)%len(cals)]
		start := time.Unix(sec, nsec)
		dur := time.Duration(d)
		due := c.Add(start, dur)
		back := c.Sub(start, dur)
		require.Equal(t, time.UTC, due.Location())
		require.Equal(t, time.UTC, back.Location())
		_ = c.AddDays(start, int(d%100_000))
		_ = c.Between(start, time.Unix(nsec, sec))
		if start.Year() < 1900 || start.Year() > 2100 || dur < 0 || dur > 5000*time.Hour {
			return
		}
		want := dur.Truncate(time.Microsecond)
		require.False(t, due.Before(kehu.Truncate(start)))
		require.Equal(t, want, c.Between(start, due))
		require.Equal(t, want, c.Between(c.Sub(due, dur), due))
	})
}

// BenchmarkDueTime: a 4 h target received on Thursday 16:00 in Berlin before Easter, on
// Mon–Fri 08:00–18:00: 2 h on Thursday, then Good Friday, the weekend (clocks forward)
// and Easter Monday are skipped, 2 h on Tuesday → due Tuesday 10:00.
func BenchmarkDueTime(b *testing.B) {
	c := office("Europe/Berlin", easter2024)
	start := time.Date(2024, 3, 28, 16, 0, 0, 0, c.Location()) // Thursday 16:00, Good Friday next
	want := time.Date(2024, 4, 2, 10, 0, 0, 0, c.Location())
	if got := c.Add(start, 4*time.Hour); !got.Equal(want) {
		b.Fatalf("due %s, want %s", got, want)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Add(start, 4*time.Hour)
	}
}
