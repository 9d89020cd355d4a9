package segment_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/segment"
)

// TestParetoNBDPMFReference checks P(X(t) = n) against high-precision values of the
// closed form of Fader, Hardie & Lee (2006, eq. 13), computed with mpmath at up to 800
// digits (testdata/pareto_pmf_reference.py says how), for every parameter in
// {1e-3, 1, 1e4, 1e12}, t ∈ {0.01, 50, 5000} and n ∈ {0, 3, 40}: within 1e-9 relative
// for values above 1e-300, or ErrNumerical (at
// most 2 % of the points; none since the rounding of the part of the sum still alive at
// t counts only in proportion to its share).
func TestParetoNBDPMFReference(t *testing.T) {
	rows := readRefCSV(t, "pareto_pmf_reference.csv")
	require.Greater(t, len(rows), 100)
	num := func(s string) float64 { return parseFloats(t, []string{s})[0] }
	failed, worst := 0, 0.0
	for _, row := range rows {
		p := segment.ParetoNBDParams{R: num(row[0]), Alpha: num(row[1]), S: num(row[2]), Beta: num(row[3])}
		n, h, want := int(num(row[4])), num(row[5]), num(row[6])
		m, err := segment.NewParetoNBD(p)
		require.NoError(t, err)
		got, err := m.ProbabilityOfPurchases(n, h)
		if err != nil {
			require.True(t, errors.Is(err, segment.ErrNumerical), "%v", err)
			failed++
			continue
		}
		if want < 1e-300 {
			assert.LessOrEqual(t, got, 1e-299, "%+v n=%d t=%v", p, n, h)
			continue
		}
		assert.InDelta(t, 1, got/want, 1e-9, "%+v n=%d t=%v: %v, reference %v", p, n, h, got, want)
		worst = max(worst, math.Abs(got/want-1))
	}
	t.Logf("%d reference values, %d ErrNumerical, largest relative difference %.2g", len(rows)-1, failed, worst)
	assert.LessOrEqual(t, float64(failed), 0.02*float64(len(rows)-1), "ErrNumerical")
}
