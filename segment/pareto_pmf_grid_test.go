package segment_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/segment"
)

// TestParetoNBDPMFGrid checks the Pareto/NBD P(X(t) = n) against the model's expectation
// (note eq. 27, rβ/(α(s−1))·[1 − (β/(β+t))^(s−1)], a closed form that shares no code
// with the PMF's quadrature) over r, α, s, β ∈ {10⁻³, 1, 10⁴, 10¹²} and t ∈ {0.01, 50,
// 5000}: every P(X(t) = n) is in [0, 1], Σₙ P(X(t) = n) = 1 and Σₙ n·P(X(t) = n) =
// E[X(t)] to 10⁻⁹ relatively wherever the sums converge within 300 terms (the rest of
// Σ n·P is bounded by the falling terms). Points whose sums need more (E[X(t)] above
// 15, or a tail too long, as s < 1 gives) are counted as skipped and bounded; an
// ErrNumerical is counted and bounded too (at most 2 %: the few left are at n ≈ 200
// with r = 10¹², where the bound on the rounding of the log-space terms, each in the
// thousands, passes 10⁻¹¹). With -short every fourth point is taken.
func TestParetoNBDPMFGrid(t *testing.T) {
	grid := []float64{1e-3, 1, 1e4, 1e12}
	const maxN = 300
	var points, skipped, numerical, checked, k int
	worst := 0.0
	for _, r := range grid {
		for _, alpha := range grid {
			for _, s := range grid {
				for _, beta := range grid {
					for _, tt := range []float64{0.01, 50, 5000} {
						k++
						if testing.Short() && k%4 != 0 {
							continue
						}
						points++
						p := segment.ParetoNBDParams{R: r, Alpha: alpha, S: s, Beta: beta}
						m, err := segment.NewParetoNBD(p)
						require.NoError(t, err)
						e, err := m.ExpectedPurchases(tt)
						require.NoError(t, err)
						if e > maxN/20 {
							skipped++
							continue
						}
						sum, mean, done := 0.0, 0.0, false
						for n := 0; n < maxN; n++ {
							q, err := m.ProbabilityOfPurchases(n, tt)
							if err != nil {
								require.True(t, errors.Is(err, segment.ErrNumerical), "%v", err)
								numerical++
								done = true
								break
							}
							require.True(t, q >= 0 && q <= 1, "P(X(%v) = %d) = %v at %+v", tt, n, q, p)
							sum += q
							mean += float64(n) * q
							if n > 2 && 1-sum < 1e-14 && q*float64(n)*float64(n) < 1e-13*mean {
								checked++
								done = true
								if !assert.InDelta(t, 1, sum, 1e-9, "Σ P at %+v t=%v", p, tt) ||
									!assert.InDelta(t, e, mean, 1e-9*e+1e-300, "Σ n·P = %v, E = %v at %+v t=%v", mean, e, p, tt) {
									return
								}
								if e > 0 {
									worst = max(worst, math.Abs(mean/e-1))
								}
								break
							}
						}
						if !done {
							skipped++
						}
					}
				}
			}
		}
	}
	t.Logf("%d points: %d checked (largest relative difference of Σ n·P %.2g), %d skipped (sums longer than %d terms), %d ErrNumerical", points, checked, worst, skipped, maxN, numerical)
	assert.Less(t, float64(skipped), 0.45*float64(points), "skipped")
	assert.LessOrEqual(t, float64(numerical), 0.02*float64(points), "ErrNumerical")
	assert.Greater(t, float64(checked), 0.5*float64(points))
}
