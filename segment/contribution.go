package segment

import (
	"fmt"
	"iter"
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/checked"
)

// CustomerValue is a customer and an amount to rank them by, usually revenue in a period.
type CustomerValue struct {
	Customer string          `json:"customer"`
	Value    decimal.Decimal `json:"value"`
}

// Ranked is one customer's place in a ranking by value (贡献度, contribution).
type Ranked struct {
	// Rank is 1 for the largest value. Equal values have consecutive ranks, in ascending
	// order of Customer.
	Rank     int             `json:"rank"`
	Customer string          `json:"customer"`
	Value    decimal.Decimal `json:"value"`
	// Share is Value as a fraction of the total, and Cumulative the fraction of the total
	// from this customer and everyone ranked above; both 0 when the total is 0. They are
	// float64 for reporting; classifications use exact sums.
	Share      float64 `json:"share"`
	Cumulative float64 `json:"cumulative"`
}

// ValuesOf returns each summary's customer with its Total, to rank or classify.
func ValuesOf(summaries []Summary) []CustomerValue {
	out := make([]CustomerValue, len(summaries))
	for i, s := range summaries {
		out[i] = CustomerValue{Customer: s.Customer, Value: s.Total}
	}
	return out
}

// Rank ranks customers by value, largest first, equal values by ascending Customer, so the
// result does not depend on the input order. Negative values are refused with a
// *kehu.ValidationError; each customer should appear once.
func Rank(values []CustomerValue) ([]Ranked, error) {
	r, err := newRanking(values, false)
	if err != nil {
		return nil, err
	}
	return r.ranked(), nil
}

// Contribution sums each customer's transactions with From ≤ At < To (an empty bound is
// open) and ranks the customers by that revenue: the contribution ranking (贡献度), which
// finds the customers with the largest contribution within a period. A
// transaction in the period with no customer, the zero time (only possible when From is
// open) or a negative amount fails with a *RejectedError counting every such transaction.
func Contribution(txns iter.Seq[Transaction], from, to time.Time) ([]Ranked, error) {
	sums := map[string]int{}
	var vals []CustomerValue
	rej := &RejectedError{Rejected: Rejections{}}
	if txns != nil {
		for t := range txns {
			rej.Transactions++
			if !from.IsZero() && t.At.Before(from) || !to.IsZero() && !t.At.Before(to) {
				continue
			}
			var reason RejectReason
			switch {
			case t.Customer == "":
				reason = RejectNoCustomer
			case t.At.IsZero():
				reason = RejectZeroTime
			case t.Amount.Sign() < 0:
				reason = RejectNegativeAmount
			case !AmountInRange(t.Amount):
				reason = RejectAmountRange
			}
			if reason != "" {
				if rej.Rejected[reason] == 0 {
					rej.Examples = append(rej.Examples, Rejection{Index: rej.Transactions - 1, Customer: t.Customer, Reason: reason, Detail: string(reason)})
				}
				rej.Rejected[reason]++
				continue
			}
			i, ok := sums[t.Customer]
			if !ok {
				i = len(vals)
				sums[t.Customer] = i
				vals = append(vals, CustomerValue{Customer: t.Customer, Value: decimal.Zero})
			}
			vals[i].Value = vals[i].Value.Add(t.Amount)
		}
	}
	if len(rej.Rejected) > 0 {
		return nil, rej
	}
	return Rank(vals)
}

// CurvePoint is a point of the cumulative contribution (Pareto, or Lorenz from the top)
// curve: the top Customers fraction of the ranked customers bring Revenue of the total.
type CurvePoint struct {
	Customers float64 `json:"customers"`
	Revenue   float64 `json:"revenue"`
}

// MaxCurvePoints is the largest number of intervals Curve samples.
const MaxCurvePoints = 1_000_000

// Curve samples the cumulative contribution curve of a ranking at points+1 evenly spaced
// customer fractions 0, 1/points, …, 1 (points from 1 to MaxCurvePoints; a smaller value
// is taken as 1). The revenue at a fraction that falls between two customers is
// interpolated linearly. The ranking is read as Rank or Contribution make it: a Share or
// Cumulative it reads that is NaN, infinite or outside [0, 1] is refused with a
// *kehu.ValidationError naming it ("ranked[3].share"), as is a larger points.
func Curve(ranked []Ranked, points int) ([]CurvePoint, error) {
	if points > MaxCurvePoints {
		return nil, kehu.Invalid("points", "range", fmt.Sprintf("%d is more than %d", points, MaxCurvePoints))
	}
	points = max(points, 1)
	out := make([]CurvePoint, points+1)
	n := len(ranked)
	for k := 0; k <= points; k++ {
		x := float64(k) / float64(points)
		rev, err := revenueAt(ranked, x*float64(n))
		if err != nil {
			return nil, err
		}
		out[k] = CurvePoint{Customers: x, Revenue: rev}
	}
	return out, nil
}

// TopShare is the share of the total brought by the top fraction (0 to 1) of the ranked
// customers, interpolated between customers: TopShare(r, 0.2) answers "how much do the
// top 20 % bring?". A fraction that is NaN, infinite or outside [0, 1] is refused with a
// *kehu.ValidationError ("fraction"), and so is a Share or Cumulative of the ranking
// that it reads and that is not in [0, 1] ("ranked[3].cumulative").
func TopShare(ranked []Ranked, fraction float64) (float64, error) {
	if !(fraction >= 0 && fraction <= 1) {
		return 0, kehu.Invalid("fraction", "range", fmt.Sprintf("%v is not in [0, 1]", fraction))
	}
	return revenueAt(ranked, fraction*float64(len(ranked)))
}

// revenueAt is the cumulative share after pos customers (fractional pos interpolates),
// for 0 ≤ pos ≤ len(ranked). It checks the entries it reads.
func revenueAt(ranked []Ranked, pos float64) (float64, error) {
	if len(ranked) == 0 || pos <= 0 {
		return 0, nil
	}
	k := int(math.Floor(pos))
	if k >= len(ranked) {
		return shareIn(ranked, len(ranked)-1, "cumulative")
	}
	before := 0.0
	if k > 0 {
		var err error
		if before, err = shareIn(ranked, k-1, "cumulative"); err != nil {
			return 0, err
		}
	}
	if pos == float64(k) {
		return before, nil
	}
	share, err := shareIn(ranked, k, "share")
	if err != nil {
		return 0, err
	}
	return before + (pos-float64(k))*share, nil
}

// shareIn returns ranked[k]'s Share or Cumulative, which must be in [0, 1].
func shareIn(ranked []Ranked, k int, field string) (float64, error) {
	v := ranked[k].Cumulative
	if field == "share" {
		v = ranked[k].Share
	}
	if !(v >= 0 && v <= 1) {
		return 0, kehu.Invalid(fmt.Sprintf("ranked[%d].%s", k, field), "range", fmt.Sprintf("%v is not in [0, 1]", v))
	}
	return v, nil
}

// ranking is values in rank order with exact cumulative sums.
type ranking struct {
	values []CustomerValue
	order  []int32 // positions in values, rank order
	// Exact arithmetic: fixed-point int64 coefficients at exp when fast, else decimals.
	fast  bool
	iv    []int64 // by position in values
	total int64
	dTot  decimal.Decimal
}

// newRanking ranks values, largest first; equal values are in ascending order of
// Customer, or in input order when byInput is set.
func newRanking(values []CustomerValue, byInput bool) (*ranking, error) {
	var p kehu.Problems
	for i := range values {
		v := values[i].Value
		switch {
		case v.Sign() < 0:
			p.Addf(fmt.Sprintf("values[%d].value", i), "range", "%s is negative", v)
		case !AmountInRange(v):
			p.Addf(fmt.Sprintf("values[%d].value", i), "range", "is out of range (see AmountInRange)")
		}
		if p.Len() >= 20 {
			break
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	r := &ranking{values: values}
	n := len(values)
	dv := make([]decimal.Decimal, n)
	for i := range values {
		dv[i] = values[i].Value
	}
	iv, _, ok := fixedKeys(dv)
	if ok {
		total, ok := checked.Sum(iv)
		r.fast, r.iv, r.total = ok, iv, total
	}
	var keys []uint64
	if r.fast {
		keys = make([]uint64, n)
		for i, v := range iv {
			keys[i] = ^intKey(v) // descending
		}
	} else {
		keys = decimalKeys(dv)
		for i := range keys {
			keys[i] = ^keys[i]
		}
		r.dTot = decimal.Zero
		for _, v := range dv {
			r.dTot = r.dTot.Add(v)
		}
	}
	r.order = make([]int32, n)
	if n == 0 {
		return r, nil
	}
	lo := keys[0]
	for _, k := range keys {
		lo = min(lo, k)
	}
	sorted := sortKeys(keys, lo)
	for i := 0; i < n; {
		j := i + 1
		for j < n && sorted[j].k == sorted[i].k {
			j++
		}
		if j-i > 1 && !byInput { // equal values: by customer (the sort is stable: input order)
			g := sorted[i:j]
			slices.SortFunc(g, func(a, b keyIdx) int { return compareStrings(values[a.i].Customer, values[b.i].Customer) })
		}
		for k := i; k < j; k++ {
			r.order[k] = sorted[k].i
		}
		i = j
	}
	return r, nil
}

// groups yields the rank positions [i, j) of each group of equal values, or of each
// customer alone when single is set.
func (r *ranking) groups(single bool) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		n := len(r.order)
		for i := 0; i < n; {
			j := i + 1
			for !single && j < n && r.equal(r.order[i], r.order[j]) {
				j++
			}
			if !yield(i, j) {
				return
			}
			i = j
		}
	}
}

func (r *ranking) equal(a, b int32) bool {
	if r.fast {
		return r.iv[a] == r.iv[b]
	}
	return r.values[a].Value.Equal(r.values[b].Value)
}

// ranked builds the public ranking.
func (r *ranking) ranked() []Ranked {
	out := make([]Ranked, len(r.order))
	r.fill(func(k int) *Ranked { return &out[k] })
	return out
}

// fill writes the ranking's k-th entry to at(k), for every k.
func (r *ranking) fill(at func(k int) *Ranked) {
	var cum int64
	dCum := decimal.Zero
	total := float64(r.total)
	for k, i := range r.order {
		v := &r.values[i]
		rk := at(k)
		rk.Rank, rk.Customer, rk.Value = k+1, v.Customer, v.Value
		if r.fast {
			cum += r.iv[i]
			if r.total > 0 {
				rk.Share = float64(r.iv[i]) / total
				rk.Cumulative = float64(cum) / total
			}
		} else if r.dTot.Sign() > 0 {
			dCum = dCum.Add(v.Value)
			rk.Share = v.Value.DivRound(r.dTot, 17).InexactFloat64()
			rk.Cumulative = dCum.DivRound(r.dTot, 17).InexactFloat64()
		}
	}
}

// thresholdScale is the denominator of exact thresholds: shares have 9 decimal places.
const thresholdScale = 1_000_000_000

// shareNum converts a share in [0, 1] to its numerator over thresholdScale, rounded to 9
// decimal places.
func shareNum(share float64) uint64 {
	return uint64(math.Round(share * thresholdScale))
}

// below reports whether sum < num/thresholdScale × total exactly, where sum is a prefix sum
// in the ranking's arithmetic (an int64 in the fast path).
func (r *ranking) belowFast(sum int64, num uint64) bool {
	// sum·scale < num·total in 128 bits.
	h1, l1 := bits.Mul64(uint64(sum), thresholdScale)
	h2, l2 := bits.Mul64(num, uint64(r.total))
	return h1 < h2 || h1 == h2 && l1 < l2
}

func (r *ranking) atMostFast(sum int64, num uint64) bool {
	h1, l1 := bits.Mul64(uint64(sum), thresholdScale)
	h2, l2 := bits.Mul64(num, uint64(r.total))
	return h1 < h2 || h1 == h2 && l1 <= l2
}

func (r *ranking) cmpSlow(sum decimal.Decimal, num uint64) int {
	return sum.Mul(decimal.NewFromInt(thresholdScale)).Cmp(decimal.NewFromUint64(num).Mul(r.dTot))
}
