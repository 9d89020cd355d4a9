package loyalty

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

// TestGroupAwards checks groupAwards against sums worked out with maps, for earnings small
// enough for its stack scratch and too large for it, over interleaved point types, lines
// and rules.
func TestGroupAwards(t *testing.T) {
	interleaved := []Award{
		{PointType: "points", Points: 10, LineID: "1", RuleID: "base"},
		{PointType: "miles", Points: 7, LineID: "1", RuleID: "base"},
		{PointType: "points", Points: 20, LineID: "2", RuleID: "base"},
		{PointType: "points", Points: 5, LineID: "1", RuleID: "double"},
		{PointType: "points", Points: 3, LineID: "", RuleID: "bonus"},
		{PointType: "points", Points: 4, LineID: "2", RuleID: "base"}, // base again, not next to its others
		{PointType: "miles", Points: 1, LineID: "", RuleID: "bonus"},
	}
	var many []Award
	for i := range 150 {
		many = append(many, Award{PointType: []string{"a", "b", "c"}[i%3], Points: int64(i + 1),
			LineID: strconv.Itoa(i % 7), RuleID: "r" + strconv.Itoa(i%11)})
	}
	for _, tc := range []struct {
		name   string
		awards []Award
	}{{"interleaved", interleaved}, {"more than the scratch holds", many}} {
		t.Run(tc.name, func(t *testing.T) {
			checkGroups(t, wantGroups(tc.awards), groupAwards(tc.awards))
		})
	}
}

// wantGroups groups awards independently, with maps: the point types in order of first
// appearance, and per type the sums per line and per rule, each in order of first
// appearance.
func wantGroups(awards []Award) []awardGroup {
	var types []string
	seen := map[string]bool{}
	lines, rules := map[string][]string{}, map[string][]string{}
	byLine, byRule := map[[2]string]int64{}, map[[2]string]int64{}
	for _, a := range awards {
		if !seen[a.PointType] {
			seen[a.PointType] = true
			types = append(types, a.PointType)
		}
		if _, ok := byLine[[2]string{a.PointType, a.LineID}]; !ok {
			lines[a.PointType] = append(lines[a.PointType], a.LineID)
		}
		if _, ok := byRule[[2]string{a.PointType, a.RuleID}]; !ok {
			rules[a.PointType] = append(rules[a.PointType], a.RuleID)
		}
		byLine[[2]string{a.PointType, a.LineID}] += a.Points
		byRule[[2]string{a.PointType, a.RuleID}] += a.Points
	}
	var out []awardGroup
	for _, pt := range types {
		g := awardGroup{pointType: pt}
		for _, l := range lines[pt] {
			g.shares = append(g.shares, lotShare{line: l, points: byLine[[2]string{pt, l}]})
		}
		for _, r := range rules[pt] {
			g.rules = append(g.rules, RuleAward{Rule: r, Points: byRule[[2]string{pt, r}]})
		}
		out = append(out, g)
	}
	return out
}

func checkGroups(t *testing.T, want, got []awardGroup) {
	t.Helper()
	if !assert.Len(t, got, len(want)) {
		return
	}
	for g, w := range want {
		assert.Equal(t, w.pointType, got[g].pointType, "groups keep the order of first appearance")
		assert.Equal(t, w.shares, got[g].shares, "%s: one share per line", w.pointType)
		assert.Equal(t, w.rules, got[g].rules, "%s: one award per rule", w.pointType)
		assert.Equal(t, len(got[g].shares), cap(got[g].shares), "%s: shares are clipped", w.pointType)
		assert.Equal(t, len(got[g].rules), cap(got[g].rules), "%s: rules are clipped, so appending cannot reach another group", w.pointType)
	}
}

// TestEarningGroups checks the grouping of earnings as Preview records them against the
// independent grouping of their awards written out, over random programmes (point types,
// per-line and per-order rules, multipliers, bonuses, caps, exclusive rules) and orders,
// some too long for groups' scratch on the stack.
func TestEarningGroups(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	types := []string{"points", "status", "miles"}
	for n := range 300 {
		var pts []PointType
		for _, c := range types[:1+rng.IntN(len(types))] {
			pts = append(pts, PointType{Code: c, Name: c, Kind: Spendable, Expiry: ExpiryPolicy{Kind: NeverExpire}})
		}
		prog := ProgramSpec{ID: "g", Version: 1, Name: "g", TimeZone: "UTC", Currency: "CNY", PointTypes: pts}
		for _, pt := range pts {
			if rng.IntN(3) > 0 {
				prog.Earning.Base = append(prog.Earning.Base, BaseRate{PointType: pt.Code, Points: int64(1 + rng.IntN(3)), Per: decimal.NewFromInt(1)})
			}
		}
		for r := range rng.IntN(12) {
			rule := Rule{ID: "r" + strconv.Itoa(r), Priority: r + 1, PerLine: rng.IntN(2) == 0, Exclusive: rng.IntN(10) == 0,
				Effect: Effect{PointType: pts[rng.IntN(len(pts))].Code, Bonus: int64(rng.IntN(3) * 10)}}
			if rng.IntN(2) == 0 {
				rule.Effect.ExtraBase = decimal.NewFromInt(int64(1 + rng.IntN(2)))
			} else if rule.Effect.Bonus == 0 {
				rule.Effect.Bonus = 5
			}
			if rng.IntN(3) == 0 {
				rule.When = `line.amount > 20`
				if !rule.PerLine {
					rule.When = `order.total > 50`
				}
			}
			if rng.IntN(4) == 0 {
				rule.Caps.PerOrder = int64(1 + rng.IntN(40))
			}
			prog.Earning.Rules = append(prog.Earning.Rules, rule)
		}
		p, err := Compile(prog)
		require.NoError(t, err)
		o := kehu.Order{ID: "o", At: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Currency: "CNY"}
		lines := rng.IntN(8)
		if n%10 == 0 {
			lines = 70 // more line slots than groups' stack scratch holds
		}
		for l := range lines {
			o.Lines = append(o.Lines, kehu.OrderLine{ID: "l" + strconv.Itoa(l), Quantity: 1,
				Amount: kehu.MustMoney(strconv.Itoa(rng.IntN(60)), "CNY")})
		}
		e, err := p.Preview(o, Member{}, Standing{}, nil)
		require.NoError(t, err)
		got := e.groups()
		checkGroups(t, wantGroups(e.Awards()), got)
		if t.Failed() {
			t.Fatalf("programme %+v, order %+v", prog.Earning, o)
		}
	}
}
