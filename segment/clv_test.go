package segment_test

import (
	"context"
	"math"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/segment"
)

// TestCLVCDNOW reproduces lifetimes' documented CLV of the CDNOW customers
// (docs/Quickstart.md, ggf.customer_lifetime_value(bgf, …, time=12,
// discount_rate=0.01)): BG/NBD and Gamma-Gamma fitted on the CDNOW summary with
// transactions. That call left lifetimes' default freq="D" — 30 periods a month — on
// weekly data, so the reference is reproduced with PeriodsPerMonth = 30; the weekly
// value (Period Week, 4.345 weeks a month) is the one to use for these data and is
// checked against its own definition.
func TestCLVCDNOW(t *testing.T) {
	sums := loadCDNOWSummaries(t)
	bg, err := segment.FitBGNBD(sums, nil)
	require.NoError(t, err)
	gg, err := segment.FitGammaGamma(sums, nil)
	require.NoError(t, err)

	want := map[string]float64{
		"1": 140.096211, "2": 18.943467, "3": 38.180574, "4": 38.180574, "5": 38.180574,
		"6": 1003.868107, "7": 28.109683, "8": 38.180574, "9": 167.418216, "10": 38.180574,
	}
	lifetimesDaily := &segment.CLVOptions{Months: 12, DiscountRate: 0.01, PeriodsPerMonth: 30}
	values, err := segment.CLVForecasts(bg, gg, sums[:10], segment.Week, lifetimesDaily)
	require.NoError(t, err)
	for _, v := range values {
		assert.InDelta(t, want[v.Customer], v.CLV, 1e-3+1e-6*want[v.Customer], "customer %s", v.Customer)
	}

	// The weekly value by its definition: Σ months of purchases × spend / 1.01^i.
	s := sums[0]
	got, err := segment.CLV(bg, gg, s, segment.Week, nil)
	require.NoError(t, err)
	spend, err := gg.ConditionalExpectedSpend(s.Frequency, s.Monetary.InexactFloat64())
	require.NoError(t, err)
	manual, prev := 0.0, 0.0
	for i := 1; i <= 12; i++ {
		e, err := bg.ConditionalExpectedPurchases(float64(i)*4.345, s.Frequency, s.Recency, s.T)
		require.NoError(t, err)
		manual += spend * (e - prev) / clvPow(1.01, i)
		prev = e
	}
	assert.InDelta(t, manual, got, 1e-9)
	assert.Less(t, got, values[0].CLV) // 12 months, not 12 × 30 weeks
}

func clvPow(b float64, n int) float64 {
	r := 1.0
	for range n {
		r *= b
	}
	return r
}

// TestCLVOptions checks the horizon, the discount and the models CLV accepts.
func TestCLVOptions(t *testing.T) {
	bg, err := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	require.NoError(t, err)
	gg, err := segment.NewGammaGamma(segment.GammaGammaParams{P: 6.25, Q: 3.74, V: 15.44})
	require.NoError(t, err)
	s := segment.Summary{Customer: "c1", Frequency: 2, Recency: 30.43, T: 38.86}

	base, err := segment.CLV(bg, gg, s, segment.Week, nil)
	require.NoError(t, err)
	undiscounted, err := segment.CLV(bg, gg, s, segment.Week, &segment.CLVOptions{NoDiscount: true})
	require.NoError(t, err)
	longer, err := segment.CLV(bg, gg, s, segment.Week, &segment.CLVOptions{Months: 24})
	require.NoError(t, err)
	assert.Greater(t, undiscounted, base)
	assert.Greater(t, longer, base)

	// Undiscounted, one month: spend × E[Y(4.345)].
	one, err := segment.CLV(bg, gg, s, segment.Week, &segment.CLVOptions{Months: 1, NoDiscount: true})
	require.NoError(t, err)
	e, err := bg.ConditionalExpectedPurchases(4.345, 2, 30.43, 38.86)
	require.NoError(t, err)
	spend, err := gg.ConditionalExpectedSpend(2, 0)
	require.NoError(t, err)
	assert.InDelta(t, spend*e, one, 1e-12)

	// Every transaction model plugs in; BG/BB counts whole opportunities per month.
	models := []segment.TransactionModel{bg}
	mbg, err := segment.NewMBGNBD(segment.BGNBDParams{R: 0.525, Alpha: 6.183, A: 0.891, B: 1.614})
	require.NoError(t, err)
	pnbd, err := segment.NewParetoNBD(segment.ParetoNBDParams{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669})
	require.NoError(t, err)
	models = append(models, mbg, pnbd)
	for _, m := range models {
		v, err := segment.CLV(m, gg, s, segment.Week, nil)
		require.NoError(t, err)
		assert.Greater(t, v, 0.0)
	}
	bb, err := segment.NewBGBB(segment.BGBBParams{Alpha: 1.204, Beta: 0.750, Gamma: 0.657, Delta: 2.783})
	require.NoError(t, err)
	annual := segment.Summary{Customer: "d1", Frequency: 3, Recency: 5, T: 6}
	v, err := segment.CLV(bb, gg, annual, segment.Month, &segment.CLVOptions{Months: 3})
	require.NoError(t, err)
	assert.Greater(t, v, 0.0)
	_, err = segment.CLV(bb, gg, annual, segment.Week, nil) // 4.345 opportunities a month
	assert.ErrorIs(t, err, kehu.ErrInvalid)

	bad := []struct {
		name  string
		model segment.TransactionModel
		spend *segment.GammaGamma
		per   segment.Period
		opts  *segment.CLVOptions
	}{
		{"nil model", nil, gg, segment.Week, nil},
		{"nil spend", bg, nil, segment.Week, nil},
		{"unknown period", bg, gg, segment.Period("fortnight"), nil},
		{"negative months", bg, gg, segment.Week, &segment.CLVOptions{Months: -1}},
		{"negative discount", bg, gg, segment.Week, &segment.CLVOptions{DiscountRate: -0.1}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := segment.CLV(tc.model, tc.spend, s, tc.per, tc.opts)
			assert.ErrorIs(t, err, kehu.ErrInvalid)
		})
	}
}

// TestCLVForecastsShareHistories checks that the batch forecast, which evaluates each
// distinct history once, equals the customer-by-customer CLV.
func TestCLVForecastsShareHistories(t *testing.T) {
	sums := loadCDNOWSummaries(t)[:200]
	bg, err := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	require.NoError(t, err)
	gg, err := segment.NewGammaGamma(segment.GammaGammaParams{P: 6.25, Q: 3.74, V: 15.44})
	require.NoError(t, err)
	batch, err := segment.CLVForecasts(bg, gg, sums, segment.Week, nil)
	require.NoError(t, err)
	for i, s := range sums {
		one, err := segment.CLV(bg, gg, s, segment.Week, nil)
		require.NoError(t, err)
		assert.InDelta(t, one, batch[i].CLV, 1e-12*max(1, one))
		assert.Equal(t, s.Customer, batch[i].Customer)
	}
	_, err = segment.CLVForecasts(bg, gg, []segment.Summary{sums[0], {Frequency: 1, Recency: 9, T: 3}}, segment.Week, nil)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	assert.ErrorContains(t, err, "summaries[1]")
}

// TestForecastCLVMatchesForecasts checks that one customer's forecast is the one
// CLVForecasts gives the customer in a list, field for field, for each transaction model
// and for options that change every part of it; and that CLV is its value.
func TestForecastCLVMatchesForecasts(t *testing.T) {
	sums := loadCDNOWSummaries(t)[:60]
	bg, err := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	require.NoError(t, err)
	mbg, err := segment.NewMBGNBD(segment.BGNBDParams{R: 0.525, Alpha: 6.183, A: 0.891, B: 1.614})
	require.NoError(t, err)
	pareto, err := segment.NewParetoNBD(segment.ParetoNBDParams{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669})
	require.NoError(t, err)
	gg, err := segment.NewGammaGamma(segment.GammaGammaParams{P: 6.25, Q: 3.74, V: 15.44})
	require.NoError(t, err)
	tests := []struct {
		name   string
		model  segment.TransactionModel
		period segment.Period
		opts   *segment.CLVOptions
	}{
		{"BG/NBD, defaults", bg, segment.Week, nil},
		{"BG/NBD, 24 months undiscounted", bg, segment.Week, &segment.CLVOptions{Months: 24, NoDiscount: true}},
		{"BG/NBD, 30 periods a month at 2 %", bg, segment.Week, &segment.CLVOptions{PeriodsPerMonth: 30, DiscountRate: 0.02}},
		{"MBG/NBD, 6 months", mbg, segment.Week, &segment.CLVOptions{Months: 6}},
		{"Pareto/NBD, defaults", pareto, segment.Week, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all, err := segment.CLVForecasts(tt.model, gg, sums, tt.period, tt.opts)
			require.NoError(t, err)
			for i, s := range sums {
				one, err := segment.ForecastCLV(tt.model, gg, s, tt.period, tt.opts)
				require.NoError(t, err)
				assert.Equal(t, all[i], one, "customer %s", s.Customer)
				v, err := segment.CLV(tt.model, gg, s, tt.period, tt.opts)
				require.NoError(t, err)
				assert.Equal(t, one.CLV, v, "customer %s", s.Customer)
			}
		})
	}
	t.Run("bad arguments", func(t *testing.T) {
		_, err := segment.ForecastCLV(nil, gg, sums[0], segment.Week, nil)
		assert.ErrorIs(t, err, kehu.ErrInvalid)
		_, err = segment.ForecastCLV(bg, gg, sums[0], "fortnight", nil)
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("period", "enum"), "%v", err)
	})
}

// TestCLVAndChurnNameBadSummaries checks that a bad float in a summary or an option is a
// validation error naming its path, for CLV, CLVForecasts, ChurnScore and ChurnScores.
func TestCLVAndChurnNameBadSummaries(t *testing.T) {
	bg, err := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	require.NoError(t, err)
	bb, err := segment.NewBGBB(segment.BGBBParams{Alpha: 1.2, Beta: 0.75, Gamma: 0.66, Delta: 2.78})
	require.NoError(t, err)
	gg, err := segment.NewGammaGamma(segment.GammaGammaParams{P: 6.25, Q: 3.74, V: 15.44})
	require.NoError(t, err)
	ok := segment.Summary{Customer: "ok", Frequency: 2, Recency: 30.43, T: 38.86, Monetary: decimal.NewFromInt(20)}
	with := func(f func(*segment.Summary)) segment.Summary { s := ok; f(&s); return s }
	tests := []struct {
		name  string
		s     segment.Summary
		field string // under summary. or summaries[1].
	}{
		{"NaN T", with(func(s *segment.Summary) { s.T = math.NaN() }), "t"},
		{"infinite T", with(func(s *segment.Summary) { s.T = math.Inf(1) }), "t"},
		{"NaN recency", with(func(s *segment.Summary) { s.Recency = math.NaN() }), "recency"},
		{"minus infinity recency", with(func(s *segment.Summary) { s.Recency = math.Inf(-1) }), "recency"},
		{"recency after T", with(func(s *segment.Summary) { s.Recency = 1e300 }), "recency"},
		{"negative frequency", with(func(s *segment.Summary) { s.Frequency = -1 }), "frequency"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			has := func(err error, field string) {
				t.Helper()
				require.ErrorIs(t, err, kehu.ErrInvalid)
				var verr *kehu.ValidationError
				require.ErrorAs(t, err, &verr)
				assert.True(t, verr.Has(field, "range") || verr.Has(field, "consistency"), "want %s: %v", field, err)
			}
			_, err := segment.CLV(bg, gg, tc.s, segment.Week, nil)
			has(err, "summary."+tc.field)
			f, err := segment.ForecastCLV(bg, gg, tc.s, segment.Week, nil)
			has(err, "summary."+tc.field)
			assert.Equal(t, segment.CLVForecast{Customer: "ok"}, f, "a failed forecast names only the customer")
			_, err = segment.CLVForecasts(bg, gg, []segment.Summary{ok, tc.s}, segment.Week, nil)
			has(err, "summaries[1]."+tc.field)
			_, err = segment.ChurnScore(context.Background(), bg, tc.s, nil)
			has(err, "summary."+tc.field)
			_, err = segment.ChurnScores(context.Background(), bg, []segment.Summary{ok, tc.s}, nil)
			has(err, "summaries[1]."+tc.field)
		})
	}
	t.Run("negative monetary", func(t *testing.T) {
		s := with(func(s *segment.Summary) { s.Monetary = decimal.NewFromInt(-5) })
		_, err := segment.CLVForecasts(bg, gg, []segment.Summary{ok, s}, segment.Week, nil)
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("summaries[1].monetary", "range"), "%v", err)
	})
	t.Run("a history the model refuses", func(t *testing.T) {
		// BG/BB counts whole opportunities: a fractional T passes the shared check and
		// fails the model's, under the summary's path.
		s := segment.Summary{Customer: "x", Frequency: 1, Recency: 2, T: 3.5}
		_, err := segment.ChurnScores(context.Background(), bb, []segment.Summary{{Customer: "ok"}, s}, nil)
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("summaries[1].t", "range"), "%v", err)
	})
	t.Run("options", func(t *testing.T) {
		for _, tc := range []struct {
			opts  *segment.CLVOptions
			field string
		}{
			{&segment.CLVOptions{DiscountRate: math.NaN()}, "discount_rate"},
			{&segment.CLVOptions{DiscountRate: math.Inf(1)}, "discount_rate"},
			{&segment.CLVOptions{PeriodsPerMonth: math.NaN()}, "periods_per_month"},
			{&segment.CLVOptions{PeriodsPerMonth: math.Inf(1)}, "periods_per_month"},
			{&segment.CLVOptions{PeriodsPerMonth: 1e308}, "periods_per_month"},
		} {
			_, err := segment.CLV(bg, gg, ok, segment.Week, tc.opts)
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tc.field, "range"), "%v", err)
		}
		// BG/BB needs whole opportunities: a fractional month of them is the option's fault.
		_, err := segment.CLV(bb, gg, segment.Summary{Customer: "x", Frequency: 1, Recency: 2, T: 3, Monetary: decimal.NewFromInt(5)},
			segment.Week, &segment.CLVOptions{PeriodsPerMonth: 4.5})
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("periods_per_month", "range"), "%v", err)
		for _, opts := range []*segment.ChurnOptions{{AliveWeight: math.NaN()}, {OverdueWeight: math.Inf(1)}, {ComplaintStep: math.NaN()}} {
			_, err := segment.ChurnScore(context.Background(), bg, ok, opts)
			assert.ErrorIs(t, err, kehu.ErrInvalid)
		}
	})
}
