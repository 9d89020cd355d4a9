package segment_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu/segment"
)

// FuzzSegmentExpression compiles arbitrary segment expressions and, when they compile,
// evaluates them over a small population with empty and populated attributes. Nothing may
// panic: bad expressions are *kehu.ValidationError, failing evaluations *SegmentError.
func FuzzSegmentExpression(f *testing.F) {
	for _, s := range []string{
		`r >= 4 && f >= 4`,
		`clv > 100 || p_alive < 0.2`,
		`hasTag("vip") and tier == "gold"`,
		`attributes.city == "上海"`,
		`attributes.n > 3`,
		`len(tags) > 0 && tags[0] == "x"`,
		`any(tags, # startsWith "v")`,
		`total / orders > 10`,
		`orders % 0 == 1`,
		`r / 0 > 1`,
		`1..1000000 | filter(# > 3) | len() > 2`,
		`rfm_segment in ["Champions", "Loyal"]`,
		`customer matches "^[a-z]+$"`,
		`t - recency >= 7 ? true : false`,
		`let x = monetary; x > 1`,
		`now() != nil`,
		`nil`,
		`"a" > 1`,
		`(((((`,
	} {
		f.Add(s)
	}
	pop := []segment.Features{
		{},
		{Customer: "a", R: 5, F: 5, M: 5, Orders: 3, Total: 100, CLV: 1e308, PAlive: 1, Tags: []string{"VIP", ""},
			Attributes: map[string]any{"city": "上海", "n": 4, "nested": map[string]any{"x": []any{1, "y"}}}},
		{Customer: "b", Attributes: map[string]any{"n": "four"}, Tags: []string{}},
	}
	f.Fuzz(func(t *testing.T, src string) {
		segs, err := segment.NewSegments([]segment.SegmentDef{{Name: "fuzz", When: src}})
		if err != nil {
			return
		}
		_, _ = segs.Membership(pop)
		_, _ = segs.Classify(pop, "other")
		_, _ = segs.Match(pop[1])

		rules, err := segment.NewRuleABC([]segment.ClassRule{{Class: "A", When: src}})
		if err != nil {
			return
		}
		_, _ = rules.Classify([]segment.Account{{Customer: "x", Sales: []decimal.Decimal{decimal.NewFromInt(1)}}, {}})
	})
}

// FuzzRuleABCExpression compiles arbitrary rule-ABC conditions and runs them over a few
// accounts; nothing may panic.
func FuzzRuleABCExpression(f *testing.F) {
	for _, s := range []string{
		`agent || sales_top_percent <= 20`,
		`grew(0.10, 2) && cooperation >= 4 && loyalty >= 4`,
		`grew(-1, -5)`,
		`grew(1e308, 1000000)`,
		`sales_history[5] > 1`,
		`hasTag("x")`,
		`attributes.k > 0`,
	} {
		f.Add(s)
	}
	accounts := []segment.Account{
		{},
		{Customer: "f", Sales: []decimal.Decimal{decimal.NewFromInt(0), decimal.NewFromInt(10), decimal.RequireFromString("1e30")}, Cooperation: 5, Loyalty: 5},
		{Customer: "g", Agent: true, Tags: []string{"x"}, Attributes: map[string]any{"k": 1}},
	}
	f.Fuzz(func(t *testing.T, src string) {
		rules, err := segment.NewRuleABC([]segment.ClassRule{{Class: "A", When: src}, {Class: "C"}})
		if err != nil {
			return
		}
		_, _ = rules.Classify(accounts)
	})
}
