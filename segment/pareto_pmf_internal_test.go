package segment

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestParetoPMFClosedQuad checks the fast path of ProbabilityOfPurchases, the closed
// form of Fader, Hardie & Lee (2006, eq. 13) with gonum's ₂F₁ (paretoLogPMFClosed),
// against the log-concave quadrature over the dropout time (paretoLogPMF), which shares
// none of its formulas, at every point of a grid where the fast path answers: r, s ∈
// {10⁻³, 0.1, 0.55, 1, 3, 30, 300}, α ∈ {10⁻³, 1, 10.6, 10⁴}, β from α/2 to 2α (the
// fast path's range), t ∈ {0.01, 1, 39, 500} and n = 0 … 40 (a fifth of the points
// with -short or the race detector). They agree to 10⁻¹⁰
// relatively (each claims 10⁻¹⁰ or better); the fast path must answer at most of the
// points with CDNOW-like parameters.
func TestParetoPMFClosedQuad(t *testing.T) {
	var points, fast int
	worst := 0.0
	stride := 1
	if bgRace || testing.Short() {
		stride = 5
	}
	for _, r := range []float64{1e-3, 0.1, 0.55, 1, 3, 30, 300} {
		for _, s := range []float64{1e-3, 0.1, 0.55, 1, 3, 30, 300} {
			for _, alpha := range []float64{1e-3, 1, 10.6, 1e4} {
				for _, ratio := range []float64{0.5, 0.9, 1, 1.1, 2} {
					p := ParetoNBDParams{R: r, Alpha: alpha, S: s, Beta: alpha * ratio}
					for _, tt := range []float64{0.01, 1, 39, 500} {
						for n := 0; n <= 40; n += 1 + n/4 {
							points++
							if (bgRace || testing.Short()) && points%5 != 0 {
								continue // a fifth of the grid
							}
							got, ok := paretoLogPMFClosed(p, n, tt)
							if !ok {
								continue
							}
							want, ok := paretoLogPMF(p, n, tt)
							if !ok {
								continue
							}
							fast++
							if want < -700 {
								continue // both near or below the float range
							}
							d := math.Abs(math.Expm1(got - want))
							worst = max(worst, d)
							assert.Less(t, d, 1e-10, "%+v n=%d t=%v: closed form %v, quadrature %v", p, n, tt, math.Exp(got), math.Exp(want))
						}
					}
				}
			}
		}
	}
	t.Logf("%d points, %d answered by the closed form, largest relative difference %.2g", points, fast, worst)
	assert.Greater(t, fast, points/4/stride)
	// CDNOW's fit: every n ≤ 10 over a 39-week horizon takes the fast path
	for n := 0; n <= 10; n++ {
		_, ok := paretoLogPMFClosed(ParetoNBDParams{R: 0.5533, Alpha: 10.5776, S: 0.6061, Beta: 11.6679}, n, 39)
		assert.True(t, ok, "n = %d", n)
	}
}
