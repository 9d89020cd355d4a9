package survey_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/kehu-crm/kehu/survey"
)

// z975 is Φ⁻¹(0.975), the two-sided 95 % normal quantile (R: qnorm(0.975)).
const z975 = 1.959963984540054

// TestNPSFromCounts checks the score, its standard error and interval against values
// computed by hand from NPS = 100 (p₊ − p₋) and SE = 100 √((p₊ + p₋ − (p₊ − p₋)²)/n).
func TestNPSFromCounts(t *testing.T) {
	tests := []struct {
		name                 string
		pro, pas, det        int
		level                float64
		score, se, margin    float64
		low, high            float64
		promoters, detractor float64
	}{
		// 162/108/54 of 324: p₊ = 1/2, p₋ = 1/6, NPS 33.33; SE = 100 √((2/3 − 1/9)/324)
		// = 4.1408666; margin 1.959963985 × SE = 8.1159494.
		{"162/108/54 at 95 %", 162, 108, 54, 0.95, 100.0 / 3, 4.14086662499961, 8.11594944978316,
			100.0/3 - 8.11594944978316, 100.0/3 + 8.11594944978316, 0.5, 1.0 / 6},
		// 150/100/70 of 320: p₊ = 0.46875, p₋ = 0.21875, NPS 25; SE = 100 √(0.625/320)
		// = 4.4194174.
		{"150/100/70 at 95 %", 150, 100, 70, 0.95, 25, 4.419417382415922, z975 * 4.419417382415922,
			25 - z975*4.419417382415922, 25 + z975*4.419417382415922, 0.46875, 0.21875},
		// 9 promoters and 1 detractor: NPS 80, SE = 100 √((1 − 0.64)/10) = 18.973666;
		// the upper bound 80 + 37.19 is clipped to 100.
		{"clipped at 100", 9, 0, 1, 0.95, 80, 18.973665961010276, z975 * 18.973665961010276,
			80 - z975*18.973665961010276, 100, 0.9, 0.1},
		// Every answer a detractor: NPS −100, SE 0, interval [−100, −100].
		{"all detractors", 0, 0, 7, 0.95, -100, 0, 0, -100, -100, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := survey.NPSFromCounts(tc.pro, tc.pas, tc.det, tc.level)
			require.NoError(t, err)
			assert.InDelta(t, tc.score, r.Score, 1e-12)
			assert.InDelta(t, tc.se, r.SE, 1e-12)
			assert.InDelta(t, tc.margin, r.Margin, 1e-12)
			assert.InDelta(t, tc.low, r.Interval.Low, 1e-12)
			assert.InDelta(t, tc.high, r.Interval.High, 1e-12)
			assert.Equal(t, tc.level, r.Interval.Level)
			assert.InDelta(t, tc.promoters, r.Promoters, 1e-15)
			assert.InDelta(t, tc.detractor, r.Detractors, 1e-15)
			assert.InDelta(t, 1, r.Promoters+r.Passives+r.Detractors, 1e-15)
			assert.Equal(t, tc.pro+tc.pas+tc.det, r.N)
			assert.Equal(t, float64(r.N), r.EffectiveN)
		})
	}
}

// TestNPSPopulationVariance checks that the SE is the population-variance one
// (denominator n: 4.1408666 for 162/108/54) and not the sample-variance one (n − 1:
// 100 √((2/3 − 1/9)/323) = 4.1472717).
func TestNPSPopulationVariance(t *testing.T) {
	r, err := survey.NPSFromCounts(162, 108, 54, 0.95)
	require.NoError(t, err)
	assert.InDelta(t, 4.1408666, r.SE, 5e-8)
	assert.Greater(t, math.Abs(r.SE-4.1472717), 1e-3)
	// The margin at z = Φ⁻¹(0.975) = 1.959963985.
	assert.InDelta(t, 8.1159494, r.Margin, 5e-8)
	assert.InDelta(t, 1.959963985, r.Margin/r.SE, 1e-9)
}

// TestNPSFromAnswers checks weighted and unweighted scores from 0–10 answers against
// values computed by hand.
func TestNPSFromAnswers(t *testing.T) {
	answers := []float64{10, 9, 9, 8, 7, 6, 5, 10, 3, 9}
	tests := []struct {
		name    string
		answers survey.Column
		weights []float64
		score   float64
		n       int
		neff    float64
		se      float64
	}{
		// Weighted: promoters weigh 1+1+1+2+2 = 7, detractors 2+2+2 = 6, of Σw = 15:
		// NPS = 100/15 = 6.6666667; Kish n = 15²/25 = 9; SE = 100 √((13/15 − 1/225)/9)
		// = 30.9519739.
		{"weighted", given(answers...), []float64{1, 1, 1, 1, 1, 2, 2, 2, 2, 2},
			100.0 / 15, 10, 9, 30.951973949298043},
		// Unweighted: 5 promoters, 2 passives, 3 detractors: NPS 20; SE = 100 √((0.8 −
		// 0.04)/10) = 27.5680975.
		{"unweighted", given(answers...), nil, 20, 10, 10, 27.568097504180443},
		// Equal weights of any size are no weights at all.
		{"equal weights", given(answers...), []float64{3, 3, 3, 3, 3, 3, 3, 3, 3, 3},
			20, 10, 10, 27.568097504180443},
		// Missing answers are left out, never counted as 0: the detractors 6 and 3 and a
		// promoter 10 are missing, leaving 4 promoters, 2 passives and 1 detractor: NPS =
		// 300/7; SE = 100 √((5/7 − 9/49)/7) = 27.5198… (26/343 under the root).
		{"missing", survey.Column{Values: answers,
			Missing: []bool{false, false, false, false, false, true, false, true, true, false}},
			nil, 300.0 / 7, 7, 7, 100 * math.Sqrt(26.0/343)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := survey.NPSFromAnswers(tc.answers, tc.weights, 0.95)
			require.NoError(t, err)
			assert.InDelta(t, tc.score, r.Score, 1e-12)
			assert.Equal(t, tc.n, r.N)
			assert.InDelta(t, tc.neff, r.EffectiveN, 1e-12)
			assert.InDelta(t, tc.se, r.SE, 1e-12)
			assert.InDelta(t, z975*tc.se, r.Margin, 1e-12)
		})
	}
	// The published figures of the weighted vector, to the digits they are quoted with.
	r, err := survey.NPSFromAnswers(given(answers...), []float64{1, 1, 1, 1, 1, 2, 2, 2, 2, 2}, 0.95)
	require.NoError(t, err)
	assert.InDelta(t, 6.6666667, r.Score, 5e-8)
	assert.InDelta(t, 9, r.EffectiveN, 1e-12)
	assert.InDelta(t, 30.9519739, r.SE, 5e-8)
}

// TestNPSAnswersMatchCounts checks NPSFromAnswers against NPSFromCounts on the same
// answers, an independent route to the same numbers.
func TestNPSAnswersMatchCounts(t *testing.T) {
	var answers []float64
	for k, c := range []int{5, 3, 7, 0, 2, 9, 11, 20, 25, 30, 40} { // counts of 0..10
		for range c {
			answers = append(answers, float64(k))
		}
	}
	got, err := survey.NPSFromAnswers(given(answers...), nil, 0.9)
	require.NoError(t, err)
	want, err := survey.NPSFromCounts(70, 45, 37, 0.9)
	require.NoError(t, err)
	assert.InDelta(t, want.Score, got.Score, 1e-12)
	assert.InDelta(t, want.SE, got.SE, 1e-12)
	assert.InDelta(t, want.Interval.Low, got.Interval.Low, 1e-12)
	assert.InDelta(t, want.Interval.High, got.Interval.High, 1e-12)
	assert.Equal(t, want.N, got.N)
}

// TestNPSIsAMeanOfScores checks NPSFromAnswers against an independent computation: the
// NPS is the (weighted) mean of per-respondent scores of +100 (9–10), 0 (7–8) and −100
// (0–6), and its SE the square root of their (weighted) population variance over Kish's
// effective n, with gonum's stat.PopMeanVariance; the interval is the mean ± the normal
// quantile of distuv.UnitNormal. Random answers with and without random weights.
func TestNPSIsAMeanOfScores(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for trial := range 200 {
		n := 1 + rng.IntN(60)
		answers := make([]float64, n)
		scores := make([]float64, n)
		var weights []float64
		if trial%2 == 1 {
			weights = make([]float64, n)
		}
		for i := range answers {
			answers[i] = float64(rng.IntN(11))
			switch {
			case answers[i] >= 9:
				scores[i] = 100
			case answers[i] <= 6:
				scores[i] = -100
			}
			if weights != nil {
				weights[i] = 0.1 + 5*rng.Float64()
			}
		}
		level := 0.8 + 0.19*rng.Float64()
		r, err := survey.NPSFromAnswers(given(answers...), weights, level)
		require.NoError(t, err)

		mean, variance := stat.PopMeanVariance(scores, weights)
		neff := float64(n)
		if weights != nil {
			var sw, sw2 float64
			for _, w := range weights {
				sw += w
				sw2 += w * w
			}
			neff = sw * sw / sw2
		}
		se := math.Sqrt(variance / neff)
		z := distuv.UnitNormal.Quantile(1 - (1-level)/2)
		assert.InDelta(t, mean, r.Score, 1e-9, "trial %d", trial)
		assert.InDelta(t, neff, r.EffectiveN, 1e-9, "trial %d", trial)
		assert.InDelta(t, se, r.SE, 1e-9, "trial %d", trial)
		assert.InDelta(t, max(-100, mean-z*se), r.Interval.Low, 1e-9, "trial %d", trial)
		assert.InDelta(t, min(100, mean+z*se), r.Interval.High, 1e-9, "trial %d", trial)
	}
}

func TestNPSInvalid(t *testing.T) {
	_, err := survey.NPSFromCounts(-1, 2, 3, 0.95)
	requireInvalid(t, err, "promoters", "range")
	_, err = survey.NPSFromCounts(0, 0, 0, 0.95)
	requireInvalid(t, err, "", "required")
	_, err = survey.NPSFromCounts(math.MaxInt, math.MaxInt, 1, 0.95)
	requireInvalid(t, err, "", "range")
	for _, level := range []float64{0, 1, -0.5, 1.5, math.NaN(), math.Inf(1)} {
		_, err = survey.NPSFromCounts(1, 2, 3, level)
		requireInvalid(t, err, "level", "range")
	}

	tests := []struct {
		name        string
		answers     survey.Column
		weights     []float64
		field, rule string
	}{
		{"fractional", given(9, 8.5), nil, "answers.values[1]", "integer"},
		{"above 10", given(11), nil, "answers.values[0]", "range"},
		{"negative", given(-1), nil, "answers.values[0]", "range"},
		{"NaN", given(math.NaN()), nil, "answers.values[0]", "finite"},
		{"infinity", given(math.Inf(1)), nil, "answers.values[0]", "finite"},
		{"no answer", given(), nil, "answers", "required"},
		{"all missing", survey.Column{Values: []float64{9, 3}, Missing: []bool{true, true}}, nil, "answers", "required"},
		{"missing flags", survey.Column{Values: []float64{9, 3}, Missing: []bool{true}}, nil, "answers.missing", "length"},
		{"weights length", given(9, 3), []float64{1}, "weights", "length"},
		{"zero weight", given(9, 3), []float64{1, 0}, "weights[1]", "range"},
		{"negative weight", given(9, 3), []float64{-1, 1}, "weights[0]", "range"},
		{"NaN weight", given(9, 3), []float64{1, math.NaN()}, "weights[1]", "range"},
		{"infinite weight", given(9, 3), []float64{math.Inf(1), 1}, "weights[0]", "range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := survey.NPSFromAnswers(tc.answers, tc.weights, 0.95)
			requireInvalid(t, err, tc.field, tc.rule)
		})
	}
	// A missing answer's value is never read, whatever it holds.
	r, err := survey.NPSFromAnswers(survey.Column{Values: []float64{math.NaN(), 10}, Missing: []bool{true, false}}, nil, 0.95)
	require.NoError(t, err)
	assert.Equal(t, 100.0, r.Score)
	assert.Equal(t, 1, r.N)
}

// TestNPSErrorListIsBounded checks that a thousand bad answers make a short error that
// lists ten and counts the rest.
func TestNPSErrorListIsBounded(t *testing.T) {
	bad := make([]float64, 1000)
	for i := range bad {
		bad[i] = 0.5
	}
	_, err := survey.NPSFromAnswers(given(bad...), nil, 0.95)
	requireInvalid(t, err, "answers.values[0]", "integer")
	requireInvalid(t, err, "", "truncated")
	assert.Less(t, len(err.Error()), 2000)
}

// TestEffectiveN checks Kish's effective n = (Σw)²/Σw², computed by hand.
func TestEffectiveN(t *testing.T) {
	tests := []struct {
		name    string
		weights []float64
		want    float64
	}{
		{"five and five", []float64{1, 1, 1, 1, 1, 2, 2, 2, 2, 2}, 9}, // 15²/25
		{"equal", []float64{0.3, 0.3, 0.3}, 3},
		{"one", []float64{7}, 1},
		{"one heavy", []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 9}, 18.0 * 18 / 90}, // 3.6
		{"huge", []float64{math.MaxFloat64, math.MaxFloat64}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := survey.EffectiveN(tc.weights)
			require.NoError(t, err)
			assert.InDelta(t, tc.want, got, 1e-12)
		})
	}
	_, err := survey.EffectiveN(nil)
	requireInvalid(t, err, "weights", "required")
	_, err = survey.EffectiveN([]float64{1, -1})
	requireInvalid(t, err, "weights[1]", "range")
}
