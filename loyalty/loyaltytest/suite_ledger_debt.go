package loyaltytest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/loyalty"
)

func debtTests() []test {
	return []test{
		{Name: "RefundOfSpentPointsCreatesDebt", Run: testRefundCreatesDebt},
		{Name: "EarningsPayDebtFirst", Run: testEarningsPayDebt},
		{Name: "DebtStopsAtFloor", Run: testDebtFloor},
		{Name: "DefaultPolicyRecordsDebt", Run: testDefaultReturnPolicy},
	}
}

// spentOrder earns points for order SO-1 in the returns programme, waits out the return
// window and spends spent of them. It returns the member and the earn entry.
func (l *ledger) spentOrder(earned, spent int64) (loyalty.AccountKey, loyalty.Entry) {
	l.t.Helper()
	c := l.member(l.returns)
	k := l.acct(l.returns, c, points)
	e := l.earn(l.returns, c, points, earned, orderSource("SO-1", "L1"), "SO-1:L1:base")
	l.clock.AddDate(0, 0, 14)
	if spent > 0 {
		l.mustRedeem(l.returns, c, spent, "")
	}
	l.clock.AddDate(0, 0, 1)
	return k, e
}

// refund refunds a whole order and must succeed.
func (l *ledger) refund(p *loyalty.Program, k loyalty.AccountKey, order, key string) []loyalty.Entry {
	l.t.Helper()
	out, err := l.svc.Refund(l.ctx, p, loyalty.Refund{Customer: k.Customer, Order: order, Key: key})
	l.check("Refund of %s", order)
	require.NoError(l.t, err, "Refund of order %s", order)
	return out
}

func testRefundCreatesDebt(t *testing.T, h *harness) {
	l := h.ledger()
	k, e := l.spentOrder(300, 250)
	out := l.refund(l.returns, k, "SO-1", "RF-1")
	require.Len(t, out, 1, "Refund of a one-line order writes one reversal")
	rev := out[0]
	assert.Equal(t, loyalty.KindReverse, rev.Kind, "a refund writes a reverse entry")
	assert.Equal(t, e.ID, rev.Reverses, "a refund's reversal points at the earn entry of the line")
	assertMoves(t, []loyalty.LotMove{{Lot: lotOf(e), Points: -50}}, rev, "the refund takes what is left of the line's lot")
	assert.EqualValues(t, 250, rev.Debt, "with returns \"negative\", what was already spent becomes debt")
	assert.EqualValues(t, -300, rev.Points, "a refund takes back every point the line earned")
	a := l.account(k)
	assert.EqualValues(t, 250, a.Debt, "the account owes the points already spent")
	assert.EqualValues(t, -250, a.Book(), "the book balance goes negative by the debt")
	assert.EqualValues(t, -250, l.available(l.returns, k.Customer), "available is negative while in debt")
	_, err := l.redeem(l.returns, k.Customer, 1, "")
	assert.ErrorIs(t, err, loyalty.ErrInsufficientPoints, "nothing can be spent while in debt")

	again, err := l.svc.Refund(h.ctx, l.returns, loyalty.Refund{Customer: k.Customer, Order: "SO-1", Key: "RF-1"})
	require.NoError(t, err, "Refund repeated with its key")
	assertEntries(t, out, again, "Refund repeated with its key must return the first result")
	assert.EqualValues(t, 250, l.account(k).Debt, "a repeated refund must not add to the debt")
}

func testEarningsPayDebt(t *testing.T, h *harness) {
	l := h.ledger()
	k, _ := l.spentOrder(300, 250)
	l.refund(l.returns, k, "SO-1", "RF-1")
	c := k.Customer

	e1 := l.earn(l.returns, c, points, 100, orderSource("SO-2", "L1"), "SO-2:L1:base")
	assert.EqualValues(t, -100, e1.Debt, "a new earning pays off debt first")
	assertMoves(t, []loyalty.LotMove{{Lot: lotOf(e1), Points: 0}}, e1, "an earning that only pays debt leaves an empty lot")
	assert.EqualValues(t, 150, l.account(k).Debt, "debt after an earning of 100")
	assert.EqualValues(t, -150, l.account(k).Book(), "book after an earning of 100")

	e2 := l.earn(l.returns, c, points, 200, orderSource("SO-3", "L1"), "SO-3:L1:base")
	assert.EqualValues(t, -150, e2.Debt, "an earning pays off the rest of the debt")
	assertMoves(t, []loyalty.LotMove{{Lot: lotOf(e2), Points: 50}}, e2, "what is left after the debt makes the lot")
	a := l.account(k)
	assert.EqualValues(t, 0, a.Debt, "the debt is paid")
	assert.EqualValues(t, 50, a.Book(), "book after the debt is paid")
	bal := l.balance(l.returns, c, points)
	assert.EqualValues(t, 50, bal.Pending, "the rest of the earning waits out its return window")
	l.clock.AddDate(0, 0, 14)
	assert.EqualValues(t, 50, l.available(l.returns, c), "the rest of the earning is available after its return window")
}

func testDebtFloor(t *testing.T, h *harness) {
	l := h.ledger()
	k, _ := l.spentOrder(800, 800)
	out := l.refund(l.returns, k, "SO-1", "RF-1")
	require.Len(t, out, 1, "Refund of a one-line order writes one reversal")
	assert.EqualValues(t, 500, out[0].Debt, "with a floor of −500 the debt stops at 500")
	assert.EqualValues(t, -500, out[0].Points, "what is beyond the floor is forgiven")
	assert.EqualValues(t, -500, l.account(k).Book(), "the book balance stops at the floor")

	// An earning pays 100 of the debt; refunding it takes the balance back to the floor, no
	// further.
	l.earn(l.returns, k.Customer, points, 100, orderSource("SO-2", "L1"), "SO-2:L1:base")
	assert.EqualValues(t, 400, l.account(k).Debt, "debt after an earning of 100")
	out = l.refund(l.returns, k, "SO-2", "RF-2")
	require.Len(t, out, 1, "Refund of SO-2")
	assert.EqualValues(t, 100, out[0].Debt, "the refund of the earning that paid debt owes it again")
	a := l.account(k)
	assert.EqualValues(t, 500, a.Debt, "the debt is back at the floor")
	assert.GreaterOrEqual(t, a.Book(), int64(-500), "the book balance never passes the floor")
}

func testDefaultReturnPolicy(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	e := l.earn(l.retail, c, points, 100, orderSource("SO-1", "L1"), "SO-1:L1:base")
	l.mustRedeem(l.retail, c, 80, "")
	out := l.refund(l.retail, k, "SO-1", "RF-1")
	require.Len(t, out, 1, "Refund of a one-line order writes one reversal")
	assertMoves(t, []loyalty.LotMove{{Lot: lotOf(e), Points: -20}}, out[0], "the refund takes what is left")
	assert.EqualValues(t, 80, out[0].Debt, "by default (returns \"debt\") the spent part becomes debt")
	assert.EqualValues(t, 80, l.account(k).Debt, "the account owes what was spent")
	l.earn(l.retail, c, points, 30, loyalty.Source{}, "")
	assert.EqualValues(t, 50, l.account(k).Debt, "a later earning pays off debt first")
	assert.EqualValues(t, -50, l.available(l.retail, c), "available while in debt")
}
