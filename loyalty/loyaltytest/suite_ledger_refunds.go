package loyaltytest

import (
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// Refunds: the ledger's refund invariants played by a member, and by a host with two
// systems, through the real service over the store: what a store loses or mixes up of a
// lot's units, lapsed points or the account's forgiven points shows up here.
func refundTests() []test {
	return []test{
		{Name: "CancelledRedemptionAfterAForgivenRefund", Run: testRefundForgivenThenCancelled},
		{Name: "TwoSystemsRefundOneOrder", Run: testRefundTwoSystems},
		{Name: "UnitsComeFromTheOrder", Run: testRefundUnits},
		{Name: "ExpiredPointsAreNotCollectedAgain", Run: testRefundAfterExpiry},
		{Name: "AnOrderBelongsToOneCustomer", Run: testRefundOrderOwner},
		{Name: "StandingComesFromTheLedger", Run: testRefundStanding},
	}
}

// shopProgram earns 1 point per ¥1, double on coffee lines, and 50 on orders over ¥100;
// returns as given. Its order (shopOrder) earns 300: line A (2 units) 200, line B 50 and
// the order's bonus 50.
func (h *harness) shopProgram(returns loyalty.ReturnMode, expiry loyalty.ExpiryPolicy) *loyalty.Program {
	return h.program(loyalty.ProgramSpec{
		ID: "shop", Version: 1, Name: "Shop", TimeZone: "Asia/Shanghai", Currency: "CNY", Returns: returns,
		PointTypes: []loyalty.PointType{{Code: points, Name: "Points", Kind: loyalty.Spendable, Expiry: expiry}},
		Earning: loyalty.EarningRules{
			Base: []loyalty.BaseRate{{PointType: points, Points: 1, Per: decimal.NewFromInt(1)}},
			Rules: []loyalty.Rule{
				{ID: "double", Priority: 1, PerLine: true, When: `line.category == "coffee"`,
					Effect: loyalty.Effect{PointType: points, Multiplier: decimal.NewFromInt(2)}},
				{ID: "bonus", Priority: 2, When: `order.total > 100`, Effect: loyalty.Effect{PointType: points, Bonus: 50}},
			},
		},
		Tiers: &loyalty.Tiers{
			Levels: []loyalty.TierLevel{{Code: "member", Name: "Member"}, {Code: "gold", Name: "Gold", Spend: decimal.NewFromInt(1000)}},
			Window: loyalty.TierWindow{Kind: loyalty.WindowRollingMonths, Months: 12}, Review: loyalty.ReviewAnniversary,
		},
	})
}

func (l *ledger) shopOrder(id string, c crm.CustomerID) kehu.Order {
	return kehu.Order{ID: id, CustomerID: c, At: l.clock.Now(), Currency: "CNY", Lines: []kehu.OrderLine{
		{ID: "A", SKU: "BEANS", Category: "coffee", Quantity: 2, Amount: kehu.MustMoney("100.00", "CNY")},
		{ID: "B", SKU: "LEAF", Category: "tea", Quantity: 1, Amount: kehu.MustMoney("50.00", "CNY")},
	}}
}

func (l *ledger) earnOrder(p *loyalty.Program, o kehu.Order) {
	l.t.Helper()
	l.acct(p, o.CustomerID, points)
	_, err := l.svc.EarnOrder(l.ctx, p, o, loyalty.Member{CustomerID: o.CustomerID})
	require.NoError(l.t, err, "Service.EarnOrder of %s", o.ID)
	l.check("EarnOrder of %s", o.ID)
}

func (l *ledger) refundOrder(p *loyalty.Program, c crm.CustomerID, order, key string, lines ...loyalty.RefundLine) int64 {
	l.t.Helper()
	out, err := l.svc.Refund(l.ctx, p, loyalty.Refund{Customer: c, Order: order, Lines: lines, Key: key})
	require.NoError(l.t, err, "Service.Refund %s", key)
	l.check("Refund %s", key)
	var taken int64 // points, not the tier figures
	for _, e := range out {
		if e.Account.PointType == points {
			taken -= e.Points
		}
	}
	return taken
}

func (l *ledger) book(p *loyalty.Program, c crm.CustomerID) int64 {
	l.t.Helper()
	return l.account(l.acct(p, c, points)).Book()
}

var never = loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}

func testRefundForgivenThenCancelled(t *testing.T, h *harness) {
	l := h.ledger()
	p := h.shopProgram(loyalty.ReturnForgive, never)
	c := h.customer()
	l.earnOrder(p, l.shopOrder("SO-1", c))
	spend := l.mustRedeem(p, c, 300, "spend")
	assert.Zero(t, l.refundOrder(p, c, "SO-1", "RF-1"), "forgive takes only what the order's lots hold: nothing")
	assert.EqualValues(t, 300, l.account(l.acct(p, c, points)).Forgiven, "the account keeps what was forgiven")
	_, err := l.svc.Reverse(h.ctx, p, spend.ID, "cancelled")
	require.NoError(t, err)
	l.check("Reverse")
	assert.Zero(t, l.book(p, c), "the cancelled redemption settles the forgiven refund: the member has nothing")
	assert.Zero(t, l.account(l.acct(p, c, points)).Forgiven)
}

func testRefundTwoSystems(t *testing.T, h *harness) {
	l := h.ledger()
	p := h.shopProgram(loyalty.ReturnDebt, never)
	c := h.customer()
	l.earnOrder(p, l.shopOrder("SO-1", c))
	taken := l.refundOrder(p, c, "SO-1", "till", loyalty.RefundLine{Line: "A", Quantity: 1})
	assert.EqualValues(t, 150, taken, "one of line A's two units, and the order's bonus")
	taken += l.refundOrder(p, c, "SO-1", "web")
	assert.EqualValues(t, 300, taken, "the whole refund takes what is left")
	taken += l.refundOrder(p, c, "SO-1", "till-2", loyalty.RefundLine{Line: "A", Quantity: 1}, loyalty.RefundLine{Line: "B", Quantity: 1})
	assert.EqualValues(t, 300, taken, "line refunds after the whole refund take nothing")
	assert.Zero(t, l.book(p, c))
}

func testRefundUnits(t *testing.T, h *harness) {
	l := h.ledger()
	p := h.shopProgram(loyalty.ReturnDebt, never)
	c := h.customer()
	l.earnOrder(p, l.shopOrder("SO-1", c))
	k := l.acct(p, c, points)
	units := map[int64]int{}
	for _, lot := range l.account(k).Lots {
		units[lot.Units]++
	}
	assert.Equal(t, map[int64]int{2: 1, 1: 1, 0: 1}, units, "each line's lot keeps the line's units; the bonus's has none")
	before := l.snap(k)
	_, err := l.svc.Refund(h.ctx, p, loyalty.Refund{Customer: c, Order: "SO-1", Lines: []loyalty.RefundLine{{Line: "A", Quantity: 3}}, Key: "RF-3"})
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr, "line A had 2 units: a refund of 3 is refused at once")
	l.assertSame(before, "a refused refund writes nothing")
}

func testRefundAfterExpiry(t *testing.T, h *harness) {
	l := h.ledger()
	p := h.shopProgram(loyalty.ReturnDebt, loyalty.ExpiryPolicy{Kind: loyalty.ExpireAfter, Months: 3})
	c := h.customer()
	l.earnOrder(p, l.shopOrder("OLD", c))
	l.mustRedeem(p, c, 100, "spend")
	h.clock.AddDate(0, 2, 0)
	l.earnOrder(p, l.shopOrder("NEW", c))
	h.clock.AddDate(0, 2, 0) // the old order's 200 left have expired
	_, err := l.svc.ExpireDue(h.ctx, p, h.clock.Now(), 10)
	require.NoError(t, err)
	l.check("ExpireDue")
	require.EqualValues(t, 300, l.available(p, c))
	assert.EqualValues(t, 100, l.refundOrder(p, c, "OLD", "RF-old"), "only the spent part of the old order is collected")
	assert.EqualValues(t, 200, l.book(p, c))
}

func testRefundOrderOwner(t *testing.T, h *harness) {
	l := h.ledger()
	p := h.shopProgram(loyalty.ReturnDebt, never)
	a, b := h.customer(), h.customer()
	l.earnOrder(p, l.shopOrder("SO-1", a))
	o := l.shopOrder("SO-1", b)
	_, err := l.svc.EarnOrder(h.ctx, p, o, loyalty.Member{CustomerID: b})
	assert.ErrorIs(t, err, kehu.ErrKeyReused, "the same order ID for another member")
	l.assertAbsent(l.acct(p, b, points), "the other member earned nothing")
	_, err = l.svc.Refund(h.ctx, p, loyalty.Refund{Customer: b, Order: "SO-1", Key: "RF-b"})
	assert.ErrorIs(t, err, kehu.ErrNotFound, "another member cannot refund the order")
	assert.EqualValues(t, 300, l.book(p, a))
}

func testRefundStanding(t *testing.T, h *harness) {
	l := h.ledger()
	p := h.shopProgram(loyalty.ReturnDebt, never)
	c := h.customer()
	st, err := l.svc.Standing(h.ctx, p, c)
	require.NoError(t, err)
	assert.Equal(t, "member", st.Tier, "a new member stands at the entry level")
	for i := range 7 {
		l.earnOrder(p, l.shopOrder(fmt.Sprint("SO-", i), c))
	}
	st, err = l.svc.Standing(h.ctx, p, c)
	require.NoError(t, err)
	assert.Equal(t, "gold", st.Tier, "¥1,050 in the window: gold, as the ledger holds it")
	m, err := h.s.Member(h.ctx, p.ID(), c)
	require.NoError(t, err)
	assert.Equal(t, "gold", m.Tier)
	assert.Equal(t, "gold", m.TierAt(h.clock.Now()))
}
