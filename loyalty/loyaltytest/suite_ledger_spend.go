package loyaltytest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/loyalty"
)

func spendTests() []test {
	return []test{
		{Name: "NearestExpiryFirst", Run: testNearestExpiryFirst},
		{Name: "EarnRecordsItsLot", Run: testEarnRecordsItsLot},
		{Name: "InsufficientWritesNothing", Run: testInsufficientWritesNothing},
		{Name: "QualifyingPointsNotSpendable", Run: testQualifyingNotSpendable},
	}
}

func testNearestExpiryFirst(t *testing.T, h *harness) {
	l := h.ledger()
	// Version 2 of the programme gives points a month; version 3 makes them last forever, so
	// that the lots' expiry order differs from the order they were earned in.
	v2def := retailProgram()
	v2def.Version = 2
	v2def.PointTypes[0].Expiry = loyalty.ExpiryPolicy{Kind: loyalty.ExpireAfter, Months: 1}
	v2 := h.program(v2def)
	v3def := retailProgram()
	v3def.Version = 3
	v3def.PointTypes[0].Expiry = loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}
	v3 := h.program(v3def)

	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	a := l.earn(l.retail, c, points, 100, loyalty.Source{}, "") // expires 2028-01-01
	h.clock.AddDate(0, 0, 1)
	never := l.earn(v3, c, points, 10, loyalty.Source{}, "") // never expires
	h.clock.AddDate(0, 0, 1)
	b := l.earn(v2, c, points, 50, loyalty.Source{}, "") // expires in a month
	h.clock.AddDate(0, 0, 1)
	cc := l.earn(l.retail, c, points, 40, loyalty.Source{}, "") // expires 2028-01-01, with a
	l.earn(l.retail, c, status, 500, loyalty.Source{}, "")      // status points are another account

	require.True(t, l.lot(k, lotOf(b)).ExpiresAt.Before(l.lot(k, lotOf(a)).ExpiresAt), "suite bug: lot b must expire first")
	h.clock.AddDate(0, 0, 1)
	r := l.mustRedeem(l.retail, c, 120, "")
	assertMoves(t, []loyalty.LotMove{{Lot: lotOf(b), Points: -50}, {Lot: lotOf(a), Points: -70}}, r,
		"Redeem must draw nearest expiry first (the month-long lot earned last), then, among equal expiries, the oldest")
	assert.EqualValues(t, -120, r.Points, "Redeem: the entry's Points are the points spent")
	assert.Equal(t, loyalty.KindRedeem, r.Kind, "Redeem writes a redeem entry")
	assert.Equal(t, 1, r.ProgramVersion, "an entry records the version of the programme that produced it")

	r2 := l.mustRedeem(l.retail, c, 50, "")
	assertMoves(t, []loyalty.LotMove{{Lot: lotOf(a), Points: -30}, {Lot: lotOf(cc), Points: -20}}, r2,
		"Redeem must finish the oldest of two lots with the same expiry before the next")
	r3 := l.mustRedeem(l.retail, c, 25, "")
	assertMoves(t, []loyalty.LotMove{{Lot: lotOf(cc), Points: -20}, {Lot: lotOf(never), Points: -5}}, r3,
		"Redeem must spend points that never expire last")
	assert.EqualValues(t, 5, l.available(l.retail, c), "available after spending 195 of 200")
	assert.EqualValues(t, 500, l.balance(l.retail, c, status).Available, "spending points must not touch status points")
}

func testEarnRecordsItsLot(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	e := l.earn(l.retail, c, points, 120, orderSource("SO-1", "L1"), "SO-1:L1:base")
	require.Len(t, e.Lots, 1, "Earn must record the one lot it created")
	assert.EqualValues(t, 120, e.Lots[0].Points, "Earn's lot move is the points earned")
	assert.Equal(t, loyalty.KindEarn, e.Kind, "Earn writes an earn entry")
	assert.Equal(t, "SO-1:L1:base", e.Key, "an entry records the key of its command")
	lot := l.lot(k, lotOf(e))
	assert.Equal(t, e.ID, lot.Entry, "a lot records the entry that created it")
	assert.EqualValues(t, 120, lot.Remaining, "a new lot holds all its points")
	assert.True(t, lot.EarnedAt.Equal(h.clock.Now()), "a lot is earned at the command's time")
	assert.True(t, lot.AvailableAt.Equal(h.clock.Now()), "a lot without a return window is available at once")
	assert.True(t, lot.ExpiresAt.Equal(yearEnd(l.retail, 2027)), "points earned in 2026 with end_of_year Years 1 expire at 2028-01-01 in Asia/Shanghai, got %s", lot.ExpiresAt)
	bal := l.balance(l.retail, c, points)
	assert.Equal(t, loyalty.Balance{Available: 120, NextExpiry: bal.NextExpiry, ExpiringNext: 120}, bal, "Balance after one earning")
	assert.True(t, bal.NextExpiry.Equal(lot.ExpiresAt), "Balance.NextExpiry is the lot's expiry")
}

func testInsufficientWritesNothing(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	l.earn(l.retail, c, points, 100, loyalty.Source{}, "")
	before := l.snap(k)

	h.clock.Advance(time.Hour)
	_, err := l.redeem(l.retail, c, 101, "RD-1")
	assert.ErrorIs(t, err, loyalty.ErrInsufficientPoints, "Redeem of more than is available must fail with ErrInsufficientPoints")
	l.assertSame(before, "Redeem that failed with ErrInsufficientPoints must write nothing")
	h.assertNoCommand(l.retail.ID(), "RD-1", "Redeem that failed must not record its key")
	assert.EqualValues(t, 100, l.available(l.retail, c), "available after a failed redeem")

	r := l.mustRedeem(l.retail, c, 100, "RD-1")
	assert.EqualValues(t, -100, r.Points, "a key whose command failed is free: a later Redeem with it must run")
	assert.EqualValues(t, 0, l.available(l.retail, c), "available after spending everything")

	stranger := l.member(l.retail)
	_, err = l.redeem(l.retail, stranger, 1, "")
	assert.ErrorIs(t, err, loyalty.ErrInsufficientPoints, "Redeem by a member without an account must fail with ErrInsufficientPoints")
	h.assertAbsent(l.acct(l.retail, stranger, points), "Redeem that failed must not create the account")
}

func testQualifyingNotSpendable(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, status)
	l.earn(l.retail, c, status, 500, loyalty.Source{}, "")
	before := l.snap(k)
	_, err := l.svc.Redeem(h.ctx, l.retail, loyalty.Points{Customer: c, PointType: status, Points: 100, Key: "spend-status"})
	l.check("Redeem of status points")
	assert.Error(t, err, "Redeem of qualifying (status) points must fail: status points measure tiers and are kept apart from spendable points")
	l.assertSame(before, "Redeem of qualifying points must write nothing")
}
