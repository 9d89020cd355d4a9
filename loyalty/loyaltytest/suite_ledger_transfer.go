package loyaltytest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/loyalty"
)

func transferTests() []test {
	return []test{
		{Name: "MovesPointsAtomically", Run: testTransferMoves},
		{Name: "FailureWritesNothing", Run: testTransferFailure},
		{Name: "ReversalConservesPoints", Run: testTransferReversal},
	}
}

func testTransferMoves(t *testing.T, h *harness) {
	l := h.ledger()
	from, to := l.member(l.retail), l.member(l.retail)
	kf, kt := l.acct(l.retail, from, points), l.acct(l.retail, to, points)
	src := l.earn(l.retail, from, points, 300, loyalty.Source{}, "")
	l.earn(l.retail, to, points, 10, loyalty.Source{}, "")
	vf, vt := l.account(kf).Version, l.account(kt).Version
	h.clock.AddDate(1, 0, 0) // 2027: the sent points still expire at the end of 2027

	tr := loyalty.Transfer{From: from, To: to, PointType: points, Points: 120, Key: "TR-1"}
	out, err := l.svc.Transfer(h.ctx, l.retail, tr)
	l.check("Transfer")
	require.NoError(t, err, "Transfer of 120 of 300")
	require.Len(t, out, 2, "Transfer writes two entries: out and in")
	assert.Equal(t, loyalty.KindTransferOut, out[0].Kind, "the sender's entry is a transfer_out")
	assert.Equal(t, kf, out[0].Account, "the transfer_out is the sender's")
	assertMoves(t, []loyalty.LotMove{{Lot: lotOf(src), Points: -120}}, out[0], "the sender spends from its lots")
	assert.Equal(t, loyalty.KindTransferIn, out[1].Kind, "the receiver's entry is a transfer_in")
	assert.Equal(t, kt, out[1].Account, "the transfer_in is the receiver's")
	assert.EqualValues(t, 120, out[1].Points, "the receiver gets the points")
	in := l.lot(kt, lotOf(out[1]))
	assert.True(t, in.ExpiresAt.Equal(l.lot(kf, lotOf(src)).ExpiresAt), "the received lot keeps the expiry of the lot it came from, got %s", in.ExpiresAt)
	assert.True(t, in.ExpiresAt.Equal(yearEnd(l.retail, 2027)), "points earned in 2026 expire at the end of 2027, got %s", in.ExpiresAt)
	assert.True(t, in.AvailableAt.Equal(h.clock.Now()), "transferred points are available at once")

	assert.EqualValues(t, 180, l.available(l.retail, from), "sender after the transfer")
	assert.EqualValues(t, 130, l.available(l.retail, to), "receiver after the transfer")
	assert.Equal(t, vf+1, l.account(kf).Version, "Transfer writes the sender once")
	assert.Equal(t, vt+1, l.account(kt).Version, "Transfer writes the receiver once")

	before, beforeTo := l.snap(kf), l.snap(kt)
	h.clock.Advance(time.Hour)
	again, err := l.svc.Transfer(h.ctx, l.retail, tr)
	require.NoError(t, err, "Transfer repeated with its key")
	assertEntries(t, out, again, "Transfer repeated with its key must return the first result")
	l.assertSame(before, "Transfer repeated must write nothing")
	l.assertSame(beforeTo, "Transfer repeated must write nothing")
}

func testTransferFailure(t *testing.T, h *harness) {
	l := h.ledger()
	from, to, fresh := l.member(l.retail), l.member(l.retail), l.member(l.retail)
	kf, kt := l.acct(l.retail, from, points), l.acct(l.retail, to, points)
	l.earn(l.retail, from, points, 180, loyalty.Source{}, "")
	l.earn(l.retail, to, points, 10, loyalty.Source{}, "")
	before, beforeTo := l.snap(kf), l.snap(kt)
	beforeFresh := l.snap(l.acct(l.retail, fresh, points))

	h.clock.Advance(time.Hour)
	for _, dest := range []struct {
		name string
		key  loyalty.AccountKey
	}{{"an existing member", kt}, {"a member without an account", l.acct(l.retail, fresh, points)}} {
		_, err := l.svc.Transfer(h.ctx, l.retail, loyalty.Transfer{From: from, To: dest.key.Customer, PointType: points, Points: 200, Key: "TR-big"})
		l.check("failed Transfer to %s", dest.name)
		assert.ErrorIs(t, err, loyalty.ErrInsufficientPoints, "Transfer of 200 of 180 to %s must fail with ErrInsufficientPoints", dest.name)
		l.assertSame(before, "Transfer that failed must write nothing to the sender")
		l.assertSame(beforeTo, "Transfer that failed must write nothing to the receiver")
		l.assertSame(beforeFresh, "Transfer that failed must not create the receiver's account")
		h.assertNoCommand(l.retail.ID(), "TR-big", "Transfer that failed must not record its key")
	}
	assert.EqualValues(t, 180, l.available(l.retail, from), "sender after a failed transfer")
	assert.EqualValues(t, 10, l.available(l.retail, to), "receiver after a failed transfer")
}

// A transfer moves points; undoing one side of it must not create points. Reverse of the
// transfer_out either takes the points back from the receiver too, in the same step, or
// is refused and writes nothing.
func testTransferReversal(t *testing.T, h *harness) {
	l := h.ledger()
	from, to := l.member(l.retail), l.member(l.retail)
	kf, kt := l.acct(l.retail, from, points), l.acct(l.retail, to, points)
	l.earn(l.retail, from, points, 100, loyalty.Source{}, "")
	out, err := l.svc.Transfer(h.ctx, l.retail, loyalty.Transfer{From: from, To: to, PointType: points, Points: 40, Key: "TR-1"})
	require.NoError(t, err, "Transfer")
	require.Len(t, out, 2, "Transfer writes two entries")
	before, beforeTo := l.snap(kf), l.snap(kt)

	h.clock.Advance(time.Hour)
	_, err = l.svc.Reverse(h.ctx, l.retail, out[0].ID, "transfer cancelled")
	l.check("Reverse of a transfer_out")
	total := l.available(l.retail, from) + l.available(l.retail, to)
	assert.EqualValues(t, 100, total,
		"Reverse of a transfer_out must not create points: the sender and the receiver together held 100, now %d (sender %d, receiver %d)",
		total, l.available(l.retail, from), l.available(l.retail, to))
	if err != nil {
		l.assertSame(before, "Reverse of a transfer_out that failed must write nothing")
		l.assertSame(beforeTo, "Reverse of a transfer_out that failed must write nothing")
	}
}
