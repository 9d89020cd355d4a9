package segment_test

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/segment"
)

// TestGammaGammaSpendGrid checks the conditional expected spend of the Gamma-Gamma model
// (Fader, Hardie & Lee 2005, "The Gamma-Gamma Model of Monetary Value", eq. 5:
// E[M | x, m̄] = p(v + x m̄)/(px + q − 1)) over a wide grid — p, q and v from 10⁻³ to 10¹²,
// x from 1 to 500, m̄ from 0.01 to 10⁶ — against the same expression evaluated in 256-bit
// floating point (math/big), so that the arrangement the package uses to avoid overflow
// is shown to keep every digit: the answer agrees to 10⁻¹² relative, or is ErrNumerical
// only where the exact value is outside the range of a float64. Where q > 1 it is also a
// weighted average of the population mean pv/(q − 1) and m̄, so it lies between them.
func TestGammaGammaSpendGrid(t *testing.T) {
	params := []float64{1e-3, 0.1, 0.999, 1, 1.001, 3.7, 100, 1e4, 1e8, 1e12}
	xs := []int{1, 2, 10, 500}
	means := []float64{0.01, 1, 35.2, 1e6}
	exact := func(p, q, v float64, x int, mean float64) *big.Float {
		f := func(v float64) *big.Float { return new(big.Float).SetPrec(256).SetFloat64(v) }
		num := new(big.Float).SetPrec(256).Mul(f(float64(x)), f(mean))
		num.Add(num, f(v)).Mul(num, f(p))
		den := new(big.Float).SetPrec(256).Mul(f(p), f(float64(x)))
		den.Add(den, f(q)).Sub(den, f(1))
		if den.Sign() <= 0 {
			return nil
		}
		return num.Quo(num, den)
	}
	checked, numerical := 0, 0
	for _, p := range params {
		for _, q := range params {
			for _, v := range params {
				m, err := segment.NewGammaGamma(segment.GammaGammaParams{P: p, Q: q, V: v})
				require.NoError(t, err)
				for _, x := range xs {
					for _, mean := range means {
						got, err := m.ConditionalExpectedSpend(x, mean)
						want := exact(p, q, v, x, mean)
						if want == nil {
							require.Error(t, err, "p=%v q=%v v=%v x=%d: px + q ≤ 1 has no mean", p, q, v, x)
							continue
						}
						w, _ := want.Float64()
						if errors.Is(err, segment.ErrNumerical) {
							require.True(t, math.IsInf(w, 0) || w == 0 && want.Sign() != 0,
								"p=%v q=%v v=%v x=%d m̄=%v: ErrNumerical for %v, which a float64 holds", p, q, v, x, mean, w)
							numerical++
							continue
						}
						require.NoError(t, err, "p=%v q=%v v=%v x=%d m̄=%v", p, q, v, x, mean)
						require.InEpsilon(t, w, got, 1e-12, "p=%v q=%v v=%v x=%d m̄=%v", p, q, v, x, mean)
						if q > 1 {
							pop := p * v / (q - 1)
							lo, hi := math.Min(pop, mean), math.Max(pop, mean)
							require.True(t, got >= lo*(1-1e-12) && got <= hi*(1+1e-12),
								"p=%v q=%v v=%v x=%d m̄=%v: %v is not between %v and %v", p, q, v, x, mean, got, lo, hi)
						}
						checked++
					}
				}
			}
		}
	}
	t.Logf("%d points agree, %d ErrNumerical where the value overflows", checked, numerical)
	require.Greater(t, checked, 10000)
}
