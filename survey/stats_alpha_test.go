package survey_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/survey"
)

// TestCronbachAlphaSmall checks three items of five respondents against an independent
// computation with Python's statistics.covariance and statistics.correlation: raw alpha
// 63/86 = 0.7325581395 (item variances 0.7, 0.8, 0.7; total variance 4.3), standardised
// alpha 0.7322918089, and alpha if each item is dropped.
func TestCronbachAlphaSmall(t *testing.T) {
	items := []survey.Column{
		given(3, 2, 4, 3, 4), // A
		given(4, 3, 4, 2, 4), // B
		given(3, 4, 5, 3, 4), // C
	}
	tests := []struct {
		name string
		raw  float64
		std  float64
		got  func(survey.AlphaResult) (float64, float64)
	}{
		{"all items", 0.7325581395348839, 0.7322918089033064,
			func(r survey.AlphaResult) (float64, float64) { return r.Raw, r.Standardized }},
		{"without A", 0.6363636363636362, 0.6373303637676613,
			func(r survey.AlphaResult) (float64, float64) { return r.IfDropped[0].Raw, r.IfDropped[0].Standardized }},
		{"without B", 0.6, 0.6,
			func(r survey.AlphaResult) (float64, float64) { return r.IfDropped[1].Raw, r.IfDropped[1].Standardized }},
		{"without C", 0.6956521739130437, 0.6966629547095766,
			func(r survey.AlphaResult) (float64, float64) { return r.IfDropped[2].Raw, r.IfDropped[2].Standardized }},
	}
	for _, policy := range []survey.MissingPolicy{survey.Listwise, survey.Pairwise} {
		r, err := survey.CronbachAlpha(items, policy)
		require.NoError(t, err)
		require.Len(t, r.IfDropped, 3)
		assert.Equal(t, 3, r.Items)
		assert.Equal(t, 5, r.N)
		assert.Equal(t, 5, r.MinPairN)
		assert.Equal(t, policy, r.Policy)
		for _, tc := range tests {
			t.Run(policy.String()+"/"+tc.name, func(t *testing.T) {
				raw, std := tc.got(r)
				assert.InDelta(t, tc.raw, raw, 1e-12)
				assert.InDelta(t, tc.std, std, 1e-12)
			})
		}
	}
	r, err := survey.CronbachAlpha(items, survey.Listwise)
	require.NoError(t, err)
	// The published figures, to the digits they are quoted with.
	assert.InDelta(t, 0.7325581395, r.Raw, 5e-11)
	assert.InDelta(t, 0.7322918089, r.Standardized, 5e-11)
	for i, want := range [][2]float64{{0.6363636, 0.6373304}, {0.6, 0.6}, {0.6956522, 0.6966630}} {
		assert.InDelta(t, want[0], r.IfDropped[i].Raw, 5e-8)
		assert.InDelta(t, want[1], r.IfDropped[i].Standardized, 5e-8)
	}
}

// attitudeItems returns the attitude columns as items, with the cells of missing (row,
// column) marked missing.
func attitudeItems(t *testing.T, missing ...[2]int) []survey.Column {
	cols := loadAttitude(t)
	items := make([]survey.Column, len(cols))
	for j, c := range cols {
		items[j] = survey.Column{Values: c, Missing: make([]bool, len(c))}
	}
	for _, m := range missing {
		items[m[1]].Missing[m[0]] = true
	}
	return items
}

// TestCronbachAlphaAttitude checks R's attitude data against psych::alpha(attitude) (R
// psych 2.2.9, testdata/attitude/SOURCE.md): raw_alpha 0.8431427696, std.alpha
// 0.839083803, average_r 0.4269066426.
func TestCronbachAlphaAttitude(t *testing.T) {
	r, err := survey.CronbachAlpha(attitudeItems(t), survey.Pairwise)
	require.NoError(t, err)
	assert.InDelta(t, 0.8431427696, r.Raw, 5e-11)
	assert.InDelta(t, 0.839083803, r.Standardized, 5e-10)
	assert.InDelta(t, 0.4269066426, r.AverageR, 5e-11)
	assert.Equal(t, 30, r.N)
	assert.Len(t, r.IfDropped, 7)
}

// TestCronbachAlphaMissing checks both policies on the attitude data with seven cells
// marked missing, against an independent computation with Python's statistics module:
// pairwise, each covariance and correlation on the departments that answered both items
// and each variance on those that answered the item; listwise, everything on the 23
// departments that answered every item.
func TestCronbachAlphaMissing(t *testing.T) {
	missing := [][2]int{{0, 1}, {3, 2}, {7, 4}, {12, 6}, {20, 0}, {21, 1}, {5, 5}}
	items := attitudeItems(t, missing...)
	tests := []struct {
		policy   survey.MissingPolicy
		raw, std float64
		n        int
	}{
		{survey.Pairwise, 0.8288160740660874, 0.8222303190516277, 30},
		{survey.Listwise, 0.8008713821198523, 0.7946600067356704, 23},
	}
	for _, tc := range tests {
		t.Run(tc.policy.String(), func(t *testing.T) {
			r, err := survey.CronbachAlpha(items, tc.policy)
			require.NoError(t, err)
			assert.InDelta(t, tc.raw, r.Raw, 1e-12)
			assert.InDelta(t, tc.std, r.Standardized, 1e-12)
			assert.Equal(t, tc.n, r.N)
		})
	}

	// Listwise is the alpha of the complete departments alone.
	var complete []survey.Column
	for j := range items {
		var c []float64
		for i, x := range items[j].Values {
			if !rowMissing(missing, i) {
				c = append(c, x)
			}
		}
		complete = append(complete, given(c...))
	}
	want, err := survey.CronbachAlpha(complete, survey.Pairwise)
	require.NoError(t, err)
	got, err := survey.CronbachAlpha(items, survey.Listwise)
	require.NoError(t, err)
	assert.InDelta(t, want.Raw, got.Raw, 1e-14)
	assert.InDelta(t, want.Standardized, got.Standardized, 1e-14)
	assert.Equal(t, want.IfDropped, got.IfDropped)
	assert.Equal(t, 23, got.MinPairN)
}

func rowMissing(missing [][2]int, row int) bool {
	for _, m := range missing {
		if m[0] == row {
			return true
		}
	}
	return false
}

func TestCronbachAlphaTwoItems(t *testing.T) {
	// Two items: alpha = 2 × (1 − (var₁ + var₂)/(var₁ + var₂ + 2 cov)) = 4 cov / (var₁ +
	// var₂ + 2 cov), by hand with A and B above: var 0.7 and 0.8, cov 0.4: 1.6/2.3 = 16/23,
	// as alpha without C.
	r, err := survey.CronbachAlpha([]survey.Column{given(3, 2, 4, 3, 4), given(4, 3, 4, 2, 4)}, survey.Listwise)
	require.NoError(t, err)
	assert.InDelta(t, 16.0/23, r.Raw, 1e-12)
	assert.Nil(t, r.IfDropped)
}

func TestCronbachAlphaInvalid(t *testing.T) {
	a, b := given(3, 2, 4, 3, 4), given(4, 3, 4, 2, 4)
	tests := []struct {
		name        string
		items       []survey.Column
		policy      survey.MissingPolicy
		field, rule string
	}{
		{"one item", []survey.Column{a}, survey.Listwise, "items", "required"},
		{"no policy", []survey.Column{a, b}, 0, "policy", "enum"},
		{"lengths", []survey.Column{a, given(1, 2)}, survey.Listwise, "items[1]", "length"},
		{"NaN", []survey.Column{a, given(1, 2, math.NaN(), 4, 5)}, survey.Listwise, "items[1].values[2]", "finite"},
		{"constant item", []survey.Column{a, given(2, 2, 2, 2, 2)}, survey.Listwise, "items[1]", "constant"},
		{"constant total", []survey.Column{given(1, 2, 3), given(3, 2, 1)}, survey.Listwise, "items", "constant"},
		{"one respondent", []survey.Column{given(1), given(2)}, survey.Listwise, "items[0]", "required"},
		{"no pair in common", []survey.Column{
			{Values: []float64{1, 2, 3, 4}, Missing: []bool{false, false, true, true}},
			{Values: []float64{1, 2, 3, 4}, Missing: []bool{true, true, false, false}},
		}, survey.Pairwise, "items[1]", "required"},
		{"missing flags", []survey.Column{a, {Values: []float64{1, 2, 3, 4, 5}, Missing: []bool{true}}},
			survey.Listwise, "items[1].missing", "length"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := survey.CronbachAlpha(tc.items, tc.policy)
			requireInvalid(t, err, tc.field, tc.rule)
		})
	}
}
