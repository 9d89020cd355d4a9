package loyalty_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/loyalty/loyaltytest"
)

// capsProgram gives 1 point per ¥1 and a bonus of 100 per order, capped at 250 a day and
// 600 a calendar month, in Asia/Shanghai.
func capsProgram(t *testing.T) *loyalty.Program {
	t.Helper()
	p, err := loyalty.Compile(loyalty.ProgramSpec{
		ID: "caps", Version: 1, Name: "Caps", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{{Code: "points", Name: "Points", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}, ValuePerPoint: decimal.RequireFromString("0.01")}},
		Earning: loyalty.EarningRules{
			Base: []loyalty.BaseRate{{PointType: "points", Points: 1, Per: decimal.NewFromInt(1)}},
			Rules: []loyalty.Rule{{ID: "bonus", Priority: 1, Effect: loyalty.Effect{PointType: "points", Bonus: 100},
				Caps: loyalty.Caps{PerDay: 250, PerPeriod: 600, Period: loyalty.LimitMonth}}},
		},
	})
	require.NoError(t, err)
	return p
}

type capsFixture struct {
	t     *testing.T
	p     *loyalty.Program
	svc   *loyalty.Service
	store loyalty.Store
	clock *kehu.Clock
	c     crm.CustomerID
	n     int
}

func newCapsFixture(t *testing.T, store loyalty.Store, now time.Time) *capsFixture {
	opts, clock, _ := kehu.Deterministic(now)
	if store == nil {
		store = loyalty.NewMemoryStore()
	}
	return &capsFixture{t: t, p: capsProgram(t), svc: loyalty.NewService(store, opts), store: store, clock: clock,
		c: crm.CustomerIDFrom([16]byte{7})}
}

// order earns an order of ¥10 placed at the given local time and returns the bonus it got.
func (f *capsFixture) order(placed time.Time) int64 {
	f.t.Helper()
	f.n++
	o := kehu.Order{ID: "SO-" + strconv.Itoa(f.n), CustomerID: f.c, At: placed, Currency: "CNY",
		Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("10", "CNY")}}}
	res, err := f.svc.EarnOrder(context.Background(), f.p, o, loyalty.Member{})
	require.NoError(f.t, err, "EarnOrder %s", o.ID)
	var bonus int64
	for _, a := range res.Earning.Awards() {
		if a.RuleID == "bonus" {
			bonus += a.Points
		}
	}
	return bonus
}

func TestCapsCountByOrderTime(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	nov := func(day, hour int) time.Time { return time.Date(2026, time.November, day, hour, 0, 0, 0, sh) }

	t.Run("orders credited the next day count against the day they were placed", func(t *testing.T) {
		f := newCapsFixture(t, nil, nov(12, 9))
		// Three orders placed late on 11 November, credited the morning after.
		got := []int64{f.order(nov(11, 21)), f.order(nov(11, 22)), f.order(nov(11, 23))}
		assert.Equal(t, []int64{100, 100, 50}, got, "11 November's cap of 250 holds for orders credited on the 12th")
		// 12 November's cap is untouched.
		got = []int64{f.order(nov(12, 8)), f.order(nov(12, 8)), f.order(nov(12, 8))}
		assert.Equal(t, []int64{100, 100, 50}, got, "12 November's cap of 250 is all there")
	})
	t.Run("a late order of the day before does not eat today's cap", func(t *testing.T) {
		f := newCapsFixture(t, nil, nov(12, 9))
		assert.EqualValues(t, 100, f.order(nov(12, 8)), "an order placed on the 12th")
		assert.EqualValues(t, 100, f.order(nov(11, 23)), "an order placed on the 11th, credited after one of the 12th, uses the 11th's cap")
		assert.EqualValues(t, 100, f.order(nov(12, 9)), "12 November has given 100 of its 250")
		assert.EqualValues(t, 50, f.order(nov(12, 9)), "and now 200: 50 are left")
		assert.EqualValues(t, 0, f.order(nov(12, 9)), "the 12th's cap is used up")
	})
	t.Run("day boundaries are midnight in the programme's zone", func(t *testing.T) {
		f := newCapsFixture(t, nil, nov(13, 12))
		// 15:59 UTC on 11 November is 23:59 in Shanghai; 16:00 UTC is 00:00 on the 12th.
		late := time.Date(2026, time.November, 11, 15, 59, 0, 0, time.UTC)
		early := time.Date(2026, time.November, 11, 16, 0, 0, 0, time.UTC)
		assert.EqualValues(t, 100, f.order(late))
		assert.EqualValues(t, 100, f.order(late))
		assert.EqualValues(t, 100, f.order(early), "00:00 in Shanghai starts a new day")
		assert.EqualValues(t, 50, f.order(late), "23:59 in Shanghai is still the 11th")
	})
	t.Run("a month's cap counts orders by the month they were placed in", func(t *testing.T) {
		f := newCapsFixture(t, nil, nov(1, 9))
		oct := func(day int) time.Time { return time.Date(2026, time.October, day, 20, 0, 0, 0, sh) }
		var october int64
		for day := 26; day <= 31; day++ {
			october += f.order(oct(day))
		}
		assert.EqualValues(t, 600, october, "six October orders credited in November share October's cap of 600")
		assert.EqualValues(t, 100, f.order(nov(1, 8)), "November's cap is untouched")
		assert.EqualValues(t, 0, f.order(oct(31)), "October's cap is used up, whenever its orders are credited")
	})
}

// TestCapsAreInternalAccounts checks that a cap is kept in counters of the member's that
// the ledger's reports leave out, and that the counters hold what the rule gave.
func TestCapsAreInternalAccounts(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	f := newCapsFixture(t, nil, time.Date(2026, time.November, 12, 9, 0, 0, 0, sh))
	f.order(time.Date(2026, time.November, 11, 21, 0, 0, 0, sh))
	f.order(time.Date(2026, time.November, 12, 8, 0, 0, 0, sh))
	ctx := context.Background()
	as, err := f.store.MemberAccounts(ctx, f.p.ID(), f.c)
	require.NoError(t, err)
	got := map[string]int64{}
	for _, a := range as {
		got[a.Key.PointType] = a.Book()
		assert.NoError(t, loyaltytest.CheckInvariants(ctx, f.store, a.Key), "every account keeps the ledger's invariants, counters too")
	}
	assert.Equal(t, map[string]int64{
		"points":                    220,
		"$cap:bonus:day:2026-11-11": 100,
		"$cap:bonus:day:2026-11-12": 100,
		"$cap:bonus:month:2026-11":  200,
	}, got, "one counter per rule and period, holding the rule's points")
	for pt := range got {
		assert.Equal(t, pt != "points", loyalty.IsInternalAccount(pt), "IsInternalAccount(%q)", pt)
	}

	li, err := f.svc.Liability(ctx, f.p, f.clock.Now())
	require.NoError(t, err)
	require.Len(t, li, 1, "Liability lists the programme's point types only")
	assert.EqualValues(t, 220, li[0].Available)
	br, err := f.svc.Breakage(ctx, f.p, time.Date(2026, 1, 1, 0, 0, 0, 0, sh), time.Date(2027, 1, 1, 0, 0, 0, 0, sh))
	require.NoError(t, err)
	require.Len(t, br, 1, "Breakage lists the programme's point types only")
	assert.EqualValues(t, 220, br[0].Earned, "counters earn nothing")
}

// TestCapsAfterRefund: a cap counts what the rule awarded, so a refund does not give the
// room back and returning an order and buying again cannot earn the capped bonus twice.
func TestCapsAfterRefund(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	day := time.Date(2026, time.November, 12, 9, 0, 0, 0, sh)
	f := newCapsFixture(t, nil, day)
	assert.EqualValues(t, 100, f.order(day))
	assert.EqualValues(t, 100, f.order(day))
	assert.EqualValues(t, 50, f.order(day))
	_, err := f.svc.Refund(context.Background(), f.p, loyalty.Refund{Customer: f.c, Order: "SO-1", Key: "RF-1"})
	require.NoError(t, err)
	assert.EqualValues(t, 0, f.order(day), "the refund took the points back, but the day's cap stays used")
	b, err := f.svc.Balance(context.Background(), f.p, f.c, "points")
	require.NoError(t, err)
	assert.EqualValues(t, 3*10+150, b.Available, "orders 2–4 keep their base points and orders 2 and 3 their bonus")
}

// countingStore counts the entry, account and member reads made through it.
type countingStore struct {
	loyalty.Store
	entries, accounts, members atomic.Int64
}

func (s *countingStore) Account(ctx context.Context, key loyalty.AccountKey) (*loyalty.Account, error) {
	s.accounts.Add(1)
	return s.Store.Account(ctx, key)
}

func (s *countingStore) Member(ctx context.Context, program string, customer crm.CustomerID) (*loyalty.MemberState, error) {
	s.members.Add(1)
	return s.Store.Member(ctx, program, customer)
}

func (s *countingStore) Entries(ctx context.Context, key loyalty.AccountKey, q loyalty.EntryQuery) (kehu.Page[loyalty.Entry], error) {
	s.entries.Add(1)
	return s.Store.Entries(ctx, key, q)
}

// TestCapsReadCounters checks that counting caps and limits reads no entries: each is one
// counter account read inside the write, whatever the member did before.
func TestCapsReadCounters(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	day := time.Date(2026, time.November, 12, 9, 0, 0, 0, sh)
	cs := &countingStore{Store: loyalty.NewMemoryStore()}
	f := newCapsFixture(t, cs, day)
	for range 50 {
		f.order(day)
	}
	assert.Zero(t, cs.entries.Load(), "50 capped orders read no entries")

	ctx := context.Background()
	def := f.p.Spec()
	def.ID = "limits"
	def.Partners = []loyalty.Partner{{ID: "hotel", Name: "Hotel", PointType: "points", InRate: decimal.NewFromInt(1), MaxPerDay: 1000}}
	def.Transfers = loyalty.TransferRules{MaxPerMonth: 1000}
	p, err := loyalty.Compile(def)
	require.NoError(t, err)
	other := crm.CustomerIDFrom([16]byte{8})
	for i := range 10 {
		_, err := f.svc.ExchangeIn(ctx, p, loyalty.Exchange{Partner: "hotel", Customer: f.c, Points: 10, Ref: "H" + strconv.Itoa(i)})
		require.NoError(t, err)
		_, err = f.svc.Transfer(ctx, p, loyalty.Transfer{From: f.c, To: other, PointType: "points", Points: 1, Key: "T" + strconv.Itoa(i)})
		require.NoError(t, err)
	}
	assert.Zero(t, cs.entries.Load(), "exchanges and transfers under limits read no entries")
}

// conflictStore fails its first fails updates with kehu.ErrConflict, as an optimistic
// store does when it loses a race.
type conflictStore struct {
	loyalty.Store
	fails   atomic.Int64
	updates atomic.Int64
}

func (s *conflictStore) Update(ctx context.Context, keys []loyalty.AccountKey, need loyalty.Need, fn func([]*loyalty.Account) (*loyalty.Commit, error)) error {
	s.updates.Add(1)
	if s.fails.Add(-1) >= 0 {
		return kehu.ErrConflict
	}
	return s.Store.Update(ctx, keys, need, fn)
}

func TestServiceRetriesConflicts(t *testing.T) {
	p := capsProgram(t)
	c := crm.CustomerIDFrom([16]byte{9})
	earn := func(ctx context.Context, svc *loyalty.Service, key string) error {
		_, err := svc.Earn(ctx, p, loyalty.Points{Customer: c, PointType: "points", Points: 10, Key: key})
		return err
	}
	t.Run("a few conflicts are retried", func(t *testing.T) {
		s := &conflictStore{Store: loyalty.NewMemoryStore()}
		s.fails.Store(5)
		require.NoError(t, earn(context.Background(), loyalty.NewService(s, nil), "E-1"), "five lost races, then success")
		assert.EqualValues(t, 6, s.updates.Load())
	})
	t.Run("attempts are bounded", func(t *testing.T) {
		s := &conflictStore{Store: loyalty.NewMemoryStore()}
		s.fails.Store(1000)
		err := earn(context.Background(), loyalty.NewService(s, nil), "E-1")
		assert.ErrorIs(t, err, kehu.ErrConflict, "a command that keeps losing fails with kehu.ErrConflict")
		assert.EqualValues(t, 8, s.updates.Load(), "after 8 attempts")
	})
	t.Run("the backoff stops when the context is done", func(t *testing.T) {
		s := &conflictStore{Store: loyalty.NewMemoryStore()}
		s.fails.Store(1000)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		err := earn(ctx, loyalty.NewService(s, nil), "E-1")
		assert.True(t, errors.Is(err, context.Canceled) && errors.Is(err, kehu.ErrConflict),
			"a cancelled command reports the conflict and the cancellation: %v", err)
		assert.EqualValues(t, 1, s.updates.Load(), "no attempt after the context is done")
		assert.Less(t, time.Since(start), 50*time.Millisecond)
	})
}
