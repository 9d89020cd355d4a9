package fake

// An internal test: the samplers are unexported, and the model tests in fake_test only see
// them through the purchase process.

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// moments returns the sample mean and variance of n draws.
func moments(n int, draw func() float64) (mean, variance float64) {
	var s, sq float64
	for range n {
		x := draw()
		s += x
		sq += x * x
	}
	mean = s / float64(n)
	return mean, sq/float64(n) - mean*mean
}

// TestSamplersMoments checks the Gamma and Beta samplers against their closed-form mean
// and variance — Gamma(k, β): k/β and k/β²; Beta(a, b): a/(a+b) and ab/((a+b)²(a+b+1)) —
// at the CDNOW parameters, including the boosted shapes below one. Means are held to five
// standard errors, variances to 5%.
func TestSamplersMoments(t *testing.T) {
	const n = 400000
	g := MustNew(1, nil)
	r := g.stream(0, 12345)
	for _, tc := range []struct{ shape, rate float64 }{
		{0.243, 4.414}, {6.25, 1}, {3.74, 15.44}, {0.793, 1}, {1, 2},
	} {
		d := newGamma(tc.shape, tc.rate)
		mean, v := moments(n, func() float64 { return d.sample(&r) })
		wantMean, wantVar := tc.shape/tc.rate, tc.shape/(tc.rate*tc.rate)
		assert.InDelta(t, wantMean, mean, 5*math.Sqrt(wantVar/n), "Gamma(%v, %v) mean", tc.shape, tc.rate)
		assert.InEpsilon(t, wantVar, v, 0.05, "Gamma(%v, %v) variance", tc.shape, tc.rate)
	}
	for _, tc := range []struct{ a, b float64 }{{0.793, 2.426}, {2, 2}, {0.5, 0.5}} {
		d := newBeta(tc.a, tc.b)
		mean, v := moments(n, func() float64 { return d.sample(&r) })
		s := tc.a + tc.b
		wantMean, wantVar := tc.a/s, tc.a*tc.b/(s*s*(s+1))
		assert.InDelta(t, wantMean, mean, 5*math.Sqrt(wantVar/n), "Beta(%v, %v) mean", tc.a, tc.b)
		assert.InEpsilon(t, wantVar, v, 0.05, "Beta(%v, %v) variance", tc.a, tc.b)
	}
	mean, v := moments(n, r.exp)
	assert.InDelta(t, 1, mean, 5/math.Sqrt(n), "Exp(1) mean")
	assert.InEpsilon(t, 1, v, 0.05, "Exp(1) variance")
	mean, v = moments(n, r.normal)
	assert.InDelta(t, 0, mean, 5/math.Sqrt(n), "N(0, 1) mean")
	assert.InEpsilon(t, 1, v, 0.02, "N(0, 1) variance")
}

func TestWeighted(t *testing.T) {
	w := newWeighted([]uint32{1, 0, 3, 6})
	r := MustNew(1, nil).stream(0, 1)
	const n = 100000
	var got [4]int
	for range n {
		got[w.pick(&r)]++
	}
	assert.Zero(t, got[1], "a zero weight is never picked")
	for k, p := range []float64{0.1, 0, 0.3, 0.6} {
		assert.InDelta(t, p, float64(got[k])/n, 5*math.Sqrt(p*(1-p)/n)+1e-9, "index %d", k)
	}
	for range 1000 {
		assert.Equal(t, 0, w.pickPrefix(&r, 1))
		assert.NotEqual(t, 1, w.pickPrefix(&r, 3))
	}
}

// TestBasketTracksTarget checks that an order's amount follows its drawn value: within half
// the cheapest price in at least 99% of orders, with no bias.
func TestBasketTracksTarget(t *testing.T) {
	g := MustNew(1, nil)
	r := g.stream(0, 777)
	var s orderScratch
	const n = 100000
	var bias float64
	far := 0
	for range n {
		target := max(int64(math.Round(g.spend.sampleRate(&r, g.nu.sample(&r))*g.scale)), 1)
		s.lines = s.lines[:0]
		got := g.basket(&r, &s, target)
		var sum int64
		for _, l := range s.lines {
			m, err := l.Amount.MinorUnits()
			assert.NoError(t, err)
			sum += m
		}
		assert.Equal(t, got, sum)
		d := got - target
		bias += float64(d)
		if 2*d > g.cat.price[0] || -2*d > g.cat.price[0] {
			far++
		}
	}
	assert.Less(t, float64(far)/n, 0.01)
	assert.InDelta(t, 0, bias/n/g.scale, 0.1, "mean amount − value, in units")
}
