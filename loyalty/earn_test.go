package loyalty_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// earnPast is one award in a member's history.
type earnPast struct {
	rule   string
	at     time.Time
	points int64
}

// earnHistory is a RuleUsage over a list of past awards: it sums those in [from, to), so
// the day and period boundaries Preview asks for are tested, not assumed.
type earnHistory struct {
	past  []earnPast
	asked [][2]time.Time
}

func (h *earnHistory) Awarded(rule string, from, to time.Time) int64 {
	h.asked = append(h.asked, [2]time.Time{from, to})
	var n int64
	for _, a := range h.past {
		if a.rule == rule && !a.at.Before(from) && a.at.Before(to) {
			n += a.points
		}
	}
	return n
}

var earnShanghai = earnZone("Asia/Shanghai")

func earnZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// earnOrder builds an order in the programme's currency with lines "1", "2", … of the
// given amounts.
func earnOrder(at time.Time, currency string, amounts ...string) kehu.Order {
	o := kehu.Order{ID: "SO-1", At: at, Currency: currency}
	for i, a := range amounts {
		o.Lines = append(o.Lines, kehu.OrderLine{ID: fmt.Sprint(i + 1), SKU: fmt.Sprintf("SKU-%d", i+1),
			Category: "general", Quantity: 1, Amount: kehu.MustMoney(a, currency)})
	}
	return o
}

// earnAt is an instant given as a local time in Shanghai.
func earnAt(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, earnShanghai)
}

func TestPreviewBaseRate(t *testing.T) {
	tests := []struct {
		name     string
		currency string
		rate     string
		amounts  []string
		want     int64
	}{
		{"1 per ¥1 floors ¥99.99 to 99", "CNY", `"points": 1, "per": "1"`, []string{"99.99"}, 99},
		{"1 per ¥1 on ¥268.28, no float residue", "CNY", `"points": 1, "per": "1"`, []string{"268.28"}, 268},
		{"rounded per line, not per order", "CNY", `"points": 1, "per": "1"`, []string{"0.60", "0.60"}, 0},
		{"5 per $1 exact", "USD", `"points": 5, "per": "1"`, []string{"10.40"}, 52},
		{"5 per $1 floors 0.95", "USD", `"points": 5, "per": "1"`, []string{"0.19"}, 0},
		{"5 per $1 on $19.99", "USD", `"points": 5, "per": "1"`, []string{"19.99"}, 99},
		{"1 per ¥0.1 on ¥0.3 is exactly 3", "CNY", `"points": 1, "per": "0.1"`, []string{"0.3"}, 3},
		{"1 per ¥3 on ¥10 rounds down", "CNY", `"points": 1, "per": "3"`, []string{"10"}, 3},
		{"1 per ¥3 on ¥8.99 rounds down", "CNY", `"points": 1, "per": "3"`, []string{"8.99"}, 2},
		{"half_up 2.5 → 3", "CNY", `"points": 1, "per": "3", "rounding": "half_up"`, []string{"7.50"}, 3},
		{"half_even 2.5 → 2", "CNY", `"points": 1, "per": "3", "rounding": "half_even"`, []string{"7.50"}, 2},
		{"half_up just below a half stays down", "CNY", `"points": 1, "per": "3", "rounding": "half_up"`, []string{"7.49"}, 2},
		{"half_down just above a half goes up", "CNY", `"points": 1, "per": "3", "rounding": "half_down"`, []string{"7.51"}, 3},
		{"ceiling of 1/3", "CNY", `"points": 1, "per": "3", "rounding": "ceiling"`, []string{"1"}, 1},
		{"ceiling of an exact quotient stays", "CNY", `"points": 1, "per": "3", "rounding": "ceiling"`, []string{"9"}, 3},
		{"10 per ¥7 on ¥7.00 exact, any rounding", "CNY", `"points": 10, "per": "7", "rounding": "up"`, []string{"7.00"}, 10},
		{"zero amount", "CNY", `"points": 1, "per": "1"`, []string{"0"}, 0},
		{"JPY has no minor units", "JPY", `"points": 1, "per": "100"`, []string{"1999"}, 19},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			js := strings.Replace(earnProgramJSON(`{"base": [{"point_type": "points", `+tc.rate+`}]}`), `"CNY"`, `"`+tc.currency+`"`, 1)
			p := earnLoad(t, js)
			e, err := p.Preview(earnOrder(earnAt(2026, 6, 1, 12, 0, 0), tc.currency, tc.amounts...), loyalty.Member{}, loyalty.Standing{}, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.want, e.Total("points"))
			var sum int64
			for _, a := range e.Awards() {
				assert.Equal(t, loyalty.BaseRuleID, a.RuleID)
				assert.NotEmpty(t, a.LineID, "base awards are per line")
				assert.Positive(t, a.Points, "no zero awards")
				sum += a.Points
			}
			assert.Equal(t, tc.want, sum)
		})
	}
}

func TestPreviewEligibility(t *testing.T) {
	p := earnLoad(t, earnProgramJSON(`{"base": [
		{"point_type": "points", "points": 1, "per": "1", "exclude_categories": ["gift_card"], "exclude_skus": ["BAG"]},
		{"point_type": "points", "points": 2, "per": "1", "categories": ["coffee"], "skus": ["MUG-01"]}]}`))
	at := earnAt(2026, 6, 1, 12, 0, 0)
	order := kehu.Order{ID: "o", At: at, Currency: "CNY", Lines: []kehu.OrderLine{
		{ID: "beans", SKU: "BEAN-250", Category: "coffee", Quantity: 1, Amount: kehu.MustMoney("100", "CNY")},
		{ID: "mug", SKU: "MUG-01", Category: "homeware", Quantity: 1, Amount: kehu.MustMoney("50", "CNY")},
		{ID: "card", SKU: "GC-200", Category: "gift_card", Quantity: 1, Amount: kehu.MustMoney("200", "CNY")},
		{ID: "bag", SKU: "BAG", Category: "coffee", Quantity: 1, Amount: kehu.MustMoney("1", "CNY")},
		{ID: "tea", SKU: "TEA-1", Category: "tea", Quantity: 1, Amount: kehu.MustMoney("10", "CNY")},
	}}
	e, err := p.Preview(order, loyalty.Member{}, loyalty.Standing{}, nil)
	require.NoError(t, err)
	byLine := map[string]int64{}
	for _, a := range e.Awards() {
		byLine[a.LineID] += a.Points
	}
	assert.Equal(t, map[string]int64{
		"beans": 100 + 200, // both rates: 1 per ¥1 and the coffee rate of 2 per ¥1
		"mug":   50 + 100,  // both: the second rate by SKU
		"tea":   10,        // only the first
		"bag":   2,         // excluded by SKU from the first rate, not from the second
		// gift card: excluded from the first, not included in the second
	}, byLine)
	assert.Equal(t, int64(462), e.Total("points"))
	// Awards of several base rates on one line are merged into one award per line.
	assert.Len(t, e.Awards(), 4)
}

func TestPreviewBirthdayMonthInProgrammeZone(t *testing.T) {
	p := earnLoad(t, earnRetailJSON)
	aprilBaby := loyalty.Member{BirthDate: kehu.MustDate(1990, time.April, 17)}
	marchBaby := loyalty.Member{BirthDate: kehu.MustDate(1990, time.March, 2)}
	tests := []struct {
		name   string
		at     time.Time
		member loyalty.Member
		want   int64
	}{
		// 2026-03-31T17:00Z is 2026-04-01 01:00 in Shanghai: April, the birthday month.
		{"UTC March 31 is April 1 in Shanghai", time.Date(2026, 3, 31, 17, 0, 0, 0, time.UTC), aprilBaby, 200},
		{"last second of March in Shanghai", time.Date(2026, 3, 31, 15, 59, 59, 0, time.UTC), aprilBaby, 100},
		{"first instant of April in Shanghai", time.Date(2026, 3, 31, 16, 0, 0, 0, time.UTC), aprilBaby, 200},
		{"March baby, same instant, no longer March in Shanghai", time.Date(2026, 3, 31, 17, 0, 0, 0, time.UTC), marchBaby, 100},
		{"the order's own zone does not matter", time.Date(2026, 3, 31, 13, 0, 0, 0, earnZone("America/New_York")), aprilBaby, 200},
		{"unknown birth date", time.Date(2026, 4, 15, 0, 0, 0, 0, time.UTC), loyalty.Member{}, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := p.Preview(earnOrder(tc.at, "CNY", "100.00"), tc.member, loyalty.Standing{}, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.want, e.Total("points"))
			assert.Equal(t, int64(100), e.Total("status"), "the multiplier is on points only")
			step := earnStep(t, e, "birthday-double")
			assert.Equal(t, tc.want == 200, step.Matched)
		})
	}
}

func earnStep(t *testing.T, e *loyalty.Earning, rule string) loyalty.Step {
	t.Helper()
	for _, s := range e.Explanation() {
		if s.RuleID == rule {
			return s
		}
	}
	t.Fatalf("no step for rule %q in %v", rule, e.Explanation())
	return loyalty.Step{}
}

func TestPreviewCampaignWindowInProgrammeZone(t *testing.T) {
	p := earnLoad(t, earnProgramJSON(`{"base": [{"point_type": "points", "points": 1, "per": "1"}],
		"rules": [{"id": "double11", "priority": 1, "from": "2026-11-11T00:00", "to": "2026-11-12T00:00",
		           "effect": {"point_type": "points", "multiplier": "3"}}]}`))
	tests := []struct {
		at      time.Time
		inside  bool
		outcome loyalty.StepOutcome
	}{
		{time.Date(2026, 11, 10, 15, 59, 59, 0, time.UTC), false, loyalty.OutcomeOutsideCampaign}, // 23:59:59 on the 10th in Shanghai
		{time.Date(2026, 11, 10, 16, 0, 0, 0, time.UTC), true, loyalty.OutcomeAwarded},            // 00:00 on the 11th: From is inclusive
		{time.Date(2026, 11, 11, 12, 0, 0, 0, time.UTC), true, loyalty.OutcomeAwarded},
		{time.Date(2026, 11, 11, 15, 59, 59, 999999999, time.UTC), true, loyalty.OutcomeAwarded},
		{time.Date(2026, 11, 11, 16, 0, 0, 0, time.UTC), false, loyalty.OutcomeOutsideCampaign}, // 00:00 on the 12th: To is exclusive
		{time.Date(2026, 11, 11, 1, 0, 0, 0, time.UTC), true, loyalty.OutcomeAwarded},           // still the 10th in UTC
	}
	for _, tc := range tests {
		t.Run(tc.at.Format(time.RFC3339Nano), func(t *testing.T) {
			e, err := p.Preview(earnOrder(tc.at, "CNY", "10"), loyalty.Member{}, loyalty.Standing{}, nil)
			require.NoError(t, err)
			want := int64(10)
			if tc.inside {
				want = 30
			}
			assert.Equal(t, want, e.Total("points"))
			s := earnStep(t, e, "double11")
			assert.Equal(t, tc.outcome, s.Outcome, s.Detail)
		})
	}
}

func TestPreviewExclusiveAndPriority(t *testing.T) {
	// Listed out of order: the priority, not the position, decides.
	p := earnLoad(t, earnProgramJSON(`{"rules": [
		{"id": "everyone", "priority": 30, "effect": {"point_type": "points", "bonus": 50}},
		{"id": "vip-only", "priority": 20, "exclusive": true, "when": "hasTag(\"vip\")", "effect": {"point_type": "points", "bonus": 100}},
		{"id": "first", "priority": -5, "effect": {"point_type": "points", "bonus": 1}},
		{"id": "app", "priority": 25, "when": "order.channel == \"app\"", "effect": {"point_type": "points", "bonus": 7}}]}`))
	order := earnOrder(earnAt(2026, 6, 1, 12, 0, 0), "CNY", "10")
	order.Channel = "app"

	tests := []struct {
		name     string
		member   loyalty.Member
		outcomes []loyalty.StepOutcome // first, vip-only, app, everyone
		total    int64
	}{
		{"vip: exclusive rule stops every later rule", loyalty.Member{Tags: []string{"VIP"}},
			[]loyalty.StepOutcome{loyalty.OutcomeAwarded, loyalty.OutcomeAwarded, loyalty.OutcomeStopped, loyalty.OutcomeStopped}, 101},
		{"not vip: exclusive rule does not match, nothing stops", loyalty.Member{Tags: []string{"new"}},
			[]loyalty.StepOutcome{loyalty.OutcomeAwarded, loyalty.OutcomeNotMatched, loyalty.OutcomeAwarded, loyalty.OutcomeAwarded}, 58},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := p.Preview(order, tc.member, loyalty.Standing{}, nil)
			require.NoError(t, err)
			var ids []string
			var outcomes []loyalty.StepOutcome
			for _, s := range e.Explanation() {
				ids = append(ids, s.RuleID)
				outcomes = append(outcomes, s.Outcome)
			}
			assert.Equal(t, []string{"first", "vip-only", "app", "everyone"}, ids, "ascending priority")
			assert.Equal(t, tc.outcomes, outcomes)
			assert.Equal(t, tc.total, e.Total("points"))
			for _, a := range e.Awards() {
				assert.Empty(t, a.LineID, "per-order bonuses belong to no line")
			}
		})
	}
	// Deterministic: the same inputs give the same earning.
	a, err := p.Preview(order, loyalty.Member{Tags: []string{"vip"}}, loyalty.Standing{}, nil)
	require.NoError(t, err)
	b, err := p.Preview(order, loyalty.Member{Tags: []string{"vip"}}, loyalty.Standing{}, nil)
	require.NoError(t, err)
	assert.Equal(t, a, b)
}

func TestPreviewCaps(t *testing.T) {
	const earning = `{"base": [{"point_type": "points", "points": 1, "per": "1"}],
		"rules": [{"id": "double", "priority": 1, "effect": {"point_type": "points", "multiplier": "2"}, "caps": %s}]}`
	at := time.Date(2026, 3, 31, 17, 0, 0, 0, time.UTC) // 2026-04-01 01:00 in Shanghai
	dayStart := earnAt(2026, 4, 1, 0, 0, 0)
	tests := []struct {
		name    string
		caps    string
		past    []earnPast
		want    int64 // points of the rule
		lines   map[string]int64
		outcome loyalty.StepOutcome
	}{
		{"no cap", `{}`, nil, 299, map[string]int64{"1": 99, "2": 200}, loyalty.OutcomeAwarded},
		{"per-order cap cuts in line order", `{"per_order": 100}`, nil, 100, map[string]int64{"1": 99, "2": 1}, loyalty.OutcomeCapped},
		{"per-order cap above the points", `{"per_order": 1000}`, nil, 299, map[string]int64{"1": 99, "2": 200}, loyalty.OutcomeAwarded},
		{"per-day cap less today's awards", `{"per_day": 500}`, []earnPast{
			{"double", dayStart, 300},                       // today, first instant: counts
			{"double", dayStart.Add(-time.Nanosecond), 400}, // yesterday in Shanghai: does not count
			{"double", dayStart.Add(24 * time.Hour), 400},   // tomorrow: does not count
			{"other", dayStart.Add(time.Hour), 400},         // another rule: does not count
		}, 200, map[string]int64{"1": 99, "2": 101}, loyalty.OutcomeCapped},
		{"per-day cap used up", `{"per_day": 500}`, []earnPast{{"double", dayStart.Add(time.Hour), 500}}, 0, map[string]int64{}, loyalty.OutcomeCapped},
		{"per-day cap overdrawn", `{"per_day": 500}`, []earnPast{{"double", dayStart.Add(time.Hour), 900}}, 0, map[string]int64{}, loyalty.OutcomeCapped},
		{"per-month cap in the programme's month", `{"per_period": 1000, "period": "month"}`, []earnPast{
			{"double", earnAt(2026, 4, 1, 0, 0, 0), 800},
			{"double", earnAt(2026, 3, 31, 23, 59, 59), 1000}, // March in Shanghai (though April 1 is near)
		}, 200, map[string]int64{"1": 99, "2": 101}, loyalty.OutcomeCapped},
		{"per-year cap", `{"per_period": 1000, "period": "year"}`, []earnPast{
			{"double", earnAt(2026, 1, 1, 0, 0, 0), 900},
			{"double", earnAt(2025, 12, 31, 23, 0, 0), 1000},
		}, 100, map[string]int64{"1": 99, "2": 1}, loyalty.OutcomeCapped},
		{"tightest cap wins", `{"per_order": 250, "per_day": 1000, "per_period": 5000, "period": "year"}`, []earnPast{
			{"double", dayStart, 900},
		}, 100, map[string]int64{"1": 99, "2": 1}, loyalty.OutcomeCapped},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := earnLoad(t, earnProgramJSON(fmt.Sprintf(earning, tc.caps)))
			h := &earnHistory{past: tc.past}
			e, err := p.Preview(earnOrder(at, "CNY", "99.99", "200.00"), loyalty.Member{}, loyalty.Standing{}, h)
			require.NoError(t, err)
			lines := map[string]int64{}
			for _, a := range e.Awards() {
				if a.RuleID == "double" {
					lines[a.LineID] += a.Points
				}
			}
			assert.Equal(t, tc.lines, lines)
			assert.Equal(t, 299+tc.want, e.Total("points"))
			s := earnStep(t, e, "double")
			assert.Equal(t, tc.outcome, s.Outcome, s.Detail)
			assert.Equal(t, tc.want, s.Points)
			assert.True(t, s.Matched)
		})
	}
	// A nil usage means nothing awarded yet.
	p := earnLoad(t, earnProgramJSON(fmt.Sprintf(earning, `{"per_day": 250}`)))
	e, err := p.Preview(earnOrder(at, "CNY", "99.99", "200.00"), loyalty.Member{}, loyalty.Standing{}, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(299+250), e.Total("points"))
}

func TestPreviewPerDayCapAcrossDaylightSaving(t *testing.T) {
	js := strings.Replace(earnProgramJSON(`{"rules": [{"id": "bonus", "priority": 1,
		"effect": {"point_type": "points", "bonus": 10}, "caps": {"per_day": 10}}]}`), "Asia/Shanghai", "America/New_York", 1)
	p := earnLoad(t, js)
	ny := earnZone("America/New_York")
	// 2026-03-08 is 23 hours long in New York.
	h := &earnHistory{}
	_, err := p.Preview(earnOrder(time.Date(2026, 3, 8, 12, 0, 0, 0, ny), "CNY", "1"), loyalty.Member{}, loyalty.Standing{}, h)
	require.NoError(t, err)
	require.Len(t, h.asked, 1)
	assert.Equal(t, "2026-03-08T00:00:00-05:00", h.asked[0][0].In(ny).Format(time.RFC3339))
	assert.Equal(t, "2026-03-09T00:00:00-04:00", h.asked[0][1].In(ny).Format(time.RFC3339))
	assert.Equal(t, 23*time.Hour, h.asked[0][1].Sub(h.asked[0][0]))
}

func TestPreviewCampaignCap(t *testing.T) {
	p := earnLoad(t, earnProgramJSON(`{"rules": [{"id": "launch", "priority": 1, "from": "2026-06-01T10:00", "to": "2026-06-08T10:00",
		"effect": {"point_type": "points", "bonus": 100}, "caps": {"per_period": 250, "period": "campaign"}}]}`))
	h := &earnHistory{past: []earnPast{
		{"launch", earnAt(2026, 6, 1, 10, 0, 0), 100},
		{"launch", earnAt(2026, 6, 2, 10, 0, 0), 100},
		{"launch", earnAt(2026, 6, 1, 9, 59, 0), 100}, // before the campaign
	}}
	e, err := p.Preview(earnOrder(earnAt(2026, 6, 3, 0, 0, 0), "CNY", "1"), loyalty.Member{}, loyalty.Standing{}, h)
	require.NoError(t, err)
	assert.Equal(t, int64(50), e.Total("points"))
	require.Len(t, h.asked, 1)
	assert.True(t, h.asked[0][0].Equal(earnAt(2026, 6, 1, 10, 0, 0)))
	assert.True(t, h.asked[0][1].Equal(earnAt(2026, 6, 8, 10, 0, 0)))
}

func TestPreviewPerLineRule(t *testing.T) {
	p := earnLoad(t, earnProgramJSON(`{"base": [{"point_type": "points", "points": 1, "per": "1"}],
		"rules": [{"id": "coffee-triple", "priority": 1, "per_line": true,
		           "when": "line.category == \"coffee\" && line.amount_minor >= 5000",
		           "effect": {"point_type": "points", "multiplier": "3", "bonus": 5}}]}`))
	order := kehu.Order{ID: "o", At: earnAt(2026, 6, 1, 12, 0, 0), Currency: "CNY", Lines: []kehu.OrderLine{
		{ID: "a", Category: "coffee", Quantity: 1, Amount: kehu.MustMoney("50.00", "CNY")},
		{ID: "b", Category: "coffee", Quantity: 1, Amount: kehu.MustMoney("49.99", "CNY")},
		{ID: "c", Category: "tea", Quantity: 1, Amount: kehu.MustMoney("80", "CNY")},
		{ID: "d", Category: "coffee", Quantity: 3, Amount: kehu.MustMoney("120.50", "CNY")},
	}}
	e, err := p.Preview(order, loyalty.Member{}, loyalty.Standing{}, nil)
	require.NoError(t, err)
	rule := map[string]int64{}
	for _, a := range e.Awards() {
		if a.RuleID == "coffee-triple" {
			rule[a.LineID] += a.Points
		}
	}
	assert.Equal(t, map[string]int64{"a": 2*50 + 5, "d": 2*120 + 5}, rule)
	s := earnStep(t, e, "coffee-triple")
	assert.Equal(t, loyalty.OutcomeAwarded, s.Outcome)
	assert.Contains(t, s.Detail, "2 of 4 lines")
	assert.Equal(t, int64(50+49+80+120+105+245), e.Total("points"))
}

func TestPreviewMultiplierRoundsDownPerLine(t *testing.T) {
	p := earnLoad(t, earnProgramJSON(`{"base": [{"point_type": "points", "points": 1, "per": "1"}],
		"rules": [{"id": "half", "priority": 1, "effect": {"point_type": "points", "multiplier": "1.5"}}]}`))
	e, err := p.Preview(earnOrder(earnAt(2026, 6, 1, 12, 0, 0), "CNY", "99", "1", "3"), loyalty.Member{}, loyalty.Standing{}, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(103+49+0+1), e.Total("points"))
	s := earnStep(t, e, "half")
	assert.Equal(t, int64(50), s.Points)

	// A multiplier with no base points matches but gives nothing.
	e, err = p.Preview(earnOrder(earnAt(2026, 6, 1, 12, 0, 0), "CNY", "0.99"), loyalty.Member{}, loyalty.Standing{}, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(0), e.Total("points"))
	assert.Empty(t, e.Awards())
	assert.Equal(t, loyalty.OutcomeNoPoints, earnStep(t, e, "half").Outcome)
}

func TestPreviewExpressionEnvironment(t *testing.T) {
	at := time.Date(2026, 11, 11, 2, 30, 0, 0, time.UTC) // Wednesday 10:30 in Shanghai
	member := loyalty.Member{
		CustomerID: earnCustomer(t, "0190d1a2-7f3b-7c4d-8e5f-0a1b2c3d4e5f"),
		BirthDate:  kehu.MustDate(1988, time.November, 11),
		Tags:       []string{"VIP"}, Segments: []string{"Champions"},
		JoinedAt:   time.Date(2026, 11, 1, 15, 59, 0, 0, time.UTC), // Nov 1, 23:59 in Shanghai
		Attributes: map[string]any{"visits": 5, "city": "Shanghai"},
	}
	order := kehu.Order{ID: "SO-9", At: at, Currency: "CNY", Channel: "app", Store: "SH-001", Lines: []kehu.OrderLine{
		{ID: "1", SKU: "BEAN-250", Category: "coffee", Quantity: 2, Amount: kehu.MustMoney("199.00", "CNY")},
		{ID: "2", SKU: "MUG-01", Category: "homeware", Quantity: 1, Amount: kehu.MustMoney("0.005", "CNY")},
	}}
	tests := []struct {
		when string
		want bool
	}{
		{`order.total_minor == 19900`, true}, // 199.005 truncated to minor units
		{`order.total >= 199 && order.total < 199.01`, true},
		{`order.quantity == 3 && order.lines == 2`, true},
		{`order.id == "SO-9" && order.channel == "app" && order.store == "SH-001" && order.currency == "CNY"`, true},
		{`order.skus[0] == "BEAN-250" && len(order.skus) == 2 && "coffee" in order.categories`, true},
		{`hasSKU("BEAN-250") && hasCategory("homeware") && !hasSKU("bean-250")`, true},
		{`hasTag("vip") && hasTag("VIP") && !hasTag("new")`, true},
		{`inSegment("champions")`, true},
		{`member.tier == "gold" && member.birthday_month && member.birthday`, true},
		{`member.days_since_joined == 10`, true}, // Nov 1 to Nov 11 in Shanghai
		{`member.id == "0190d1a2-7f3b-7c4d-8e5f-0a1b2c3d4e5f"`, true},
		{`member.attributes["visits"] > 3 && member.attributes["city"] == "Shanghai"`, true},
		{`member.attributes["missing"] == nil`, true},
		{`date.year == 2026 && date.month == 11 && date.day == 11 && date.date == "2026-11-11"`, true},
		{`date.weekday == 3 && !date.weekend && date.hour == 10 && date.minute == 30`, true},
		{`date.hour == 2`, false}, // UTC hour: not what rules see
	}
	for _, tc := range tests {
		t.Run(tc.when, func(t *testing.T) {
			p := earnLoad(t, withTiers(earnProgramJSON(fmt.Sprintf(`{"rules": [
				{"id": "r", "priority": 1, "when": %q, "effect": {"point_type": "points", "bonus": 1}}]}`, tc.when))))
			e, err := p.Preview(order, member, loyalty.Standing{Tier: "gold"}, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.want, earnStep(t, e, "r").Matched)
		})
	}
}

func TestPreviewExpressionRuntimeError(t *testing.T) {
	for _, tc := range []struct {
		when    string
		perLine bool
	}{
		{`member.attributes["visits"] > 3`, false}, // nil > int
		{`order.lines % (order.quantity - 1) == 0`, false},
		{`line.quantity % (line.quantity - 1) == 0`, true}, // integer division by zero on a line of 1
		{`int(member.attributes["city"]) > 1`, false},
	} {
		t.Run(tc.when, func(t *testing.T) {
			p := earnLoad(t, earnProgramJSON(fmt.Sprintf(`{"rules": [
				{"id": "fragile", "priority": 1, "per_line": %t, "when": %q, "effect": {"point_type": "points", "bonus": 1}}]}`, tc.perLine, tc.when)))
			var e *loyalty.Earning
			var err error
			require.NotPanics(t, func() {
				e, err = p.Preview(earnOrder(earnAt(2026, 6, 1, 12, 0, 0), "CNY", "10"), loyalty.Member{Attributes: map[string]any{"city": "x"}}, loyalty.Standing{}, nil)
			})
			require.Error(t, err)
			assert.Nil(t, e)
			var rerr *loyalty.RuleError
			require.ErrorAs(t, err, &rerr)
			assert.Equal(t, "fragile", rerr.RuleID)
			if tc.perLine {
				assert.Equal(t, "1", rerr.LineID)
			}
		})
	}
}

func TestPreviewValidatesOrder(t *testing.T) {
	p := earnLoad(t, earnRetailJSON)
	someone := earnCustomer(t, "0190d1a2-7f3b-7c4d-8e5f-0a1b2c3d4e5f")
	other := earnCustomer(t, "0190d1a2-7f3b-7c4d-8e5f-0a1b2c3d4e60")
	order := kehu.Order{ID: "o", CustomerID: someone, Currency: "USD", Lines: []kehu.OrderLine{
		{ID: "1", Quantity: 1, Amount: kehu.MustMoney("10", "CNY")},
		{ID: "1", Quantity: 0, Amount: kehu.MustMoney("-1", "CNY")},
		{ID: "", Quantity: 1, Amount: kehu.MustMoney("5", "USD")},
		{ID: "4", Quantity: -2},
	}}
	_, err := p.Preview(order, loyalty.Member{CustomerID: other, BirthDate: kehu.Date{Year: 2023, Month: 2, Day: 30}}, loyalty.Standing{}, nil)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	want := []struct{ field, rule string }{
		{"order.at", "required"},
		{"order.currency", "currency_mismatch"},
		{"member.customer_id", "mismatch"},
		{"member.birth_date", "range"},
		{"order.lines[1].id", "unique"},
		{"order.lines[1].quantity", "range"},
		{"order.lines[1].amount", "range"},
		{"order.lines[2].id", "required"},
		{"order.lines[2].amount", "currency_mismatch"},
		{"order.lines[3].quantity", "range"},
		{"order.lines[3].amount", "required"},
	}
	for _, w := range want {
		assert.True(t, verr.Has(w.field, w.rule), "missing %s (%s)", w.field, w.rule)
	}
	assert.Len(t, verr.Fields, len(want), "%v", verr)

	_, err = p.Preview(kehu.Order{ID: "o", At: earnAt(2026, 1, 1, 0, 0, 0), Currency: "cny"}, loyalty.Member{}, loyalty.Standing{}, nil)
	assert.NoError(t, err, "currency codes are read as crm.ParseCurrency reads them; an empty order earns nothing")
	_, err = p.Preview(kehu.Order{ID: "o", At: earnAt(2026, 1, 1, 0, 0, 0), Currency: "C"}, loyalty.Member{}, loyalty.Standing{}, nil)
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("order.currency", "format"), "%v", verr)
}

func TestPreviewHugeAmountsDoNotOverflow(t *testing.T) {
	p := earnLoad(t, earnProgramJSON(`{"base": [{"point_type": "points", "points": 1000000, "per": "0.000000000001"}]}`))
	_, err := p.Preview(earnOrder(earnAt(2026, 1, 1, 0, 0, 0), "CNY", "999999999999999999999999999999"), loyalty.Member{}, loyalty.Standing{}, nil)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("order.lines[0].amount", "range"), "%v", verr)

	// Two lines that each fit but whose sum does not.
	p = earnLoad(t, earnProgramJSON(`{"base": [{"point_type": "points", "points": 1, "per": "1"}]}`))
	_, err = p.Preview(earnOrder(earnAt(2026, 1, 1, 0, 0, 0), "CNY", "9000000000000000000", "9000000000000000000"), loyalty.Member{}, loyalty.Standing{}, nil)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
}

func TestEarningTotalPerPointType(t *testing.T) {
	// As Preview records it.
	p := earnLoad(t, `{"id": "test", "version": 1, "name": "Test", "time_zone": "Asia/Shanghai", "currency": "CNY",
	  "point_types": [{"code": "points", "name": "Points", "kind": "spendable", "expiry": {"kind": "never"}},
	                  {"code": "status", "name": "Status", "kind": "qualifying", "expiry": {"kind": "never"}}],
	  "earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}],
	              "rules": [{"id": "status", "priority": 1, "effect": {"point_type": "status", "bonus": 7}}]}}`)
	previewed, err := p.Preview(earnOrder(earnAt(2026, 1, 1, 0, 0, 0), "CNY", "5", "3"), loyalty.Member{}, loyalty.Standing{}, nil)
	require.NoError(t, err)
	// As decoded from JSON.
	var decoded loyalty.Earning
	require.NoError(t, json.Unmarshal([]byte(`{"awards": [{"point_type": "points", "points": 5, "rule_id": "base"},
		{"point_type": "status", "points": 7, "rule_id": "status"}, {"point_type": "points", "points": 3, "rule_id": "base"}]}`), &decoded))
	for _, e := range []*loyalty.Earning{previewed, &decoded} {
		assert.Equal(t, int64(8), e.Total("points"))
		assert.Equal(t, int64(7), e.Total("status"))
		assert.Equal(t, int64(0), e.Total("miles"))
	}
	var nilE *loyalty.Earning
	assert.Equal(t, int64(0), nilE.Total("points"))
	assert.Nil(t, nilE.Awards())
	assert.Nil(t, nilE.Explanation())
}

func TestEventAwards(t *testing.T) {
	p := earnLoad(t, withTiers(earnProgramJSON(`{"events": [
		{"id": "welcome", "event": "signup", "point_type": "points", "points": 100, "once": "ever"},
		{"id": "bday", "event": "birthday", "point_type": "points", "points": 200, "once": "year"},
		{"id": "review", "event": "review", "point_type": "points", "points": 10, "once": "month"},
		{"id": "review-gold", "event": "review", "when": "member.tier == \"gold\"", "point_type": "points", "points": 5},
		{"id": "ref-out", "event": "referral_referrer", "point_type": "points", "points": 300},
		{"id": "ref-in", "event": "referral_referee", "point_type": "points", "points": 50, "once": "ever"}]}`)))
	tests := []struct {
		name     string
		event    loyalty.MemberEvent
		at       time.Time
		standing loyalty.Standing
		past     []earnPast
		want     map[string]int64
		outcomes []loyalty.StepOutcome
	}{
		{"first signup", loyalty.EventSignup, earnAt(2026, 1, 1, 0, 0, 0), loyalty.Standing{}, nil,
			map[string]int64{"welcome": 100}, []loyalty.StepOutcome{loyalty.OutcomeAwarded}},
		{"second signup, years later", loyalty.EventSignup, earnAt(2030, 1, 1, 0, 0, 0), loyalty.Standing{},
			[]earnPast{{"welcome", earnAt(2026, 1, 1, 0, 0, 0), 100}},
			map[string]int64{}, []loyalty.StepOutcome{loyalty.OutcomeOnceLimit}},
		{"birthday once a year, in the programme's year", loyalty.EventBirthday, time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC), // 2027 in Shanghai
			loyalty.Standing{}, []earnPast{{"bday", earnAt(2026, 12, 31, 23, 0, 0), 200}},
			map[string]int64{"bday": 200}, []loyalty.StepOutcome{loyalty.OutcomeAwarded}},
		{"birthday twice in a year", loyalty.EventBirthday, earnAt(2026, 12, 31, 23, 59, 0),
			loyalty.Standing{}, []earnPast{{"bday", earnAt(2026, 1, 1, 0, 0, 0), 200}},
			map[string]int64{}, []loyalty.StepOutcome{loyalty.OutcomeOnceLimit}},
		{"review: monthly rule used, gold rule has no limit", loyalty.EventReview, earnAt(2026, 5, 31, 23, 0, 0),
			loyalty.Standing{Tier: "gold"}, []earnPast{{"review", earnAt(2026, 5, 1, 0, 0, 0), 10}},
			map[string]int64{"review-gold": 5}, []loyalty.StepOutcome{loyalty.OutcomeOnceLimit, loyalty.OutcomeAwarded}},
		{"review next month, not gold", loyalty.EventReview, earnAt(2026, 6, 1, 0, 0, 0),
			loyalty.Standing{Tier: "silver"}, []earnPast{{"review", earnAt(2026, 5, 1, 0, 0, 0), 10}},
			map[string]int64{"review": 10}, []loyalty.StepOutcome{loyalty.OutcomeAwarded, loyalty.OutcomeNotMatched}},
		{"referrer, every time", loyalty.EventReferralReferrer, earnAt(2026, 6, 1, 0, 0, 0), loyalty.Standing{},
			[]earnPast{{"ref-out", earnAt(2026, 6, 1, 0, 0, 0), 300}},
			map[string]int64{"ref-out": 300}, []loyalty.StepOutcome{loyalty.OutcomeAwarded}},
		{"no rule for the event", loyalty.EventProfileCompleted, earnAt(2026, 6, 1, 0, 0, 0), loyalty.Standing{}, nil,
			map[string]int64{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			awards, steps, err := p.EventAwards(tc.event, tc.at, loyalty.Member{}, tc.standing, &earnHistory{past: tc.past})
			require.NoError(t, err)
			got := map[string]int64{}
			for _, a := range awards {
				assert.Empty(t, a.LineID)
				assert.Equal(t, "points", a.PointType)
				got[a.RuleID] += a.Points
			}
			assert.Equal(t, tc.want, got)
			var outcomes []loyalty.StepOutcome
			for _, s := range steps {
				outcomes = append(outcomes, s.Outcome)
			}
			assert.Equal(t, tc.outcomes, outcomes)
		})
	}

	_, _, err := p.EventAwards("anniversary", earnAt(2026, 6, 1, 0, 0, 0), loyalty.Member{}, loyalty.Standing{}, nil)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("event", "enum"))
	_, _, err = p.EventAwards(loyalty.EventSignup, time.Time{}, loyalty.Member{}, loyalty.Standing{}, nil)
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("at", "required"))

	// nil usage: nothing awarded before.
	awards, _, err := p.EventAwards(loyalty.EventSignup, earnAt(2026, 6, 1, 0, 0, 0), loyalty.Member{}, loyalty.Standing{}, nil)
	require.NoError(t, err)
	assert.Equal(t, []loyalty.Award{{PointType: "points", Points: 100, RuleID: "welcome"}}, awards)
}

func TestEventAwardsRuntimeError(t *testing.T) {
	p := earnLoad(t, earnProgramJSON(`{"events": [
		{"id": "rev", "event": "review", "when": "member.attributes[\"stars\"] >= 4", "point_type": "points", "points": 5}]}`))
	_, _, err := p.EventAwards(loyalty.EventReview, earnAt(2026, 6, 1, 0, 0, 0), loyalty.Member{}, loyalty.Standing{}, nil)
	var rerr *loyalty.RuleError
	require.ErrorAs(t, err, &rerr)
	assert.Equal(t, "rev", rerr.RuleID)
	assert.False(t, errors.Is(err, kehu.ErrInvalid))

	awards, _, err := p.EventAwards(loyalty.EventReview, earnAt(2026, 6, 1, 0, 0, 0), loyalty.Member{Attributes: map[string]any{"stars": 5}}, loyalty.Standing{}, nil)
	require.NoError(t, err)
	assert.Len(t, awards, 1)
}

func earnCustomer(t *testing.T, s string) crm.CustomerID {
	t.Helper()
	id, err := crm.ParseCustomerID(s)
	require.NoError(t, err)
	return id
}

func TestPreviewConcurrentUse(t *testing.T) {
	// A validated programme is immutable: many goroutines preview with it at once (run with
	// -race).
	p := earnLoad(t, earnRetailJSON)
	order := earnOrder(time.Date(2026, 3, 31, 17, 0, 0, 0, time.UTC), "CNY", "99.99", "45.50")
	member := loyalty.Member{BirthDate: kehu.MustDate(1990, time.April, 17), Tags: []string{"vip"}}
	want, err := p.Preview(order, member, loyalty.Standing{}, nil)
	require.NoError(t, err)
	errs := make(chan error, 16)
	for range 16 {
		go func() {
			for range 50 {
				got, err := p.Preview(order, member, loyalty.Standing{}, nil)
				if err == nil && got.Total("points") != want.Total("points") {
					err = fmt.Errorf("total %d, want %d", got.Total("points"), want.Total("points"))
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 16 {
		assert.NoError(t, <-errs)
	}
}

// TestPreviewBaseRateAgainstExactRationals checks base points against an independent
// computation in exact rationals (math/big.Rat) with the rounding modes written out, for
// random amounts (small ones and ones beyond 64 bits), rates and modes.
func TestPreviewBaseRateAgainstExactRationals(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 2026))
	modes := []string{"half_up", "half_even", "half_down", "down", "up", "floor", "ceiling"}
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		b[0] = byte('1' + rng.IntN(9))
		return string(b)
	}
	for i := range 3000 {
		points := rng.Int64N(1_000_000) + 1
		if rng.IntN(2) == 0 {
			points = rng.Int64N(10) + 1
		}
		per := digits(rng.IntN(4) + 1)
		if k := rng.IntN(4); k > 0 && len(per) > k {
			per = per[:len(per)-k] + "." + per[len(per)-k:]
		} else if k > 0 {
			per = "0." + strings.Repeat("0", k-len(per)) + per
		}
		amount := digits(rng.IntN(28) + 1)
		if rng.IntN(2) == 0 {
			amount = digits(rng.IntN(6)+1) + "." + digits(2)
		}
		mode := modes[rng.IntN(len(modes))]

		r := new(big.Rat)
		r.SetString(amount)
		r.Mul(r, new(big.Rat).SetInt64(points))
		perR, _ := new(big.Rat).SetString(per)
		r.Quo(r, perR)
		want, fits := earnRound(r, mode)

		name := fmt.Sprintf("%d: %s × %d ÷ %s, %s", i, amount, points, per, mode)
		p, err := loyalty.LoadProgram(strings.NewReader(earnProgramJSON(fmt.Sprintf(
			`{"base": [{"point_type": "points", "points": %d, "per": %q, "rounding": %q}]}`, points, per, mode))))
		require.NoError(t, err, name)
		e, err := p.Preview(earnOrder(earnAt(2026, 6, 1, 12, 0, 0), "CNY", amount), loyalty.Member{}, loyalty.Standing{}, nil)
		if !fits {
			require.ErrorIs(t, err, kehu.ErrInvalid, name)
			continue
		}
		require.NoError(t, err, name)
		require.Equal(t, want, e.Total("points"), name)
	}
}

// earnRound rounds a non-negative rational to an integer by the named mode, and reports
// whether it fits in an int64.
func earnRound(r *big.Rat, mode string) (int64, bool) {
	q, rem := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if rem.Sign() != 0 {
		twice := new(big.Int).Lsh(rem, 1)
		c := twice.Cmp(r.Denom()) // fraction against one half
		up := false
		switch mode {
		case "up", "ceiling":
			up = true
		case "half_up":
			up = c >= 0
		case "half_down":
			up = c > 0
		case "half_even":
			up = c > 0 || (c == 0 && q.Bit(0) == 1)
		}
		if up {
			q.Add(q, big.NewInt(1))
		}
	}
	return q.Int64(), q.IsInt64()
}

func TestDivisionByZeroInARuleIsAnError(t *testing.T) {
	// Spend per visit is order.total / visits; a member with no visits yet must not match
	// "more than 2 per visit" by dividing into +Inf.
	p := earnLoad(t, earnProgramJSON(`{"rules": [
		{"id": "dear", "priority": 1, "when": "order.total / member.attributes[\"visits\"] > 2", "effect": {"point_type": "points", "bonus": 10}}]}`))
	order := earnOrder(earnAt(2026, 6, 1, 12, 0, 0), "CNY", "30.00")
	_, err := p.Preview(order, loyalty.Member{Attributes: map[string]any{"visits": 0}}, loyalty.Standing{}, nil)
	var rerr *loyalty.RuleError
	require.ErrorAs(t, err, &rerr)
	assert.Equal(t, "dear", rerr.RuleID)
	assert.Contains(t, err.Error(), "division by zero")

	e, err := p.Preview(order, loyalty.Member{Attributes: map[string]any{"visits": 3}}, loyalty.Standing{}, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(10), e.Total("points"))

	// A constant zero divisor is refused when the programme is loaded.
	verr := earnLoadErr(t, earnProgramJSON(`{"rules": [
		{"id": "dear", "priority": 1, "when": "order.total / 0 > 2", "effect": {"point_type": "points", "bonus": 10}}]}`))
	assert.True(t, verr.Has("earning.rules[0].when", "expression"), "%v", verr)
}

// TestPreviewLeapDayBirthday: a member born on 29 February has member.birthday on
// 28 February in common years and on 29 February in leap years, never on 1 March, and
// the day is the programme's (Shanghai, UTC+8): 2025-02-27T16:30Z is already 28 February
// 00:30 there, and 2025-02-28T16:30Z is 1 March.
func TestPreviewLeapDayBirthday(t *testing.T) {
	p := earnLoad(t, earnProgramJSON(`{"rules": [
		{"id": "r", "priority": 1, "when": "member.birthday", "effect": {"point_type": "points", "bonus": 1}}]}`))
	leapling := loyalty.Member{BirthDate: kehu.MustDate(2000, time.February, 29)}
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2025, 2, 27, 15, 59, 59, 0, time.UTC), false}, // 27 February 23:59:59
		{time.Date(2025, 2, 27, 16, 30, 0, 0, time.UTC), true},   // 28 February 00:30
		{time.Date(2025, 2, 28, 15, 59, 59, 0, time.UTC), true},  // 28 February 23:59:59
		{time.Date(2025, 2, 28, 16, 30, 0, 0, time.UTC), false},  // 1 March 00:30
		{time.Date(2028, 2, 28, 4, 0, 0, 0, time.UTC), false},    // a leap year: not the 28th
		{time.Date(2028, 2, 29, 4, 0, 0, 0, time.UTC), true},
		{time.Date(2028, 3, 1, 4, 0, 0, 0, time.UTC), false},
	} {
		e, err := p.Preview(earnOrder(tc.at, "CNY", "100.00"), leapling, loyalty.Standing{}, nil)
		require.NoError(t, err)
		assert.Equal(t, tc.want, earnStep(t, e, "r").Matched, "order at %s", tc.at)
	}
}
