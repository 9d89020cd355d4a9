package survey_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/survey"
)

// TestCSATWilson checks the Wilson score interval (Wilson 1927; R's prop.test(x, n,
// correct = FALSE)$conf.int) against values computed independently from the formula with
// Python's statistics.NormalDist.
func TestCSATWilson(t *testing.T) {
	tests := []struct {
		name             string
		satisfied, total int
		low, high        float64
	}{
		{"42 of 50", 42, 50, 0.7148578393696501, 0.916625793219666},
		{"0 of 10", 0, 10, 0, 0.27753279986288915},
		{"10 of 10", 10, 10, 0.7224672001371109, 1},
		{"8 of 10", 8, 10, 0.49016247153664183, 0.9433178485456247},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := survey.CSATFromCounts(tc.satisfied, tc.total, 0.95)
			require.NoError(t, err)
			p := float64(tc.satisfied) / float64(tc.total)
			assert.Equal(t, p, r.Share)
			assert.InDelta(t, tc.low, r.Interval.Low, 1e-12)
			assert.InDelta(t, tc.high, r.Interval.High, 1e-12)
			assert.Equal(t, 0.95, r.Interval.Level)
			assert.Equal(t, tc.total, r.N)
			assert.Equal(t, float64(tc.total), r.EffectiveN)
			assert.InDelta(t, math.Sqrt(p*(1-p)/float64(tc.total)), r.SE, 1e-15)
		})
	}
	// The published bounds, to ten decimals; 0 and 1 are exact at the ends.
	r, err := survey.CSATFromCounts(42, 50, 0.95)
	require.NoError(t, err)
	assert.InDelta(t, 0.7148578394, r.Interval.Low, 5e-11)
	assert.InDelta(t, 0.9166257932, r.Interval.High, 5e-11)
	r, err = survey.CSATFromCounts(0, 10, 0.95)
	require.NoError(t, err)
	assert.Equal(t, 0.0, r.Interval.Low)
	r, err = survey.CSATFromCounts(10, 10, 0.95)
	require.NoError(t, err)
	assert.Equal(t, 1.0, r.Interval.High)
}

// TestCSATFromAnswers checks shares of answers at or above a threshold against
// CSATFromCounts on the same answers counted by hand.
func TestCSATFromAnswers(t *testing.T) {
	// 1–5 answers, satisfied from 4: 4, 5, 5, 4 and 4 of ten = 5 satisfied.
	answers := given(4, 5, 3, 2, 5, 1, 4, 3, 4, 3)
	r, err := survey.CSATFromAnswers(answers, nil, survey.Bounds{Min: 1, Max: 5}, 4, 0.95)
	require.NoError(t, err)
	want, err := survey.CSATFromCounts(5, 10, 0.95)
	require.NoError(t, err)
	assert.Equal(t, want, r)

	// Weighted: the satisfied weigh 2+1+1+1+1 = 6 of 12: share 0.5; Kish n = 144/16 = 9;
	// the Wilson interval of 0.5 at n = 9 is 0.5 ± z √(0.25/9 + z²/324)/(1 + z²/9) =
	// [0.2265, 0.7735] (computed with Python's statistics.NormalDist).
	w := []float64{2, 1, 1, 1, 1, 1, 1, 1, 1, 2}
	r, err = survey.CSATFromAnswers(answers, w, survey.Bounds{Min: 1, Max: 5}, 4, 0.95)
	require.NoError(t, err)
	assert.InDelta(t, 0.5, r.Share, 1e-15)
	assert.InDelta(t, 9, r.EffectiveN, 1e-12)
	assert.Equal(t, 10, r.N)
	assert.InDelta(t, 0.22652922988939755, r.Interval.Low, 1e-12)
	assert.InDelta(t, 0.7734707701106025, r.Interval.High, 1e-12)

	_, err = survey.CSATFromAnswers(answers, nil, survey.Bounds{Min: 1, Max: 5}, 6, 0.95)
	requireInvalid(t, err, "satisfied_from", "range")
	_, err = survey.CSATFromAnswers(given(0), nil, survey.Bounds{Min: 1, Max: 5}, 4, 0.95)
	requireInvalid(t, err, "answers.values[0]", "range")
	_, err = survey.CSATFromAnswers(answers, nil, survey.Bounds{Min: 5, Max: 1}, 4, 0.95)
	requireInvalid(t, err, "bounds", "range")
}

func TestCSATInvalid(t *testing.T) {
	tests := []struct {
		name             string
		satisfied, total int
		level            float64
		field, rule      string
	}{
		{"no answer", 0, 0, 0.95, "total", "range"},
		{"negative total", 0, -3, 0.95, "total", "range"},
		{"negative satisfied", -1, 10, 0.95, "satisfied", "range"},
		{"more satisfied than answers", 11, 10, 0.95, "satisfied", "range"},
		{"level 1", 5, 10, 1, "level", "range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := survey.CSATFromCounts(tc.satisfied, tc.total, tc.level)
			requireInvalid(t, err, tc.field, tc.rule)
		})
	}
}

// TestCES checks the effort aggregations against values counted by hand.
func TestCES(t *testing.T) {
	seven := survey.Bounds{Min: 1, Max: 7}
	tests := []struct {
		name                  string
		answers               survey.Column
		weights               []float64
		b                     survey.Bounds
		mean, agree, disagree float64
		n                     int
		neff                  float64
	}{
		// 7, 6, 5, 4, 3, 2, 1, 7, 6, 5 on 1–7: mean 46/10 = 4.6; 5–7: six of ten, 60 %;
		// 1–3: three of ten, 30 %; net easy 30.
		{"ten answers", given(7, 6, 5, 4, 3, 2, 1, 7, 6, 5), nil, seven, 4.6, 60, 30, 10, 10},
		// The same with the 4 and the 1 missing: mean 41/8; agree 6/8; disagree 2/8.
		{"missing", survey.Column{Values: []float64{7, 6, 5, 4, 3, 2, 1, 7, 6, 5},
			Missing: []bool{false, false, false, true, false, false, true, false, false, false}},
			nil, seven, 41.0 / 8, 75, 25, 8, 8},
		// Weighted 3 for the first answer: mean (21 + 39)/12 = 5; agree 8/12; disagree
		// 3/12; Kish n = 144/18 = 8.
		{"weighted", given(7, 6, 5, 4, 3, 2, 1, 7, 6, 5), []float64{3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
			seven, 5, 200.0 / 3, 25, 10, 8},
		// On 1–5 the midpoint is 3: 4 and 5 agree, 1 and 2 disagree.
		{"five points", given(5, 4, 3, 2, 1, 3), nil, survey.Bounds{Min: 1, Max: 5}, 3, 100.0 / 3, 100.0 / 3, 6, 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := survey.CESFromAnswers(tc.answers, tc.weights, tc.b)
			require.NoError(t, err)
			assert.InDelta(t, tc.mean, r.Mean, 1e-12)
			assert.InDelta(t, tc.agree, r.AgreePct, 1e-12)
			assert.InDelta(t, tc.disagree, r.DisagreePct, 1e-12)
			assert.InDelta(t, tc.agree-tc.disagree, r.NetEasy, 1e-12)
			assert.Equal(t, tc.n, r.N)
			assert.InDelta(t, tc.neff, r.EffectiveN, 1e-12)
		})
	}
	_, err := survey.CESFromAnswers(given(8), nil, seven)
	requireInvalid(t, err, "answers.values[0]", "range")
	_, err = survey.CESFromAnswers(given(), nil, seven)
	requireInvalid(t, err, "answers", "required")
	_, err = survey.CESFromAnswers(given(4), nil, survey.Bounds{Min: math.NaN(), Max: 7})
	requireInvalid(t, err, "bounds", "finite")
	_, err = survey.CESFromAnswers(given(4), nil, survey.Bounds{Min: -math.MaxFloat64, Max: math.MaxFloat64})
	requireInvalid(t, err, "bounds", "range")
}
