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

// retailTiers is the retail programme with its tiers: Silver, Gold and Platinum by
// 12-month spend, reviewed on the membership anniversary, at most one level down per
// review, 30 days' grace.
const retailTiers = `{
  "id": "retail-cn", "version": 1, "name": "Retail Rewards",
  "time_zone": "Asia/Shanghai", "currency": "CNY",
  "point_types": [
    {"code": "points", "name": "积分", "kind": "spendable", "expiry": {"kind": "end_of_year", "years": 1}, "value_per_point": "0.01"}
  ],
  "earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}]},
  "tiers": {
    "levels": [
      {"code": "member", "name": "会员"},
      {"code": "silver", "name": "银卡", "spend": "2000"},
      {"code": "gold", "name": "金卡", "spend": "8000", "perks": ["free-delivery"]},
      {"code": "platinum", "name": "白金卡", "spend": "20000", "perks": ["free-delivery", "concierge"]}
    ],
    "window": {"kind": "rolling_months", "months": 12},
    "review": "anniversary", "max_drop": 1, "grace_days": 30
  }
}`

func order(id string, at time.Time, lines ...string) kehu.Order {
	o := kehu.Order{ID: id, At: at, Currency: "CNY"}
	for i, amount := range lines {
		o.Lines = append(o.Lines, kehu.OrderLine{ID: fmt.Sprint(i + 1), SKU: "SKU", Category: "general", Quantity: 1,
			Amount: kehu.MustMoney(amount, "CNY")})
	}
	return o
}

func TestTiers(t *testing.T) {
	p, err := loyalty.LoadProgram(strings.NewReader(retailTiers))
	require.NoError(t, err)
	start := time.Date(2026, 1, 10, 2, 0, 0, 0, time.UTC)
	opts, clock, _ := kehu.Deterministic(start)
	rec := &kehu.Recorder{}
	opts.Events = rec
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	m := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{7})}
	tier := func() *loyalty.TierStatus {
		t.Helper()
		st, err := svc.EvaluateTier(ctx, p, m.CustomerID)
		require.NoError(t, err)
		return st
	}

	assert.Equal(t, "member", tier().State.Tier, "a new member starts at the first level")
	_, err = svc.EarnOrder(ctx, p, order("SO-1", clock.Now(), "1500.00", "1500.00"), m)
	require.NoError(t, err)
	st := tier()
	assert.Equal(t, "silver", st.State.Tier, "upgrade as soon as the threshold is crossed")
	assert.Equal(t, int64(300000), st.Figures.Spend)
	require.NotNil(t, st.Next)
	assert.Equal(t, "gold", st.Next.Tier)
	assert.True(t, kehu.MustMoney("5000", "CNY").Equal(st.Next.Spend), "spend ¥5,000 more for gold, got %s", st.Next.Spend)

	clock.Advance(24 * time.Hour)
	_, err = svc.EarnOrder(ctx, p, order("SO-2", clock.Now(), "6000.00"), m)
	require.NoError(t, err)
	assert.Equal(t, "gold", tier().State.Tier)

	// A refund lowers the figures at once but never the tier before the review.
	_, err = svc.Refund(ctx, p, loyalty.Refund{Customer: m.CustomerID, Order: "SO-2", Key: "refund-SO-2"})
	require.NoError(t, err)
	st = tier()
	assert.Equal(t, int64(300000), st.Figures.Spend, "the refunded line's spend is taken back")
	assert.Equal(t, "gold", st.State.Tier)

	// At the anniversary review (2027-01-10) the 12-month spend is ¥3,000: silver, but the
	// drop is delayed by 30 days of grace.
	clock.Set(time.Date(2027, 1, 10, 3, 0, 0, 0, time.UTC))
	n, err := svc.ReviewTiers(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	st = tier()
	assert.Equal(t, "gold", st.State.Tier, "grace period")
	assert.Equal(t, "silver", st.State.DowngradeTo)

	clock.Set(time.Date(2027, 2, 10, 3, 0, 0, 0, time.UTC))
	_, err = svc.ReviewTiers(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, "silver", tier().State.Tier, "after the grace period: one level down")

	// A status match lifts the member to platinum for 60 days, then ends.
	_, err = svc.AssignTier(ctx, p, m.CustomerID, "platinum", clock.Now().AddDate(0, 0, 60), "status match: airline gold")
	require.NoError(t, err)
	assert.Equal(t, "platinum", tier().State.Tier)
	clock.Set(clock.Now().AddDate(0, 0, 61))
	_, err = svc.ReviewTiers(ctx, p)
	require.NoError(t, err)
	st = tier()
	assert.Equal(t, "silver", st.State.Tier, "an assignment is no floor")
	assert.Empty(t, st.State.Assigned)

	var path []string
	for _, h := range st.State.History {
		path = append(path, h.To)
	}
	assert.Equal(t, []string{"member", "silver", "gold", "silver", "platinum", "silver"}, path)
	var events int
	for _, e := range rec.Events() {
		if e.EventName() == "loyalty.tier_changed" {
			events++
		}
	}
	assert.Equal(t, len(path), events)

	// Replaying an order event changes neither the points nor the tier figures.
	_, err = svc.EarnOrder(ctx, p, order("SO-1", start, "1500.00", "1500.00"), m)
	require.NoError(t, err)
	assert.Equal(t, st.Figures, tier().Figures)
}

func TestTierValidation(t *testing.T) {
	bad := strings.Replace(retailTiers, `"spend": "8000"`, `"spend": "1000.001"`, 1)
	bad = strings.Replace(bad, `"review": "anniversary"`, `"review": "weekly"`, 1)
	_, err := loyalty.LoadProgram(strings.NewReader(bad))
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("tiers.levels[2].spend", "precision"), "%v", err)
	assert.True(t, verr.Has("tiers.levels[2]", "order"), "%v", err)
	assert.True(t, verr.Has("tiers.review", "enum"), "%v", err)
}

func TestTierMultiplierInRules(t *testing.T) {
	json := strings.Replace(retailTiers, `{"code": "gold", "name": "金卡", "spend": "8000", "perks": ["free-delivery"]}`,
		`{"code": "gold", "name": "金卡", "spend": "8000", "multiplier": "1.5", "perks": ["free-delivery"]}`, 1)
	json = strings.Replace(json, `"earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}]}`,
		`"earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}],
		 "rules": [{"id": "tier-bonus", "name": "Tier earning bonus", "priority": 1, "effect": {"point_type": "points", "tier_multiplier": true}}]}`, 1)
	p, err := loyalty.LoadProgram(strings.NewReader(json))
	require.NoError(t, err)
	o := order("SO-9", time.Date(2026, 5, 1, 3, 0, 0, 0, time.UTC), "101.00", "33.00")
	for _, tc := range []struct {
		tier string
		want int64
	}{{"gold", 101 + 50 + 33 + 16}, {"silver", 134}, {"", 134}} {
		e, err := p.Preview(o, loyalty.Member{}, loyalty.Standing{Tier: tc.tier}, nil)
		require.NoError(t, err)
		assert.Equal(t, tc.want, e.Total("points"), "tier %q: half again per line, rounded down", tc.tier)
	}
	noTiers := p.Spec()
	noTiers.Tiers = nil
	_, err = loyalty.Compile(noTiers)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("earning.rules[0].effect.tier_multiplier", "tiers"), "%v", err)
}

func TestReleaseAndTierAt(t *testing.T) {
	json := strings.Replace(retailTiers, `"value_per_point": "0.01"}`, `"value_per_point": "0.01", "pending_days": 14}`, 1)
	p, err := loyalty.LoadProgram(strings.NewReader(json))
	require.NoError(t, err)
	start := time.Date(2026, 1, 10, 2, 0, 0, 0, time.UTC)
	opts, clock, _ := kehu.Deterministic(start)
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	m := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{8})}
	_, err = svc.EarnOrder(ctx, p, order("SO-1", clock.Now(), "2500.00"), m)
	require.NoError(t, err)
	b, err := svc.Balance(ctx, p, m.CustomerID, "points")
	require.NoError(t, err)
	assert.Equal(t, int64(0), b.Available)
	assert.Equal(t, int64(2500), b.Pending, "held for the 14-day return window")

	clock.Advance(time.Hour)
	e, err := svc.Release(ctx, p, m.CustomerID, "points", "SO-1")
	require.NoError(t, err)
	assert.Equal(t, loyalty.KindRelease, e.Kind)
	assert.Equal(t, int64(0), e.Points)
	b, _ = svc.Balance(ctx, p, m.CustomerID, "points")
	assert.Equal(t, int64(2500), b.Available)
	again, err := svc.Release(ctx, p, m.CustomerID, "points", "SO-1")
	require.NoError(t, err)
	assert.True(t, again.ID.IsZero(), "nothing left to release")

	st, err := svc.EvaluateTier(ctx, p, m.CustomerID)
	require.NoError(t, err)
	assert.Equal(t, "", st.State.TierAt(start.Add(-time.Second)), "before joining")
	assert.Equal(t, "silver", st.State.TierAt(clock.Now()))
}

func TestEarnOrderReplayAndReusedKey(t *testing.T) {
	p := loyalty.MustLoadProgram(retailTiers)
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 2, 1, 2, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	m := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{4})}
	o := order("SO-7", clock.Now(), "120.00", "30.00")
	first, err := svc.EarnOrder(ctx, p, o, m)
	require.NoError(t, err)
	m.Tags = []string{"vip"} // the member changed since; the order did not
	again, err := svc.EarnOrder(ctx, p, o, m)
	require.NoError(t, err)
	assert.Equal(t, first.Entries[0].ID, again.Entries[0].ID, "a replayed order event returns the first result")
	o.Lines[1].Amount = kehu.MustMoney("31.00", "CNY")
	_, err = svc.EarnOrder(ctx, p, o, m)
	assert.ErrorIs(t, err, kehu.ErrKeyReused, "the same order ID with other lines is refused")
	b, err := svc.Balance(ctx, p, m.CustomerID, "points")
	require.NoError(t, err)
	assert.Equal(t, int64(150), b.Available)
}
