package loyalty

import (
	"strconv"
	"time"

	"github.com/kehu-crm/kehu"
)

// step is one explanation step as Preview records it: which base rate or rule, what became
// of it and the numbers its detail quotes. It holds no pointers, so an earning's steps are
// one allocation the garbage collector never scans; Earning.Explanation puts them into
// words.
type step struct {
	// points is what the step gave (Step.Points); total what the rule's awards came to
	// before caps (for a base rate, the same); used what usage reported for the binding
	// cap's period.
	points, total, used int64
	// index is the base rate's index in earnPlan.base or the rule's in earnPlan.rules;
	// stopper the exclusive rule that stopped this one (-1: none).
	index, stopper int32
	// lines counts the lines a base rate found eligible or a per-line rule matched (for a
	// per-order rule, the line count plus one).
	lines   int32
	outcome stepOutcome
	capBy   capKind
	base    bool
}

// stepOutcome is a StepOutcome as a small number.
type stepOutcome uint8

const (
	stepAwarded stepOutcome = iota
	stepCapped
	stepNoPoints
	stepNotMatched
	stepOutsideCampaign
	stepStopped
)

var stepOutcomes = [...]StepOutcome{
	stepAwarded:         OutcomeAwarded,
	stepCapped:          OutcomeCapped,
	stepNoPoints:        OutcomeNoPoints,
	stepNotMatched:      OutcomeNotMatched,
	stepOutsideCampaign: OutcomeOutsideCampaign,
	stepStopped:         OutcomeStopped,
}

// capKind names the cap that cut a rule's points.
type capKind uint8

const (
	capNone capKind = iota
	capOrder
	capDay
	capPeriod
)

// capLimit returns the most points the rule may give on this order (total when no cap
// binds), the cap that binds, and what usage reported for the cap's period.
func capLimit(plan *earnPlan, usage RuleUsage, r *compiledRule, day kehu.Date, total int64) (int64, capKind, int64) {
	limit, by, usedBy := total, capNone, int64(0)
	if c := r.Caps.PerOrder; c > 0 && c < limit {
		limit, by = c, capOrder
	}
	remaining := func(capN int64, period LimitPeriod) (int64, int64) {
		from, to := limitBounds(period, day, plan.loc, r.from, r.to)
		var used int64
		if usage != nil {
			used = max(usage.Awarded(r.ID, from, to), 0)
		}
		return max(capN-used, 0), used
	}
	if c := r.Caps.PerDay; c > 0 {
		if left, used := remaining(c, ""); left < limit {
			limit, by, usedBy = left, capDay, used
		}
	}
	if c := r.Caps.PerPeriod; c > 0 {
		if left, used := remaining(c, r.Caps.Period); left < limit {
			limit, by, usedBy = left, capPeriod, used
		}
	}
	return limit, by, usedBy
}

// outsideWindow reports whether at is outside the campaign window [from, to) (zero bounds
// are open).
func outsideWindow(at, from, to time.Time) bool {
	return (!from.IsZero() && at.Before(from)) || (!to.IsZero() && !at.Before(to))
}

// explain writes out e's steps. Their details are written back to back into one buffer
// and cut from one string, so an explanation of twenty steps costs one allocation for its
// text, not forty.
func (e *Earning) explain() []Step {
	out := make([]Step, len(e.steps))
	var buf [1024]byte
	text := buf[:0]
	ends := make([]int, len(e.steps))
	for i := range e.steps {
		out[i], text = e.render(&e.steps[i], text)
		ends[i] = len(text)
	}
	all, start := string(text), 0
	for i, end := range ends {
		out[i].Detail = all[start:end]
		start = end
	}
	return out
}

// render returns st as a Step without its Detail, and the detail appended to text.
func (e *Earning) render(st *step, text []byte) (Step, []byte) {
	plan, n := e.plan, int64(len(e.lines))
	num := func(v int64) { text = strconv.AppendInt(text, v, 10) }
	str := func(parts ...string) {
		for _, p := range parts {
			text = append(text, p...)
		}
	}
	out := Step{Outcome: stepOutcomes[st.outcome], Points: st.points}
	if st.base {
		rate := &plan.base[st.index]
		out.RuleID, out.Name, out.PointType, out.Matched = BaseRuleID, rate.name, rate.PointType, st.lines > 0
		switch st.outcome {
		case stepNotMatched:
			str("no eligible line of ")
			num(n)
		case stepNoPoints:
			num(int64(st.lines))
			str(" of ")
			num(n)
			str(" lines eligible, but too small to earn a point")
		default:
			num(st.total)
			str(" points on ")
			num(int64(st.lines))
			str(" of ")
			num(n)
			str(" lines, rounded ", rate.rounding, " per line")
		}
		return out, text
	}
	r := &plan.rules[st.index]
	out.RuleID, out.Name, out.PointType = r.ID, r.Name, r.Effect.PointType
	switch st.outcome {
	case stepStopped:
		by := &plan.rules[st.stopper]
		str("not considered: exclusive rule ", strconv.Quote(by.ID), " (priority ")
		num(int64(by.Priority))
		str(") matched first")
		return out, text
	case stepOutsideCampaign:
		const layout = "2006-01-02T15:04:05"
		loc := plan.loc
		if !r.from.IsZero() && e.at.Before(r.from) {
			str("outside the campaign: it starts ", r.from.In(loc).Format(layout))
		} else {
			str("outside the campaign: it ended ", r.to.In(loc).Format(layout))
		}
		str(" ", loc.String(), ", the order is at ", e.at.In(loc).Format(layout))
		return out, text
	case stepNotMatched:
		str("condition is false")
		if r.PerLine {
			str(" on every line")
		}
		return out, text
	}
	out.Matched = true
	str("matched")
	if r.PerLine {
		str(" ")
		num(int64(st.lines))
		str(" of ")
		num(n)
		str(" lines")
	}
	switch st.outcome {
	case stepNoPoints:
		str(", but there were no base points to multiply")
	case stepCapped:
		str(", capped from ")
		num(st.total)
		str(" to ")
		num(st.points)
		str(" by ")
		text = e.capText(r, st, text)
	default:
		str(": +")
		num(st.total)
		str(" points")
	}
	return out, text
}

// capText appends a description of the cap that cut st's rule: "the per-day cap of 500
// (400 already awarded on 2026-06-01)".
func (e *Earning) capText(r *compiledRule, st *step, text []byte) []byte {
	var c int64
	var period LimitPeriod
	switch st.capBy {
	case capOrder:
		text = append(text, "the per-order cap of "...)
		return strconv.AppendInt(text, r.Caps.PerOrder, 10)
	case capDay:
		c, period = r.Caps.PerDay, ""
		text = append(text, "the per-day cap of "...)
	default:
		c, period = r.Caps.PerPeriod, r.Caps.Period
		text = append(text, "the per-"...)
		text = append(text, period...)
		text = append(text, " cap of "...)
	}
	text = strconv.AppendInt(text, c, 10)
	text = append(text, " ("...)
	text = strconv.AppendInt(text, st.used, 10)
	text = append(text, " already awarded "...)
	text = append(text, limitLabel(period, e.day)...)
	return append(text, ')')
}
