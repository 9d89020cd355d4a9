package survey_test

import (
	"errors"
	"math"
	"testing"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/survey"
)

// specials are the awkward numbers the fuzzed inputs mix with small whole numbers.
var specials = []float64{
	math.NaN(), math.Inf(1), math.Inf(-1), 0.5, -0.5, 9.999, 1e308, -1e308, math.MaxFloat64,
	-math.MaxFloat64, 5e-324, -5e-324, 1e-300, 1e300, 0, math.Copysign(0, -1), 100, 7.25,
	1e15, -1e15,
}

// fuzzFloats decodes one number a byte: mostly the whole numbers −1 to 11, sometimes a
// special.
func fuzzFloats(data []byte) []float64 {
	out := make([]float64, len(data))
	for i, b := range data {
		if b < 200 {
			out[i] = float64(b%13) - 1
		} else {
			out[i] = specials[int(b-200)%len(specials)]
		}
	}
	return out
}

// fuzzMissing marks answer i missing when bit i%64 of mask is set; mask 0 is nil.
func fuzzMissing(n int, mask uint64) []bool {
	if mask == 0 {
		return nil
	}
	m := make([]bool, n)
	for i := range m {
		m[i] = mask>>(i%64)&1 == 1
	}
	return m
}

// fuzzWeights is nil, or weights decoded like answers (so some are 0, negative or NaN).
func fuzzWeights(data []byte, on bool) []float64 {
	if !on {
		return nil
	}
	w := fuzzFloats(data)
	for i := range w {
		w[i] = w[i]*w[i] + 0.25*w[i] // mostly positive, sometimes 0 or negative or special
	}
	return w
}

// checkOutcome fails on an error that is not ErrInvalid or a successful result holding a
// NaN or an infinity.
func checkOutcome(t *testing.T, err error, xs ...float64) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, kehu.ErrInvalid) {
			t.Fatalf("error %v is not ErrInvalid", err)
		}
		return
	}
	for i, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("result %d is %v", i, x)
		}
	}
}

func FuzzNPSFromAnswers(f *testing.F) {
	f.Add([]byte{11, 10, 10, 9, 8, 7, 6, 11, 4, 10}, []byte{1, 1, 1, 1, 1, 2, 2, 2, 2, 2}, true, uint64(0), 0.95)
	f.Add([]byte{0, 200, 201, 203}, []byte{}, false, uint64(2), 0.5)
	f.Fuzz(func(t *testing.T, answers, weights []byte, weighted bool, mask uint64, level float64) {
		a := fuzzFloats(answers)
		col := survey.Column{Values: a, Missing: fuzzMissing(len(a), mask)}
		r, err := survey.NPSFromAnswers(col, fuzzWeights(weights, weighted), level)
		checkOutcome(t, err, r.Score, r.SE, r.Margin, r.Interval.Low, r.Interval.High, r.EffectiveN)
		if err == nil && (r.Score < -100 || r.Score > 100 || r.Interval.Low > r.Interval.High) {
			t.Fatalf("NPS %+v", r)
		}
	})
}

func FuzzShares(f *testing.F) {
	f.Add([]byte{5, 6, 7, 4, 3, 2, 1, 7, 6, 5}, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, true, uint64(0), 1.0, 7.0, 5.0, 0.95)
	f.Add([]byte{200, 201}, []byte{}, false, uint64(1), math.Inf(-1), 0.0, math.NaN(), 2.0)
	f.Fuzz(func(t *testing.T, answers, weights []byte, weighted bool, mask uint64, lo, hi, from, level float64) {
		a := fuzzFloats(answers)
		col := survey.Column{Values: a, Missing: fuzzMissing(len(a), mask)}
		b := survey.Bounds{Min: lo, Max: hi}
		w := fuzzWeights(weights, weighted)
		c, err := survey.CSATFromAnswers(col, w, b, from, level)
		checkOutcome(t, err, c.Share, c.SE, c.Interval.Low, c.Interval.High, c.EffectiveN)
		e, err := survey.CESFromAnswers(col, w, b)
		checkOutcome(t, err, e.Mean, e.AgreePct, e.DisagreePct, e.NetEasy, e.EffectiveN)
		n, err := survey.EffectiveN(w)
		checkOutcome(t, err, n)
		if err == nil && (n < 1-1e-9 || n > float64(len(w))*(1+1e-9)) {
			t.Fatalf("effective n %v of %d weights", n, len(w))
		}
		_, err = survey.ReverseKeyed(col, b)
		checkOutcome(t, err)
		x, err := survey.WeightedIndex(a, w, b)
		checkOutcome(t, err, x.Score)
		cats, err := survey.CategoryTotals([]survey.Category{{Values: a}, {Values: fuzzFloats(weights)}}, b)
		checkOutcome(t, err)
		for _, ct := range cats {
			checkOutcome(t, nil, ct.Total, ct.Max, ct.PercentOfMax)
		}
		var bands []survey.Band
		for i := 0; i+1 < len(a); i += 2 {
			bands = append(bands, survey.Band{From: a[i], To: a[i+1]})
		}
		_, _, err = survey.BandFor(from, bands)
		checkOutcome(t, err)
	})
}

func FuzzCronbachAlpha(f *testing.F) {
	f.Add([]byte{4, 3, 5, 4, 5, 5, 4, 5, 3, 5, 4, 5, 6, 4, 5}, uint8(3), uint64(0), true)
	f.Add([]byte{1, 2, 3, 3, 2, 1}, uint8(2), uint64(5), false)
	f.Fuzz(func(t *testing.T, data []byte, k uint8, mask uint64, pairwise bool) {
		items := fuzzColumns(data, int(k%8), mask)
		policy := survey.Listwise
		if pairwise {
			policy = survey.Pairwise
		}
		r, err := survey.CronbachAlpha(items, policy)
		checkOutcome(t, err, r.Raw, r.Standardized, r.AverageR)
		for _, d := range r.IfDropped {
			checkOutcome(t, nil, d.Raw, d.Standardized)
		}
		if len(items) > 1 {
			p, err := survey.ImportancePerformance(items[1:], items[0], policy)
			checkOutcome(t, err, p.ImportanceCut, p.PerformanceCut)
			for _, it := range p.Items {
				checkOutcome(t, nil, it.Importance, it.Performance)
			}
		}
	})
}

// fuzzColumns splits data into k columns of equal length (the last one may be longer,
// so that mismatched lengths are fuzzed too).
func fuzzColumns(data []byte, k int, mask uint64) []survey.Column {
	if k == 0 {
		return nil
	}
	x := fuzzFloats(data)
	n := len(x) / k
	cols := make([]survey.Column, k)
	for j := range cols {
		end := (j + 1) * n
		if j == k-1 {
			end = len(x)
		}
		v := x[j*n : end]
		cols[j] = survey.Column{Values: v, Missing: fuzzMissing(len(v), mask>>j)}
	}
	return cols
}

func FuzzServqual(f *testing.F) {
	f.Add(make([]byte, 44), uint64(0), []byte{10, 30, 20, 20, 20})
	f.Fuzz(func(t *testing.T, data []byte, mask uint64, importance []byte) {
		x := fuzzFloats(data)
		n := min(len(x)/2, survey.ServqualItems)
		e := survey.Column{Values: x[:n], Missing: fuzzMissing(n, mask)}
		p := survey.Column{Values: x[len(x)-n:]}
		var imp []float64
		if len(importance) > 0 {
			imp = make([]float64, len(importance))
			for i, b := range importance {
				imp[i] = float64(b)
			}
		}
		r, err := survey.Servqual(e, p, survey.Bounds{Min: 1, Max: 7}, imp)
		checkOutcome(t, err, r.Unweighted, r.Weighted)
		for _, g := range r.Dimensions {
			checkOutcome(t, nil, g)
		}
		s, err := survey.ServqualScore(x[:min(5, len(x))], imp)
		checkOutcome(t, err, s.Unweighted, s.Weighted)
	})
}
