package complaint

import (
	"math"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/civil"
)

// The engine works on instants as microseconds since 1970-01-01 UTC (kehu.Precision), on
// civil dates as day numbers since the same date, and on working hours as minutes after
// midnight. Each day's intervals are turned into instants with kehu.Date.At in the
// calendar's zone, so the zone decides what a wall-clock time means on that date.

const (
	micro = int64(time.Microsecond)
	// maxMicros is MaxDuration in microseconds.
	maxMicros = int64(MaxDuration / time.Microsecond)
)

var (
	minInstant = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	maxInstant = time.Date(9999, time.December, 31, 23, 59, 59, 999_999_000, time.UTC).UnixMicro()
	minTime    = time.UnixMicro(minInstant)
	maxTime    = time.UnixMicro(maxInstant)
)

// interval is a working interval as instants, [from, to) in microseconds.
type interval struct{ from, to int64 }

// instant reads t as microseconds (kehu.Truncate's instant), clamped to the years 1 to
// 9999.
func instant(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return minInstant
	case t.After(maxTime):
		return maxInstant
	}
	return t.UnixMicro()
}

func toTime(us int64) time.Time { return time.UnixMicro(us).UTC() }

// durMicros reads d as whole microseconds, capped at MaxDuration.
func durMicros(d time.Duration) int64 {
	if d >= MaxDuration {
		return maxMicros
	}
	return int64(d.Truncate(time.Microsecond)) / micro
}

// dayOf returns the day number of the civil date of us in the calendar's zone.
func (c *Calendar) dayOf(us int64) int64 {
	y, m, d := time.UnixMicro(us).In(c.zone()).Date()
	return civil.Days(int64(y), int64(m), int64(d))
}

// midnight returns the instant day z begins in the calendar's zone.
func (c *Calendar) midnight(z int64) int64 { return c.wallInstant(z, 0) }

// wallInstant returns the first instant, in Unix microseconds, at which the wall clock in
// the calendar's zone reads the time micros into day z (kehu.Date.At): where the clocks
// skip that time, the instant they jump; where they pass it twice, the first. micros is
// at most a whole day, which is the next day's midnight.
func (c *Calendar) wallInstant(z, micros int64) int64 {
	return c.wallInstantOn(civilDate(z), micros)
}

// wallInstantOn is wallInstant on the date of day z.
func (c *Calendar) wallInstantOn(d kehu.Date, micros int64) int64 {
	if micros >= 86_400_000_000 {
		d, micros = d.AddDays(1), micros-86_400_000_000
	}
	sec := micros / 1_000_000
	return d.At(int(sec/3600), int(sec/60%60), int(sec%60), int(micros%1_000_000)*1000, c.zone()).UnixMicro()
}

// civilDate is the date of day number z.
func civilDate(z int64) kehu.Date {
	y, m, d := civil.Date(z)
	return kehu.Date{Year: int(y), Month: time.Month(m), Day: int(d)}
}

// hours returns the working hours of day z.
func (c *Calendar) hours(z int64) []span {
	if c.special != nil {
		if h, ok := c.special[z]; ok {
			return h
		}
	}
	w := (z + 4) % 7 // 1970-01-01, day 0, was a Thursday
	if w < 0 {
		w += 7
	}
	return c.week[w]
}

// zoneSpan is a stretch of time over which the calendar's zone keeps one UTC offset:
// [lo, hi) in Unix seconds, at off seconds east of UTC. A walk keeps the one it last met,
// so that on most days a wall-clock time becomes an instant by arithmetic alone.
type zoneSpan struct{ lo, hi, off int64 }

// find sets s to the stretch around the instant us.
func (s *zoneSpan) find(c *Calendar, us int64) {
	t := time.UnixMicro(us).In(c.zone())
	_, off := t.Zone()
	lo, hi := t.ZoneBounds()
	s.off = int64(off)
	s.lo, s.hi = math.MinInt64, math.MaxInt64
	if !lo.IsZero() {
		s.lo = lo.Unix()
	}
	if !hi.IsZero() {
		s.hi = hi.Unix()
	}
}

// day returns the working intervals of day z as instants, sorted and disjoint, in buf.
// Where the zone makes two wall-clock intervals overlap or turn around (ends in a skipped
// hour), they are merged or dropped, so that no instant is counted twice.
//
// A wall-clock time is turned into an instant by wallInstant. When the day and a day
// either side of it lie inside the stretch zs, no wall-clock time of the day exists twice
// or not at all, and that is midnight plus the minutes at zs's offset, computed directly.
// Otherwise wallInstant is asked, and zs moves to the stretch of the day.
func (c *Calendar) day(z int64, buf *[MaxShiftsPerDay]interval, zs *zoneSpan) []interval {
	h := c.hours(z)
	if len(h) == 0 {
		return nil
	}
	out := buf[:0]
	if mid := z*86400 - zs.off; mid-86400 >= zs.lo && mid+2*86400 < zs.hi {
		for _, s := range h {
			out = append(out, interval{(mid + int64(s.from)*60) * 1_000_000, (mid + int64(s.to)*60) * 1_000_000})
		}
		return out
	}
	sorted := true
	date := civilDate(z)
	for _, s := range h {
		f, t := c.wallInstantOn(date, int64(s.from)*60_000_000), c.wallInstantOn(date, int64(s.to)*60_000_000)
		if t <= f {
			continue
		}
		if n := len(out); n > 0 && f < out[n-1].to {
			sorted = false
		}
		out = append(out, interval{f, t})
	}
	if len(out) > 0 {
		zs.find(c, out[0].from)
	} else {
		zs.find(c, c.wallInstantOn(date, 12*3_600_000_000))
	}
	if sorted {
		return out
	}
	// Insertion sort by start, then merge overlaps: a handful of intervals at most.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].from < out[j-1].from; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	if len(out) == 0 {
		return out
	}
	merged := out[:1]
	for _, v := range out[1:] {
		if last := &merged[len(merged)-1]; v.from <= last.to {
			last.to = max(last.to, v.to)
			continue
		}
		merged = append(merged, v)
	}
	return merged
}

// forward walks the working time at or after from, at most MaxSpanDays days, and returns
// the instant where rem microseconds of it are used up, or the end of the span.
func (c *Calendar) forward(from, rem int64) int64 {
	w := walker{c: c}
	return w.forward(from, rem)
}

// walker runs a sequence of operations on one calendar, carrying the zone's stretch
// (zoneSpan) from one to the next: operations on nearby instants, such as the steps of a
// case, then turn wall-clock times into instants by arithmetic alone. Its results are
// those of the calendar's own operations, which use a fresh walker each.
type walker struct {
	c   *Calendar
	zs  zoneSpan
	buf [MaxShiftsPerDay]interval
}

// dayOf is Calendar.dayOf, by arithmetic when us lies in the walker's stretch.
func (w *walker) dayOf(us int64) int64 {
	if s := civil.FloorDiv(us, 1_000_000); s >= w.zs.lo && s < w.zs.hi {
		return civil.FloorDiv(s+w.zs.off, 86400)
	}
	return w.c.dayOf(us)
}

// add is Calendar.Add for d ≥ 0.
func (w *walker) add(start time.Time, d time.Duration) time.Time {
	s, rem := instant(start), durMicros(d)
	if w.c.always {
		return toTime(s + rem)
	}
	return toTime(w.forward(s, rem))
}

func (w *walker) forward(from, rem int64) int64 {
	c := w.c
	z0 := w.dayOf(from)
	cur := from
	for z := z0; z <= z0+MaxSpanDays; z++ {
		for _, v := range c.day(z, &w.buf, &w.zs) {
			if v.to <= cur {
				continue
			}
			f := max(v.from, cur)
			if rem <= v.to-f {
				return f + rem
			}
			rem -= v.to - f
			cur = v.to
		}
	}
	return max(cur, c.midnight(z0+MaxSpanDays+1))
}

// backward walks the working time before to, at most MaxSpanDays days back, and returns
// the instant rem microseconds of it before to, or the start of the span.
func (c *Calendar) backward(to, rem int64) int64 {
	var buf [MaxShiftsPerDay]interval
	var zs zoneSpan
	z0 := c.dayOf(to)
	cur := to
	for z := z0; z >= z0-MaxSpanDays; z-- {
		ivs := c.day(z, &buf, &zs)
		for i := len(ivs) - 1; i >= 0; i-- {
			v := ivs[i]
			if v.from >= cur {
				continue
			}
			t := min(v.to, cur)
			if rem <= t-v.from {
				return t - rem
			}
			rem -= t - v.from
			cur = v.from
		}
	}
	return min(cur, c.midnight(z0-MaxSpanDays))
}

// Add returns when d of business time after start is used up: the due time of a target
// d on a case received at start. The clock starts at the first business moment at or
// after start; a target used up exactly at the end of a working interval is due at that
// end. Add(start, 0) is NextOpening(start); a negative d is Sub(start, -d).
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if d < 0 {
		return c.Sub(start, negate(d))
	}
	s, rem := instant(start), durMicros(d)
	if c.always {
		return toTime(s + rem)
	}
	return toTime(c.forward(s, rem))
}

// Sub returns the instant d of business time before due: when to warn that a target
// due at due is d from breaking. The walk back stops at the start of a working interval
// when d is used up exactly there (Sub of Tuesday 09:00 by one hour, on a calendar that
// opens at 08:00, is Tuesday 08:00, not Monday's closing time). Sub(due, 0) is the last
// business moment at or before due: due itself if the desk is open at due or closed
// exactly at due, else the end of the working interval before it. A negative d is
// Add(due, -d).
func (c *Calendar) Sub(due time.Time, d time.Duration) time.Time {
	if d < 0 {
		return c.Add(due, negate(d))
	}
	t, rem := instant(due), durMicros(d)
	if c.always {
		return toTime(max(t-rem, minInstant-maxMicros))
	}
	return toTime(c.backward(t, rem))
}

func negate(d time.Duration) time.Duration {
	if d == time.Duration(-1<<63) {
		return MaxDuration
	}
	return -d
}

// Between returns the business time from a to b: the real time between them during
// which the desk is open. It is negative when b is before a (-Between(b, a)). It counts
// at most MaxSpanDays calendar days after the earlier instant, and at most MaxDuration.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	x, y := instant(a), instant(b)
	if y < x {
		return -c.between(y, x)
	}
	return c.between(x, y)
}

func (c *Calendar) between(a, b int64) time.Duration {
	w := walker{c: c}
	return w.between(a, b)
}

// betweenTimes is Calendar.Between for a ≤ b.
func (w *walker) betweenTimes(a, b time.Time) time.Duration {
	return w.between(instant(a), instant(b))
}

func (w *walker) between(a, b int64) time.Duration {
	c := w.c
	if c.always {
		return time.Duration(min(b-a, maxMicros) * micro)
	}
	z0, zb := w.dayOf(a), w.dayOf(b)
	last := min(zb+1, z0+MaxSpanDays)
	var sum int64
	cur := a
	for z := z0; z <= last; z++ {
		for _, v := range c.day(z, &w.buf, &w.zs) {
			if v.to <= cur {
				continue
			}
			f := max(v.from, cur)
			if f >= b {
				return time.Duration(min(sum, maxMicros) * micro)
			}
			t := min(v.to, b)
			sum += t - f
			cur = t
		}
		if sum >= maxMicros {
			break
		}
	}
	return time.Duration(min(sum, maxMicros) * micro)
}

// Open reports whether the desk is open at t. Working intervals are half-open: at the
// opening time it is open, at the closing time closed.
func (c *Calendar) Open(t time.Time) bool {
	if c.always {
		return true
	}
	s := instant(t)
	return c.forward(s, 0) == s
}

// NextOpening returns the first business moment at or after t: t itself when the desk
// is open at t.
func (c *Calendar) NextOpening(t time.Time) time.Time {
	s := instant(t)
	if c.always {
		return toTime(s)
	}
	return toTime(c.forward(s, 0))
}

// AddDays returns when n business days after start end: at the same wall-clock time, in
// the calendar's zone, of the nth working day after the day the clock starts (a working
// day is a date with working hours). The clock starts at NextOpening(start), so Monday
// 10:00 plus one business day is Tuesday 10:00, Friday 19:00 plus one is Tuesday at
// opening time, and a Saturday is skipped unless it is an extra day. When that time is
// not open on that day (the day closes earlier, or it falls in a lunch break) the result
// is the next opening after it. On a 24×7 calendar every date is a working day. n below
// zero counts as zero: AddDays(start, 0) is NextOpening(start). The walk stops after
// MaxSpanDays days.
func (c *Calendar) AddDays(start time.Time, n int) time.Time {
	w := walker{c: c}
	return w.addDays(start, n)
}

func (w *walker) addDays(start time.Time, n int) time.Time {
	c := w.c
	s0 := instant(start)
	if !c.always {
		s0 = w.forward(s0, 0)
	}
	if n <= 0 {
		return toTime(s0)
	}
	n = min(n, MaxSpanDays)
	z, sec := w.wall(s0)
	end := z + MaxSpanDays
	for z < end && n > 0 {
		z++
		if c.always || len(c.hours(z)) > 0 {
			n--
		}
	}
	p := w.instantOf(z, sec)
	if c.always {
		return toTime(p)
	}
	return toTime(w.forward(p, 0))
}

// wall returns the civil day of us in the calendar's zone and the microseconds of its
// wall-clock time into that day.
func (w *walker) wall(us int64) (day, micros int64) {
	if s := civil.FloorDiv(us, 1_000_000); s >= w.zs.lo && s < w.zs.hi {
		local := us + w.zs.off*1_000_000
		day = civil.FloorDiv(local, 86_400_000_000)
		return day, local - day*86_400_000_000
	}
	local := time.UnixMicro(us).In(w.c.zone())
	y, m, d := local.Date()
	hh, mm, ss := local.Clock()
	return civil.Days(int64(y), int64(m), int64(d)), (int64(hh)*3600+int64(mm)*60+int64(ss))*1_000_000 + int64(local.Nanosecond()/1000)
}

// instantOf returns the instant of a wall-clock time on a civil day in the calendar's
// zone (wallInstant).
func (w *walker) instantOf(day, micros int64) int64 {
	if mid := day*86400 - w.zs.off; mid-86400 >= w.zs.lo && mid+2*86400 < w.zs.hi {
		return mid*1_000_000 + micros
	}
	return w.c.wallInstant(day, micros)
}
