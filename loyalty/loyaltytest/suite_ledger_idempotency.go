package loyaltytest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/loyalty"
)

func idempotencyTests() []test {
	return []test{
		{Name: "SameKeySamePayload", Run: testSameKeySamePayload},
		{Name: "SameKeyDifferentPayload", Run: testSameKeyDifferentPayload},
		{Name: "KeysArePermanent", Run: testKeysArePermanent},
		{Name: "KeysPerProgram", Run: testServiceKeysPerProgram},
		{Name: "NothingEarnedIsRecorded", Run: testNothingEarnedIsRecorded},
	}
}

func testSameKeySamePayload(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	cmd := loyalty.Points{Customer: c, PointType: points, Points: 100, Source: orderSource("SO-1", "L1"), Key: "SO-1:L1:base"}
	first, err := l.svc.Earn(h.ctx, l.retail, cmd)
	require.NoError(t, err, "Earn")
	l.check("Earn")
	before := l.snap(k)

	h.clock.Advance(time.Hour)
	again, err := l.svc.Earn(h.ctx, l.retail, cmd)
	require.NoError(t, err, "Earn repeated with the same key and payload must succeed")
	l.check("repeated Earn")
	assertEntry(t, first, again, "Earn repeated with the same key must return the first entry")
	l.assertSame(before, "Earn repeated with the same key must write nothing")

	rd := loyalty.Points{Customer: c, PointType: points, Points: 30, Key: "RD-1"}
	r1, err := l.svc.Redeem(h.ctx, l.retail, rd)
	require.NoError(t, err, "Redeem")
	before = l.snap(k)
	h.clock.Advance(time.Hour)
	r2, err := l.svc.Redeem(h.ctx, l.retail, rd)
	require.NoError(t, err, "Redeem repeated with the same key and payload must succeed")
	l.check("repeated Redeem")
	assertEntry(t, r1, r2, "Redeem repeated with the same key must return the first entry")
	l.assertSame(before, "Redeem repeated with the same key must write nothing")
	assert.EqualValues(t, 70, l.available(l.retail, c), "a repeated redeem must spend nothing more")
}

func testSameKeyDifferentPayload(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	other := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	l.earn(l.retail, c, points, 100, orderSource("SO-1", "L1"), "K-1")
	before, beforeOther := l.snap(k), l.snap(l.acct(l.retail, other, points))

	for _, tc := range []struct {
		what string
		run  func() error
	}{
		{"Earn with other points", func() error {
			_, err := l.svc.Earn(h.ctx, l.retail, loyalty.Points{Customer: c, PointType: points, Points: 101, Source: orderSource("SO-1", "L1"), Key: "K-1"})
			return err
		}},
		{"Earn for another member", func() error {
			_, err := l.svc.Earn(h.ctx, l.retail, loyalty.Points{Customer: other, PointType: points, Points: 100, Source: orderSource("SO-1", "L1"), Key: "K-1"})
			return err
		}},
		{"Redeem", func() error {
			_, err := l.svc.Redeem(h.ctx, l.retail, loyalty.Points{Customer: c, PointType: points, Points: 100, Key: "K-1"})
			return err
		}},
		{"Transfer", func() error {
			_, err := l.svc.Transfer(h.ctx, l.retail, loyalty.Transfer{From: c, To: other, PointType: points, Points: 10, Key: "K-1"})
			return err
		}},
	} {
		h.clock.Advance(time.Minute)
		err := tc.run()
		l.check("%s with a used key", tc.what)
		assert.ErrorIs(t, err, kehu.ErrKeyReused, "%s with a key used for a different command must fail with ErrKeyReused", tc.what)
		assert.ErrorIs(t, err, kehu.ErrConflict, "%s with a reused key: ErrKeyReused must match kehu.ErrConflict", tc.what)
		l.assertSame(before, "%s with a reused key must write nothing", tc.what)
		l.assertSame(beforeOther, "%s with a reused key must write nothing", tc.what)
	}
}

func testKeysArePermanent(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	earn := loyalty.Points{Customer: c, PointType: points, Points: 100, Source: orderSource("SO-1", "L1"), Key: "SO-1:L1:base"}
	e, err := l.svc.Earn(h.ctx, l.retail, earn)
	require.NoError(t, err, "Earn")
	r := l.mustRedeem(l.retail, c, 100, "RD-all")
	exp := l.lot(k, lotOf(e)).ExpiresAt

	h.clock.AddDate(0, 1, 0)
	before := l.snap(k)
	again, err := l.redeem(l.retail, c, 100, "RD-all")
	require.NoError(t, err, "Redeem repeated with its key after the balance was spent must return the first result, not ErrInsufficientPoints")
	assertEntry(t, r, again, "Redeem repeated a month later must return the first entry")
	l.assertSame(before, "Redeem repeated a month later must write nothing")

	h.clock.Set(exp.Add(time.Hour))
	_, err = l.svc.ExpireDue(h.ctx, l.retail, h.clock.Now(), 0)
	require.NoError(t, err, "ExpireDue")
	before = l.snap(k)
	again, err = l.svc.Earn(h.ctx, l.retail, earn)
	l.check("Earn repeated after expiry")
	require.NoError(t, err, "Earn repeated with its key after its points expired must succeed")
	assertEntry(t, e, again, "Earn repeated years later must return the first entry")
	l.assertSame(before, "Earn repeated years later must credit nothing")
}

func testServiceKeysPerProgram(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	l.acct(l.returns, c, points)
	a := l.earn(l.retail, c, points, 100, orderSource("SO-1", "L1"), "SO-1:L1:base")
	b := l.earn(l.returns, c, points, 100, orderSource("SO-1", "L1"), "SO-1:L1:base")
	assert.NotEqual(t, a.ID, b.ID, "a key used in one programme is free in another: the second Earn must write its own entry")
	assert.EqualValues(t, 100, l.balance(l.returns, c, points).Pending, "the second programme's Earn must be credited")
}

// testNothingEarnedIsRecorded: an order that earns nothing (the retail programme has no
// earning rules) is still a command applied once, so the store must take an Update of no
// accounts that records it; a retry answers from the record.
func testNothingEarnedIsRecorded(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	o := kehu.Order{ID: "SO-ZERO", CustomerID: c, At: l.clock.Now(), Currency: "CNY",
		Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("10", "CNY")}}}
	first, err := l.svc.EarnOrder(h.ctx, l.retail, o, loyalty.Member{})
	require.NoError(t, err, "EarnOrder of an order that earns nothing")
	assert.Empty(t, first.Entries, "the retail programme earns nothing on orders")
	assert.False(t, first.Replayed)
	cmd, err := h.s.Command(h.ctx, l.retail.ID(), kehu.LibraryKey("order", o.ID))
	require.NoError(t, err, "the store must record a command that wrote no account")
	assert.Empty(t, cmd.Entries)

	h.clock.Advance(time.Hour)
	again, err := l.svc.EarnOrder(h.ctx, l.retail, o, loyalty.Member{})
	require.NoError(t, err, "EarnOrder sent again")
	assert.True(t, again.Replayed, "the retry answers from the record")
	assert.Empty(t, again.Entries)
	l.check("an order that earned nothing")
}
