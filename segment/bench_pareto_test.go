package segment_test

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/kehu-crm/kehu/segment"
)

// BenchmarkFitParetoNBD_CDNOW fits Pareto/NBD to the 2,357 CDNOW customers, grouping
// included.
func BenchmarkFitParetoNBD_CDNOW(b *testing.B) {
	benchFitCDNOW(b, segment.FitParetoNBD, func(m *segment.ParetoNBD) int { return m.Stats.Cells })
}

// BenchmarkFitGammaGamma_CDNOW fits Gamma-Gamma to the 946 CDNOW repeat customers.
func BenchmarkFitGammaGamma_CDNOW(b *testing.B) {
	sums := loadCDNOWSummaries(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := segment.FitGammaGamma(sums, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// simulateParetoNBD draws n customers from the Pareto/NBD model with the same cohort
// and recording rules as simulateBGNBD: λ ~ Gamma(r, α), lifetime ~ Exp(μ) with
// μ ~ Gamma(s, β), purchases by day, times in weeks. Seeded, so deterministic.
func simulateParetoNBD(n int, p segment.ParetoNBDParams, seed uint64) []segment.Summary {
	src := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	rng := rand.New(src)
	lambda := distuv.Gamma{Alpha: p.R, Beta: p.Alpha, Src: src}
	mu := distuv.Gamma{Alpha: p.S, Beta: p.Beta, Src: src}
	const cohortDays, endDay = 84, 273
	out := make([]segment.Summary, n)
	for i := range out {
		first := rng.IntN(cohortDays)
		T := float64(endDay-first) / 7
		l := lambda.Rand()
		end := min(T, rng.ExpFloat64()/mu.Rand())
		x, lastDay := 0, 0
		for t := rng.ExpFloat64() / l; t <= end; t += rng.ExpFloat64() / l {
			if day := int(t * 7); day > lastDay {
				x++
				lastDay = day
			}
		}
		out[i] = segment.Summary{Frequency: x, Recency: float64(lastDay) / 7, T: T}
		if x > 0 {
			out[i].Monetary = decimal.New(int64(2000+i%5000), -2)
		}
	}
	return out
}

// BenchmarkParetoNBDPredictCDNOW evaluates P(alive) and the expected purchases in the
// next 52 weeks for each of the 2,357 CDNOW customers (no memo: one call per customer).
func BenchmarkParetoNBDPredictCDNOW(b *testing.B) {
	sums := loadCDNOWFrequencySummaries(b)
	m, err := segment.NewParetoNBD(cdnowPareto)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range sums {
			if _, err := m.ProbabilityAlive(s.Frequency, s.Recency, s.T); err != nil {
				b.Fatal(err)
			}
			if _, err := m.ConditionalExpectedPurchases(52, s.Frequency, s.Recency, s.T); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkParetoNBDCLV1M forecasts the twelve-month CLV of 1,000,000 customers simulated
// from the CDNOW Pareto/NBD fit, with Gamma-Gamma spend (identical histories share one
// forecast).
func BenchmarkParetoNBDCLV1M(b *testing.B) {
	sums := simulateParetoNBD(1_000_000, cdnowPareto, 11)
	m, err := segment.NewParetoNBD(cdnowPareto)
	if err != nil {
		b.Fatal(err)
	}
	benchCLVForecasts(b, m, sums)
}

// BenchmarkGammaGammaSpend1M evaluates the conditional expected spend of 1,000,000
// simulated customers.
func BenchmarkGammaGammaSpend1M(b *testing.B) {
	sums := simulateParetoNBD(1_000_000, cdnowPareto, 12)
	means := make([]float64, len(sums))
	for i, s := range sums {
		means[i] = s.Monetary.InexactFloat64()
	}
	gg, err := segment.NewGammaGamma(segment.GammaGammaParams{P: 6.25, Q: 3.74, V: 15.44})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for i, s := range sums {
			if _, err := gg.ConditionalExpectedSpend(s.Frequency, means[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkParetoPMF_CDNOW evaluates P(X(39) = n) for n = 0 … 10 with the CDNOW fit.
func BenchmarkParetoPMF_CDNOW(b *testing.B) {
	m, err := segment.NewParetoNBD(cdnowPareto)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for n := 0; n <= 10; n++ {
			if _, err := m.ProbabilityOfPurchases(n, 39); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkParetoTailPMF evaluates far-tail probabilities P(X(t) = n) with the CDNOW fit
// and the same with α and β swapped: counts 60 … 10,000 over horizons of half a week to
// 500 weeks. The metric µs/call is the mean time of one call.
func BenchmarkParetoTailPMF(b *testing.B) {
	swapped := segment.ParetoNBDParams{R: cdnowPareto.R, Alpha: cdnowPareto.Beta, S: cdnowPareto.S, Beta: cdnowPareto.Alpha}
	var models []*segment.ParetoNBD
	for _, p := range []segment.ParetoNBDParams{cdnowPareto, swapped} {
		m, err := segment.NewParetoNBD(p)
		if err != nil {
			b.Fatal(err)
		}
		models = append(models, m)
	}
	ns := []int{60, 200, 1000, 10_000}
	horizons := []float64{0.5, 1, 39, 500}
	calls := 0
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range models {
			for _, n := range ns {
				for _, h := range horizons {
					_, _ = m.ProbabilityOfPurchases(n, h) // the old form may fail here
					calls++
				}
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(calls), "µs/call")
}
