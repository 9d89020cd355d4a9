package loyaltytest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/loyalty"
)

// The round trip is the guard against a field a store forgets. Every fixture below sets
// every exported field of a stored type, which suite.RequireEveryFieldSet checks by
// reflection: a field added to loyalty.Entry (or any type a Store keeps) later fails the
// suite until the fixture sets it, and then a store whose encoder drops it fails the round
// trip. The store holds no rules, so the fixtures need not make sense as a ledger: they
// only need every field set, with values a store could confuse (times in a zone other
// than UTC, with microseconds; negative numbers; text beyond ASCII).

func roundTripTests() []test {
	return []test{
		{Name: "Accounts", Run: testRoundTripAccounts},
		{Name: "LargeAccount", Run: testRoundTripLargeAccount},
		{Name: "EntriesAndCommand", Run: testRoundTripEntries},
		{Name: "CommandOwnEntries", Run: testRoundTripCommandEntries},
		{Name: "Member", Run: testRoundTripMember},
		{Name: "RewardAndReservation", Run: testRoundTripReward},
		{Name: "Coupon", Run: testRoundTripCoupon},
	}
}

// odd returns the clock's time in CST plus an offset with microseconds, so that a store
// that keeps whole seconds, or a zone's wall clock as UTC, is caught.
func (h *harness) odd(d time.Duration) time.Time {
	return h.clock.Now().Add(d + 123456*time.Microsecond).In(cst)
}

// fullLot is a lot with every field set.
func (h *harness) fullLot(entry loyalty.EntryID, i int) loyalty.Lot {
	return loyalty.Lot{
		ID: h.lotID(), Entry: entry, Points: int64(100 + i), Remaining: int64(40 + i),
		EarnedAt: h.odd(-48 * time.Hour), AvailableAt: h.odd(-24 * time.Hour),
		ExpiresAt: h.odd(365 * 24 * time.Hour), ExpiredAt: h.odd(time.Hour),
		Earned: int64(120 + i), Returned: int64(20 + i), ReturnedQty: int64(2 + i),
		Units: int64(5 + i), Lapsed: int64(3 + i),
	}
}

// fullEntry is an entry of the account with every field set.
func (h *harness) fullEntry(key loyalty.AccountKey, ref string, lots ...loyalty.LotID) loyalty.Entry {
	e := loyalty.Entry{
		ID: h.entryID(), Account: key, Kind: loyalty.KindReverse, At: h.odd(0),
		Points: -35, Debt: 5, Reverses: h.entryID(), Quantity: 3,
		Awards:         []loyalty.RuleAward{{Rule: "base", Points: -30}, {Rule: "双倍积分", Points: -10}},
		ProgramVersion: 7, Key: "refund-" + ref,
		Source: loyalty.Source{Type: "order", Ref: ref, Line: "L-2", Rule: "base"},
		Reason: "退货 refund", Actor: "agent-7",
	}
	for i, l := range lots {
		e.Lots = append(e.Lots, loyalty.LotMove{Lot: l, Points: int64(-10 - i), Line: fmt.Sprint("L-", i+1)})
	}
	return e
}

// fullCommand is a command record of the entries with every field set.
func (h *harness) fullCommand(program, key string, es ...loyalty.Entry) *loyalty.Command {
	return &loyalty.Command{Program: program, Key: key, Digest: "sha256:" + key, At: h.odd(0), Entries: cloneEntries(es)}
}

// writeFull stores an account of nLots lots with every field set, an entry moving two of
// its lots and a command record of the entry, in one Update. It returns the account as
// stored (Version 1), the entry and the record.
func (h *harness) writeFull(key loyalty.AccountKey, nLots int, ref string) (*loyalty.Account, loyalty.Entry, *loyalty.Command) {
	h.t.Helper()
	var e loyalty.Entry
	var cmd *loyalty.Command
	a, _ := h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
		eid := h.entryID()
		for i := range nLots {
			a.Lots = append(a.Lots, h.fullLot(eid, i))
		}
		a.Debt, a.Forgiven, a.UpdatedAt = 17, 6, h.odd(0)
		e = h.fullEntry(key, ref, a.Lots[0].ID, a.Lots[nLots-1].ID)
		cmd = h.fullCommand(key.Program, "cmd-"+ref, e)
		return &loyalty.Commit{Entries: []loyalty.Entry{e}, Command: cmd}
	})
	a.Version = 1
	suite.RequireEveryFieldSet(h.t, a, suite.Exempt{Path: "Account.Outside",
		Reason: "a store computes it for an Update's working set and never stores it"})
	suite.RequireEveryFieldSet(h.t, e)
	suite.RequireEveryFieldSet(h.t, cmd)
	return a, e, cmd
}

// assertAccountReads checks every read path of an account against want.
func (h *harness) assertAccountReads(want *loyalty.Account) {
	h.t.Helper()
	t, key := h.t, want.Key
	assertAccount(t, want, h.account(key), "Account must return every field of the account as stored")
	ms, err := h.s.MemberAccounts(h.ctx, key.Program, key.Customer)
	require.NoError(t, err, "MemberAccounts")
	if assert.Len(t, ms, 1, "MemberAccounts of a member with one account") {
		assertAccount(t, want, ms[0], "MemberAccounts must return every field of the account as stored")
	}
	page, err := h.s.ScanAccounts(h.ctx, key.Program, loyalty.ScanQuery{})
	require.NoError(t, err, "ScanAccounts")
	if assert.Equal(t, []string{key.String()}, accountKeys(page.Items), "ScanAccounts of a programme with one account") {
		assertAccount(t, want, page.Items[0], "ScanAccounts must return every field of the account as stored")
	}
	// The next Update is given the account as stored, too.
	h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
		assertAccount(t, want, a, "Update must pass fn every field of the account as stored")
		return nil
	})
	want.Version++
}

func testRoundTripAccounts(t *testing.T, h *harness) {
	a, _, _ := h.writeFull(h.key(progA, typePoints), 2, "SO-RT")
	h.assertAccountReads(a)
}

// A large account: a store may keep the lots of large accounts another way.
func testRoundTripLargeAccount(t *testing.T, h *harness) {
	a, _, _ := h.writeFull(h.key(progA, typePoints), 70, "SO-RT")
	h.assertAccountReads(a)
}

func testRoundTripEntries(t *testing.T, h *harness) {
	key := h.key(progA, typePoints)
	_, e, cmd := h.writeFull(key, 2, "SO-RT")
	got, err := h.s.Entry(h.ctx, e.ID)
	require.NoError(t, err, "Entry")
	assertEntry(t, e, *got, "Entry must return every field of the entry as written")
	assertEntries(t, []loyalty.Entry{e}, h.entries(key), "Entries must return every field of the entry as written")
	window := loyalty.EntryQuery{From: e.At.Add(-time.Second), To: e.At.Add(time.Second)}
	assertEntries(t, []loyalty.Entry{e}, allEntries(t, h.ctx, h.s, key, window),
		"Entries with From and To must return every field of the entry as written")
	bySrc, err := h.s.EntriesBySource(h.ctx, key.Program, e.Source.Type, e.Source.Ref)
	require.NoError(t, err, "EntriesBySource")
	assertEntries(t, []loyalty.Entry{e}, bySrc, "EntriesBySource must return every field of the entry as written")
	gotCmd, err := h.s.Command(h.ctx, cmd.Program, cmd.Key)
	require.NoError(t, err, "Command")
	assertCommand(t, cmd, gotCmd, "Command must return every field of the record and of its entries as written")
}

// A command record keeps the entries it was given, also those that are not entries of its
// commit, or differ from them.
func testRoundTripCommandEntries(t *testing.T, h *harness) {
	key := h.key(progA, typePoints)
	var cmd *loyalty.Command
	h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
		l := h.fullLot(h.entryID(), 0)
		a.Lots = append(a.Lots, l)
		e := h.fullEntry(key, "SO-OWN", l.ID)
		other := h.fullEntry(key, "SO-OTHER", l.ID) // not written as an entry
		changed := cloneEntry(e)
		changed.Reason = "as the record tells it"
		cmd = h.fullCommand(progA, "cmd-own", other, changed, e)
		return &loyalty.Commit{Entries: []loyalty.Entry{e}, Command: cmd}
	})
	got, err := h.s.Command(h.ctx, progA, "cmd-own")
	require.NoError(t, err, "Command")
	assertCommand(t, cmd, got, "Command must return the entries of the record as given, not the commit's")
	h.assertNoEntry(cmd.Entries[0].ID, "an entry only a command record lists")
	bySrc, err := h.s.EntriesBySource(h.ctx, progA, "order", "SO-OTHER")
	require.NoError(t, err, "EntriesBySource")
	assert.Empty(t, entryIDs(bySrc), "EntriesBySource must not list an entry only a command record lists")
}

// fullMember is a member state with every field set, as UpdateMember stores it on the
// member's first change (Version 1).
func (h *harness) fullMember(program string, c crm.CustomerID) *loyalty.MemberState {
	return &loyalty.MemberState{
		Program: program, Customer: c, Version: 1, JoinedAt: h.odd(-90 * 24 * time.Hour),
		Tier: "gold", Earned: "silver", Assigned: "gold", AssignedUntil: h.odd(30 * 24 * time.Hour),
		AssignedReason: "status match 航空金卡", DowngradeTo: "member", DowngradeAt: h.odd(60 * 24 * time.Hour),
		NextReview: h.odd(24 * time.Hour),
		History: []loyalty.TierChange{
			{From: "member", To: "silver", At: h.odd(-30 * 24 * time.Hour), Reason: loyalty.TierQualified, Actor: "system"},
			{From: "silver", To: "gold", At: h.odd(-time.Hour), Reason: loyalty.TierAssigned, Actor: "agent-7"},
		},
		PoolMembers: []crm.CustomerID{h.customer(), h.customer()},
	}
}

func canonMember(m *loyalty.MemberState) *loyalty.MemberState {
	c := m.Clone()
	c.JoinedAt, c.AssignedUntil = suite.UTC(c.JoinedAt), suite.UTC(c.AssignedUntil)
	c.DowngradeAt, c.NextReview = suite.UTC(c.DowngradeAt), suite.UTC(c.NextReview)
	c.History = suite.NilIfEmpty(c.History)
	for i := range c.History {
		c.History[i].At = suite.UTC(c.History[i].At)
	}
	c.PoolMembers = suite.NilIfEmpty(c.PoolMembers)
	return c
}

func assertMember(t *testing.T, want, got *loyalty.MemberState, contract string) bool {
	t.Helper()
	if !assert.NotNil(t, got, "%s: got a nil member state", contract) {
		return false
	}
	return assert.Equal(t, canonMember(want), canonMember(got), "%s: member %s differs", contract, want.Customer)
}

func testRoundTripMember(t *testing.T, h *harness) {
	c := h.customer()
	want := h.fullMember(progA, c)
	suite.RequireEveryFieldSet(t, want)
	require.NoError(t, h.s.UpdateMember(h.ctx, progA, c, func(m *loyalty.MemberState) error {
		*m = *want.Clone()
		m.Version = 0
		return nil
	}), "UpdateMember")
	got, err := h.s.Member(h.ctx, progA, c)
	require.NoError(t, err, "Member")
	assertMember(t, want, got, "Member must return every field of the state as stored")
	for _, q := range []loyalty.ScanQuery{{}, {DueBy: want.NextReview}} {
		page, err := h.s.ScanMembers(h.ctx, progA, q)
		require.NoError(t, err, "ScanMembers")
		if assert.Len(t, page.Items, 1, "ScanMembers (DueBy %v) of a programme with one member, due", q.DueBy) {
			assertMember(t, want, page.Items[0], "ScanMembers must return every field of the state as stored")
		}
	}
	require.NoError(t, h.s.UpdateMember(h.ctx, progA, c, func(m *loyalty.MemberState) error {
		assertMember(t, want, m, "UpdateMember must pass fn every field of the state as stored")
		return nil
	}), "UpdateMember")
}

// fullReward is a reward with every field set, as stored (Version 1).
func (h *harness) fullReward(id string) loyalty.Reward {
	r := h.newReward(id, 10, 2)
	r.Name, r.ValidFrom, r.ValidTo, r.UpdatedAt = "免费咖啡 free coffee", h.odd(-time.Hour), h.odd(24*time.Hour), h.odd(0)
	r.Version = 1
	return r
}

// fullReservation is a reservation of the reward with every field set.
func (h *harness) fullReservation(rw *loyalty.Reward, c crm.CustomerID) loyalty.Reservation {
	r := h.newReservation(rw, c, 2)
	r.Status, r.Coupon, r.Reason = loyalty.Cancelled, "SUITE-0000000000000000B", "顾客取消 customer cancelled"
	r.CouponSpec = &loyalty.CouponSpec{Prefix: "SUITE", Uses: 3, ValidDays: 14}
	r.CreatedAt, r.UpdatedAt = h.odd(-time.Minute), h.odd(0)
	return r
}

func testRoundTripReward(t *testing.T, h *harness) {
	rs := h.rewards()
	rw := h.fullReward("coffee")
	suite.RequireEveryFieldSet(t, rw)
	in := rw
	in.Version = 0
	require.NoError(t, rs.PutReward(h.ctx, in), "PutReward")
	assertReward(t, &rw, h.getReward(progA, rw.ID), "Reward must return every field of the reward as stored")
	page, err := rs.Rewards(h.ctx, progA, kehu.PageRequest{})
	require.NoError(t, err, "Rewards")
	if assert.Len(t, page.Items, 1, "Rewards of a programme with one reward") {
		assertReward(t, &rw, page.Items[0], "Rewards must return every field of the reward as stored")
	}

	c := h.customer()
	res := h.fullReservation(&rw, c)
	suite.RequireEveryFieldSet(t, res)
	require.NoError(t, rs.Reserve(h.ctx, res, func(r *loyalty.Reservation, reward *loyalty.Reward, _ int64) error {
		assertReservation(t, &res, r, "Reserve must pass fn every field of the reservation as given")
		assertReward(t, &rw, reward, "Reserve must pass fn every field of the reward as stored")
		return nil
	}), "Reserve")
	rw.Version++
	assertReservation(t, &res, h.getReservation(progA, res.ID), "Reservation must return every field as stored")
	for _, q := range []loyalty.ReservationQuery{{}, {Customer: c, Status: res.Status}} {
		page, err := rs.Reservations(h.ctx, progA, q)
		require.NoError(t, err, "Reservations")
		if assert.Len(t, page.Items, 1, "Reservations (%+v) of a programme with one reservation", q) {
			assertReservation(t, &res, page.Items[0], "Reservations must return every field of the reservation as stored")
		}
	}
	check := func(r *loyalty.Reservation, reward *loyalty.Reward) error {
		assertReservation(t, &res, r, "UpdateReservation and DropReservation must pass fn every field of the reservation as stored")
		assertReward(t, &rw, reward, "UpdateReservation and DropReservation must pass fn every field of the reward as stored")
		return nil
	}
	require.NoError(t, rs.UpdateReservation(h.ctx, progA, res.ID, check), "UpdateReservation")
	rw.Version++
	assertReservation(t, &res, h.getReservation(progA, res.ID), "UpdateReservation that changes nothing must keep every field")
	require.NoError(t, rs.DropReservation(h.ctx, progA, res.ID, check), "DropReservation")
}

func testRoundTripCoupon(t *testing.T, h *harness) {
	rs := h.rewards()
	in := h.newCoupon("SUITE-0000000000000000C", 3)
	in.UsesLeft, in.ValidFrom, in.ValidTo, in.CreatedAt = 1, h.odd(-time.Hour), h.odd(30*24*time.Hour), h.odd(-time.Hour)
	in.Redemptions = []time.Time{h.odd(-time.Minute), h.odd(0)}
	in.RedemptionKeys = []string{"use-1", "use-2"}
	suite.RequireEveryFieldSet(t, in)
	require.NoError(t, rs.CreateCoupon(h.ctx, in), "CreateCoupon")
	got, err := rs.Coupon(h.ctx, progA, in.Code)
	require.NoError(t, err, "Coupon")
	assertCoupon(t, &in, got, "Coupon must return every field of the coupon as created")
	require.NoError(t, rs.UseCoupon(h.ctx, progA, in.Code, func(c *loyalty.Coupon) error {
		assertCoupon(t, &in, c, "UseCoupon must pass fn every field of the coupon as stored")
		return nil
	}), "UseCoupon")
	got, err = rs.Coupon(h.ctx, progA, in.Code)
	require.NoError(t, err, "Coupon")
	assertCoupon(t, &in, got, "a UseCoupon that changes nothing must keep every field")
}
