package kehu_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
	_ "time/tzdata" // the zone tests do not depend on the machine's zoneinfo

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

func mdLoadZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func TestNewDate(t *testing.T) {
	ok := []kehu.Date{
		{Year: 2024, Month: time.February, Day: 29},
		{Year: 2000, Month: time.February, Day: 29},
		{Year: 2023, Month: time.February, Day: 28},
		{Year: 1, Month: time.January, Day: 1},
		{Year: 9999, Month: time.December, Day: 31},
		{Year: 2023, Month: time.April, Day: 30},
		{Year: 2023, Month: time.January, Day: 31},
	}
	for _, want := range ok {
		t.Run(want.String(), func(t *testing.T) {
			d, err := kehu.NewDate(want.Year, want.Month, want.Day)
			require.NoError(t, err)
			assert.Equal(t, want, d)
			assert.True(t, d.IsValid())
			assert.False(t, d.IsZero())
		})
	}
	bad := []struct {
		y           int
		m           time.Month
		d           int
		field, rule string
	}{
		{2023, time.February, 29, "day", "range"},
		{1900, time.February, 29, "day", "range"},
		{2100, time.February, 29, "day", "range"},
		{2023, time.April, 31, "day", "range"},
		{2023, time.January, 0, "day", "range"},
		{2023, time.January, 32, "day", "range"},
		{2023, 0, 1, "month", "range"},
		{2023, 13, 1, "month", "range"},
		{0, time.January, 1, "year", "range"},
		{10000, time.January, 1, "year", "range"},
		{-5, time.January, 1, "year", "range"},
		{0, 0, 0, "year", "range"},
	}
	for _, tc := range bad {
		t.Run("bad", func(t *testing.T) {
			d, err := kehu.NewDate(tc.y, tc.m, tc.d)
			mdProblem(t, err, tc.field, tc.rule)
			assert.True(t, d.IsZero())
		})
	}
	_, err := kehu.NewDate(0, 13, 1)
	mdProblem(t, err, "year", "range")
	mdProblem(t, err, "month", "range")

	assert.Panics(t, func() { kehu.MustDate(2023, time.February, 29) })
	assert.Equal(t, kehu.Date{Year: 2024, Month: 2, Day: 29}, kehu.MustDate(2024, time.February, 29))
}

func TestParseDate(t *testing.T) {
	ok := []struct {
		in   string
		want kehu.Date
	}{
		{"2024-02-29", kehu.MustDate(2024, time.February, 29)},
		{"2023-02-03", kehu.MustDate(2023, time.February, 3)},
		{"0001-01-01", kehu.MustDate(1, time.January, 1)},
		{"9999-12-31", kehu.MustDate(9999, time.December, 31)},
	}
	for _, tc := range ok {
		t.Run(tc.in, func(t *testing.T) {
			d, err := kehu.ParseDate(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, d)
			assert.Equal(t, tc.in, d.String())
		})
	}
	bad := []struct {
		in, rule string
	}{
		{"", "required"},
		{"2023-2-3", "format"},
		{"2023-02-3", "format"},
		{"23-02-03", "format"},
		{"2023/02/03", "format"},
		{"20230203", "format"},
		{"2023-02-03 ", "format"},
		{" 2023-02-03", "format"},
		{"2023-02-03T00:00:00Z", "format"},
		{"2023-02-03x", "format"},
		{"+023-02-03", "format"},
		{"2023--2-03", "format"},
		{"2023-0a-03", "format"},
		{"２０２３-02-03", "format"},
		{"2023-02-29", "range"},
		{"2023-04-31", "range"},
		{"2023-13-01", "range"},
		{"2023-00-10", "range"},
		{"2023-01-00", "range"},
		{"0000-01-01", "range"},
	}
	for _, tc := range bad {
		t.Run("bad/"+tc.in, func(t *testing.T) {
			d, err := kehu.ParseDate(tc.in)
			mdProblem(t, err, "date", tc.rule)
			assert.True(t, d.IsZero())
		})
	}
}

func TestDateOf(t *testing.T) {
	ny := mdLoadZone(t, "America/New_York")
	sh := mdLoadZone(t, "Asia/Shanghai")
	// One instant, three dates.
	instant := time.Date(2024, time.March, 10, 3, 30, 0, 0, time.UTC)
	assert.Equal(t, kehu.MustDate(2024, time.March, 10), kehu.DateOf(instant))
	assert.Equal(t, kehu.MustDate(2024, time.March, 9), kehu.DateOf(instant.In(ny)))
	assert.Equal(t, kehu.MustDate(2024, time.March, 10), kehu.DateOf(instant.In(sh)))

	late := time.Date(2024, time.December, 31, 20, 0, 0, 0, ny) // 01:00 UTC, 09:00 in Shanghai
	assert.Equal(t, kehu.MustDate(2024, time.December, 31), kehu.DateOf(late))
	assert.Equal(t, kehu.MustDate(2025, time.January, 1), kehu.DateOf(late.UTC()))
	assert.Equal(t, kehu.MustDate(2025, time.January, 1), kehu.DateOf(late.In(sh)))

	assert.False(t, kehu.DateOf(time.Time{}.AddDate(-5, 0, 0)).IsValid())
}

func TestDateIn(t *testing.T) {
	ny := mdLoadZone(t, "America/New_York")
	tests := []struct {
		name string
		d    kehu.Date
		loc  *time.Location
		want string // RFC 3339
	}{
		{"utc", kehu.MustDate(2024, time.February, 29), time.UTC, "2024-02-29T00:00:00Z"},
		{"nil is utc", kehu.MustDate(2024, time.February, 29), nil, "2024-02-29T00:00:00Z"},
		{"new york winter", kehu.MustDate(2024, time.January, 15), ny, "2024-01-15T00:00:00-05:00"},
		{"new york summer", kehu.MustDate(2024, time.July, 15), ny, "2024-07-15T00:00:00-04:00"},
		{"new york dst day", kehu.MustDate(2024, time.March, 10), ny, "2024-03-10T00:00:00-05:00"},
		// Clocks jumped from 00:00 to 01:00: the day began at 01:00.
		{"midnight skipped", kehu.MustDate(2018, time.November, 4), mdLoadZone(t, "America/Sao_Paulo"), "2018-11-04T01:00:00-02:00"},
		// Clocks went back from 01:00 to 00:00: the day began at the first midnight.
		{"midnight twice", kehu.MustDate(2001, time.September, 28), mdLoadZone(t, "Asia/Amman"), "2001-09-28T00:00:00+03:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.d.In(tc.loc)
			want, err := time.Parse(time.RFC3339, tc.want)
			require.NoError(t, err)
			assert.True(t, got.Equal(want), "got %s want %s", got.Format(time.RFC3339), tc.want)
			assert.Equal(t, tc.d, kehu.DateOf(got))
			// Nothing earlier is on the same date.
			assert.True(t, kehu.DateOf(got.Add(-time.Nanosecond)).Before(tc.d))
		})
	}
}

// TestDateAt places wall times that happen once, twice and never. The expected instants
// are read from the zones' rules: New York skips 02:00–03:00 on 2024-03-10 and repeats
// 01:00–02:00 on 2024-11-03; Lord Howe Island moves by half an hour (02:00 → 02:30 on
// 2024-10-06, 02:00 → 01:30 on 2024-04-07); Asunción skipped midnight on 2023-10-01.
func TestDateAt(t *testing.T) {
	ny := mdLoadZone(t, "America/New_York")
	lh := mdLoadZone(t, "Australia/Lord_Howe")
	tests := []struct {
		name          string
		d             kehu.Date
		h, m, sec, ns int
		loc           *time.Location
		want          string // RFC 3339
	}{
		{"once", kehu.MustDate(2024, time.July, 15), 9, 15, 0, 0, ny, "2024-07-15T09:15:00-04:00"},
		{"nil is utc", kehu.MustDate(2024, time.July, 15), 9, 15, 30, 5, nil, "2024-07-15T09:15:30.000000005Z"},
		{"skipped", kehu.MustDate(2024, time.March, 10), 2, 30, 0, 0, ny, "2024-03-10T03:00:00-04:00"},
		{"gap starts", kehu.MustDate(2024, time.March, 10), 2, 0, 0, 0, ny, "2024-03-10T03:00:00-04:00"},
		{"gap ends", kehu.MustDate(2024, time.March, 10), 3, 0, 0, 0, ny, "2024-03-10T03:00:00-04:00"},
		{"before the gap", kehu.MustDate(2024, time.March, 10), 1, 59, 59, 0, ny, "2024-03-10T01:59:59-05:00"},
		{"twice: the earlier", kehu.MustDate(2024, time.November, 3), 1, 30, 0, 0, ny, "2024-11-03T01:30:00-04:00"},
		{"after the repeat", kehu.MustDate(2024, time.November, 3), 2, 0, 0, 0, ny, "2024-11-03T02:00:00-05:00"},
		{"half-hour gap", kehu.MustDate(2024, time.October, 6), 2, 15, 0, 0, lh, "2024-10-06T02:30:00+11:00"},
		{"half-hour repeat", kehu.MustDate(2024, time.April, 7), 1, 45, 0, 0, lh, "2024-04-07T01:45:00+11:00"},
		{"midnight skipped", kehu.MustDate(2023, time.October, 1), 0, 0, 0, 0, mdLoadZone(t, "America/Asuncion"), "2023-10-01T01:00:00-03:00"},
		{"24:00 is the next day's start", kehu.MustDate(2024, time.July, 15), 24, 0, 0, 0, time.UTC, "2024-07-16T00:00:00Z"},
		// 24:00 on 2023-09-30 in Asunción is the start of 1 October, whose midnight the
		// clocks skipped; Apia skipped 2011-12-30 whole, so 24:00 on the 29th is the
		// start of the 31st.
		{"24:00 before a skipped midnight", kehu.MustDate(2023, time.September, 30), 24, 0, 0, 0, mdLoadZone(t, "America/Asuncion"), "2023-10-01T01:00:00-03:00"},
		{"24:00 before a skipped day", kehu.MustDate(2011, time.December, 29), 24, 0, 0, 0, mdLoadZone(t, "Pacific/Apia"), "2011-12-31T00:00:00+14:00"},
		{"minutes back into the day before", kehu.MustDate(2024, time.March, 11), 0, -90, 0, 0, ny, "2024-03-10T22:30:00-04:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.d.At(tc.h, tc.m, tc.sec, tc.ns, tc.loc)
			want, err := time.Parse(time.RFC3339Nano, tc.want)
			require.NoError(t, err)
			assert.True(t, got.Equal(want), "got %s want %s", got.Format(time.RFC3339Nano), tc.want)
		})
	}
}

// TestDateAtIsTheFirstInstant checks At against its definition over two years of
// half-hours in zones with every kind of change: the wall clock reads the time or later
// at the instant At returns, and earlier a nanosecond before it.
func TestDateAtIsTheFirstInstant(t *testing.T) {
	for _, name := range []string{"America/New_York", "America/Sao_Paulo", "Australia/Lord_Howe",
		"America/Asuncion", "Asia/Amman", "America/Havana", "Pacific/Apia", "Asia/Kolkata", "Europe/London"} {
		loc := mdLoadZone(t, name)
		wall := func(x time.Time) time.Time {
			x = x.In(loc)
			return time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond(), time.UTC)
		}
		for d := kehu.MustDate(2011, time.January, 1); d.Before(kehu.MustDate(2013, time.January, 1)); d = d.AddDays(1) {
			for half := range 48 {
				h, m := half/2, half%2*30
				got := d.At(h, m, 0, 0, loc)
				want := time.Date(d.Year, d.Month, d.Day, h, m, 0, 0, time.UTC)
				if wall(got).Before(want) || !wall(got.Add(-time.Nanosecond)).Before(want) {
					t.Fatalf("%s: %s %02d:%02d: At gave %s", name, d, h, m, got.In(loc).Format(time.RFC3339Nano))
				}
			}
		}
	}
}

func TestDateCompare(t *testing.T) {
	a := kehu.MustDate(2024, time.February, 28)
	b := kehu.MustDate(2024, time.February, 29)
	c := kehu.MustDate(2024, time.March, 1)
	d := kehu.MustDate(2025, time.January, 1)
	tests := []struct {
		x, y  kehu.Date
		want  int
		label string
	}{
		{a, b, -1, "day"}, {b, a, 1, "day reversed"}, {b, c, -1, "month"}, {c, d, -1, "year"},
		{d, a, 1, "year reversed"}, {a, a, 0, "same"}, {kehu.Date{}, a, -1, "zero first"},
	}
	for _, tc := range tests {
		t.Run(tc.label, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.x.Compare(tc.y))
			assert.Equal(t, tc.want < 0, tc.x.Before(tc.y))
			assert.Equal(t, tc.want > 0, tc.x.After(tc.y))
		})
	}
}

func TestDateAddDays(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2024-02-28", 1, "2024-02-29"},
		{"2024-02-28", 2, "2024-03-01"},
		{"2023-02-28", 1, "2023-03-01"},
		{"2024-03-01", -1, "2024-02-29"},
		{"2024-12-31", 1, "2025-01-01"},
		{"2025-01-01", -1, "2024-12-31"},
		{"2024-01-01", 366, "2025-01-01"},
		{"2023-01-01", 365, "2024-01-01"},
		{"1900-02-28", 1, "1900-03-01"},
		{"2000-02-28", 1, "2000-02-29"},
		{"2024-03-09", 2, "2024-03-11"},
		{"0001-01-01", 3652058, "9999-12-31"},
		{"9999-12-31", -3652058, "0001-01-01"},
		{"2024-05-17", 0, "2024-05-17"},
	}
	for _, tc := range tests {
		t.Run(tc.from, func(t *testing.T) {
			d, err := kehu.ParseDate(tc.from)
			require.NoError(t, err)
			assert.Equal(t, tc.want, d.AddDays(tc.n).String())
		})
	}
	assert.True(t, kehu.Date{}.AddDays(10).IsZero())
	assert.Equal(t, "2023-03-03", kehu.Date{Year: 2023, Month: time.February, Day: 30}.AddDays(1).String())
}

func TestDateDaysSince(t *testing.T) {
	tests := []struct {
		d, o string
		want int
	}{
		{"2024-03-01", "2024-02-28", 2}, // leap year
		{"2023-03-01", "2023-02-28", 1},
		{"2000-03-01", "2000-02-28", 2}, // divisible by 400: leap
		{"1900-03-01", "1900-02-28", 1}, // divisible by 100: not leap
		{"2025-01-01", "2024-01-01", 366},
		{"2024-01-01", "2023-01-01", 365},
		{"2024-02-28", "2024-03-01", -2},
		{"2024-05-17", "2024-05-17", 0},
		{"2024-03-11", "2024-03-09", 2}, // across the US spring-forward of 2024-03-10
		{"2024-11-04", "2024-11-02", 2}, // across the US fall-back of 2024-11-03
		{"9999-12-31", "0001-01-01", 3652058},
	}
	for _, tc := range tests {
		t.Run(tc.d+"-"+tc.o, func(t *testing.T) {
			d, err := kehu.ParseDate(tc.d)
			require.NoError(t, err)
			o, err := kehu.ParseDate(tc.o)
			require.NoError(t, err)
			assert.Equal(t, tc.want, d.DaysSince(o))
			assert.Equal(t, -tc.want, o.DaysSince(d))
			assert.Equal(t, d, o.AddDays(tc.want))
		})
	}

	t.Run("a DST day is not 24 hours, a civil day is one day", func(t *testing.T) {
		ny := mdLoadZone(t, "America/New_York")
		sat, mon := kehu.MustDate(2024, time.March, 9), kehu.MustDate(2024, time.March, 11)
		elapsed := mon.In(ny).Sub(sat.In(ny))
		assert.Equal(t, 47*time.Hour, elapsed)
		assert.Equal(t, 1, int(elapsed/(24*time.Hour)), "dividing durations loses a day")
		assert.Equal(t, 2, mon.DaysSince(sat))
	})

	t.Run("agrees with the time package", func(t *testing.T) {
		base := kehu.MustDate(1970, time.January, 1)
		for tt := time.Date(1583, time.January, 1, 0, 0, 0, 0, time.UTC); tt.Year() < 2500; tt = tt.AddDate(0, 0, 13) {
			d := kehu.DateOf(tt)
			want := int(tt.Unix() / 86400) // exact: tt is a UTC midnight
			require.Equal(t, want, d.DaysSince(base), d.String())
			require.Equal(t, tt.Weekday(), d.Weekday(), d.String())
			require.Equal(t, d, base.AddDays(want), d.String())
		}
	})
}

func TestDateWeekday(t *testing.T) {
	tests := []struct {
		d    kehu.Date
		want time.Weekday
	}{
		{kehu.MustDate(2024, time.February, 29), time.Thursday},
		{kehu.MustDate(1970, time.January, 1), time.Thursday},
		{kehu.MustDate(2000, time.January, 1), time.Saturday},
		{kehu.MustDate(1, time.January, 1), time.Monday},
		{kehu.MustDate(1969, time.December, 31), time.Wednesday},
		{kehu.MustDate(9999, time.December, 31), time.Friday},
	}
	for _, tc := range tests {
		t.Run(tc.d.String(), func(t *testing.T) {
			assert.Equal(t, tc.want, tc.d.Weekday())
		})
	}
}

func TestDateAnniversaryIn(t *testing.T) {
	leapling := kehu.MustDate(2000, time.February, 29)
	tests := []struct {
		d    kehu.Date
		year int
		want kehu.Date
	}{
		{leapling, 2001, kehu.MustDate(2001, time.February, 28)},
		{leapling, 2004, kehu.MustDate(2004, time.February, 29)},
		{leapling, 2100, kehu.MustDate(2100, time.February, 28)},
		{leapling, 2400, kehu.MustDate(2400, time.February, 29)},
		{leapling, 2000, leapling},
		{leapling, 1999, kehu.MustDate(1999, time.February, 28)},
		{kehu.MustDate(1990, time.May, 17), 2024, kehu.MustDate(2024, time.May, 17)},
		{kehu.MustDate(2023, time.February, 28), 2024, kehu.MustDate(2024, time.February, 28)},
		{kehu.MustDate(2023, time.March, 1), 2024, kehu.MustDate(2024, time.March, 1)},
		{kehu.Date{}, 2024, kehu.Date{}},
	}
	for _, tc := range tests {
		t.Run(tc.d.String()+"/"+tc.want.String(), func(t *testing.T) {
			assert.Equal(t, tc.want, tc.d.AnniversaryIn(tc.year))
		})
	}
	assert.False(t, leapling.AnniversaryIn(10000).IsValid())
}

func TestDateNextAnniversary(t *testing.T) {
	leapling := kehu.MustDate(2000, time.February, 29)
	may17 := kehu.MustDate(1990, time.May, 17)
	tests := []struct {
		d, onOrAfter, want kehu.Date
	}{
		{leapling, kehu.MustDate(2023, time.January, 1), kehu.MustDate(2023, time.February, 28)},
		{leapling, kehu.MustDate(2023, time.February, 28), kehu.MustDate(2023, time.February, 28)},
		{leapling, kehu.MustDate(2023, time.March, 1), kehu.MustDate(2024, time.February, 29)},
		{leapling, kehu.MustDate(2024, time.February, 29), kehu.MustDate(2024, time.February, 29)},
		{leapling, kehu.MustDate(2024, time.March, 1), kehu.MustDate(2025, time.February, 28)},
		{leapling, kehu.MustDate(1999, time.June, 1), leapling},
		{leapling, kehu.MustDate(2000, time.February, 29), leapling},
		{leapling, kehu.MustDate(2000, time.March, 1), kehu.MustDate(2001, time.February, 28)},
		{may17, kehu.MustDate(2024, time.May, 17), kehu.MustDate(2024, time.May, 17)},
		{may17, kehu.MustDate(2024, time.May, 18), kehu.MustDate(2025, time.May, 17)},
		{may17, kehu.MustDate(2024, time.December, 31), kehu.MustDate(2025, time.May, 17)},
		{may17, kehu.Date{}, may17},
		{kehu.Date{}, may17, kehu.Date{}},
	}
	for _, tc := range tests {
		t.Run(tc.d.String()+"/"+tc.onOrAfter.String(), func(t *testing.T) {
			got := tc.d.NextAnniversary(tc.onOrAfter)
			assert.Equal(t, tc.want, got)
			if !tc.d.IsZero() {
				assert.False(t, got.Before(tc.onOrAfter))
			}
		})
	}
}

func TestDateAgeOn(t *testing.T) {
	leapling := kehu.MustDate(2000, time.February, 29)
	may17 := kehu.MustDate(1990, time.May, 17)
	tests := []struct {
		born, on kehu.Date
		want     int
	}{
		{leapling, leapling, 0},
		{leapling, kehu.MustDate(2001, time.February, 27), 0},
		{leapling, kehu.MustDate(2001, time.February, 28), 1},
		{leapling, kehu.MustDate(2001, time.March, 1), 1},
		{leapling, kehu.MustDate(2004, time.February, 28), 3},
		{leapling, kehu.MustDate(2004, time.February, 29), 4},
		{leapling, kehu.MustDate(2100, time.February, 28), 100},
		{may17, kehu.MustDate(2024, time.May, 16), 33},
		{may17, kehu.MustDate(2024, time.May, 17), 34},
		{may17, kehu.MustDate(2024, time.December, 31), 34},
		{kehu.MustDate(2023, time.December, 31), kehu.MustDate(2024, time.January, 1), 0},
	}
	for _, tc := range tests {
		t.Run(tc.born.String()+"/"+tc.on.String(), func(t *testing.T) {
			got, err := tc.born.AgeOn(tc.on)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	bad := []struct {
		name        string
		born, on    kehu.Date
		field, rule string
	}{
		{"before birth", may17, kehu.MustDate(1990, time.May, 16), "on", "range"},
		{"no birth date", kehu.Date{}, may17, "date", "required"},
		{"no on date", may17, kehu.Date{}, "on", "required"},
		{"invalid birth date", kehu.Date{Year: 2023, Month: time.February, Day: 29}, may17, "date", "range"},
		{"invalid on date", may17, kehu.Date{Year: 2023, Month: 13, Day: 1}, "on", "range"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.born.AgeOn(tc.on)
			mdProblem(t, err, tc.field, tc.rule)
		})
	}
}

type datePerson struct {
	Name  string    `json:"name"`
	Birth kehu.Date `json:"birth"`
	Wed   kehu.Date `json:"wed,omitzero"`
}

func TestDateJSON(t *testing.T) {
	in := datePerson{Name: "Li", Birth: kehu.MustDate(2000, time.February, 29)}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"Li","birth":"2000-02-29"}`, string(b))
	var out datePerson
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, in, out)

	b, err = json.Marshal(datePerson{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"","birth":null}`, string(b))

	for _, zero := range []string{`{"birth":null}`, `{"birth":""}`, `{}`} {
		out := datePerson{Birth: kehu.MustDate(2020, 1, 1)}
		if zero == `{}` {
			out = datePerson{}
		}
		require.NoError(t, json.Unmarshal([]byte(zero), &out), zero)
		assert.True(t, out.Birth.IsZero(), zero)
	}

	bad := []struct {
		in, rule string
	}{
		{`{"birth":"2023-02-29"}`, "range"},
		{`{"birth":"2023-2-3"}`, "format"},
		{`{"birth":20230203}`, "format"},
		{`{"birth":true}`, "format"},
		{`{"birth":{"year":2023}}`, "format"},
	}
	for _, tc := range bad {
		t.Run(tc.in, func(t *testing.T) {
			var p datePerson
			mdProblem(t, json.Unmarshal([]byte(tc.in), &p), "date", tc.rule)
		})
	}

	_, err = json.Marshal(kehu.Date{Year: 2023, Month: time.February, Day: 30})
	mdProblem(t, err, "date", "range")
}

func TestDateText(t *testing.T) {
	d := kehu.MustDate(2024, time.February, 29)
	b, err := d.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "2024-02-29", string(b))
	var back kehu.Date
	require.NoError(t, back.UnmarshalText(b))
	assert.Equal(t, d, back)

	b, err = kehu.Date{}.MarshalText()
	require.NoError(t, err)
	assert.Empty(t, b)
	require.NoError(t, back.UnmarshalText(nil))
	assert.True(t, back.IsZero())

	_, err = kehu.Date{Year: 2023, Month: 2, Day: 29}.MarshalText()
	mdProblem(t, err, "date", "range")
	mdProblem(t, back.UnmarshalText([]byte("yesterday")), "date", "format")

	assert.Equal(t, "", kehu.Date{}.String())
	assert.Equal(t, "0987-06-05", kehu.Date{Year: 987, Month: 6, Day: 5}.String())
}

func TestDateSQL(t *testing.T) {
	t.Run("value", func(t *testing.T) {
		v, err := kehu.MustDate(2024, time.February, 29).Value()
		require.NoError(t, err)
		assert.Equal(t, "2024-02-29", v)
		v, err = kehu.Date{}.Value()
		require.NoError(t, err)
		assert.Nil(t, v)
		_, err = kehu.Date{Year: 2023, Month: 2, Day: 29}.Value()
		mdProblem(t, err, "date", "range")
	})
	t.Run("scan", func(t *testing.T) {
		ny := mdLoadZone(t, "America/New_York")
		tests := []struct {
			name string
			src  any
			want kehu.Date
		}{
			{"string", "2024-02-29", kehu.MustDate(2024, time.February, 29)},
			{"bytes", []byte("2024-02-29"), kehu.MustDate(2024, time.February, 29)},
			{"nil", nil, kehu.Date{}},
			{"empty", "", kehu.Date{}},
			{"time at utc midnight", time.Date(2024, time.February, 29, 0, 0, 0, 0, time.UTC), kehu.MustDate(2024, time.February, 29)},
			// 23:30 in New York is already the next day in UTC: the date is taken as stored.
			{"time in its own zone", time.Date(2024, time.February, 29, 23, 30, 0, 0, ny), kehu.MustDate(2024, time.February, 29)},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				d := kehu.MustDate(1999, time.January, 1)
				require.NoError(t, d.Scan(tc.src))
				assert.Equal(t, tc.want, d)
			})
		}
	})
	t.Run("scan invalid", func(t *testing.T) {
		tests := []struct {
			name string
			src  any
			rule string
		}{
			{"int", 20240229, "type"},
			{"format", "2024-02-29 00:00:00", "format"},
			{"range", []byte("2023-02-29"), "range"},
			{"year zero", time.Time{}.AddDate(-1, 0, 0), "range"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				d := kehu.MustDate(1999, time.January, 1)
				mdProblem(t, d.Scan(tc.src), "date", tc.rule)
				assert.Equal(t, kehu.MustDate(1999, time.January, 1), d)
			})
		}
	})
	t.Run("round trip", func(t *testing.T) {
		for _, in := range []kehu.Date{kehu.MustDate(2024, time.February, 29), kehu.MustDate(1, 1, 1), {}} {
			v, err := in.Value()
			require.NoError(t, err)
			var out kehu.Date
			require.NoError(t, out.Scan(v))
			assert.Equal(t, in, out)
		}
	})
}

// TestDateStringMatchesFmt checks the formatting of String, written by hand for speed,
// against fmt's zero-padded form, across the years where padding and widths change.
func TestDateStringMatchesFmt(t *testing.T) {
	for _, y := range []int{1, 9, 10, 99, 100, 999, 1000, 2026, 9999, 10000, 12345, -1} {
		for m := time.January; m <= time.December; m++ {
			for day := 1; day <= 31; day++ {
				d := kehu.Date{Year: y, Month: m, Day: day}
				require.Equal(t, fmt.Sprintf("%04d-%02d-%02d", y, int(m), day), d.String())
			}
		}
	}
}

func TestDateAddMonths(t *testing.T) {
	for _, tt := range []struct {
		d    kehu.Date
		n    int
		want kehu.Date
	}{
		{kehu.MustDate(2024, 1, 31), 1, kehu.MustDate(2024, 2, 29)},
		{kehu.MustDate(2023, 1, 31), 1, kehu.MustDate(2023, 2, 28)},
		{kehu.MustDate(2024, 3, 31), -1, kehu.MustDate(2024, 2, 29)},
		{kehu.MustDate(2024, 11, 15), 3, kehu.MustDate(2025, 2, 15)},
		{kehu.MustDate(2024, 2, 29), 12, kehu.MustDate(2025, 2, 28)},
		{kehu.MustDate(2024, 5, 31), 6, kehu.MustDate(2024, 11, 30)},
		{kehu.MustDate(2025, 1, 10), -13, kehu.MustDate(2023, 12, 10)},
		{kehu.MustDate(2025, 8, 31), 0, kehu.MustDate(2025, 8, 31)},
		{kehu.Date{}, 5, kehu.Date{}},
	} {
		assert.Equal(t, tt.want, tt.d.AddMonths(tt.n), "%s %+d", tt.d, tt.n)
	}
}
