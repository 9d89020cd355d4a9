package complaint_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

// ev is one step of a test case's trail, at a wall-clock time in the calendar's zone.
type ev struct {
	at     string
	action complaint.Action
	to     complaint.Status // the status after the step; empty keeps it
	policy string
	prio   complaint.Priority
}

func reply(at string) ev { return ev{at: at, action: complaint.Replied} }
func wait(at string) ev  { return ev{at: at, action: complaint.Moved, to: complaint.WaitingOnCustomer} }
func resume(at string) ev {
	return ev{at: at, action: complaint.Moved, to: complaint.Investigating}
}
func wrote(at string) ev { return ev{at: at, action: complaint.CustomerWrote} }
func moved(at string, to complaint.Status) ev {
	return ev{at: at, action: complaint.Moved, to: to}
}

// trail builds a case opened at open, in status Investigating (so that every move in a
// test is one the clocks care about), under the policy and priority, with the steps.
func trail(t testing.TB, cal *complaint.Calendar, policy string, pr complaint.Priority, open string, evs ...ev) *complaint.Case {
	t.Helper()
	c := &complaint.Case{ID: complaint.CaseIDFrom(kehu.NewSeqIDs().NewID()), Policy: policy, Status: complaint.Investigating,
		Assessment: complaint.Assessment{Priority: pr}}
	opened := kehu.Truncate(at(t, cal, open))
	c.OpenedAt = opened
	c.Steps = []complaint.Step{{Action: complaint.Opened, At: opened, To: complaint.Investigating, Policy: policy, Priority: pr}}
	for _, e := range evs {
		st := complaint.Step{Action: e.action, At: kehu.Truncate(at(t, cal, e.at)), From: c.Status, To: c.Status, Policy: e.policy, Priority: e.prio}
		if e.to != "" {
			st.To = e.to
		}
		if e.action == complaint.CustomerWrote && c.Status == complaint.WaitingOnCustomer {
			st.To = complaint.Investigating
		}
		c.Status = st.To
		c.Steps = append(c.Steps, st)
	}
	return c
}

func policyOf(t testing.TB, id string, cal *complaint.Calendar, levels ...complaint.LevelSpec) *complaint.Policy {
	t.Helper()
	p, err := complaint.CompilePolicy(complaint.PolicySpec{ID: id, Levels: levels}, cal)
	require.NoError(t, err)
	return p
}

func policies(t testing.TB, ps ...*complaint.Policy) *complaint.Policies {
	t.Helper()
	set, err := complaint.NewPolicies(ps...)
	require.NoError(t, err)
	return set
}

func hours(n int) *complaint.TargetSpec { return &complaint.TargetSpec{Hours: n} }

func clockOf(t testing.TB, s complaint.SLA, k complaint.TargetKind) complaint.Clock {
	t.Helper()
	c, ok := s.Clock(k)
	require.True(t, ok, "no %s clock in %+v", k, s.Clocks)
	return c
}

// TestSLADueTimes runs the cases of the engines' examples and bug reports through a
// case's resolution clock: the due time, in the calendar's zone, at an instant before it.
func TestSLADueTimes(t *testing.T) {
	t.Parallel()
	lunchShifts := `[{"from": "09:00", "to": "12:00"}, {"from": "13:30", "to": "18:00"}]`
	paris := office("Europe/Paris", "")
	tests := []struct {
		name   string
		cal    *complaint.Calendar
		target *complaint.TargetSpec
		open   string
		evs    []ev
		due    string
	}{
		// GLPI #22678: Mon–Fri 08:00–18:00, 4 h, created Monday 17:00.
		{"created an hour before closing", paris, hours(4), "2024-06-03 17:00", nil, "2024-06-04 11:00"},
		// osTicket #4807: Friday 17:00 with 4 h.
		{"over the weekend", paris, hours(4), "2024-06-07 17:00", nil, "2024-06-10 11:00"},
		// osTicket #5509: its default hours, Mon–Fri 08:00–17:00.
		{"osTicket's default hours", weekdays("America/Chicago", `[{"from": "08:00", "to": "17:00"}]`, ""), hours(4),
			"2024-06-07 17:00", nil, "2024-06-10 12:00"},
		{"24×7 with a pause", alwaysOpen("Europe/Paris"), hours(2), "2024-06-03 08:00",
			[]ev{wait("2024-06-03 09:00"), resume("2024-06-03 10:05")}, "2024-06-03 11:05"},
		{"created on a Saturday", paris, hours(4), "2024-06-08 10:00", nil, "2024-06-10 12:00"},
		// Clocks go forward in Berlin on Sunday 2024-03-31 and in New York on 2024-03-10.
		{"across DST in Berlin", office("Europe/Berlin", ""), hours(4), "2024-03-29 16:00", nil, "2024-04-01 10:00"},
		{"across DST in New York", office("America/New_York", ""), hours(4), "2024-03-08 16:00", nil, "2024-03-11 10:00"},
		{"over a lunch break", weekdays("Asia/Shanghai", lunchShifts, ""), hours(2), "2024-06-03 11:00", nil, "2024-06-03 14:30"},
		{"created in the lunch break", weekdays("Asia/Shanghai", lunchShifts, ""), hours(2), "2024-06-03 12:20", nil, "2024-06-03 15:30"},
		// 2024 National Day: the make-up Sunday before it and the make-up Saturday after
		// (their hours, as declared, are 09:00–18:00).
		{"make-up Sunday", weekdays("Asia/Shanghai", lunchShifts, nationalDay2024), hours(4), "2024-09-27 17:00", nil, "2024-09-29 12:00"},
		{"after the holiday", weekdays("Asia/Shanghai", lunchShifts, nationalDay2024), hours(8), "2024-09-30 16:00", nil, "2024-10-08 16:30"},
		{"make-up Saturday", weekdays("Asia/Shanghai", lunchShifts, nationalDay2024), hours(4), "2024-10-11 17:00", nil, "2024-10-12 12:00"},
		// Easter 2024 in Berlin: Thursday 16:00, Good Friday and Easter Monday off, DST on the Sunday.
		{"Easter in Berlin", office("Europe/Berlin", easter2024), hours(6), "2024-03-28 16:00", nil, "2024-04-02 12:00"},
		// 2025 Spring Festival: Friday 16:00 with 12 h on 09:00–12:00 and 13:30–18:00:
		// 2 h on Friday, 9 h on the make-up Sunday (09:00–18:00 as declared), 1 h on Monday.
		{"Spring Festival", weekdays("Asia/Shanghai", lunchShifts, springFestival2025), hours(12), "2025-01-24 16:00", nil, "2025-01-27 10:00"},
		{"used up before lunch", weekdays("Asia/Shanghai", lunchShifts, ""), hours(7), "2024-06-03 14:00", nil, "2024-06-04 12:00"},
		{"runs out at closing time", paris, hours(4), "2024-06-03 14:00", nil, "2024-06-03 18:00"},
		{"one business day", paris, &complaint.TargetSpec{BusinessDays: 1}, "2024-06-03 10:00", nil, "2024-06-04 10:00"},
		{"a business day over a weekend", paris, &complaint.TargetSpec{BusinessDays: 2}, "2024-06-06 15:00", nil, "2024-06-10 15:00"},
		{"calendar time on a business calendar", paris, &complaint.TargetSpec{Hours: 20, CalendarTime: true}, "2024-06-07 17:00", nil, "2024-06-08 13:00"},
		// a 24×7 calendar across the spring-forward night in New York and the fall-back
		// night in Berlin: 4 hours of real time, 5 and 3 on the wall clock
		{"24×7 spring forward", alwaysOpen("America/New_York"), hours(4), "2024-03-09 23:00", nil, "2024-03-10 04:00"},
		{"24×7 fall back", alwaysOpen("Europe/Berlin"), hours(4), "2024-10-26 23:00", nil, "2024-10-27 02:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := policies(t, policyOf(t, "p", tt.cal, complaint.LevelSpec{Priority: complaint.P2, Resolution: tt.target}))
			c := trail(t, tt.cal, "p", complaint.P2, tt.open, tt.evs...)
			last := c.Steps[len(c.Steps)-1].At
			s, err := set.Status(c, last)
			require.NoError(t, err)
			clock := clockOf(t, s, complaint.Resolution)
			want := at(t, tt.cal, tt.due)
			assert.Equal(t, complaint.ClockRunning, clock.State)
			assert.True(t, want.Equal(clock.Due), "due %s, want %s", clock.Due.In(tt.cal.Location()), want)
			assert.Equal(t, time.UTC, clock.Due.Location())
			// at the due instant the target is used up, not yet broken; a moment later it is
			s, err = set.Status(c, want)
			require.NoError(t, err)
			clock = clockOf(t, s, complaint.Resolution)
			assert.Equal(t, clock.Target, clock.Elapsed, "all of the target is counted at the due time")
			assert.False(t, clock.Breached)
			s, err = set.Status(c, want.Add(time.Minute))
			require.NoError(t, err)
			if clock = clockOf(t, s, complaint.Resolution); tt.cal.Open(want) {
				assert.True(t, clock.Breached, "a minute after the due time")
			}
		})
	}
}

// TestSLAWarning: GLPI #22678's warning an hour before the due time, in business time,
// and a percentage warning that never fires at night.
func TestSLAWarning(t *testing.T) {
	t.Parallel()
	paris := office("Europe/Paris", "")
	set := policies(t, policyOf(t, "p", paris,
		complaint.LevelSpec{Priority: complaint.P2, Resolution: &complaint.TargetSpec{Hours: 4, WarnBeforeMinutes: 60}},
		complaint.LevelSpec{Priority: complaint.P3, Resolution: &complaint.TargetSpec{Hours: 4, WarnPercent: 25}}))
	c := trail(t, paris, "p", complaint.P2, "2024-06-03 17:00")
	s, err := set.Status(c, at(t, paris, "2024-06-03 17:30"))
	require.NoError(t, err)
	clock := clockOf(t, s, complaint.Resolution)
	assert.True(t, at(t, paris, "2024-06-04 10:00").Equal(clock.WarnAt), "warn at %s", clock.WarnAt.In(paris.Location()))
	assert.False(t, clock.Warned)
	s, err = set.Status(c, at(t, paris, "2024-06-04 10:00"))
	require.NoError(t, err)
	assert.True(t, clockOf(t, s, complaint.Resolution).Warned)

	// 25 % of 4 h is 1 h: used up at 18:00 exactly, so the warning is at closing time,
	// not at midnight nor at the next opening
	c = trail(t, paris, "p", complaint.P3, "2024-06-03 17:00")
	s, err = set.Status(c, at(t, paris, "2024-06-03 23:59"))
	require.NoError(t, err)
	clock = clockOf(t, s, complaint.Resolution)
	assert.True(t, at(t, paris, "2024-06-03 18:00").Equal(clock.WarnAt), "warn at %s", clock.WarnAt.In(paris.Location()))
	assert.True(t, clock.Warned)
}

// TestSLAPolicyChange: a case on Mon–Fri 08:00–18:00 created Monday 09:00 with 8 h,
// paused Monday 11:00 to Tuesday 10:00, its target cut to 4 h at Monday 15:00 (during the
// pause): it has used 2 h, and 2 h remain from Tuesday 10:00. Moved instead to a 24×7
// policy of 4 h at 15:00 with the pause ending Monday 17:30, it is due at 19:30.
func TestSLAPolicyChange(t *testing.T) {
	t.Parallel()
	paris := office("Europe/Paris", "")
	set := policies(t,
		policyOf(t, "eight", paris, complaint.LevelSpec{Priority: complaint.P3, Resolution: hours(8)}),
		policyOf(t, "four", paris, complaint.LevelSpec{Priority: complaint.P3, Resolution: hours(4)}),
		policyOf(t, "round the clock", alwaysOpen("Europe/Paris"), complaint.LevelSpec{Priority: complaint.P3, Resolution: hours(4)}),
		policyOf(t, "first response only", paris, complaint.LevelSpec{Priority: complaint.P3, FirstResponse: hours(1)}),
	)
	change := func(at, id string) ev { return ev{at: at, action: complaint.PolicyChanged, policy: id} }

	c := trail(t, paris, "eight", complaint.P3, "2024-06-03 09:00",
		wait("2024-06-03 11:00"), change("2024-06-03 15:00", "four"), resume("2024-06-04 10:00"))
	s, err := set.Status(c, at(t, paris, "2024-06-04 10:30"))
	require.NoError(t, err)
	clock := clockOf(t, s, complaint.Resolution)
	assert.True(t, at(t, paris, "2024-06-04 12:00").Equal(clock.Due), "due %s", clock.Due.In(paris.Location()))
	assert.Equal(t, 4*time.Hour, clock.Target)
	assert.Equal(t, 2*time.Hour+30*time.Minute, clock.Elapsed)
	assert.Equal(t, 9*time.Hour, clock.Paused, "Monday 11:00–18:00 and Tuesday 08:00–10:00, in business time")

	c = trail(t, paris, "eight", complaint.P3, "2024-06-03 09:00",
		wait("2024-06-03 11:00"), change("2024-06-03 15:00", "round the clock"), resume("2024-06-03 17:30"))
	s, err = set.Status(c, at(t, paris, "2024-06-03 17:30"))
	require.NoError(t, err)
	clock = clockOf(t, s, complaint.Resolution)
	assert.True(t, at(t, paris, "2024-06-03 19:30").Equal(clock.Due), "due %s", clock.Due.In(paris.Location()))
	assert.Equal(t, 6*time.Hour+30*time.Minute, clock.Paused, "4 h on the office calendar, then 2.5 h round the clock")

	// a target cut below the time used: overdue as soon as the clock runs again
	c = trail(t, paris, "eight", complaint.P3, "2024-06-03 09:00", change("2024-06-03 14:00", "four"))
	s, err = set.Status(c, at(t, paris, "2024-06-03 14:30"))
	require.NoError(t, err)
	clock = clockOf(t, s, complaint.Resolution)
	assert.True(t, clock.Breached)
	assert.True(t, at(t, paris, "2024-06-03 14:00").Equal(clock.BreachedAt))
	assert.Equal(t, -90*time.Minute, clock.Remaining)

	// a policy without a resolution target: the clock disappears, and comes back with
	// the time it kept counting
	c = trail(t, paris, "eight", complaint.P3, "2024-06-03 09:00", change("2024-06-03 10:00", "first response only"))
	s, err = set.Status(c, at(t, paris, "2024-06-03 12:00"))
	require.NoError(t, err)
	_, ok := s.Clock(complaint.Resolution)
	assert.False(t, ok, "the policy has no resolution target")
	c = trail(t, paris, "eight", complaint.P3, "2024-06-03 09:00", change("2024-06-03 10:00", "first response only"),
		change("2024-06-03 12:00", "four"))
	s, err = set.Status(c, at(t, paris, "2024-06-03 12:00"))
	require.NoError(t, err)
	clock = clockOf(t, s, complaint.Resolution)
	assert.Equal(t, 3*time.Hour, clock.Elapsed)
	assert.True(t, at(t, paris, "2024-06-03 13:00").Equal(clock.Due))
}

// TestSLABeforeOpening asks for a case's SLA at instants around its opening: before it
// the case had no clocks, and the answer is an error naming the instant, not a crash (a
// host may pass any instant a client sends); from the opening on, the clocks run.
func TestSLABeforeOpening(t *testing.T) {
	t.Parallel()
	paris := office("Europe/Paris", "")
	set := policies(t, policyOf(t, "p", paris, complaint.LevelSpec{Priority: complaint.P2, Resolution: hours(4)}))
	c := trail(t, paris, "p", complaint.P2, "2024-06-03 10:00", reply("2024-06-03 11:00"))
	opened := c.Steps[0].At
	tests := []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"a day before", opened.AddDate(0, 0, -1), false},
		{"a microsecond before", opened.Add(-time.Microsecond), false},
		{"later within the opening's microsecond", opened.Add(999 * time.Nanosecond), true},
		{"at the opening", opened, true},
		{"after the first reply", opened.Add(2 * time.Hour), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := set.Status(c, tt.at)
			if !tt.ok {
				requireProblem(t, err, "at", "range")
				return
			}
			require.NoError(t, err)
			clockOf(t, s, complaint.Resolution)
		})
	}
}

// TestSLARules plays the definitions the engines disagree on, on Mon–Fri 08:00–18:00 with
// a first response in 2 h, a next reply in 1 h, an update every 3 h and a resolution in
// 8 h, and lists the breaches each trail gives.
func TestSLARules(t *testing.T) {
	t.Parallel()
	paris := office("Europe/Paris", "")
	set := policies(t, policyOf(t, "p", paris, complaint.LevelSpec{Priority: complaint.P2,
		FirstResponse: hours(2), NextReply: hours(1), PeriodicUpdate: hours(3), Resolution: hours(8)}))
	type breach struct {
		kind  complaint.TargetKind
		cycle int
		at    string
	}
	tests := []struct {
		name     string
		open     string
		evs      []ev
		asOf     string
		breaches []breach
	}{
		{"a reply exactly at the due time is in time", "2024-06-03 09:00", []ev{reply("2024-06-03 11:00")}, "2024-06-03 11:00", nil},
		{"a first response after closing time breaks it at closing time", "2024-06-03 16:00",
			[]ev{reply("2024-06-04 08:00")}, "2024-06-04 08:00", []breach{{complaint.FirstResponse, 1, "2024-06-03 18:00"}}},
		{"a reply at the opening after a target used up at closing time",
			"2024-06-03 16:00", []ev{reply("2024-06-04 07:59")}, "2024-06-04 09:00", []breach{{complaint.FirstResponse, 1, "2024-06-03 18:00"}}},
		// 2 h from 16:00 run out at 18:00, closing time; a note recorded at that very
		// instant changes nothing: a reply at 20:00 is late, as it is without the note
		{"a step at the closing time a target ran out at", "2024-06-03 16:00",
			[]ev{{at: "2024-06-03 18:00", action: complaint.Noted}, reply("2024-06-03 20:00")}, "2024-06-03 20:00",
			[]breach{{complaint.FirstResponse, 1, "2024-06-03 18:00"}}},
		// the same target, but the case waits on the customer from 18:00: the clock
		// stops with nothing left, and runs out when it next runs, Tuesday 08:00
		{"a wait from the closing time a target ran out at", "2024-06-03 16:00",
			[]ev{wait("2024-06-03 18:00"), wrote("2024-06-03 20:00"), reply("2024-06-03 20:30")}, "2024-06-03 20:30", nil},
		// resolved as its 8 h ran out at 18:00, reopened at 20:00: the time resolved
		// counts as paused, so the resumed clock runs out when the desk opens
		{"reopened after hours with nothing left", "2024-06-03 10:00",
			[]ev{reply("2024-06-03 10:30"), reply("2024-06-03 13:00"), reply("2024-06-03 15:30"),
				moved("2024-06-03 18:00", complaint.Resolved), moved("2024-06-03 20:00", complaint.Investigating)},
			"2024-06-04 08:00", nil},
		// the customer writes again before the first response: the first-response
		// clock covers it, no next-reply clock starts (and no update clock either)
		{"messages before the first response", "2024-06-03 09:00",
			[]ev{wrote("2024-06-03 09:30"), wrote("2024-06-03 10:00")}, "2024-06-03 10:59", nil},
		{"the update clock waits for the first response", "2024-06-03 09:00",
			[]ev{reply("2024-06-03 10:30")}, "2024-06-03 13:31", []breach{{complaint.PeriodicUpdate, 1, "2024-06-03 13:30"}}},
		{"the next reply from the oldest unanswered message", "2024-06-03 09:00",
			[]ev{reply("2024-06-03 09:10"), wrote("2024-06-03 10:00"), wrote("2024-06-03 10:50"), reply("2024-06-03 11:10")},
			"2024-06-03 11:10", []breach{{complaint.NextReply, 1, "2024-06-03 11:00"}}},
		{"waiting on the customer pauses the update clock", "2024-06-03 09:00",
			[]ev{reply("2024-06-03 09:10"), wait("2024-06-03 10:00"), wrote("2024-06-03 17:00")}, "2024-06-04 09:30",
			[]breach{{complaint.NextReply, 1, "2024-06-03 18:00"}, {complaint.PeriodicUpdate, 1, "2024-06-04 09:10"}}},
		{"a resolved case runs no update clock", "2024-06-03 09:00",
			[]ev{reply("2024-06-03 09:10"), moved("2024-06-03 10:00", complaint.Resolved)}, "2024-06-05 09:00", nil},
		{"a message to a resolved case waits for a reply", "2024-06-03 09:00",
			[]ev{reply("2024-06-03 09:10"), moved("2024-06-03 10:00", complaint.Resolved), wrote("2024-06-03 11:00")},
			"2024-06-03 12:30", []breach{{complaint.NextReply, 1, "2024-06-03 12:00"}}},
		{"a closed case runs no clock", "2024-06-03 09:00",
			[]ev{reply("2024-06-03 09:10"), moved("2024-06-03 10:00", complaint.Resolved), moved("2024-06-03 10:05", complaint.Closed),
				wrote("2024-06-03 11:00")}, "2024-06-07 12:30", nil},
		{"reopened, the resolution clock resumes", "2024-06-03 09:00",
			[]ev{reply("2024-06-03 09:10"), moved("2024-06-03 16:00", complaint.Resolved), moved("2024-06-04 10:00", complaint.Investigating)},
			"2024-06-04 12:00", []breach{{complaint.PeriodicUpdate, 1, "2024-06-03 12:10"}, {complaint.Resolution, 1, "2024-06-04 11:00"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := trail(t, paris, "p", complaint.P2, tt.open, tt.evs...)
			s, err := set.Status(c, at(t, paris, tt.asOf))
			require.NoError(t, err)
			var got []breach
			for _, b := range s.Breaches {
				got = append(got, breach{b.Kind, b.Cycle, b.At.In(paris.Location()).Format("2006-01-02 15:04")})
			}
			assert.Equal(t, tt.breaches, got)
		})
	}
}
