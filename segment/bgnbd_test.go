package segment_test

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"strconv"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/segment"
)

// readModelCSV reads a CSV file of testdata/cdnow with a header and returns its records
// without it.
func readModelCSV(t testing.TB, name string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(openTestdata(t, "cdnow/"+name)).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, rows)
	return rows[1:]
}

// loadCDNOWSummaries reads cdnow_customers_summary_with_transactions.csv (ID, x, t_x,
// T, zbar; x, t_x and T identical to cdnow_customers_summary.csv) into summaries with
// their mean repeat spend.
func loadCDNOWSummaries(t testing.TB) []segment.Summary {
	t.Helper()
	rows := readModelCSV(t, "cdnow_customers_summary_with_transactions.csv")
	out := make([]segment.Summary, 0, len(rows))
	for _, r := range rows {
		require.Len(t, r, 5)
		x, err := strconv.Atoi(r[1])
		require.NoError(t, err)
		tx, err := strconv.ParseFloat(r[2], 64)
		require.NoError(t, err)
		T, err := strconv.ParseFloat(r[3], 64)
		require.NoError(t, err)
		m, err := decimal.NewFromString(r[4])
		require.NoError(t, err)
		out = append(out, segment.Summary{Customer: r[0], Frequency: x, Recency: tx, T: T, Monetary: m})
	}
	require.Len(t, out, 2357)
	return out
}

// loadCDNOWFrequencySummaries reads cdnow_customers_summary.csv (ID, frequency,
// recency, T in weeks), the file lifetimes' load_cdnow_summary reads.
func loadCDNOWFrequencySummaries(t testing.TB) []segment.Summary {
	t.Helper()
	rows := readModelCSV(t, "cdnow_customers_summary.csv")
	out := make([]segment.Summary, 0, len(rows))
	for _, r := range rows {
		require.Len(t, r, 4)
		x, err := strconv.Atoi(r[1])
		require.NoError(t, err)
		tx, err := strconv.ParseFloat(r[2], 64)
		require.NoError(t, err)
		T, err := strconv.ParseFloat(r[3], 64)
		require.NoError(t, err)
		out = append(out, segment.Summary{Customer: r[0], Frequency: x, Recency: tx, T: T})
	}
	require.Len(t, out, 2357)
	return out
}

// fitCDNOWBGNBD fits BG/NBD to the CDNOW summary.
func fitCDNOWBGNBD(t testing.TB) *segment.BGNBD {
	t.Helper()
	m, err := segment.FitBGNBD(loadCDNOWFrequencySummaries(t), nil)
	require.NoError(t, err)
	return m
}

func assertRel(t *testing.T, want, got, rel float64, msg string) {
	t.Helper()
	assert.InDelta(t, 0, (got-want)/want, rel, "%s: want %v, got %v", msg, want, got)
}

// TestBGNBDFitCDNOW checks the BG/NBD fit on the CDNOW summary (2,357 customers) against
// Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science
// 24(2): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4; and against the
// unrounded MLE lifetimes reports for the same data (docs/Quickstart.md, bgf.summary):
// r = 0.242593, α = 4.413532, a = 0.792886, b = 2.425752.
func TestBGNBDFitCDNOW(t *testing.T) {
	m := fitCDNOWBGNBD(t)
	p := m.Params
	tests := []struct {
		name      string
		want, got float64
	}{
		{"r", 0.242593, p.R},
		{"alpha", 4.413532, p.Alpha},
		{"a", 0.792886, p.A},
		{"b", 2.425752, p.B},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertRel(t, tc.want, tc.got, 1e-4, tc.name)
		})
	}
	// FHL 2005 rounded values, three decimals.
	assert.InDelta(t, 0.243, p.R, 0.0005)
	assert.InDelta(t, 4.414, p.Alpha, 0.0005)
	assert.InDelta(t, 0.793, p.A, 0.0005)
	assert.InDelta(t, 2.426, p.B, 0.0005)
	assert.InDelta(t, -9582.43, m.Stats.LogLikelihood, 0.01)
	assert.Equal(t, 2357.0, m.Stats.Customers)
	assert.Less(t, m.Stats.GradientNorm, 1e-5)

	ll, err := m.LogLikelihood([]segment.RFCell{{Frequency: 2, Recency: 30.43, T: 38.86, Weight: 1}})
	require.NoError(t, err)
	assert.Less(t, ll, 0.0)
}

// TestBGNBDPredictionsCDNOW checks predictions of the fitted CDNOW model.
func TestBGNBDPredictionsCDNOW(t *testing.T) {
	m := fitCDNOWBGNBD(t)

	// FHL 2005 (and Hardie's BG/NBD spreadsheet; lifetimes test_estimation.py
	// test_conditional_expectation_returns_same_value_as_Hardie_excel_sheet): a
	// customer with x = 2, t_x = 30.43, T = 38.86 makes 1.226 purchases in the next 39
	// weeks.
	got, err := m.ConditionalExpectedPurchases(39, 2, 30.43, 38.86)
	require.NoError(t, err)
	assert.InDelta(t, 1.226, got, 0.001)

	// Hardie's BG/NBD spreadsheet, as in lifetimes test_estimation.py
	// test_expectation_returns_same_value_Hardie_excel_sheet: E[X(t)].
	unconditional := []struct{ t, want float64 }{
		{0.1429, 0.0078}, {1, 0.0532}, {3, 0.1506}, {31.8571, 1.0405}, {32, 1.0437}, {78, 1.8576},
	}
	for _, tc := range unconditional {
		got, err := m.ExpectedPurchases(tc.t)
		require.NoError(t, err)
		assert.InDelta(t, tc.want, got, 0.0005, "E[X(%v)]", tc.t)
	}

	// lifetimes docs/Quickstart.md, the five customers with the most predicted
	// purchases in the next week.
	top := []struct {
		x     int
		tx, T float64
		want  float64
	}{
		{18, 35.14, 35.86, 0.424877},
		{19, 34.00, 34.14, 0.474738},
		{17, 28.43, 28.86, 0.486526},
		{29, 37.71, 38.00, 0.662396},
		{26, 30.86, 31.00, 0.710623},
	}
	for _, tc := range top {
		got, err := m.ConditionalExpectedPurchases(1, tc.x, tc.tx, tc.T)
		require.NoError(t, err)
		assert.InDelta(t, tc.want, got, 1e-5, "x=%d", tc.x)
	}

	// P(alive) is 1 without repeat purchases (FHL 2005) and within [0, 1] elsewhere.
	pa, err := m.ProbabilityAlive(0, 0, 38.86)
	require.NoError(t, err)
	assert.Equal(t, 1.0, pa)
	for x := 0; x < 100; x += 10 {
		for tx := 0.0; tx < 100; tx += 10 {
			for T := tx; T < 100; T += 10 {
				if (x == 0) != (tx == 0) {
					continue
				}
				pa, err := m.ProbabilityAlive(x, tx, T)
				require.NoError(t, err)
				assert.True(t, pa >= 0 && pa <= 1, "P(alive)(%d, %v, %v) = %v", x, tx, T, pa)
			}
		}
	}
}

// TestBGNBDProbabilityOfPurchases checks P(X(t) = n) against R's BTYD package
// (bgnbd.pmf with r = 0.243, α = 4.414, a = 0.793, b = 2.426, as quoted in lifetimes
// test_estimation.py test_probability_of_n_purchases_up_to_time_same_as_R_BTYD).
func TestBGNBDProbabilityOfPurchases(t *testing.T) {
	m, err := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	require.NoError(t, err)
	tests := []struct {
		n    int
		t    float64
		want float64
	}{
		{10, 2, 1.07869e-07},
		{0, 39, 0.5737864},
		{11, 30, 0.0019995214},
		{12, 30, 0.0015170236},
		{13, 30, 0.0011633150},
		{14, 30, 0.0009003148},
		{15, 30, 0.0007023638},
		{16, 30, 0.0005517902},
		{17, 30, 0.0004361913},
		{18, 30, 0.0003467171},
		{19, 30, 0.0002769613},
		{20, 30, 0.0002222260},
	}
	for _, tc := range tests {
		got, err := m.ProbabilityOfPurchases(tc.n, tc.t)
		require.NoError(t, err)
		assert.InDelta(t, tc.want, got, 1e-9+1e-6*tc.want, "P(X(%v) = %d)", tc.t, tc.n)
	}
	// The probabilities sum to 1 and their mean is E[X(t)] (an independent check of
	// eq. 8 against eq. 9).
	sum, mean := 0.0, 0.0
	for n := 0; n < 2000; n++ {
		p, err := m.ProbabilityOfPurchases(n, 39)
		require.NoError(t, err)
		sum += p
		mean += float64(n) * p
	}
	ex, err := m.ExpectedPurchases(39)
	require.NoError(t, err)
	assert.InDelta(t, 1, sum, 1e-9)
	assert.InDelta(t, ex, mean, 1e-6)
}

// TestBGNBDValidation checks that bad input is a *kehu.ValidationError naming the field.
func TestBGNBDValidation(t *testing.T) {
	m, err := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	require.NoError(t, err)
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"negative r", func() error {
			_, err := segment.NewBGNBD(segment.BGNBDParams{R: -1, Alpha: 1, A: 1, B: 1})
			return err
		}, "r"},
		{"NaN alpha", func() error {
			_, err := segment.NewBGNBD(segment.BGNBDParams{R: 1, Alpha: math.NaN(), A: 1, B: 1})
			return err
		}, "alpha"},
		{"recency after T", func() error {
			_, err := m.ProbabilityAlive(1, 5, 4)
			return err
		}, "recency"},
		{"negative frequency", func() error {
			_, err := m.ConditionalExpectedPurchases(1, -1, 0, 4)
			return err
		}, "frequency"},
		{"recency without purchases", func() error {
			_, err := m.ConditionalExpectedPurchases(1, 0, 2, 4)
			return err
		}, "recency"},
		{"negative horizon", func() error {
			_, err := m.ExpectedPurchases(-1)
			return err
		}, "t"},
		{"infinite T", func() error {
			_, err := m.PurchaseRate(1, 1, math.Inf(1))
			return err
		}, "t"},
		{"no customers", func() error {
			_, err := segment.FitBGNBD(nil, nil)
			return err
		}, "summaries"},
		{"bad weight", func() error {
			_, err := segment.FitBGNBDCells([]segment.RFCell{{Frequency: 1, Recency: 1, T: 2, Weight: 0}}, nil)
			return err
		}, "cells[0].weight"},
		{"bad summary", func() error {
			_, err := segment.FitBGNBD([]segment.Summary{{Frequency: 1, Recency: 3, T: 2}}, nil)
			return err
		}, "summaries[0].recency"},
		{"bad start", func() error {
			_, err := segment.FitBGNBD([]segment.Summary{{Frequency: 1, Recency: 1, T: 2}}, &segment.FitOptions{Start: []float64{1, 2}})
			return err
		}, "start"},
		{"nil model", func() error {
			var nilModel *segment.BGNBD
			_, err := nilModel.ProbabilityAlive(0, 0, 1)
			return err
		}, "model"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.Error(t, err)
			assert.ErrorIs(t, err, kehu.ErrInvalid)
			var verr *kehu.ValidationError
			require.True(t, errors.As(err, &verr))
			assert.True(t, verr.Has(tc.field, ""), "fields: %v", verr.Fields)
		})
	}
}

// TestBGNBDNotConverged checks the errors of fits the data cannot support: nobody
// returned (a validation error), a single history whose likelihood has no proper
// maximum (ErrNotConverged, found from the Hessian), and an iteration limit.
func TestBGNBDNotConverged(t *testing.T) {
	tests := []struct {
		name  string
		cells []segment.RFCell
		opts  *segment.FitOptions
		want  error
	}{
		{"no repeat purchase", []segment.RFCell{{Frequency: 0, Recency: 0, T: 10, Weight: 100}, {Frequency: 0, Recency: 0, T: 20, Weight: 50}}, nil, kehu.ErrInvalid},
		{"one history", []segment.RFCell{{Frequency: 1, Recency: 5, T: 10, Weight: 100}}, nil, segment.ErrNotConverged},
		{"two histories", []segment.RFCell{{Frequency: 1, Recency: 5, T: 10, Weight: 100}, {Frequency: 0, Recency: 0, T: 10, Weight: 100}}, nil, segment.ErrNotConverged},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := segment.FitBGNBDCells(tc.cells, tc.opts)
			assert.Nil(t, m)
			assert.ErrorIs(t, err, tc.want)
		})
	}
	_, err := segment.FitBGNBD(loadCDNOWFrequencySummaries(t), &segment.FitOptions{MaxIterations: 2})
	assert.ErrorIs(t, err, segment.ErrNotConverged)
}

// TestBGNBDStdErrors checks the standard errors of the CDNOW fit against lifetimes'
// bgf.summary (docs/Quickstart.md): se(r) = 0.012557, se(α) = 0.378221, se(a) =
// 0.185719, se(b) = 0.705345.
func TestBGNBDStdErrors(t *testing.T) {
	m := fitCDNOWBGNBD(t)
	want := []float64{0.012557, 0.378221, 0.185719, 0.705345}
	require.Len(t, m.Stats.StdErrors, len(want))
	for i, w := range want {
		assertRel(t, w, m.Stats.StdErrors[i], 1e-4, "std error")
	}
}

// TestBGNBDGroupingAndWeights checks that a fit on grouped cells equals the fit on the
// individual customers (the weights are counts), and that the penalizer shrinks the
// parameters as lifetimes' penalizer_coef does.
func TestBGNBDGroupingAndWeights(t *testing.T) {
	sums := loadCDNOWFrequencySummaries(t)
	cells, err := segment.GroupSummaries(sums)
	require.NoError(t, err)
	assert.Less(t, len(cells), len(sums))
	total := 0.0
	for _, c := range cells {
		total += c.Weight
	}
	assert.Equal(t, float64(len(sums)), total)

	byCells, err := segment.FitBGNBDCells(cells, nil)
	require.NoError(t, err)
	bySummaries, err := segment.FitBGNBD(sums, nil)
	require.NoError(t, err)
	assert.Equal(t, byCells.Params, bySummaries.Params)

	pen, err := segment.FitBGNBD(sums, &segment.FitOptions{Penalizer: 0.1})
	require.NoError(t, err)
	assert.Less(t, pen.Params.Alpha, bySummaries.Params.Alpha)
	assert.Less(t, pen.Params.B, bySummaries.Params.B)
}

// TestMBGNBDFitCDNOW checks the MBG/NBD fit on the CDNOW summary against R's BTYDplus
// (mbgnbd.EstimateParameters on the same data, quoted by lifetimes test_estimation.py
// test_params_out_is_close_to_BTYDplus): r = 0.525, α = 6.183, a = 0.891, b = 1.614.
func TestMBGNBDFitCDNOW(t *testing.T) {
	m, err := segment.FitMBGNBD(loadCDNOWFrequencySummaries(t), nil)
	require.NoError(t, err)
	p := m.Params
	assert.InDelta(t, 0.525, p.R, 0.0005)
	assert.InDelta(t, 6.183, p.Alpha, 0.0005)
	assert.InDelta(t, 0.891, p.A, 0.0005)
	assert.InDelta(t, 1.614, p.B, 0.0005)

	// A one-time buyer may have dropped out at once, so P(alive) < 1 (lifetimes
	// test_conditional_probability_alive_returns_lessthan_1_if_no_repeat_purchases).
	pa, err := m.ProbabilityAlive(0, 0, 38.86)
	require.NoError(t, err)
	assert.Less(t, pa, 1.0)

	// The MBG/NBD and BG/NBD forecasts of FHL's example customer differ by under 5 %
	// (lifetimes checks 1.226 ± 0.05 for MBG/NBD).
	got, err := m.ConditionalExpectedPurchases(39, 2, 30.43, 38.86)
	require.NoError(t, err)
	assert.InDelta(t, 1.226, got, 0.05)
}

// TestMBGNBDConsistency checks MBG/NBD's expressions against each other: P(X(t) = n)
// sums to 1 with mean E[X(t)], and the conditional expectation of a customer with no
// history at age 0 is E[X(t)].
func TestMBGNBDConsistency(t *testing.T) {
	m, err := segment.NewMBGNBD(segment.BGNBDParams{R: 0.525, Alpha: 6.183, A: 0.891, B: 1.614})
	require.NoError(t, err)
	for _, tt := range []float64{1, 39, 78} {
		sum, mean := 0.0, 0.0
		for n := 0; n < 3000; n++ {
			p, err := m.ProbabilityOfPurchases(n, tt)
			require.NoError(t, err)
			sum += p
			mean += float64(n) * p
		}
		ex, err := m.ExpectedPurchases(tt)
		require.NoError(t, err)
		assert.InDelta(t, 1, sum, 1e-9)
		assert.InDelta(t, ex, mean, 1e-6)
		cond, err := m.ConditionalExpectedPurchases(tt, 0, 0, 0)
		require.NoError(t, err)
		assert.InDelta(t, ex, cond, 1e-12)
	}
	cells := []segment.RFCell{{Frequency: 2, Recency: 30.43, T: 38.86, Weight: 3}}
	ll, err := m.LogLikelihood(cells)
	require.NoError(t, err)
	assert.Less(t, ll, 0.0)
}

// TestBGNBDSpecialValues checks the closed forms where they divide by zero or overflow:
// a = 1 (the limit is taken), and heavy buyers and long horizons, where the ₂F₁ series
// of the conditional expectation diverges or overflows without Euler's transformation.
// The reference values are an independent computation: FHL 2005 eq. 10 evaluated with
// mpmath 1.3.0 (hyp2f1 at 50 significant digits, maxterms 10⁷), rounded to 17 digits;
// values below 1e-300 are 0.
func TestBGNBDSpecialValues(t *testing.T) {
	at1, err := segment.NewBGNBD(segment.BGNBDParams{R: 0.5, Alpha: 5, A: 1, B: 2.5})
	require.NoError(t, err)
	near, err := segment.NewBGNBD(segment.BGNBDParams{R: 0.5, Alpha: 5, A: 1.0001, B: 2.5})
	require.NoError(t, err)
	for _, tt := range []float64{1, 39, 520} {
		a, err := at1.ConditionalExpectedPurchases(tt, 3, 20, 38)
		require.NoError(t, err)
		b, err := near.ConditionalExpectedPurchases(tt, 3, 20, 38)
		require.NoError(t, err)
		assert.InDelta(t, b, a, 1e-3*b, "t=%v", tt)
	}

	tests := []struct {
		modified bool
		p        segment.BGNBDParams
		x        int
		tx, T, t float64
		want     float64
	}{
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 0, 0.0, 10.0, 0.5, 0.0083850226884899716},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 0, 0.0, 10.0, 39.0, 0.49945925291933912},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 0, 0.0, 10.0, 5200.0, 7.9176714019918544},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 2, 30.43, 38.86, 0.5, 0.018776841843974003},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 2, 30.43, 38.86, 39.0, 1.2260281747671445},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 2, 30.43, 38.86, 5200.0, 19.715392891936631},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 29, 37.71, 38.0, 0.5, 0.33263461778501922},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 29, 37.71, 38.0, 39.0, 20.05294898649679},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 29, 37.71, 38.0, 5200.0, 244.65657503369604},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 1000, 50.0, 52.0, 0.5, 2.3305864826342628e-12},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 1000, 50.0, 52.0, 39.0, 1.4654397831539079e-10},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 1000, 50.0, 52.0, 5200.0, 1.9867680787455015e-9},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 1000, 51.9, 52.0, 0.5, 8.7932042819134555},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 1000, 51.9, 52.0, 39.0, 552.90423557036674},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 1000, 51.9, 52.0, 5200.0, 7495.9919777134811},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 100000, 300.0, 365.0, 0.5, 0},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 100000, 300.0, 365.0, 39.0, 0},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 100000, 300.0, 365.0, 5200.0, 0},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 100000, 364.9, 365.0, 0.5, 2.9787184919167973e-5},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 100000, 364.9, 365.0, 39.0, 0.0022330607242030138},
		{false, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 100000, 364.9, 365.0, 5200.0, 0.080154322356838195},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 0, 0.0, 10.0, 0.5, 0.085868362518223978},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 0, 0.0, 10.0, 39.0, 1.1451996048417354},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 0, 0.0, 10.0, 5200.0, 1.249972596888661},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 2, 30.43, 38.86, 0.5, 0.0079904052925395886},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 2, 30.43, 38.86, 39.0, 0.25828680548296279},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 2, 30.43, 38.86, 5200.0, 0.36441837429289716},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 29, 37.71, 38.0, 0.5, 0.34435137885910482},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 29, 37.71, 38.0, 39.0, 10.371740209274615},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 29, 37.71, 38.0, 5200.0, 13.904445103469309},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 1000, 50.0, 52.0, 0.5, 5.6625161883839611e-14},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 1000, 50.0, 52.0, 39.0, 2.0341204988755485e-12},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 1000, 50.0, 52.0, 5200.0, 3.0448561753011406e-12},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 1000, 51.9, 52.0, 0.5, 9.1387942489476526},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 1000, 51.9, 52.0, 39.0, 328.2888401259594},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 1000, 51.9, 52.0, 5200.0, 491.41253071907291},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 100000, 300.0, 365.0, 0.5, 0},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 100000, 300.0, 365.0, 39.0, 0},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 100000, 300.0, 365.0, 5200.0, 0},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 100000, 364.9, 365.0, 0.5, 6.1610792055689906e-6},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 100000, 364.9, 365.0, 39.0, 0.00041422505014113829},
		{false, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 100000, 364.9, 365.0, 5200.0, 0.0022498177973742957},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 0, 0.0, 10.0, 0.5, 0.00041664862380071646},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 0, 0.0, 10.0, 39.0, 0.032392825985930869},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 0, 0.0, 10.0, 5200.0, 3.6323099347719611},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 2, 30.43, 38.86, 0.5, 0.011400911510043892},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 2, 30.43, 38.86, 39.0, 0.88413383579626046},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 2, 30.43, 38.86, 5200.0, 90.452401661682325},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 29, 37.71, 38.0, 0.5, 0.16424638558585199},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 29, 37.71, 38.0, 39.0, 12.501865149990609},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 29, 37.71, 38.0, 5200.0, 1007.702686982998},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 1000, 50.0, 52.0, 0.5, 6.2620981691722414e-5},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 1000, 50.0, 52.0, 39.0, 0.0047263617623222332},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 1000, 50.0, 52.0, 5200.0, 0.36208667970354785},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 1000, 51.9, 52.0, 0.5, 4.8972890471499479},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 1000, 51.9, 52.0, 39.0, 369.62626688665616},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 1000, 51.9, 52.0, 5200.0, 28317.076524935304},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 100000, 300.0, 365.0, 0.5, 0},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 100000, 300.0, 365.0, 39.0, 0},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 100000, 300.0, 365.0, 5200.0, 0},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 100000, 364.9, 365.0, 0.5, 0.0020593083267348362},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 100000, 364.9, 365.0, 39.0, 0.15918996239829251},
		{false, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 100000, 364.9, 365.0, 5200.0, 15.034950371755974},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 0, 0.0, 10.0, 0.5, 0.0058472858507966855},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 0, 0.0, 10.0, 39.0, 0.3667886255310583},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 0, 0.0, 10.0, 5200.0, 6.7625402644336945},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 2, 30.43, 38.86, 0.5, 0.020022292899899085},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 2, 30.43, 38.86, 39.0, 1.3404974284912132},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 2, 30.43, 38.86, 5200.0, 23.914725877987318},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 29, 37.71, 38.0, 0.5, 0.33300530119506511},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 29, 37.71, 38.0, 39.0, 20.199579138634046},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 29, 37.71, 38.0, 5200.0, 250.10587802372862},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 1000, 50.0, 52.0, 0.5, 2.3329218411840638e-12},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 1000, 50.0, 52.0, 39.0, 1.4671645727873932e-10},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 1000, 50.0, 52.0, 5200.0, 1.9900682652776978e-9},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 1000, 51.9, 52.0, 0.5, 8.7932755562804269},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 1000, 51.9, 52.0, 39.0, 553.0053406497349},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 1000, 51.9, 52.0, 5200.0, 7500.9879557362813},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 100000, 300.0, 365.0, 0.5, 0},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 100000, 300.0, 365.0, 39.0, 0},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 100000, 300.0, 365.0, 5200.0, 0},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 100000, 364.9, 365.0, 0.5, 2.9787482946379194e-5},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 100000, 364.9, 365.0, 39.0, 0.0022330839170001454},
		{true, segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 100000, 364.9, 365.0, 5200.0, 0.08015556491701345},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 0, 0.0, 10.0, 0.5, 0.00011960298312219821},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 0, 0.0, 10.0, 39.0, 0.0020523776482846161},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 0, 0.0, 10.0, 5200.0, 0.0024069684135026624},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 2, 30.43, 38.86, 0.5, 0.012050753667734535},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 2, 30.43, 38.86, 39.0, 0.43340813986081195},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 2, 30.43, 38.86, 5200.0, 0.66994192283410177},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 29, 37.71, 38.0, 0.5, 0.34591680376796333},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 29, 37.71, 38.0, 39.0, 10.626716019024473},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 29, 37.71, 38.0, 5200.0, 14.402986759108515},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 1000, 50.0, 52.0, 0.5, 5.6682604810006197e-14},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 1000, 50.0, 52.0, 39.0, 2.0373299673521394e-12},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 1000, 50.0, 52.0, 5200.0, 3.0509422412351e-12},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 1000, 51.9, 52.0, 0.5, 9.1390998903226169},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 1000, 51.9, 52.0, 39.0, 328.48458788351302},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 1000, 51.9, 52.0, 5200.0, 491.91221884937389},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 100000, 300.0, 365.0, 0.5, 0},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 100000, 300.0, 365.0, 39.0, 0},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 100000, 300.0, 365.0, 5200.0, 0},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 100000, 364.9, 365.0, 0.5, 6.1611409427119778e-6},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 100000, 364.9, 365.0, 39.0, 0.00041422978062704632},
		{true, segment.BGNBDParams{R: 2.0, Alpha: 1.0, A: 3.0, B: 0.5}, 100000, 364.9, 365.0, 5200.0, 0.0022498626109446194},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 0, 0.0, 10.0, 0.5, 0.00041248683177527963},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 0, 0.0, 10.0, 39.0, 0.032074094756422871},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 0, 0.0, 10.0, 5200.0, 3.6130728191371655},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 2, 30.43, 38.86, 0.5, 0.01140693708422195},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 2, 30.43, 38.86, 39.0, 0.88481675546536627},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 2, 30.43, 38.86, 5200.0, 91.038551753533455},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 29, 37.71, 38.0, 0.5, 0.16426282174890331},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 29, 37.71, 38.0, 39.0, 12.508725498996318},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 29, 37.71, 38.0, 5200.0, 1011.3996909041481},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 1000, 50.0, 52.0, 0.5, 6.2682463698357388e-5},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 1000, 50.0, 52.0, 39.0, 0.0047311384069707506},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 1000, 50.0, 52.0, 5200.0, 0.36250611111366478},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 1000, 51.9, 52.0, 0.5, 4.8972938579392},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 1000, 51.9, 52.0, 39.0, 369.6372748368102},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 1000, 51.9, 52.0, 5200.0, 28322.099143478591},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 100000, 300.0, 365.0, 0.5, 0},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 100000, 300.0, 365.0, 39.0, 0},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 100000, 300.0, 365.0, 5200.0, 0},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 100000, 364.9, 365.0, 0.5, 0.0020593289180322289},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 100000, 364.9, 365.0, 39.0, 0.15919156800626046},
		{true, segment.BGNBDParams{R: 0.05, Alpha: 50.0, A: 0.2, B: 20.0}, 100000, 364.9, 365.0, 5200.0, 15.035123813230237},
		// z within 10⁻³ of 1 with large r: the value of ₂F₁ overflows a float64 and
		// both Gauss series fail; 15.3.6 in log space carries it.
		{false, segment.BGNBDParams{R: 93.72, Alpha: 0.011179912534, A: 3.0516, B: 2.82}, 0, 0, 0, 77, 2.3745369467388988},
		{false, segment.BGNBDParams{R: 93.72, Alpha: 0.011179912534, A: 3.0516, B: 2.82}, 3, 10, 37, 77, 7.2428745145762928e-55},
		{false, segment.BGNBDParams{R: 50, Alpha: 0.01, A: 0.5, B: 0.7}, 0, 0, 0, 1000, 3155.0301050559241},
		{false, segment.BGNBDParams{R: 20, Alpha: 0.001, A: 2.5, B: 1.5}, 5, 3, 4, 500, 0.0088326434364433127},
		// c − a − b an integer (−302) with ₂F₁ ≈ 10⁴⁵⁰: 15.3.6 has poles there, so the
		// Gauss series is summed in log space.
		{false, segment.BGNBDParams{R: 98, Alpha: 55, A: 17, B: 6}, 220, 100, 130, 5555.25, 7.3502035472250399e-23},
		// c − a − b = −43 with z = 0.99914: gonum's Hypergeo truncates the series after
		// 10,000 terms here (10¹¹⁵ for 10¹³¹); Euler's form is used instead.
		{false, segment.BGNBDParams{R: 42.2, Alpha: 0.1, A: 0.2, B: 39.03333333333333}, 0, 0, 0, 116, 14593.213885119402},
		// a = 1 exactly, where the closed form is 0/0 (mpmath at a = 1 + 10⁻⁴⁰, 80 digits).
		{false, segment.BGNBDParams{R: 0.25, Alpha: 10, A: 1, B: 18}, 0, 0, 8739.74, 0.1, 2.857226683448027e-6},
		{false, segment.BGNBDParams{R: 0.25, Alpha: 10, A: 1, B: 18}, 2, 30, 38, 39, 1.5970912146288542},
		{false, segment.BGNBDParams{R: 0.5, Alpha: 5, A: 1, B: 2.5}, 3, 20, 38, 1, 0.032520304547654567},
		{false, segment.BGNBDParams{R: 0.5, Alpha: 5, A: 1, B: 2.5}, 3, 20, 38, 520, 4.6991541662790173},
		{true, segment.BGNBDParams{R: 0.25, Alpha: 10, A: 1, B: 18}, 0, 0, 8739.74, 0.1, 2.1942334709606838e-6},
		{true, segment.BGNBDParams{R: 0.25, Alpha: 10, A: 1, B: 18}, 2, 30, 38, 39, 1.607027761563254},
		{true, segment.BGNBDParams{R: 0.5, Alpha: 5, A: 1, B: 2.5}, 3, 20, 38, 1, 0.036520669789991271},
		{true, segment.BGNBDParams{R: 0.5, Alpha: 5, A: 1, B: 2.5}, 3, 20, 38, 520, 5.7755299761879045},
	}
	for _, tc := range tests {
		var got float64
		var err error
		if tc.modified {
			m, merr := segment.NewMBGNBD(tc.p)
			require.NoError(t, merr)
			got, err = m.ConditionalExpectedPurchases(tc.t, tc.x, tc.tx, tc.T)
		} else {
			m, merr := segment.NewBGNBD(tc.p)
			require.NoError(t, merr)
			got, err = m.ConditionalExpectedPurchases(tc.t, tc.x, tc.tx, tc.T)
		}
		require.NoError(t, err, "%+v", tc)
		assert.InDelta(t, tc.want, got, 1e-300+1e-9*tc.want, "%+v", tc)
	}
}

// TestBGNBDGroupingDeterministic checks that grouping and fitting do not depend on the
// order of the customers, that a long list of bad rows is reported in a bounded error,
// and that fits run concurrently without shared state.
func TestBGNBDGroupingDeterministic(t *testing.T) {
	sums := loadCDNOWFrequencySummaries(t)
	reversed := make([]segment.Summary, len(sums))
	for i, s := range sums {
		reversed[len(sums)-1-i] = s
	}
	a, err := segment.GroupSummaries(sums)
	require.NoError(t, err)
	b, err := segment.GroupSummaries(reversed)
	require.NoError(t, err)
	assert.Equal(t, a, b)

	bad := make([]segment.Summary, 100)
	for i := range bad {
		bad[i] = segment.Summary{Frequency: -1, Recency: 1, T: 2}
	}
	_, err = segment.GroupSummaries(bad)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.Len(t, verr.Fields, 21) // 20 listed, one counting the other 80
	assert.True(t, verr.Has("", "more"))

	want, err := segment.FitBGNBDCells(a, nil)
	require.NoError(t, err)
	results := make([]*segment.BGNBD, 4)
	done := make(chan int)
	for i := range results {
		go func() {
			m, err := segment.FitBGNBDCells(a, nil)
			if err == nil {
				results[i] = m
			}
			done <- i
		}()
	}
	for range results {
		<-done
	}
	for _, m := range results {
		require.NotNil(t, m)
		assert.Equal(t, want.Params, m.Params)
	}
}

// TestProbabilityAliveWhenTheLastPurchaseEndsObservation checks P(alive) at t_x = T, where
// the ratio ((α + T)/(α + t_x))^(r+x) of the closed forms is 1: BG/NBD (Fader, Hardie &
// Lee, "Computing P(alive) using the BG/NBD model", 2008 note) gives
// 1/(1 + a/(b + x − 1)), MBG/NBD (Batislam, Denizel & Filiztekin 2007, IJRM 24(3))
// 1/(1 + a/(b + x)), and Pareto/NBD 1, since a customer who bought at T was alive at T;
// with x = 0 (t_x = T = 0) BG/NBD gives 1 and MBG/NBD b/(a + b).
func TestProbabilityAliveWhenTheLastPurchaseEndsObservation(t *testing.T) {
	p := segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	bg, err := segment.NewBGNBD(p)
	require.NoError(t, err)
	mbg, err := segment.NewMBGNBD(p)
	require.NoError(t, err)
	pn, err := segment.NewParetoNBD(segment.ParetoNBDParams{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669})
	require.NoError(t, err)
	for _, tc := range []struct {
		x int
		T float64
	}{{1, 0.5}, {3, 10}, {26, 38.86}, {1000, 52}} {
		x := float64(tc.x)
		got, err := bg.ProbabilityAlive(tc.x, tc.T, tc.T)
		require.NoError(t, err)
		assertRel(t, 1/(1+p.A/(p.B+x-1)), got, 1e-12, fmt.Sprint("BG/NBD x=", tc.x))
		got, err = mbg.ProbabilityAlive(tc.x, tc.T, tc.T)
		require.NoError(t, err)
		assertRel(t, 1/(1+p.A/(p.B+x)), got, 1e-12, fmt.Sprint("MBG/NBD x=", tc.x))
		got, err = pn.ProbabilityAlive(tc.x, tc.T, tc.T)
		require.NoError(t, err)
		assertRel(t, 1, got, 1e-12, fmt.Sprint("Pareto/NBD x=", tc.x))
	}
	got, err := bg.ProbabilityAlive(0, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, 1.0, got)
	got, err = mbg.ProbabilityAlive(0, 0, 0)
	require.NoError(t, err)
	assertRel(t, p.B/(p.A+p.B), got, 1e-12, "MBG/NBD x=0")
}
