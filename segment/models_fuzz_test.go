package segment_test

import (
	"errors"
	"math"
	"testing"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/segment"
)

// FuzzModels feeds random finite histories (x, t_x, T), horizons and parameters to
// every model's predictions. Each result must be a finite number in its range, or an
// error that is a validation error or ErrNumerical — never NaN, Inf or a panic. Inside
// a practical box (parameters in [0.01, 100], x ≤ 10⁴, T and t ≤ 10⁴) ErrNumerical is
// not allowed either, also for BG/NBD with a + b ≤ 1 and horizons whose series would be
// too long (the seed corpus holds r = 93.7, α = 0.011, a = 0.127, b = 0.313, t = 77).
func FuzzModels(f *testing.F) {
	f.Add(2, 30.43, 38.86, 39.0, 0.243, 4.414, 0.793, 2.426, 3)
	f.Add(26, 30.86, 31.0, 52.0, 0.5534, 10.5802, 0.6061, 11.6562, 0)
	f.Add(0, 0.0, 38.86, 1.0, 1.0, 1.0, 1.0, 1.0, 0)
	f.Add(500, 1.0, 37.0, 10.0, 10.465, 7.98565181e-03, 3.0516, 2.820, 10)
	f.Add(100000, 364.9, 365.0, 5200.0, 2.0, 1.0, 3.0, 0.5, 6)
	f.Add(200, 100.0, 100.0, 1e6, 1.0, 1.0, 2.0, 1.0, 1)
	f.Add(3, 1e-300, 1e300, 1e300, 1e-300, 1e300, 1e-300, 1e300, -1)
	f.Add(-1, -1.0, math.NaN(), math.Inf(1), -1.0, 0.0, math.NaN(), math.Inf(-1), 1<<40)
	f.Fuzz(func(t *testing.T, x int, tx, T, horizon, p1, p2, p3, p4 float64, n int) {
		box := inBox(p1, p2, p3, p4) && x >= 0 && x <= 10_000 && tx >= 0 && tx <= T && T <= 10_000 &&
			horizon >= 0 && horizon <= 10_000 && (x == 0) == (tx == 0)
		check := func(name string, v float64, err error, lo, hi float64, strict bool) {
			t.Helper()
			if err != nil {
				if !errors.Is(err, kehu.ErrInvalid) && !errors.Is(err, segment.ErrNumerical) {
					t.Fatalf("%s: unexpected error kind: %v", name, err)
				}
				if strict && errors.Is(err, segment.ErrNumerical) {
					t.Fatalf("%s(x=%d, tx=%v, T=%v, t=%v, params %v %v %v %v): %v", name, x, tx, T, horizon, p1, p2, p3, p4, err)
				}
				return
			}
			if math.IsNaN(v) || math.IsInf(v, 0) || v < lo || v > hi {
				t.Fatalf("%s(x=%d, tx=%v, T=%v, t=%v, params %v %v %v %v) = %v, outside [%v, %v]", name, x, tx, T, horizon, p1, p2, p3, p4, v, lo, hi)
			}
		}
		inf := math.MaxFloat64

		bgp := segment.BGNBDParams{R: p1, Alpha: p2, A: p3, B: p4}
		strictBG := box
		if bg, err := segment.NewBGNBD(bgp); err == nil {
			v, err := bg.ConditionalExpectedPurchases(horizon, x, tx, T)
			check("BG/NBD conditional", v, err, 0, inf, strictBG)
			v, err = bg.ExpectedPurchases(horizon)
			check("BG/NBD expected", v, err, 0, inf, strictBG)
			v, err = bg.ProbabilityAlive(x, tx, T)
			check("BG/NBD P(alive)", v, err, 0, 1, box)
			v, err = bg.ProbabilityOfPurchases(n, horizon)
			check("BG/NBD P(n)", v, err, 0, 1, box && n <= 10_000)
			v, err = bg.PurchaseRate(x, tx, T)
			check("BG/NBD rate", v, err, 0, inf, box)
			v, err = bg.LogLikelihood([]segment.RFCell{{Frequency: x, Recency: tx, T: T, Weight: 1}})
			check("BG/NBD LL", v, err, -inf, inf, box)
		}
		if mbg, err := segment.NewMBGNBD(bgp); err == nil {
			v, err := mbg.ConditionalExpectedPurchases(horizon, x, tx, T)
			check("MBG/NBD conditional", v, err, 0, inf, box)
			v, err = mbg.ProbabilityAlive(x, tx, T)
			check("MBG/NBD P(alive)", v, err, 0, 1, box)
			v, err = mbg.ProbabilityOfPurchases(n, horizon)
			check("MBG/NBD P(n)", v, err, 0, 1, box && n <= 10_000)
			v, err = mbg.LogLikelihood([]segment.RFCell{{Frequency: x, Recency: tx, T: T, Weight: 1}})
			check("MBG/NBD LL", v, err, -inf, inf, box)
		}
		if pn, err := segment.NewParetoNBD(segment.ParetoNBDParams{R: p1, Alpha: p2, S: p3, Beta: p4}); err == nil {
			v, err := pn.ConditionalExpectedPurchases(horizon, x, tx, T)
			check("Pareto/NBD conditional", v, err, 0, inf, box)
			v, err = pn.ExpectedPurchases(horizon)
			check("Pareto/NBD expected", v, err, 0, inf, box)
			v, err = pn.ProbabilityAlive(x, tx, T)
			check("Pareto/NBD P(alive)", v, err, 0, 1, box)
			v, err = pn.LogLikelihood([]segment.RFCell{{Frequency: x, Recency: tx, T: T, Weight: 1}})
			check("Pareto/NBD LL", v, err, -inf, inf, box)
		}
		if bb, err := segment.NewBGBB(segment.BGBBParams{Alpha: p1, Beta: p2, Gamma: p3, Delta: p4}); err == nil {
			// whole-number histories from the same inputs, kept small
			nn := float64(absMod(n, 60))
			btx := math.Min(math.Floor(math.Abs(tx)), nn)
			bx := min(absMod(x, 60), int(btx))
			if bx == 0 {
				btx = 0
			}
			if btx > 0 && bx == 0 {
				bx = 1
			}
			hz := math.Floor(math.Min(math.Abs(horizon), 60))
			bbox := inBox(p1, p2, p3, p4)
			v, err := bb.ConditionalExpectedPurchases(hz, bx, btx, nn)
			check("BG/BB conditional", v, err, 0, inf, bbox)
			v, err = bb.ExpectedPurchases(hz)
			check("BG/BB expected", v, err, 0, inf, bbox)
			v, err = bb.ProbabilityAlive(bx, btx, nn)
			check("BG/BB P(alive)", v, err, 0, 1, bbox)
			v, err = bb.ProbabilityOfPurchases(bx, nn)
			check("BG/BB P(n)", v, err, 0, 1, bbox)
			v, err = bb.LogLikelihood([]segment.RFCell{{Frequency: bx, Recency: btx, T: nn, Weight: 1}})
			check("BG/BB LL", v, err, -inf, 0, bbox)
			// the raw inputs, mostly invalid for BG/BB, must fail cleanly
			v, err = bb.ConditionalExpectedPurchases(horizon, x, tx, T)
			check("BG/BB raw conditional", v, err, 0, inf, false)
		}
		if gg, err := segment.NewGammaGamma(segment.GammaGammaParams{P: p1, Q: p2, V: p3}); err == nil {
			v, err := gg.ConditionalExpectedSpend(x, p4)
			check("Gamma-Gamma spend", v, err, 0, inf, box && p1*float64(x)+p2 > 1 && (x > 0 || p2 > 1))
			v, err = gg.LogLikelihood([]segment.SpendCell{{Frequency: x, Mean: p4, Weight: 1}})
			check("Gamma-Gamma LL", v, err, -inf, inf, box && x > 0)
		}
	})
}

// inBox reports whether every parameter is in [0.01, 100].
func inBox(ps ...float64) bool {
	for _, p := range ps {
		if !(p >= 0.01 && p <= 100) {
			return false
		}
	}
	return true
}

// absMod returns |v| mod m without overflow for the most negative int.
func absMod(v, m int) int {
	r := v % m
	if r < 0 {
		r = -r
	}
	return r
}

// FuzzModelLiterals calls every model's methods on models written as struct literals,
// which NewX does not check, with arbitrary parameters, histories and horizons (NaN,
// infinities, huge and negative values): no panic, and every answer is a finite number or
// a validation error or ErrNumerical.
func FuzzModelLiterals(f *testing.F) {
	f.Add(0.243, 4.414, 0.793, 2.426, 2, 30.43, 38.86, 39.0)
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1, 0, 1e308} {
		f.Add(v, 4.414, 0.793, 2.426, 2, 30.43, 38.86, 39.0)
		f.Add(0.243, 4.414, v, 2.426, 2, v, 38.86, v)
		f.Add(0.243, 4.414, 0.793, v, 2, 30.43, v, 39.0)
	}
	f.Fuzz(func(t *testing.T, p1, p2, p3, p4 float64, x int, tx, T, horizon float64) {
		check := func(name string, v float64, err error) {
			t.Helper()
			if err != nil {
				if !errors.Is(err, kehu.ErrInvalid) && !errors.Is(err, segment.ErrNumerical) {
					t.Fatalf("%s: unexpected error kind: %v", name, err)
				}
				return
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s(params %v %v %v %v, x=%d, tx=%v, T=%v, t=%v) = %v", name, p1, p2, p3, p4, x, tx, T, horizon, v)
			}
		}
		cells := []segment.RFCell{{Frequency: x, Recency: tx, T: T, Weight: horizon}}
		models := map[string]segment.TransactionModel{
			"BG/NBD":     &segment.BGNBD{Params: segment.BGNBDParams{R: p1, Alpha: p2, A: p3, B: p4}},
			"MBG/NBD":    &segment.MBGNBD{Params: segment.BGNBDParams{R: p1, Alpha: p2, A: p3, B: p4}},
			"Pareto/NBD": &segment.ParetoNBD{Params: segment.ParetoNBDParams{R: p1, Alpha: p2, S: p3, Beta: p4}},
			"BG/BB":      &segment.BGBB{Params: segment.BGBBParams{Alpha: p1, Beta: p2, Gamma: p3, Delta: p4}},
		}
		for name, m := range models {
			v, err := m.ConditionalExpectedPurchases(horizon, x, tx, T)
			check(name+" conditional", v, err)
			v, err = m.ProbabilityAlive(x, tx, T)
			check(name+" P(alive)", v, err)
			v, err = m.PurchaseRate(x, tx, T)
			check(name+" rate", v, err)
		}
		bg := models["BG/NBD"].(*segment.BGNBD)
		v, err := bg.ExpectedPurchases(horizon)
		check("BG/NBD expected", v, err)
		v, err = bg.ProbabilityOfPurchases(x, horizon)
		check("BG/NBD P(n)", v, err)
		v, err = bg.LogLikelihood(cells)
		check("BG/NBD LL", v, err)
		mbg := models["MBG/NBD"].(*segment.MBGNBD)
		v, err = mbg.ExpectedPurchases(horizon)
		check("MBG/NBD expected", v, err)
		v, err = mbg.ProbabilityOfPurchases(x, horizon)
		check("MBG/NBD P(n)", v, err)
		v, err = mbg.LogLikelihood(cells)
		check("MBG/NBD LL", v, err)
		pn := models["Pareto/NBD"].(*segment.ParetoNBD)
		v, err = pn.ExpectedPurchases(horizon)
		check("Pareto/NBD expected", v, err)
		v, err = pn.ProbabilityOfPurchases(x%50, math.Min(math.Abs(horizon), 1e3))
		check("Pareto/NBD P(n)", v, err)
		v, err = pn.LogLikelihood(cells)
		check("Pareto/NBD LL", v, err)
		bb := models["BG/BB"].(*segment.BGBB)
		v, err = bb.ExpectedPurchases(horizon)
		check("BG/BB expected", v, err)
		v, err = bb.ProbabilityOfPurchases(x, T)
		check("BG/BB P(n)", v, err)
		v, err = bb.ProbabilityAliveIn(x, x, tx, T)
		check("BG/BB P(alive in)", v, err)
		v, err = bb.LogLikelihood(cells)
		check("BG/BB LL", v, err)
		gg := &segment.GammaGamma{Params: segment.GammaGammaParams{P: p1, Q: p2, V: p3}}
		v, err = gg.ConditionalExpectedSpend(x, p4)
		check("Gamma-Gamma spend", v, err)
		v, err = gg.ExpectedSpend()
		check("Gamma-Gamma mean", v, err)
		v, err = gg.LogLikelihood([]segment.SpendCell{{Frequency: x, Mean: p4, Weight: horizon}})
		check("Gamma-Gamma LL", v, err)
		_, err = segment.FitBGNBDCells(cells, &segment.FitOptions{MaxIterations: 3, Tolerance: tx, Penalizer: T, Start: []float64{p1, p2, p3, p4}})
		if err != nil && !errors.Is(err, kehu.ErrInvalid) && !errors.Is(err, segment.ErrNotConverged) && !errors.Is(err, segment.ErrNumerical) {
			t.Fatalf("FitBGNBDCells: %v", err)
		}
	})
}
