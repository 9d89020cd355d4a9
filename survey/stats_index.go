package survey

import (
	"fmt"
	"math"
)

// IndexResult is a 0–100 weighted satisfaction index.
type IndexResult struct {
	// Score is between 0 (every item at the scale's minimum) and 100 (every item at its
	// maximum).
	Score float64
	// N is the number of items.
	N int
}

// WeightedIndex returns the 0–100 satisfaction index of item means on the scale b with
// item weights, the customer satisfaction index of national barometers:
//
//	index = 100 Σ wᵢ (x̄ᵢ − min) / ((max − min) Σ wᵢ)
//
// Weights need not sum to 1: they are normalised. The item means 8, 7 and 7.5 on 1–10
// weighted 0.3885, 0.3190 and 0.2925 give 72.61. Every mean must lie within the scale and
// every weight be finite and positive.
func WeightedIndex(means, weights []float64, b Bounds) (IndexResult, error) {
	var ck checker
	if ck.bounds("bounds", b) {
		for i, x := range means {
			ck.value(fmt.Sprintf("means[%d]", i), x, &b, false)
		}
	}
	if weights == nil {
		ck.add("weights", "required", "has no weight")
	} else {
		ck.weights("weights", weights, len(means))
	}
	if len(means) == 0 {
		ck.add("means", "required", "has no item")
	}
	if err := ck.err(); err != nil {
		return IndexResult{}, err
	}
	scale := slicesMax(weights)
	var num, den float64
	for i, x := range means {
		w := weights[i] / scale
		num += w * (x - b.Min) / (b.Max - b.Min)
		den += w
	}
	return IndexResult{Score: min(100, max(0, 100*num/den)), N: len(means)}, nil
}

// Category is one respondent's answers to the items of one category of a questionnaire
// (say, the seven items on staff of a hotel survey), every item answered.
type Category struct {
	Name   string
	Values []float64
}

// CategoryTotal is a category's total and its percentage of the maximum.
type CategoryTotal struct {
	Name string
	// N is the number of items.
	N int
	// Total is the sum of the answers; Max is N × the scale's maximum.
	Total, Max float64
	// PercentOfMax is 100 × Total / Max. It is a share of the maximum, not of the range:
	// every answer at the minimum 1 of a 1–5 scale gives 20 %, not 0.
	PercentOfMax float64
}

// CategoryTotals returns each category's total and percentage of the maximum on the scale
// b, whose maximum must be positive. A total needs every item: a category with no item is
// an error, and a respondent with missing answers is left out or imputed by the caller
// first. Seven 1–5 items answered 4 total 28 of a maximum of 35, 80 %.
func CategoryTotals(categories []Category, b Bounds) ([]CategoryTotal, error) {
	var ck checker
	if ck.bounds("bounds", b) {
		if b.Max <= 0 {
			ck.addf("bounds", "range", "max %v is not positive", b.Max)
		}
		for i, c := range categories {
			if len(c.Values) == 0 {
				ck.add(fmt.Sprintf("categories[%d].values", i), "required", "has no item")
			}
			for j, x := range c.Values {
				ck.value(fmt.Sprintf("categories[%d].values[%d]", i, j), x, &b, false)
			}
		}
	}
	if len(categories) == 0 {
		ck.add("categories", "required", "has no category")
	}
	if err := ck.err(); err != nil {
		return nil, err
	}
	out := make([]CategoryTotal, len(categories))
	for i, c := range categories {
		t := CategoryTotal{Name: c.Name, N: len(c.Values), Max: float64(len(c.Values)) * b.Max}
		for _, x := range c.Values {
			t.Total += x
		}
		t.PercentOfMax = 100 * t.Total / t.Max
		if err := resultFinite(fmt.Sprintf("categories[%d]", i), t.Total, t.Max, t.PercentOfMax); err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

// Band is a range [From, To) of scores with the message a report shows for it ("80 % and
// more: excellent"). From may be −∞ and To +∞ to leave a side open.
type Band struct {
	From    float64 `json:"from"`
	To      float64 `json:"to"`
	Message string  `json:"message"`
}

// BandFor returns the first band whose [From, To) holds score, and false if none does.
// Bands are tried in order, so overlapping bands are allowed and the first wins. score
// must be finite; every band needs From < To and neither may be NaN.
func BandFor(score float64, bands []Band) (Band, bool, error) {
	var ck checker
	ck.value("score", score, nil, false)
	for i, b := range bands {
		if math.IsNaN(b.From) || math.IsNaN(b.To) || !(b.From < b.To) {
			ck.addf(fmt.Sprintf("bands[%d]", i), "range", "[%v, %v) is not a range", b.From, b.To)
		}
	}
	if err := ck.err(); err != nil {
		return Band{}, false, err
	}
	for _, b := range bands {
		if b.From <= score && score < b.To {
			return b, true, nil
		}
	}
	return Band{}, false, nil
}
