package segment

import (
	"errors"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The grid tests run a few thousand points by default (a few seconds); set
// KEHU_BG_LONG_GRID=1 for a finer grid of about ten times as many (a few minutes).
func bgLongGrid() bool { return os.Getenv("KEHU_BG_LONG_GRID") != "" }

// bgGridStride is the sampling step of the default grids: every sixth point, every
// sixtieth under the race detector.
func bgGridStride() int {
	if bgRace {
		return 60
	}
	return 6
}

// bgParamGrid returns a log grid of parameter values over [10⁻³, 10¹²].
func bgParamGrid() []float64 {
	if bgLongGrid() {
		return []float64{1e-3, 1e-2, 0.1, 0.5, 1, 2, 10, 100, 1e3, 1e4, 1e6, 1e9, 1e12}
	}
	return []float64{1e-3, 0.3, 30, 1e4, 1e12}
}

// gridHistory is a continuous-time history (x, t_x, T).
type gridHistory struct {
	x     int
	tx, T float64
}

var bgGridHistories = []gridHistory{
	{0, 0, 0}, {0, 0, 0.01}, {0, 0, 5000}, {1, 0.005, 0.01}, {2, 30.43, 38.86},
	{50, 100, 5000}, {500, 4999, 5000}, {500, 1, 5000},
}

var bgGridHorizons = []float64{0.01, 39, 5000}

// bgRelClose reports whether got is within rel of want (relatively), or both below
// 10⁻³⁰⁰.
func bgRelClose(want, got, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Abs(want)+1e-300
}

// TestBGFamilyGrid checks BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers
// the easy way", Marketing Science 24(2), eqs. 8–10 and the 2008 note on P(alive)) and
// MBG/NBD (Batislam, Denizel & Filiztekin 2007, IJRM 24(3)) over a log grid of
// parameters in [10⁻³, 10¹²], histories x = 0 … 500 with T = 0.01 … 5000 and horizons
// t = 0.01 … 5000:
//
//   - P(alive) ∈ [0, 1]; 0 ≤ E[Y(t) | history] ≤ P(alive)·(r+x)·t/(α+T) (the
//     expectation without dropout), zero exactly when P(alive) is, and non-decreasing
//     in t;
//   - the value agrees to 10⁻⁹ with the closed form of eq. 10, an independent
//     evaluation (gonum's ₂F₁), at every point where the closed form keeps its digits
//     (a+b'−1 > 0 and its loss factor small, parameters at most bgClosedSmall and
//     z = t/(α+T+t) ≤ 0.9: beyond, gonum's ₂F₁ can be 10⁻⁹ off, or at r = 1000 wrong
//     by any amount, while the series and the quadrature agree);
//   - wherever the series converges, it agrees to 10⁻⁹ with the integral over the
//     dropout probability (bgMeanQuad), which shares no code with it; where only the
//     quadrature answers, the 40-digit references of TestBGNBDLongSeriesReference
//     check it;
//   - ErrNumerical is the only error, only where the series would need more than
//     bgSeriesTerms terms and the quadrature fails too; at most 1 % of the points
//     (none on the default grid).
func TestBGFamilyGrid(t *testing.T) {
	grid := bgParamGrid()
	var points, numerical, compared, crossed, k int
	for _, modified := range []bool{false, true} {
		for _, r := range grid {
			for _, alpha := range grid {
				for _, a := range grid {
					for _, b := range grid {
						p := BGNBDParams{R: r, Alpha: alpha, A: a, B: b}
						k++
						for j, h := range bgGridHistories {
							if !bgLongGrid() && (k+j)%bgGridStride() != 0 {
								continue // by default a sixth of the histories
							}
							alive := bgAlive(p, modified, h.x, h.tx, h.T)
							require.True(t, alive >= 0 && alive <= 1, "P(alive) %v at %+v %+v", alive, p, h)
							prev := 0.0
							for _, tt := range bgGridHorizons {
								points++
								v, err := bgConditional(p, modified, tt, h.x, h.tx, h.T)
								if err != nil {
									require.ErrorIs(t, err, ErrNumerical, "%+v %+v t=%v", p, h, tt)
									// only where the series needs too many terms
									aT := alpha + h.T
									require.Greater(t, bgSeriesNeed(r+float64(h.x), tt/(aT+tt), aT/(aT+tt)), float64(bgSeriesTerms), "%+v %+v t=%v: %v", p, h, tt, err)
									numerical++
									continue
								}
								bound := alive * (r + float64(h.x)) * tt / (alpha + h.T)
								require.True(t, v >= 0 && v <= bound*(1+1e-9), "E = %v outside [0, %v] at mbg=%v %+v %+v t=%v", v, bound, modified, p, h, tt)
								require.Equal(t, alive == 0, v == 0, "E = %v with P(alive) = %v at %+v %+v t=%v", v, alive, p, h, tt)
								require.True(t, v >= prev*(1-1e-9), "E decreases in t at %+v %+v t=%v: %v < %v", p, h, tt, v, prev)
								prev = v
								if alive == 0 {
									continue
								}
								// the closed form, where it is well conditioned
								fx := float64(h.x)
								B := b + fx
								if modified {
									B++
								}
								aT := alpha + h.T
								z, w := tt/(aT+tt), aT/(aT+tt)
								// the series and the quadrature, where both answer, check each other
								if bgSeriesNeed(r+fx, z, w) <= bgSeriesTerms {
									gs, okS := bgMeanSeries(r+fx, a, B, z, w)
									gq, okQ := bgMeanQuad(r+fx, a, B, z, w)
									if okS && okQ {
										crossed++
										assert.True(t, bgRelClose(gs, gq, 1e-9), "mbg=%v %+v %+v t=%v: series %v, quadrature %v", modified, p, h, tt, gs, gq)
									}
								}
								if z > 0.9 || max(r+fx, a, B) > bgClosedSmall {
									// gonum's ₂F₁ near z = 1 or with parameters in the hundreds
									// is no reference (10⁻⁹ off or worse there, while the series
									// and the quadrature agree)
									continue
								}
								maxLoss := float64(bgClosedSmallLoss)
								if a+B < 1.001 || math.Abs(a-1) < 1e-3 || (a+B-1)/(math.Abs(a-1)*(r+fx)*(z/w)) > maxLoss {
									continue // the closed form loses digits
								}
								g, loss, ok := bgMeanClosed(r+fx, a, B, z, w)
								if ok && loss <= maxLoss {
									compared++
									assert.True(t, bgRelClose(alive*g, v, 1e-9), "mbg=%v %+v %+v t=%v: series %v, closed form %v (loss %.3g)", modified, p, h, tt, v, alive*g, loss)
								}
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d points, %d compared with the closed form, %d series with the quadrature, %d ErrNumerical", points, compared, crossed, numerical)
	assert.LessOrEqual(t, float64(numerical), 0.01*float64(points), "too many points without an answer")
	assert.Greater(t, float64(compared), 0.05*float64(points))
	assert.Greater(t, float64(crossed), 0.5*float64(points))
}

// TestBGFamilyPMFGrid checks the BG/NBD and MBG/NBD PMFs (FHL 2005, eq. 8; Batislam
// et al. 2007) against the expectations over the parameter grid: every P(X(t) = n) is
// in [0, 1], Σₙ P(X(t) = n) = 1 and Σₙ n·P(X(t) = n) = E[X(t)] to 10⁻⁹ relatively.
// Points whose PMF needs more than 600 terms to converge are skipped (counted and
// bounded); ErrNumerical is allowed for at most 1 % of the points.
func TestBGFamilyPMFGrid(t *testing.T) {
	grid := bgParamGrid()
	const maxN = 600
	var points, skipped, numerical int
	for i, modified := range []bool{false, true} {
		k := 0
		for _, r := range grid {
			for _, alpha := range grid {
				for _, a := range grid {
					for _, b := range grid {
						k++
						if !bgLongGrid() && (k+i)%bgGridStride() != 0 {
							continue // a sixth of the grid by default
						}
						p := BGNBDParams{R: r, Alpha: alpha, A: a, B: b}
						for _, tt := range []float64{0.01, 39} {
							points++
							e, err := bgConditional(p, modified, tt, 0, 0, 0)
							if err != nil {
								require.ErrorIs(t, err, ErrNumerical)
								numerical++
								continue
							}
							if e > maxN/20 {
								skipped++
								continue
							}
							sum, mean, done := 0.0, 0.0, false
							for n := 0; n < maxN; n++ {
								q, err := bgPMF(p, modified, n, tt)
								if err != nil {
									require.ErrorIs(t, err, ErrNumerical)
									numerical++
									done = true
									break
								}
								require.True(t, q >= 0 && q <= 1, "P(X(%v) = %d) = %v at %+v", tt, n, q, p)
								sum += q
								mean += float64(n) * q
								// the rest of the mean is below n·(1 − sum) + … ; stop when negligible
								if n > 2 && 1-sum < 1e-14 && q*float64(n)*float64(n) < 1e-13*mean {
									done = true
									break
								}
							}
							if !done {
								skipped++
								continue
							}
							if !assert.InDelta(t, 1, sum, 1e-9, "Σ P at mbg=%v %+v t=%v", modified, p, tt) ||
								!assert.True(t, bgRelClose(e, mean, 1e-9), "Σ n·P = %v, E = %v at mbg=%v %+v t=%v", mean, e, modified, p, tt) {
								return
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d points, %d skipped (PMF longer than %d terms), %d ErrNumerical", points, skipped, maxN, numerical)
	assert.Less(t, float64(skipped+numerical), 0.5*float64(points))
	assert.LessOrEqual(t, float64(numerical), 0.01*float64(points), "ErrNumerical")
}

// TestBGBBGrid checks BG/BB (Fader, Hardie & Shang 2010, "Customer-base analysis in a
// discrete-time noncontractual setting", Marketing Science 29(6)) over a log grid of
// parameters in [10⁻³, 10¹²]: Σₓ P(X(n) = x) = 1 and Σₓ x·P(X(n) = x) = E[X(n)] (eqs.
// 7 and 8) to 10⁻⁹; E[X(n)] agrees with the closed form of eq. 8 where that keeps its
// digits; P(alive) ∈ [0, 1] and the conditional expectation (eq. 13) is at most
// P(alive at n)·t.
func TestBGBBGrid(t *testing.T) {
	grid := bgParamGrid()
	var points, compared int
	for _, al := range grid {
		for _, be := range grid {
			for _, ga := range grid {
				for _, de := range grid {
					m := &BGBB{Params: BGBBParams{Alpha: al, Beta: be, Gamma: ga, Delta: de}}
					for _, n := range []float64{1, 6, 60} {
						points++
						sum, mean := 0.0, 0.0
						for x := 0; x <= int(n); x++ {
							q, err := m.ProbabilityOfPurchases(x, n)
							require.NoError(t, err, "%+v n=%v x=%d", m.Params, n, x)
							require.True(t, q >= 0 && q <= 1)
							sum += q
							mean += float64(x) * q
						}
						e, err := m.ExpectedPurchases(n)
						require.NoError(t, err)
						require.InDelta(t, 1, sum, 1e-9, "Σ P at %+v n=%v", m.Params, n)
						require.True(t, bgRelClose(e, mean, 1e-9), "Σ x·P = %v, E = %v at %+v n=%v", mean, e, m.Params, n)
						// eq. 8 in closed form, where neither its division by γ − 1 nor its
						// difference of log-gamma values loses digits
						g1, g2 := lnGamma(ga+de)-lnGamma(ga+de+n), lnGamma(1+de+n)-lnGamma(1+de)
						d := g1 + g2
						if math.Abs(ga-1) > 0.1 && math.Abs(d) > 1e-3 && max(lnGamma(ga+de+n), lnGamma(1+de+n)) < 1e3 {
							compared++
							closed := al / (al + be) * de / (ga - 1) * -math.Expm1(d)
							assert.True(t, bgRelClose(closed, e, 1e-9), "%+v n=%v: sum %v, closed form %v", m.Params, n, e, closed)
						}
						for _, h := range []gridHistory{{0, 0, n}, {1, 1, n}, {int(n), n, n}} {
							alive, err := m.ProbabilityAlive(h.x, h.tx, h.T)
							require.NoError(t, err)
							require.True(t, alive >= 0 && alive <= 1)
							a0, err := m.ProbabilityAliveIn(0, h.x, h.tx, h.T)
							require.NoError(t, err)
							c, err := m.ConditionalExpectedPurchases(30, h.x, h.tx, h.T)
							require.NoError(t, err)
							require.True(t, c >= 0 && c <= 30*a0*(1+1e-12), "E = %v, P(alive at n) = %v at %+v %+v", c, a0, m.Params, h)
						}
					}
				}
			}
		}
	}
	t.Logf("%d points, %d compared with the closed form", points, compared)
}

// TestBGFloatLimits checks parameters near the float limits: each answer is coherent
// (the probabilities of 0 … 3 purchases add up to at most 1, an active customer has a
// positive expectation) or ErrNumerical. The expected answers are the limits the
// parameters describe: r = α = 10³⁰⁰ is a purchase rate of exactly 1 and a = 10⁻³⁰⁰,
// b = 10³⁰⁰ is no dropout, so X(10) is Poisson with mean 10.
func TestBGFloatLimits(t *testing.T) {
	params := []BGNBDParams{
		{R: 1e300, Alpha: 1e300, A: 1e-300, B: 1e300},
		{R: 1e-300, Alpha: 1e300, A: 1e300, B: 1e300},
		{R: 1e300, Alpha: 1e-300, A: 1e300, B: 1e-300},
		{R: 1e-300, Alpha: 1e-300, A: 1e-300, B: 1e-300},
		{R: 1e300, Alpha: 1e300, A: 1e300, B: 1e300},
		{R: 1e308, Alpha: 1e-308, A: 1e308, B: 1e-308},
		{R: 1e12, Alpha: 1e12, A: 1e12, B: 1e12},
	}
	for _, p := range params {
		for _, modified := range []bool{false, true} {
			sum := 0.0
			for n := range 4 {
				q, err := bgPMF(p, modified, n, 10)
				if err != nil {
					require.ErrorIs(t, err, ErrNumerical)
					continue
				}
				require.True(t, q >= 0 && q <= 1)
				sum += q
			}
			assert.LessOrEqual(t, sum, 1+1e-12, "%+v mbg=%v", p, modified)
			for _, h := range []gridHistory{{0, 0, 0}, {1, 1, 2}, {3, 1e-300, 1e300}} {
				v, err := bgConditional(p, modified, 10, h.x, h.tx, h.T)
				if err != nil {
					require.True(t, errors.Is(err, ErrNumerical))
					continue
				}
				alive := bgAlive(p, modified, h.x, h.tx, h.T)
				assert.Equal(t, alive > 0, v > 0, "E = %v with P(alive) = %v at %+v %+v mbg=%v", v, alive, p, h, modified)
			}
		}
	}
	// the Poisson limit
	p := BGNBDParams{R: 1e300, Alpha: 1e300, A: 1e-300, B: 1e300}
	for _, modified := range []bool{false, true} {
		e, err := bgConditional(p, modified, 10, 0, 0, 0)
		require.NoError(t, err)
		assert.InDelta(t, 10, e, 1e-9)
		for n := range 4 {
			q, err := bgPMF(p, modified, n, 10)
			require.NoError(t, err)
			want := math.Exp(-10 + float64(n)*math.Log(10) - lnGamma(float64(n)+1))
			assert.InDelta(t, want, q, 1e-12*want, "P(X = %d)", n)
		}
	}
}

// TestBGMeanQuadSeries checks bgMeanQuad, the integral over the dropout probability
// (FHL 2005, eq. 7 integrated over the gamma purchase rate and then over p ~ Beta(a, b')
// by quadrature), against bgMeanSeries, the sum of positive terms of the model's own
// mixture, at every point of the parameter grid where the series converges: two
// evaluations that share no code but the model. They agree to 10⁻⁹ relatively; the
// quadrature's failures (ok = false, which bgMean turns into ErrNumerical) are counted
// and must stay below 1 %.
func TestBGMeanQuadSeries(t *testing.T) {
	grid := bgParamGrid()
	var points, failed int
	worst := 0.0
	k := 0
	for _, r := range grid {
		for _, a := range grid {
			for _, b := range grid {
				for _, s := range []float64{1e-5, 0.01, 1, 39, 5000} {
					for _, x := range []float64{0, 2, 500} {
						k++
						if !bgLongGrid() && k%(bgGridStride()/2+1) != 0 {
							continue
						}
						R, B := r+x, b+x
						z, w := s/(1+s), 1/(1+s)
						if bgSeriesNeed(R, z, w) > bgSeriesTerms {
							continue
						}
						want, ok := bgMeanSeries(R, a, B, z, w)
						if !ok {
							continue
						}
						points++
						got, ok := bgMeanQuad(R, a, B, z, w)
						if !ok {
							failed++
							continue
						}
						worst = max(worst, math.Abs(got/want-1))
						assert.True(t, bgRelClose(want, got, 1e-9), "R=%v A=%v B=%v s=%v: quadrature %v, series %v", R, a, B, s, got, want)
					}
				}
			}
		}
	}
	t.Logf("%d points, %d without a quadrature answer, largest relative difference %.2g", points, failed, worst)
	assert.Greater(t, points, 30)
	assert.LessOrEqual(t, float64(failed), 0.01*float64(points))
}
