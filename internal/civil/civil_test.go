package civil_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/internal/civil"
)

// oracleDays is the day number of y-m-d by Go's time package, an independent computation
// on the same proleptic Gregorian calendar (year 0 is 1 BC).
func oracleDays(y, m, d int64) int64 {
	return civil.FloorDiv(time.Date(int(y), time.Month(m), int(d), 0, 0, 0, 0, time.UTC).Unix(), 86400)
}

// oracleDate is the date of day number z by Go's time package.
func oracleDate(z int64) (y, m, d int64) {
	t := time.Unix(z*86400, 0).UTC()
	return int64(t.Year()), int64(t.Month()), int64(t.Day())
}

func TestEveryDay1600To2400(t *testing.T) {
	start, end := oracleDays(1600, 1, 1), oracleDays(2401, 1, 1)
	day := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)
	for z := start; z < end; z++ {
		y, m, d := int64(day.Year()), int64(day.Month()), int64(day.Day())
		if got := civil.Days(y, m, d); got != z {
			t.Fatalf("Days(%d, %d, %d) = %d, time says %d", y, m, d, got, z)
		}
		if gy, gm, gd := civil.Date(z); gy != y || gm != m || gd != d {
			t.Fatalf("Date(%d) = %d-%d-%d, time says %d-%d-%d", z, gy, gm, gd, y, m, d)
		}
		day = day.AddDate(0, 0, 1)
	}
}

func TestAgainstTimeWideRange(t *testing.T) {
	// Every day from about 3500 BC to AD 7400, then random days over ± 2·10^12 days
	// (about ± 5.5 billion years), within time's range.
	for z := int64(-2_000_000); z <= 2_000_000; z++ {
		y, m, d := oracleDate(z)
		gy, gm, gd := civil.Date(z)
		if gy != y || gm != m || gd != d {
			t.Fatalf("Date(%d) = %d-%d-%d, time says %d-%d-%d", z, gy, gm, gd, y, m, d)
		}
		if got := civil.Days(y, m, d); got != z {
			t.Fatalf("Days(%d, %d, %d) = %d, want %d", y, m, d, got, z)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		z := r.Int64N(4e12) - 2e12
		y, m, d := oracleDate(z)
		gy, gm, gd := civil.Date(z)
		require.Equal(t, [3]int64{y, m, d}, [3]int64{gy, gm, gd}, "Date(%d)", z)
		require.Equal(t, z, civil.Days(y, m, d), "Days(%d, %d, %d)", y, m, d)
	}
}

func TestNegativeYears(t *testing.T) {
	tests := []struct{ y, m, d int64 }{
		{0, 1, 1}, {0, 2, 29}, {0, 3, 1}, {-1, 12, 31}, {-1, 2, 28}, {-4, 2, 29},
		{-100, 3, 1}, {-400, 2, 29}, {-401, 12, 31}, {-4713, 11, 24},
	}
	for _, tt := range tests {
		z := oracleDays(tt.y, tt.m, tt.d)
		assert.Equal(t, z, civil.Days(tt.y, tt.m, tt.d), "%d-%d-%d", tt.y, tt.m, tt.d)
		y, m, d := civil.Date(z)
		assert.Equal(t, [3]int64{tt.y, tt.m, tt.d}, [3]int64{y, m, d})
	}
}

func TestKnownDays(t *testing.T) {
	tests := []struct {
		y, m, d int64
		days    int64
	}{
		{1970, 1, 1, 0},
		{1969, 12, 31, -1},
		{2000, 3, 1, 11017},
		{1, 1, 1, -719162},      // time.Time's zero date
		{2024, 2, 29, 19782},    // a leap day
		{2023, 2, 29, 19417},    // counts on: 2023-03-01
		{9999, 12, 31, 2932896}, // the last date kehu.Date accepts
	}
	for _, tt := range tests {
		assert.Equal(t, tt.days, civil.Days(tt.y, tt.m, tt.d), "%d-%02d-%02d", tt.y, tt.m, tt.d)
	}
}

func TestExtremes(t *testing.T) {
	// Far beyond time's range: the round trip still holds.
	for _, z := range []int64{1 << 61, -(1 << 61), 1<<61 + 12345, -(1 << 61) - 98765} {
		y, m, d := civil.Date(z)
		assert.Equal(t, z, civil.Days(y, m, d), "day %d", z)
	}
	for _, y := range []int64{1 << 50, -(1 << 50)} {
		z := civil.Days(y, 2, 28)
		gy, gm, gd := civil.Date(z)
		assert.Equal(t, [3]int64{y, 2, 28}, [3]int64{gy, gm, gd})
	}
}

func TestIsLeapAndDaysIn(t *testing.T) {
	leap := map[int64]bool{
		1600: true, 1700: false, 1800: false, 1900: false, 2000: true, 2100: false, 2400: true,
		2023: false, 2024: true, 0: true, -1: false, -4: true, -100: false, -400: true, 1: false,
	}
	for y, want := range leap {
		assert.Equal(t, want, civil.IsLeap(y), "IsLeap(%d)", y)
	}
	for y := int64(-800); y <= 2800; y++ {
		for m := 1; m <= 12; m++ {
			// time.Date normalizes day 0 of the next month to the last day of this one.
			want := time.Date(int(y), time.Month(m+1), 0, 0, 0, 0, 0, time.UTC).Day()
			if got := civil.DaysIn(y, m); got != want {
				t.Fatalf("DaysIn(%d, %d) = %d, want %d", y, m, got, want)
			}
		}
	}
	assert.Equal(t, 0, civil.DaysIn(2024, 0))
	assert.Equal(t, 0, civil.DaysIn(2024, 13))
}

func TestFloorDiv(t *testing.T) {
	tests := []struct{ a, b, want int64 }{
		{7, 2, 3}, {-7, 2, -4}, {7, -2, -4}, {-7, -2, 3}, {6, 3, 2}, {-6, 3, -2}, {0, 5, 0},
		{-1, 86400, -1}, {-86400, 86400, -1}, {-86401, 86400, -2},
		{math.MaxInt64, 1, math.MaxInt64}, {math.MinInt64, 1, math.MinInt64},
		{math.MinInt64, 2, math.MinInt64 / 2}, {math.MinInt64 + 1, 2, math.MinInt64 / 2},
		{math.MaxInt64, -1, -math.MaxInt64},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, civil.FloorDiv(tt.a, tt.b), "FloorDiv(%d, %d)", tt.a, tt.b)
	}
	// Against float floor where it is exact.
	for a := int64(-1000); a <= 1000; a++ {
		for _, b := range []int64{-7, -3, -1, 1, 2, 7, 400} {
			if got, want := civil.FloorDiv(a, b), int64(math.Floor(float64(a)/float64(b))); got != want {
				t.Fatalf("FloorDiv(%d, %d) = %d, want %d", a, b, got, want)
			}
		}
	}
}
