package segment_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/kehu-crm/kehu/segment"
)

// BenchmarkFitBGNBD_CDNOW fits BG/NBD to the 2,357 CDNOW customers, grouping included
// (target < 50 ms).
func BenchmarkFitBGNBD_CDNOW(b *testing.B) {
	benchFitCDNOW(b, segment.FitBGNBD, func(m *segment.BGNBD) int { return m.Stats.Cells })
}

// benchFitCDNOW times a model's fit to the 2,357 CDNOW customers, grouping included, and
// reports the cells it grouped them into.
func benchFitCDNOW[M any](b *testing.B, fit func([]segment.Summary, *segment.FitOptions) (M, error), cells func(M) int) {
	sums := loadCDNOWFrequencySummaries(b)
	b.ReportAllocs()
	var m M
	for b.Loop() {
		var err error
		if m, err = fit(sums, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cells(m)), "cells")
}

// benchCLVForecasts times the twelve-month CLV forecasts of sums under m, with the
// Gamma-Gamma spend model fitted to CDNOW (identical histories share one forecast).
func benchCLVForecasts(b *testing.B, m segment.TransactionModel, sums []segment.Summary) {
	gg, err := segment.NewGammaGamma(segment.GammaGammaParams{P: 6.25, Q: 3.74, V: 15.44})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := segment.CLVForecasts(m, gg, sums, segment.Week, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFitBGNBD1M fits BG/NBD to 1,000,000 customers simulated from the model
// (target < 2 s); the time includes grouping the summaries into cells.
func BenchmarkFitBGNBD1M(b *testing.B) {
	truth := segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	sums := simulateBGNBD(1_000_000, truth, 42)
	b.ReportAllocs()
	var m *segment.BGNBD
	for b.Loop() {
		var err error
		m, err = segment.FitBGNBD(sums, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.Stats.Cells), "cells")
	// The simulation's parameters come back (a check that the benchmark fits something
	// meaningful); 1M customers pin them to about 2 %.
	p := m.Params
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"r", p.R, truth.R}, {"alpha", p.Alpha, truth.Alpha}, {"a", p.A, truth.A}, {"b", p.B, truth.B}} {
		if math.Abs(c.got/c.want-1) > 0.1 {
			b.Fatalf("%s = %v, simulated with %v", c.name, c.got, c.want)
		}
	}
}

// simulateBGNBD draws n customers from the BG/NBD model, CDNOW-like: first purchases
// spread uniformly over 12 weeks, observation 39 weeks after the cohort starts,
// purchases recorded by day (same-day purchases collapse into one, as Summarize does)
// and times in weeks. λ ~ Gamma(r, α) per week; after each repeat purchase the
// customer drops out with probability p ~ Beta(a, b). Seeded, so deterministic.
func simulateBGNBD(n int, p segment.BGNBDParams, seed uint64) []segment.Summary {
	src := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	rng := rand.New(src)
	lambda := distuv.Gamma{Alpha: p.R, Beta: p.Alpha, Src: src}
	drop := distuv.Beta{Alpha: p.A, Beta: p.B, Src: src}
	const cohortDays, endDay = 84, 273
	out := make([]segment.Summary, n)
	for i := range out {
		first := rng.IntN(cohortDays)
		ageDays := endDay - first
		T := float64(ageDays) / 7
		l, q := lambda.Rand(), drop.Rand()
		x, lastDay := 0, 0
		for t := 0.0; ; {
			t += rng.ExpFloat64() / l
			if t > T {
				break
			}
			day := int(t * 7)
			if day > lastDay {
				x++
				lastDay = day
			}
			if rng.Float64() < q {
				break
			}
		}
		out[i] = segment.Summary{Frequency: x, Recency: float64(lastDay) / 7, T: T}
	}
	return out
}

// BenchmarkCLV1M forecasts the twelve-month CLV of 1,000,000 simulated customers with
// BG/NBD and Gamma-Gamma (identical histories share one forecast).
func BenchmarkCLV1M(b *testing.B) {
	p := segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	sums := simulateBGNBD(1_000_000, p, 7)
	for i := range sums {
		if sums[i].Frequency > 0 {
			sums[i].Monetary = decimal.New(int64(2000+i%5000), -2)
		}
	}
	bg, err := segment.NewBGNBD(p)
	if err != nil {
		b.Fatal(err)
	}
	benchCLVForecasts(b, bg, sums)
}

// BenchmarkBGNBDLongHorizon evaluates expectations whose positive series would need
// more than 500,000 terms, so that the integral over the dropout probability answers:
// r = 93.7, α = 0.011, a = 0.127, b = 0.313 over 77 weeks (about 650,000 purchases
// without dropout), BG/NBD and MBG/NBD, for a new customer and one with a purchase. The
// metric µs/call is the mean time of one call.
func BenchmarkBGNBDLongHorizon(b *testing.B) {
	p := segment.BGNBDParams{R: 93.7, Alpha: 0.011, A: 0.127, B: 0.313}
	bg, err := segment.NewBGNBD(p)
	if err != nil {
		b.Fatal(err)
	}
	mbg, err := segment.NewMBGNBD(p)
	if err != nil {
		b.Fatal(err)
	}
	models := []segment.TransactionModel{bg, mbg}
	b.ReportAllocs()
	calls := 0
	for b.Loop() {
		for _, m := range models {
			for _, h := range [][3]float64{{0, 0, 0}, {1, 0.005, 0.01}} {
				if _, err := m.ConditionalExpectedPurchases(77, int(h[0]), h[1], h[2]); err != nil {
					b.Fatal(err)
				}
				calls++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(calls), "µs/call")
}
