package segment_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/segment"
)

// requireInvalid fails unless err is a *kehu.ValidationError (and so ErrInvalid) naming at
// least one field.
func requireInvalid(t *testing.T, what string, err error) {
	t.Helper()
	var verr *kehu.ValidationError
	if !errors.Is(err, kehu.ErrInvalid) || !errors.As(err, &verr) || len(verr.Fields) == 0 {
		t.Fatalf("%s: want a validation error, got %v", what, err)
	}
}

// badFloats are the seeds every float argument is tried with.
var badFloats = []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1, math.Copysign(0, -1), 1e308, -1e308, 5e-324, 1.5}

// FuzzTopShare feeds arbitrary fractions and Share/Cumulative values to TopShare and
// Curve: no panic; a valid ranking and fraction give a share in [0, 1], anything else a
// validation error.
func FuzzTopShare(f *testing.F) {
	f.Add(0.2, 0.5, 0.8, 7)
	for _, v := range badFloats {
		f.Add(v, 0.5, 0.8, 3)
		f.Add(0.5, v, 0.8, 3)
		f.Add(0.5, 0.5, v, 1<<40)
	}
	r, err := segment.Rank(values("a", "50", "b", "30", "c", "20"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, fraction, share, cum float64, points int) {
		got, err := segment.TopShare(r, fraction)
		valid := fraction >= 0 && fraction <= 1
		if valid != (err == nil) {
			t.Fatalf("TopShare(%v) = %v, %v", fraction, got, err)
		}
		if err != nil {
			requireInvalid(t, "TopShare", err)
		} else if !(got >= 0 && got <= 1) {
			t.Fatalf("TopShare(%v) = %v", fraction, got)
		}
		bad := append([]segment.Ranked(nil), r...)
		bad[1].Share, bad[1].Cumulative = share, cum
		if got, err := segment.TopShare(bad, fraction); err != nil {
			requireInvalid(t, "TopShare of a changed ranking", err)
		} else if math.IsNaN(got) || math.IsInf(got, 0) {
			t.Fatalf("TopShare of a changed ranking = %v", got)
		}
		if c, err := segment.Curve(bad, points%(2*segment.MaxCurvePoints)); err != nil {
			requireInvalid(t, "Curve", err)
		} else {
			for _, p := range c {
				if math.IsNaN(p.Revenue) || math.IsInf(p.Revenue, 0) {
					t.Fatalf("Curve: %v", p)
				}
			}
		}
	})
}

// FuzzActivityOf feeds arbitrary ages and periods to ActivityOf: no panic, and either a
// tenure of 0 to math.MaxInt32 days or a validation error.
func FuzzActivityOf(f *testing.F) {
	f.Add(38.86, "week")
	f.Add(2.0, "")
	for _, v := range badFloats {
		f.Add(v, "month")
	}
	f.Add(1.0, "fortnight")
	f.Fuzz(func(t *testing.T, T float64, period string) {
		a, err := segment.ActivityOf(segment.Summary{Customer: "c", T: T}, segment.Period(period))
		if err != nil {
			requireInvalid(t, "ActivityOf", err)
			return
		}
		if a.Tenure < 0 || a.Tenure > math.MaxInt32 {
			t.Fatalf("ActivityOf(T=%v, %q) tenure %d", T, period, a.Tenure)
		}
	})
}

// FuzzABC feeds arbitrary shares, tie and crossing rules and values to ABC: no panic;
// valid options give one class per customer, in rank order; bad ones a validation error.
func FuzzABC(f *testing.F) {
	f.Add(0.8, 0.15, "", "", int64(50), int64(30), int64(10), int64(10), uint8(2))
	f.Add(0.7, 0.2, "down", "by_input", int64(10), int64(10), int64(10), int64(0), uint8(0))
	for _, v := range badFloats {
		f.Add(v, 0.1, "up", "by_customer", int64(1), int64(1), int64(2), int64(3), uint8(1))
		f.Add(0.5, v, "", "together", int64(-1), int64(1), int64(2), int64(3), uint8(40))
	}
	f.Fuzz(func(t *testing.T, a, b float64, crossing, ties string, v1, v2, v3, v4 int64, exp uint8) {
		in := []segment.CustomerValue{
			{Customer: "w", Value: decimal.New(v1, -int32(exp%30))}, {Customer: "x", Value: decimal.NewFromInt(v2)},
			{Customer: "y", Value: decimal.NewFromInt(v3)}, {Customer: "z", Value: decimal.New(v4, int32(exp%30))},
		}
		opts := &segment.ABCOptions{A: a, B: b, Crossing: segment.Crossing(crossing), Ties: segment.Ties(ties)}
		got, err := segment.ABC(in, opts)
		if err != nil {
			requireInvalid(t, "ABC", err)
			return
		}
		if !(a == 0 || a > 0 && a <= 1) || !(b == 0 || b > 0 && b <= 1) {
			t.Fatalf("ABC accepted A=%v B=%v", a, b)
		}
		if len(got) != len(in) {
			t.Fatalf("ABC: %d results for %d values", len(got), len(in))
		}
		for k, r := range got {
			if r.Rank != k+1 || (r.Class != segment.ClassA && r.Class != segment.ClassB && r.Class != segment.ClassC) {
				t.Fatalf("ABC: %+v at %d", r, k)
			}
		}
	})
}

// FuzzRFM feeds arbitrary floats to RFM's summaries (their BTYD fields, which RFM does
// not read) and to QuantileBins: no panic, and NaN is refused by QuantileBins.
func FuzzRFM(f *testing.F) {
	f.Add(1.0, 2.0, 3, 4, int64(100), 5)
	for _, v := range badFloats {
		f.Add(v, v, -1, -1, int64(-1), 1)
	}
	f.Fuzz(func(t *testing.T, recency, T float64, days, orders int, total int64, bins int) {
		sums := []segment.Summary{
			{Customer: "a", Recency: recency, T: T, DaysSinceLast: days, Orders: orders, Total: decimal.NewFromInt(total)},
			{Customer: "b", Recency: T, T: recency, DaysSinceLast: 3, Orders: 2, Total: decimal.NewFromInt(10)},
		}
		if _, err := segment.RFM(sums, &segment.RFMOptions{Bins: bins}); err != nil {
			requireInvalid(t, "RFM", err)
		}
		if _, err := segment.RFM(sums, &segment.RFMOptions{Monetary: segment.MonetaryAverage}); err != nil {
			requireInvalid(t, "RFM average", err)
		}
		got, err := segment.QuantileBins([]float64{recency, T, 1}, bins)
		if err != nil {
			requireInvalid(t, "QuantileBins", err)
			return
		}
		if math.IsNaN(recency) || math.IsNaN(T) {
			t.Fatal("QuantileBins accepted NaN")
		}
		for _, b := range got {
			if b < 1 || b > bins {
				t.Fatalf("QuantileBins: bin %d of %d", b, bins)
			}
		}
	})
}

// FuzzCLVChurn feeds arbitrary histories, spend and options to CLV, CLVForecasts,
// ChurnScore and ChurnScores with the CDNOW BG/NBD and Gamma-Gamma models: no panic; every
// result is finite and every error a validation error or ErrNumerical.
func FuzzCLVChurn(f *testing.F) {
	f.Add(2, 30.43, 38.86, int64(2000), 0.01, 0.0, 0.6, 0.4, 0.15)
	f.Add(0, 0.0, 38.86, int64(0), 0.0, 4.345, 0.0, 0.0, 0.0)
	for _, v := range badFloats {
		f.Add(1, v, 10.0, int64(1), 0.01, 0.0, 0.0, 0.0, 0.0)
		f.Add(1, 5.0, v, int64(1), v, v, v, v, v)
	}
	f.Add(-3, -1.0, -1.0, int64(-100), -1.0, -1.0, -1.0, -1.0, 2.0)
	bg, err := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	if err != nil {
		f.Fatal(err)
	}
	gg, err := segment.NewGammaGamma(segment.GammaGammaParams{P: 6.25, Q: 3.74, V: 15.44})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, x int, tx, T float64, cents int64, discount, ppm, aliveW, overdueW, step float64) {
		check := func(what string, v float64, err error) {
			t.Helper()
			if err != nil {
				if !errors.Is(err, segment.ErrNumerical) {
					requireInvalid(t, what, err)
				}
				return
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s(x=%d, tx=%v, T=%v) = %v", what, x, tx, T, v)
			}
		}
		s := segment.Summary{Customer: "c", Frequency: x, Recency: tx, T: T, Monetary: decimal.New(cents, -2)}
		opts := &segment.CLVOptions{Months: 3, DiscountRate: discount, PeriodsPerMonth: ppm}
		v, err := segment.CLV(bg, gg, s, segment.Week, opts)
		check("CLV", v, err)
		fs, err := segment.CLVForecasts(bg, gg, []segment.Summary{s, s}, segment.Week, opts)
		if err == nil {
			check("CLVForecasts", fs[1].CLV, nil)
			check("CLVForecasts P(alive)", fs[1].ProbabilityAlive, nil)
		} else {
			check("CLVForecasts", 0, err)
		}
		copts := &segment.ChurnOptions{AliveWeight: aliveW, OverdueWeight: overdueW, ComplaintStep: step}
		r, err := segment.ChurnScore(context.Background(), bg, s, copts)
		check("ChurnScore", r.Score, err)
		if err == nil && !(r.Score >= 0 && r.Score <= 1) {
			t.Fatalf("ChurnScore = %v", r.Score)
		}
		rs, err := segment.ChurnScores(context.Background(), bg, []segment.Summary{{Customer: "z"}, s}, copts)
		if err == nil {
			check("ChurnScores", rs[1].Score, nil)
		} else {
			check("ChurnScores", 0, err)
		}
	})
}
