package segment_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/kehu-crm/kehu/segment"
)

// cdnowPareto is the Pareto/NBD model fitted to the CDNOW sample (see
// TestParetoNBDFitCDNOW), in weeks.
var cdnowPareto = segment.ParetoNBDParams{R: 0.5533, Alpha: 10.5776, S: 0.6061, Beta: 11.6679}

// paretoPMFCondLambdaMu is P(X(t) = n | λ, μ), integrated over the exponential lifetime τ
// analytically: e^{−μt} Poisson(n; λt) (alive at t) + ∫₀ᵗ μe^{−μτ} Poisson(n; λτ) dτ,
// the latter being μλⁿ/(λ+μ)ⁿ⁺¹ · P(n+1, (λ+μ)t) with P the regularised lower
// incomplete gamma function.
func paretoPMFCondLambdaMu(n int, t, lambda, mu float64) float64 {
	fn := float64(n)
	lg, _ := math.Lgamma(fn + 1)
	alive := math.Exp(-mu*t - lambda*t + fn*math.Log(lambda*t) - lg)
	if n == 0 {
		alive = math.Exp(-mu*t - lambda*t)
	}
	died := mu / (lambda + mu) * math.Exp(fn*(math.Log(lambda)-math.Log(lambda+mu))) * mathext.GammaIncReg(fn+1, (lambda+mu)*t)
	return alive + died
}

// paretoPMFDoubleIntegral is P(X(t) = n) as the double integral of
// paretoPMFCondLambdaMu over λ ~ Gamma(r, α) and μ ~ Gamma(s, β), computed on the
// probability scale (λ = F⁻¹(u), μ = G⁻¹(v), u, v ∈ (0, 1)) with a 400 × 400
// Gauss–Legendre rule. It shares nothing with the package's closed form.
func paretoPMFDoubleIntegral(p segment.ParetoNBDParams, n int, t float64) float64 {
	gl := distuv.Gamma{Alpha: p.R, Beta: p.Alpha}
	gm := distuv.Gamma{Alpha: p.S, Beta: p.Beta}
	const nodes = 400
	mus := make([]float64, nodes)
	vs, vw := make([]float64, nodes), make([]float64, nodes)
	quad.Legendre{}.FixedLocations(vs, vw, 0, 1)
	for j, v := range vs {
		mus[j] = gm.Quantile(v)
	}
	return quad.Fixed(func(u float64) float64 {
		lambda := gl.Quantile(u)
		s := 0.0
		for j, mu := range mus {
			s += vw[j] * paretoPMFCondLambdaMu(n, t, lambda, mu)
		}
		return s
	}, 0, 1, nodes, quad.Legendre{}, 0)
}

// TestParetoNBDProbabilityOfPurchasesMonteCarlo simulates one million CDNOW customers
// over 39 weeks (seeded: λ ~ Gamma(r, α), μ ~ Gamma(s, β), τ ~ Exp(μ),
// X ~ Poisson(λ·min(τ, t))) and checks each P(X(39) = n), n = 0..10, within 4.5
// binomial standard errors √(P(1−P)/N) of the simulated frequency.
func TestParetoNBDProbabilityOfPurchasesMonteCarlo(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips the one-million-draw Monte Carlo check")
	}
	const draws, horizon, maxN = 1_000_000, 39.0, 10
	m, err := segment.NewParetoNBD(cdnowPareto)
	require.NoError(t, err)
	src := rand.NewPCG(20060101, 39)
	rng := rand.New(src)
	gl := distuv.Gamma{Alpha: cdnowPareto.R, Beta: cdnowPareto.Alpha, Src: src}
	gm := distuv.Gamma{Alpha: cdnowPareto.S, Beta: cdnowPareto.Beta, Src: src}
	var counts [maxN + 1]int
	for range draws {
		lambda, mu := gl.Rand(), gm.Rand()
		active := min(rng.ExpFloat64()/mu, horizon)
		x := int(distuv.Poisson{Lambda: lambda * active, Src: src}.Rand())
		if x <= maxN {
			counts[x]++
		}
	}
	worst := 0.0 // largest |simulated − P| in standard errors
	for n := 0; n <= maxN; n++ {
		got, err := m.ProbabilityOfPurchases(n, horizon)
		require.NoError(t, err)
		freq := float64(counts[n]) / draws
		se := math.Sqrt(got * (1 - got) / draws)
		assert.InDelta(t, freq, got, 4.5*se, "n = %d (simulated %v, se %.2g)", n, freq, se)
		worst = max(worst, math.Abs(freq-got)/se)
	}
	t.Logf("largest deviation from the simulation: %.2f standard errors", worst)
}

// TestParetoNBDProbabilityOfPurchasesDoubleIntegral checks the closed form (and, at
// short horizons and large n, its quadrature fallback) against the numerical double
// integral over λ and μ, for the CDNOW parameters, the same with α and β swapped (the
// other branch of the ₂F₁ terms), and α = β. The tolerance is 2e-5 relative, and 2e-8
// absolute below P = 1e-3: on the probability scale the 400-node rule under-resolves
// the upper tail of λ that rare counts come from (at t = 1 it gives 6.31e-10 for n = 8,
// where the method and a 30-digit mpmath quadrature of the τ integral both give
// 6.8253e-10). Above 1e-3 the two agree to about 5e-7 relative.
func TestParetoNBDProbabilityOfPurchasesDoubleIntegral(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips the 400×400 double-integral check")
	}
	swapped := segment.ParetoNBDParams{R: cdnowPareto.R, Alpha: cdnowPareto.Beta, S: cdnowPareto.S, Beta: cdnowPareto.Alpha}
	equal := segment.ParetoNBDParams{R: 2, Alpha: 3, S: 1.5, Beta: 3}
	tests := []struct {
		name    string
		p       segment.ParetoNBDParams
		horizon float64
		ns      []int
	}{
		{"cdnow t=39", cdnowPareto, 39, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"cdnow t=1 (fallback for n≥5)", cdnowPareto, 1, []int{0, 1, 5, 8}},
		{"swapped t=39", swapped, 39, []int{0, 1, 4, 10}},
		{"alpha=beta t=10", equal, 10, []int{0, 2, 7}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := segment.NewParetoNBD(tc.p)
			require.NoError(t, err)
			worst := 0.0
			for _, n := range tc.ns {
				got, err := m.ProbabilityOfPurchases(n, tc.horizon)
				require.NoError(t, err)
				want := paretoPMFDoubleIntegral(tc.p, n, tc.horizon)
				assert.InDelta(t, want, got, 2e-5*max(want, 1e-3), "n = %d", n)
				worst = max(worst, math.Abs(got-want)/want)
			}
			t.Logf("largest relative difference from the double integral: %.2g", worst)
		})
	}
}

// TestParetoNBDProbabilityOfPurchasesMoments checks that the probabilities sum to one
// and that their mean is ExpectedPurchases(t).
func TestParetoNBDProbabilityOfPurchasesMoments(t *testing.T) {
	for _, p := range []segment.ParetoNBDParams{
		cdnowPareto,
		{R: cdnowPareto.R, Alpha: cdnowPareto.Beta, S: cdnowPareto.S, Beta: cdnowPareto.Alpha},
		{R: 2, Alpha: 10, S: 1, Beta: 3}, // s = 1: the ln limit of ExpectedPurchases
	} {
		m, err := segment.NewParetoNBD(p)
		require.NoError(t, err)
		for _, horizon := range []float64{0.5, 39, 78} {
			total, mean := 0.0, 0.0
			for n := 0; n <= 400; n++ {
				v, err := m.ProbabilityOfPurchases(n, horizon)
				require.NoError(t, err)
				require.True(t, v >= 0 && v <= 1, "P(%d) = %v", n, v)
				total += v
				mean += float64(n) * v
			}
			want, err := m.ExpectedPurchases(horizon)
			require.NoError(t, err)
			t.Logf("%+v t = %v: 1 − Σ P(n) = %.2g, Σ n P(n) − E[X(t)] = %.2g", p, horizon, 1-total, mean-want)
			assert.InDelta(t, 1, total, 1e-9, "Σ P(n), %+v t = %v", p, horizon)
			assert.InDelta(t, want, mean, 1e-8*max(want, 1), "Σ n P(n), %+v t = %v", p, horizon)
		}
	}
}

func TestParetoNBDProbabilityOfPurchasesEdges(t *testing.T) {
	m, err := segment.NewParetoNBD(cdnowPareto)
	require.NoError(t, err)
	v, err := m.ProbabilityOfPurchases(0, 0)
	require.NoError(t, err)
	assert.Equal(t, 1.0, v)
	v, err = m.ProbabilityOfPurchases(3, 0)
	require.NoError(t, err)
	assert.Equal(t, 0.0, v)
	_, err = m.ProbabilityOfPurchases(-1, 39)
	assert.Error(t, err)
	for _, bad := range []float64{-1, math.NaN(), math.Inf(1)} {
		_, err = m.ProbabilityOfPurchases(1, bad)
		assert.Error(t, err, "t = %v", bad)
	}
	var nilModel *segment.ParetoNBD
	_, err = nilModel.ProbabilityOfPurchases(1, 39)
	assert.Error(t, err)
	_, err = (&segment.ParetoNBD{}).ProbabilityOfPurchases(1, 39)
	assert.Error(t, err, "zero parameters")
}

// TestParetoNBDProbabilityOfPurchasesExtremes checks that extreme but valid inputs give
// a probability in [0, 1] or an error, never NaN or Inf. (Far-out parameters make the
// ₂F₁ terms slow — up to about 0.1 s a call — so the grid is coarse.)
func TestParetoNBDProbabilityOfPurchasesExtremes(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips the far-out parameter grid (slow ₂F₁)")
	}
	// A coarse grid of far-out corners: each ₂F₁ there is slow, and the moderate values are
	// covered by the accuracy tests above.
	vals := []float64{1e-6, 7, 1e6}
	for _, r := range vals {
		for _, a := range vals {
			for _, s := range vals {
				for _, b := range []float64{1e-6, 1e6} {
					m, err := segment.NewParetoNBD(segment.ParetoNBDParams{R: r, Alpha: a, S: s, Beta: b})
					require.NoError(t, err)
					for _, horizon := range []float64{1e-9, 1e6} {
						for _, n := range []int{0, 50} {
							v, err := m.ProbabilityOfPurchases(n, horizon)
							if err == nil {
								assert.True(t, v >= 0 && v <= 1, "%v %v %v %v t=%v n=%d: %v", r, a, s, b, horizon, n, v)
							}
						}
					}
				}
			}
		}
	}
}
