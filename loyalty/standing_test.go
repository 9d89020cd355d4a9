package loyalty_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// tierRules is the retail programme with tiers and rules that read member.tier: a silver
// bonus on every order, a gold multiplier and a review bonus for gold members.
func tierRules(t *testing.T) *loyalty.Program {
	t.Helper()
	json := strings.Replace(retailTiers, `{"code": "gold", "name": "金卡", "spend": "8000", "perks": ["free-delivery"]}`,
		`{"code": "gold", "name": "金卡", "spend": "8000", "multiplier": "1.5", "perks": ["free-delivery"]}`, 1)
	json = strings.Replace(json, `"earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}]}`,
		`"earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}],
		 "rules": [
		   {"id": "silver-bonus", "name": "Silver bonus", "priority": 1, "when": "member.tier == \"silver\"", "effect": {"point_type": "points", "bonus": 100}},
		   {"id": "tier-mult", "name": "Tier benefit", "priority": 2, "effect": {"point_type": "points", "tier_multiplier": true}}],
		 "events": [{"id": "gold-review", "event": "review", "when": "member.tier == \"gold\"", "point_type": "points", "points": 50}]}`, 1)
	p, err := loyalty.LoadProgram(strings.NewReader(json))
	require.NoError(t, err)
	return p
}

func step(t *testing.T, e *loyalty.Earning, rule string) loyalty.Step {
	t.Helper()
	for _, s := range e.Explanation() {
		if s.RuleID == rule {
			return s
		}
	}
	t.Fatalf("no step for rule %s", rule)
	return loyalty.Step{}
}

func TestEarnOrderReadsTheTierAfterItsOwnUpgrade(t *testing.T) {
	p := tierRules(t)
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	m := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{9})}

	small, err := svc.EarnOrder(ctx, p, order("SO-1", clock.Now(), "500.00"), m)
	require.NoError(t, err)
	assert.Equal(t, int64(500), small.Earning.Total("points"), "a plain member: no silver bonus")

	// ¥500 + ¥1,600 crosses ¥2,000: this very order makes the member silver and earns as silver.
	clock.Advance(time.Hour)
	up, err := svc.EarnOrder(ctx, p, order("SO-2", clock.Now(), "1600.00"), m)
	require.NoError(t, err)
	assert.True(t, step(t, up.Earning, "silver-bonus").Matched, "the silver rule sees the upgrade the order causes")
	assert.Equal(t, int64(1600+100), up.Earning.Total("points"))
	st, err := svc.Standing(ctx, p, m.CustomerID)
	require.NoError(t, err)
	assert.Equal(t, loyalty.Standing{Tier: "silver"}, st)

	// Crossing ¥8,000 makes the member gold: the gold multiplier applies, the silver bonus no longer.
	clock.Advance(time.Hour)
	gold, err := svc.EarnOrder(ctx, p, order("SO-3", clock.Now(), "6000.00"), m)
	require.NoError(t, err)
	assert.False(t, step(t, gold.Earning, "silver-bonus").Matched)
	assert.Equal(t, int64(6000+3000), gold.Earning.Total("points"), "half again as gold")

	// Event rules read the ledger's tier too.
	res, err := svc.EarnEvent(ctx, p, loyalty.EventReview, m, "review-1")
	require.NoError(t, err)
	assert.Equal(t, int64(50), res.Earning.Total("points"))
	other := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{10})}
	res, err = svc.EarnEvent(ctx, p, loyalty.EventReview, other, "review-2")
	require.NoError(t, err)
	assert.Equal(t, int64(0), res.Earning.Total("points"), "a plain member gets no gold bonus")
}

func TestEarnOrderCountsTheQualifyingPointsItEarns(t *testing.T) {
	p := statusTiers(t) // tiers by status points, earned 1 per ¥1; gold earns 100 more
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	m := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{11})}
	res, err := svc.EarnOrder(ctx, p, order("SO-1", clock.Now(), "8000.00"), m)
	require.NoError(t, err)
	assert.Equal(t, int64(8000+100), res.Earning.Total("status"), "the order's own status points make the member gold")
	st, err := svc.EvaluateTier(ctx, p, m.CustomerID)
	require.NoError(t, err)
	assert.Equal(t, "gold", st.State.Tier)
	assert.Equal(t, int64(8100), st.Figures.Points)
}

func TestRewardTierComesFromTheLedger(t *testing.T) {
	e := newRwEnv(t)
	c := e.member()
	e.earn(c, 1000)
	r := coffee()
	r.Tiers = []string{"gold"}
	e.put(r)
	_, err := e.svc.Reserve(e.ctx, e.p, loyalty.Reserve{Customer: c, Reward: "coffee", Units: 1, Key: "k-1"})
	assert.ErrorIs(t, err, loyalty.ErrRewardUnavailable, "a silver member cannot reserve a gold reward")
	assert.EqualValues(t, 10, e.stock("coffee"))

	// Gold by the ledger: ¥5,000 of orders.
	_, err = e.svc.EarnOrder(e.ctx, e.p, kehu.Order{ID: "SO-1", CustomerID: c, At: e.clock.Now(), Currency: "CNY",
		Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("5000", "CNY")}}}, loyalty.Member{})
	require.NoError(t, err)
	res, err := e.svc.Reserve(e.ctx, e.p, loyalty.Reserve{Customer: c, Reward: "coffee", Units: 1, Key: "k-2"})
	require.NoError(t, err)
	assert.Equal(t, loyalty.Reserved, res.Status)

	// An assignment opens it too, while it lasts.
	d := e.member()
	e.earn(d, 1000)
	_, err = e.svc.AssignTier(e.ctx, e.p, d, "gold", e.clock.Now().Add(24*time.Hour), "status match")
	require.NoError(t, err)
	_, err = e.svc.Reserve(e.ctx, e.p, loyalty.Reserve{Customer: d, Reward: "coffee", Units: 1, Key: "k-3"})
	require.NoError(t, err)
	e.clock.Advance(25 * time.Hour)
	_, err = e.svc.Reserve(e.ctx, e.p, loyalty.Reserve{Customer: d, Reward: "coffee", Units: 1, Key: "k-4"})
	assert.ErrorIs(t, err, loyalty.ErrRewardUnavailable, "the assignment has ended")
}

func TestPreviewRefusesAStandingOutsideTheLadder(t *testing.T) {
	p := tierRules(t)
	o := order("SO-1", time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC), "10.00")
	_, err := p.Preview(o, loyalty.Member{}, loyalty.Standing{Tier: "diamond"}, nil)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("standing.tier", "unknown_tier"), "%v", err)
	_, _, err = p.EventAwards(loyalty.EventReview, o.At, loyalty.Member{}, loyalty.Standing{Tier: "diamond"}, nil)
	require.ErrorAs(t, err, &verr)
	noTiers := loyalty.MustLoadProgram(earnProgramJSON(`{"base": [{"point_type": "points", "points": 1, "per": "1"}]}`))
	_, err = noTiers.Preview(o, loyalty.Member{}, loyalty.Standing{Tier: "gold"}, nil)
	require.ErrorAs(t, err, &verr, "a programme without tiers has no standing to name")
}

// TestReplayMovesTiersAsTheService replays a history and runs the same history through
// the Service: the points and tier agree, reviews and the upgrade each order causes
// included.
func TestReplayMovesTiersAsTheService(t *testing.T) {
	p := tierRules(t)
	c := crm.CustomerIDFrom([16]byte{12})
	ats := []time.Time{
		time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC),
		time.Date(2026, 4, 1, 2, 0, 0, 0, time.UTC),
		time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC),
		// Kept gold at the 2027 review; after the 2028 review and its grace.
		time.Date(2028, 4, 1, 2, 0, 0, 0, time.UTC),
		time.Date(2028, 4, 2, 2, 0, 0, 0, time.UTC),
	}
	amounts := []string{"1500.00", "700.00", "6000.00", "100.00", "100.00"}
	opts, clock, _ := kehu.Deterministic(ats[0])
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	var acts []loyalty.Activity
	var points int64
	for i, at := range ats {
		clock.Set(at)
		o := order("SO-"+string(rune('1'+i)), at, amounts[i])
		res, err := svc.EarnOrder(ctx, p, o, loyalty.Member{CustomerID: c})
		require.NoError(t, err)
		points += res.Earning.Total("points")
		acts = append(acts, loyalty.Activity{Order: &o, Member: loyalty.Member{CustomerID: c}})
	}
	st, err := svc.EvaluateTier(ctx, p, c)
	require.NoError(t, err)
	diffs, err := loyalty.Replay(p, p, slices.Values(acts))
	require.NoError(t, err)
	require.Len(t, diffs, 1)
	assert.Equal(t, points, diffs[0].Current["points"])
	assert.Equal(t, st.State.Tier, diffs[0].CurrentTier)
	assert.Equal(t, "silver", st.State.Tier, "gold in 2026, one level down at the 2028 review")
	assert.False(t, diffs[0].Changed())
}

// Two orders of one member that cross a threshold together, processed concurrently: the
// one credited second sees the first's figures and earns at the new tier, and the upgrade
// is recorded and reported once.
func TestConcurrentOrdersCrossingATier(t *testing.T) {
	p := tierRules(t)
	for range 20 {
		opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
		svc := loyalty.NewService(nil, opts)
		ctx := context.Background()
		m := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{13})}
		_, err := svc.EvaluateTier(ctx, p, m.CustomerID)
		require.NoError(t, err)
		results := make([]*loyalty.EarnResult, 2)
		errs := make([]error, 2)
		done := make(chan struct{})
		for i := range 2 {
			go func() {
				defer func() { done <- struct{}{} }()
				results[i], errs[i] = svc.EarnOrder(ctx, p, order("SO-"+string(rune('A'+i)), clock.Now(), "1100.00"), m)
			}()
		}
		<-done
		<-done
		var bonus int64
		upgrades := 0
		for i := range 2 {
			require.NoError(t, errs[i])
			bonus += results[i].Earning.Total("points") - 1100
			if results[i].Upgrade != nil {
				upgrades++
			}
		}
		assert.Equal(t, int64(100), bonus, "exactly one order earns as silver")
		// Each evaluation after a write starts from what its order read before it: the
		// upgrade is still recorded once, and reported by one order.
		assert.Equal(t, 1, upgrades, "one order reports the upgrade")
		st, err := svc.EvaluateTier(ctx, p, m.CustomerID)
		require.NoError(t, err)
		assert.Equal(t, "silver", st.State.Tier)
		qualified := 0
		for _, c := range st.State.History {
			if c.Reason == loyalty.TierQualified {
				qualified++
			}
		}
		assert.Equal(t, 1, qualified, "one upgrade in the history")
	}
}

func TestStandingAndRefusedOrdersWriteNothing(t *testing.T) {
	p := tierRules(t)
	store := loyalty.NewMemoryStore()
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(store, opts)
	ctx := context.Background()
	c := crm.CustomerIDFrom([16]byte{14})
	st, err := svc.Standing(ctx, p, c)
	require.NoError(t, err)
	assert.Equal(t, loyalty.Standing{Tier: "member"}, st, "a member not yet enrolled stands at the entry level")
	bad := order("SO-1", clock.Now(), "10.00")
	bad.Currency = "USD"
	_, err = svc.EarnOrder(ctx, p, bad, loyalty.Member{CustomerID: c})
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = store.Member(ctx, p.ID(), c)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "neither Standing nor a refused order enrols the member")
}
