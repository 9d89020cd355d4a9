package segment_test

import (
	"bufio"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/segment"
)

func utcDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func mkTx(c string, at time.Time, amount string) segment.Transaction {
	return segment.Transaction{Customer: c, At: at, Amount: decimal.RequireFromString(amount)}
}

// cdnowRow is one row of lifetimes' cdnow_customers_summary_with_transactions.csv.
type cdnowRow struct {
	x          int
	tx, T, zbr float64
}

func loadCDNOWSummary(t testing.TB) map[string]cdnowRow {
	t.Helper()
	sc := bufio.NewScanner(openTestdata(t, "cdnow/cdnow_customers_summary_with_transactions.csv"))
	require.True(t, sc.Scan())
	require.Equal(t, "ID,x,t_x,T,zbar", strings.TrimSpace(sc.Text()))
	out := map[string]cdnowRow{}
	for sc.Scan() {
		f := strings.Split(strings.TrimSpace(sc.Text()), ",")
		require.Len(t, f, 5)
		x, err := strconv.Atoi(f[1])
		require.NoError(t, err)
		num := func(s string) float64 {
			v, err := strconv.ParseFloat(s, 64)
			require.NoError(t, err)
			return v
		}
		out[f[0]] = cdnowRow{x: x, tx: num(f[2]), T: num(f[3]), zbr: num(f[4])}
	}
	require.NoError(t, sc.Err())
	return out
}

// TestSummarizeCDNOW reproduces lifetimes' cdnow_customers_summary_with_transactions.csv
// (Fader, Hardie & Lee 2005; the calibration period of the CDNOW 1/10 sample, weeks 1–39,
// ending 1997-09-30) from the raw transactions in CDNOW_sample.txt: x, t_x and T exactly
// (to the file's two decimals), zbar to 0.01.
func TestSummarizeCDNOW(t *testing.T) {
	txns := loadCDNOWSample(t)
	want := loadCDNOWSummary(t)
	require.Len(t, want, 2357)

	got, err := segment.Summarize(txns, segment.Options{
		Period:         segment.Week,
		ObservationEnd: utcDay(1998, 6, 30),
		CalibrationEnd: utcDay(1997, 9, 30),
	})
	require.NoError(t, err)
	require.Len(t, got, 2357, "every customer of the cohort bought in Q1 1997, inside the calibration period")

	round2 := func(v float64) float64 { return math.Round(v*100) / 100 }
	repeat, sumX, maxX := 0, 0, 0
	zbarSum := 0.0
	for _, s := range got {
		w, ok := want[s.Customer]
		require.True(t, ok, "customer %s", s.Customer)
		require.Equal(t, w.x, s.Frequency, "x of %s", s.Customer)
		require.Equal(t, w.tx, round2(s.Recency), "t_x of %s", s.Customer)
		require.Equal(t, w.T, round2(s.T), "T of %s", s.Customer)
		z, _ := s.Monetary.Float64()
		require.InDelta(t, w.zbr, z, 0.005+1e-9, "zbar of %s", s.Customer)
		require.InDelta(t, 39.0, s.HoldoutDuration, 1e-12, "holdout 1997-10-01..1998-06-30 is 273 days = 39 weeks")
		if s.Frequency > 0 {
			repeat++
			zbarSum += w.zbr // the published mean is of the file's two-decimal values
			require.Equal(t, strconv.FormatFloat(w.zbr, 'f', 2, 64), s.Monetary.StringFixed(2),
				"zbar of %s, rounded half away from zero", s.Customer)
		}
		sumX += s.Frequency
		maxX = max(maxX, s.Frequency)
	}
	// Summary counts published in testdata/cdnow/SOURCE.md.
	assert.Equal(t, 946, repeat)
	assert.Equal(t, 2457, sumX)
	assert.Equal(t, 29, maxX)
	assert.InDelta(t, 35.0786, zbarSum/float64(repeat), 0.00005)

	// Customer 1 worked by hand: purchases 1997-01-01, -01-18, -08-02, -12-12.
	s1 := got[slices.IndexFunc(got, func(s segment.Summary) bool { return s.Customer == "1" })]
	assert.Equal(t, 2, s1.Frequency)
	assert.InDelta(t, 213.0/7, s1.Recency, 1e-12)
	assert.InDelta(t, 272.0/7, s1.T, 1e-12)
	assert.Equal(t, "22.35", s1.Monetary.StringFixed(2), "(29.73 + 14.96) / 2")
	assert.Equal(t, 1, s1.HoldoutFrequency)
	assert.Equal(t, "26.48", s1.HoldoutMonetary.StringFixed(2))
	assert.Equal(t, 200, s1.DaysSinceLast, "1997-12-12 to 1998-06-30")
	assert.Equal(t, 4, s1.Orders)
	assert.Equal(t, "100.5", s1.Total.String())

	// The holdout figures against an independent computation over the raw rows.
	indep := naiveSummaries(txns, utcDay(1998, 6, 30), utcDay(1997, 9, 30), 7)
	for _, s := range got {
		n := indep[s.Customer]
		require.Equal(t, n.holdN, s.HoldoutFrequency, s.Customer)
		if n.holdN > 0 {
			require.True(t, n.holdMean.Round(6).Equal(s.HoldoutMonetary), "%s: %s vs %s", s.Customer, n.holdMean, s.HoldoutMonetary)
		}
		require.Equal(t, n.orders, s.Orders)
		require.Equal(t, n.daysSinceLast, s.DaysSinceLast)
	}
}

// naive is an independent, deliberately simple per-customer summary: sets of days,
// sums per day, exact decimals.
type naive struct {
	x                int
	recency, T       float64
	mean, holdMean   decimal.Decimal
	holdN, orders    int
	daysSinceLast    int
	total            decimal.Decimal
	calibrationBuyer bool
}

// naiveSummaries computes the summaries with maps, calendar days of UTC times, and
// distances in days divided by unit.
func naiveSummaries(txns []segment.Transaction, obsEnd, calEnd time.Time, unit float64) map[string]naive {
	type cust struct {
		cal, hold map[time.Time]decimal.Decimal
		last      time.Time
		orders    int
		total     decimal.Decimal
	}
	trunc := func(t time.Time) time.Time {
		t = t.UTC()
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	cs := map[string]*cust{}
	for _, t := range txns {
		c := cs[t.Customer]
		if c == nil {
			c = &cust{cal: map[time.Time]decimal.Decimal{}, hold: map[time.Time]decimal.Decimal{}}
			cs[t.Customer] = c
		}
		d := trunc(t.At)
		if !t.At.After(calEnd) {
			c.cal[d] = c.cal[d].Add(t.Amount)
		} else {
			c.hold[d] = c.hold[d].Add(t.Amount)
		}
		if t.At.After(c.last) {
			c.last = t.At
		}
		c.orders++
		c.total = c.total.Add(t.Amount)
	}
	out := map[string]naive{}
	for id, c := range cs {
		var days []time.Time
		for d := range c.cal {
			days = append(days, d)
		}
		slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
		n := naive{orders: c.orders, total: c.total, holdN: len(c.hold), calibrationBuyer: len(days) > 0}
		n.daysSinceLast = int(trunc(obsEnd).Sub(trunc(c.last)).Hours() / 24)
		if len(days) > 0 {
			n.x = len(days) - 1
			n.recency = days[len(days)-1].Sub(days[0]).Hours() / 24 / unit
			n.T = trunc(calEnd).Sub(days[0]).Hours() / 24 / unit
			sum := decimal.Zero
			for _, d := range days[1:] {
				sum = sum.Add(c.cal[d])
			}
			if n.x > 0 {
				n.mean = sum.Div(decimal.NewFromInt(int64(n.x)))
			}
		}
		hs := decimal.Zero
		for _, v := range c.hold {
			hs = hs.Add(v)
		}
		if len(c.hold) > 0 {
			n.holdMean = hs.Div(decimal.NewFromInt(int64(len(c.hold))))
		}
		out[id] = n
	}
	return out
}

func TestSummarizeCases(t *testing.T) {
	end := utcDay(2024, 3, 31)
	tests := []struct {
		name string
		txns []segment.Transaction
		opts segment.Options
		want []segment.Summary
	}{
		{
			name: "one-time buyer",
			txns: []segment.Transaction{mkTx("a", utcDay(2024, 3, 1), "10")},
			opts: segment.Options{ObservationEnd: end},
			want: []segment.Summary{{Customer: "a", Frequency: 0, Recency: 0, T: 30, DaysSinceLast: 30,
				Total: decimal.RequireFromString("10"), Orders: 1}},
		},
		{
			name: "same-day purchases merge; monetary excludes the first day",
			txns: []segment.Transaction{
				mkTx("a", utcDay(2024, 3, 1), "10"), mkTx("a", utcDay(2024, 3, 1).Add(5*time.Hour), "5"),
				mkTx("a", utcDay(2024, 3, 11), "20"), mkTx("a", utcDay(2024, 3, 11).Add(time.Hour), "4"),
				mkTx("a", utcDay(2024, 3, 21), "6"),
			},
			opts: segment.Options{ObservationEnd: end},
			want: []segment.Summary{{Customer: "a", Frequency: 2, Recency: 20, T: 30, DaysSinceLast: 10,
				Monetary: decimal.RequireFromString("15"), Total: decimal.RequireFromString("45"), Orders: 5}},
		},
		{
			name: "weeks as days/7 (lifetimes freq='D', freq_multiplier=7)",
			txns: []segment.Transaction{mkTx("a", utcDay(2024, 3, 1), "1"), mkTx("a", utcDay(2024, 3, 4), "3")},
			opts: segment.Options{Period: segment.Week, ObservationEnd: end},
			want: []segment.Summary{{Customer: "a", Frequency: 1, Recency: 3.0 / 7, T: 30.0 / 7, DaysSinceLast: 27,
				Monetary: decimal.RequireFromString("3"), Total: decimal.RequireFromString("4"), Orders: 2}},
		},
		{
			// 2024-03-01 is a Friday, 03-03 a Sunday (same week), 03-04 a Monday.
			name: "calendar weeks (lifetimes freq='W')",
			txns: []segment.Transaction{mkTx("a", utcDay(2024, 3, 1), "1"), mkTx("a", utcDay(2024, 3, 3), "2"), mkTx("a", utcDay(2024, 3, 4), "3")},
			opts: segment.Options{Period: segment.Week, Collapse: segment.Week, ObservationEnd: end},
			want: []segment.Summary{{Customer: "a", Frequency: 1, Recency: 1, T: 4, DaysSinceLast: 27,
				Monetary: decimal.RequireFromString("3"), Total: decimal.RequireFromString("6"), Orders: 3}},
		},
		{
			name: "calendar months",
			txns: []segment.Transaction{mkTx("a", utcDay(2023, 11, 30), "1"), mkTx("a", utcDay(2023, 12, 1), "2"), mkTx("a", utcDay(2024, 1, 31), "4")},
			opts: segment.Options{Period: segment.Month, Collapse: segment.Month, ObservationEnd: end},
			want: []segment.Summary{{Customer: "a", Frequency: 2, Recency: 2, T: 4, DaysSinceLast: 60,
				Monetary: decimal.RequireFromString("3"), Total: decimal.RequireFromString("7"), Orders: 3}},
		},
		{
			name: "months as days / (365.2425/12)",
			txns: []segment.Transaction{mkTx("a", utcDay(2024, 1, 1), "1")},
			opts: segment.Options{Period: segment.Month, ObservationEnd: end},
			want: []segment.Summary{{Customer: "a", T: 90 / (365.2425 / 12), DaysSinceLast: 90,
				Total: decimal.RequireFromString("1"), Orders: 1}},
		},
		{
			name: "calibration and holdout; holdout-only customer left out",
			txns: []segment.Transaction{
				mkTx("a", utcDay(2024, 1, 1), "1"), mkTx("a", utcDay(2024, 1, 5), "2"),
				mkTx("a", utcDay(2024, 2, 10), "4"), mkTx("a", utcDay(2024, 2, 10), "4"), mkTx("a", utcDay(2024, 3, 1), "5"),
				mkTx("b", utcDay(2024, 2, 20), "9"),
			},
			opts: segment.Options{ObservationEnd: end, CalibrationEnd: utcDay(2024, 1, 31)},
			want: []segment.Summary{{Customer: "a", Frequency: 1, Recency: 4, T: 30, DaysSinceLast: 30,
				Monetary: decimal.RequireFromString("2"), Total: decimal.RequireFromString("16"), Orders: 5,
				HoldoutFrequency: 2, HoldoutMonetary: decimal.RequireFromString("6.5"), HoldoutDuration: 60}},
		},
		{
			name: "purchase at the observation end is in the window",
			txns: []segment.Transaction{mkTx("a", utcDay(2024, 3, 1), "1"), mkTx("a", end, "2")},
			opts: segment.Options{ObservationEnd: end},
			want: []segment.Summary{{Customer: "a", Frequency: 1, Recency: 30, T: 30, DaysSinceLast: 0,
				Monetary: decimal.RequireFromString("2"), Total: decimal.RequireFromString("3"), Orders: 2}},
		},
		{
			name: "zero amounts count as purchases",
			txns: []segment.Transaction{mkTx("a", utcDay(2024, 3, 1), "0"), mkTx("a", utcDay(2024, 3, 2), "0.00")},
			opts: segment.Options{ObservationEnd: end},
			want: []segment.Summary{{Customer: "a", Frequency: 1, Recency: 1, T: 30, DaysSinceLast: 29,
				Monetary: decimal.Zero, Total: decimal.Zero, Orders: 2}},
		},
		{
			name: "before 1970",
			txns: []segment.Transaction{mkTx("a", utcDay(1969, 12, 30), "1.5"), mkTx("a", utcDay(1970, 1, 2), "2.25")},
			opts: segment.Options{ObservationEnd: utcDay(1970, 1, 10)},
			want: []segment.Summary{{Customer: "a", Frequency: 1, Recency: 3, T: 11, DaysSinceLast: 8,
				Monetary: decimal.RequireFromString("2.25"), Total: decimal.RequireFromString("3.75"), Orders: 2}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := segment.Summarize(tt.txns, tt.opts)
			require.NoError(t, err)
			require.Len(t, got, len(tt.want))
			for i := range got {
				assertSummary(t, tt.want[i], got[i])
			}
		})
	}
}

func assertSummary(t *testing.T, want, got segment.Summary) {
	t.Helper()
	assert.Equal(t, want.Customer, got.Customer)
	assert.Equal(t, want.Frequency, got.Frequency, "frequency")
	assert.InDelta(t, want.Recency, got.Recency, 1e-12, "recency")
	assert.InDelta(t, want.T, got.T, 1e-12, "T")
	assert.True(t, want.Monetary.Equal(got.Monetary), "monetary %s, want %s", got.Monetary, want.Monetary)
	assert.Equal(t, want.DaysSinceLast, got.DaysSinceLast, "days since last")
	assert.True(t, want.Total.Equal(got.Total), "total %s, want %s", got.Total, want.Total)
	assert.Equal(t, want.Orders, got.Orders, "orders")
	assert.Equal(t, want.HoldoutFrequency, got.HoldoutFrequency, "holdout frequency")
	assert.True(t, want.HoldoutMonetary.Equal(got.HoldoutMonetary), "holdout monetary %s, want %s", got.HoldoutMonetary, want.HoldoutMonetary)
	assert.InDelta(t, want.HoldoutDuration, got.HoldoutDuration, 1e-12, "holdout duration")
}

func TestSummarizeRejects(t *testing.T) {
	end := utcDay(2024, 3, 31)
	txns := []segment.Transaction{
		mkTx("a", utcDay(2024, 3, 1), "1"),
		mkTx("", utcDay(2024, 3, 1), "1"),
		mkTx("b", time.Time{}, "1"),
		mkTx("c", utcDay(2024, 3, 1), "-0.01"),
		mkTx("d", end.Add(time.Second), "1"),
		mkTx("e", utcDay(2024, 5, 1), "1"),
		{Customer: "f", At: utcDay(2024, 3, 1), Amount: decimal.New(1, 999999)}, // would cost unbounded time in exact sums
	}
	_, err := segment.Summarize(txns, segment.Options{ObservationEnd: end})
	require.Error(t, err)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	var rerr *segment.RejectedError
	require.ErrorAs(t, err, &rerr)
	assert.Equal(t, 7, rerr.Transactions)
	assert.Equal(t, segment.Rejections{
		segment.RejectNoCustomer: 1, segment.RejectZeroTime: 1, segment.RejectNegativeAmount: 1, segment.RejectAfterEnd: 2,
		segment.RejectAmountRange: 1,
	}, rerr.Rejected)
	require.Len(t, rerr.Examples, 5)
	var idx []int
	for _, x := range rerr.Examples {
		idx = append(idx, x.Index)
	}
	assert.Equal(t, []int{1, 2, 3, 4, 6}, idx, "the first of each reason, in input order")
	assert.Equal(t, "d", rerr.Examples[3].Customer)
	assert.Contains(t, err.Error(), "6 of 7 transactions rejected")

	rep, err := segment.SummarizeReport(slices.Values(txns), segment.Options{ObservationEnd: end})
	require.NoError(t, err)
	assert.Equal(t, 7, rep.Transactions)
	assert.Equal(t, 1, rep.Accepted)
	assert.Equal(t, 6, rep.Rejected.Total())
	require.Len(t, rep.Summaries, 1)
	assert.Equal(t, "a", rep.Summaries[0].Customer)

	t.Run("positions across batches", func(t *testing.T) {
		var many []segment.Transaction
		for i := range 3000 {
			many = append(many, mkTx("c"+strconv.Itoa(i%7), utcDay(2024, 3, 1), "1"))
		}
		many[2500].Amount = decimal.RequireFromString("-1")
		many[1500].At = time.Time{}
		many[2999].Customer = ""
		_, err := segment.Summarize(many, segment.Options{ObservationEnd: end})
		var rerr *segment.RejectedError
		require.ErrorAs(t, err, &rerr)
		require.Len(t, rerr.Examples, 3)
		assert.Equal(t, []int{1500, 2500, 2999}, []int{rerr.Examples[0].Index, rerr.Examples[1].Index, rerr.Examples[2].Index})
		assert.Equal(t, 3000, rerr.Transactions)
	})
	t.Run("holdout-only customers are counted", func(t *testing.T) {
		rep, err := segment.SummarizeReport(slices.Values([]segment.Transaction{
			mkTx("a", utcDay(2024, 1, 1), "1"), mkTx("b", utcDay(2024, 3, 1), "1"), mkTx("c", utcDay(2024, 3, 2), "1"),
		}), segment.Options{ObservationEnd: end, CalibrationEnd: utcDay(2024, 1, 31)})
		require.NoError(t, err)
		assert.Equal(t, 2, rep.HoldoutOnly)
		assert.Len(t, rep.Summaries, 1)
	})
}

func TestSummarizeOptions(t *testing.T) {
	tests := []struct {
		name  string
		opts  segment.Options
		field string
	}{
		{"no observation end", segment.Options{}, "observation_end"},
		{"bad period", segment.Options{ObservationEnd: utcDay(2024, 1, 1), Period: "year"}, "period"},
		{"bad collapse", segment.Options{ObservationEnd: utcDay(2024, 1, 1), Collapse: "hour"}, "collapse"},
		{"calibration after observation", segment.Options{ObservationEnd: utcDay(2024, 1, 1), CalibrationEnd: utcDay(2024, 1, 2)}, "calibration_end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := segment.Summarize(nil, tt.opts)
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tt.field, ""), "%v", err)
		})
	}
	got, err := segment.SummarizeSeq(nil, segment.Options{ObservationEnd: utcDay(2024, 1, 1)})
	require.NoError(t, err)
	assert.Empty(t, got)
}

// TestSummarizeOrderIndependent checks that shuffled input gives the same summaries as
// the input in time order, and that both agree with the independent naive computation.
func TestSummarizeOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	start := utcDay(2023, 1, 1)
	var txns []segment.Transaction
	for c := range 3000 { // about 20,000 transactions: many batches
		id := "c" + strconv.Itoa(c)
		for range 1 + rng.IntN(12) {
			at := start.Add(time.Duration(rng.IntN(365*24)) * time.Hour)
			amt := decimal.New(int64(rng.IntN(100000)), -int32(rng.IntN(4)))
			txns = append(txns, segment.Transaction{Customer: id, At: at, Amount: amt})
		}
	}
	// A few amounts that leave int64 fixed point.
	txns[3].Amount = decimal.RequireFromString("123456789012345678901234.5")
	txns[7].Amount = decimal.RequireFromString("0.000000000001")
	obs, cal := utcDay(2024, 1, 1), utcDay(2023, 9, 1)
	opts := segment.Options{ObservationEnd: obs, CalibrationEnd: cal}

	sorted := slices.Clone(txns)
	slices.SortStableFunc(sorted, func(a, b segment.Transaction) int { return a.At.Compare(b.At) })
	shuffled := slices.Clone(txns)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })

	byID := func(s []segment.Summary) map[string]segment.Summary {
		m := map[string]segment.Summary{}
		for _, x := range s {
			m[x.Customer] = x
		}
		return m
	}
	a, err := segment.Summarize(sorted, opts)
	require.NoError(t, err)
	b, err := segment.Summarize(shuffled, opts)
	require.NoError(t, err)
	am, bm := byID(a), byID(b)
	require.Equal(t, len(am), len(bm))
	indep := naiveSummaries(txns, obs, cal, 1)
	calBuyers := 0
	for _, n := range indep {
		if n.calibrationBuyer {
			calBuyers++
		}
	}
	require.Len(t, am, calBuyers)
	for id, x := range am {
		assertSummary(t, x, bm[id])
		n := indep[id]
		assert.Equal(t, n.x, x.Frequency, id)
		assert.InDelta(t, n.recency, x.Recency, 1e-12, id)
		assert.InDelta(t, n.T, x.T, 1e-12, id)
		assert.True(t, n.mean.Round(segment.MonetaryPlaces).Equal(x.Monetary), "%s: %s vs %s", id, n.mean, x.Monetary)
		assert.Equal(t, n.holdN, x.HoldoutFrequency, id)
		assert.True(t, n.holdMean.Round(segment.MonetaryPlaces).Equal(x.HoldoutMonetary), "%s: %s vs %s", id, n.holdMean, x.HoldoutMonetary)
		assert.True(t, n.total.Equal(x.Total), id)
		assert.Equal(t, n.daysSinceLast, x.DaysSinceLast, id)
	}
}

// TestSummarizeLocation checks calendar days in a location with daylight saving time.
func TestSummarizeLocation(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err, "time/tzdata is embedded")
	// 23:30 and 00:30 New York time are different days there, the same UTC day.
	a := time.Date(2024, 3, 9, 23, 30, 0, 0, ny)
	b := time.Date(2024, 3, 10, 0, 30, 0, 0, ny)
	txns := []segment.Transaction{mkTx("x", a.UTC(), "1"), mkTx("x", b.UTC(), "1")}
	end := time.Date(2024, 3, 31, 12, 0, 0, 0, time.UTC)
	inNY, err := segment.Summarize(txns, segment.Options{ObservationEnd: end, Location: ny})
	require.NoError(t, err)
	assert.Equal(t, 1, inNY[0].Frequency)
	inUTC, err := segment.Summarize(txns, segment.Options{ObservationEnd: end, Location: time.UTC})
	require.NoError(t, err)
	assert.Equal(t, 0, inUTC[0].Frequency)
	own, err := segment.Summarize([]segment.Transaction{mkTx("x", a, "1"), mkTx("x", b, "1")}, segment.Options{ObservationEnd: end})
	require.NoError(t, err)
	assert.Equal(t, 1, own[0].Frequency, "nil Location: each time's own wall clock")
}

// TestSummarizeSeqPanics: a sequence that panics after several batches propagates its
// panic to the caller and leaves no goroutine blocked (the race detector and the test
// timeout would see one).
func TestSummarizeSeqPanics(t *testing.T) {
	seq := func(yield func(segment.Transaction) bool) {
		for i := range 5000 {
			if i == 4000 {
				panic("source failed")
			}
			if !yield(mkTx("c", utcDay(2024, 1, 1), "1")) {
				return
			}
		}
	}
	assert.PanicsWithValue(t, "source failed", func() {
		_, _ = segment.SummarizeSeq(seq, segment.Options{ObservationEnd: utcDay(2024, 2, 1)})
	})
}

func TestRejectionsString(t *testing.T) {
	r := segment.Rejections{segment.RejectNegativeAmount: 1, segment.RejectAfterEnd: 2}
	assert.Equal(t, "after_observation_end: 2, negative_amount: 1", r.String())
	assert.Equal(t, 3, r.Total())
	assert.True(t, errors.Is(&segment.RejectedError{}, kehu.ErrInvalid))
}

// TestIndexByCustomer checks that the index finds every customer's own summary, and no
// other: for the first of two entries of one customer, and for none of an absent one.
func TestIndexByCustomer(t *testing.T) {
	sum := func(customer string, orders int) segment.Summary {
		return segment.Summary{Customer: customer, Orders: orders}
	}
	tests := []struct {
		name      string
		summaries []segment.Summary
		want      map[string]int
	}{
		{"none", nil, map[string]int{}},
		{"one", []segment.Summary{sum("a", 1)}, map[string]int{"a": 0}},
		{"in input order, not sorted", []segment.Summary{sum("c", 1), sum("a", 2), sum("b", 3)},
			map[string]int{"c": 0, "a": 1, "b": 2}},
		{"a customer twice: the first", []segment.Summary{sum("a", 1), sum("b", 2), sum("a", 3)},
			map[string]int{"a": 0, "b": 1}},
		{"the empty customer is a customer", []segment.Summary{sum("x", 1), sum("", 2)}, map[string]int{"x": 0, "": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := segment.IndexByCustomer(tt.summaries)
			assert.Equal(t, tt.want, got)
			_, ok := got["absent"]
			assert.False(t, ok)
		})
	}

	// Over a real summary, each position holds its customer, and RFM's score of the
	// customer is at the same position.
	sums := loadCDNOWSummaries(t)
	for i := range sums {
		sums[i].DaysSinceLast, sums[i].Orders, sums[i].Total = int(sums[i].T-sums[i].Recency)*7, sums[i].Frequency+1, sums[i].Monetary
	}
	scores, err := segment.RFM(sums, nil)
	require.NoError(t, err)
	index := segment.IndexByCustomer(sums)
	require.Len(t, index, len(sums))
	for _, c := range []string{"1", "17", "1200", "2357"} {
		i, ok := index[c]
		require.True(t, ok, c)
		assert.Equal(t, c, sums[i].Customer)
		assert.Equal(t, c, scores[i].Customer)
	}
}
