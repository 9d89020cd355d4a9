package complaint_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

// slaScenario is a random case: a calendar, a resolution target and a trail of replies,
// notes and pauses (a move to waiting on the customer, ended by the customer's message).
type slaScenario struct {
	cal    *complaint.Calendar
	target complaint.TargetSpec
	open   time.Time
	steps  []complaint.Step
	asOf   time.Time
}

func randomScenario(t testing.TB, r *rand.Rand) slaScenario {
	t.Helper()
	cal, err := complaint.CompileCalendar(randomCalendar(r))
	require.NoError(t, err)
	sc := slaScenario{cal: cal, open: kehu.Truncate(randomInstant(r))}
	switch r.IntN(4) {
	case 0:
		sc.target.BusinessDays = 1 + r.IntN(10)
	case 1:
		sc.target.Minutes = 1 + r.IntN(100*60)
	default:
		sc.target.Hours = 1 + r.IntN(80)
	}
	if sc.target.BusinessDays == 0 && r.IntN(5) == 0 {
		sc.target.CalendarTime = true
	}
	sc.steps = []complaint.Step{{Action: complaint.Opened, At: sc.open, To: complaint.Investigating, Policy: "p", Priority: complaint.P3}}
	status, now := complaint.Investigating, sc.open
	for range r.IntN(12) {
		now = now.Add(time.Duration(r.Int64N(int64(30 * time.Hour))))
		st := complaint.Step{At: kehu.Truncate(now), From: status}
		switch r.IntN(4) {
		case 0:
			st.Action = complaint.Replied
		case 1:
			st.Action = complaint.Noted
		case 2:
			st.Action = complaint.Moved
			if status == complaint.Investigating {
				status = complaint.WaitingOnCustomer
			} else {
				status = complaint.Investigating
			}
		default:
			st.Action, status = complaint.CustomerWrote, complaint.Investigating
		}
		st.To = status
		sc.steps = append(sc.steps, st)
	}
	sc.asOf = kehu.Truncate(now.Add(time.Duration(r.Int64N(int64(100 * time.Hour)))))
	return sc
}

func (sc slaScenario) status(t testing.TB, target complaint.TargetSpec, steps []complaint.Step, asOf time.Time) complaint.Clock {
	t.Helper()
	pol, err := complaint.CompilePolicy(complaint.PolicySpec{ID: "p", Levels: []complaint.LevelSpec{{Priority: complaint.P3, Resolution: &target}}}, sc.cal)
	require.NoError(t, err)
	set, err := complaint.NewPolicies(pol)
	require.NoError(t, err)
	s, err := set.Status(&complaint.Case{Policy: "p", Steps: steps}, asOf)
	require.NoError(t, err)
	c, ok := s.Clock(complaint.Resolution)
	require.True(t, ok)
	return c
}

// measure is the business time (or calendar time) from a to b.
func (sc slaScenario) measure(a, b time.Time) time.Duration {
	if sc.target.CalendarTime {
		return b.Sub(a)
	}
	return sc.cal.Between(a, b)
}

// checkSLAProperties: the clock never counts negative time; counted and paused time add
// up to the time since the opening; the due time is never before the opening and, while
// the clock runs on time, lies exactly the target plus the pauses after the opening;
// without its pauses the case is due exactly the target after the opening, and never
// later than with them (a pause never adds time to the clock); a longer target is never
// due earlier; and the counted time never decreases as the instant moves on.
func checkSLAProperties(t testing.TB, sc slaScenario) {
	t.Helper()
	where := fmt.Sprintf("%s target %+v opened %s", sc.cal.TimeZone(), sc.target, sc.open)
	c := sc.status(t, sc.target, sc.steps, sc.asOf)
	require.GreaterOrEqual(t, c.Elapsed, time.Duration(0), where)
	require.GreaterOrEqual(t, c.Paused, time.Duration(0), where)
	require.Equal(t, sc.measure(sc.open, sc.asOf), c.Elapsed+c.Paused, where)
	if c.State == complaint.ClockRunning {
		require.False(t, c.Due.Before(sc.open), "%s: due %s", where, c.Due)
		if !c.Breached {
			require.Equal(t, c.Target+c.Paused, sc.measure(sc.open, c.Due), "%s: due %s", where, c.Due)
		}
	}

	var plain []complaint.Step
	for _, st := range sc.steps {
		if st.Action != complaint.Moved && st.Action != complaint.CustomerWrote {
			st.From, st.To = complaint.Investigating, complaint.Investigating
			plain = append(plain, st)
		}
	}
	free := sc.status(t, sc.target, plain, sc.asOf)
	require.Equal(t, c.Target, free.Target, where)
	if free.Target <= 5000*time.Hour {
		require.Equal(t, free.Target, sc.measure(sc.open, free.Due), "%s: due %s without pauses", where, free.Due)
	}
	if c.State == complaint.ClockRunning {
		require.False(t, c.Due.Before(free.Due), "%s: due %s with pauses, %s without", where, c.Due, free.Due)
	}
	longer := sc.target
	switch {
	case longer.BusinessDays > 0:
		longer.BusinessDays++
	case longer.Hours > 0:
		longer.Hours += 3
	default:
		longer.Minutes += 7
	}
	if l := sc.status(t, longer, sc.steps, sc.asOf); c.State == complaint.ClockRunning && l.State == complaint.ClockRunning {
		require.False(t, l.Due.Before(c.Due), "%s: a longer target due %s, before %s", where, l.Due, c.Due)
	}
	mid := sc.open.Add(sc.asOf.Sub(sc.open) / 2)
	require.LessOrEqual(t, sc.status(t, sc.target, sc.steps, mid).Elapsed, c.Elapsed, where)
}

func TestSLAProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(20241001, 14))
	n := 400
	if testing.Short() {
		n = 60
	}
	for range n {
		checkSLAProperties(t, randomScenario(t, r))
	}
}

// FuzzSLA checks the properties of TestSLAProperties on scenarios drawn from the
// fuzzer's seed.
func FuzzSLA(f *testing.F) {
	for _, s := range []uint64{1, 2, 3, 20241001, 1 << 40} {
		f.Add(s, uint64(7))
	}
	f.Fuzz(func(t *testing.T, a, b uint64) {
		checkSLAProperties(t, randomScenario(t, rand.New(rand.NewPCG(a, b))))
	})
}
