package loyalty

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/checked"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/exprpolicy"
)

// Member is what the host knows of the buyer and earning rules read: birthday, tags,
// segments, custom attributes. The member's tier is not among them: it is what the ledger
// holds (see Standing), so a host cannot give a member a status the ledger did not.
type Member struct {
	CustomerID crm.CustomerID `json:"customer_id,omitzero"`
	// BirthDate decides member.birthday_month and member.birthday; zero if unknown.
	BirthDate kehu.Date `json:"birth_date,omitzero"`
	Tags      []string  `json:"tags,omitempty"`
	Segments  []string  `json:"segments,omitempty"`
	// JoinedAt decides member.days_since_joined; zero if unknown.
	JoinedAt time.Time `json:"joined_at,omitzero"`
	// Attributes are the host's custom attributes, readable in conditions as
	// member.attributes["key"].
	Attributes map[string]any `json:"attributes,omitempty"`
}

// RuleUsage reports the points a rule has already awarded to the member: the sum of the
// rule's awards in the period [from, to) — of orders placed in it, for Preview, and of
// events at instants in it, for EventAwards. Preview and EventAwards ask it for per-day and
// per-period caps and once-only event rules, with boundaries computed in the programme's
// time zone from the order's time (or the event's); the Service answers it from the
// member's counters of each rule and period. A nil RuleUsage means nothing has been
// awarded yet.
type RuleUsage interface {
	Awarded(ruleID string, from, to time.Time) int64
}

// Earning is what an order (or an event) earns: the awards (see Awards) and a rule-by-rule
// explanation (see Explanation).
//
// Preview records an earning compactly, as numbers that refer to the programme, and the
// methods write it out when asked; so earning points on an order costs neither the awards'
// strings nor the explanation's words unless someone reads them. An Earning is immutable
// and safe to share.
type Earning struct {
	plan  *earnPlan
	at    time.Time // the order's instant
	day   kehu.Date // its date in the programme's zone
	lines []string  // the order's line IDs
	// awards and steps are what Preview decided.
	awards []award
	steps  []step
	// given is an earning already written out: an event's, or one decoded from JSON.
	given *earningJSON
}

// award is an Award as Preview records it.
type award struct {
	points int64
	line   int32 // index in Earning.lines; -1 for the order as a whole
	rule   int16 // index in earnPlan.rules; -1 for base rates
	ptype  uint8 // index in earnPlan.types
}

// award's indexes (and Earning.groups' group numbers, int8) are sized by the programme's
// limits; these declarations fail to compile if the limits outgrow them.
var (
	_ [math.MaxInt16 - progMaxRules]struct{}
	_ [math.MaxInt8 - progMaxPointTypes]struct{}
)

// Awards returns the points to credit, in a deterministic order: base-rate awards by line,
// then each rule's awards in ascending priority. Each award is one (point type, line,
// rule); none is zero. The slice is new on every call.
func (e *Earning) Awards() []Award {
	switch {
	case e == nil:
		return nil
	case e.given != nil:
		return slices.Clone(e.given.Awards)
	}
	out := make([]Award, len(e.awards))
	for i, a := range e.awards {
		out[i] = Award{PointType: e.plan.types[a.ptype], Points: a.points, RuleID: BaseRuleID}
		if a.line >= 0 {
			out[i].LineID = e.lines[a.line]
		}
		if a.rule >= 0 {
			out[i].RuleID = e.plan.rules[a.rule].ID
		}
	}
	return out
}

// Total returns the points of the point type over all awards.
func (e *Earning) Total(pointType string) int64 {
	var n int64
	switch {
	case e == nil:
	case e.given != nil:
		for _, a := range e.given.Awards {
			if a.PointType == pointType {
				n += a.Points // EventAwards checked that the totals fit; decoded ones are as given
			}
		}
	default:
		for _, a := range e.awards {
			if e.plan.types[a.ptype] == pointType {
				n += a.points // Preview checked that the totals fit
			}
		}
	}
	return n
}

// Explanation returns one step per base rate and one per rule considered, in the order of
// Awards. The steps are new on every call. The earning of a repeated EarnOrder or
// EarnEvent, read from the first call's entries, has none (see EarnResult.Earning).
func (e *Earning) Explanation() []Step {
	switch {
	case e == nil:
		return nil
	case e.given != nil:
		return slices.Clone(e.given.Explanation)
	}
	return e.explain()
}

// earningJSON is an Earning's JSON form.
type earningJSON struct {
	Awards      []Award `json:"awards"`
	Explanation []Step  `json:"explanation"`
}

// MarshalJSON encodes the awards and the explanation, written out.
func (e Earning) MarshalJSON() ([]byte, error) {
	return json.Marshal(earningJSON{Awards: e.Awards(), Explanation: e.Explanation()})
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (e *Earning) UnmarshalJSON(b []byte) error {
	var w earningJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Earning{given: &w}
	return nil
}

// Award is points of one type that one rule gives for one order line (or for the whole
// order).
type Award struct {
	PointType string `json:"point_type"`
	// Points is 1 or more.
	Points int64 `json:"points"`
	// LineID is the order line that earned the points; "" for per-order bonuses and event
	// awards, and in the earning of a repeated order for a rule's points that its entries
	// do not place on one line (see EarnResult.Earning).
	LineID string `json:"line_id,omitempty"`
	// RuleID is the rule: BaseRuleID ("base") for base rates, otherwise a Rule or EventRule
	// ID.
	RuleID string `json:"rule_id"`
}

// StepOutcome is what became of a rule in an explanation.
type StepOutcome string

// Step outcomes.
const (
	// OutcomeAwarded: the rule matched and gave its points in full.
	OutcomeAwarded StepOutcome = "awarded"
	// OutcomeCapped: the rule matched but a cap cut its points (possibly to zero).
	OutcomeCapped StepOutcome = "capped"
	// OutcomeNoPoints: the rule matched but had nothing to give, e.g. a multiplier with no
	// base points to multiplyPoints.
	OutcomeNoPoints StepOutcome = "no_points"
	// OutcomeNotMatched: the condition was false (for a per-line rule, on every line; for a
	// base rate, no line was eligible).
	OutcomeNotMatched StepOutcome = "not_matched"
	// OutcomeOutsideCampaign: the order or event was outside the rule's From–To window.
	OutcomeOutsideCampaign StepOutcome = "outside_campaign"
	// OutcomeStopped: an exclusive rule of higher priority matched, so the rule was not
	// considered.
	OutcomeStopped StepOutcome = "stopped"
	// OutcomeOnceLimit: an event rule already awarded the member in its Once period.
	OutcomeOnceLimit StepOutcome = "once_limit"
)

// Step explains one rule's part in an earning.
type Step struct {
	// RuleID is the rule, or BaseRuleID for a base rate.
	RuleID string `json:"rule_id"`
	// Name is the rule's name, or a description of the base rate.
	Name      string `json:"name,omitempty"`
	PointType string `json:"point_type"`
	// Matched reports whether the rule's condition held (inside its campaign, not stopped).
	Matched bool        `json:"matched"`
	Outcome StepOutcome `json:"outcome"`
	// Points is what the rule gave, after caps.
	Points int64 `json:"points"`
	// Detail says why, for people: "condition is false", "capped from 300 to 100 by the
	// per-day cap of 500 (400 already awarded today)".
	Detail string `json:"detail"`
}

// String formats the step on one line, e.g. "birthday-double [points] awarded: +144 — matched: +144 points".
func (s Step) String() string {
	return fmt.Sprintf("%s [%s] %s: %+d — %s", s.RuleID, s.PointType, s.Outcome, s.Points, s.Detail)
}

// ready returns the compiled plan, or an error for a nil or zero programme.
func (p *Program) ready() (*earnPlan, error) {
	if !p.usable() {
		return nil, fmt.Errorf("loyalty: the programme is not compiled; build it with Compile or LoadProgram: %w", kehu.ErrInvalid)
	}
	return p.plan, nil
}

// earnFarFuture is the open end of "ever" and of campaigns without an end.
var earnFarFuture = time.Date(10000, time.January, 1, 0, 0, 0, 0, time.UTC)

// orderFacts is an order checked and read once for all rules. It lives in Preview's
// scratch, reused from order to order, and so do the sets behind the environment's
// functions, which are bound to them once (binding a method allocates).
type orderFacts struct {
	day     kehu.Date // the order's date in the programme's zone
	env     RuleEnv
	lines   []LineVars
	amounts []decimal.Decimal

	skus, cats                             earnSet
	tags, segments                         foldSet
	hasSKU, hasCategory, hasTag, inSegment func(string) bool
}

// Preview computes what an order earns under the programme, without writing anything: the
// awards per point type, line and rule, and an explanation of every base rate and rule.
// It is a pure function of its inputs; time comes from o.At, standing is what the ledger holds
// for the member (the tier that member.tier and tier multipliers read; see Standing), and
// usage (nil for none) tells it what capped rules already gave the member.
//
// Base rates come first, per line (see BaseRate). Then rules in ascending Priority: a rule
// outside its campaign window, or whose condition is false, gives nothing; a matching
// Exclusive rule stops every later rule; each rule's points are cut to the tightest of its
// caps — PerOrder, PerDay less what usage reports for the order's day, PerPeriod less
// what usage reports for the period — by keeping its awards in order (line awards in line
// order, then the per-order bonus) until the cap is used up.
//
// The order must be in the programme's currency, with unique line IDs of 1 to 200 bytes
// of UTF-8 text without control characters (the ledger keeps them with the lines' lots,
// and refunds name them byte for byte), quantities of 1 or more and amounts of 0 or
// more; otherwise Preview returns a *kehu.ValidationError naming every bad field
// ("order.lines[2].quantity"); so is a standing whose tier is not a level of the
// programme ("standing.tier"). A condition that fails at run time returns a *RuleError.
// Preview has no clock: it earns an order of any time, where Service.EarnOrder refuses one
// placed outside the programme's window (EarningRules.LateDays).
func (p *Program) Preview(o kehu.Order, m Member, standing Standing, usage RuleUsage) (*Earning, error) {
	plan, err := p.ready()
	if err != nil {
		return nil, err
	}
	// The working memory comes from the programme's pool and goes back to it; only what
	// the earning returns is allocated, at its exact size.
	sc, _ := plan.scratch.Get().(*previewScratch)
	if sc == nil {
		sc = &previewScratch{}
	}
	defer plan.scratch.Put(sc)
	f := &sc.facts
	if err := plan.orderFacts(f, o, m, standing); err != nil {
		return nil, err
	}
	n := len(f.lines)
	awards, steps := sc.awards[:0], sc.steps[:0]
	defer func() { sc.awards, sc.steps = awards, steps }()

	// Base points, per point type (by index in plan.types) and line.
	base := sc.base[:0]
	for range plan.types {
		base = append(base, nil)
	}
	sc.base = base
	sc.pts = slices.Grow(sc.pts[:0], n*len(plan.types))[:n*len(plan.types)]
	clear(sc.pts)
	for ri := range plan.base {
		rate := &plan.base[ri]
		pts := base[rate.typeIndex]
		if pts == nil {
			t := rate.typeIndex
			pts = sc.pts[t*n : (t+1)*n : (t+1)*n]
			base[t] = pts
		}
		var sum int64
		eligible := 0
		for i, l := range f.lines {
			if !rate.Eligible(l.Category, l.SKU) {
				continue
			}
			eligible++
			v, ok := rate.points(f.amounts[i])
			if ok {
				pts[i], ok = checked.Add(pts[i], v)
			}
			if ok {
				sum, ok = checked.Add(sum, v)
			}
			if !ok {
				return nil, kehu.Invalid(fmt.Sprintf("order.lines[%d].amount", i), "range", "earns more points than fit in an int64")
			}
		}
		st := step{base: true, index: int32(ri), lines: int32(eligible), points: sum, total: sum}
		switch {
		case eligible == 0:
			st.outcome = stepNotMatched
		case sum == 0:
			st.outcome = stepNoPoints
		default:
			st.outcome = stepAwarded
		}
		steps = append(steps, st)
	}
	for i := range f.lines {
		for t, pts := range base {
			if pts != nil && pts[i] > 0 {
				awards = append(awards, award{points: pts[i], line: int32(i), rule: -1, ptype: uint8(t)})
			}
		}
	}

	// Rules, in ascending priority.
	var (
		machine   = &sc.machine
		stoppedBy = int32(-1)
		lineEnv   *LineRuleEnv // set up for the first per-line rule
		raw       = sc.raw[:0] // one rule's awards before caps
	)
	defer func() { sc.raw = raw }()
	// Each distinct condition's result for this order (or line).
	conds := slices.Grow(sc.conds[:0], plan.orderConds+plan.lineConds*n)[:plan.orderConds+plan.lineConds*n]
	clear(conds)
	sc.conds = conds
	for ri := range plan.rules {
		r := &plan.rules[ri]
		st := step{index: int32(ri), stopper: stoppedBy}
		if stoppedBy >= 0 {
			st.outcome = stepStopped
			steps = append(steps, st)
			continue
		}
		if outsideWindow(o.At, r.from, r.to) {
			st.outcome = stepOutsideCampaign
			steps = append(steps, st)
			continue
		}

		raw = raw[:0]
		pts := base[r.typeIndex] // nil: no base points of the type
		// The extra multiple of the base points the rule adds: its own (Effect.Extra) and,
		// for a tier rule, the extra of the member's level (its multiplier − 1).
		num := r.extraNum
		if r.Effect.TierMultiplier {
			num += plan.tierExtra[standing.Tier]
		}
		multiplied := func(i int) (int64, bool) {
			if pts == nil || num == 0 {
				return 0, true
			}
			return multiplyBy(pts[i], num)
		}
		overflow := func(i int) error {
			return kehu.Invalid(fmt.Sprintf("order.lines[%d].amount", i), "range", fmt.Sprintf("earns more points under rule %q than fit in an int64", r.ID))
		}
		matchedLines := 0
		if r.PerLine {
			if lineEnv == nil {
				lineEnv = &sc.lineEnv
				lineEnv.RuleEnv = f.env
			}
			for i, l := range f.lines {
				lineEnv.Line = f.lines[i]
				ok, err := evalCondition(machine, r, conds, plan.orderConds+r.cond*n+i, lineEnv)
				if err != nil {
					return nil, &RuleError{RuleID: r.ID, LineID: l.ID, Err: err}
				}
				if !ok {
					continue
				}
				matchedLines++
				v, ok := multiplied(i)
				if ok {
					v, ok = checked.Add(v, r.Effect.Bonus)
				}
				if !ok {
					return nil, overflow(i)
				}
				if v > 0 {
					raw = append(raw, award{points: v, line: int32(i), rule: int16(ri), ptype: uint8(r.typeIndex)})
				}
			}
		} else {
			ok, err := evalCondition(machine, r, conds, r.cond, &f.env)
			if err != nil {
				return nil, &RuleError{RuleID: r.ID, Err: err}
			}
			if ok {
				matchedLines = n + 1 // the order as a whole
				for i := range f.lines {
					v, ok := multiplied(i)
					if !ok {
						return nil, overflow(i)
					}
					if v > 0 {
						raw = append(raw, award{points: v, line: int32(i), rule: int16(ri), ptype: uint8(r.typeIndex)})
					}
				}
				if r.Effect.Bonus > 0 {
					raw = append(raw, award{points: r.Effect.Bonus, line: -1, rule: int16(ri), ptype: uint8(r.typeIndex)})
				}
			}
		}
		if matchedLines == 0 {
			st.outcome = stepNotMatched
			steps = append(steps, st)
			continue
		}
		st.lines = int32(matchedLines)
		if r.Exclusive {
			stoppedBy = int32(ri)
		}
		var total int64
		for _, a := range raw {
			var ok bool
			if total, ok = checked.Add(total, a.points); !ok {
				return nil, kehu.Invalid("order", "range", fmt.Sprintf("earns more points under rule %q than fit in an int64", r.ID))
			}
		}
		st.total = total
		if total == 0 {
			st.outcome = stepNoPoints
			steps = append(steps, st)
			continue
		}
		limit := total
		if r.Caps != (Caps{}) {
			limit, st.capBy, st.used = capLimit(plan, usage, r, f.day, total)
		}
		if limit < total {
			raw = trimAwards(raw, limit)
			st.outcome, st.points = stepCapped, limit
		} else {
			st.outcome, st.points = stepAwarded, total
		}
		awards = append(awards, raw...)
		steps = append(steps, st)
	}

	// The points of each type must fit in an int64 too.
	var totals [progMaxPointTypes]int64
	for _, a := range awards {
		var ok bool
		if totals[a.ptype], ok = checked.Add(totals[a.ptype], a.points); !ok {
			return nil, kehu.Invalid("order", "range", fmt.Sprintf("earns more %s points than fit in an int64", plan.types[a.ptype]))
		}
	}
	lines := make([]string, n)
	for i := range f.lines {
		lines[i] = f.lines[i].ID
	}
	return &Earning{plan: plan, at: o.At, day: f.day, lines: lines, awards: slices.Clone(awards), steps: slices.Clone(steps)}, nil
}

// previewScratch is the working memory of one Preview, kept in the programme's pool
// (earnPlan.scratch) so that a busy programme reuses it instead of allocating it per order.
type previewScratch struct {
	facts   orderFacts
	lineEnv LineRuleEnv
	machine vm.VM
	awards  []award
	raw     []award
	steps   []step
	base    [][]int64
	pts     []int64
	conds   []condResult
}

// condResult is what one evaluation of a condition gave, remembered for the order.
type condResult uint8

const (
	condUnknown condResult = iota
	condFalse
	condTrue
)

// evalCondition evaluates r's condition on env, remembering the result in conds[slot] for
// the other rules that share the condition (see compiledRule.cond). A rule without a
// condition always matches.
func evalCondition(machine *vm.VM, r *compiledRule, conds []condResult, slot int, env any) (bool, error) {
	if r.when == nil {
		return true, nil
	}
	if c := conds[slot]; c != condUnknown {
		return c == condTrue, nil
	}
	ok, err := exprpolicy.Run(machine, r.when, env)
	if err != nil {
		return false, err
	}
	conds[slot] = condFalse
	if ok {
		conds[slot] = condTrue
	}
	return ok, nil
}

// EventAwards computes what a member event earns at the instant at, without writing
// anything; standing is what the ledger holds for the member at that instant (see Standing).
// Every event rule for the event is considered in programme order: its condition
// must hold, and a rule with Once gives nothing if usage (nil for none) reports an award
// of the rule in the same calendar month or year (in the programme's time zone), or ever.
// An event no rule rewards gives no awards and no steps. The awards have no LineID.
//
// An unknown event, a zero time or a standing whose tier is not a level of the programme
// is a *kehu.ValidationError; a condition that fails at run time is a *RuleError.
func (p *Program) EventAwards(event MemberEvent, at time.Time, m Member, standing Standing, usage RuleUsage) ([]Award, []Step, error) {
	plan, err := p.ready()
	if err != nil {
		return nil, nil, err
	}
	var pr kehu.Problems
	if !event.Valid() {
		pr.Addf("event", "enum", "%s is not a member event", clip.Quote(string(event)))
	}
	local := at.In(plan.loc)
	day := kehu.DateOf(local)
	checkEarnInstant(&pr, "at", at, day)
	plan.checkEarnMember(&pr, m, standing)
	if err := pr.Err(); err != nil {
		return nil, nil, err
	}
	env := &EventEnv{Event: string(event), Member: memberVars(m, standing, day, plan.loc), Date: dateVars(local, day)}
	env.HasTag, env.InSegment = foldContains(m.Tags), foldContains(m.Segments)

	var (
		awards  []Award
		steps   []Step
		machine vm.VM
	)
	for i := range plan.events {
		r := &plan.events[i]
		if r.Event != event {
			continue
		}
		step := Step{RuleID: r.ID, Name: r.Name, PointType: r.PointType}
		ok, err := exprpolicy.Run(&machine, r.when, env)
		if err != nil {
			return nil, nil, &RuleError{RuleID: r.ID, Err: err}
		}
		if !ok {
			step.Outcome, step.Detail = OutcomeNotMatched, "condition is false"
			steps = append(steps, step)
			continue
		}
		step.Matched = true
		if r.Once != "" && usage != nil {
			from, to := limitBounds(r.Once, day, plan.loc, time.Time{}, time.Time{})
			if used := usage.Awarded(r.ID, from, to); used > 0 {
				step.Outcome = OutcomeOnceLimit
				step.Detail = fmt.Sprintf("already awarded %s: once %s", limitLabel(r.Once, day), map[LimitPeriod]string{
					LimitEver: "ever", LimitYear: "a year", LimitMonth: "a month"}[r.Once])
				steps = append(steps, step)
				continue
			}
		}
		awards = append(awards, Award{PointType: r.PointType, Points: r.Points, RuleID: r.ID})
		step.Outcome, step.Points = OutcomeAwarded, r.Points
		step.Detail = fmt.Sprintf("%s: %+d points", event, r.Points)
		steps = append(steps, step)
	}
	if err := checkAwardTotals(awards); err != nil {
		return nil, nil, err
	}
	return awards, steps, nil
}

// limitBounds returns the instants [from, to) of the period containing day, in loc:
// "" is the day itself, LimitMonth and LimitYear the calendar month and year, LimitEver
// all time, and LimitCampaign the window [campFrom, campTo) (zero bounds are open).
func limitBounds(period LimitPeriod, day kehu.Date, loc *time.Location, campFrom, campTo time.Time) (time.Time, time.Time) {
	switch period {
	case LimitMonth:
		first := kehu.Date{Year: day.Year, Month: day.Month, Day: 1}
		next := kehu.Date{Year: day.Year, Month: day.Month + 1, Day: 1}
		if day.Month == time.December {
			next = kehu.Date{Year: day.Year + 1, Month: time.January, Day: 1}
		}
		return first.In(loc), next.In(loc)
	case LimitYear:
		first := kehu.Date{Year: day.Year, Month: time.January, Day: 1}
		next := kehu.Date{Year: day.Year + 1, Month: time.January, Day: 1}
		return first.In(loc), next.In(loc)
	case LimitEver:
		return time.Time{}, earnFarFuture
	case LimitCampaign:
		if campTo.IsZero() {
			campTo = earnFarFuture
		}
		return campFrom, campTo
	}
	return day.In(loc), day.AddDays(1).In(loc)
}

// limitLabel names the period of limitBounds for people: "on 2026-06-01", "in 2026-06",
// "in 2026", "before", "in this campaign".
func limitLabel(period LimitPeriod, day kehu.Date) string {
	switch period {
	case LimitMonth:
		return "in " + day.String()[:7]
	case LimitYear:
		return "in " + strconv.Itoa(day.Year)
	case LimitEver:
		return "before"
	case LimitCampaign:
		return "in this campaign"
	}
	return "on " + day.String()
}

// trimAwards keeps awards in order until limit points are given, cutting the award that
// crosses the limit and dropping the rest.
func trimAwards(awards []award, limit int64) []award {
	out := awards[:0]
	for _, a := range awards {
		if limit <= 0 {
			break
		}
		a.points = min(a.points, limit)
		limit -= a.points
		out = append(out, a)
	}
	return out
}

// points returns round(amount × Points ÷ Per) with the rate's rounding, exactly, for an
// amount of 0 or more. Amounts and rates whose coefficients fit in 64 bits (all real ones)
// take an integer path: a 128-bit product, a 64-bit quotient and remainder, and a rounding
// decision looked up from the table that kehu.RoundDecimal filled when the rate was
// compiled. Anything larger takes the decimal path. Both are exact; neither rounds
// anything before the final rounding.
func (b *compiledBase) points(amount decimal.Decimal) (int64, bool) {
	if q, ok, fast := b.pointsFast(amount); fast {
		return q, ok
	}
	return b.pointsDecimal(amount)
}

// pointsFast is points on 64-bit integers; fast is false when the operands do not fit.
func (b *compiledBase) pointsFast(amount decimal.Decimal) (q int64, ok, fast bool) {
	if b.perCoef == 0 || amount.NumDigits() > 18 {
		return 0, false, false
	}
	a := amount.CoefficientInt64()
	if a == 0 {
		return 0, true, true
	}
	if a < 0 {
		return 0, false, false
	}
	// amount × Points ÷ Per = a × Points × 10^k ÷ perCoef, k = exp(amount) − exp(Per).
	hi, lo := bits.Mul64(uint64(a), uint64(b.Points))
	den := b.perCoef
	switch k := int64(amount.Exponent()) - int64(b.perExp); {
	case k > 0:
		p, ok := checked.Pow10Uint64(int(k))
		if !ok {
			return 0, false, false
		}
		h1, l1 := bits.Mul64(lo, p)
		h2, l2 := bits.Mul64(hi, p)
		var carry uint64
		hi, carry = bits.Add64(h1, l2, 0)
		if h2 != 0 || carry != 0 {
			return 0, false, false
		}
		lo = l1
	case k < 0:
		p, ok := checked.Pow10Uint64(int(-k))
		if !ok {
			return 0, false, false
		}
		var dhi uint64
		dhi, den = bits.Mul64(den, p)
		if dhi != 0 {
			return 0, false, false
		}
	}
	if hi >= den {
		return 0, false, false // the quotient needs more than 64 bits
	}
	uq, r := bits.Div64(hi, lo, den)
	if r != 0 {
		half := 0 // the fraction r/den against one half: 0 below, 1 at, 2 above
		switch {
		case r > den-r:
			half = 2
		case r == den-r:
			half = 1
		}
		if b.roundUp[uq&1][half] {
			uq++
		}
	}
	if uq > math.MaxInt64 {
		return 0, false, true
	}
	return int64(uq), true, true
}

// pointsDecimal is points in decimal arithmetic: the integer quotient comes from QuoRem,
// and the remainder decides the rounding by standing in a fraction (¼, ½ or ¾) that is
// below, at or above one half exactly when the true fraction is, so kehu.RoundDecimal
// rounds it as it would the exact quotient.
func (b *compiledBase) pointsDecimal(amount decimal.Decimal) (int64, bool) {
	n := amount.Mul(decimal.NewFromInt(b.Points))
	q, r := n.QuoRem(b.Per, 0) // n = Per×q + r, 0 ≤ r < Per (n ≥ 0, Per > 0)
	if r.Sign() != 0 {
		q = kehu.RoundDecimal(q.Add(halfStandIn[r.Add(r).Cmp(b.Per)+1]), 0, b.RoundingMode())
	}
	return decimalPoints(q)
}

// halfStandIn[c+1] is a fraction below (c = -1), at (0) or above (1) one half.
var halfStandIn = [3]decimal.Decimal{decimal.New(25, -2), decimal.New(5, -1), decimal.New(75, -2)}

// roundingTable asks kehu.RoundDecimal, for a positive quotient q of each parity plus a
// fraction below, at or above one half, whether mode rounds it up to q+1.
func roundingTable(mode kehu.RoundingMode) (t [2][3]bool) {
	for parity := range 2 {
		q := decimal.NewFromInt(int64(2 + parity))
		for half := range 3 {
			t[parity][half] = kehu.RoundDecimal(q.Add(halfStandIn[half]), 0, mode).GreaterThan(q)
		}
	}
	return t
}

// itoa formats an integer for an explanation.
func itoa[T int | int64](n T) string { return strconv.FormatInt(int64(n), 10) }

// decimalPoints converts an integral decimal to int64, reporting whether it fits.
func decimalPoints(d decimal.Decimal) (int64, bool) {
	v := d.BigInt()
	if !v.IsInt64() {
		return 0, false
	}
	return v.Int64(), true
}

// checkAwardTotals reports totals per point type that overflow int64.
func checkAwardTotals(awards []Award) error {
	type total struct {
		pointType string
		points    int64
	}
	var buf [4]total
	totals := buf[:0] // few point types: a list beats a map
	for _, a := range awards {
		i := len(totals) - 1
		for i >= 0 && totals[i].pointType != a.PointType {
			i--
		}
		if i < 0 {
			totals = append(totals, total{pointType: a.PointType})
			i = len(totals) - 1
		}
		var ok bool
		if totals[i].points, ok = checked.Add(totals[i].points, a.Points); !ok {
			return kehu.Invalid("order", "range", fmt.Sprintf("earns more %s points than fit in an int64", a.PointType))
		}
	}
	return nil
}

// maxLineID bounds an order line's ID, which the ledger keeps with the line's lots and
// refunds name, as it bounds a host entry's source.line.
const maxLineID = 200

// orderFacts checks the order and the member and reads what the conditions see.
func (plan *earnPlan) orderFacts(f *orderFacts, o kehu.Order, m Member, st Standing) error {
	var pr kehu.Problems
	local := o.At.In(plan.loc)
	day := kehu.DateOf(local)
	checkEarnInstant(&pr, "order.at", o.At, day)
	if o.Currency == "" {
		pr.Add("order.currency", "required", "is empty")
	} else if c, err := kehu.ParseCurrency(o.Currency); err != nil {
		pr.Merge("order", err)
	} else if c != plan.currency {
		pr.Addf("order.currency", "currency_mismatch", "is %s; the programme's currency is %s", c, plan.currency)
	}
	if !o.CustomerID.IsZero() && !m.CustomerID.IsZero() && o.CustomerID != m.CustomerID {
		pr.Add("member.customer_id", "mismatch", "is not the order's customer")
	}
	plan.checkEarnMember(&pr, m, st)

	f.day = day
	f.lines = slices.Grow(f.lines[:0], len(o.Lines))[:len(o.Lines)]
	f.amounts = slices.Grow(f.amounts[:0], len(o.Lines))[:len(o.Lines)]
	minor := plan.currency.MinorUnits()
	var (
		total    decimalSum
		qty      int64
		seen     map[string]int // line IDs, for long orders; short ones are searched
		dupLines = len(o.Lines) > 16
	)
	if f.hasSKU == nil {
		f.hasSKU, f.hasCategory, f.hasTag, f.inSegment = f.skus.has, f.cats.has, f.tags.has, f.segments.has
	}
	skus, cats := &f.skus, &f.cats
	skus.reset()
	cats.reset()
	f.tags.list, f.segments.list = m.Tags, m.Segments
	if dupLines {
		seen = make(map[string]int, len(o.Lines))
	}
	for i, l := range o.Lines {
		field := func(name string) string { return "order.lines[" + itoa(i) + "]." + name }
		switch {
		case l.ID == "":
			pr.Add(field("id"), "required", "is empty")
		case len(l.ID) > maxLineID:
			pr.Addf(field("id"), "max_length", "is longer than %d bytes", maxLineID)
		case kehu.CheckName("", l.ID) != nil:
			pr.Merge("", kehu.CheckName(field("id"), l.ID)) // on its field
		case dupLines:
			if j, dup := seen[l.ID]; dup {
				pr.Addf(field("id"), "unique", "%s is also the ID of order.lines[%d]", clip.Quote(l.ID), j)
			} else {
				seen[l.ID] = i
			}
		default:
			if j := slices.IndexFunc(o.Lines[:i], func(x kehu.OrderLine) bool { return x.ID == l.ID }); j >= 0 {
				pr.Addf(field("id"), "unique", "%s is also the ID of order.lines[%d]", clip.Quote(l.ID), j)
			}
		}
		if l.Quantity < 1 {
			pr.Addf(field("quantity"), "range", "%d is less than 1", l.Quantity)
		}
		amount := l.Amount.Amount()
		switch {
		case l.Amount.Currency() == "":
			pr.Add(field("amount"), "required", "is not set")
		case l.Amount.Currency() != plan.currency:
			pr.Addf(field("amount"), "currency_mismatch", "is in %s; the programme's currency is %s", l.Amount.Currency(), plan.currency)
		case amount.Sign() < 0:
			pr.Add(field("amount"), "range", "is negative")
		}
		total.add(amount)
		if q, ok := checked.Add(qty, max(l.Quantity, 0)); ok {
			qty = q
		} else {
			qty = math.MaxInt64
		}
		f.amounts[i] = amount
		f.lines[i] = LineVars{ID: l.ID, SKU: l.SKU, Category: l.Category, Quantity: l.Quantity,
			Amount: nearestFloat(amount), AmountMinor: minorUnitsOf(amount, minor)}
		skus.add(l.SKU)
		cats.add(l.Category)
	}
	if err := pr.Err(); err != nil {
		return err
	}
	sum := total.value()
	f.env = RuleEnv{
		Order: OrderVars{ID: o.ID, Channel: o.Channel, Store: o.Store, Currency: string(plan.currency),
			Total: nearestFloat(sum), TotalMinor: minorUnitsOf(sum, minor), Quantity: qty,
			Lines: len(o.Lines), SKUs: skus.list, Categories: cats.list},
		Member:      memberVars(m, st, day, plan.loc),
		Date:        dateVars(local, day),
		HasTag:      f.hasTag,
		InSegment:   f.inSegment,
		HasSKU:      f.hasSKU,
		HasCategory: f.hasCategory,
	}
	return nil
}

// decimalSum adds decimals exactly. Amounts of one order share an exponent (the currency's
// places) and fit in 64 bits, so it adds their coefficients as integers and turns to
// decimal arithmetic only when they do not.
type decimalSum struct {
	coef  int64
	exp   int32
	n     int
	exact decimal.Decimal // used once the integer path is left
	slow  bool
}

func (s *decimalSum) add(d decimal.Decimal) {
	if !s.slow && d.NumDigits() <= 18 {
		c, e := d.CoefficientInt64(), d.Exponent()
		if s.n == 0 {
			s.coef, s.exp, s.n = c, e, 1
			return
		}
		if e == s.exp {
			if sum, ok := checked.Add(s.coef, c); ok {
				s.coef, s.n = sum, s.n+1
				return
			}
		}
	}
	if !s.slow {
		s.exact, s.slow = s.value(), true
	}
	s.exact = s.exact.Add(d)
}

func (s *decimalSum) value() decimal.Decimal {
	switch {
	case s.slow:
		return s.exact
	case s.n == 0:
		return decimal.Zero
	}
	return decimal.New(s.coef, s.exp)
}

// checkEarnInstant checks that t is set and that its date in the programme's zone is a real
// date (years 1 to 9999).
func checkEarnInstant(pr *kehu.Problems, field string, t time.Time, day kehu.Date) {
	switch {
	case t.IsZero():
		pr.Add(field, "required", "is not set")
	case !day.IsValid():
		pr.Add(field, "range", "is not between the years 1 and 9999")
	}
}

func (plan *earnPlan) checkEarnMember(pr *kehu.Problems, m Member, st Standing) {
	if !m.BirthDate.IsZero() && !m.BirthDate.IsValid() {
		pr.Addf("member.birth_date", "range", "%s does not exist", m.BirthDate)
	}
	if _, ok := plan.tierExtra[st.Tier]; st.Tier != "" && !ok {
		pr.Addf("standing.tier", "unknown_tier", "%s is not a level of the programme", clip.Quote(st.Tier))
	}
}

func memberVars(m Member, st Standing, day kehu.Date, loc *time.Location) MemberVars {
	v := MemberVars{ID: m.CustomerID.String(), Tier: st.Tier, Tags: m.Tags, Segments: m.Segments,
		Attributes: m.Attributes, DaysSinceJoined: -1}
	if !m.BirthDate.IsZero() {
		v.BirthdayMonth = m.BirthDate.Month == day.Month
		v.Birthday = m.BirthDate.AnniversaryIn(day.Year) == day
	}
	if !m.JoinedAt.IsZero() {
		if joined := kehu.DateOf(m.JoinedAt.In(loc)); joined.IsValid() {
			v.DaysSinceJoined = day.DaysSince(joined)
		}
	}
	return v
}

func dateVars(local time.Time, day kehu.Date) DateVars {
	wd := int(day.Weekday())
	if wd == 0 {
		wd = 7
	}
	return DateVars{Year: day.Year, Month: int(day.Month), Day: day.Day, Weekday: wd, Weekend: wd >= 6,
		Hour: local.Hour(), Minute: local.Minute(), Date: day.String()}
}

// foldSet is a list searched ignoring case.
type foldSet struct{ list []string }

func (f *foldSet) has(s string) bool {
	for _, x := range f.list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// foldContains returns a function reporting whether list holds s, ignoring case.
func foldContains(list []string) func(string) bool { return (&foldSet{list: list}).has }

// minorUnits returns d in minor units of a currency with the given decimal places,
// truncated toward zero and capped at the int64 range.
func minorUnitsOf(d decimal.Decimal, places int) int64 {
	if d.NumDigits() <= 18 { // the coefficient is an int64
		c := d.CoefficientInt64()
		switch shift := int64(d.Exponent()) + int64(places); {
		case shift == 0:
			return c
		case shift < 0:
			if p, ok := checked.Pow10(int(-shift)); ok {
				return c / p // truncates toward zero
			}
		default:
			if v, ok := checked.Scale(c, int(shift)); ok {
				return v
			}
		}
	}
	v := kehu.RoundDecimal(d, int32(places), kehu.Down).Shift(int32(places)).BigInt()
	switch {
	case v.IsInt64():
		return v.Int64()
	case v.Sign() < 0:
		return math.MinInt64
	}
	return math.MaxInt64
}

// nearestFloat returns the float64 nearest to d. A coefficient below 2^53 and a power of ten up
// to 10^22 are both exact in float64, so one division or multiplication rounds once,
// correctly (Clinger's fast path); other values go through decimal.
func nearestFloat(d decimal.Decimal) float64 {
	if d.NumDigits() <= 15 {
		c := float64(d.CoefficientInt64())
		switch e := int(d.Exponent()); {
		case e <= 0:
			if p, ok := checked.Pow10Float64(-e); ok {
				return c / p
			}
		default:
			if p, ok := checked.Pow10Float64(e); ok {
				return c * p
			}
		}
	}
	return d.InexactFloat64()
}

// earnSet is a set of non-empty strings in insertion order; long sets get an index.
type earnSet struct {
	list  []string
	index map[string]bool
}

func (s *earnSet) add(v string) {
	if v == "" || s.has(v) {
		return
	}
	s.list = append(s.list, v)
	switch {
	case s.index != nil:
		s.index[v] = true
	case len(s.list) > 32:
		s.index = make(map[string]bool, 2*len(s.list))
		for _, x := range s.list {
			s.index[x] = true
		}
	}
}

// reset empties the set, keeping the list's room.
func (s *earnSet) reset() { s.list, s.index = s.list[:0], nil }

func (s *earnSet) has(v string) bool {
	if s.index != nil {
		return s.index[v]
	}
	return slices.Contains(s.list, v)
}
