package loyalty_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/loyalty"
)

type explainCase struct {
	name  string
	p     *loyalty.Program
	o     kehu.Order
	usage *earnHistory
}

// explainCases are the earnings TestExplanationText writes out.
func explainCases(t *testing.T) []explainCase {
	p := earnLoad(t, `{"id": "test", "version": 1, "name": "Test", "time_zone": "Asia/Shanghai", "currency": "CNY",
  "point_types": [{"code": "points", "name": "Points", "kind": "spendable", "expiry": {"kind": "never"}},
                  {"code": "status", "name": "Status", "kind": "qualifying", "expiry": {"kind": "never"}}],
  "earning": {
		"base": [{"point_type": "points", "points": 1, "per": "1"},
		         {"point_type": "points", "points": 1, "per": "1000", "categories": ["homeware"]}],
		"rules": [
		  {"id": "early", "priority": 1, "from": "2027-01-01T00:00", "effect": {"point_type": "points", "bonus": 5}},
		  {"id": "over", "priority": 2, "to": "2026-05-01T00:00", "effect": {"point_type": "points", "bonus": 5}},
		  {"id": "never", "priority": 3, "when": "order.total > 100000", "effect": {"point_type": "points", "bonus": 5}},
		  {"id": "never-line", "priority": 4, "per_line": true, "when": "line.amount > 100000", "effect": {"point_type": "points", "bonus": 5}},
		  {"id": "no-base", "priority": 5, "effect": {"point_type": "status", "multiplier": "3"}},
		  {"id": "line-double", "priority": 6, "per_line": true, "when": "line.amount > 50", "effect": {"point_type": "points", "multiplier": "2"}},
		  {"id": "order-cap", "priority": 7, "effect": {"point_type": "points", "bonus": 300}, "caps": {"per_order": 100}},
		  {"id": "day-cap", "priority": 8, "effect": {"point_type": "points", "bonus": 300}, "caps": {"per_day": 500}},
		  {"id": "month-cap", "priority": 9, "effect": {"point_type": "points", "bonus": 300}, "caps": {"per_period": 400, "period": "month"}},
		  {"id": "year-cap", "priority": 10, "effect": {"point_type": "points", "bonus": 300}, "caps": {"per_period": 350, "period": "year"}},
		  {"id": "camp-cap", "priority": 12, "from": "2026-06-01T00:00", "to": "2026-07-01T00:00", "effect": {"point_type": "points", "bonus": 300}, "caps": {"per_period": 310, "period": "campaign"}},
		  {"id": "stop", "priority": 13, "exclusive": true, "effect": {"point_type": "points", "bonus": 1}},
		  {"id": "after", "priority": 14, "effect": {"point_type": "points", "bonus": 1}}]}}`)
	at := earnAt(2026, 6, 1, 12, 0, 0)
	history := &earnHistory{past: []earnPast{
		{"day-cap", earnAt(2026, 6, 1, 9, 0, 0), 400},
		{"month-cap", earnAt(2026, 6, 1, 9, 0, 0), 250},
		{"year-cap", earnAt(2026, 2, 1, 9, 0, 0), 200},
		{"camp-cap", earnAt(2026, 6, 1, 9, 0, 0), 60},
	}}
	small := earnOrder(at, "CNY", "0.50", "0.40")
	small.Lines[1].Category = "homeware"
	return []explainCase{
		{"every outcome", p, earnOrder(at, "CNY", "80", "40", "60.5"), history},
		{"homeware too small", p, small, nil},
	}
}

// TestExplanationText pins the words of every kind of step: base rates that matched, found
// no eligible line or gave too little; rules outside their campaign, false on the order or
// on every line, with nothing to multiply, capped per order, day, month, year and campaign,
// and stopped by an exclusive rule. The texts are those Preview wrote before explanations
// were rendered on demand, so rendering them later changed no word.
func TestExplanationText(t *testing.T) {
	want := map[string][]string{
		"every outcome": {
			"base [points] awarded: +180 — 180 points on 3 of 3 lines, rounded down per line (matched true, name \"1 points per 1 CNY\")",
			"base [points] not_matched: +0 — no eligible line of 3 (matched false, name \"1 points per 1000 CNY\")",
			"early [points] outside_campaign: +0 — outside the campaign: it starts 2027-01-01T00:00:00 Asia/Shanghai, the order is at 2026-06-01T12:00:00 (matched false, name \"\")",
			"over [points] outside_campaign: +0 — outside the campaign: it ended 2026-05-01T00:00:00 Asia/Shanghai, the order is at 2026-06-01T12:00:00 (matched false, name \"\")",
			"never [points] not_matched: +0 — condition is false (matched false, name \"\")",
			"never-line [points] not_matched: +0 — condition is false on every line (matched false, name \"\")",
			"no-base [status] no_points: +0 — matched, but there were no base points to multiply (matched true, name \"\")",
			"line-double [points] awarded: +140 — matched 2 of 3 lines: +140 points (matched true, name \"\")",
			"order-cap [points] capped: +100 — matched, capped from 300 to 100 by the per-order cap of 100 (matched true, name \"\")",
			"day-cap [points] capped: +100 — matched, capped from 300 to 100 by the per-day cap of 500 (400 already awarded on 2026-06-01) (matched true, name \"\")",
			"month-cap [points] capped: +150 — matched, capped from 300 to 150 by the per-month cap of 400 (250 already awarded in 2026-06) (matched true, name \"\")",
			"year-cap [points] capped: +150 — matched, capped from 300 to 150 by the per-year cap of 350 (200 already awarded in 2026) (matched true, name \"\")",
			"camp-cap [points] capped: +250 — matched, capped from 300 to 250 by the per-campaign cap of 310 (60 already awarded in this campaign) (matched true, name \"\")",
			"stop [points] awarded: +1 — matched: +1 points (matched true, name \"\")",
			"after [points] stopped: +0 — not considered: exclusive rule \"stop\" (priority 13) matched first (matched false, name \"\")",
		},
		"homeware too small": {
			"base [points] no_points: +0 — 2 of 2 lines eligible, but too small to earn a point (matched true, name \"1 points per 1 CNY\")",
			"base [points] no_points: +0 — 1 of 2 lines eligible, but too small to earn a point (matched true, name \"1 points per 1000 CNY\")",
			"early [points] outside_campaign: +0 — outside the campaign: it starts 2027-01-01T00:00:00 Asia/Shanghai, the order is at 2026-06-01T12:00:00 (matched false, name \"\")",
			"over [points] outside_campaign: +0 — outside the campaign: it ended 2026-05-01T00:00:00 Asia/Shanghai, the order is at 2026-06-01T12:00:00 (matched false, name \"\")",
			"never [points] not_matched: +0 — condition is false (matched false, name \"\")",
			"never-line [points] not_matched: +0 — condition is false on every line (matched false, name \"\")",
			"no-base [status] no_points: +0 — matched, but there were no base points to multiply (matched true, name \"\")",
			"line-double [points] not_matched: +0 — condition is false on every line (matched false, name \"\")",
			"order-cap [points] capped: +100 — matched, capped from 300 to 100 by the per-order cap of 100 (matched true, name \"\")",
			"day-cap [points] awarded: +300 — matched: +300 points (matched true, name \"\")",
			"month-cap [points] awarded: +300 — matched: +300 points (matched true, name \"\")",
			"year-cap [points] awarded: +300 — matched: +300 points (matched true, name \"\")",
			"camp-cap [points] awarded: +300 — matched: +300 points (matched true, name \"\")",
			"stop [points] awarded: +1 — matched: +1 points (matched true, name \"\")",
			"after [points] stopped: +0 — not considered: exclusive rule \"stop\" (priority 13) matched first (matched false, name \"\")",
		},
	}
	for _, c := range explainCases(t) {
		t.Run(c.name, func(t *testing.T) {
			var u loyalty.RuleUsage
			if c.usage != nil {
				u = c.usage
			}
			e, err := c.p.Preview(c.o, loyalty.Member{}, loyalty.Standing{}, u)
			require.NoError(t, err)
			steps := e.Explanation()
			got := make([]string, len(steps))
			for i, s := range steps {
				got[i] = fmt.Sprintf("%s (matched %t, name %q)", s, s.Matched, s.Name)
			}
			assert.Equal(t, want[c.name], got)
			assert.Equal(t, steps, e.Explanation(), "every call writes the same explanation")

			// JSON carries the explanation in words, and decodes to the same earning.
			b, err := json.Marshal(e)
			require.NoError(t, err)
			var wire struct {
				Awards      []loyalty.Award `json:"awards"`
				Explanation []loyalty.Step  `json:"explanation"`
			}
			require.NoError(t, json.Unmarshal(b, &wire))
			assert.Equal(t, e.Awards(), wire.Awards)
			assert.Equal(t, steps, wire.Explanation)
			var back loyalty.Earning
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, e.Awards(), back.Awards())
			assert.Equal(t, steps, back.Explanation())
		})
	}
}
