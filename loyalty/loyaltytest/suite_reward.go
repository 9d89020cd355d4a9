package loyaltytest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/loyalty"
)

func rewardTests() []test {
	return []test{
		{Name: "RewardRoundTrip", Run: testRewardRoundTrip},
		{Name: "RewardVersions", Run: testRewardVersions},
		{Name: "RewardNotFound", Run: testRewardNotFound},
		{Name: "RewardsInIDOrderByProgram", Run: testRewardsPaging},
		{Name: "ReserveStoresReservationAndReward", Run: testReserveStoresBoth},
		{Name: "ReserveErrorWritesNothing", Run: testReserveErrorWritesNothing},
		{Name: "ReserveDuplicateID", Run: testReserveDuplicateID},
		{Name: "ReserveUnknownReward", Run: testReserveUnknownReward},
		{Name: "StockNeverOversold", Run: testStockNeverOversold},
		{Name: "ActiveUnitsPerCustomer", Run: testActiveUnits},
		{Name: "PerCustomerLimitUnderConcurrency", Run: testPerCustomerLimitConcurrent},
		{Name: "CancelReturnsStock", Run: testCancelReturnsStock},
		{Name: "UpdateReservationErrorWritesNothing", Run: testUpdateReservationRollback},
		{Name: "DropReservation", Run: testDropReservation},
		{Name: "ReservationsByCustomerAndStatus", Run: testReservationsListing},
		{Name: "CouponRoundTrip", Run: testCouponRoundTrip},
		{Name: "CouponCodeCollision", Run: testCouponCollision},
		{Name: "UseCouponErrorWritesNothing", Run: testUseCouponRollback},
		{Name: "UseCouponConcurrent", Run: testUseCouponConcurrent},
		{Name: "ServiceReserveConfirmCancel", Run: testServiceReserveConfirmCancel},
		{Name: "ServiceReserveWithoutPoints", Run: testServiceReserveWithoutPoints},
	}
}

// errSoldOut is the suite's own refusal in a Reserve function.
var errSoldOut = errors.New("suite: sold out")

// rewards returns the store's RewardStore side; a store without one fails the test.
func (h *harness) rewards() loyalty.RewardStore {
	h.t.Helper()
	rs, ok := h.s.(loyalty.RewardStore)
	require.True(h.t, ok, "the store %T must implement loyalty.RewardStore", h.s)
	return rs
}

// reward returns a reward of progA with every field set, so that a store that drops one is
// caught by a round trip.
func (h *harness) newReward(id string, stock int64, perCustomer int) loyalty.Reward {
	cash := kehu.MustMoney("12.50", "CNY")
	now := h.clock.Now().In(cst)
	return loyalty.Reward{ID: id, Program: progA, Name: "Reward " + id, PointType: typePoints, Points: 100,
		Cash: &cash, Stock: stock, PerCustomer: perCustomer, ValidFrom: now.Add(-time.Hour), ValidTo: now.AddDate(1, 0, 0),
		Tiers: []string{"silver", "gold"}, Coupon: &loyalty.CouponSpec{Prefix: "SUITE", Uses: 2, ValidDays: 30}, UpdatedAt: now}
}

// putReward stores a new reward, which must succeed, and returns it as stored.
func (h *harness) putReward(r loyalty.Reward) *loyalty.Reward {
	h.t.Helper()
	require.NoError(h.t, h.rewards().PutReward(h.ctx, r), "PutReward of new reward %s", r.ID)
	return h.getReward(r.Program, r.ID)
}

func (h *harness) getReward(program, id string) *loyalty.Reward {
	h.t.Helper()
	r, err := h.rewards().Reward(h.ctx, program, id)
	require.NoError(h.t, err, "Reward %s/%s of a stored reward", program, id)
	require.NotNil(h.t, r, "Reward returned nil and no error")
	return r
}

func (h *harness) getReservation(program, id string) *loyalty.Reservation {
	h.t.Helper()
	r, err := h.rewards().Reservation(h.ctx, program, id)
	require.NoError(h.t, err, "Reservation %s/%s of a stored reservation", program, id)
	require.NotNil(h.t, r, "Reservation returned nil and no error")
	return r
}

// newReservation is a reservation of the reward by the customer, every field set.
func (h *harness) newReservation(rw *loyalty.Reward, c crm.CustomerID, units int64) loyalty.Reservation {
	now := h.clock.Now().In(cst)
	cash := kehu.MustMoney("25.00", "CNY")
	return loyalty.Reservation{ID: "R-" + h.ids.NewID().String(), Program: rw.Program, Customer: c, Reward: rw.ID,
		Units: units, PointType: rw.PointType, Points: rw.Points * units, Cash: &cash, Status: loyalty.Reserved,
		HoldEntry: h.entryID(), CouponSpec: &loyalty.CouponSpec{Prefix: "SUITE", Uses: 1}, Key: "checkout-" + c.String(),
		CreatedAt: now, UpdatedAt: now}
}

// takeStock is the suite's reservation rule: units come out of stock, or errSoldOut.
func takeStock(r *loyalty.Reservation, rw *loyalty.Reward, _ int64) error {
	if rw.Stock != loyalty.UnlimitedStock {
		if rw.Stock < r.Units {
			return errSoldOut
		}
		rw.Stock -= r.Units
	}
	return nil
}

// reserve stores a reservation with takeStock, which must succeed.
func (h *harness) reserve(r loyalty.Reservation) {
	h.t.Helper()
	err := retryConflicts(func() error { return h.rewards().Reserve(h.ctx, r, takeStock) })
	require.NoError(h.t, err, "Reserve of %d units of reward %s", r.Units, r.Reward)
}

// setStatus moves a reservation to a status; cancelling puts its units back.
func (h *harness) setStatus(r loyalty.Reservation, st loyalty.ReservationStatus) {
	h.t.Helper()
	err := retryConflicts(func() error {
		return h.rewards().UpdateReservation(h.ctx, r.Program, r.ID, func(x *loyalty.Reservation, rw *loyalty.Reward) error {
			if st == loyalty.Cancelled && x.Status != loyalty.Cancelled && rw.Stock != loyalty.UnlimitedStock {
				rw.Stock += x.Units
			}
			x.Status = st
			return nil
		})
	})
	require.NoError(h.t, err, "UpdateReservation of %s to %s", r.ID, st)
}

// ---- canonical forms: instants in UTC, amounts re-read, empty lists nil ----

func canonMoney(m *kehu.Money) *kehu.Money {
	if m == nil {
		return nil
	}
	c, err := kehu.ParseMoney(m.String())
	if err != nil {
		return m
	}
	return &c
}

func canonReward(r *loyalty.Reward) *loyalty.Reward {
	c := r.Clone()
	c.Cash = canonMoney(c.Cash)
	c.ValidFrom, c.ValidTo, c.UpdatedAt = suite.UTC(c.ValidFrom), suite.UTC(c.ValidTo), suite.UTC(c.UpdatedAt)
	c.Tiers = suite.NilIfEmpty(c.Tiers)
	return c
}

func canonReservation(r *loyalty.Reservation) *loyalty.Reservation {
	c := r.Clone()
	c.Cash = canonMoney(c.Cash)
	c.CreatedAt, c.UpdatedAt = suite.UTC(c.CreatedAt), suite.UTC(c.UpdatedAt)
	return c
}

func canonCoupon(cp *loyalty.Coupon) *loyalty.Coupon {
	c := cp.Clone()
	c.ValidFrom, c.ValidTo, c.CreatedAt = suite.UTC(c.ValidFrom), suite.UTC(c.ValidTo), suite.UTC(c.CreatedAt)
	c.Redemptions = suite.NilIfEmpty(c.Redemptions)
	for i := range c.Redemptions {
		c.Redemptions[i] = suite.UTC(c.Redemptions[i])
	}
	return c
}

func assertReward(t *testing.T, want, got *loyalty.Reward, contract string, args ...any) bool {
	t.Helper()
	return assert.Equal(t, canonReward(want), canonReward(got), "%s: reward %s differs", fmt.Sprintf(contract, args...), want.ID)
}

func assertReservation(t *testing.T, want, got *loyalty.Reservation, contract string, args ...any) bool {
	t.Helper()
	return assert.Equal(t, canonReservation(want), canonReservation(got), "%s: reservation %s differs", fmt.Sprintf(contract, args...), want.ID)
}

func assertCoupon(t *testing.T, want, got *loyalty.Coupon, contract string, args ...any) bool {
	t.Helper()
	return assert.Equal(t, canonCoupon(want), canonCoupon(got), "%s: coupon %s differs", fmt.Sprintf(contract, args...), want.Code)
}

// ---- catalogue ----

func testRewardRoundTrip(t *testing.T, h *harness) {
	in := h.newReward("coffee", 10, 2)
	got := h.putReward(in)
	assert.EqualValues(t, 1, got.Version, "PutReward must store a new reward with Version 1")
	in.Version = 1
	assertReward(t, &in, got, "PutReward then Reward must return every field as given")

	// Nothing passed in or returned is shared with what is stored.
	*in.Cash = kehu.MustMoney("99.00", "CNY")
	in.Tiers[0], in.Coupon.Uses = "bronze", 9
	got.Tiers[1], got.Coupon.Prefix = "platinum", "X"
	again := h.getReward(progA, "coffee")
	assert.Equal(t, "12.50 CNY", again.Cash.String(), "the store must not keep the Cash pointer it was given")
	assert.Equal(t, []string{"silver", "gold"}, again.Tiers, "the store must keep its own copy of Tiers")
	assert.Equal(t, loyalty.CouponSpec{Prefix: "SUITE", Uses: 2, ValidDays: 30}, *again.Coupon,
		"the store must keep its own copy of Coupon and never return it")

	// A reward with the optional parts left out round-trips as such.
	bare := loyalty.Reward{ID: "bare", Program: progA, Name: "Bare", PointType: typePoints, Points: 1, Stock: loyalty.UnlimitedStock}
	got = h.putReward(bare)
	bare.Version = 1
	assertReward(t, &bare, got, "PutReward then Reward of a reward without cash, window, tiers or coupon")
}

func testRewardVersions(t *testing.T, h *harness) {
	rs := h.rewards()
	r := h.newReward("mug", 5, 0)
	h.putReward(r)

	r.Version = 0
	r.Name = "Second create"
	assert.ErrorIs(t, rs.PutReward(h.ctx, r), kehu.ErrConflict, "PutReward with Version 0 of a stored reward must fail with kehu.ErrConflict")
	r.Version = 2
	assert.ErrorIs(t, rs.PutReward(h.ctx, r), kehu.ErrConflict, "PutReward with a Version ahead of the stored one must fail with kehu.ErrConflict")
	assert.Equal(t, "Reward mug", h.getReward(progA, "mug").Name, "a PutReward that failed must write nothing")

	r.Version, r.Name, r.Stock = 1, "Renamed", 50
	require.NoError(t, rs.PutReward(h.ctx, r), "PutReward with the stored Version must replace the reward")
	got := h.getReward(progA, "mug")
	assert.EqualValues(t, 2, got.Version, "PutReward must store a replaced reward with Version increased by one")
	r.Version = 2
	assertReward(t, &r, got, "PutReward must replace the reward as given")

	// A reservation changes the reward, so a PutReward over the version read before fails.
	h.reserve(h.newReservation(got, h.customer(), 1))
	after := h.getReward(progA, "mug")
	assert.EqualValues(t, 3, after.Version, "Reserve must store the reward with Version increased by one")
	assert.EqualValues(t, 49, after.Stock, "Reserve must store the reward as fn left it")
	r.Stock = 60
	assert.ErrorIs(t, rs.PutReward(h.ctx, r), kehu.ErrConflict,
		"PutReward over a version a reservation has since replaced must fail with kehu.ErrConflict, not lose the stock change")
}

func testRewardNotFound(t *testing.T, h *harness) {
	rs := h.rewards()
	_, err := rs.Reward(h.ctx, progA, "nothing")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "Reward of an absent reward")
	h.putReward(h.newReward("tea", 1, 0))
	_, err = rs.Reward(h.ctx, progB, "tea")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "Reward of another programme's reward: rewards are per programme")
	_, err = rs.Reservation(h.ctx, progA, "nothing")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "Reservation of an absent reservation")
	_, err = rs.Coupon(h.ctx, progA, "NOTHING")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "Coupon of an absent code")
	err = rs.UseCoupon(h.ctx, progA, "NOTHING", func(*loyalty.Coupon) error { return nil })
	assert.ErrorIs(t, err, kehu.ErrNotFound, "UseCoupon of an absent code")
	err = rs.UpdateReservation(h.ctx, progA, "nothing", func(*loyalty.Reservation, *loyalty.Reward) error { return nil })
	assert.ErrorIs(t, err, kehu.ErrNotFound, "UpdateReservation of an absent reservation")
	err = rs.DropReservation(h.ctx, progA, "nothing", func(*loyalty.Reservation, *loyalty.Reward) error { return nil })
	assert.ErrorIs(t, err, kehu.ErrNotFound, "DropReservation of an absent reservation")
}

func testRewardsPaging(t *testing.T, h *harness) {
	ids := []string{"g", "c", "a", "f", "b", "e", "d"}
	for _, id := range ids {
		h.putReward(h.newReward(id, 1, 0))
	}
	other := h.newReward("zz-other", 1, 0)
	other.Program = progB
	h.putReward(other)
	got := suite.Walk(t, "Rewards", 3, len(ids), func(pr kehu.PageRequest) (kehu.Page[*loyalty.Reward], error) {
		return h.rewards().Rewards(h.ctx, progA, pr)
	}, nil)
	var gotIDs []string
	for _, r := range got {
		gotIDs = append(gotIDs, r.ID)
	}
	want := slices.Sorted(slices.Values(ids))
	assert.Equal(t, want, gotIDs, "Rewards must list the programme's rewards once each, in ID order")
	empty, err := h.rewards().Rewards(h.ctx, "no-such-program", kehu.PageRequest{})
	require.NoError(t, err, "Rewards of a programme with none")
	assert.Empty(t, empty.Items, "Rewards of a programme with none")
}

// ---- reservations ----

func testReserveStoresBoth(t *testing.T, h *harness) {
	rw := h.putReward(h.newReward("coffee", 10, 0))
	c := h.customer()
	in := h.newReservation(rw, c, 3)
	var seenReward *loyalty.Reward
	var seenRes *loyalty.Reservation
	seenActive := int64(-1)
	err := h.rewards().Reserve(h.ctx, in, func(r *loyalty.Reservation, w *loyalty.Reward, active int64) error {
		seenRes, seenReward, seenActive = r.Clone(), w.Clone(), active
		r.Reason = "fn was here"
		return takeStock(r, w, active)
	})
	require.NoError(t, err, "Reserve")
	assertReward(t, rw, seenReward, "Reserve must run fn on a copy of the stored reward")
	assertReservation(t, &in, seenRes, "Reserve must run fn on a copy of the reservation given")
	assert.EqualValues(t, 0, seenActive, "Reserve must pass 0 active units for a customer without reservations")

	want := in
	want.Reason = "fn was here"
	assertReservation(t, &want, h.getReservation(progA, in.ID), "Reserve must store the reservation as fn left it")
	got := h.getReward(progA, "coffee")
	assert.EqualValues(t, 7, got.Stock, "Reserve must store the reward as fn left it")
	assert.EqualValues(t, rw.Version+1, got.Version, "Reserve must store the reward with Version increased by one")

	// fn cannot move a reservation to another programme, customer or reward.
	in2 := h.newReservation(rw, c, 1)
	require.NoError(t, h.rewards().Reserve(h.ctx, in2, func(r *loyalty.Reservation, w *loyalty.Reward, a int64) error {
		r.Program, r.Customer, r.Reward = progB, h.customer(), "other"
		return takeStock(r, w, a)
	}), "Reserve")
	got2 := h.getReservation(progA, in2.ID)
	assert.Equal(t, []any{progA, c, "coffee"}, []any{got2.Program, got2.Customer, got2.Reward},
		"Reserve must store the reservation with the ID, Program, Customer and Reward it was given")
}

func testReserveErrorWritesNothing(t *testing.T, h *harness) {
	rw := h.putReward(h.newReward("coffee", 2, 0))
	in := h.newReservation(rw, h.customer(), 3)
	err := h.rewards().Reserve(h.ctx, in, func(r *loyalty.Reservation, w *loyalty.Reward, a int64) error {
		w.Stock = 0 // changed, then refused: none of it may be written
		r.Status = loyalty.Confirmed
		return errSoldOut
	})
	assert.ErrorIs(t, err, errSoldOut, "Reserve must return fn's error as is")
	_, err = h.rewards().Reservation(h.ctx, progA, in.ID)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "Reserve whose fn failed must not store the reservation")
	assertReward(t, rw, h.getReward(progA, "coffee"), "Reserve whose fn failed must not change the reward")
}

func testReserveDuplicateID(t *testing.T, h *harness) {
	rw := h.putReward(h.newReward("coffee", 10, 0))
	in := h.newReservation(rw, h.customer(), 1)
	h.reserve(in)
	before := h.getReward(progA, "coffee")
	again := in
	again.Units = 5
	ran := false
	err := h.rewards().Reserve(h.ctx, again, func(r *loyalty.Reservation, w *loyalty.Reward, a int64) error {
		ran = true
		return takeStock(r, w, a)
	})
	assert.ErrorIs(t, err, kehu.ErrDuplicate, "Reserve with the ID of a stored reservation must fail with kehu.ErrDuplicate")
	if ran {
		t.Log("Reserve ran fn for a duplicate ID; allowed, as long as nothing is written")
	}
	assertReward(t, before, h.getReward(progA, "coffee"), "Reserve with a duplicate ID must not change the reward")
	assertReservation(t, &in, h.getReservation(progA, in.ID), "Reserve with a duplicate ID must not change the stored reservation")
}

func testReserveUnknownReward(t *testing.T, h *harness) {
	rw := h.newReward("ghost", 10, 0)
	in := h.newReservation(&rw, h.customer(), 1)
	err := h.rewards().Reserve(h.ctx, in, func(*loyalty.Reservation, *loyalty.Reward, int64) error {
		t.Error("Reserve must not run fn for a reward that does not exist")
		return nil
	})
	assert.ErrorIs(t, err, kehu.ErrNotFound, "Reserve of an absent reward")
	_, err = h.rewards().Reservation(h.ctx, progA, in.ID)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "Reserve of an absent reward must store nothing")
}

func testStockNeverOversold(t *testing.T, h *harness) {
	const reservers, stock = 50, 10
	rw := h.putReward(h.newReward("limited", stock, 0))
	ins := make([]loyalty.Reservation, reservers)
	for i := range ins {
		ins[i] = h.newReservation(rw, h.customer(), 1)
	}
	errs := suite.Parallel(reservers, func(i int) error {
		return retryConflicts(func() error { return h.rewards().Reserve(h.ctx, ins[i], takeStock) })
	})
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
			h.getReservation(progA, ins[i].ID)
		case errors.Is(err, errSoldOut):
			_, err := h.rewards().Reservation(h.ctx, progA, ins[i].ID)
			assert.ErrorIs(t, err, kehu.ErrNotFound, "a refused reservation %d must not be stored", i)
		default:
			assert.NoError(t, err, "Reserve by concurrent reserver %d must succeed or return fn's error", i)
		}
	}
	assert.Equal(t, stock, won, "%d concurrent reservations of a %d-unit reward: exactly %d must succeed", reservers, stock, stock)
	got := h.getReward(progA, "limited")
	assert.EqualValues(t, 0, got.Stock, "the stock after %d successful reservations of %d units", won, stock)
	assert.EqualValues(t, rw.Version+int64(won), got.Version, "every successful reservation must increase the reward's Version by one")
}

func testActiveUnits(t *testing.T, h *harness) {
	rw := h.putReward(h.newReward("coffee", loyalty.UnlimitedStock, 0))
	other := h.putReward(h.newReward("tea", loyalty.UnlimitedStock, 0))
	c, d := h.customer(), h.customer()
	r1, r2, r3 := h.newReservation(rw, c, 2), h.newReservation(rw, c, 3), h.newReservation(rw, c, 4)
	for _, r := range []loyalty.Reservation{r1, r2, r3, h.newReservation(rw, d, 7), h.newReservation(other, c, 11)} {
		h.reserve(r)
	}
	h.setStatus(r2, loyalty.Confirmed)
	h.setStatus(r3, loyalty.Cancelled)
	var active int64 = -1
	probe := h.newReservation(rw, c, 1)
	err := h.rewards().Reserve(h.ctx, probe, func(_ *loyalty.Reservation, _ *loyalty.Reward, a int64) error {
		active = a
		return errSoldOut
	})
	require.ErrorIs(t, err, errSoldOut, "Reserve must return fn's error as is")
	assert.EqualValues(t, 5, active,
		"Reserve must pass the units of the customer's reserved (2) and confirmed (3) reservations of the reward: not cancelled ones, other customers' or other rewards'")

	h.setStatus(r1, loyalty.Cancelled)
	err = h.rewards().Reserve(h.ctx, probe, func(_ *loyalty.Reservation, _ *loyalty.Reward, a int64) error {
		active = a
		return errSoldOut
	})
	require.ErrorIs(t, err, errSoldOut)
	assert.EqualValues(t, 3, active, "after a cancellation, Reserve must no longer count its units as active")
}

func testPerCustomerLimitConcurrent(t *testing.T, h *harness) {
	const reservers, limit = 20, 3
	rw := h.putReward(h.newReward("coffee", 100, limit))
	c := h.customer()
	errLimit := errors.New("suite: limit")
	ins := make([]loyalty.Reservation, reservers)
	for i := range ins {
		ins[i] = h.newReservation(rw, c, 1)
	}
	errs := suite.Parallel(reservers, func(i int) error {
		return retryConflicts(func() error {
			return h.rewards().Reserve(h.ctx, ins[i], func(r *loyalty.Reservation, w *loyalty.Reward, active int64) error {
				if active+r.Units > int64(w.PerCustomer) {
					return errLimit
				}
				return takeStock(r, w, active)
			})
		})
	})
	won := 0
	for i, err := range errs {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, errLimit, "Reserve by concurrent reserver %d must succeed or return fn's error", i)
		}
	}
	assert.Equal(t, limit, won, "%d concurrent reservations by one customer with a limit of %d: the active units passed to fn must count every stored reservation", reservers, limit)
	assert.EqualValues(t, 100-limit, h.getReward(progA, "coffee").Stock, "stock after the successful reservations")
}

func testCancelReturnsStock(t *testing.T, h *harness) {
	rw := h.putReward(h.newReward("coffee", 5, 0))
	in := h.newReservation(rw, h.customer(), 4)
	h.reserve(in)
	require.EqualValues(t, 1, h.getReward(progA, "coffee").Stock, "stock after reserving 4 of 5")

	var seenRes *loyalty.Reservation
	var seenReward *loyalty.Reward
	before := h.getReward(progA, "coffee")
	err := h.rewards().UpdateReservation(h.ctx, progA, in.ID, func(r *loyalty.Reservation, w *loyalty.Reward) error {
		seenRes, seenReward = r.Clone(), w.Clone()
		r.Status, r.Reason = loyalty.Cancelled, "payment failed"
		r.UpdatedAt = h.clock.Now().In(cst)
		w.Stock += r.Units
		r.Reward = "moved" // ignored: a reservation keeps its reward
		return nil
	})
	require.NoError(t, err, "UpdateReservation")
	assertReservation(t, &in, seenRes, "UpdateReservation must run fn on a copy of the stored reservation")
	assertReward(t, before, seenReward, "UpdateReservation must run fn on a copy of the reservation's reward")
	got := h.getReservation(progA, in.ID)
	assert.Equal(t, loyalty.Cancelled, got.Status, "UpdateReservation must store the reservation as fn left it")
	assert.Equal(t, "payment failed", got.Reason, "UpdateReservation must store the reservation as fn left it")
	assert.Equal(t, "coffee", got.Reward, "UpdateReservation must keep the reservation's Reward")
	after := h.getReward(progA, "coffee")
	assert.EqualValues(t, 5, after.Stock, "UpdateReservation must store the reward as fn left it: the cancelled units are back")
	assert.EqualValues(t, before.Version+1, after.Version, "UpdateReservation must store the reward with Version increased by one")

	// The units are free again: five more can be reserved, a sixth cannot.
	for i := range 5 {
		require.NoError(t, h.rewards().Reserve(h.ctx, h.newReservation(rw, h.customer(), 1), takeStock), "Reserve %d after the cancellation", i+1)
	}
	assert.ErrorIs(t, h.rewards().Reserve(h.ctx, h.newReservation(rw, h.customer(), 1), takeStock), errSoldOut,
		"the stock given back by a cancellation must be counted exactly once")
}

func testUpdateReservationRollback(t *testing.T, h *harness) {
	rw := h.putReward(h.newReward("coffee", 5, 0))
	in := h.newReservation(rw, h.customer(), 2)
	h.reserve(in)
	before, res := h.getReward(progA, "coffee"), h.getReservation(progA, in.ID)
	boom := errors.New("suite: refused")
	err := h.rewards().UpdateReservation(h.ctx, progA, in.ID, func(r *loyalty.Reservation, w *loyalty.Reward) error {
		r.Status = loyalty.Cancelled
		w.Stock += 100
		return boom
	})
	assert.ErrorIs(t, err, boom, "UpdateReservation must return fn's error as is")
	assertReservation(t, res, h.getReservation(progA, in.ID), "UpdateReservation whose fn failed must not change the reservation")
	assertReward(t, before, h.getReward(progA, "coffee"), "UpdateReservation whose fn failed must not change the reward")

	err = h.rewards().DropReservation(h.ctx, progA, in.ID, func(r *loyalty.Reservation, w *loyalty.Reward) error {
		w.Stock += r.Units
		return boom
	})
	assert.ErrorIs(t, err, boom, "DropReservation must return fn's error as is")
	assertReservation(t, res, h.getReservation(progA, in.ID), "DropReservation whose fn failed must keep the reservation")
	assertReward(t, before, h.getReward(progA, "coffee"), "DropReservation whose fn failed must not change the reward")
}

func testDropReservation(t *testing.T, h *harness) {
	rw := h.putReward(h.newReward("coffee", 5, 2))
	c := h.customer()
	in := h.newReservation(rw, c, 2)
	h.reserve(in)
	err := h.rewards().DropReservation(h.ctx, progA, in.ID, func(r *loyalty.Reservation, w *loyalty.Reward) error {
		w.Stock += r.Units
		return nil
	})
	require.NoError(t, err, "DropReservation")
	_, err = h.rewards().Reservation(h.ctx, progA, in.ID)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "DropReservation must delete the reservation")
	assert.EqualValues(t, 5, h.getReward(progA, "coffee").Stock, "DropReservation must store the reward as fn left it")
	page, err := h.rewards().Reservations(h.ctx, progA, loyalty.ReservationQuery{Customer: c})
	require.NoError(t, err, "Reservations")
	assert.Empty(t, page.Items, "a dropped reservation must not be listed")

	// The ID may be used again, and the dropped units no longer count for the customer.
	var active int64 = -1
	err = h.rewards().Reserve(h.ctx, in, func(r *loyalty.Reservation, w *loyalty.Reward, a int64) error {
		active = a
		return takeStock(r, w, a)
	})
	require.NoError(t, err, "Reserve with the ID of a dropped reservation")
	assert.EqualValues(t, 0, active, "a dropped reservation's units must not count as active")
}

func testReservationsListing(t *testing.T, h *harness) {
	rw := h.putReward(h.newReward("coffee", loyalty.UnlimitedStock, 0))
	c, d := h.customer(), h.customer()
	var mine []loyalty.Reservation
	for i := range 7 {
		who := c
		if i%3 == 2 {
			who = d
		}
		r := h.newReservation(rw, who, 1)
		h.reserve(r)
		if who == c {
			mine = append(mine, r)
		}
	}
	h.setStatus(mine[1], loyalty.Confirmed)
	h.setStatus(mine[3], loyalty.Cancelled)

	ids := func(rs []*loyalty.Reservation) []string {
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = r.ID
		}
		return out
	}
	var want []string
	for _, r := range mine {
		want = append(want, r.ID)
	}
	slices.Sort(want)
	got := suite.Walk(t, "Reservations by customer", 2, len(want), func(pr kehu.PageRequest) (kehu.Page[*loyalty.Reservation], error) {
		return h.rewards().Reservations(h.ctx, progA, loyalty.ReservationQuery{Customer: c, PageRequest: pr})
	}, nil)
	assert.Equal(t, want, ids(got), "Reservations with Customer must list that member's reservations once each, in ID order")

	all := suite.Walk(t, "Reservations", 3, 7, func(pr kehu.PageRequest) (kehu.Page[*loyalty.Reservation], error) {
		return h.rewards().Reservations(h.ctx, progA, loyalty.ReservationQuery{PageRequest: pr})
	}, nil)
	assert.Len(t, all, 7, "Reservations without filters must list every reservation of the programme")

	reserved, err := h.rewards().Reservations(h.ctx, progA, loyalty.ReservationQuery{Customer: c, Status: loyalty.Reserved})
	require.NoError(t, err, "Reservations by status")
	assert.Len(t, reserved.Items, len(mine)-2, "Reservations with Status must keep only that status")
	for _, r := range reserved.Items {
		assert.Equal(t, loyalty.Reserved, r.Status, "Reservations with Status Reserved listed %s", r.ID)
	}
}

// ---- coupons ----

func (h *harness) newCoupon(code string, uses int) loyalty.Coupon {
	now := h.clock.Now().In(cst)
	return loyalty.Coupon{Code: code, Program: progA, Customer: h.customer(), Reward: "coffee", Reservation: "R-" + code,
		Uses: uses, UsesLeft: uses, ValidFrom: now, ValidTo: now.AddDate(0, 1, 0), CreatedAt: now}
}

func testCouponRoundTrip(t *testing.T, h *harness) {
	rs := h.rewards()
	in := h.newCoupon("SUITE-0000000000000000A", 3)
	in.Redemptions = []time.Time{h.clock.Now().Add(-time.Minute).In(cst)}
	require.NoError(t, rs.CreateCoupon(h.ctx, in), "CreateCoupon")
	got, err := rs.Coupon(h.ctx, progA, in.Code)
	require.NoError(t, err, "Coupon")
	assertCoupon(t, &in, got, "CreateCoupon then Coupon must return every field as given")
	in.Redemptions[0] = time.Time{}
	got.Redemptions[0] = time.Time{}
	again, _ := rs.Coupon(h.ctx, progA, in.Code)
	assert.False(t, again.Redemptions[0].IsZero(), "the store must keep its own copy of Redemptions and never return it")
	_, err = rs.Coupon(h.ctx, progB, in.Code)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "Coupon of another programme's code: codes are per programme")
}

func testCouponCollision(t *testing.T, h *harness) {
	rs := h.rewards()
	first := h.newCoupon("SUITE-1111111111111111B", 1)
	require.NoError(t, rs.CreateCoupon(h.ctx, first), "CreateCoupon")
	second := h.newCoupon(first.Code, 5)
	assert.ErrorIs(t, rs.CreateCoupon(h.ctx, second), kehu.ErrDuplicate, "CreateCoupon with a code already issued must fail with kehu.ErrDuplicate")
	got, err := rs.Coupon(h.ctx, progA, first.Code)
	require.NoError(t, err, "Coupon")
	assertCoupon(t, &first, got, "a CreateCoupon that collided must not change the coupon already stored")
	second.Program = progB
	assert.NoError(t, rs.CreateCoupon(h.ctx, second), "the same code in another programme is not a collision")

	// Many writers racing for one code: exactly one wins.
	code := "SUITE-2222222222222222C"
	errs := suite.Parallel(16, func(i int) error {
		c := h.newCoupon(code, i+1)
		return retryConflicts(func() error { return rs.CreateCoupon(h.ctx, c) })
	})
	suite.ExactlyOne(t, errs, "CreateCoupon: concurrent creates of one code")
}

func testUseCouponRollback(t *testing.T, h *harness) {
	rs := h.rewards()
	in := h.newCoupon("SUITE-3333333333333333D", 2)
	require.NoError(t, rs.CreateCoupon(h.ctx, in), "CreateCoupon")
	boom := errors.New("suite: expired")
	err := rs.UseCoupon(h.ctx, progA, in.Code, func(c *loyalty.Coupon) error {
		c.UsesLeft = 0
		return boom
	})
	assert.ErrorIs(t, err, boom, "UseCoupon must return fn's error as is")
	got, _ := rs.Coupon(h.ctx, progA, in.Code)
	assertCoupon(t, &in, got, "UseCoupon whose fn failed must write nothing")

	now := h.clock.Now()
	require.NoError(t, rs.UseCoupon(h.ctx, progA, in.Code, func(c *loyalty.Coupon) error {
		c.UsesLeft--
		c.Redemptions = append(c.Redemptions, now)
		c.Code = "CHANGED" // ignored: a coupon keeps its code
		return nil
	}), "UseCoupon")
	got, err = rs.Coupon(h.ctx, progA, in.Code)
	require.NoError(t, err, "UseCoupon must keep the coupon's code")
	assert.Equal(t, 1, got.UsesLeft, "UseCoupon must store the coupon as fn left it")
	assert.Len(t, got.Redemptions, 1, "UseCoupon must store the coupon as fn left it")
}

func testUseCouponConcurrent(t *testing.T, h *harness) {
	const users, uses = 20, 5
	rs := h.rewards()
	in := h.newCoupon("SUITE-4444444444444444E", uses)
	require.NoError(t, rs.CreateCoupon(h.ctx, in), "CreateCoupon")
	errUsed := errors.New("suite: used up")
	errs := suite.Parallel(users, func(i int) error {
		return retryConflicts(func() error {
			return rs.UseCoupon(h.ctx, progA, in.Code, func(c *loyalty.Coupon) error {
				if c.UsesLeft <= 0 {
					return errUsed
				}
				c.UsesLeft--
				c.Redemptions = append(c.Redemptions, h.clock.Now())
				return nil
			})
		})
	})
	won := 0
	for i, err := range errs {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, errUsed, "UseCoupon by concurrent user %d must succeed or return fn's error", i)
		}
	}
	assert.Equal(t, uses, won, "%d concurrent uses of a %d-use coupon: exactly %d must succeed", users, uses, uses)
	got, _ := rs.Coupon(h.ctx, progA, in.Code)
	assert.Equal(t, 0, got.UsesLeft, "a %d-use coupon after %d uses", uses, won)
	assert.Len(t, got.Redemptions, uses, "every successful use must be stored: no lost update")
}

// ---- the service over the store ----

// rewardLedger is a ledger with a reward of the retail programme: 300 points, 3 units.
func (h *harness) rewardLedger(spec *loyalty.CouponSpec) (*ledger, crm.CustomerID) {
	h.t.Helper()
	l := h.ledger()
	c := l.member(l.retail)
	err := l.svc.PutReward(h.ctx, l.retail, loyalty.Reward{ID: "coffee", Name: "Free coffee", PointType: points,
		Points: 300, Stock: 3, PerCustomer: 2, Coupon: spec})
	require.NoError(h.t, err, "Service.PutReward")
	return l, c
}

func testServiceReserveConfirmCancel(t *testing.T, h *harness) {
	l, c := h.rewardLedger(&loyalty.CouponSpec{Prefix: "CAFE", Uses: 1, ValidDays: 7})
	k := l.acct(l.retail, c, points)
	earned := l.earn(l.retail, c, points, 1000, loyalty.Source{}, "")
	h.clock.AddDate(0, 0, 1)

	res, err := l.svc.Reserve(h.ctx, l.retail, loyalty.Reserve{Customer: c, Reward: "coffee", Units: 2, Key: "checkout-1"})
	l.check("Reserve of 2 units")
	require.NoError(t, err, "Service.Reserve of 2 units at 300 points")
	assert.Equal(t, loyalty.Reserved, res.Status, "a new reservation is reserved")
	assert.EqualValues(t, 600, res.Points, "a reservation holds units × price")
	assert.False(t, res.HoldEntry.IsZero(), "a reservation records the entry that holds its points")
	assert.EqualValues(t, 400, l.available(l.retail, c), "the held points cannot be spent elsewhere")
	assert.EqualValues(t, 1, h.getReward(l.retail.ID(), "coffee").Stock, "the reserved units left the stock")

	again, err := l.svc.Reserve(h.ctx, l.retail, loyalty.Reserve{Customer: c, Reward: "coffee", Units: 2, Key: "checkout-1"})
	require.NoError(t, err, "Service.Reserve repeated with its key")
	assert.Equal(t, res.ID, again.ID, "a repeated Reserve returns the first reservation")
	assert.EqualValues(t, 400, l.available(l.retail, c), "a repeated Reserve holds nothing more")

	canceled, err := l.svc.Cancel(h.ctx, l.retail, res.ID, "payment failed")
	l.check("Cancel")
	require.NoError(t, err, "Service.Cancel")
	assert.Equal(t, loyalty.Cancelled, canceled.Status, "Cancel")
	assert.EqualValues(t, 1000, l.available(l.retail, c), "Cancel returns the held points")
	assert.EqualValues(t, 1000, l.lot(k, lotOf(earned)).Remaining, "Cancel returns the points to the lot they came from")
	assert.EqualValues(t, 3, h.getReward(l.retail.ID(), "coffee").Stock, "Cancel puts the units back")
	_, err = l.svc.Confirm(h.ctx, l.retail, res.ID)
	assert.ErrorIs(t, err, kehu.ErrConflict, "Confirm of a cancelled reservation")

	res2, err := l.svc.Reserve(h.ctx, l.retail, loyalty.Reserve{Customer: c, Reward: "coffee", Units: 1, Key: "checkout-2"})
	require.NoError(t, err, "Service.Reserve after a cancellation")
	conf, err := l.svc.Confirm(h.ctx, l.retail, res2.ID)
	l.check("Confirm")
	require.NoError(t, err, "Service.Confirm")
	assert.Equal(t, loyalty.Confirmed, conf.Status, "Confirm")
	require.NotEmpty(t, conf.Coupon, "Confirm of a coupon reward issues a code")
	cp, err := l.svc.RedeemCoupon(h.ctx, l.retail, loyalty.CouponUse{Code: conf.Coupon, Key: "SO-77"})
	require.NoError(t, err, "Service.RedeemCoupon of the code issued")
	assert.Equal(t, 0, cp.UsesLeft, "a single-use coupon after its use")
	repeat, err := l.svc.RedeemCoupon(h.ctx, l.retail, loyalty.CouponUse{Code: conf.Coupon, Key: "SO-77"})
	require.NoError(t, err, "Service.RedeemCoupon repeated with its key returns the coupon as the first use left it")
	assert.Equal(t, 0, repeat.UsesLeft, "a repeated use uses nothing")
	assert.Len(t, repeat.Redemptions, 1, "a repeated use is not recorded again")
	assert.Equal(t, []string{"SO-77"}, repeat.RedemptionKeys, "the use's key is stored with the coupon")
	_, err = l.svc.RedeemCoupon(h.ctx, l.retail, loyalty.CouponUse{Code: conf.Coupon, Key: "SO-78"})
	assert.ErrorIs(t, err, loyalty.ErrCouponUsedUp, "a single-use coupon used twice")
	_, err = l.svc.Cancel(h.ctx, l.retail, res2.ID, "too late")
	assert.ErrorIs(t, err, kehu.ErrConflict, "Cancel of a confirmed reservation")
	assert.EqualValues(t, 700, l.available(l.retail, c), "a confirmed reservation keeps its points spent")
}

func testServiceReserveWithoutPoints(t *testing.T, h *harness) {
	l, c := h.rewardLedger(nil)
	k := l.acct(l.retail, c, points)
	l.earn(l.retail, c, points, 299, loyalty.Source{}, "")
	before := l.snap(k)
	rwBefore := h.getReward(l.retail.ID(), "coffee")
	_, err := l.svc.Reserve(h.ctx, l.retail, loyalty.Reserve{Customer: c, Reward: "coffee", Units: 1, Key: "checkout-1"})
	l.check("Reserve without enough points")
	assert.ErrorIs(t, err, loyalty.ErrInsufficientPoints, "Reserve of 300 points with 299")
	l.assertSame(before, "a Reserve that could not hold the points must write nothing to the ledger")
	_, err = h.rewards().Reservation(h.ctx, l.retail.ID(), loyalty.ReservationID(l.retail.ID(), "checkout-1"))
	assert.ErrorIs(t, err, kehu.ErrNotFound, "a Reserve that could not hold the points must leave no reservation")
	assert.EqualValues(t, rwBefore.Stock, h.getReward(l.retail.ID(), "coffee").Stock, "a Reserve that could not hold the points must put the units back")
}
