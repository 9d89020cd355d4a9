package survey

import (
	"math"

	"gonum.org/v1/gonum/stat"
)

// CSATResult is a customer satisfaction score: the share of satisfied answers, with a
// Wilson score interval.
type CSATResult struct {
	// Share is the (weighted) share of satisfied answers, 0 to 1.
	Share float64
	// N is the number of answers counted; EffectiveN is Kish's effective n of their
	// weights (N when unweighted), the n the interval uses.
	N          int
	EffectiveN float64
	// SE is the standard error √(p(1 − p)/n) of Share.
	SE float64
	// Interval is the Wilson score interval of Share.
	Interval Interval
}

// CSATFromCounts returns the share of satisfied answers among total, with a Wilson score
// interval at the level (0.95 for 95 %). The Wilson interval, unlike p ± z·SE, stays
// within [0, 1] and is not empty at 0 or at total:
//
//	centre = (p + z²/2n) / (1 + z²/n)
//	half   = z √(p(1 − p)/n + z²/4n²) / (1 + z²/n)
//
// with z = Φ⁻¹(1 − (1 − level)/2), no continuity correction (the interval of R's
// prop.test with correct = FALSE). 42 satisfied of 50 give 0.84 in [0.7149, 0.9166] at
// 95 %; 0 of 10 give [0, 0.2775]. total must be positive and satisfied between 0 and total.
func CSATFromCounts(satisfied, total int, level float64) (CSATResult, error) {
	var ck checker
	ck.count("satisfied", satisfied)
	ck.level("level", level)
	switch {
	case total <= 0:
		ck.addf("total", "range", "%d is not a positive count", total)
	case satisfied > total:
		ck.addf("satisfied", "range", "%d is more than the total %d", satisfied, total)
	}
	if err := ck.err(); err != nil {
		return CSATResult{}, err
	}
	n := float64(total)
	return csat(float64(satisfied)/n, total, n, level), nil
}

// CSATFromAnswers returns the share of answers at or above satisfiedFrom on the scale b
// (4 on a 1–5 scale counts the answers 4 and 5), weighted by respondent when weights is
// not nil, with the Wilson score interval of CSATFromCounts at the level. With weights,
// the interval uses Kish's effective n of the weights of the answers counted.
func CSATFromAnswers(answers Column, weights []float64, b Bounds, satisfiedFrom, level float64) (CSATResult, error) {
	var ck checker
	n := 0
	if ck.bounds("bounds", b) {
		n = ck.column("answers", answers, &b, false)
		if !finite(satisfiedFrom) || satisfiedFrom < b.Min || satisfiedFrom > b.Max {
			ck.addf("satisfied_from", "range", "%v is outside the scale [%v, %v]", satisfiedFrom, b.Min, b.Max)
		}
	}
	ck.weights("weights", weights, len(answers.Values))
	ck.level("level", level)
	if ck.ok() && n == 0 {
		ck.add("answers", "required", "has no answer")
	}
	if err := ck.err(); err != nil {
		return CSATResult{}, err
	}
	var (
		ws  = weightSum{scale: 1}
		yes float64
	)
	if weights != nil {
		ws.scale = maxWeight(answers, weights)
	}
	for i, x := range answers.Values {
		if !answers.given(i) {
			continue
		}
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		w = ws.add(w)
		if x >= satisfiedFrom {
			yes += w
		}
	}
	return csat(yes/ws.sum, n, ws.effectiveN(), level), nil
}

func csat(p float64, n int, neff, level float64) CSATResult {
	z := zFor(level)
	z2n := z * z / neff
	den := 1 + z2n
	centre := (p + z2n/2) / den
	half := z * math.Sqrt(p*(1-p)/neff+z2n/(4*neff)) / den
	lo, hi := max(0, centre-half), min(1, centre+half)
	if p == 0 {
		lo = 0
	}
	if p == 1 {
		hi = 1
	}
	return CSATResult{
		Share:      p,
		N:          n,
		EffectiveN: neff,
		SE:         math.Sqrt(p * (1 - p) / neff),
		Interval:   Interval{Low: lo, High: hi, Level: level},
	}
}

// CESResult aggregates customer effort answers on an agreement scale ("the company made
// it easy to handle my issue", 1 = strongly disagree to 7 = strongly agree).
type CESResult struct {
	// Mean is the (weighted) mean answer.
	Mean float64
	// AgreePct is the percentage of answers above the scale's midpoint (5–7 on 1–7),
	// DisagreePct of those below it (1–3 on 1–7); the midpoint itself is neither.
	AgreePct, DisagreePct float64
	// NetEasy is AgreePct − DisagreePct, in points from −100 to 100.
	NetEasy float64
	// N is the number of answers counted; EffectiveN is Kish's effective n of their
	// weights (N when unweighted).
	N          int
	EffectiveN float64
	// Aggregate is the figure the question is reported by (its Aggregate, CESMean when
	// it names none); Survey.CES sets it.
	Aggregate CESAggregate
}

// Headline is the figure named by r.Aggregate: Mean, AgreePct or NetEasy (Mean when
// none is named). A CES is never pooled across questions, so a headline is one
// question's.
func (r CESResult) Headline() float64 {
	switch r.Aggregate {
	case CESAgree:
		return r.AgreePct
	case CESNetEasy:
		return r.NetEasy
	}
	return r.Mean
}

// CESFromAnswers returns the customer effort aggregations of answers on the scale b,
// weighted by respondent when weights is not nil: the mean, the percentage that agree
// (above the midpoint (min + max)/2: 5, 6 and 7 on 1–7), and net easy, the percentage that
// agree minus the percentage that disagree (1, 2 and 3 on 1–7). The answers 7, 6, 5, 4, 3,
// 2, 1, 7, 6, 5 on 1–7 give a mean of 4.6, 60 % agree and net easy 30.
func CESFromAnswers(answers Column, weights []float64, b Bounds) (CESResult, error) {
	var ck checker
	n := 0
	if ck.bounds("bounds", b) {
		n = ck.column("answers", answers, &b, false)
	}
	ck.weights("weights", weights, len(answers.Values))
	if ck.ok() && n == 0 {
		ck.add("answers", "required", "has no answer")
	}
	if err := ck.err(); err != nil {
		return CESResult{}, err
	}
	xs := make([]float64, 0, n)
	var ws []float64
	if weights != nil {
		ws = make([]float64, 0, n)
	}
	for i, x := range answers.Values {
		if answers.given(i) {
			xs = append(xs, x)
			if weights != nil {
				ws = append(ws, weights[i])
			}
		}
	}
	sum := weightSum{scale: 1}
	if weights != nil {
		sum.scale = slicesMax(ws)
	}
	mid := b.Min + (b.Max-b.Min)/2
	var agree, disagree float64
	for i, x := range xs {
		w := 1.0
		if ws != nil {
			w = ws[i]
		}
		w = sum.add(w)
		switch {
		case x > mid:
			agree += w
		case x < mid:
			disagree += w
		}
	}
	r := CESResult{
		Mean:        stat.Mean(xs, scaled(ws, sum.scale)),
		AgreePct:    100 * agree / sum.sum,
		DisagreePct: 100 * disagree / sum.sum,
		N:           n,
		EffectiveN:  sum.effectiveN(),
	}
	r.NetEasy = r.AgreePct - r.DisagreePct
	if err := resultFinite("answers", r.Mean); err != nil {
		return CESResult{}, err
	}
	r.Mean = min(max(r.Mean, b.Min), b.Max)
	return r, nil
}

// scaled divides weights by scale in place and returns them (nil stays nil).
func scaled(w []float64, scale float64) []float64 {
	for i := range w {
		w[i] /= scale
	}
	return w
}
