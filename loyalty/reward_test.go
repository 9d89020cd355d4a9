package loyalty_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/loyalty/loyaltytest"
)

// rwEnv is a redemption test's world: a service over a memory store, a clock, seq IDs, an
// event recorder, and a retail programme in Asia/Shanghai with silver and gold tiers whose
// points expire at the end of the year after earning.
type rwEnv struct {
	t      *testing.T
	ctx    context.Context
	store  *loyalty.MemoryStore
	svc    *loyalty.Service
	clock  *kehu.Clock
	ids    *kehu.SeqIDs
	events *kehu.Recorder
	p      *loyalty.Program
}

var rwStart = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func rwProgram() loyalty.ProgramSpec {
	return loyalty.ProgramSpec{
		ID: "retail", Version: 1, Name: "Retail Club", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{
			{Code: "points", Name: "Points", Kind: loyalty.Spendable,
				Expiry:        loyalty.ExpiryPolicy{Kind: loyalty.ExpireEndOfYear, Years: 1},
				ValuePerPoint: decimal.RequireFromString("0.01")},
			{Code: "status", Name: "Status", Kind: loyalty.Qualifying, Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}},
		},
		Tiers: &loyalty.Tiers{
			Levels: []loyalty.TierLevel{
				{Code: "silver", Name: "Silver"},
				{Code: "gold", Name: "Gold", Spend: decimal.RequireFromString("5000")},
			},
			Window: loyalty.TierWindow{Kind: loyalty.WindowRollingMonths, Months: 12},
			Review: loyalty.ReviewCalendarYear,
		},
	}
}

func newRwEnv(t *testing.T) *rwEnv {
	t.Helper()
	opts, clock, ids := kehu.Deterministic(rwStart)
	events := &kehu.Recorder{}
	opts.Events = events
	store := loyalty.NewMemoryStore()
	p, err := loyalty.Compile(rwProgram())
	require.NoError(t, err, "test programme")
	return &rwEnv{t: t, ctx: t.Context(), store: store, svc: loyalty.NewService(store, opts), clock: clock, ids: ids, events: events, p: p}
}

func (e *rwEnv) member() crm.CustomerID { return crm.CustomerIDFrom(e.ids.NewID()) }

// earn credits points to a member now.
func (e *rwEnv) earn(c crm.CustomerID, n int64) loyalty.Entry {
	e.t.Helper()
	en, err := e.svc.Earn(e.ctx, e.p, loyalty.Points{Customer: c, PointType: "points", Points: n, Key: uuid.NewString()})
	require.NoError(e.t, err, "Earn")
	return en
}

func (e *rwEnv) available(c crm.CustomerID) int64 {
	e.t.Helper()
	b, err := e.svc.Balance(e.ctx, e.p, c, "points")
	require.NoError(e.t, err, "Balance")
	return b.Available
}

// coffee is a valid reward: 300 points, 10 left, 2 per customer.
func coffee() loyalty.Reward {
	return loyalty.Reward{ID: "coffee", Name: "Free coffee", PointType: "points", Points: 300, Stock: 10, PerCustomer: 2}
}

func (e *rwEnv) put(r loyalty.Reward) *loyalty.Reward {
	e.t.Helper()
	require.NoError(e.t, e.svc.PutReward(e.ctx, e.p, r), "PutReward %s", r.ID)
	got, err := e.svc.Reward(e.ctx, e.p, r.ID)
	require.NoError(e.t, err, "Reward %s", r.ID)
	return got
}

func (e *rwEnv) stock(id string) int64 {
	e.t.Helper()
	r, err := e.svc.Reward(e.ctx, e.p, id)
	require.NoError(e.t, err, "Reward %s", id)
	return r.Stock
}

func (e *rwEnv) reserve(c crm.CustomerID, reward string, units int64, key string) *loyalty.Reservation {
	e.t.Helper()
	r, err := e.svc.Reserve(e.ctx, e.p, loyalty.Reserve{Customer: c, Reward: reward, Units: units, Key: key})
	require.NoError(e.t, err, "Reserve of %d %s with key %s", units, reward, key)
	return r
}

// check runs the ledger's invariants on the member's points account.
func (e *rwEnv) check(c crm.CustomerID) {
	e.t.Helper()
	k := loyalty.AccountKey{Program: e.p.ID(), Customer: c, PointType: "points"}
	if _, err := e.store.Account(e.ctx, k); errors.Is(err, kehu.ErrNotFound) {
		return
	}
	assert.NoError(e.t, loyaltytest.CheckInvariants(e.ctx, e.store, k), "ledger invariants of %s", k)
}

func TestRewardValidate(t *testing.T) {
	p, err := loyalty.Compile(rwProgram())
	require.NoError(t, err)
	noTiers := rwProgram()
	noTiers.Tiers = nil
	pNoTiers, err := loyalty.Compile(noTiers)
	require.NoError(t, err)
	cny, usd, zero := kehu.MustMoney("9.90", "CNY"), kehu.MustMoney("1.00", "USD"), kehu.MustMoney("0", "CNY")
	valid := func() loyalty.Reward {
		r := coffee()
		r.Program = "retail"
		r.Cash = &cny
		r.Tiers = []string{"gold"}
		r.ValidFrom, r.ValidTo = rwStart, rwStart.AddDate(0, 1, 0)
		r.Coupon = &loyalty.CouponSpec{Prefix: "CAFE", Uses: 1, ValidDays: 30}
		return r
	}
	tests := []struct {
		name  string
		p     *loyalty.Program
		edit  func(r *loyalty.Reward)
		field string
		rule  string
	}{
		{"valid", p, func(*loyalty.Reward) {}, "", ""},
		{"unlimited stock", p, func(r *loyalty.Reward) { r.Stock = loyalty.UnlimitedStock }, "", ""},
		{"sold out is valid", p, func(r *loyalty.Reward) { r.Stock = 0 }, "", ""},
		{"open window", p, func(r *loyalty.Reward) { r.ValidFrom, r.ValidTo = time.Time{}, time.Time{} }, "", ""},
		{"coupon without prefix", p, func(r *loyalty.Reward) { r.Coupon.Prefix = "" }, "", ""},
		{"id missing", p, func(r *loyalty.Reward) { r.ID = "" }, "id", "required"},
		{"id format", p, func(r *loyalty.Reward) { r.ID = "free coffee" }, "id", "format"},
		{"other programme", p, func(r *loyalty.Reward) { r.Program = "airline" }, "program", "mismatch"},
		{"name missing", p, func(r *loyalty.Reward) { r.Name = "  " }, "name", "required"},
		{"unknown point type", p, func(r *loyalty.Reward) { r.PointType = "miles" }, "point_type", "unknown_point_type"},
		{"status points", p, func(r *loyalty.Reward) { r.PointType = "status" }, "point_type", "spendable"},
		{"point type missing", p, func(r *loyalty.Reward) { r.PointType = "" }, "point_type", "required"},
		{"zero points", p, func(r *loyalty.Reward) { r.Points = 0 }, "points", "range"},
		{"too many points", p, func(r *loyalty.Reward) { r.Points = loyalty.MaxPoints + 1 }, "points", "range"},
		{"cash in another currency", p, func(r *loyalty.Reward) { r.Cash = &usd }, "cash", "currency"},
		{"zero cash", p, func(r *loyalty.Reward) { r.Cash = &zero }, "cash", "positive"},
		{"stock below -1", p, func(r *loyalty.Reward) { r.Stock = -2 }, "stock", "range"},
		{"negative per customer", p, func(r *loyalty.Reward) { r.PerCustomer = -1 }, "per_customer", "range"},
		{"window backwards", p, func(r *loyalty.Reward) { r.ValidTo = r.ValidFrom }, "valid_to", "after"},
		{"unknown tier", p, func(r *loyalty.Reward) { r.Tiers = []string{"platinum"} }, "tiers[0]", "unknown_tier"},
		{"tier twice", p, func(r *loyalty.Reward) { r.Tiers = []string{"gold", "gold"} }, "tiers[1]", "unique"},
		{"tiers without a ladder", pNoTiers, func(r *loyalty.Reward) {}, "tiers", "unknown_tier"},
		{"coupon prefix lower case", p, func(r *loyalty.Reward) { r.Coupon.Prefix = "cafe" }, "coupon.prefix", "format"},
		{"coupon prefix too long", p, func(r *loyalty.Reward) { r.Coupon.Prefix = "ABCDEFGHIJKLMNOPQ" }, "coupon.prefix", "max_length"},
		{"coupon without uses", p, func(r *loyalty.Reward) { r.Coupon.Uses = 0 }, "coupon.uses", "range"},
		{"coupon negative days", p, func(r *loyalty.Reward) { r.Coupon.ValidDays = -1 }, "coupon.valid_days", "range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := valid()
			if tc.p == pNoTiers {
				r.Program = pNoTiers.ID()
			}
			tc.edit(&r)
			err := r.Validate(tc.p)
			if tc.field == "" {
				assert.NoError(t, err)
				return
			}
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.ErrorIs(t, err, kehu.ErrInvalid)
			assert.True(t, verr.Has(tc.field, tc.rule), "want %s (%s) in %v", tc.field, tc.rule, err)
		})
	}

	t.Run("every problem at once", func(t *testing.T) {
		r := loyalty.Reward{ID: "bad id", PointType: "status", Stock: -5, Coupon: &loyalty.CouponSpec{}}
		var verr *kehu.ValidationError
		require.ErrorAs(t, r.Validate(p), &verr)
		for _, f := range []string{"id", "program", "name", "point_type", "points", "stock", "coupon.uses"} {
			assert.True(t, verr.Has(f, ""), "want a problem on %s in %v", f, verr)
		}
	})
	t.Run("zero programme", func(t *testing.T) {
		r := valid()
		assert.ErrorIs(t, r.Validate(&loyalty.Program{}), kehu.ErrInvalid)
		assert.ErrorIs(t, r.Validate(nil), kehu.ErrInvalid)
	})
}

func TestPutReward(t *testing.T) {
	e := newRwEnv(t)
	got := e.put(coffee())
	assert.Equal(t, "retail", got.Program, "PutReward fills in the programme")
	assert.EqualValues(t, 1, got.Version)
	assert.True(t, got.UpdatedAt.Equal(rwStart), "UpdatedAt is the service's clock")

	// The same terms again: nothing to do.
	require.NoError(t, e.svc.PutReward(e.ctx, e.p, coffee()), "PutReward of the terms already stored")
	again, _ := e.svc.Reward(e.ctx, e.p, "coffee")
	assert.EqualValues(t, 1, again.Version, "a repeat writes nothing")

	// A change needs the version it was read at.
	change := *got
	change.Name = "Free latte"
	require.NoError(t, e.svc.PutReward(e.ctx, e.p, change))
	change.Name = "Free mocha"
	assert.ErrorIs(t, e.svc.PutReward(e.ctx, e.p, change), kehu.ErrConflict, "a change over a stale version")
	stored, _ := e.svc.Reward(e.ctx, e.p, "coffee")
	assert.Equal(t, "Free latte", stored.Name)

	bad := coffee()
	bad.ID, bad.Points = "tea", 0
	assert.ErrorIs(t, e.svc.PutReward(e.ctx, e.p, bad), kehu.ErrInvalid)
	_, err := e.svc.Reward(e.ctx, e.p, "tea")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "an invalid reward is not stored")

	e.put(loyalty.Reward{ID: "apple", Name: "Apple", PointType: "points", Points: 1, Stock: loyalty.UnlimitedStock})
	page, err := e.svc.Rewards(e.ctx, e.p, kehu.PageRequest{})
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	assert.Equal(t, "apple", page.Items[0].ID, "Rewards lists in ID order")
}

func TestReserveRefusals(t *testing.T) {
	type setup struct {
		e      *rwEnv
		c      crm.CustomerID
		reward string
	}
	tests := []struct {
		name   string
		reward func(r *loyalty.Reward)
		before func(s setup)
		units  int64
		key    string
		want   error
	}{
		{name: "not yet valid", reward: func(r *loyalty.Reward) { r.ValidFrom = rwStart.Add(time.Hour) }, want: loyalty.ErrRewardUnavailable},
		{name: "no longer valid", reward: func(r *loyalty.Reward) { r.ValidTo = rwStart }, want: loyalty.ErrRewardUnavailable},
		{name: "tier not allowed", reward: func(r *loyalty.Reward) { r.Tiers = []string{"gold"} }, want: loyalty.ErrRewardUnavailable},
		{name: "out of stock", reward: func(r *loyalty.Reward) { r.Stock = 1 }, units: 2, want: loyalty.ErrOutOfStock},
		{name: "per-customer limit in one go", units: 3, want: loyalty.ErrRewardLimit},
		{name: "per-customer limit over two", before: func(s setup) { s.e.reserve(s.c, s.reward, 2, "earlier") }, want: loyalty.ErrRewardLimit},
		{name: "insufficient points", reward: func(r *loyalty.Reward) { r.Points = 5000 }, want: loyalty.ErrInsufficientPoints},
		{name: "unknown reward", reward: func(r *loyalty.Reward) { r.ID = "other" }, want: kehu.ErrNotFound},
		{name: "zero units", units: -1, want: kehu.ErrInvalid},
		{name: "no key", key: "-", want: kehu.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newRwEnv(t)
			c := e.member()
			e.earn(c, 1000)
			r := coffee()
			if tc.reward != nil {
				tc.reward(&r)
			}
			e.put(r)
			if tc.before != nil {
				tc.before(setup{e, c, "coffee"})
			}
			units, key := tc.units, tc.key
			switch {
			case units == 0:
				units = 1
			case units < 0:
				units = 0
			}
			switch key {
			case "":
				key = "checkout-1"
			case "-":
				key = ""
			}
			stock, avail := e.stock(r.ID), e.available(c)
			res, err := e.svc.Reserve(e.ctx, e.p, loyalty.Reserve{Customer: c, Reward: "coffee", Units: units, Key: key})
			assert.ErrorIs(t, err, tc.want)
			assert.Nil(t, res)
			assert.Equal(t, stock, e.stock(r.ID), "a refused reservation leaves the stock as it was")
			assert.Equal(t, avail, e.available(c), "a refused reservation holds no points")
			if key != "" {
				_, err = e.svc.Reservation(e.ctx, e.p, loyalty.ReservationID(e.p.ID(), key))
				assert.ErrorIs(t, err, kehu.ErrNotFound, "a refused reservation is not stored")
			}
			e.check(c)
		})
	}
}

func TestReserveConfirm(t *testing.T) {
	e := newRwEnv(t)
	c := e.member()
	e.earn(c, 1000)
	cash := kehu.MustMoney("9.90", "CNY")
	r := coffee()
	r.Cash = &cash
	r.Coupon = &loyalty.CouponSpec{Prefix: "CAFE", Uses: 1, ValidDays: 7}
	e.put(r)
	e.clock.Advance(time.Minute)

	res := e.reserve(c, "coffee", 2, "checkout-1")
	assert.Equal(t, loyalty.ReservationID("retail", "checkout-1"), res.ID, "the ID derives from the key")
	assert.Equal(t, loyalty.Reserved, res.Status)
	assert.EqualValues(t, 600, res.Points)
	assert.Equal(t, "points", res.PointType)
	require.NotNil(t, res.Cash)
	assert.Equal(t, "19.80 CNY", res.Cash.String(), "the cash part is units × the reward's")
	assert.EqualValues(t, 400, e.available(c), "the points are held")
	assert.EqualValues(t, 8, e.stock("coffee"))
	hold, err := e.store.Entry(e.ctx, res.HoldEntry)
	require.NoError(t, err, "the hold entry is stored")
	assert.Equal(t, loyalty.KindRedeem, hold.Kind)
	assert.Equal(t, loyalty.Source{Type: "reservation", Ref: res.ID}, hold.Source)
	assert.EqualValues(t, -600, hold.Points)

	// A repeat returns the first reservation and holds nothing more.
	again := e.reserve(c, "coffee", 2, "checkout-1")
	assert.Equal(t, res, again)
	assert.EqualValues(t, 400, e.available(c))
	_, err = e.svc.Reserve(e.ctx, e.p, loyalty.Reserve{Customer: c, Reward: "coffee", Units: 1, Key: "checkout-1"})
	assert.ErrorIs(t, err, kehu.ErrKeyReused, "the key with other units")
	assert.ErrorIs(t, err, kehu.ErrConflict)

	e.clock.Advance(time.Minute)
	confirmedAt := e.clock.Now()
	conf, err := e.svc.Confirm(e.ctx, e.p, res.ID)
	require.NoError(t, err, "Confirm")
	assert.Equal(t, loyalty.Confirmed, conf.Status)
	assert.True(t, conf.UpdatedAt.Equal(confirmedAt))
	assert.Regexp(t, `^CAFE-[0-9A-HJKMNP-TV-Z]{17}$`, conf.Coupon)
	cp, err := e.svc.Coupon(e.ctx, e.p, conf.Coupon)
	require.NoError(t, err, "the coupon is stored")
	assert.True(t, cp.ValidTo.Equal(confirmedAt.AddDate(0, 0, 7)), "valid for 7 days: %s", cp.ValidTo)
	cp.ValidTo = time.Time{}
	assert.Equal(t, loyalty.Coupon{Code: conf.Coupon, Program: "retail", Customer: c, Reward: "coffee", Reservation: res.ID,
		Uses: 1, UsesLeft: 1, ValidFrom: confirmedAt, CreatedAt: confirmedAt}, *cp)

	e.clock.Advance(time.Minute)
	again, err = e.svc.Confirm(e.ctx, e.p, res.ID)
	require.NoError(t, err, "Confirm repeated")
	assert.Equal(t, conf, again, "a repeated Confirm returns the first result, with the same coupon")
	assert.EqualValues(t, 400, e.available(c), "confirmed points stay spent")
	assert.EqualValues(t, 8, e.stock("coffee"), "confirmed units stay taken")

	_, err = e.svc.Cancel(e.ctx, e.p, res.ID, "changed my mind")
	assert.ErrorIs(t, err, kehu.ErrConflict, "a confirmed reservation cannot be cancelled")
	assert.EqualValues(t, 400, e.available(c))
	e.check(c)

	assert.Equal(t, []string{"loyalty.points_earn", "loyalty.points_redeem", "loyalty.reward_reserved", "loyalty.reward_confirmed"},
		e.events.Names(), "events, once each: repeats publish nothing")
}

func TestReserveCancel(t *testing.T) {
	e := newRwEnv(t)
	c := e.member()
	k := loyalty.AccountKey{Program: "retail", Customer: c, PointType: "points"}
	first := e.earn(c, 200) // 2026: expires at the start of 2028 in Shanghai
	e.clock.AddDate(1, 0, 0)
	second := e.earn(c, 500) // 2027: expires at the start of 2029
	e.put(coffee())
	lotsBefore := mustAccount(t, e, k).Lots

	res := e.reserve(c, "coffee", 1, "checkout-1")
	assert.EqualValues(t, 400, e.available(c))
	lots := mustAccount(t, e, k).Lots
	assert.EqualValues(t, 0, lots[0].Remaining, "the hold drew the points that expire first")
	assert.EqualValues(t, 400, lots[1].Remaining)

	e.clock.Advance(time.Hour)
	can, err := e.svc.Cancel(e.ctx, e.p, res.ID, "payment declined")
	require.NoError(t, err, "Cancel")
	assert.Equal(t, loyalty.Cancelled, can.Status)
	assert.Equal(t, "payment declined", can.Reason)
	assert.EqualValues(t, 700, e.available(c), "Cancel returns the held points")
	assert.EqualValues(t, 10, e.stock("coffee"), "Cancel puts the units back")
	after := mustAccount(t, e, k).Lots
	require.Len(t, after, 2, "points return to their lots; no lot is made")
	for i := range lotsBefore {
		assert.Equal(t, lotsBefore[i].ID, after[i].ID)
		assert.Equal(t, lotsBefore[i].Remaining, after[i].Remaining, "lot %d", i)
		assert.True(t, lotsBefore[i].ExpiresAt.Equal(after[i].ExpiresAt), "lot %d keeps its original expiry", i)
	}
	assert.Equal(t, first.Lots[0].Lot, after[0].ID)
	assert.Equal(t, second.Lots[0].Lot, after[1].ID)

	// The restored points of 2026 still expire at the start of 2028, Shanghai time.
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	e.clock.Set(time.Date(2028, 1, 1, 0, 0, 0, 0, shanghai))
	assert.EqualValues(t, 500, e.available(c), "the restored points expire on their original date")

	again, err := e.svc.Cancel(e.ctx, e.p, res.ID, "another reason")
	require.NoError(t, err, "Cancel repeated")
	assert.Equal(t, can, again, "a repeated Cancel returns the first result")
	assert.EqualValues(t, 10, e.stock("coffee"), "a repeated Cancel puts nothing back twice")
	_, err = e.svc.Confirm(e.ctx, e.p, res.ID)
	assert.ErrorIs(t, err, kehu.ErrConflict, "a cancelled reservation cannot be confirmed")
	again, err = e.svc.Reserve(e.ctx, e.p, loyalty.Reserve{Customer: c, Reward: "coffee", Units: 1, Key: "checkout-1"})
	require.NoError(t, err, "Reserve repeated after the cancellation")
	assert.Equal(t, loyalty.Cancelled, again.Status, "a repeated Reserve returns its reservation as it is now")
	e.check(c)

	_, err = e.svc.Cancel(e.ctx, e.p, "nothing", "")
	assert.ErrorIs(t, err, kehu.ErrNotFound)
	_, err = e.svc.Confirm(e.ctx, e.p, "nothing")
	assert.ErrorIs(t, err, kehu.ErrNotFound)
	_, err = e.svc.Cancel(e.ctx, e.p, "", "")
	assert.ErrorIs(t, err, kehu.ErrInvalid)
}

func mustAccount(t *testing.T, e *rwEnv, k loyalty.AccountKey) *loyalty.Account {
	t.Helper()
	a, err := e.store.Account(e.ctx, k)
	require.NoError(t, err)
	return a
}

// A hold reversed behind the reservation's back (Service.Reverse on the hold entry) must
// not let the reservation be confirmed for free.
func TestHoldIsReleasedByCancelOnly(t *testing.T) {
	e := newRwEnv(t)
	c := e.member()
	e.earn(c, 1000)
	e.put(coffee())
	res := e.reserve(c, "coffee", 1, "checkout-1")
	_, err := e.svc.Reverse(e.ctx, e.p, res.HoldEntry, "by hand")
	assert.ErrorIs(t, err, kehu.ErrInvalid, "Reverse refuses a reservation's hold: Cancel also returns the stock")
	can, err := e.svc.Cancel(e.ctx, e.p, res.ID, "")
	require.NoError(t, err)
	assert.Equal(t, loyalty.Cancelled, can.Status)
	assert.EqualValues(t, 1000, e.available(c), "the points come back once")
	e.check(c)
}

// A reservation whose points hold was interrupted (the process stopped between the stock
// and the points) is completed by a repeat of Reserve, and released by Cancel.
func TestReserveInterrupted(t *testing.T) {
	// setup writes a reservation as Reserve's first step leaves it: stock taken, no hold.
	setup := func(t *testing.T, key string) (*rwEnv, crm.CustomerID, string) {
		e := newRwEnv(t)
		e.put(coffee())
		c := e.member()
		e.earn(c, 1000)
		id := loyalty.ReservationID("retail", key)
		err := e.store.Reserve(e.ctx, loyalty.Reservation{ID: id, Program: "retail", Customer: c, Reward: "coffee", Units: 1,
			PointType: "points", Points: 300, Status: loyalty.Reserved, Key: key, CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()},
			func(_ *loyalty.Reservation, rw *loyalty.Reward, _ int64) error { rw.Stock--; return nil })
		require.NoError(t, err)
		return e, c, id
	}
	// holdOnly writes the hold as Reserve would, without recording it on the reservation.
	holdOnly := func(t *testing.T, e *rwEnv, c crm.CustomerID, id string) {
		_, err := e.svc.HoldOnly(e.ctx, e.p, c, "points", 300, id, "coffee")
		require.NoError(t, err)
	}

	t.Run("repeat completes", func(t *testing.T) {
		e, c, id := setup(t, "k1")
		_, err := e.svc.Confirm(e.ctx, e.p, id)
		assert.ErrorIs(t, err, kehu.ErrConflict, "a reservation without its points cannot be confirmed")
		res := e.reserve(c, "coffee", 1, "k1")
		assert.False(t, res.HoldEntry.IsZero(), "the repeat held the points")
		assert.EqualValues(t, 700, e.available(c))
		assert.EqualValues(t, 9, e.stock("coffee"), "the repeat takes no more units")
		e.check(c)
	})
	t.Run("repeat after the hold was written", func(t *testing.T) {
		e, c, id := setup(t, "k2")
		holdOnly(t, e, c, id)
		res := e.reserve(c, "coffee", 1, "k2")
		assert.False(t, res.HoldEntry.IsZero())
		assert.EqualValues(t, 700, e.available(c), "the repeat finds the hold written: points held once")
		e.check(c)
	})
	t.Run("cancel releases", func(t *testing.T) {
		e, c, id := setup(t, "k3")
		_, err := e.svc.Cancel(e.ctx, e.p, id, "abandoned")
		require.NoError(t, err)
		assert.EqualValues(t, 10, e.stock("coffee"), "the units are back")
		assert.EqualValues(t, 1000, e.available(c))
	})
	t.Run("confirm finds an unrecorded hold", func(t *testing.T) {
		e, c, id := setup(t, "k4")
		holdOnly(t, e, c, id)
		conf, err := e.svc.Confirm(e.ctx, e.p, id)
		require.NoError(t, err, "Confirm finds the hold by its source")
		assert.False(t, conf.HoldEntry.IsZero())
		assert.EqualValues(t, 700, e.available(c))
	})
	t.Run("cancel finds an unrecorded hold", func(t *testing.T) {
		e, c, id := setup(t, "k5")
		holdOnly(t, e, c, id)
		_, err := e.svc.Cancel(e.ctx, e.p, id, "")
		require.NoError(t, err)
		assert.EqualValues(t, 1000, e.available(c), "Cancel returns a hold found by its source")
		e.check(c)
	})
}

// Fifty members race for a reward with ten units: exactly ten get one, and every other
// attempt leaves nothing behind.
func TestReserveConcurrentStock(t *testing.T) {
	const members, stock = 50, 10
	e := newRwEnv(t)
	r := coffee()
	r.Stock = stock
	e.put(r)
	cs := make([]crm.CustomerID, members)
	for i := range cs {
		cs[i] = e.member()
		e.earn(cs[i], 300)
	}
	errs := rwParallel(members, func(i int) error {
		_, err := e.svc.Reserve(e.ctx, e.p, loyalty.Reserve{Customer: cs[i], Reward: "coffee", Units: 1, Key: fmt.Sprintf("checkout-%d", i)})
		return err
	})
	won := 0
	for i, err := range errs {
		if err == nil {
			won++
			assert.EqualValues(t, 0, e.available(cs[i]))
		} else {
			assert.ErrorIs(t, err, loyalty.ErrOutOfStock, "reserver %d", i)
			assert.EqualValues(t, 300, e.available(cs[i]), "a member refused for stock keeps their points")
		}
		e.check(cs[i])
	}
	assert.Equal(t, stock, won)
	assert.EqualValues(t, 0, e.stock("coffee"))
	page, err := e.svc.Reservations(e.ctx, e.p, loyalty.ReservationQuery{PageRequest: kehu.PageRequest{Limit: 100}})
	require.NoError(t, err)
	assert.Len(t, page.Items, stock, "only the winners' reservations are stored")
}

// Twenty checkouts of one member race for a balance that pays for five: exactly five hold
// points, and the others put their units back.
func TestReserveConcurrentBalance(t *testing.T) {
	const checkouts = 20
	e := newRwEnv(t)
	r := coffee()
	r.Points, r.Stock, r.PerCustomer = 100, 50, 0
	e.put(r)
	c := e.member()
	e.earn(c, 500)
	errs := rwParallel(checkouts, func(i int) error {
		_, err := e.svc.Reserve(e.ctx, e.p, loyalty.Reserve{Customer: c, Reward: "coffee", Units: 1, Key: fmt.Sprintf("checkout-%d", i)})
		return err
	})
	won := 0
	for i, err := range errs {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, loyalty.ErrInsufficientPoints, "checkout %d", i)
		}
	}
	assert.Equal(t, 5, won)
	assert.EqualValues(t, 0, e.available(c))
	assert.EqualValues(t, 45, e.stock("coffee"), "refused checkouts put their units back")
	page, err := e.svc.Reservations(e.ctx, e.p, loyalty.ReservationQuery{Customer: c, Status: loyalty.Reserved})
	require.NoError(t, err)
	assert.Len(t, page.Items, 5, "refused checkouts leave no reservation")
	e.check(c)
}

// Confirms and cancels of one reservation racing: exactly one kind wins, and the points
// and stock agree with it.
func TestConfirmCancelRace(t *testing.T) {
	for round := range 20 {
		e := newRwEnv(t)
		c := e.member()
		e.earn(c, 300)
		e.put(coffee())
		res := e.reserve(c, "coffee", 1, "checkout")
		errs := rwParallel(8, func(i int) error {
			var err error
			if i%2 == 0 {
				_, err = e.svc.Confirm(e.ctx, e.p, res.ID)
			} else {
				_, err = e.svc.Cancel(e.ctx, e.p, res.ID, "")
			}
			return err
		})
		final, err := e.svc.Reservation(e.ctx, e.p, res.ID)
		require.NoError(t, err)
		for i, err := range errs {
			wonConfirm := final.Status == loyalty.Confirmed
			if (i%2 == 0) == wonConfirm {
				assert.NoError(t, err, "round %d: the winning side's calls all succeed", round)
			} else {
				assert.ErrorIs(t, err, kehu.ErrConflict, "round %d: the losing side's calls conflict", round)
			}
		}
		switch final.Status {
		case loyalty.Confirmed:
			assert.EqualValues(t, 0, e.available(c), "round %d", round)
			assert.EqualValues(t, 9, e.stock("coffee"), "round %d", round)
		case loyalty.Cancelled:
			assert.EqualValues(t, 300, e.available(c), "round %d", round)
			assert.EqualValues(t, 10, e.stock("coffee"), "round %d", round)
		default:
			t.Fatalf("round %d: reservation is %s", round, final.Status)
		}
		e.check(c)
	}
}

func TestReservationStatusText(t *testing.T) {
	for _, s := range []loyalty.ReservationStatus{loyalty.Reserved, loyalty.Confirmed, loyalty.Cancelled} {
		b, err := json.Marshal(s)
		require.NoError(t, err)
		var back loyalty.ReservationStatus
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, s, back)
	}
	st, err := loyalty.ParseReservationStatus(" Confirmed ")
	require.NoError(t, err)
	assert.Equal(t, loyalty.Confirmed, st)
	_, err = loyalty.ParseReservationStatus("pending")
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	var back loyalty.ReservationStatus
	assert.ErrorIs(t, json.Unmarshal([]byte(`"pending"`), &back), kehu.ErrInvalid)
	require.NoError(t, json.Unmarshal([]byte(`""`), &back))
	assert.Equal(t, loyalty.ReservationStatus(""), back, "empty is unset")
}

// rwParallel runs f(0) … f(n-1) in n goroutines released together.
func rwParallel(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	done := make(chan struct{})
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	for range n {
		<-done
	}
	return errs
}
