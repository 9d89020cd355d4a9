package segment

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// ComplaintSource tells the churn score how many complaints of a customer are still
// open. The host supplies it (for example backed by the complaint package); it should
// be cheap, as ChurnScores calls it once per customer.
type ComplaintSource interface {
	OpenComplaints(ctx context.Context, customer string) (int, error)
}

// ChurnOptions tunes the churn score. A nil *ChurnOptions, and any zero field, means the
// default.
type ChurnOptions struct {
	// AliveWeight and OverdueWeight weigh the two components of the score, 1 − P(alive)
	// and the overdue probability (defaults 0.6 and 0.4). They are normalised to sum to
	// 1; at least one must be positive when set.
	AliveWeight   float64
	OverdueWeight float64
	// ComplaintStep is the share of the remaining headroom to certainty (1 − score)
	// that each open complaint adds (default 0.15): n complaints turn a score s into
	// 1 − (1 − s)(1 − step)^n.
	ComplaintStep float64
	// Complaints supplies open complaints; nil means none.
	Complaints ComplaintSource
}

// ChurnRisk is one customer's churn score and its parts.
type ChurnRisk struct {
	Customer string `json:"customer"`
	// ProbabilityAlive is the transaction model's P(alive).
	ProbabilityAlive float64 `json:"probability_alive"`
	// ExpectedGap is the customer's own expected time between purchases while active,
	// 1 / PurchaseRate, in model periods.
	ExpectedGap float64 `json:"expected_gap"`
	// SinceLast is the time since the last purchase, T − t_x, in model periods.
	SinceLast float64 `json:"since_last"`
	// Overdue is 1 − exp(−SinceLast/ExpectedGap): the probability that an active
	// customer with this purchase rate would have bought again by now. Near 1, the
	// silence is long for this customer.
	Overdue float64 `json:"overdue"`
	// OpenComplaints is what the ComplaintSource reported (0 without one).
	OpenComplaints int `json:"open_complaints"`
	// Score is the churn risk in [0, 1]:
	// 1 − (1 − (wₐ(1 − P(alive)) + wₒ·Overdue)) · (1 − step)^OpenComplaints.
	Score float64 `json:"score"`
}

// resolve validates the options and returns the normalised weights, the complaint step
// and the complaint source.
func (o *ChurnOptions) resolve() (wa, wo, step float64, src ComplaintSource, err error) {
	var r ChurnOptions
	if o != nil {
		r = *o
	}
	var p fieldProblems
	for _, f := range []struct {
		name string
		v    float64
	}{{"alive_weight", r.AliveWeight}, {"overdue_weight", r.OverdueWeight}} {
		if !finiteNum(f.v) || f.v < 0 {
			p.add(f.name, "range", "%v is not a non-negative finite weight", f.v)
		}
	}
	wa, wo = r.AliveWeight, r.OverdueWeight
	if wa == 0 && wo == 0 {
		wa, wo = 0.6, 0.4
	}
	step = r.ComplaintStep
	switch {
	case !finiteNum(step) || step < 0 || step > 1:
		p.add("complaint_step", "range", "%v is not between 0 and 1", step)
	case step == 0:
		step = 0.15
	}
	if err := p.err(); err != nil {
		return 0, 0, 0, nil, err
	}
	// Divided by the larger first, so that the sum of two large weights cannot overflow.
	larger := max(wa, wo)
	wa, wo = wa/larger, wo/larger
	sum := wa + wo
	return wa / sum, wo / sum, step, r.Complaints, nil
}

// ChurnScore scores one customer's churn risk from a fitted transaction model: the
// model's 1 − P(alive), combined with how overdue the customer is against their own
// expected time between purchases, raised by open complaints from the host. The score
// is in [0, 1]; it ranks customers for retention work, and is not itself a probability
// (1 − P(alive) is the model's probability).
func ChurnScore(ctx context.Context, m TransactionModel, s Summary, opts *ChurnOptions) (ChurnRisk, error) {
	wa, wo, step, src, err := opts.resolve()
	if err != nil {
		return ChurnRisk{Customer: s.Customer}, err
	}
	var p fieldProblems
	checkSummaryArgs(&p, oneSummary, &s, false)
	if err := p.err(); err != nil {
		return ChurnRisk{Customer: s.Customer}, err
	}
	return churnScore(ctx, m, s, wa, wo, step, src)
}

// ChurnScores scores every customer, in input order; the first customer that cannot be
// scored stops it with an error naming the customer's index. Customers with the same
// history (x, t_x, T) share one model evaluation.
func ChurnScores(ctx context.Context, m TransactionModel, summaries []Summary, opts *ChurnOptions) ([]ChurnRisk, error) {
	wa, wo, step, src, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, invalidArg("model", "required", "the transaction model is nil")
	}
	var p fieldProblems
	for i := range summaries {
		checkSummaryArgs(&p, summaryRef(i), &summaries[i], false)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	type key struct {
		x     int
		tx, T float64
	}
	type part struct{ alive, rate float64 }
	memo := make(map[key]part)
	out := make([]ChurnRisk, len(summaries))
	for i := range summaries {
		s := &summaries[i]
		k := key{s.Frequency, s.Recency, s.T}
		pt, ok := memo[k]
		if !ok {
			pt.alive, pt.rate, err = churnModelPart(m, *s)
			if err != nil {
				return nil, summaryErr(summaryRef(i), err)
			}
			memo[k] = pt
		}
		out[i], err = churnRisk(ctx, *s, pt.alive, pt.rate, wa, wo, step, src)
		if err != nil {
			return nil, fmt.Errorf("summaries[%d]: %w", i, err)
		}
	}
	return out, nil
}

// churnScore scores one customer with resolved options.
func churnScore(ctx context.Context, m TransactionModel, s Summary, wa, wo, step float64, src ComplaintSource) (ChurnRisk, error) {
	if m == nil {
		return ChurnRisk{Customer: s.Customer}, invalidArg("model", "required", "the transaction model is nil")
	}
	alive, rate, err := churnModelPart(m, s)
	if err != nil {
		return ChurnRisk{Customer: s.Customer}, summaryErr(oneSummary, err)
	}
	return churnRisk(ctx, s, alive, rate, wa, wo, step, src)
}

// churnModelPart returns the model's P(alive) and purchase rate for the history; a
// model (perhaps the host's own) that answers NaN, an infinity or a P(alive) outside
// [0, 1] is ErrNumerical.
func churnModelPart(m TransactionModel, s Summary) (alive, rate float64, err error) {
	alive, err = m.ProbabilityAlive(s.Frequency, s.Recency, s.T)
	if err != nil {
		return 0, 0, err
	}
	if !(alive >= 0 && alive <= 1) {
		return 0, 0, fmt.Errorf("P(alive) %v is not a probability: %w", alive, ErrNumerical)
	}
	rate, err = m.PurchaseRate(s.Frequency, s.Recency, s.T)
	if err == nil && !(rate >= 0 && !math.IsInf(rate, 0)) {
		err = fmt.Errorf("purchase rate %v is not a non-negative finite number: %w", rate, ErrNumerical)
	}
	return alive, rate, err
}

// churnRisk combines the model part with the customer's silence and complaints.
func churnRisk(ctx context.Context, s Summary, alive, rate, wa, wo, step float64, src ComplaintSource) (ChurnRisk, error) {
	r := ChurnRisk{Customer: s.Customer, ProbabilityAlive: alive, SinceLast: s.T - s.Recency}
	r.ExpectedGap = math.MaxFloat64 // no purchase expected (rate underflowed); finite for JSON
	if rate > 0 {
		r.ExpectedGap = 1 / rate
	}
	r.Overdue = -math.Expm1(-r.SinceLast * rate)
	score := wa*(1-alive) + wo*r.Overdue
	if src != nil {
		n, err := src.OpenComplaints(ctx, s.Customer)
		if err != nil {
			return ChurnRisk{Customer: s.Customer}, fmt.Errorf("open complaints of %s: %w", s.Customer, err)
		}
		r.OpenComplaints = max(n, 0)
		if r.OpenComplaints > 0 {
			score = 1 - (1-score)*math.Pow(1-step, float64(r.OpenComplaints))
		}
	}
	r.Score = min(max(score, 0), 1)
	return r, nil
}

// LostType classifies a lost customer by why they left, in one of six types (by the cause
// of the loss: 从客户流失原因角度，可以将流失客户分为下列6种不同的类型). It marshals as its
// key.
type LostType string

// The six lost-customer types.
const (
	// LostPushedDeliberately (有意推走的客户): the firm chose to let the customer go —
	// unprofitable, bad credit, fraud, broken terms.
	LostPushedDeliberately LostType = "deliberately_pushed_away"
	// LostPushedUnintentionally (无意推走的客户): driven off by the firm's own failures —
	// poor service or quality, unresolved complaints, billing or delivery errors.
	LostPushedUnintentionally LostType = "unintentionally_pushed_away"
	// LostPulledAway (被拉走的客户): won by a competitor's better product or service.
	LostPulledAway LostType = "pulled_away"
	// LostBoughtAway (被收买的客户): bought by a competitor's price cut, discount, gift or
	// other inducement.
	LostBoughtAway LostType = "bought_away"
	// LostLeftWithoutIntent (无意离去的客户): drifted off with no grievance — the need
	// ended, they forgot, circumstances changed.
	LostLeftWithoutIntent LostType = "left_without_intent"
	// LostMovedAway (迁移客户): relocated out of reach, or the business closed or moved.
	LostMovedAway LostType = "moved_away"
)

// LostTypes returns the six types in their conventional order, from the firm's own doing
// (pushed away) to the customer's circumstances (moved away).
func LostTypes() []LostType {
	return []LostType{LostPushedDeliberately, LostPushedUnintentionally, LostPulledAway, LostBoughtAway, LostLeftWithoutIntent, LostMovedAway}
}

// Valid reports whether t is one of the six types.
func (t LostType) Valid() bool { return t.Label() != "" }

// Label returns the type's Chinese name (有意推走的客户 …), or "" for an invalid type.
func (t LostType) Label() string {
	switch t {
	case LostPushedDeliberately:
		return "有意推走的客户"
	case LostPushedUnintentionally:
		return "无意推走的客户"
	case LostPulledAway:
		return "被拉走的客户"
	case LostBoughtAway:
		return "被收买的客户"
	case LostLeftWithoutIntent:
		return "无意离去的客户"
	case LostMovedAway:
		return "迁移客户"
	}
	return ""
}

// String returns the key.
func (t LostType) String() string { return string(t) }

// ParseLostType reads a type from its key (case and surrounding space ignored) or its
// Chinese label. It returns a *kehu.ValidationError on field "lost_type" otherwise.
func ParseLostType(s string) (LostType, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	if t := LostType(k); t.Valid() {
		return t, nil
	}
	for _, t := range LostTypes() {
		if strings.TrimSpace(s) == t.Label() {
			return t, nil
		}
	}
	return "", invalidArg("lost_type", "enum", fmt.Sprintf("%q is not a lost-customer type", clipRunes(s, 40)))
}

// MarshalText implements encoding.TextMarshaler; an invalid type is an error.
func (t LostType) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, invalidArg("lost_type", "enum", fmt.Sprintf("%q is not a lost-customer type", clipRunes(string(t), 40)))
	}
	return []byte(t), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseLostType.
func (t *LostType) UnmarshalText(b []byte) error {
	v, err := ParseLostType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// clipRunes shortens s to n runes for an error message.
func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// LostReasons maps reason codes (lower-case, as recorded by the host's win-back or
// complaint workflow) to lost-customer types. It is a plain map: hosts replace or extend
// the default table freely.
type LostReasons map[string]LostType

// DefaultLostReasons returns a fresh copy of the default reason-code table (a new map on
// every call, so changing it affects nobody else):
//
//	deliberately pushed away:   unprofitable, bad_debt, credit_risk, fraud, terms_violation, terminated_by_us
//	unintentionally pushed:     poor_service, product_quality, complaint_unresolved, billing_error,
//	                            delivery_problem, staff_attitude, long_wait
//	pulled away by competitors: competitor_product, competitor_service, better_alternative
//	bought away:                competitor_price, competitor_discount, competitor_incentive, price
//	left without intent:        no_longer_needed, need_changed, forgot, inactive, life_change
//	moved away:                 relocated, out_of_area, business_closed, business_moved
func DefaultLostReasons() LostReasons {
	t := LostReasons{}
	add := func(typ LostType, codes ...string) {
		for _, c := range codes {
			t[c] = typ
		}
	}
	add(LostPushedDeliberately, "unprofitable", "bad_debt", "credit_risk", "fraud", "terms_violation", "terminated_by_us")
	add(LostPushedUnintentionally, "poor_service", "product_quality", "complaint_unresolved", "billing_error", "delivery_problem", "staff_attitude", "long_wait")
	add(LostPulledAway, "competitor_product", "competitor_service", "better_alternative")
	add(LostBoughtAway, "competitor_price", "competitor_discount", "competitor_incentive", "price")
	add(LostLeftWithoutIntent, "no_longer_needed", "need_changed", "forgot", "inactive", "life_change")
	add(LostMovedAway, "relocated", "out_of_area", "business_closed", "business_moved")
	return t
}

// Validate reports every entry whose type is not one of the six, as a
// *kehu.ValidationError.
func (r LostReasons) Validate() error {
	var p fieldProblems
	for _, code := range slices.Sorted(maps.Keys(r)) {
		if !r[code].Valid() {
			p.add("reasons["+code+"]", "enum", "%q is not a lost-customer type", clipRunes(string(r[code]), 40))
		}
	}
	return p.err()
}

// Classify returns the type of the first reason code the table knows (codes are
// compared lower-cased and trimmed); ok is false when none is known, so the host can
// route the case to a person.
func (r LostReasons) Classify(codes ...string) (t LostType, ok bool) {
	for _, c := range codes {
		if t, ok := r[strings.ToLower(strings.TrimSpace(c))]; ok && t.Valid() {
			return t, true
		}
	}
	return "", false
}
