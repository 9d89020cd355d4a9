package survey

import (
	"fmt"

	"github.com/kehu-crm/kehu"
)

// ItemScore is one scored item of a response: a rating question, a matrix row, or a choice
// question whose options carry points.
type ItemScore struct {
	Question string `json:"question"`
	Row      string `json:"row,omitempty"`
	// Value is the item's score: the answer, reverse-keyed as From + To − answer for a
	// reverse item or an effort scale (so that higher is always better), or the points of
	// the options chosen.
	Value float64 `json:"value"`
	// Min and Max are the lowest and highest scores the item can give: the scale's bounds,
	// or the options' points.
	Min       float64 `json:"min"`
	Max       float64 `json:"max"`
	Weight    float64 `json:"weight"`
	Dimension string  `json:"dimension,omitempty"`
}

// DimensionScore is a response's score on one dimension.
type DimensionScore struct {
	Dimension string `json:"dimension"`
	// N is the number of the dimension's items the response scored.
	N int `json:"n"`
	// Mean is the weighted mean of the items' values.
	Mean float64 `json:"mean"`
	// Total and Max are the weighted sums of the items' values and maxima: a category
	// total and its maximum (seven items on 1–5 answered 4: 28 of 35).
	Total float64 `json:"total"`
	Max   float64 `json:"max"`
	// Index is the dimension on 0 to 100: 100·Σw(x − min) / Σw(max − min).
	Index float64 `json:"index"`
}

// Scores is what a response scores.
type Scores struct {
	// Items are the items scored, in the survey's order. An item not shown, not answered
	// or answered with a non-scoring option ("not applicable") is not among them: it is
	// never a zero.
	Items      []ItemScore      `json:"items"`
	Dimensions []DimensionScore `json:"dimensions"`
	// Total and Max are the weighted sum of the items' values and of their maxima, and
	// Index the whole response on 0 to 100 as for a dimension. N is the items scored; with
	// N = 0 the others are 0.
	N     int     `json:"n"`
	Total float64 `json:"total"`
	Max   float64 `json:"max"`
	Index float64 `json:"index"`
	// Band is the survey's band the index falls in (Spec.Bands), nil when none does or
	// nothing scored.
	Band *Band `json:"band,omitempty"`
}

// Score scores a response to the survey. The response must be of this survey and version
// and valid (Submit stores only such); otherwise Score returns the validation error.
func (s *Survey) Score(r *Response) (*Scores, error) {
	if r == nil {
		return nil, kehu.Invalid("response", "required", "is nil")
	}
	if r.Survey != s.spec.ID || r.Version != s.spec.Version {
		return nil, kehu.Invalid("response.version", "match",
			fmt.Sprintf("the response answered %s version %d, not %s version %d", r.Survey, r.Version, s.spec.ID, s.spec.Version))
	}
	if err := s.Check(r.Answers); err != nil {
		return nil, err
	}
	out := &Scores{}
	for qi := range s.items {
		it := &s.items[qi]
		for i := range r.Answers {
			a := &r.Answers[i]
			if a.Question != it.q.ID {
				continue
			}
			if sc, ok := it.score(a); ok {
				out.Items = append(out.Items, sc)
			}
		}
	}
	var sumX, sumMin, sumMax float64
	for _, x := range out.Items {
		sumX += x.Weight * x.Value
		sumMin += x.Weight * x.Min
		sumMax += x.Weight * x.Max
	}
	out.N = len(out.Items)
	if out.N > 0 {
		out.Total, out.Max = sumX, sumMax
		if sumMax > sumMin {
			out.Index = 100 * (sumX - sumMin) / (sumMax - sumMin)
		}
	}
	if out.N > 0 {
		for _, b := range s.spec.Bands {
			if b.From <= out.Index && out.Index < b.To {
				out.Band = &b
				break
			}
		}
	}
	for _, d := range s.spec.Dimensions {
		ds := DimensionScore{Dimension: d.ID}
		var w, x, lo, hi float64
		for _, it := range out.Items {
			if it.Dimension != d.ID {
				continue
			}
			ds.N++
			w += it.Weight
			x += it.Weight * it.Value
			lo += it.Weight * it.Min
			hi += it.Weight * it.Max
		}
		if ds.N > 0 {
			ds.Total, ds.Max = x, hi
			ds.Mean = x / w
			if hi > lo {
				ds.Index = 100 * (x - lo) / (hi - lo)
			}
		}
		out.Dimensions = append(out.Dimensions, ds)
	}
	return out, nil
}

// score scores one answer to the item, if it scores.
func (it *item) score(a *Answer) (ItemScore, bool) {
	q := it.q
	sc := ItemScore{Question: q.ID, Row: a.Row, Weight: q.Weight, Dimension: q.Dimension}
	if sc.Weight == 0 {
		sc.Weight = 1
	}
	switch q.Kind {
	case Likert, NPS, CSAT, CES, Matrix:
		if a.Value == nil {
			return sc, false // a non-scoring option
		}
		reverse := q.Reverse || (q.Kind == CES && q.Effort == EffortHigh)
		if q.Kind == Matrix {
			for _, r := range q.Rows {
				if r.ID == a.Row {
					reverse = q.Reverse || r.Reverse
					if r.Dimension != "" {
						sc.Dimension = r.Dimension
					}
				}
			}
		}
		sc.Min, sc.Max = float64(it.from), float64(it.to)
		sc.Value = *a.Value
		if reverse {
			sc.Value = sc.Min + sc.Max - sc.Value // the declared bounds, never the observed range
		}
		return sc, true
	case SingleChoice, MultipleChoice:
		var lo, hi, got float64
		scoring := false
		for _, o := range q.Options {
			if o.Points == 0 {
				continue
			}
			scoring = true
			if q.Kind == SingleChoice {
				lo, hi = min(lo, o.Points), max(hi, o.Points)
			} else if o.Points > 0 {
				hi += o.Points
			} else {
				lo += o.Points
			}
		}
		if !scoring {
			return sc, false
		}
		codes := a.Options
		if q.Kind == SingleChoice {
			codes = []string{a.Option}
		}
		for _, c := range codes {
			o := it.options[c]
			if o.NonScoring {
				return sc, false
			}
			got += o.Points
		}
		sc.Value, sc.Min, sc.Max = got, lo, hi
		return sc, true
	}
	return sc, false
}
