package loyalty_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// TestPreviewSharedConditions checks that rules sharing a condition, which Preview
// evaluates once per order (or line), earn exactly what the same rules earn with their
// conditions written differently enough that nothing is shared: the independent
// computation is the programme without sharing.
func TestPreviewSharedConditions(t *testing.T) {
	// Each rule: id, per_line, exclusive, condition. Conditions repeat across per-order
	// rules, across per-line rules, and between a per-order and a per-line rule (the same
	// text means different things there: any line vs. this line).
	type rule struct {
		perLine, exclusive bool
		when               string
	}
	rules := []rule{
		{false, false, `member.tier == "gold"`},
		{true, false, `line.category == "coffee"`},
		{false, false, `order.total_minor >= 10000`},
		{true, false, `line.category == "coffee"`},
		{false, false, `member.tier == "gold"`},
		{true, false, `line.amount_minor >= 5000`},
		{false, false, `hasCategory("tea")`},
		{true, false, `hasCategory("tea")`},
		{false, false, `order.total_minor >= 10000`},
		{true, false, `line.amount_minor >= 5000`},
		{false, true, `member.tier == "silver"`}, // does not match: nothing stops
		{false, false, `member.tier == "gold"`},
		{true, true, `line.category == "tea"`}, // matches: stops the rest
		{false, false, `member.tier == "gold"`},
		{true, false, `line.category == "coffee"`},
	}
	build := func(respell bool) *loyalty.Program {
		var rs []string
		for i, r := range rules {
			when := r.when
			if respell {
				// Same meaning, different text, so no two rules share a condition.
				when = fmt.Sprintf("(%s)%s", when, strings.Repeat(" && true", i+1))
			}
			rs = append(rs, fmt.Sprintf(`{"id": "r%02d", "priority": %d, "per_line": %t, "exclusive": %t, "when": %q,
				"effect": {"point_type": "points", "extra_base": "0.%d", "bonus": %d}}`, i, i+1, r.perLine, r.exclusive, when, i+1, i+1))
		}
		return earnLoad(t, withTiers(earnProgramJSON(`{"base": [{"point_type": "points", "points": 1, "per": "1"}], "rules": [`+
			strings.Join(rs, ",")+`]}`)))
	}
	shared, spelled := build(false), build(true)

	order := kehu.Order{ID: "o", At: earnAt(2026, 6, 1, 12, 0, 0), Currency: "CNY", Lines: []kehu.OrderLine{
		{ID: "a", Category: "coffee", Quantity: 1, Amount: kehu.MustMoney("60.00", "CNY")},
		{ID: "b", Category: "tea", Quantity: 1, Amount: kehu.MustMoney("20.00", "CNY")},
		{ID: "c", Category: "coffee", Quantity: 2, Amount: kehu.MustMoney("30.00", "CNY")},
		{ID: "d", Category: "homeware", Quantity: 1, Amount: kehu.MustMoney("75.50", "CNY")},
	}}
	for _, tier := range []string{"gold", "silver", ""} {
		t.Run("tier="+tier, func(t *testing.T) {
			st := loyalty.Standing{Tier: tier}
			got, err := shared.Preview(order, loyalty.Member{}, st, nil)
			require.NoError(t, err)
			want, err := spelled.Preview(order, loyalty.Member{}, st, nil)
			require.NoError(t, err)
			assert.Equal(t, want.Awards(), got.Awards())
			wantSteps, gotSteps := want.Explanation(), got.Explanation()
			require.Len(t, gotSteps, len(wantSteps))
			for i, w := range wantSteps {
				assert.Equal(t, w.Outcome, gotSteps[i].Outcome, w.RuleID)
				assert.Equal(t, w.Points, gotSteps[i].Points, w.RuleID)
				assert.Equal(t, w.Detail, gotSteps[i].Detail, w.RuleID)
			}
		})
	}
	// The silver exclusive rule stops everything after it for a silver member.
	e, err := shared.Preview(order, loyalty.Member{}, loyalty.Standing{Tier: "silver"}, nil)
	require.NoError(t, err)
	assert.Equal(t, loyalty.OutcomeStopped, earnStep(t, e, "r11").Outcome)
	// For gold the per-line tea rule matches line b and stops r13 and r14.
	e, err = shared.Preview(order, loyalty.Member{}, loyalty.Standing{Tier: "gold"}, nil)
	require.NoError(t, err)
	assert.Equal(t, loyalty.OutcomeAwarded, earnStep(t, e, "r11").Outcome)
	assert.Equal(t, loyalty.OutcomeStopped, earnStep(t, e, "r13").Outcome)
	assert.Equal(t, "matched 2 of 4 lines: +"+fmt.Sprint(earnStep(t, e, "r01").Points)+" points", earnStep(t, e, "r01").Detail)
}

// TestPreviewSharedConditionError checks that a shared condition failing at run time is
// reported for the first rule that evaluates it, as without sharing.
func TestPreviewSharedConditionError(t *testing.T) {
	p := earnLoad(t, earnProgramJSON(`{"rules": [
		{"id": "first", "priority": 1, "when": "member.attributes[\"visits\"] > 3", "effect": {"point_type": "points", "bonus": 1}},
		{"id": "second", "priority": 2, "when": "member.attributes[\"visits\"] > 3", "effect": {"point_type": "points", "bonus": 2}}]}`))
	_, err := p.Preview(earnOrder(earnAt(2026, 6, 1, 12, 0, 0), "CNY", "10"), loyalty.Member{}, loyalty.Standing{}, nil)
	var rerr *loyalty.RuleError
	require.ErrorAs(t, err, &rerr)
	assert.Equal(t, "first", rerr.RuleID)
}

// TestEarnOrderDigestByValue checks that the idempotency digest of an order reads amounts
// by value: 30.5 and 30.50 are the same order, 30.51 is another.
func TestEarnOrderDigestByValue(t *testing.T) {
	p := loyalty.MustLoadProgram(retailTiers)
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 2, 1, 2, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	m := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{9})}
	o := order("SO-8", clock.Now(), "120.00", "30.5")
	first, err := svc.EarnOrder(ctx, p, o, m)
	require.NoError(t, err)
	o.Lines[1].Amount = kehu.MustMoney("30.50", "CNY")
	again, err := svc.EarnOrder(ctx, p, o, m)
	require.NoError(t, err, "the same amount written with a trailing zero is the same order")
	assert.Equal(t, first.Entries, again.Entries)
	o.Lines[1].Amount = kehu.MustMoney("30.51", "CNY")
	_, err = svc.EarnOrder(ctx, p, o, m)
	assert.ErrorIs(t, err, kehu.ErrKeyReused)
	o.Lines[1].Amount = kehu.MustMoney("305", "CNY")
	_, err = svc.EarnOrder(ctx, p, o, m)
	assert.ErrorIs(t, err, kehu.ErrKeyReused, "30.5 and 305 differ only in the exponent")
}

// TestPreviewResultsAreItsOwn checks that an earning shares nothing with the working memory
// the programme reuses: a later Preview of another order leaves it as it was.
func TestPreviewResultsAreItsOwn(t *testing.T) {
	p := earnLoad(t, earnProgramJSON(`{"base": [{"point_type": "points", "points": 1, "per": "1"}],
		"rules": [{"id": "big", "priority": 1, "when": "order.total_minor >= 10000", "effect": {"point_type": "points", "bonus": 50}},
		          {"id": "coffee", "priority": 2, "per_line": true, "when": "line.category == \"general\"",
		           "effect": {"point_type": "points", "multiplier": "2"}}]}`))
	first, err := p.Preview(earnOrder(earnAt(2026, 6, 1, 12, 0, 0), "CNY", "80", "40"), loyalty.Member{}, loyalty.Standing{}, nil)
	require.NoError(t, err)
	wantAwards, wantSteps := first.Awards(), first.Explanation()
	for range 3 {
		o := earnOrder(earnAt(2026, 6, 2, 12, 0, 0), "CNY", "5", "6", "7", "8")
		o.ID = "SO-2"
		for i := range o.Lines {
			o.Lines[i].ID = "other-" + o.Lines[i].ID
		}
		_, err := p.Preview(o, loyalty.Member{}, loyalty.Standing{}, nil)
		require.NoError(t, err)
	}
	assert.Equal(t, wantAwards, first.Awards())
	assert.Equal(t, wantSteps, first.Explanation())
}
