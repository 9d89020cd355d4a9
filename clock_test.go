package kehu_test

import (
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York for the daylight-saving test

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

var start = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func TestClockIsFixed(t *testing.T) {
	c := kehu.NewClock(start)
	assert.Equal(t, start, c.Now(), "a new clock reads its start")
	time.Sleep(time.Millisecond)
	assert.Equal(t, start, c.Now(), "the clock does not move by itself")
}

func TestClockAdvance(t *testing.T) {
	c := kehu.NewClock(start)
	got := c.Advance(90 * time.Minute)
	want := start.Add(90 * time.Minute)
	assert.Equal(t, want, got, "Advance returns the new time")
	assert.Equal(t, want, c.Now(), "Now reads the advanced time")
	assert.Equal(t, start, c.Advance(-90*time.Minute), "a negative Advance moves the clock back")
}

func TestClockAddDate(t *testing.T) {
	tests := []struct {
		name             string
		from             time.Time
		years, months, d int
		want             time.Time
	}{
		{"one day", start, 0, 0, 1, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)},
		{"one year", start, 1, 0, 0, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)},
		{"back a month", start, 0, -1, 0, time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)},
		// time.Time.AddDate normalises: 31 January + 1 month is 3 March in 2026.
		{"month overflow normalises", time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), 0, 1, 0, time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := kehu.NewClock(tc.from)
			assert.Equal(t, tc.want, c.AddDate(tc.years, tc.months, tc.d), "AddDate returns the new time")
			assert.Equal(t, tc.want, c.Now(), "Now reads the new time")
		})
	}
}

func TestClockAddDateIsCalendarDay(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	// Daylight saving time starts in New York on 8 March 2026: that day has 23 hours.
	c := kehu.NewClock(time.Date(2026, 3, 7, 12, 0, 0, 0, ny))
	next := c.AddDate(0, 0, 1)
	assert.Equal(t, 12, next.Hour(), "AddDate keeps the wall-clock time in the clock's location")
	assert.Equal(t, 23*time.Hour, next.Sub(time.Date(2026, 3, 7, 12, 0, 0, 0, ny)), "the calendar day across the change is 23 hours")
}

func TestClockSet(t *testing.T) {
	c := kehu.NewClock(start)
	c.Advance(time.Hour)
	earlier := start.Add(-24 * time.Hour)
	c.Set(earlier)
	assert.Equal(t, earlier, c.Now(), "Set moves the clock, also backwards")
}

func TestClockDropsMonotonicReading(t *testing.T) {
	now := time.Now()
	require.Contains(t, now.String(), "m=", "time.Now carries a monotonic reading on this platform")
	c := kehu.NewClock(now)
	assert.NotContains(t, c.Now().String(), "m=", "NewClock drops the monotonic reading")
	assert.True(t, c.Now() == now.Round(0).Truncate(time.Microsecond), "times from the clock compare with ==")
	c.Set(time.Now())
	assert.False(t, strings.Contains(c.Now().String(), "m="), "Set drops the monotonic reading")
}

func TestClockConcurrent(t *testing.T) {
	c := kehu.NewClock(start)
	const goroutines, steps = 16, 100
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range steps {
				c.Advance(time.Second)
			}
		}()
		go func() {
			defer wg.Done()
			prev := c.Now()
			for range steps {
				now := c.Now()
				assert.False(t, now.Before(prev), "a clock only advanced never reads earlier")
				prev = now
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, start.Add(goroutines*steps*time.Second), c.Now(), "no Advance is lost")
}

func TestClockZeroValue(t *testing.T) {
	var c kehu.Clock
	assert.True(t, c.Now().IsZero(), "the zero Clock reads the zero time")
	assert.Equal(t, time.Time{}.Add(time.Hour), c.Advance(time.Hour))
}

func TestClockPlugsIntoOptions(t *testing.T) {
	c := kehu.NewClock(start)
	opts := (&kehu.Options{Now: c.Now}).Resolved()
	assert.Equal(t, start, opts.Now())
	c.Advance(time.Minute)
	assert.Equal(t, start.Add(time.Minute), opts.Now(), "the method value follows the clock")
}

func TestOptions(t *testing.T) {
	opts, clock, ids := kehu.Deterministic(start)
	require.NotNil(t, opts)
	assert.Nil(t, opts.Events, "Options leaves Events unset")
	assert.Equal(t, start, opts.Now())
	clock.Advance(time.Hour)
	assert.Equal(t, start.Add(time.Hour), opts.Now(), "opts.Now reads the returned clock")
	assert.Equal(t, "00000000-0000-7000-8000-000000000001", opts.NewID().String(), "opts.NewID draws from the returned source")
	assert.EqualValues(t, 1, ids.Count())
	assert.Equal(t, "00000000-0000-7000-8000-000000000002", ids.NewID().String())
}

func TestClockKeepsWholeMicroseconds(t *testing.T) {
	c := kehu.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 1_999, time.UTC))
	assert.Equal(t, time.Date(2026, 3, 1, 9, 0, 0, 1_000, time.UTC), c.Now(), "NewClock truncates")
	assert.Equal(t, time.Date(2026, 3, 1, 9, 0, 0, 1_000, time.UTC), c.Advance(999), "Advance truncates")
	c.Set(time.Date(2026, 3, 2, 0, 0, 0, 42, time.UTC))
	assert.Equal(t, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), c.Now(), "Set truncates")
}
