package segment_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/segment"
)

// fitCDNOWGammaGamma fits the Gamma-Gamma model to the CDNOW repeat customers.
func fitCDNOWGammaGamma(t testing.TB) *segment.GammaGamma {
	t.Helper()
	g, err := segment.FitGammaGamma(loadCDNOWSummaries(t), nil)
	require.NoError(t, err)
	return g
}

// TestGammaGammaFitCDNOW checks the Gamma-Gamma fit on the 946 repeat customers of the
// CDNOW summary (zbar of cdnow_customers_summary_with_transactions.csv) against Fader &
// Hardie (2013), "The Gamma-Gamma Model of Monetary Value" (note 025): p = 6.25,
// q = 3.74, γ = v = 15.44; unrounded 6.2488, 3.7446, 15.4477.
func TestGammaGammaFitCDNOW(t *testing.T) {
	g := fitCDNOWGammaGamma(t)
	p := g.Params
	tests := []struct {
		name            string
		want, got       float64
		rounded, digits float64
	}{
		{"p", 6.2488, p.P, 6.25, 0.005},
		{"q", 3.7446, p.Q, 3.74, 0.005},
		{"v", 15.4477, p.V, 15.44, 0.01},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertRel(t, tc.want, tc.got, 1e-4, tc.name)
			assert.InDelta(t, tc.rounded, tc.got, tc.digits)
		})
	}
	assert.Equal(t, 946.0, g.Stats.Customers)
	require.Len(t, g.Stats.StdErrors, 3)

	// lifetimes docs/Quickstart.md: the conditional expected average profit of the
	// first ten customers and its mean over all 2,357 customers (35.2529588256).
	sums := loadCDNOWSummaries(t)
	want := []float64{24.658619, 18.911489, 35.170981, 35.170981, 35.170981, 71.462843, 18.911489, 35.170981, 27.282408, 35.170981}
	for i, w := range want {
		s := sums[i]
		got, err := g.ConditionalExpectedSpend(s.Frequency, s.Monetary.InexactFloat64())
		require.NoError(t, err)
		assert.InDelta(t, w, got, 1e-4, "customer %s", s.Customer)
	}
	mean := 0.0
	for _, s := range sums {
		got, err := g.ConditionalExpectedSpend(s.Frequency, s.Monetary.InexactFloat64())
		require.NoError(t, err)
		mean += got
	}
	assert.InDelta(t, 35.2529588256, mean/float64(len(sums)), 1e-4)
}

// TestGammaGammaOneRepeatPurchase checks the model on customers who all made exactly
// one repeat purchase (x = 1), where m̄ is a single transaction value z and z/v is
// beta-prime(p, q) distributed, so z·q/(p·v) follows Snedecor's F(2p, 2q):
//   - the log-likelihood of x = 1 cells equals the log-density of gonum's distuv.F,
//     ln f_F(z·q/(p·v)) + ln(q/(p·v)), an independent computation;
//   - a fit to 20,000 values drawn from the model with note 025's parameters (p = 6.25,
//     q = 3.74, v = 15.44; ν ~ Gamma(q, rate v), z ~ Gamma(p, rate ν) with distuv.Gamma)
//     recovers them, and the population mean spend p·v/(q − 1) = 35.22 within 2 %.
func TestGammaGammaOneRepeatPurchase(t *testing.T) {
	truth := segment.GammaGammaParams{P: 6.25, Q: 3.74, V: 15.44}
	g, err := segment.NewGammaGamma(truth)
	require.NoError(t, err)
	f := distuv.F{D1: 2 * truth.P, D2: 2 * truth.Q}
	c := truth.Q / (truth.P * truth.V)
	for _, z := range []float64{0.5, 12.3, 35, 180, 2500} {
		ll, err := g.LogLikelihood([]segment.SpendCell{{Frequency: 1, Mean: z, Weight: 2}})
		require.NoError(t, err)
		assertRel(t, 2*(f.LogProb(z*c)+math.Log(c)), ll, 1e-12, fmt.Sprint(z))
	}

	src := rand.NewPCG(2013, 25)
	nu := distuv.Gamma{Alpha: truth.Q, Beta: truth.V, Src: src}
	sums := make([]segment.Summary, 20000)
	for i := range sums {
		z := distuv.Gamma{Alpha: truth.P, Beta: nu.Rand(), Src: src}.Rand()
		sums[i] = segment.Summary{Customer: fmt.Sprint(i), Frequency: 1, Recency: 1, T: 2, Monetary: decimal.NewFromFloat(z).Round(2)}
	}
	fit, err := segment.FitGammaGamma(sums, nil)
	require.NoError(t, err)
	got := fit.Params
	assertRel(t, truth.P, got.P, 0.1, "p")
	assertRel(t, truth.Q, got.Q, 0.1, "q")
	assertRel(t, truth.V, got.V, 0.1, "v")
	mean, err := fit.ExpectedSpend()
	require.NoError(t, err)
	assertRel(t, truth.P*truth.V/(truth.Q-1), mean, 0.02, "mean spend")
}

// TestGammaGammaConditionalSpend checks the conditional mean with the published
// parameters against Hardie's spreadsheet (note 025, quoted by lifetimes
// test_conditional_expected_average_profit, to 0.1), and its two limits: the
// population mean for x = 0, and the customer's own mean as x grows.
func TestGammaGammaConditionalSpend(t *testing.T) {
	g, err := segment.NewGammaGamma(segment.GammaGammaParams{P: 6.25, Q: 3.74, V: 15.44})
	require.NoError(t, err)
	tests := []struct {
		x    int
		mean float64
		want float64
	}{
		{2, 22.35, 24.65},
		{1, 11.77, 18.91},
		{0, 0, 35.17},
		{7, 73.74, 71.46},
		{2, 25.55, 27.28},
	}
	for _, tc := range tests {
		got, err := g.ConditionalExpectedSpend(tc.x, tc.mean)
		require.NoError(t, err)
		assert.InDelta(t, tc.want, got, 0.1)
	}
	pop, err := g.ExpectedSpend()
	require.NoError(t, err)
	assert.InDelta(t, 6.25*15.44/2.74, pop, 1e-12)
	far, err := g.ConditionalExpectedSpend(1_000_000, 50)
	require.NoError(t, err)
	assert.InDelta(t, 50, far, 0.01)
}

// TestGammaGammaValidation checks bad spend input.
func TestGammaGammaValidation(t *testing.T) {
	g, err := segment.NewGammaGamma(segment.GammaGammaParams{P: 6.25, Q: 0.5, V: 15.44})
	require.NoError(t, err)
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"no mean for q ≤ 1", func() error { _, err := g.ExpectedSpend(); return err }, "q"},
		{"negative mean", func() error { _, err := g.ConditionalExpectedSpend(1, -3); return err }, "mean"},
		{"negative frequency", func() error { _, err := g.ConditionalExpectedSpend(-1, 3); return err }, "frequency"},
		{"bad params", func() error { _, err := segment.NewGammaGamma(segment.GammaGammaParams{P: 1, Q: 1}); return err }, "v"},
		{"no repeat customers", func() error {
			_, err := segment.FitGammaGamma([]segment.Summary{{Customer: "a"}}, nil)
			return err
		}, "summaries"},
		{"repeat customer without spend", func() error {
			_, err := segment.FitGammaGamma([]segment.Summary{{Customer: "a", Frequency: 2, Recency: 3, T: 5, Monetary: decimal.Zero}}, nil)
			return err
		}, "summaries[0].monetary"},
		{"bad cell", func() error {
			_, err := segment.FitGammaGammaCells([]segment.SpendCell{{Frequency: 0, Mean: 3, Weight: 1}}, nil)
			return err
		}, "cells[0].frequency"},
		{"every mean spend the same", func() error {
			// Frequencies differ, mean spends do not: the likelihood rises without bound as
			// the spread goes to 0, so no fit exists.
			_, err := segment.FitGammaGammaCells([]segment.SpendCell{{Frequency: 1, Mean: 20, Weight: 3},
				{Frequency: 4, Mean: 20, Weight: 2}, {Frequency: 2, Mean: 20, Weight: 5}}, nil)
			return err
		}, "cells"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tc.field, ""), "fields: %v", verr.Fields)
		})
	}
}
