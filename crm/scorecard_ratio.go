package crm

import (
	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
)

// Ratio is an exact fraction Num/Den of two decimals. A scorecard keeps every rate as a
// Ratio and rounds only to show it, so that a comparison with a target is exact (89.996 %
// misses a target of 90 % even where it would show as "90.0 %").
//
// A Ratio whose Den is zero or negative has no value: it is the "no data" state of a KPI
// whose denominator is empty (no answers, no orders, nobody active before). Its methods
// then report false; none panics and none gives NaN.
type Ratio struct {
	Num decimal.Decimal `json:"numerator"`
	Den decimal.Decimal `json:"denominator"`
}

// NewRatio returns num/den for integers, the shape of most KPIs (counts over counts).
func NewRatio(num, den int64) Ratio {
	return Ratio{Num: decimal.NewFromInt(num), Den: decimal.NewFromInt(den)}
}

// Defined reports whether the ratio has a value: its denominator is above zero.
func (r Ratio) Defined() bool { return r.Den.Sign() > 0 }

// Cmp compares the ratio with x exactly: -1, 0 or +1 as Num/Den is below, equal to or
// above x. It reports false for a ratio without a value.
func (r Ratio) Cmp(x decimal.Decimal) (int, bool) {
	if !r.Defined() {
		return 0, false
	}
	// Num/Den ⋚ x ⟺ Num ⋚ x·Den, as Den > 0.
	return r.Num.Cmp(x.Mul(r.Den)), true
}

// Sub returns r − o exactly, as (r.Num·o.Den − o.Num·r.Den) / (r.Den·o.Den); without a
// value (zero denominator) when either has none.
func (r Ratio) Sub(o Ratio) Ratio {
	if !r.Defined() || !o.Defined() {
		return Ratio{Num: decimal.Zero, Den: decimal.Zero}
	}
	if r.Den.Equal(o.Den) {
		return Ratio{Num: r.Num.Sub(o.Num), Den: r.Den}
	}
	return Ratio{Num: r.Num.Mul(o.Den).Sub(o.Num.Mul(r.Den)), Den: r.Den.Mul(o.Den)}
}

// Scale returns the ratio multiplied by k exactly (k·Num/Den): a rate in percent is
// r.Scale(100).
func (r Ratio) Scale(k int64) Ratio {
	return Ratio{Num: r.Num.Mul(decimal.NewFromInt(k)), Den: r.Den}
}

// maxRoundPlaces bounds the places Round takes, either way: far beyond the precision of
// any measure, and near enough that the exact division stays cheap (an exact quotient to
// a billion places would take gigabytes, and math.MinInt32 places overflows the division).
const maxRoundPlaces = 1000

// Round returns Num/Den rounded to places decimal places with the given mode, computed
// exactly (one rounding, of the exact quotient: 2/3 to 2 places half-up is 0.67, and
// 1/8 to 2 places half-even is 0.12). It reports false for a ratio without a value, a
// mode that is not a kehu.RoundingMode, or places beyond ±1000.
func (r Ratio) Round(places int32, mode kehu.RoundingMode) (decimal.Decimal, bool) {
	if !r.Defined() || !mode.Valid() || places < -maxRoundPlaces || places > maxRoundPlaces {
		return decimal.Decimal{}, false
	}
	// q is the quotient truncated toward zero at places, and Num = Den·q + rem exactly,
	// with |rem| < Den·10^-places and rem of Num's sign.
	q, rem := r.Num.QuoRem(r.Den, places)
	if rem.Sign() == 0 {
		return q, true
	}
	ulp := decimal.New(1, -places)
	sign := int64(rem.Sign()) // the exact quotient lies beyond q on this side
	away := func() decimal.Decimal { return q.Add(ulp.Mul(decimal.NewFromInt(sign))) }
	// Against the halfway point: 2|rem| ⋚ Den·ulp.
	half := rem.Abs().Add(rem.Abs()).Cmp(r.Den.Mul(ulp))
	switch mode {
	case kehu.Down:
		return q, true
	case kehu.Up:
		return away(), true
	case kehu.Floor:
		if sign < 0 {
			return away(), true
		}
		return q, true
	case kehu.Ceiling:
		if sign > 0 {
			return away(), true
		}
		return q, true
	case kehu.HalfUp:
		if half >= 0 {
			return away(), true
		}
		return q, true
	case kehu.HalfDown:
		if half > 0 {
			return away(), true
		}
		return q, true
	default: // kehu.HalfEven
		if half > 0 || half == 0 && q.Shift(places).Mod(decimal.NewFromInt(2)).Sign() != 0 {
			return away(), true
		}
		return q, true
	}
}

// String writes the fraction as "num/den".
func (r Ratio) String() string { return r.Num.String() + "/" + r.Den.String() }
