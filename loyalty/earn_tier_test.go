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

// TestEarnOrderReportsTier checks what EarnOrder says of the member's tier: where they
// stand after the order (EarnResult.Tier) and the upgrade the order brought
// (EarnResult.Upgrade), reported once, by the call that recorded it.
func TestEarnOrderReportsTier(t *testing.T) {
	p, err := loyalty.LoadProgram(strings.NewReader(retailTiers)) // silver 2,000, gold 8,000, platinum 20,000
	require.NoError(t, err)
	type upgrade struct{ from, to string }
	tests := []struct {
		name string
		// before runs first, on the same member (earlier orders, an assignment).
		before func(t *testing.T, svc *loyalty.Service, m loyalty.Member, now time.Time)
		order  kehu.Order
		tier   string   // the tier in force after the order
		earned string   // the level the figures earned
		spent  string   // Tier.Spent, in CNY
		up     *upgrade // nil: no upgrade reported
		// replay places the order when before ran, as the same order again; otherwise it is
		// placed an hour later.
		replay bool
	}{
		{name: "first order below silver: joining is no upgrade",
			order: order("SO-1", time.Time{}, "500.00"), tier: "member", earned: "member", spent: "500.00"},
		{name: "first order reaching silver",
			order: order("SO-1", time.Time{}, "1200.00", "1300.50"), tier: "silver", earned: "silver", spent: "2500.50",
			up: &upgrade{"member", "silver"}},
		{name: "an order crossing gold after an earlier silver",
			before: func(t *testing.T, svc *loyalty.Service, m loyalty.Member, now time.Time) {
				earn(t, svc, p, order("SO-0", now, "3000.00"), m)
			},
			order: order("SO-1", time.Time{}, "5000.00"), tier: "gold", earned: "gold", spent: "8000.00",
			up: &upgrade{"silver", "gold"}},
		{name: "an order below the next threshold after an upgrade",
			before: func(t *testing.T, svc *loyalty.Service, m loyalty.Member, now time.Time) {
				earn(t, svc, p, order("SO-0", now, "3000.00"), m)
			},
			order: order("SO-1", time.Time{}, "100.00"), tier: "silver", earned: "silver", spent: "3100.00"},
		{name: "one order two levels up",
			order: order("SO-1", time.Time{}, "20000.00"), tier: "platinum", earned: "platinum", spent: "20000.00",
			up: &upgrade{"member", "platinum"}},
		{name: "a level below an assigned tier changes no tier in force",
			before: func(t *testing.T, svc *loyalty.Service, m loyalty.Member, now time.Time) {
				_, err := svc.AssignTier(context.Background(), p, m.CustomerID, "gold", now.AddDate(0, 6, 0), "status match")
				require.NoError(t, err)
			},
			order: order("SO-1", time.Time{}, "2500.00"), tier: "gold", earned: "silver", spent: "2500.00"},
		{name: "a replayed order does not report its upgrade again",
			before: func(t *testing.T, svc *loyalty.Service, m loyalty.Member, now time.Time) {
				res := earn(t, svc, p, order("SO-1", now, "2500.00"), m)
				require.NotNil(t, res.Upgrade, "the first call reports the upgrade")
			},
			order: order("SO-1", time.Time{}, "2500.00"), tier: "silver", earned: "silver", spent: "2500.00", replay: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
			opts, clock, _ := kehu.Deterministic(start)
			rec := &kehu.Recorder{}
			opts.Events = rec
			svc := loyalty.NewService(nil, opts)
			m := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{9})}
			if tt.before != nil {
				tt.before(t, svc, m, clock.Now())
			}
			clock.Advance(time.Hour)
			o := tt.order
			o.At = clock.Now()
			if tt.replay {
				o.At = start // the order before, byte for byte
			}
			res := earn(t, svc, p, o, m)

			require.NotNil(t, res.Tier)
			assert.Equal(t, tt.tier, res.Tier.State.Tier)
			assert.Equal(t, tt.tier, res.Tier.Level.Code)
			assert.Equal(t, tt.earned, res.Tier.State.Earned)
			assert.True(t, kehu.MustMoney(tt.spent, "CNY").Equal(res.Tier.Spent), "spent %s, want %s CNY", res.Tier.Spent, tt.spent)
			minor, err := res.Tier.Spent.MinorUnits()
			require.NoError(t, err)
			assert.Equal(t, res.Tier.Figures.Spend, minor, "Spent is Figures.Spend as money")

			// The standing is the ledger's, as EvaluateTier reads it after the call.
			st, err := svc.EvaluateTier(context.Background(), p, m.CustomerID)
			require.NoError(t, err)
			assert.Equal(t, st.State.Tier, res.Tier.State.Tier)
			assert.Equal(t, st.Figures, res.Tier.Figures)

			var upgrades []loyalty.TierChange // every upgrade published, first call or replay
			for _, e := range rec.Events() {
				if te, ok := e.(loyalty.TierEvent); ok && te.Change.Reason == loyalty.TierQualified {
					upgrades = append(upgrades, te.Change)
				}
			}
			if tt.up == nil {
				assert.Nil(t, res.Upgrade)
				if tt.replay {
					assert.Len(t, upgrades, 1, "the upgrade was published once, by the first call")
				}
				return
			}
			require.NotNil(t, res.Upgrade)
			assert.Equal(t, tt.up.from, res.Upgrade.From)
			assert.Equal(t, tt.up.to, res.Upgrade.To)
			assert.Equal(t, loyalty.TierQualified, res.Upgrade.Reason)
			assert.Equal(t, clock.Now(), res.Upgrade.At)
			h := res.Tier.State.History
			assert.Equal(t, *res.Upgrade, h[len(h)-1], "the upgrade is the one the history records")
			require.NotEmpty(t, upgrades)
			assert.Equal(t, *res.Upgrade, upgrades[len(upgrades)-1], "and the one published")
		})
	}
}

// TestEarnOrderReplayTier checks a replay's tier fields against the first call's: the
// same entries, the member's standing when the replay runs, no upgrade.
func TestEarnOrderReplayTier(t *testing.T) {
	p, err := loyalty.LoadProgram(strings.NewReader(retailTiers))
	require.NoError(t, err)
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	m := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{3})}
	o := order("SO-1", clock.Now(), "2500.00")
	first := earn(t, svc, p, o, m)
	require.NotNil(t, first.Upgrade)
	assert.Equal(t, "silver", first.Upgrade.To)

	clock.Advance(24 * time.Hour)
	earn(t, svc, p, order("SO-2", clock.Now(), "6000.00"), m) // gold since
	clock.Advance(24 * time.Hour)
	again := earn(t, svc, p, o, m)
	assert.Equal(t, first.Entries, again.Entries, "a replay returns the first entries")
	assert.Nil(t, again.Upgrade, "and reports no upgrade")
	require.NotNil(t, again.Tier)
	assert.Equal(t, "gold", again.Tier.State.Tier, "the standing is the member's now, not after the first call")
	assert.True(t, kehu.MustMoney("8500", "CNY").Equal(again.Tier.Spent), "got %s", again.Tier.Spent)
}

// TestEarnOrderWithoutTiers: a programme without tiers reports none.
func TestEarnOrderWithoutTiers(t *testing.T) {
	p, err := loyalty.LoadProgram(strings.NewReader(`{"id": "flat", "version": 1, "name": "Flat", "time_zone": "UTC",
	  "currency": "EUR", "point_types": [{"code": "points", "name": "Points", "kind": "spendable", "expiry": {"kind": "never"}}],
	  "earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}]}}`))
	require.NoError(t, err)
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	o := kehu.Order{ID: "SO-1", At: clock.Now(), Currency: "EUR", Lines: []kehu.OrderLine{{ID: "1", Quantity: 1,
		Amount: kehu.MustMoney("40.00", "EUR")}}}
	res := earn(t, svc, p, o, loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{4})})
	assert.Nil(t, res.Tier)
	assert.Nil(t, res.Upgrade)
	assert.Equal(t, int64(40), res.Earning.Total("points"))
}

func earn(t *testing.T, svc *loyalty.Service, p *loyalty.Program, o kehu.Order, m loyalty.Member) *loyalty.EarnResult {
	t.Helper()
	res, err := svc.EarnOrder(context.Background(), p, o, m)
	require.NoError(t, err)
	return res
}

// TestTieredOrderReadsOnce: an order of a tiered programme reads the member's standing
// once. The evaluation after the write starts from what the one before it read, brought
// past the write, so an order reads what Standing reads and the member once more, to check
// that no one moved them in between; it reads no counter again, whatever the window. An
// order that upgrades the member decides the upgrade on fresh reads, so that no upgrade
// rests on figures a command changed after the order's write. (A
// counter that did not exist when read is read again: the write does not name it, so
// nothing shows it was not made meanwhile. The orders checked are those whose windows
// fall in years the member has counts in.)
func TestTieredOrderReadsOnce(t *testing.T) {
	for _, window := range []string{`{"kind": "rolling_months", "months": 12}`, `{"kind": "calendar_year"}`, `{"kind": "anniversary_year"}`} {
		t.Run(window, func(t *testing.T) {
			p, err := loyalty.LoadProgram(strings.NewReader(strings.Replace(retailTiers, `{"kind": "rolling_months", "months": 12}`, window, 1)))
			require.NoError(t, err)
			cs := &countingStore{Store: loyalty.NewMemoryStore()}
			opts, clock, _ := kehu.Deterministic(time.Date(2025, 10, 1, 2, 0, 0, 0, time.UTC))
			svc := loyalty.NewService(cs, opts)
			ctx := context.Background()
			m := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{9})}
			checked := 0
			var tier string
			for i := range 60 { // ¥70 every four days, to the end of May 2026
				accounts, members := cs.accounts.Load(), cs.members.Load()
				_, err := svc.Standing(ctx, p, m.CustomerID)
				require.NoError(t, err)
				accounts, members = cs.accounts.Load()-accounts, cs.members.Load()-members

				before := [2]int64{cs.accounts.Load(), cs.members.Load()}
				res, err := svc.EarnOrder(ctx, p, order(fmt.Sprint("SO-", i), clock.Now(), "50.00", "20.00"), m)
				require.NoError(t, err)
				if clock.Now().After(time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)) {
					if res.Upgrade == nil {
						assert.Equal(t, accounts, cs.accounts.Load()-before[0], "order %d: account reads", i)
						assert.Equal(t, members+1, cs.members.Load()-before[1], "order %d: member reads", i)
					} else { // an upgrade is decided on fresh reads
						assert.Equal(t, 2*accounts, cs.accounts.Load()-before[0], "order %d, an upgrade: account reads", i)
						assert.Equal(t, 2*members, cs.members.Load()-before[1], "order %d, an upgrade: member reads", i)
					}
					checked++
				}
				tier = res.Tier.State.Tier
				clock.Advance(97 * time.Hour)
			}
			assert.Greater(t, checked, 30)
			assert.Equal(t, "silver", tier, "the upgrade is still recorded")
		})
	}
}

// TestReviewTiersReadsNoMember: a review starts from the member state its scan read, and
// the write that records it checks that it is still the stored one; the state it returns
// is the one it wrote, not read back.
func TestReviewTiersReadsNoMember(t *testing.T) {
	p, err := loyalty.LoadProgram(strings.NewReader(retailTiers))
	require.NoError(t, err)
	cs := &countingStore{Store: loyalty.NewMemoryStore()}
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 1, 10, 3, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(cs, opts)
	ctx := context.Background()
	const members = 12
	for i := range members {
		m := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{byte(i + 1), 0x7e})}
		_, err := svc.EarnOrder(ctx, p, order(fmt.Sprint("SO-", i), clock.Now(), fmt.Sprint(500*i, ".00")), m)
		require.NoError(t, err)
	}
	clock.Set(time.Date(2027, 1, 10, 3, 0, 0, 0, time.UTC)) // every member's anniversary review
	before := cs.members.Load()
	n, err := svc.ReviewTiers(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, members, n)
	assert.Zero(t, cs.members.Load()-before, "member reads")
	for i := range members {
		st, err := cs.Member(ctx, p.ID(), crm.CustomerIDFrom([16]byte{byte(i + 1), 0x7e}))
		require.NoError(t, err)
		assert.True(t, st.NextReview.After(clock.Now()), "member %d: the review was held and recorded", i)
	}
}

// statusPointsProgram is a programme whose tiers count status points (a qualifying type), which
// orders, an event rule, manual credits and adjustments give.
const statusPointsProgram = `{
  "id": "status", "version": 1, "name": "Status", "time_zone": "Europe/Paris", "currency": "EUR",
  "point_types": [
    {"code": "miles", "name": "Miles", "kind": "spendable", "expiry": {"kind": "never"}},
    {"code": "status", "name": "Status points", "kind": "qualifying", "expiry": {"kind": "never"}}],
  "earning": {"base": [{"point_type": "miles", "points": 1, "per": "1"}, {"point_type": "status", "points": 1, "per": "10"}],
    "events": [{"id": "survey", "event": "review", "point_type": "status", "points": 300},
               {"id": "miles-only", "event": "birthday", "point_type": "miles", "points": 500}]},
  "tiers": {"qualifying_type": "status", "window": {"kind": "calendar_year"}, "review": "calendar_year",
    "levels": [{"code": "blue", "name": "Blue"}, {"code": "silver", "name": "Silver", "points": 250},
      {"code": "gold", "name": "Gold", "points": 1000}]}}`

// TestQualifyingCreditsUpgradeAtOnce: a member moves up as soon as a threshold is crossed,
// whichever command crossed it — a manual credit, an adjustment, an event — not at their
// next order: the change is recorded dated then, and published; points of another type,
// and a negative adjustment, evaluate nothing. (Reverse never gives qualifying points
// back: it undoes spends and transfers, and takes back earnings.)
func TestQualifyingCreditsUpgradeAtOnce(t *testing.T) {
	p, err := loyalty.LoadProgram(strings.NewReader(statusPointsProgram))
	require.NoError(t, err)
	ctx := kehu.WithActor(context.Background(), "desk-7")
	tests := []struct {
		name    string
		credit  func(svc *loyalty.Service, c crm.CustomerID) (*loyalty.TierStatus, error)
		tier    string // after the credit
		upgrade bool
	}{
		{"a manual credit of status points", func(svc *loyalty.Service, c crm.CustomerID) (*loyalty.TierStatus, error) {
			_, err := svc.Earn(ctx, p, loyalty.Points{Customer: c, PointType: "status", Points: 260, Key: "bonus-1"})
			return nil, err
		}, "silver", true},
		{"an adjustment of status points", func(svc *loyalty.Service, c crm.CustomerID) (*loyalty.TierStatus, error) {
			_, err := svc.Adjust(ctx, p, loyalty.Points{Customer: c, PointType: "status", Points: 1200, Key: "match-1", Reason: "status match"})
			return nil, err
		}, "gold", true},
		{"an event rule giving status points", func(svc *loyalty.Service, c crm.CustomerID) (*loyalty.TierStatus, error) {
			res, err := svc.EarnEvent(ctx, p, loyalty.EventReview, loyalty.Member{CustomerID: c}, "review-1")
			if err != nil {
				return nil, err
			}
			require.NotNil(t, res.Upgrade, "the event reports its upgrade")
			return res.Tier, nil
		}, "silver", true},
		{"miles are not status", func(svc *loyalty.Service, c crm.CustomerID) (*loyalty.TierStatus, error) {
			_, err := svc.Earn(ctx, p, loyalty.Points{Customer: c, PointType: "miles", Points: 5000, Key: "miles-1"})
			return nil, err
		}, "", false},
		{"an event giving miles", func(svc *loyalty.Service, c crm.CustomerID) (*loyalty.TierStatus, error) {
			res, err := svc.EarnEvent(ctx, p, loyalty.EventBirthday, loyalty.Member{CustomerID: c}, "2026")
			if err == nil {
				assert.Nil(t, res.Tier, "no qualifying points: no evaluation")
			}
			return nil, err
		}, "", false},
		{"a negative adjustment", func(svc *loyalty.Service, c crm.CustomerID) (*loyalty.TierStatus, error) {
			_, err := svc.Adjust(ctx, p, loyalty.Points{Customer: c, PointType: "status", Points: -10, Key: "fix-1", Reason: "typo"})
			return nil, err
		}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, clock, _ := kehu.Deterministic(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
			rec := &kehu.Recorder{}
			opts.Events = rec
			st := loyalty.NewMemoryStore()
			svc := loyalty.NewService(st, opts)
			c := crm.CustomerIDFrom([16]byte{0x51})
			// An order for €100 makes the member: 10 status points, blue.
			_, err := svc.EarnOrder(ctx, p, kehu.Order{ID: "O-1", CustomerID: c, At: clock.Now(), Currency: "EUR",
				Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("100.00", "EUR")}}}, loyalty.Member{})
			require.NoError(t, err)
			clock.Advance(3 * time.Hour)
			credited := clock.Now()
			before, err := st.Member(ctx, p.ID(), c)
			require.NoError(t, err)

			status, err := tt.credit(svc, c)
			require.NoError(t, err)
			held, err := st.Member(ctx, p.ID(), c)
			require.NoError(t, err)
			if !tt.upgrade {
				assert.Equal(t, before, held, "nothing evaluated, nothing written")
				return
			}
			assert.Equal(t, tt.tier, held.Tier, "the stored tier")
			last := held.History[len(held.History)-1]
			assert.Equal(t, loyalty.TierChange{At: credited, From: "blue", To: tt.tier, Reason: loyalty.TierQualified, Actor: "desk-7"}, last,
				"the upgrade is dated when the points were credited, by who credited them")
			assert.Equal(t, tt.tier, held.TierAt(credited))
			if status != nil {
				assert.Equal(t, tt.tier, status.State.Tier)
			}
			var published []loyalty.TierChange
			for _, e := range rec.Events() {
				if te, ok := e.(loyalty.TierEvent); ok && te.Change.Reason == loyalty.TierQualified {
					published = append(published, te.Change)
				}
			}
			assert.Equal(t, []loyalty.TierChange{last}, published)
		})
	}
}

// refundOnPublish refunds an order once an entry of the order ref is published: after that
// order's write has committed, before its tier is evaluated, as another process or an
// event consumer might.
type refundOnPublish struct {
	ref    string
	refund func()
	done   bool
}

func (h *refundOnPublish) Publish(_ context.Context, events ...kehu.Event) error {
	for _, e := range events {
		if le, ok := e.(loyalty.LedgerEvent); ok && le.Entry.Source.Ref == h.ref && !h.done {
			h.done = true
			h.refund()
		}
	}
	return nil
}

// TestNoUpgradeOnFiguresRefundedMeanwhile: an order crosses silver only with an earlier
// order that is refunded between the order's write and its tier's evaluation. The upgrade
// is decided on the figures as they are then — ¥600, not ¥2,100 — so none is recorded.
func TestNoUpgradeOnFiguresRefundedMeanwhile(t *testing.T) {
	p, err := loyalty.LoadProgram(strings.NewReader(retailTiers)) // silver at ¥2,000
	require.NoError(t, err)
	st := loyalty.NewMemoryStore()
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC))
	other := loyalty.NewService(st, opts) // another process over the same store
	c := crm.CustomerIDFrom([16]byte{0x42})
	m := loyalty.Member{CustomerID: c}
	ctx := context.Background()
	_, err = other.EarnOrder(ctx, p, order("SO-0", clock.Now(), "1500.00"), m)
	require.NoError(t, err)
	clock.Advance(time.Hour)

	hook := &refundOnPublish{ref: "SO-1", refund: func() {
		_, err := other.Refund(ctx, p, loyalty.Refund{Customer: c, Order: "SO-0", Key: "R-0"})
		require.NoError(t, err)
	}}
	withHook := *opts
	withHook.Events = hook
	res, err := loyalty.NewService(st, &withHook).EarnOrder(ctx, p, order("SO-1", clock.Now(), "600.00"), m)
	require.NoError(t, err)
	require.True(t, hook.done, "the refund ran between the write and the evaluation")
	assert.Nil(t, res.Upgrade)
	assert.Equal(t, int64(60000), res.Tier.Figures.Spend, "the figures after the refund")
	held, err := st.Member(ctx, p.ID(), c)
	require.NoError(t, err)
	assert.Equal(t, "member", held.Tier)
}

// TestFirstCreditCountsInTheFirstMembershipYear: a member seen for the first time joins
// when their first points were credited, not when the evaluation after the write reads the
// clock, so that under a membership-year window those points count. The clock moves a
// millisecond at every read, as a real one does.
func TestFirstCreditCountsInTheFirstMembershipYear(t *testing.T) {
	p, err := loyalty.LoadProgram(strings.NewReader(strings.Replace(statusPointsProgram,
		`"window": {"kind": "calendar_year"}, "review": "calendar_year"`, `"window": {"kind": "anniversary_year"}, "review": "anniversary"`, 1)))
	require.NoError(t, err)
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		credit func(svc *loyalty.Service, c crm.CustomerID, at time.Time) error
	}{
		{"an order of €3,000", func(svc *loyalty.Service, c crm.CustomerID, at time.Time) error {
			_, err := svc.EarnOrder(ctx, p, kehu.Order{ID: "O-1", CustomerID: c, At: at, Currency: "EUR",
				Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("3000.00", "EUR")}}}, loyalty.Member{})
			return err
		}},
		{"300 status points by hand", func(svc *loyalty.Service, c crm.CustomerID, _ time.Time) error {
			_, err := svc.Earn(ctx, p, loyalty.Points{Customer: c, PointType: "status", Points: 300, Key: "welcome"})
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts, clock, _ := kehu.Deterministic(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
			opts.Now = func() time.Time { return clock.Advance(time.Millisecond) }
			st := loyalty.NewMemoryStore()
			svc := loyalty.NewService(st, opts)
			c := crm.CustomerIDFrom([16]byte{0x77})
			require.NoError(t, tt.credit(svc, c, clock.Now()))
			held, err := st.Member(ctx, p.ID(), c)
			require.NoError(t, err)
			assert.Equal(t, "silver", held.Tier, "300 status points in the first membership year")
			f, err := svc.Figures(ctx, p, c, held.JoinedAt, clock.Now())
			require.NoError(t, err)
			assert.Equal(t, int64(300), f.Points)
		})
	}
}
