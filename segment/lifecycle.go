package segment

import (
	"fmt"
	"math"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// Activity is what a lifecycle suggestion is based on: a customer's buying and, for
// customers who have not bought, whether the host has qualified them.
type Activity struct {
	Customer string
	// Orders and Total are the customer's purchases in the window (0 for a lead).
	Orders int
	Total  decimal.Decimal
	// DaysSinceLast is whole days from the last purchase to the observation end; ignored
	// when Orders is 0.
	DaysSinceLast int
	// Tenure is whole days from the first purchase to the observation end (0 for a lead).
	// With Orders it gives the customer's own mean gap between purchases.
	Tenure int
	// Qualified is the host's judgement that a lead has a real need and budget (潜在
	// rather than 意向).
	Qualified bool
	// Terminated marks a relationship the host has ended (终止合作); the suggestion is then
	// always terminated.
	Terminated bool
}

// maxTenureDays bounds Activity.Tenure from ActivityOf: about 5.9 million years, more
// than the ±5 million years of dates Summarize accepts.
const maxTenureDays = math.MaxInt32

// ActivityOf builds an Activity from a summary measured in Period units p (empty means
// Day). Tenure is s.T converted to whole days; with a calibration split, T is the
// calibration age and so understates the tenure. A T that is NaN, infinite, negative or
// more than math.MaxInt32 days is refused with a *kehu.ValidationError ("summary.t"),
// and so is an unknown period ("period").
func ActivityOf(s Summary, p Period) (Activity, error) {
	var pr kehu.Problems
	if p == "" {
		p = Day
	}
	if !validPeriod(p) {
		pr.Addf("period", "enum", "%q is not day, week or month", p)
	}
	days := s.T * periodLen(p)
	if !(s.T >= 0 && math.Round(days) <= maxTenureDays) {
		pr.Addf("summary.t", "range", "%v is not a non-negative finite age of at most %d days", s.T, maxTenureDays)
	}
	if err := pr.Err(); err != nil {
		return Activity{Customer: s.Customer}, err
	}
	return Activity{
		Customer:      s.Customer,
		Orders:        s.Orders,
		Total:         s.Total,
		DaysSinceLast: s.DaysSinceLast,
		Tenure:        int(math.Round(days)),
	}, nil
}

// LifecycleOptions are the thresholds of SuggestStages. A nil *LifecycleOptions, or a zero
// field, means the default.
type LifecycleOptions struct {
	// DormantAfter is the number of days without a purchase after which a buyer is
	// dormant. Default 90.
	DormantAfter int
	// DormantGapFactor, if positive, also makes a repeat buyer dormant when the days since
	// the last purchase exceed this multiple of the customer's own mean gap between
	// purchases (Tenure / (Orders − 1)) — a heavy buyer falls silent sooner than
	// DormantAfter. Default 0 (off).
	DormantGapFactor float64
	// TerminatedAfter is the number of days without a purchase after which a buyer is
	// suggested as terminated (lost). Default 365. It must exceed DormantAfter.
	TerminatedAfter int
	// KeyShare is the top share of active buyers, by Total, that are key customers
	// (重点客户). Default 0.2 (the top 20 %).
	KeyShare float64
	// KeyMinOrders is the fewest orders of a key customer. Default 2.
	KeyMinOrders int
}

// StageSuggestion is a suggested lifecycle stage and why.
type StageSuggestion struct {
	Customer string    `json:"customer"`
	Stage    crm.Stage `json:"stage"`
	Reason   string    `json:"reason"`
}

// SuggestStages suggests a crm.Stage for each customer from activity, in input order.
// The rules, in order:
//
//  1. Terminated set by the host: terminated.
//  2. No orders: potential when Qualified, else intent.
//  3. DaysSinceLast ≥ TerminatedAfter (365): terminated.
//  4. DaysSinceLast ≥ DormantAfter (90), or, with DormantGapFactor k > 0 and at least two
//     orders, DaysSinceLast > k × Tenure / (Orders − 1): dormant.
//  5. Among the remaining (active) buyers, those with at least KeyMinOrders (2) orders
//     whose Total is in the top KeyShare (20 %) of the active buyers — at most
//     ⌊KeyShare × active buyers⌋ customers, ranked by Total then by customer, ties at the
//     cut all included: key.
//  6. Otherwise: active.
//
// These are suggestions; a host applies them with crm's stage rules (Stage.CanMoveTo).
func SuggestStages(activity []Activity, opts *LifecycleOptions) ([]StageSuggestion, error) {
	var o LifecycleOptions
	if opts != nil {
		o = *opts
	}
	if o.DormantAfter == 0 {
		o.DormantAfter = 90
	}
	if o.TerminatedAfter == 0 {
		o.TerminatedAfter = 365
	}
	if o.KeyShare == 0 {
		o.KeyShare = 0.2
	}
	if o.KeyMinOrders == 0 {
		o.KeyMinOrders = 2
	}
	var p kehu.Problems
	if o.DormantAfter < 0 {
		p.Addf("dormant_after", "range", "%d is negative", o.DormantAfter)
	}
	if o.TerminatedAfter <= o.DormantAfter {
		p.Addf("terminated_after", "range", "%d is not more than dormant_after %d", o.TerminatedAfter, o.DormantAfter)
	}
	if !(o.KeyShare > 0 && o.KeyShare <= 1) {
		p.Addf("key_share", "range", "%v is not in (0, 1]", o.KeyShare)
	}
	if o.KeyMinOrders < 0 {
		p.Addf("key_min_orders", "range", "%d is negative", o.KeyMinOrders)
	}
	if o.DormantGapFactor < 0 || math.IsNaN(o.DormantGapFactor) || math.IsInf(o.DormantGapFactor, 0) {
		p.Addf("dormant_gap_factor", "range", "%v is not a finite number ≥ 0", o.DormantGapFactor)
	}
	for i, a := range activity {
		f := fmt.Sprintf("activity[%d]", i)
		if a.Orders < 0 {
			p.Addf(f+".orders", "range", "%d is negative", a.Orders)
		}
		if a.Total.Sign() < 0 || !AmountInRange(a.Total) {
			p.Addf(f+".total", "range", "%s is negative or out of range", a.Total)
		}
		if a.Orders > 0 && (a.DaysSinceLast < 0 || a.Tenure < 0) {
			p.Addf(f+".days_since_last", "range", "days since last %d or tenure %d is negative", a.DaysSinceLast, a.Tenure)
		}
		if p.Len() >= 20 {
			break
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}

	out := make([]StageSuggestion, len(activity))
	var active []CustomerValue
	var activeIdx []int
	for i, a := range activity {
		s := StageSuggestion{Customer: a.Customer}
		switch {
		case a.Terminated:
			s.Stage, s.Reason = crm.StageTerminated, "the relationship was ended"
		case a.Orders == 0 && a.Qualified:
			s.Stage, s.Reason = crm.StagePotential, "qualified, no purchase yet"
		case a.Orders == 0:
			s.Stage, s.Reason = crm.StageIntent, "no purchase yet, not qualified"
		case a.DaysSinceLast >= o.TerminatedAfter:
			s.Stage, s.Reason = crm.StageTerminated, fmt.Sprintf("no purchase in %d days (≥ %d)", a.DaysSinceLast, o.TerminatedAfter)
		case a.DaysSinceLast >= o.DormantAfter:
			s.Stage, s.Reason = crm.StageDormant, fmt.Sprintf("no purchase in %d days (≥ %d)", a.DaysSinceLast, o.DormantAfter)
		case o.DormantGapFactor > 0 && a.Orders >= 2 &&
			float64(a.DaysSinceLast) > o.DormantGapFactor*float64(a.Tenure)/float64(a.Orders-1):
			s.Stage, s.Reason = crm.StageDormant, fmt.Sprintf("no purchase in %d days, more than %.3g × the mean gap of %.1f days",
				a.DaysSinceLast, o.DormantGapFactor, float64(a.Tenure)/float64(a.Orders-1))
		default:
			s.Stage, s.Reason = crm.StageActive, fmt.Sprintf("bought %d days ago", a.DaysSinceLast)
			active = append(active, CustomerValue{Customer: a.Customer, Value: a.Total})
			activeIdx = append(activeIdx, i)
		}
		out[i] = s
	}
	if len(active) == 0 {
		return out, nil
	}
	pos := make(map[string][]int, len(active))
	for k, cv := range active {
		pos[cv.Customer] = append(pos[cv.Customer], activeIdx[k])
	}
	ranked, err := Rank(active)
	if err != nil {
		return nil, err
	}
	limit := int(math.Floor(o.KeyShare * float64(len(ranked))))
	for k, r := range ranked {
		if k >= limit && !(k > 0 && limit > 0 && r.Value.Equal(ranked[limit-1].Value)) {
			break
		}
		if r.Value.Sign() == 0 {
			break
		}
		for _, i := range pos[r.Customer] {
			if activity[i].Orders >= o.KeyMinOrders && out[i].Stage == crm.StageActive && activity[i].Total.Equal(r.Value) {
				out[i].Stage = crm.StageKey
				out[i].Reason = fmt.Sprintf("rank %d of %d active buyers by spend (top %.0f %%), %d orders",
					r.Rank, len(ranked), 100*o.KeyShare, activity[i].Orders)
				break
			}
		}
	}
	return out, nil
}
