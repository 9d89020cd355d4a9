package survey

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/kehu-crm/kehu"
)

// Column is one item's numeric answers, one per respondent, in the same respondent order
// for every item of a scale (and for the weights, when there are any).
//
// A missing answer is explicit: Missing[i] is true when respondent i gave no answer, and
// Values[i] is then ignored, whatever it holds. A nil or empty Missing means every answer
// was given. A missing answer is never read as a zero, and NaN is never read as missing:
// a NaN or an infinity among the given answers is an error.
type Column struct {
	Values  []float64
	Missing []bool
}

// given reports whether respondent i answered.
func (c Column) given(i int) bool { return len(c.Missing) == 0 || !c.Missing[i] }

// Bounds are the declared lowest and highest answers of a rating scale, such as 1 and 7
// for a seven-point agreement scale. Min must be below Max and both finite.
type Bounds struct {
	Min, Max float64
}

// Reverse returns the reverse-keyed answer min + max − x, so that on 1–5 a 1 becomes 5 and
// a 2 becomes 4. x must lie within the bounds.
func (b Bounds) Reverse(x float64) (float64, error) {
	var ck checker
	ck.bounds("bounds", b)
	if ck.ok() {
		ck.value("x", x, &b, false)
	}
	if err := ck.err(); err != nil {
		return 0, err
	}
	return b.Min + b.Max - x, nil
}

// ReverseKeyed returns a copy of answers with every given answer reverse-keyed
// (min + max − x, see Bounds.Reverse); missing answers stay missing.
func ReverseKeyed(answers Column, b Bounds) (Column, error) {
	var ck checker
	if ck.bounds("bounds", b) {
		ck.column("answers", answers, &b, false)
	}
	if err := ck.err(); err != nil {
		return Column{}, err
	}
	out := Column{Values: make([]float64, len(answers.Values))}
	if len(answers.Missing) != 0 {
		out.Missing = append([]bool(nil), answers.Missing...)
	}
	for i, v := range answers.Values {
		if answers.given(i) {
			out.Values[i] = b.Min + b.Max - v
		}
	}
	return out, nil
}

// Interval is a confidence interval at the confidence level Level (0.95 for 95 %).
type Interval struct {
	Low, High, Level float64
}

// MissingPolicy says which respondents a statistic over several items reads when some
// answers are missing.
type MissingPolicy int

const (
	// Listwise reads only the respondents who answered every item involved.
	Listwise MissingPolicy = iota + 1
	// Pairwise reads, for each pair of items, the respondents who answered both, and for
	// each item alone the respondents who answered it.
	Pairwise
)

// String returns "listwise" or "pairwise".
func (p MissingPolicy) String() string {
	switch p {
	case Listwise:
		return "listwise"
	case Pairwise:
		return "pairwise"
	}
	return fmt.Sprintf("MissingPolicy(%d)", int(p))
}

// EffectiveN is Kish's effective sample size (Σw)² / Σw² of respondent weights: the
// number of unweighted respondents that would give a mean the same precision. Equal
// weights give len(weights); unequal ones give less. Every weight must be finite and
// positive, and there must be at least one.
func EffectiveN(weights []float64) (float64, error) {
	var ck checker
	ck.weights("weights", weights, len(weights))
	if len(weights) == 0 {
		ck.add("weights", "required", "has no weight")
	}
	if err := ck.err(); err != nil {
		return 0, err
	}
	var w weightSum
	w.scale = slicesMax(weights)
	for _, x := range weights {
		w.add(x)
	}
	return w.effectiveN(), nil
}

// weightSum accumulates respondent weights divided by scale, the largest weight that is
// summed, so that neither sum can overflow and the largest scaled weight is 1.
type weightSum struct {
	scale     float64
	sum, sum2 float64
}

func (w *weightSum) add(x float64) float64 {
	x /= w.scale
	w.sum += x
	w.sum2 += x * x
	return x
}

func (w *weightSum) effectiveN() float64 { return w.sum * w.sum / w.sum2 }

func slicesMax(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, v)
	}
	return m
}

// maxWeight is the largest weight of the respondents who answered.
func maxWeight(answers Column, weights []float64) float64 {
	m := 0.0
	for i, w := range weights {
		if answers.given(i) {
			m = max(m, w)
		}
	}
	return m
}

// zFor is the two-sided standard normal quantile of a confidence level: Φ⁻¹(1 − (1 −
// level)/2), computed as −Φ⁻¹((1 − level)/2) so that it stays finite for levels close to 1.
func zFor(level float64) float64 { return -distuv.UnitNormal.Quantile((1 - level) / 2) }

// maxListed bounds the problems one ValidationError lists, so that a slice of ten million
// bad answers does not make ten million messages; a last problem with rule "truncated"
// counts the rest.
const maxListed = 10

// checker collects the problems of one call's arguments.
type checker struct {
	p    kehu.Problems
	more int
}

func (c *checker) add(field, rule, message string) {
	if c.p.Len() < maxListed {
		c.p.Add(field, rule, message)
		return
	}
	c.more++
}

func (c *checker) addf(field, rule, format string, args ...any) {
	if c.p.Len() < maxListed {
		c.p.Addf(field, rule, format, args...)
		return
	}
	c.more++
}

func (c *checker) ok() bool { return c.p.Len() == 0 }

func (c *checker) err() error {
	if c.more > 0 {
		c.p.Addf("", "truncated", "and %d more problems", c.more)
		c.more = 0
	}
	return c.p.Err()
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// bounds checks a scale's bounds and reports whether they are usable.
func (c *checker) bounds(field string, b Bounds) bool {
	switch {
	case !finite(b.Min) || !finite(b.Max):
		c.addf(field, "finite", "[%v, %v] is not a pair of finite numbers", b.Min, b.Max)
	case b.Min >= b.Max:
		c.addf(field, "range", "min %v is not below max %v", b.Min, b.Max)
	case !finite(b.Max - b.Min):
		c.addf(field, "range", "[%v, %v] is too wide to compute with", b.Min, b.Max)
	default:
		return true
	}
	return false
}

// value checks one answer: finite, within b when b is not nil, and whole when integer.
func (c *checker) value(field string, x float64, b *Bounds, integer bool) {
	switch {
	case !finite(x):
		c.addf(field, "finite", "%v is not a finite number", x)
	case b != nil && (x < b.Min || x > b.Max):
		c.addf(field, "range", "%v is outside the scale [%v, %v]", x, b.Min, b.Max)
	case integer && x != math.Trunc(x):
		c.addf(field, "integer", "%v is not a whole number", x)
	}
}

// column checks a column's missing flags and its given answers, and returns how many
// answers were given.
func (c *checker) column(field string, col Column, b *Bounds, integer bool) int {
	if len(col.Missing) != 0 && len(col.Missing) != len(col.Values) {
		c.addf(field+".missing", "length", "has %d flags for %d values", len(col.Missing), len(col.Values))
		return 0
	}
	n := 0
	for i, x := range col.Values {
		if !col.given(i) {
			continue
		}
		n++
		if !finite(x) || (b != nil && (x < b.Min || x > b.Max)) || (integer && x != math.Trunc(x)) {
			c.value(fmt.Sprintf("%s.values[%d]", field, i), x, b, integer)
		}
	}
	return n
}

// weights checks respondent weights: nil, or one finite positive weight per respondent.
func (c *checker) weights(field string, w []float64, respondents int) {
	if w == nil {
		return
	}
	if len(w) != respondents {
		c.addf(field, "length", "has %d weights for %d respondents", len(w), respondents)
		return
	}
	for i, x := range w {
		if !finite(x) || x <= 0 {
			c.addf(fmt.Sprintf("%s[%d]", field, i), "range", "%v is not a finite positive weight", x)
		}
	}
}

// level checks a confidence level or a significance level.
func (c *checker) level(field string, x float64) {
	if !(x > 0 && x < 1) {
		c.addf(field, "range", "%v is not strictly between 0 and 1", x)
	}
}

// count checks a count.
func (c *checker) count(field string, n int) {
	if n < 0 {
		c.addf(field, "range", "%d is negative", n)
	}
}

// result reports a non-finite result of finite input: values so large that a sum
// overflowed.
func resultFinite(field string, xs ...float64) error {
	for _, x := range xs {
		if !finite(x) {
			return kehu.Invalid(field, "range", "holds values too large to compute with")
		}
	}
	return nil
}
