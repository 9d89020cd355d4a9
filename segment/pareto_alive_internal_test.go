package segment

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestParetoAliveClosedQuad checks the closed form of Pareto/NBD's P(alive) (Fader &
// Hardie's note, eqs. 18–20 and 36–37, with gonum's ₂F₁), wherever paretoLogOdds uses
// it, against the integral over the dropout time (paretoLogOddsQuad), which shares none
// of its formulas: over r, s ∈ {10⁻³ … 300}, α ∈ {10⁻³ … 10⁴}, β/α from 10⁻³ to 10³
// and nine histories from (0, 0, 0.5) to (300, 4000, 5000), the log-odds agree to
// 10⁻¹⁰ times P/(1 − P) (so that P agrees to 10⁻¹⁰ relatively). The closed form must
// answer at most of the points with the ₂F₁ arguments at most paretoClosedMaxZ.
func TestParetoAliveClosedQuad(t *testing.T) {
	var points, closed int
	worst := 0.0
	for _, r := range []float64{1e-3, 0.1, 0.55, 1, 3, 30, 300} {
		for _, s := range []float64{1e-3, 0.1, 0.6, 1, 3, 30, 300} {
			for _, alpha := range []float64{1e-3, 0.1, 1, 10.6, 100, 1e4} {
				for _, ratio := range []float64{1e-3, 0.05, 0.2, 0.5, 0.7, 1, 1.5, 2, 5, 20, 1000} {
					p := ParetoNBDParams{R: r, Alpha: alpha, S: s, Beta: alpha * ratio}
					for _, h := range []gridHistory{{0, 0, 38}, {1, 30, 38}, {2, 37.9, 38}, {5, 20, 30}, {0, 0, 0.5}, {1, 0.1, 0.5}, {50, 100, 500}, {300, 4000, 5000}, {3, 1, 5000}} {
						points++
						if (bgRace || testing.Short()) && points%5 != 0 {
							continue
						}
						l, _, ok := paretoLogOdds(p, h.x, h.tx, h.T)
						if !assert.True(t, ok, "%+v %+v", p, h) {
							continue
						}
						lq, ok := paretoLogOddsQuad(p, h.x, h.tx, h.T)
						if !assert.True(t, ok, "%+v %+v", p, h) || l == lq {
							continue // the quadrature answered
						}
						closed++
						d := math.Abs(l-lq) * logisticOf(-lq)
						worst = max(worst, d)
						assert.Less(t, d, 1e-10, "%+v %+v: log-odds %v, quadrature %v", p, h, l, lq)
					}
				}
			}
		}
	}
	t.Logf("%d points, %d by the closed form, largest difference %.2g", points, closed, worst)
	assert.Greater(t, closed, points/5/5)
}
