package complaint

import (
	"slices"
	"testing"

	"github.com/kehu-crm/kehu"
)

// TestDayArithmetic checks the arithmetic path of day against time.Date, day by day over
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
			var fresh zoneSpan // the zero stretch always takes the time.Date path
			got, want := c.day(z, &b1, &walk), c.day(z, &b2, &fresh)
			if !slices.Equal(got, want) {
				t.Fatalf("%s day %d: %v, want %v", zone, z, got, want)
			}
		}
	}
}
