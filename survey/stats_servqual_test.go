package survey_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/survey"
)

// TestServqualDimensions checks the item ranges of the 22-item instrument (Parasuraman,
// Zeithaml & Berry 1988, Journal of Retailing 64(1), appendix): tangibles 1–4,
// reliability 5–9, responsiveness 10–13, assurance 14–17, empathy 18–22.
func TestServqualDimensions(t *testing.T) {
	want := map[survey.ServqualDimension][3]any{
		survey.Tangibles:      {1, 4, "tangibles"},
		survey.Reliability:    {5, 9, "reliability"},
		survey.Responsiveness: {10, 13, "responsiveness"},
		survey.Assurance:      {14, 17, "assurance"},
		survey.Empathy:        {18, 22, "empathy"},
	}
	for d := survey.Tangibles; d <= survey.Empathy; d++ {
		first, last := d.Items()
		assert.Equal(t, want[d], [3]any{first, last, d.String()})
	}
	first, last := survey.ServqualDimension(5).Items()
	assert.Equal(t, [2]int{0, 0}, [2]int{first, last})
}

// TestServqualScore checks the unweighted and weighted scores of five dimension gaps,
// computed by hand: (−0.65 − 1.10 − 0.83 − 0.70 − 1.01)/5 = −0.858, and (10 × −0.65 + 30
// × −1.10 + 20 × (−0.83 − 0.70 − 1.01))/100 = −0.903.
func TestServqualScore(t *testing.T) {
	gaps := []float64{-0.65, -1.10, -0.83, -0.70, -1.01}
	tests := []struct {
		name                 string
		gaps, importance     []float64
		unweighted, weighted float64
		outcome              survey.Outcome
	}{
		{"weighted", gaps, []float64{10, 30, 20, 20, 20}, -0.858, -0.903, survey.Below},
		{"even split", gaps, nil, -0.858, -0.858, survey.Below},
		{"explicit even split", gaps, []float64{20, 20, 20, 20, 20}, -0.858, -0.858, survey.Below},
		{"one dimension only", gaps, []float64{0, 100, 0, 0, 0}, -0.858, -1.10, survey.Below},
		{"exceeded", []float64{0.5, 0, 0, 0, 0}, nil, 0.1, 0.1, survey.Exceeded},
		// The fifths of 0.1 and −0.1 need not cancel exactly in floating point; within
		// GapTolerance they met the expectation.
		{"met", []float64{0.1, -0.1, 0.3, -0.3, 0}, nil, 0, 0, survey.Met},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := survey.ServqualScore(tc.gaps, tc.importance)
			require.NoError(t, err)
			assert.InDelta(t, tc.unweighted, r.Unweighted, 1e-12)
			assert.InDelta(t, tc.weighted, r.Weighted, 1e-12)
			assert.Equal(t, tc.outcome, r.Outcome)
			assert.Equal(t, 5, r.N)
		})
	}
	_, err := survey.ServqualScore(gaps[:4], nil)
	requireInvalid(t, err, "dimension_gaps", "length")
	_, err = survey.ServqualScore(gaps, []float64{10, 30, 20, 20, 30})
	requireInvalid(t, err, "importance", "sum")
	_, err = survey.ServqualScore(gaps, []float64{-10, 50, 20, 20, 20})
	requireInvalid(t, err, "importance[0]", "range")
	_, err = survey.ServqualScore(gaps, []float64{50, 50})
	requireInvalid(t, err, "importance", "length")
	_, err = survey.ServqualScore([]float64{0, 0, math.Inf(-1), 0, 0}, nil)
	requireInvalid(t, err, "dimension_gaps[2]", "finite")
}

func TestOutcomeOf(t *testing.T) {
	for _, tc := range []struct {
		gap  float64
		want survey.Outcome
	}{
		{0.01, survey.Exceeded}, {2e-9, survey.Exceeded}, {1e-10, survey.Met}, {0, survey.Met},
		{-1e-10, survey.Met}, {-2e-9, survey.Below}, {-1, survey.Below},
	} {
		assert.Equal(t, tc.want, survey.OutcomeOf(tc.gap), "%v", tc.gap)
	}
}

// TestServqual checks one respondent's gaps on 1–7, worked by hand: expectations all 7;
// perceptions 6 for tangibles (gap −1), 5 for reliability (−2), 7 for responsiveness (0),
// 4 for assurance (−3) and 7 for empathy except item 22 at 2 (gaps 0, 0, 0, 0, −5: mean
// −1). Unweighted: (−1 − 2 + 0 − 3 − 1)/5 = −1.4; weighted 10/30/20/20/20: (−10 − 60 + 0
// − 60 − 20)/100 = −1.5.
func TestServqual(t *testing.T) {
	e, p := make([]float64, survey.ServqualItems), make([]float64, survey.ServqualItems)
	perceived := []float64{6, 5, 7, 4, 7}
	for d := survey.Tangibles; d <= survey.Empathy; d++ {
		first, last := d.Items()
		for k := first; k <= last; k++ {
			e[k-1], p[k-1] = 7, perceived[d]
		}
	}
	p[21] = 2
	seven := survey.Bounds{Min: 1, Max: 7}
	r, err := survey.Servqual(given(e...), given(p...), seven, []float64{10, 30, 20, 20, 20})
	require.NoError(t, err)
	assert.Equal(t, [5]float64{-1, -2, 0, -3, -1}, r.Dimensions)
	assert.Equal(t, -5.0, r.Items[21])
	assert.InDelta(t, -1.4, r.Unweighted, 1e-12)
	assert.InDelta(t, -1.5, r.Weighted, 1e-12)
	assert.Equal(t, survey.Below, r.Outcome)
	assert.Equal(t, 22, r.ItemsAnswered)

	// Item 22 missing: empathy is the mean of items 18–21, 0.
	missing := make([]bool, survey.ServqualItems)
	missing[21] = true
	r, err = survey.Servqual(given(e...), survey.Column{Values: p, Missing: missing}, seven, nil)
	require.NoError(t, err)
	assert.Equal(t, [5]float64{-1, -2, 0, -3, 0}, r.Dimensions)
	assert.False(t, r.Answered[21])
	assert.Equal(t, 21, r.ItemsAnswered)
	assert.InDelta(t, -1.2, r.Unweighted, 1e-12)
	assert.Equal(t, r.Unweighted, r.Weighted)

	// Perceptions equal to expectations: met.
	r, err = survey.Servqual(given(e...), given(e...), seven, nil)
	require.NoError(t, err)
	assert.Equal(t, survey.Met, r.Outcome)

	// Every tangibles item missing.
	for k := range 4 {
		missing[k] = true
	}
	_, err = survey.Servqual(given(e...), survey.Column{Values: p, Missing: missing}, seven, nil)
	requireInvalid(t, err, "perceptions", "required")
	_, err = survey.Servqual(given(e[:21]...), given(p...), seven, nil)
	requireInvalid(t, err, "expectations", "length")
	p[0] = 8
	_, err = survey.Servqual(given(e...), given(p...), seven, nil)
	requireInvalid(t, err, "perceptions.values[0]", "range")
}
