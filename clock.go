package kehu

import (
	"sync"
	"time"
)

// Clock is a fixed, steppable clock for test harnesses and simulations. Now returns the
// same instant until the clock is moved with Advance, AddDate or Set, so a harness can
// replay months of activity in milliseconds and get the same result on every run. It keeps
// whole microseconds (Precision), like every instant kehu records, in the location it was
// started in, so that AddDate counts calendar days there (a service reading it records
// the instant in UTC; see Truncate). It imports nothing but
// the standard library, so a program may use it outside tests. It is safe for concurrent
// use; the zero value reads as the zero time, but use NewClock.
//
// Its method value plugs into Options:
//
//	clock := kehu.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
//	opts := &kehu.Options{Now: clock.Now}
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads start, truncated to Precision, until it is moved.
// Any monotonic clock reading in start is dropped, so times from the clock compare equal with == and
// reflect.DeepEqual when their instants and locations are equal.
func NewClock(start time.Time) *Clock {
	return &Clock{now: keepZone(start)}
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (backward if d is negative) and returns the new
// time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = keepZone(c.now.Add(d))
	return c.now
}

// AddDate moves the clock by the given number of years, months and days, with
// time.Time.AddDate's calendar arithmetic in the clock's location (so a day is a calendar
// day, not 24 hours, across a daylight-saving change), and returns the new time.
func (c *Clock) AddDate(years, months, days int) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.AddDate(years, months, days)
	return c.now
}

// Set moves the clock to t, truncated to Precision, forward or backward. Any monotonic
// clock reading in t is dropped.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = keepZone(t)
}

// keepZone is Truncate without the move to UTC: the clock keeps its location.
func keepZone(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Round(0).Truncate(Precision)
}
