package complaint_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/complaint"
)

// TestMetrics measures four cases on Mon–Fri 08:00–18:00 (first response 1 h, resolution
// 8 h) on Wednesday 2024-06-05 at 12:00; every figure is worked out by hand in the
// comments.
func TestMetrics(t *testing.T) {
	t.Parallel()
	paris := office("Europe/Paris", "")
	set := policies(t, policyOf(t, "p", paris, complaint.LevelSpec{Priority: complaint.P2, FirstResponse: hours(1), Resolution: hours(8)}))
	cases := []*complaint.Case{
		// A: answered in 30 min, resolved in 4 h, closed.
		trail(t, paris, "p", complaint.P2, "2024-06-03 09:00", reply("2024-06-03 09:30"),
			moved("2024-06-03 13:00", complaint.Resolved), moved("2024-06-03 14:00", complaint.Closed)),
		// B: opened Monday 17:00, answered Tuesday 09:00 (2 h of business time, 16 h of
		// calendar time; the hour ran out Monday 18:00), resolved 10:00 (3 h, 17 h),
		// reopened 11:00 and resolved again 12:00 (5 h, 19 h).
		trail(t, paris, "p", complaint.P2, "2024-06-03 17:00", reply("2024-06-04 09:00"),
			moved("2024-06-04 10:00", complaint.Resolved), moved("2024-06-04 11:00", complaint.Investigating),
			moved("2024-06-04 12:00", complaint.Resolved)),
		// C: opened Wednesday 09:00, unanswered: the hour ran out at 10:00; 3 h old.
		trail(t, paris, "p", complaint.P2, "2024-06-05 09:00"),
		// D: merged into another case; not measured.
		trail(t, paris, "p", complaint.P2, "2024-06-05 09:00", ev{at: "2024-06-05 09:10", action: complaint.MergedStep, to: complaint.Merged}),
		// E: opened after the instant measured.
		trail(t, paris, "p", complaint.P2, "2024-06-05 13:00"),
	}
	m, err := set.Metrics(cases, at(t, paris, "2024-06-05 12:00"), []time.Duration{4 * time.Hour, 24 * time.Hour})
	require.NoError(t, err)
	assert.Equal(t, 3, m.Cases)
	assert.Equal(t, 1, m.Merged)
	assert.Equal(t, complaint.Distribution{Count: 2,
		Business: complaint.Summary{Mean: 75 * time.Minute, Median: 30 * time.Minute, P90: 2 * time.Hour, Max: 2 * time.Hour},
		Calendar: complaint.Summary{Mean: 8*time.Hour + 15*time.Minute, Median: 30 * time.Minute, P90: 16 * time.Hour, Max: 16 * time.Hour},
	}, m.FirstResponse)
	assert.Equal(t, complaint.Distribution{Count: 2,
		Business: complaint.Summary{Mean: 3*time.Hour + 30*time.Minute, Median: 3 * time.Hour, P90: 4 * time.Hour, Max: 4 * time.Hour},
		Calendar: complaint.Summary{Mean: 10*time.Hour + 30*time.Minute, Median: 4 * time.Hour, P90: 17 * time.Hour, Max: 17 * time.Hour},
	}, m.FirstResolution)
	assert.Equal(t, complaint.Summary{Mean: 4*time.Hour + 30*time.Minute, Median: 4 * time.Hour, P90: 5 * time.Hour, Max: 5 * time.Hour}, m.FinalResolution.Business)
	assert.Equal(t, 19*time.Hour, m.FinalResolution.Calendar.Max)
	assert.Zero(t, m.NextReply.Count)
	assert.Equal(t, []complaint.KindCount{{complaint.FirstResponse, 2}, {complaint.NextReply, 0}, {complaint.PeriodicUpdate, 0}, {complaint.Resolution, 0}}, m.Breaches)
	assert.Equal(t, 2, m.BreachedCases)
	assert.Equal(t, 2, m.Resolved)
	assert.Equal(t, 1, m.Reopened)
	assert.InDelta(t, 0.5, m.ReopenRate, 0)
	assert.Equal(t, []complaint.AgeBand{{Below: 4 * time.Hour, Business: 1, Calendar: 1}, {Below: 24 * time.Hour}, {}}, m.Backlog)

	_, err = set.Metrics(nil, time.Now(), []time.Duration{time.Hour, time.Hour, -1})
	assertInvalid(t, err, "ages[1]", "order")
	assertInvalid(t, err, "ages[2]", "min")
}

// TestMetricsLargeMean: the mean of many long durations neither overflows nor loses a
// nanosecond (the sum of 10,000 ten-year durations is beyond int64 nanoseconds).
func TestMetricsLargeMean(t *testing.T) {
	t.Parallel()
	cal := alwaysOpen("UTC")
	set := policies(t, policyOf(t, "p", cal, complaint.LevelSpec{Priority: complaint.P2, FirstResponse: hours(1)}))
	open := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	var cases []*complaint.Case
	for i := range 10_000 {
		c := trail(t, cal, "p", complaint.P2, "2000-01-01 00:00")
		c.Steps = append(c.Steps, complaint.Step{Action: complaint.Replied, At: open.Add(complaint.MaxDuration - time.Duration(i)*time.Second),
			From: complaint.Investigating, To: complaint.Investigating})
		cases = append(cases, c)
	}
	m, err := set.Metrics(cases, open.AddDate(20, 0, 0), nil)
	require.NoError(t, err)
	// mean of MaxDuration − i s for i < 10,000: MaxDuration − 4,999.5 s
	assert.Equal(t, complaint.MaxDuration-4999*time.Second-500*time.Millisecond, m.FirstResponse.Calendar.Mean)
	assert.Equal(t, []complaint.AgeBand{{Business: 10_000, Calendar: 10_000}}, m.Backlog)
}
