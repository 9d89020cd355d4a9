package survey_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/survey"
)

// TestWeightedIndex checks the 0–100 index 100 Σ wᵢ(x̄ᵢ − min) / ((max − min) Σ wᵢ) against
// values computed by hand.
func TestWeightedIndex(t *testing.T) {
	ten := survey.Bounds{Min: 1, Max: 10}
	tests := []struct {
		name           string
		means, weights []float64
		b              survey.Bounds
		want           float64
	}{
		// (0.3885 × 7 + 0.3190 × 6 + 0.2925 × 6.5) / 9 / 1 = 6.53475 / 9 = 72.6083333 %.
		{"three items on 1–10", []float64{8, 7, 7.5}, []float64{0.3885, 0.3190, 0.2925}, ten, 72.60833333333333},
		// Weights need not sum to 1: the same split in percent gives the same index.
		{"weights in percent", []float64{8, 7, 7.5}, []float64{38.85, 31.90, 29.25}, ten, 72.60833333333333},
		{"all at the minimum", []float64{1, 1}, []float64{1, 2}, ten, 0},
		{"all at the maximum", []float64{10, 10}, []float64{1, 2}, ten, 100},
		// One item at the midpoint 3 of 1–5: 50.
		{"midpoint", []float64{3}, []float64{1}, survey.Bounds{Min: 1, Max: 5}, 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := survey.WeightedIndex(tc.means, tc.weights, tc.b)
			require.NoError(t, err)
			assert.InDelta(t, tc.want, r.Score, 1e-12)
			assert.Equal(t, len(tc.means), r.N)
		})
	}
	_, err := survey.WeightedIndex([]float64{8, 11}, []float64{1, 1}, ten)
	requireInvalid(t, err, "means[1]", "range")
	_, err = survey.WeightedIndex([]float64{8, 7}, []float64{1}, ten)
	requireInvalid(t, err, "weights", "length")
	_, err = survey.WeightedIndex([]float64{8}, nil, ten)
	requireInvalid(t, err, "weights", "required")
	_, err = survey.WeightedIndex(nil, []float64{}, ten)
	requireInvalid(t, err, "means", "required")
	_, err = survey.WeightedIndex([]float64{8}, []float64{0}, ten)
	requireInvalid(t, err, "weights[0]", "range")
}

func TestReverse(t *testing.T) {
	tests := []struct {
		name    string
		b       survey.Bounds
		x, want float64
	}{
		{"1 on 1–5", survey.Bounds{Min: 1, Max: 5}, 1, 5},
		{"2 on 1–5", survey.Bounds{Min: 1, Max: 5}, 2, 4},
		{"midpoint on 1–5", survey.Bounds{Min: 1, Max: 5}, 3, 3},
		{"0 on 0–10", survey.Bounds{Min: 0, Max: 10}, 0, 10},
		{"−2 on −3–3", survey.Bounds{Min: -3, Max: 3}, -2, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.b.Reverse(tc.x)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := survey.Bounds{Min: 1, Max: 5}.Reverse(6)
	requireInvalid(t, err, "x", "range")
	_, err = survey.Bounds{Min: 1, Max: 5}.Reverse(math.NaN())
	requireInvalid(t, err, "x", "finite")

	in := survey.Column{Values: []float64{1, 2, 99, 5}, Missing: []bool{false, false, true, false}}
	out, err := survey.ReverseKeyed(in, survey.Bounds{Min: 1, Max: 5})
	require.NoError(t, err)
	assert.Equal(t, survey.Column{Values: []float64{5, 4, 0, 1}, Missing: []bool{false, false, true, false}}, out)
	assert.Equal(t, []float64{1, 2, 99, 5}, in.Values, "the input is not changed")
	_, err = survey.ReverseKeyed(given(1, 6), survey.Bounds{Min: 1, Max: 5})
	requireInvalid(t, err, "answers.values[1]", "range")
}

// TestCategoryTotals checks a respondent's totals on seven categories of 7, 5, 4, 7, 4, 7
// and 6 items on 1–5 (maxima 35, 25, 20, 35, 20, 35 and 30), added up by hand.
func TestCategoryTotals(t *testing.T) {
	cats := []survey.Category{
		{Name: "staff", Values: []float64{5, 4, 4, 5, 3, 4, 5}}, // 30 of 35
		{Name: "rooms", Values: []float64{4, 4, 4, 4, 4}},       // 20 of 25
		{Name: "food", Values: []float64{1, 1, 1, 1}},           // 4 of 20
		{Name: "cleanliness", Values: []float64{5, 5, 5, 5, 5, 5, 5}},
		{Name: "value", Values: []float64{3, 2, 3, 2}},             // 10 of 20
		{Name: "location", Values: []float64{4, 5, 4, 5, 4, 5, 4}}, // 31 of 35
		{Name: "booking", Values: []float64{3, 3, 4, 4, 2, 2}},     // 18 of 30
	}
	want := []struct {
		total, max, pct float64
	}{
		{30, 35, 600.0 / 7}, {20, 25, 80}, {4, 20, 20}, {35, 35, 100}, {10, 20, 50}, {31, 35, 3100.0 / 35}, {18, 30, 60},
	}
	got, err := survey.CategoryTotals(cats, survey.Bounds{Min: 1, Max: 5})
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for i, w := range want {
		t.Run(cats[i].Name, func(t *testing.T) {
			assert.Equal(t, cats[i].Name, got[i].Name)
			assert.Equal(t, len(cats[i].Values), got[i].N)
			assert.Equal(t, w.total, got[i].Total)
			assert.Equal(t, w.max, got[i].Max)
			assert.InDelta(t, w.pct, got[i].PercentOfMax, 1e-12)
		})
	}
	_, err = survey.CategoryTotals([]survey.Category{{Name: "x"}}, survey.Bounds{Min: 1, Max: 5})
	requireInvalid(t, err, "categories[0].values", "required")
	_, err = survey.CategoryTotals([]survey.Category{{Values: []float64{1, 7}}}, survey.Bounds{Min: 1, Max: 5})
	requireInvalid(t, err, "categories[0].values[1]", "range")
	_, err = survey.CategoryTotals([]survey.Category{{Values: []float64{-1}}}, survey.Bounds{Min: -2, Max: 0})
	requireInvalid(t, err, "bounds", "range")
	_, err = survey.CategoryTotals(nil, survey.Bounds{Min: 1, Max: 5})
	requireInvalid(t, err, "categories", "required")
}

func TestBandFor(t *testing.T) {
	bands := []survey.Band{
		{From: math.Inf(-1), To: 50, Message: "needs attention"},
		{From: 50, To: 80, Message: "fair"},
		{From: 80, To: math.Inf(1), Message: "excellent"},
		{From: 90, To: 100, Message: "never reached: the band before it wins"},
	}
	tests := []struct {
		score float64
		want  string
	}{
		{-10, "needs attention"}, {49.999, "needs attention"}, {50, "fair"}, {79.999, "fair"},
		{80, "excellent"}, {95, "excellent"}, {100, "excellent"},
	}
	for _, tc := range tests {
		b, ok, err := survey.BandFor(tc.score, bands)
		require.NoError(t, err)
		require.True(t, ok, "%v", tc.score)
		assert.Equal(t, tc.want, b.Message, "%v", tc.score)
	}
	// A score no band holds: the upper bound of [0, 100) is open.
	_, ok, err := survey.BandFor(100, []survey.Band{{From: 0, To: 100, Message: "any"}})
	require.NoError(t, err)
	assert.False(t, ok)

	_, _, err = survey.BandFor(math.NaN(), bands)
	requireInvalid(t, err, "score", "finite")
	_, _, err = survey.BandFor(1, []survey.Band{{From: 5, To: 5}})
	requireInvalid(t, err, "bands[0]", "range")
	_, _, err = survey.BandFor(1, []survey.Band{{From: 0, To: 5}, {From: math.NaN(), To: 5}})
	requireInvalid(t, err, "bands[1]", "range")
}
