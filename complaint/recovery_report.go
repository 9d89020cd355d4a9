package complaint

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/checked"
	"github.com/shopspring/decimal"
)

// Tolerance is how far the compensation of comparable cases may differ before
// CheckConsistency reports them. A group is reported when the spread of its amounts (the
// largest less the smallest) is more than both Ratio × the largest amount and the absolute
// tolerance of its currency (Money) or of points (Points). The zero Tolerance reports any
// difference.
type Tolerance struct {
	// Ratio is a share of the group's largest amount, from 0 to 1: 0.25 lets 75 and 100
	// pass.
	Ratio decimal.Decimal `json:"ratio"`
	// Money holds at most one absolute tolerance per currency.
	Money  []kehu.Money `json:"money,omitempty"`
	Points int64        `json:"points,omitempty"`
}

// Group is a set of comparable cases: one cause, one severity, one customer value band.
type Group struct {
	Category string    `json:"category"`
	Severity Severity  `json:"severity"`
	Value    ValueBand `json:"value"`
}

// Inconsistency is a group of comparable cases whose granted compensation in one currency,
// or in points, differs beyond the tolerance.
type Inconsistency struct {
	Group Group `json:"group"`
	// Currency is the currency compared; "" when points are compared.
	Currency kehu.Currency `json:"currency,omitempty"`
	// Spread is the largest amount less the smallest (in Currency, or in points in
	// SpreadPoints).
	Spread       kehu.Money `json:"spread,omitzero"`
	SpreadPoints int64      `json:"spread_points,omitempty"`
	// Cases are the compared cases and what each was granted, least first.
	Cases []Compensated `json:"cases"`
}

// Compensated is what one case was granted in the currency, or the points, compared.
type Compensated struct {
	Case   CaseID     `json:"case"`
	Money  kehu.Money `json:"money,omitzero"`
	Points int64      `json:"points,omitempty"`
}

// granted sums what a case was granted (status granted only): money per currency, and
// points.
func granted(c *Case) (map[kehu.Currency]decimal.Decimal, int64, bool) {
	money := map[kehu.Currency]decimal.Decimal{}
	var points int64
	if c.Recovery == nil {
		return money, 0, true
	}
	for _, g := range c.Recovery.Grants {
		if g.Status != GrantGranted {
			continue
		}
		if g.Type == CompensationPoints {
			var ok bool
			if points, ok = checked.Add(points, g.Points); !ok {
				return nil, 0, false
			}
			continue
		}
		money[g.Money.Currency()] = money[g.Money.Currency()].Add(g.Money.Amount())
	}
	return money, points, true
}

// pointsUnit marks points among the currencies of a group.
const pointsUnit kehu.Currency = "points"

// CheckConsistency groups cases that are comparable — same category, severity and value
// band (Case.Triage) — and reports the groups whose granted compensation differs beyond
// the tolerance, per currency and in points separately, with the cases involved. Only
// grants in status granted count. In a currency (or in points), the cases compared are
// those granted something in it and those granted nothing at all (a zero); a case
// compensated only in other units is left out. Merged cases are left out: their recovery
// goes with the case they went into. Pass the cases to compare: the closed cases of a
// quarter, say.
//
// Groups come ordered by category, severity, value band, then currency, points last. A nil
// case is rule "required" on "cases[i]", a case whose points overflow an int64 rule
// "overflow" on "cases[i].recovery.grants", a bad tolerance a problem on "tolerance.…".
func CheckConsistency(cases []*Case, tol Tolerance) ([]Inconsistency, error) {
	var p kehu.Problems
	if tol.Ratio.Sign() < 0 || tol.Ratio.Cmp(decimal.NewFromInt(1)) > 0 {
		p.Add("tolerance.ratio", "range", "is not between 0 and 1")
	}
	abs := map[kehu.Currency]decimal.Decimal{}
	for i, m := range tol.Money {
		path := fmt.Sprintf("tolerance.money[%d]", i)
		switch _, dup := abs[m.Currency()]; {
		case m.Currency() == "":
			p.Add(path, "required", "has no currency")
		case m.IsNegative():
			p.Add(path, "range", "is negative")
		case dup:
			p.Addf(path, "duplicate", "a second tolerance in %s", m.Currency())
		default:
			abs[m.Currency()] = m.Amount()
		}
	}
	if tol.Points < 0 {
		p.Add("tolerance.points", "range", "is negative")
	}
	abs[pointsUnit] = decimal.NewFromInt(tol.Points)

	type member struct {
		id    CaseID
		units map[kehu.Currency]decimal.Decimal
	}
	groups := map[Group][]member{}
	for i, c := range cases {
		if c == nil {
			p.Addf(fmt.Sprintf("cases[%d]", i), "required", "is nil")
			continue
		}
		if c.Status == Merged {
			continue
		}
		money, points, ok := granted(c)
		if !ok {
			p.Add(fmt.Sprintf("cases[%d].recovery.grants", i), "overflow", "the points granted do not fit in an int64")
			continue
		}
		if points != 0 {
			money[pointsUnit] = decimal.NewFromInt(points)
		}
		g := Group{Category: c.Category, Severity: c.Triage.Severity, Value: c.Triage.Value}
		groups[g] = append(groups[g], member{id: c.ID, units: money})
	}
	if err := p.Err(); err != nil {
		return nil, err
	}

	var out []Inconsistency
	for g, members := range groups {
		units := map[kehu.Currency]bool{}
		for _, m := range members {
			for u := range m.units {
				units[u] = true
			}
		}
		for u := range units {
			var rows []Compensated
			var amounts []decimal.Decimal
			for _, m := range members {
				v, ok := m.units[u]
				if !ok && len(m.units) > 0 {
					continue // compensated in other units only
				}
				amounts = append(amounts, v)
				row := Compensated{Case: m.id}
				if u == pointsUnit {
					row.Points = v.IntPart()
				} else {
					row.Money, _ = kehu.MoneyFromDecimal(v, u)
				}
				rows = append(rows, row)
			}
			lo, hi := slices.MinFunc(amounts, decimal.Decimal.Cmp), slices.MaxFunc(amounts, decimal.Decimal.Cmp)
			spread := hi.Sub(lo)
			allowed := decimal.Max(abs[u], tol.Ratio.Mul(hi))
			if spread.Cmp(allowed) <= 0 {
				continue
			}
			order := make([]int, len(rows))
			for i := range order {
				order[i] = i
			}
			slices.SortStableFunc(order, func(a, b int) int { return amounts[a].Cmp(amounts[b]) })
			sorted := make([]Compensated, len(rows))
			for i, k := range order {
				sorted[i] = rows[k]
			}
			inc := Inconsistency{Group: g, Cases: sorted}
			if u == pointsUnit {
				inc.SpreadPoints = spread.IntPart()
			} else {
				inc.Currency = u
				inc.Spread, _ = kehu.MoneyFromDecimal(spread, u)
			}
			out = append(out, inc)
		}
	}
	slices.SortFunc(out, func(a, b Inconsistency) int {
		if c := strings.Compare(a.Group.Category, b.Group.Category); c != 0 {
			return c
		}
		if c := slices.Index(severities, a.Group.Severity) - slices.Index(severities, b.Group.Severity); c != 0 {
			return c
		}
		if c := slices.Index(valueBands, a.Group.Value) - slices.Index(valueBands, b.Group.Value); c != 0 {
			return c
		}
		ap, bp := a.Currency == "", b.Currency == ""
		switch {
		case ap != bp && ap:
			return 1
		case ap != bp:
			return -1
		}
		return strings.Compare(string(a.Currency), string(b.Currency))
	})
	return out, nil
}

// RecoveryEffect answers, for one category of complaint, whether recovery restores
// satisfaction.
type RecoveryEffect struct {
	Category string `json:"category"`
	// Cases counts the cases with a satisfaction after recovery; Before those of them with
	// a satisfaction before.
	Cases  int `json:"cases"`
	Before int `json:"before"`
	// MeanBefore is the mean satisfaction before, over the cases that have one (0 when
	// none does). MeanAfter is the mean of Satisfaction.After, and MeanOutcome, MeanSpeed
	// and MeanCourtesy the means of each dimension, over all Cases.
	MeanBefore   float64 `json:"mean_before"`
	MeanAfter    float64 `json:"mean_after"`
	MeanOutcome  float64 `json:"mean_outcome"`
	MeanSpeed    float64 `json:"mean_speed"`
	MeanCourtesy float64 `json:"mean_courtesy"`
	// Improved counts the cases with a satisfaction before whose satisfaction after is
	// higher than it.
	Improved int `json:"improved"`
	// Restored counts the cases whose satisfaction after is at least the level the report
	// was asked for, and ShareRestored is Restored / Cases.
	Restored      int     `json:"restored"`
	ShareRestored float64 `json:"share_restored"`
}

// RecoveryEffects reports satisfaction before and after recovery per category, categories
// in alphabetical order: does recovery restore satisfaction? A case counts when it has a
// satisfaction after recovery; it is restored when its satisfaction after (the mean of
// the three dimensions, Satisfaction.After) is at least restoredAt. Every case measured
// must use one scale (rule "scale_mismatch" on "cases[i].recovery.satisfaction.scale"), and
// restoredAt must lie on it (rule "range" on "restored_at"). Merged cases are left out.
func RecoveryEffects(cases []*Case, restoredAt float64) ([]RecoveryEffect, error) {
	var p kehu.Problems
	var scale *Scale
	type acc struct {
		e                            RecoveryEffect
		before, out, speed, courtesy float64
	}
	byCat := map[string]*acc{}
	for i, c := range cases {
		if c == nil {
			p.Addf(fmt.Sprintf("cases[%d]", i), "required", "is nil")
			continue
		}
		if c.Status == Merged || c.Recovery == nil || c.Recovery.Satisfaction == nil {
			continue
		}
		s := c.Recovery.Satisfaction
		if scale == nil {
			scale = &s.Scale
		} else if s.Scale != *scale {
			p.Addf(fmt.Sprintf("cases[%d].recovery.satisfaction.scale", i), "scale_mismatch", "%d to %d, while other cases use %d to %d",
				s.Scale.Min, s.Scale.Max, scale.Min, scale.Max)
			continue
		}
		a := byCat[c.Category]
		if a == nil {
			a = &acc{e: RecoveryEffect{Category: c.Category}}
			byCat[c.Category] = a
		}
		after := s.After()
		a.e.Cases++
		a.out += float64(s.Outcome)
		a.speed += float64(s.Speed)
		a.courtesy += float64(s.Courtesy)
		if s.Before != nil {
			a.e.Before++
			a.before += float64(*s.Before)
			if after > float64(*s.Before) {
				a.e.Improved++
			}
		}
		if after >= restoredAt {
			a.e.Restored++
		}
	}
	if math.IsNaN(restoredAt) || (scale != nil && (restoredAt < float64(scale.Min) || restoredAt > float64(scale.Max))) {
		p.Add("restored_at", "range", "is not a point of the scale the cases use")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	out := make([]RecoveryEffect, 0, len(byCat))
	for _, a := range byCat {
		n := float64(a.e.Cases)
		a.e.MeanOutcome, a.e.MeanSpeed, a.e.MeanCourtesy = a.out/n, a.speed/n, a.courtesy/n
		a.e.MeanAfter = (a.out + a.speed + a.courtesy) / (3 * n)
		if a.e.Before > 0 {
			a.e.MeanBefore = a.before / float64(a.e.Before)
		}
		a.e.ShareRestored = float64(a.e.Restored) / n
		out = append(out, a.e)
	}
	slices.SortFunc(out, func(a, b RecoveryEffect) int { return strings.Compare(a.Category, b.Category) })
	return out, nil
}
