package loyaltytest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/loyalty"
)

func reverseTests() []test {
	return []test{
		{Name: "RedemptionRestoresOriginalLots", Run: testReverseRestoresLots},
		{Name: "TwiceReturnsFirstResult", Run: testReverseTwice},
		{Name: "RestoredPointsPastExpiryExpire", Run: testReverseAfterExpiry},
	}
}

func testReverseRestoresLots(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	a := l.earn(l.retail, c, points, 100, loyalty.Source{}, "") // 2026: expires 2028-01-01
	h.clock.AddDate(1, 0, 0)
	b := l.earn(l.retail, c, points, 100, loyalty.Source{}, "") // 2027: expires 2029-01-01
	lotsBefore := l.account(k).Lots
	h.clock.AddDate(0, 0, 1)
	r := l.mustRedeem(l.retail, c, 150, "")
	assertMoves(t, []loyalty.LotMove{{Lot: lotOf(a), Points: -100}, {Lot: lotOf(b), Points: -50}}, r, "Redeem of 150")

	h.clock.AddDate(0, 0, 1)
	out, err := l.svc.Reverse(h.ctx, l.retail, r.ID, "reward cancelled")
	l.check("Reverse of a redemption")
	require.NoError(t, err, "Reverse of a redemption")
	require.Len(t, out, 1, "Reverse of a redemption writes one entry")
	rev := out[0]
	assert.Equal(t, loyalty.KindReverse, rev.Kind, "Reverse writes a reverse entry")
	assert.Equal(t, r.ID, rev.Reverses, "a reversal points at the entry it reverses")
	assert.EqualValues(t, 150, rev.Points, "Reverse of a redemption gives back its points")
	assertMoves(t, []loyalty.LotMove{{Lot: lotOf(a), Points: 100}, {Lot: lotOf(b), Points: 50}}, rev,
		"Reverse of a redemption must give the points back to the very lots it drew on")
	after := l.account(k)
	assert.Equal(t, lotIDs(lotsBefore), lotIDs(after.Lots), "Reverse of a redemption must restore lots, not create new ones")
	for i := range lotsBefore {
		assert.EqualValues(t, lotsBefore[i].Remaining, after.Lots[i].Remaining, "lot %s after the reversal", lotsBefore[i].ID)
		assert.True(t, lotsBefore[i].ExpiresAt.Equal(after.Lots[i].ExpiresAt),
			"Reverse must restore points with their original expiry: lot %s expired %s, now %s",
			lotsBefore[i].ID, lotsBefore[i].ExpiresAt, after.Lots[i].ExpiresAt)
	}
	bal := l.balance(l.retail, c, points)
	assert.EqualValues(t, 200, bal.Available, "available after the reversal")
	assert.True(t, bal.NextExpiry.Equal(yearEnd(l.retail, 2027)), "the restored points of 2026 expire first, at 2028-01-01")
	assert.EqualValues(t, 100, bal.ExpiringNext, "the restored points of 2026 expire first")
}

func testReverseTwice(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	l.earn(l.retail, c, points, 100, loyalty.Source{}, "")
	r := l.mustRedeem(l.retail, c, 60, "")
	first, err := l.svc.Reverse(h.ctx, l.retail, r.ID, "cancelled")
	require.NoError(t, err, "Reverse")
	before := l.snap(k)
	h.clock.Advance(time.Hour)
	again, err := l.svc.Reverse(h.ctx, l.retail, r.ID, "cancelled")
	l.check("second Reverse")
	require.NoError(t, err, "Reverse repeated must return the first result")
	assertEntries(t, first, again, "Reverse repeated must return the first result")
	l.assertSame(before, "Reverse repeated must write nothing")
	assert.EqualValues(t, 100, l.available(l.retail, c), "a redemption reversed twice gives its points back once")
}

func testReverseAfterExpiry(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	a := l.earn(l.retail, c, points, 100, loyalty.Source{}, "")
	r := l.mustRedeem(l.retail, c, 60, "")
	exp := l.lot(k, lotOf(a)).ExpiresAt
	h.clock.Set(exp.Add(time.Hour))
	_, err := l.svc.ExpireDue(h.ctx, l.retail, h.clock.Now(), 0)
	require.NoError(t, err, "ExpireDue")
	l.check("ExpireDue")
	h.clock.Advance(time.Hour)
	out, err := l.svc.Reverse(h.ctx, l.retail, r.ID, "cancelled late")
	l.check("Reverse of a redemption whose lot expired")
	require.NoError(t, err, "Reverse of a redemption whose lot has expired")
	var kinds []loyalty.EntryKind
	for _, e := range out {
		kinds = append(kinds, e.Kind)
	}
	assert.Equal(t, []loyalty.EntryKind{loyalty.KindReverse, loyalty.KindExpire}, kinds,
		"points restored to a lot past its expiry expire again at once")
	assert.EqualValues(t, 0, l.available(l.retail, c), "points restored to an expired lot are not spendable")
	lot := l.lot(k, lotOf(a))
	assert.EqualValues(t, 0, lot.Remaining, "points restored to an expired lot are expired again")
	assert.True(t, lot.ExpiresAt.Equal(exp), "the lot keeps its original expiry")
}
