package loyaltytest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/loyalty"
)

func pendingTests() []test {
	return []test{
		{Name: "NotSpendableUntilAvailable", Run: testPendingNotSpendable},
	}
}

func testPendingNotSpendable(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.returns)
	k := l.acct(l.returns, c, points)
	e := l.earn(l.returns, c, points, 100, orderSource("SO-1", "L1"), "SO-1:L1:base")
	lot := l.lot(k, lotOf(e))
	wantAvail := h.clock.Now().In(l.returns.Location()).AddDate(0, 0, 14)
	require.True(t, lot.AvailableAt.Equal(wantAvail),
		"a lot of a point type with PendingDays 14 is available 14 days after it was earned (%s), got %s", wantAvail, lot.AvailableAt)

	bal := l.balance(l.returns, c, points)
	assert.EqualValues(t, 100, bal.Pending, "points in their return window are pending")
	assert.EqualValues(t, 0, bal.Available, "points in their return window are not available")
	before := l.snap(k)
	_, err := l.redeem(l.returns, c, 1, "")
	assert.ErrorIs(t, err, loyalty.ErrInsufficientPoints, "Redeem of pending points must fail with ErrInsufficientPoints")
	l.assertSame(before, "Redeem of pending points must write nothing")

	h.clock.Set(lot.AvailableAt.Add(-time.Second))
	_, err = l.redeem(l.returns, c, 1, "")
	assert.ErrorIs(t, err, loyalty.ErrInsufficientPoints, "one second before AvailableAt, points are still pending")
	l.assertSame(before, "Redeem of pending points must write nothing")

	h.clock.Set(lot.AvailableAt)
	bal = l.balance(l.returns, c, points)
	assert.EqualValues(t, 100, bal.Available, "at AvailableAt the points are available")
	assert.EqualValues(t, 0, bal.Pending, "at AvailableAt nothing is pending")
	r := l.mustRedeem(l.returns, c, 30, "")
	assertMoves(t, []loyalty.LotMove{{Lot: lotOf(e), Points: -30}}, r, "Redeem at AvailableAt draws on the released lot")
	assert.EqualValues(t, 70, l.available(l.returns, c), "available after spending 30 of 100")
}
