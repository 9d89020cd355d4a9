package complaint

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/civil"
)

// TestDayArithmetic checks the arithmetic path of day against wallInstant, day by day over
// 2005–2030 in zones with unusual clock changes, with shifts all through the day.
func TestDayArithmetic(t *testing.T) {
	t.Parallel()
	var every []Shift
	for h := range 12 {
		every = append(every, Shift{From: clockString(int16(h*120 + 30)), To: clockString(int16(h*120 + 90))})
	}
	for _, zone := range []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Sao_Paulo", "America/Havana", "Pacific/Apia", "Asia/Tehran"} {
		c, err := CompileCalendar(CalendarSpec{TimeZone: zone, Week: Week{
			Monday: every, Tuesday: every, Wednesday: every, Thursday: every, Friday: every, Saturday: every,
			Sunday: []Shift{{From: "00:00", To: "24:00"}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		var walk zoneSpan
		var b1, b2 [MaxShiftsPerDay]interval
		z0 := dayNumber(kehu.MustDate(2005, 1, 1))
		for z := z0; z < z0+26*365; z++ {
			var fresh zoneSpan // the zero stretch always takes the wallInstant path
			got, want := c.day(z, &b1, &walk), c.day(z, &b2, &fresh)
			if !slices.Equal(got, want) {
				t.Fatalf("%s day %d: %v, want %v", zone, z, got, want)
			}
		}
	}
}

// TestWalkerMatchesFreshWalks: a walker reused along a sequence of operations on nearby
// and distant instants (carrying its zone stretch from one to the next, as the SLA replay
// does) gives what each operation gives on its own, with a fresh walker: the
// calendar's exported Between, Add, AddDays and a reference wall-clock conversion by
// kehu.Date.At.
func TestWalkerMatchesFreshWalks(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 11))
	zones := []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Havana", "Pacific/Apia", "Asia/Shanghai"}
	for _, zone := range zones {
		c, err := CompileCalendar(CalendarSpec{TimeZone: zone, Week: Week{
			Monday: []Shift{{"00:30", "03:30"}, {"08:00", "18:00"}}, Tuesday: []Shift{{"09:00", "12:00"}, {"13:30", "24:00"}},
			Wednesday: []Shift{{"01:00", "02:45"}}, Friday: []Shift{{"08:00", "17:00"}}, Sunday: []Shift{{"00:00", "24:00"}}},
			Holidays: []kehu.Date{kehu.MustDate(2024, 10, 1)}})
		require.NoError(t, err)
		w := walker{c: c}
		cur := time.Date(2011, 1, 1, 0, 0, 0, 0, time.UTC)
		for range 4000 {
			step := time.Duration(r.Int64N(int64(40 * time.Hour)))
			if r.IntN(50) == 0 {
				step = time.Duration(r.Int64N(int64(400 * 24 * time.Hour)))
			}
			next := kehu.Truncate(cur.Add(step))
			d := time.Duration(r.IntN(30*60)) * time.Minute
			require.Equal(t, c.Between(cur, next), w.betweenTimes(cur, next), "%s %s–%s", zone, cur, next)
			require.Equal(t, c.Add(cur, d), w.add(cur, d), "%s %s + %s", zone, cur, d)
			n := r.IntN(6)
			require.Equal(t, c.AddDays(cur, n), w.addDays(cur, n), "%s %s + %d days", zone, cur, n)
			day, micros := w.wall(instant(next))
			local := next.In(c.loc)
			y, m, dd := local.Date()
			require.Equal(t, civil.Days(int64(y), int64(m), int64(dd)), day, "%s %s", zone, next)
			want := kehu.Date{Year: y, Month: m, Day: dd}.At(local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), c.loc)
			require.Equal(t, want.UnixMicro(), w.instantOf(day, micros), "%s %s", zone, next)
			cur = next
		}
	}
}
