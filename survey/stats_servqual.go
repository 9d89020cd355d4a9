package survey

import (
	"fmt"
	"math"
)

// ServqualItems is the number of items of the SERVQUAL instrument (Parasuraman, Zeithaml
// and Berry, 1988), each asked twice: what the customer expects of an excellent firm,
// and what they perceive of this one.
const ServqualItems = 22

// ServqualDimension is one of SERVQUAL's five dimensions of service quality.
type ServqualDimension int

// The five dimensions, in the order of the instrument's items: loop over them with
// for d := Tangibles; d <= Empathy; d++.
const (
	Tangibles      ServqualDimension = iota // items 1–4: facilities, equipment, staff appearance
	Reliability                             // items 5–9: the promised service, dependably and accurately
	Responsiveness                          // items 10–13: willingness to help, prompt service
	Assurance                               // items 14–17: knowledge, courtesy, trust
	Empathy                                 // items 18–22: caring, individual attention
)

var servqualFirst = [6]int{1, 5, 10, 14, 18, 23}

// String returns the dimension's name in lower case ("tangibles").
func (d ServqualDimension) String() string {
	switch d {
	case Tangibles:
		return "tangibles"
	case Reliability:
		return "reliability"
	case Responsiveness:
		return "responsiveness"
	case Assurance:
		return "assurance"
	case Empathy:
		return "empathy"
	}
	return fmt.Sprintf("ServqualDimension(%d)", int(d))
}

// Items returns the dimension's first and last item numbers, counted from 1: 1 and 4 for
// Tangibles, 18 and 22 for Empathy. An unknown dimension returns 0, 0.
func (d ServqualDimension) Items() (first, last int) {
	if d < Tangibles || d > Empathy {
		return 0, 0
	}
	return servqualFirst[d], servqualFirst[d+1] - 1
}

// GapTolerance is the tolerance of OutcomeOf: a gap within ±GapTolerance of 0 met the
// expectation. It absorbs the rounding of means of fractions (a gap of exactly 0 can come
// out as 1e-17), and is far below any difference a rating scale can express.
const GapTolerance = 1e-9

// Outcome says whether perceived service exceeded, met or fell below expectation.
type Outcome string

// The outcomes of a gap.
const (
	Exceeded Outcome = "exceeded"
	Met      Outcome = "met"
	Below    Outcome = "below"
)

// OutcomeOf is Exceeded for a gap above GapTolerance, Below for one below −GapTolerance,
// and Met otherwise.
func OutcomeOf(gap float64) Outcome {
	switch {
	case gap > GapTolerance:
		return Exceeded
	case gap < -GapTolerance:
		return Below
	}
	return Met
}

// ServqualScores are the SERVQUAL scores of five dimension gaps.
type ServqualScores struct {
	// Unweighted is the mean of the five dimension gaps.
	Unweighted float64
	// Weighted is Σ (importanceᵢ / 100) × gapᵢ; with no importance split it equals
	// Unweighted.
	Weighted float64
	// Outcome is OutcomeOf(Unweighted).
	Outcome Outcome
	// N is the number of dimensions, 5.
	N int
}

// ServqualScore returns the unweighted and weighted SERVQUAL scores of five dimension gaps
// (perception − expectation, from Tangibles to Empathy). importance is the
// customer's split of 100 points among the five dimensions, each at least 0; nil means an
// even split, 20 each. Gaps of −0.65, −1.10, −0.83, −0.70 and −1.01 give −0.858
// unweighted and, with importance 10, 30, 20, 20 and 20, −0.903 weighted.
func ServqualScore(dimensionGaps, importance []float64) (ServqualScores, error) {
	var ck checker
	if len(dimensionGaps) != 5 {
		ck.addf("dimension_gaps", "length", "has %d gaps, not 5", len(dimensionGaps))
	}
	for i, g := range dimensionGaps {
		ck.value(fmt.Sprintf("dimension_gaps[%d]", i), g, nil, false)
	}
	ck.importance(importance)
	if err := ck.err(); err != nil {
		return ServqualScores{}, err
	}
	return servqualScores(dimensionGaps, importance), nil
}

func (c *checker) importance(importance []float64) {
	if importance == nil {
		return
	}
	if len(importance) != 5 {
		c.addf("importance", "length", "has %d points, not 5", len(importance))
		return
	}
	sum, ok := 0.0, true
	for i, w := range importance {
		if !finite(w) || w < 0 {
			c.addf(fmt.Sprintf("importance[%d]", i), "range", "%v is not a finite number of points, 0 or more", w)
			ok = false
		}
		sum += w
	}
	if ok && math.Abs(sum-100) > 1e-9 {
		c.addf("importance", "sum", "sums to %v points, not 100", sum)
	}
}

func servqualScores(gaps, importance []float64) ServqualScores {
	var sum, weighted float64
	for i, g := range gaps {
		sum += g / 5 // a sum of fifths cannot overflow
		if importance != nil {
			weighted += importance[i] / 100 * g
		}
	}
	if importance == nil {
		weighted = sum
	}
	return ServqualScores{Unweighted: sum, Weighted: weighted, Outcome: OutcomeOf(sum), N: 5}
}

// ServqualResult is one respondent's SERVQUAL gaps and scores.
type ServqualResult struct {
	// Items holds the gap perception − expectation of item k at Items[k−1]; Answered[k−1]
	// is false (and the gap 0) where either answer is missing.
	Items    [ServqualItems]float64
	Answered [ServqualItems]bool
	// Dimensions holds the mean gap of each dimension's answered items, indexed by
	// ServqualDimension.
	Dimensions [5]float64
	ServqualScores
	// ItemsAnswered counts the items with both answers; ServqualScores.N stays 5.
	ItemsAnswered int
}

// Servqual returns one respondent's SERVQUAL gaps: for each of the 22 items the gap
// perception − expectation, each dimension's gap the mean of its items' gaps, and the
// scores of ServqualScore with the importance split (nil for an even split). A positive
// gap means the service exceeded what the customer expected.
//
// expectations and perceptions hold the 22 answers in the instrument's order on the
// scale b (1–7 in the original). An item missing either answer is left out of its
// dimension's mean; a dimension with no item answered is an error. A sample's gaps are the
// gaps of its mean answers (the mean of differences is the difference of means), so
// Servqual of the item means, the missing answers left out of each, gives a sample's
// dimension gaps, and counting each respondent's Outcome gives how many were satisfied.
func Servqual(expectations, perceptions Column, b Bounds, importance []float64) (ServqualResult, error) {
	var ck checker
	if ck.bounds("bounds", b) {
		ck.column("expectations", expectations, &b, false)
		ck.column("perceptions", perceptions, &b, false)
	}
	if len(expectations.Values) != ServqualItems {
		ck.addf("expectations", "length", "has %d answers, not %d", len(expectations.Values), ServqualItems)
	}
	if len(perceptions.Values) != ServqualItems {
		ck.addf("perceptions", "length", "has %d answers, not %d", len(perceptions.Values), ServqualItems)
	}
	ck.importance(importance)
	if err := ck.err(); err != nil {
		return ServqualResult{}, err
	}
	var r ServqualResult
	for i := range ServqualItems {
		if expectations.given(i) && perceptions.given(i) {
			r.Items[i] = perceptions.Values[i] - expectations.Values[i]
			r.Answered[i] = true
			r.ItemsAnswered++
		}
	}
	for dim := Tangibles; dim <= Empathy; dim++ {
		first, last := dim.Items()
		var sum float64
		n := 0
		for k := first; k <= last; k++ {
			if r.Answered[k-1] {
				sum += r.Items[k-1]
				n++
			}
		}
		if n == 0 {
			ck.addf("perceptions", "required", "no item of %s (items %d–%d) has both answers", dim, first, last)
			continue
		}
		r.Dimensions[dim] = sum / float64(n)
	}
	if err := ck.err(); err != nil {
		return ServqualResult{}, err
	}
	r.ServqualScores = servqualScores(r.Dimensions[:], importance)
	return r, nil
}
