package segment_test

import (
	"math"
	"strconv"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/segment"
)

func TestSuggestStages(t *testing.T) {
	act := func(c string, orders int, total string, days, tenure int) segment.Activity {
		return segment.Activity{Customer: c, Orders: orders, Total: decimal.RequireFromString(total), DaysSinceLast: days, Tenure: tenure}
	}
	// Ten active buyers a0..a9 with totals 100..1000 and 3 orders each: the top 20 % (a8,
	// a9) are key. Then the other rules, one customer each.
	var in []segment.Activity
	for i := range 10 {
		in = append(in, act("a"+strconv.Itoa(i), 3, strconv.Itoa(100*(i+1)), 10, 200))
	}
	in = append(in,
		segment.Activity{Customer: "lead", Qualified: false},
		segment.Activity{Customer: "qualified", Qualified: true},
		act("sleepy", 5, "5000", 90, 400),
		act("gone", 5, "5000", 365, 800),
		segment.Activity{Customer: "ended", Orders: 9, Total: decimal.NewFromInt(1), Terminated: true},
	)
	got, err := segment.SuggestStages(in, nil)
	require.NoError(t, err)
	want := map[string]crm.Stage{
		"a0": crm.StageActive, "a7": crm.StageActive, "a8": crm.StageKey, "a9": crm.StageKey,
		"lead": crm.StageIntent, "qualified": crm.StagePotential, "sleepy": crm.StageDormant,
		"gone": crm.StageTerminated, "ended": crm.StageTerminated,
	}
	for _, s := range got {
		if w, ok := want[s.Customer]; ok {
			assert.Equal(t, w, s.Stage, "%s: %s", s.Customer, s.Reason)
		}
		assert.True(t, s.Stage.Valid())
		assert.NotEmpty(t, s.Reason)
	}

	t.Run("key needs repeat orders; ties at the cut are all key", func(t *testing.T) {
		in := []segment.Activity{
			act("one-order", 1, "9000", 1, 0), act("x", 2, "500", 1, 30), act("y", 2, "500", 1, 30),
			act("z", 2, "10", 1, 30), act("w", 2, "10", 1, 30),
		}
		got, err := segment.SuggestStages(in, &segment.LifecycleOptions{KeyShare: 0.4})
		require.NoError(t, err)
		stages := []crm.Stage{got[0].Stage, got[1].Stage, got[2].Stage, got[3].Stage, got[4].Stage}
		assert.Equal(t, []crm.Stage{crm.StageActive, crm.StageKey, crm.StageKey, crm.StageActive, crm.StageActive}, stages)
	})
	t.Run("gap factor: a weekly buyer silent for five weeks", func(t *testing.T) {
		in := []segment.Activity{act("weekly", 11, "100", 35, 70), act("slow", 2, "100", 35, 60)}
		got, err := segment.SuggestStages(in, &segment.LifecycleOptions{DormantGapFactor: 3})
		require.NoError(t, err)
		assert.Equal(t, crm.StageDormant, got[0].Stage, "35 days > 3 × 7")
		assert.Equal(t, crm.StageActive, got[1].Stage, "35 days < 3 × 60")
	})
	t.Run("from a summary", func(t *testing.T) {
		a, err := segment.ActivityOf(segment.Summary{Customer: "s", Orders: 2, T: 2, DaysSinceLast: 3, Total: decimal.NewFromInt(7)}, segment.Week)
		require.NoError(t, err)
		assert.Equal(t, 14, a.Tenure)
		assert.Equal(t, 3, a.DaysSinceLast)
		a, err = segment.ActivityOf(segment.Summary{Customer: "s", T: 2.6}, "")
		require.NoError(t, err)
		assert.Equal(t, 3, a.Tenure, "an empty period is Day")
	})
	t.Run("from a bad summary", func(t *testing.T) {
		tests := []struct {
			name  string
			t     float64
			p     segment.Period
			field string
		}{
			{"NaN age", math.NaN(), segment.Day, "summary.t"},
			{"infinite age", math.Inf(1), segment.Week, "summary.t"},
			{"minus infinity", math.Inf(-1), segment.Week, "summary.t"},
			{"negative age", -1, segment.Day, "summary.t"},
			{"beyond an int32 of days", math.MaxInt32/7 + 1, segment.Week, "summary.t"},
			{"huge", 1e300, segment.Month, "summary.t"},
			{"unknown period", 1, "fortnight", "period"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := segment.ActivityOf(segment.Summary{Customer: "s", T: tt.t}, tt.p)
				require.ErrorIs(t, err, kehu.ErrInvalid)
				var verr *kehu.ValidationError
				require.ErrorAs(t, err, &verr)
				assert.True(t, verr.Has(tt.field, "range") || verr.Has(tt.field, "enum"), "%v", err)
			})
		}
	})
	t.Run("validation", func(t *testing.T) {
		tests := []struct {
			name  string
			in    []segment.Activity
			opts  *segment.LifecycleOptions
			field string
		}{
			{"terminated before dormant", nil, &segment.LifecycleOptions{DormantAfter: 100, TerminatedAfter: 50}, "terminated_after"},
			{"key share", nil, &segment.LifecycleOptions{KeyShare: 2}, "key_share"},
			{"gap factor", nil, &segment.LifecycleOptions{DormantGapFactor: -1}, "dormant_gap_factor"},
			{"negative orders", []segment.Activity{{Customer: "x", Orders: -1}}, nil, "activity[0].orders"},
			{"negative total", []segment.Activity{{Customer: "x", Total: decimal.NewFromInt(-1)}}, nil, "activity[0].total"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := segment.SuggestStages(tt.in, tt.opts)
				var verr *kehu.ValidationError
				require.ErrorAs(t, err, &verr)
				assert.True(t, verr.Has(tt.field, ""), "%v", err)
			})
		}
	})
}
