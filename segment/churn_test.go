package segment_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/segment"
)

// complaintCounts is a ComplaintSource backed by a map.
type complaintCounts map[string]int

func (c complaintCounts) OpenComplaints(_ context.Context, customer string) (int, error) {
	return c[customer], nil
}

// TestChurnScore checks the churn score's parts against their definitions, computed
// independently from the model: 1 − P(alive), the overdue probability
// 1 − exp(−(T − t_x)(r+x)/(α+T)), and the complaint uplift.
func TestChurnScore(t *testing.T) {
	p := segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	bg, err := segment.NewBGNBD(p)
	require.NoError(t, err)
	src := complaintCounts{"angry": 2, "odd": -3}

	tests := []struct {
		name  string
		s     segment.Summary
		opts  *segment.ChurnOptions
		n     int
		check func(t *testing.T, r segment.ChurnRisk)
	}{
		{"recent heavy buyer", segment.Summary{Customer: "a", Frequency: 26, Recency: 30.86, T: 31}, nil, 0, func(t *testing.T, r segment.ChurnRisk) {
			assert.Less(t, r.Score, 0.15)
		}},
		{"silent heavy buyer", segment.Summary{Customer: "b", Frequency: 26, Recency: 10, T: 38}, nil, 0, func(t *testing.T, r segment.ChurnRisk) {
			assert.Greater(t, r.Score, 0.9)
		}},
		{"one-time buyer", segment.Summary{Customer: "c", Frequency: 0, Recency: 0, T: 38.86}, nil, 0, func(t *testing.T, r segment.ChurnRisk) {
			assert.Equal(t, 1.0, r.ProbabilityAlive) // BG/NBD: no repeat purchase, no dropout yet
		}},
		{"complaints raise the score", segment.Summary{Customer: "angry", Frequency: 2, Recency: 30.43, T: 38.86}, &segment.ChurnOptions{Complaints: src}, 2, nil},
		{"negative complaint count is none", segment.Summary{Customer: "odd", Frequency: 2, Recency: 30.43, T: 38.86}, &segment.ChurnOptions{Complaints: src}, 0, nil},
		{"weights", segment.Summary{Customer: "w", Frequency: 5, Recency: 20, T: 38}, &segment.ChurnOptions{AliveWeight: 1, OverdueWeight: 3}, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := segment.ChurnScore(context.Background(), bg, tc.s, tc.opts)
			require.NoError(t, err)
			s := tc.s
			alive, err := bg.ProbabilityAlive(s.Frequency, s.Recency, s.T)
			require.NoError(t, err)
			rate := (p.R + float64(s.Frequency)) / (p.Alpha + s.T)
			overdue := 1 - math.Exp(-(s.T-s.Recency)*rate)
			wa, wo, step := 0.6, 0.4, 0.15
			if tc.opts != nil && tc.opts.AliveWeight+tc.opts.OverdueWeight > 0 {
				sum := tc.opts.AliveWeight + tc.opts.OverdueWeight
				wa, wo = tc.opts.AliveWeight/sum, tc.opts.OverdueWeight/sum
			}
			want := 1 - (1-(wa*(1-alive)+wo*overdue))*math.Pow(1-step, float64(tc.n))
			assert.Equal(t, s.Customer, r.Customer)
			assert.InDelta(t, alive, r.ProbabilityAlive, 1e-15)
			assert.InDelta(t, 1/rate, r.ExpectedGap, 1e-12)
			assert.InDelta(t, s.T-s.Recency, r.SinceLast, 1e-12)
			assert.InDelta(t, overdue, r.Overdue, 1e-12)
			assert.Equal(t, tc.n, r.OpenComplaints)
			assert.InDelta(t, want, r.Score, 1e-12)
			assert.True(t, r.Score >= 0 && r.Score <= 1)
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// TestChurnWeightsOnlyTheirRatioCounts checks that the weights are read by their ratio
// alone, however large or small: 1 : 3 weighs 1 − P(alive) by ¼ and the overdue
// probability by ¾, computed here directly, for weights near the largest float64 (whose
// sum overflows) and for subnormal ones.
func TestChurnWeightsOnlyTheirRatioCounts(t *testing.T) {
	bg, err := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	require.NoError(t, err)
	s := segment.Summary{Customer: "w", Frequency: 5, Recency: 20, T: 38}
	alive, err := bg.ProbabilityAlive(s.Frequency, s.Recency, s.T)
	require.NoError(t, err)
	rate := (0.243 + 5) / (4.414 + 38)
	want := 0.25*(1-alive) + 0.75*(1-math.Exp(-(s.T-s.Recency)*rate))
	for _, tc := range []struct {
		name           string
		alive, overdue float64
	}{
		{"ones", 1, 3},
		{"huge", math.Ldexp(1, 1022), math.Ldexp(3, 1022)},
		{"largest", math.MaxFloat64 / 3, math.MaxFloat64},
		{"subnormal", math.Ldexp(1, -1070), math.Ldexp(3, -1070)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := segment.ChurnScore(context.Background(), bg, s, &segment.ChurnOptions{AliveWeight: tc.alive, OverdueWeight: tc.overdue})
			require.NoError(t, err)
			assert.InDelta(t, want, r.Score, 1e-12)
		})
	}
}

// TestChurnScoresCDNOW scores every CDNOW customer with the fitted BG/NBD and Pareto/NBD
// models: scores are in [0, 1] and rank the long-silent above the recent.
func TestChurnScoresCDNOW(t *testing.T) {
	sums := loadCDNOWFrequencySummaries(t)
	bg := fitCDNOWBGNBD(t)
	pnbd, err := segment.NewParetoNBD(segment.ParetoNBDParams{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669})
	require.NoError(t, err)
	for _, m := range []segment.TransactionModel{bg, pnbd} {
		risks, err := segment.ChurnScores(context.Background(), m, sums, nil)
		require.NoError(t, err)
		require.Len(t, risks, len(sums))
		for _, r := range risks {
			require.True(t, r.Score >= 0 && r.Score <= 1, "%+v", r)
		}
		// customer 1516 (26 purchases, last at 30.86 of 31 weeks) vs customer 157 of
		// similar history but older silence are ordered by silence
		recent, err := segment.ChurnScore(context.Background(), m, segment.Summary{Frequency: 26, Recency: 30.86, T: 31}, nil)
		require.NoError(t, err)
		silent, err := segment.ChurnScore(context.Background(), m, segment.Summary{Frequency: 26, Recency: 20, T: 31}, nil)
		require.NoError(t, err)
		assert.Less(t, recent.Score, silent.Score)
	}
}

// TestChurnValidation checks bad options and histories.
func TestChurnValidation(t *testing.T) {
	bg, err := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	require.NoError(t, err)
	ok := segment.Summary{Customer: "a", Frequency: 1, Recency: 2, T: 3}
	tests := []struct {
		name  string
		model segment.TransactionModel
		s     segment.Summary
		opts  *segment.ChurnOptions
	}{
		{"nil model", nil, ok, nil},
		{"negative weight", bg, ok, &segment.ChurnOptions{AliveWeight: -1}},
		{"step above 1", bg, ok, &segment.ChurnOptions{ComplaintStep: 1.5}},
		{"bad history", bg, segment.Summary{Frequency: 1, Recency: 5, T: 3}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := segment.ChurnScore(context.Background(), tc.model, tc.s, tc.opts)
			assert.ErrorIs(t, err, kehu.ErrInvalid)
		})
	}
	_, err = segment.ChurnScores(context.Background(), bg, []segment.Summary{ok, {Frequency: -1}}, nil)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	assert.ErrorContains(t, err, "summaries[1]")
}

// TestChurnLostTypes checks the six lost-customer types by cause of loss (从客户流失原因角度 …
// 1) 有意推走的客户 2) 无意推走的客户 3) 被拉走的客户 4) 被收买的客户 5) 无意离去的客户
// 6) 迁移客户), their text form and the replaceable reason table.
func TestChurnLostTypes(t *testing.T) {
	labels := []string{"有意推走的客户", "无意推走的客户", "被拉走的客户", "被收买的客户", "无意离去的客户", "迁移客户"}
	types := segment.LostTypes()
	require.Len(t, types, 6)
	for i, typ := range types {
		assert.Equal(t, labels[i], typ.Label())
		parsed, err := segment.ParseLostType(labels[i])
		require.NoError(t, err)
		assert.Equal(t, typ, parsed)
		parsed, err = segment.ParseLostType(" " + string(typ) + " ")
		require.NoError(t, err)
		assert.Equal(t, typ, parsed)
		b, err := json.Marshal(typ)
		require.NoError(t, err)
		var back segment.LostType
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, typ, back)
	}
	_, err := segment.ParseLostType("ghosted")
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = json.Marshal(segment.LostType("ghosted"))
	assert.Error(t, err)

	reasons := segment.DefaultLostReasons()
	require.NoError(t, reasons.Validate())
	classify := []struct {
		codes []string
		want  segment.LostType
		ok    bool
	}{
		{[]string{"bad_debt"}, segment.LostPushedDeliberately, true},
		{[]string{" Complaint_Unresolved "}, segment.LostPushedUnintentionally, true},
		{[]string{"competitor_product"}, segment.LostPulledAway, true},
		{[]string{"unknown", "competitor_discount"}, segment.LostBoughtAway, true},
		{[]string{"no_longer_needed"}, segment.LostLeftWithoutIntent, true},
		{[]string{"relocated", "price"}, segment.LostMovedAway, true},
		{[]string{"unknown"}, "", false},
		{nil, "", false},
	}
	for _, tc := range classify {
		got, ok := reasons.Classify(tc.codes...)
		assert.Equal(t, tc.ok, ok, "%v", tc.codes)
		assert.Equal(t, tc.want, got, "%v", tc.codes)
	}
	// Every type is reachable from the default table.
	seen := map[segment.LostType]bool{}
	for _, typ := range reasons {
		seen[typ] = true
	}
	assert.Len(t, seen, 6)

	// The table is the host's to replace; a fresh copy is unaffected.
	reasons["price"] = segment.LostPulledAway
	got, _ := reasons.Classify("price")
	assert.Equal(t, segment.LostPulledAway, got)
	got, _ = segment.DefaultLostReasons().Classify("price")
	assert.Equal(t, segment.LostBoughtAway, got)
	reasons["x"] = "nonsense"
	var verr *kehu.ValidationError
	require.ErrorAs(t, reasons.Validate(), &verr)
	assert.True(t, verr.Has("reasons[x]", "enum"))
}
