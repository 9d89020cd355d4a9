package survey_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/survey"
)

// TestCompareCSAT checks the pooled two-proportion z test without continuity correction
// (R: prop.test(c(42, 120), c(50, 160), correct = FALSE), whose X-squared is z²) against
// an independent computation with Python's statistics.NormalDist: 42/50 against 120/160
// is a difference of 0.09, z 1.3228757, p 0.1858767.
func TestCompareCSAT(t *testing.T) {
	tests := []struct {
		name           string
		x1, n1, x2, n2 int
		alpha          float64
		diff, z, p     float64
		change         survey.Change
	}{
		{"42/50 vs 120/160", 42, 50, 120, 160, 0.05, 0.09, 1.322875655532295, 0.1858767323658761, survey.NoSignificantChange},
		// At α = 0.2 the same difference is significant.
		{"at α = 0.2", 42, 50, 120, 160, 0.2, 0.09, 1.322875655532295, 0.1858767323658761, survey.SignificantIncrease},
		// Reversed, the same z with the other sign.
		{"120/160 vs 42/50", 120, 160, 42, 50, 0.2, -0.09, -1.322875655532295, 0.1858767323658761, survey.SignificantDecrease},
		// Both periods all satisfied: no change, z 0, p 1.
		{"10/10 vs 20/20", 10, 10, 20, 20, 0.05, 0, 0, 1, survey.NoSignificantChange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cur, err := survey.CSATFromCounts(tc.x1, tc.n1, 0.95)
			require.NoError(t, err)
			prev, err := survey.CSATFromCounts(tc.x2, tc.n2, 0.95)
			require.NoError(t, err)
			c, err := survey.CompareCSAT(cur, prev, tc.alpha)
			require.NoError(t, err)
			assert.InDelta(t, tc.diff, c.Difference, 1e-12)
			assert.InDelta(t, tc.z, c.Z, 1e-12)
			assert.InDelta(t, tc.p, c.P, 1e-12)
			assert.Equal(t, tc.change, c.Change)
			assert.Equal(t, tc.n1, c.CurrentN)
			assert.Equal(t, tc.n2, c.PreviousN)
		})
	}
	cur, _ := survey.CSATFromCounts(42, 50, 0.95)
	prev, _ := survey.CSATFromCounts(120, 160, 0.95)
	c, err := survey.CompareCSAT(cur, prev, 0.05)
	require.NoError(t, err)
	// The published figures, to the digits they are quoted with.
	assert.InDelta(t, 1.3228757, c.Z, 5e-8)
	assert.InDelta(t, 0.1858767, c.P, 5e-8)
	assert.Equal(t, "no significant change (p = 0.1859 at α = 0.05)", c.String())

	_, err = survey.CompareCSAT(cur, prev, 0)
	requireInvalid(t, err, "alpha", "range")
	_, err = survey.CompareCSAT(survey.CSATResult{}, prev, 0.05)
	requireInvalid(t, err, "current.n", "range")
	_, err = survey.CompareCSAT(cur, survey.CSATResult{Share: 2, N: 5, EffectiveN: 5}, 0.05)
	requireInvalid(t, err, "previous.share", "range")
}

// TestCompareNPS checks the z test of two independent scores, with SE = √(SE₁² + SE₂²),
// against an independent computation with Python's statistics.NormalDist: 162/108/54
// (NPS 33.33, SE 4.1409) against 150/100/70 (NPS 25, SE 4.4194) is a difference of
// 8.3333333 points, SE 6.0562386, z 1.3759916, p 0.1688242.
func TestCompareNPS(t *testing.T) {
	cur, err := survey.NPSFromCounts(162, 108, 54, 0.95)
	require.NoError(t, err)
	prev, err := survey.NPSFromCounts(150, 100, 70, 0.95)
	require.NoError(t, err)
	c, err := survey.CompareNPS(cur, prev, 0.05)
	require.NoError(t, err)
	assert.InDelta(t, 8.333333333333336, c.Difference, 1e-12)
	assert.InDelta(t, 6.0562386351625594, c.SE, 1e-12)
	assert.InDelta(t, 1.3759915742008497, c.Z, 1e-12)
	assert.InDelta(t, 0.1688242418965149, c.P, 1e-12)
	assert.InDelta(t, 8.3333333, c.Difference, 5e-8)
	assert.InDelta(t, 6.0562386, c.SE, 5e-8)
	assert.InDelta(t, 1.3759916, c.Z, 5e-8)
	assert.InDelta(t, 0.1688242, c.P, 5e-8)
	assert.Equal(t, survey.NoSignificantChange, c.Change)
	assert.Equal(t, 324, c.CurrentN)
	assert.Equal(t, 320.0, c.PreviousEffectiveN)

	// Ten times the answers in the same proportions: SE shrinks by √10, z = 4.35,
	// p = 1.3e-5: a significant increase.
	cur, _ = survey.NPSFromCounts(1620, 1080, 540, 0.95)
	prev, _ = survey.NPSFromCounts(1500, 1000, 700, 0.95)
	c, err = survey.CompareNPS(cur, prev, 0.05)
	require.NoError(t, err)
	assert.InDelta(t, 1.3759915742008497*3.1622776601683795, c.Z, 1e-9)
	assert.Equal(t, survey.SignificantIncrease, c.Change)
	c, err = survey.CompareNPS(prev, cur, 0.05)
	require.NoError(t, err)
	assert.Equal(t, survey.SignificantDecrease, c.Change)

	// Both periods certain: equal scores show no change; different ones have no test.
	all, _ := survey.NPSFromCounts(5, 0, 0, 0.95)
	none, _ := survey.NPSFromCounts(0, 0, 9, 0.95)
	c, err = survey.CompareNPS(all, all, 0.05)
	require.NoError(t, err)
	assert.Equal(t, survey.NoSignificantChange, c.Change)
	assert.Equal(t, 1.0, c.P)
	_, err = survey.CompareNPS(all, none, 0.05)
	requireInvalid(t, err, "current", "degenerate")
	_, err = survey.CompareNPS(survey.NPSResult{Score: 200, N: 1, EffectiveN: 1}, none, 0.05)
	requireInvalid(t, err, "current.score", "range")
}
