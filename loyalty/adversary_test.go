package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// These tests play a member, or a host, who sends commands in the order that pays best.
// The fixture's order earns 300: line A (2 units) 200, line B 50 and the order's bonus 50.

func (f *refundFixture) refund(t *testing.T, key string, lines ...loyalty.RefundLine) []loyalty.Entry {
	t.Helper()
	out, err := f.svc.Refund(f.ctx, f.p, loyalty.Refund{Customer: f.member.CustomerID, Order: f.order.ID, Lines: lines, Key: key})
	require.NoError(t, err, "refund %s", key)
	return out
}

func (f *refundFixture) redeem(t *testing.T, key string, points int64) loyalty.Entry {
	t.Helper()
	e, err := f.svc.Redeem(f.ctx, f.p, loyalty.Points{Customer: f.member.CustomerID, PointType: "points", Points: points, Key: key})
	require.NoError(t, err, "redeem %s", key)
	return e
}

var returnModes = []loyalty.ReturnMode{loyalty.ReturnDebt, loyalty.ReturnNegative, loyalty.ReturnForgive}

// A member spends an order's points, returns the order and then cancels the redemption.
// Whatever the return policy forgave at the refund, the cancellation must not hand the
// order's points back.
func TestCancelledRedemptionAfterARefundGivesNothingBack(t *testing.T) {
	for _, mode := range returnModes {
		t.Run(string(mode), func(t *testing.T) {
			f := newRefundFixture(t, mode)
			f.earn(t)
			spend := f.redeem(t, "spend-all", 300)
			f.refund(t, "RF-all")
			_, err := f.svc.Reverse(f.ctx, f.p, spend.ID, "redemption cancelled")
			require.NoError(t, err)
			assert.Zero(t, f.book(t), "the order never happened and nothing was redeemed: the member has nothing")
			b, err := f.svc.Balance(f.ctx, f.p, f.member.CustomerID, "points")
			require.NoError(t, err)
			assert.Zero(t, b.Available)
		})
	}
}

// The till and the web shop both send refunds of one order, under different keys, as
// lines and as a whole, in either order. Together they never take more than the order
// earned, and once the order is wholly refunded they have taken exactly that.
func TestRefundsFromTwoSystemsNeverTakeMoreThanTheOrderEarned(t *testing.T) {
	whole := []loyalty.RefundLine(nil)
	a1 := []loyalty.RefundLine{{Line: "A", Quantity: 1}}
	a2 := []loyalty.RefundLine{{Line: "A", Quantity: 2}}
	b := []loyalty.RefundLine{{Line: "B", Quantity: 1}}
	all := []loyalty.RefundLine{{Line: "A", Quantity: 2}, {Line: "B", Quantity: 1}}
	sequences := map[string][][]loyalty.RefundLine{
		"whole twice":                  {whole, whole},
		"whole, then a line":           {whole, a1, b},
		"a line, then whole":           {a1, whole},
		"line A twice in full":         {a2, a2, b},
		"every line, then whole":       {all, whole},
		"units one by one, then more":  {a1, a1, a1, b, whole},
		"every line twice":             {all, all},
		"a line, whole, lines again":   {b, whole, a2, b},
		"half a line, the rest, whole": {a1, a2, whole},
	}
	for _, mode := range returnModes {
		for name, seq := range sequences {
			t.Run(string(mode)+"/"+name, func(t *testing.T) {
				f := newRefundFixture(t, mode)
				f.earn(t)
				f.redeem(t, "spend", 120) // so that some refunds meet spent points
				var taken int64
				for i, lines := range seq {
					for _, e := range f.refund(t, fmt.Sprintf("system-%d", i), lines...) {
						taken -= e.Points
					}
					assert.LessOrEqual(t, taken, int64(300), "after refund %d the refunds took more than the order earned", i)
				}
				if mode == loyalty.ReturnDebt { // the others forgive what they cannot take (the fixture's floor is 0)
					assert.EqualValues(t, 300, taken, "a wholly refunded order gives back all it earned")
					assert.EqualValues(t, -120, f.book(t), "the member is left owing what they spent of it")
				}
			})
		}
	}
}

// A refund names units of a line; the ledger knows how many the order had.
func TestRefundUnitsAreCheckedAgainstTheOrder(t *testing.T) {
	f := newRefundFixture(t, "")
	f.earn(t)
	_, err := f.svc.Refund(f.ctx, f.p, loyalty.Refund{Customer: f.member.CustomerID, Order: f.order.ID,
		Lines: []loyalty.RefundLine{{Line: "A", Quantity: 3}}, Key: "RF-3"})
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr, "line A had 2 units: the first refund that claims 3 is refused")
	assert.EqualValues(t, 300, f.book(t), "a refused refund writes nothing")

	// Half of line A is 100, whatever a later refund claims the line had.
	out := f.refund(t, "RF-1", loyalty.RefundLine{Line: "A", Quantity: 1})
	var fromA int64
	for _, e := range out {
		if e.Source.Line == "A" {
			fromA -= e.Points
		}
	}
	assert.EqualValues(t, 100, fromA)
}

// Points an order earned that expired before the refund are not collected again from the
// member's other points: expiry already took them.
func TestRefundAfterExpiryDoesNotCollectExpiredPointsAgain(t *testing.T) {
	for _, mode := range returnModes {
		t.Run(string(mode), func(t *testing.T) {
			p, err := loyalty.Compile(loyalty.ProgramSpec{
				ID: "expiring", Version: 1, Name: "expiring", TimeZone: "Asia/Shanghai", Currency: "CNY", Returns: mode,
				PointTypes: []loyalty.PointType{{Code: "points", Name: "Points", Kind: loyalty.Spendable,
					Expiry: loyalty.ExpiryPolicy{Kind: loyalty.ExpireAfter, Months: 3}, Floor: -1000}},
				Earning: loyalty.EarningRules{Base: []loyalty.BaseRate{{PointType: "points", Points: 1, Per: decimal.NewFromInt(1)}}},
			})
			require.NoError(t, err)
			opts, clock, _ := kehu.Deterministic(time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC))
			store := loyalty.NewMemoryStore()
			svc := loyalty.NewService(store, opts)
			f := &refundFixture{ctx: t.Context(), svc: svc, store: store, p: p,
				member: loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{9})}}
			f.key = loyalty.AccountKey{Program: p.ID(), Customer: f.member.CustomerID, PointType: "points"}
			order := func(id, amount string) kehu.Order {
				return kehu.Order{ID: id, At: clock.Now(), Currency: "CNY", Lines: []kehu.OrderLine{
					{ID: "1", Quantity: 1, Amount: kehu.MustMoney(amount, "CNY")}}}
			}
			_, err = svc.EarnOrder(f.ctx, p, order("OLD", "300"), f.member)
			require.NoError(t, err)
			f.redeem(t, "spend-some", 100) // 100 of the old order's points are spent
			clock.AddDate(0, 2, 0)
			_, err = svc.EarnOrder(f.ctx, p, order("NEW", "500"), f.member)
			require.NoError(t, err)
			clock.AddDate(0, 2, 0) // the old order's 200 left have expired
			b, err := svc.Balance(f.ctx, p, f.member.CustomerID, "points")
			require.NoError(t, err)
			require.EqualValues(t, 500, b.Available)

			f.order.ID = "OLD"
			f.refund(t, "RF-old")
			want := map[loyalty.ReturnMode]int64{
				// What was spent of the old order is collected; what expired is not.
				loyalty.ReturnDebt: 400, loyalty.ReturnNegative: 400,
				// Forgive takes only what the order's own lots still hold: nothing.
				loyalty.ReturnForgive: 500,
			}[mode]
			assert.Equal(t, want, f.book(t), "only the spent part of the old order is collected")

			f.refund(t, "RF-old-again")
			assert.Equal(t, want, f.book(t), "a second refund of the order takes nothing")
		})
	}
}

// Points passed from member to member keep the expiry they were earned with.
func TestTransferAndBackDoesNotRenewPoints(t *testing.T) {
	p, err := loyalty.Compile(loyalty.ProgramSpec{
		ID: "transfers", Version: 1, Name: "transfers", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{{Code: "points", Name: "Points", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.ExpireAfter, Months: 12}, PendingDays: 7}},
	})
	require.NoError(t, err)
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := t.Context()
	a, b := crm.CustomerIDFrom([16]byte{1}), crm.CustomerIDFrom([16]byte{2})
	_, err = svc.Earn(ctx, p, loyalty.Points{Customer: a, PointType: "points", Points: 100, Key: "earn"})
	require.NoError(t, err)
	clock.AddDate(0, 0, 10)
	_, err = svc.Transfer(ctx, p, loyalty.Transfer{From: a, To: b, PointType: "points", Points: 100, Key: "a-to-b"})
	require.NoError(t, err)
	bal, err := svc.Balance(ctx, p, b, "points")
	require.NoError(t, err)
	assert.EqualValues(t, 100, bal.Available, "transferred points are available at once")

	clock.AddDate(0, 9, 0) // December 2026
	_, err = svc.Transfer(ctx, p, loyalty.Transfer{From: b, To: a, PointType: "points", Points: 100, Key: "b-to-a"})
	require.NoError(t, err)
	lots, err := svc.Lots(ctx, p, a, "points")
	require.NoError(t, err)
	earnedExpiry := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
	for _, l := range lots {
		if l.Remaining > 0 {
			assert.True(t, l.ExpiresAt.Equal(earnedExpiry), "points earned on 1 March 2026 still expire on 1 March 2027, got %s", l.ExpiresAt)
		}
	}
	clock.AddDate(0, 3, 0)
	bal, err = svc.Balance(ctx, p, a, "points")
	require.NoError(t, err)
	assert.Zero(t, bal.Available, "the round trip did not renew them")
}

// An order ID is one order of one customer.
func TestAnOrderIDBelongsToOneCustomer(t *testing.T) {
	f := newRefundFixture(t, "")
	f.earn(t)
	other := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{8})}
	_, err := f.svc.EarnOrder(f.ctx, f.p, f.order, other)
	require.ErrorIs(t, err, kehu.ErrKeyReused, "the same order for another member is not the first member's earning")
	_, err = f.store.Account(f.ctx, loyalty.AccountKey{Program: f.p.ID(), Customer: other.CustomerID, PointType: "points"})
	assert.ErrorIs(t, err, kehu.ErrNotFound, "the other member earned nothing")

	o := f.order
	o.CustomerID = other.CustomerID
	_, err = f.svc.EarnOrder(f.ctx, f.p, o, f.member)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr, "an order of one customer credited to another member")
	assert.Equal(t, "member.customer_id", verr.Fields[0].Field)
}

// No order, command or balance overflows: a command moves at most MaxPoints, and an
// account holds at most MaxBalance.
func TestPointsNeverOverflow(t *testing.T) {
	p, err := loyalty.Compile(loyalty.ProgramSpec{
		ID: "big", Version: 1, Name: "big", TimeZone: "UTC", Currency: "CNY",
		PointTypes: []loyalty.PointType{{Code: "points", Name: "Points", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}}},
		Earning: loyalty.EarningRules{Base: []loyalty.BaseRate{{PointType: "points", Points: 1_000_000, Per: decimal.RequireFromString("0.01")}}},
	})
	require.NoError(t, err)
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := t.Context()
	m := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{3})}
	huge := kehu.Order{ID: "HUGE", At: clock.Now(), Currency: "CNY", Lines: []kehu.OrderLine{
		{ID: "1", Quantity: 1, Amount: kehu.MustMoney("90000000000", "CNY")}}}
	_, err = svc.EarnOrder(ctx, p, huge, m)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr, "an order earning 9e18 points is refused, not wrapped")
	assert.Equal(t, "max_points", verr.Fields[0].Rule)

	// Adjustments of MaxPoints each fill the account up to MaxBalance and no further.
	n := loyalty.MaxBalance / loyalty.MaxPoints
	for i := range n {
		_, err := svc.Adjust(ctx, p, loyalty.Points{Customer: m.CustomerID, PointType: "points", Points: loyalty.MaxPoints,
			Reason: "goodwill", Key: fmt.Sprint("adj-", i)})
		require.NoError(t, err, "adjustment %d", i)
	}
	_, err = svc.Adjust(ctx, p, loyalty.Points{Customer: m.CustomerID, PointType: "points", Points: 1, Reason: "one more", Key: "adj-over"})
	require.ErrorAs(t, err, &verr, "a point past MaxBalance is refused")
	assert.Equal(t, "max_balance", verr.Fields[0].Rule)
	b, err := svc.Balance(ctx, p, m.CustomerID, "points")
	require.NoError(t, err)
	assert.EqualValues(t, loyalty.MaxBalance, b.Available)
	assert.False(t, errors.Is(err, kehu.ErrConflict))
}

// A member buys enough for gold just before the programme's new year, returns it just
// after and buys less again, hoping the one purchase counts for both years. In Shanghai the
// new year falls at 16:00 UTC on 31 December, inside one UTC day and month, so the window
// boundary cuts the counters' month between the purchase and its return. The purchase
// counts once, in the year it was made: the return lowers 2026, never 2027; the re-purchase
// counts for 2027 only; the 1 January review, evaluated after the return, judges 2026
// without the purchase and takes the member down a level, while a member who kept their
// purchase keeps gold. A year later the same game, returned a second before the new year,
// ends the same way: the review of 2027 judges it without the purchase, and only 2028's
// own purchase makes the member gold again. Throughout, the figures equal those read from
// the ledger's entries.
func TestBuyReturnRebuyAcrossTheNewYearCountsOnce(t *testing.T) {
	p := calendarTiers(t, loyalty.WindowCalendarYear, loyalty.ReviewCalendarYear)
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, shanghai) }
	opts, clock, _ := kehu.Deterministic(at(2026, 12, 31, 23, 30))
	store := loyalty.NewMemoryStore()
	svc := loyalty.NewService(store, opts)
	ctx := context.Background()
	honest, gamer := crm.CustomerIDFrom([16]byte{0xa1}), crm.CustomerIDFrom([16]byte{0xa2})
	joined := clock.Now()
	earn := func(c crm.CustomerID, id, amount string) {
		t.Helper()
		_, err := svc.EarnOrder(ctx, p, order(id, clock.Now(), amount), loyalty.Member{CustomerID: c})
		require.NoError(t, err, "order %s", id)
	}
	refund := func(c crm.CustomerID, id string) {
		t.Helper()
		_, err := svc.Refund(ctx, p, loyalty.Refund{Customer: c, Order: id, Key: "return-" + id})
		require.NoError(t, err, "return of %s", id)
	}
	// figures is the figures of the calendar year that holds t, checked against the ledger.
	figures := func(c crm.CustomerID, t2 time.Time) loyalty.Figures {
		t.Helper()
		f, err := svc.Figures(ctx, p, c, joined, t2)
		require.NoError(t, err)
		from, to := p.Tiers().WindowAt(t2, joined, p.Location())
		require.Equal(t, figuresByScan(t, store, p, c, from, to), f, "figures of %s at %s", c, t2)
		return f
	}
	state := func(c crm.CustomerID) *loyalty.MemberState {
		t.Helper()
		st, err := svc.EvaluateTier(ctx, p, c)
		require.NoError(t, err)
		return st.State
	}
	endOf := func(y int) time.Time { return at(y+1, 1, 1, 0, 0).Add(-time.Microsecond) }

	earn(honest, "H-1", "8000.00")
	earn(gamer, "G-1", "8000.00")
	assert.Equal(t, "gold", state(gamer).Tier)
	assert.Equal(t, loyalty.Figures{Spend: 800000, Purchases: 1}, figures(gamer, clock.Now()))

	clock.Set(at(2027, 1, 1, 0, 30)) // half an hour into 2027, still 31 December in UTC
	refund(gamer, "G-1")
	assert.Equal(t, loyalty.Figures{}, figures(gamer, endOf(2026)), "the return lowers the year of the purchase")
	assert.Equal(t, loyalty.Figures{}, figures(gamer, clock.Now()), "and takes nothing from 2027")
	earn(gamer, "G-2", "2500.00") // brings the member up to date: the 1 January review, held late
	assert.Equal(t, loyalty.Figures{Spend: 250000, Purchases: 1}, figures(gamer, clock.Now()), "the new purchase counts for 2027 only")
	assert.Equal(t, loyalty.Figures{}, figures(gamer, endOf(2026)))
	st := state(gamer)
	assert.Equal(t, "gold", st.Tier, "30 days' grace")
	assert.Equal(t, "silver", st.DowngradeTo, "2026 is judged without the returned purchase; silver for 2027's")
	assert.Equal(t, at(2027, 1, 31, 0, 0), st.DowngradeAt.In(shanghai))
	assert.Equal(t, "gold", state(honest).Tier)
	assert.Empty(t, state(honest).DowngradeTo, "a purchase kept keeps the tier")
	assert.Equal(t, loyalty.Figures{Spend: 800000, Purchases: 1}, figures(honest, endOf(2026)))

	// A year on, the same game against a review held on time: the return comes first.
	clock.Set(at(2027, 12, 31, 23, 30))
	earn(gamer, "G-3", "8000.00")
	assert.Equal(t, "gold", state(gamer).Tier, "qualified again for 2027")
	assert.Equal(t, loyalty.Figures{Spend: 1050000, Purchases: 2}, figures(gamer, clock.Now()))
	clock.Set(at(2028, 1, 1, 0, 0).Add(-time.Second))
	refund(gamer, "G-3")
	clock.Set(at(2028, 1, 1, 0, 10))
	earn(gamer, "G-4", "8000.00") // bought again in 2028
	_, err := svc.ReviewTiers(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, loyalty.Figures{Spend: 250000, Purchases: 1}, figures(gamer, endOf(2027)), "2027 without G-3")
	assert.Equal(t, loyalty.Figures{Spend: 800000, Purchases: 1}, figures(gamer, clock.Now()), "G-4 counts for 2028 alone")
	st = state(gamer)
	assert.Equal(t, "silver", st.DowngradeTo, "the review of 2027 judged it without the returned purchase")
	assert.Equal(t, at(2028, 1, 31, 0, 0), st.DowngradeAt.In(shanghai))
	clock.Set(at(2028, 2, 1, 9, 0))
	st = state(gamer)
	assert.Equal(t, "silver", st.TierAt(at(2028, 1, 31, 12, 0)), "down a level at the end of the grace period")
	assert.Equal(t, "gold", st.Tier, "and gold again on 2028's own purchase")
}
