package loyaltytest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/loyalty"
)

func ledgerConcurrencyTests() []test {
	return []test{
		{Name: "SpendersOfOneBalance", Run: testConcurrentSpenders},
		{Name: "EarnsWithOneKey", Run: testConcurrentEarnsOneKey},
		{Name: "TransfersBothWays", Run: testConcurrentTransfersBothWays},
		{Name: "OrdersUnderADailyCap", Run: testConcurrentCappedOrders},
		{Name: "EventsOncePerMember", Run: testConcurrentOnceEvents},
		{Name: "TransfersUnderAMonthlyLimit", Run: testConcurrentLimitedTransfers},
	}
}

func testConcurrentLimitedTransfers(t *testing.T, h *harness) {
	const writers, each, limit = 20, 10, 50
	l := h.ledger()
	rp := retailProgram()
	rp.ID = "limited"
	rp.Transfers = loyalty.TransferRules{MaxPerMonth: limit}
	p, err := loyalty.Compile(rp)
	require.NoError(t, err, "the programme with a monthly transfer limit must be valid")
	from, to := l.member(p), l.member(p)
	l.earn(p, from, points, 1000, loyalty.Source{}, "")
	errs := suite.Parallel(writers, func(i int) error {
		tr := loyalty.Transfer{From: from, To: to, PointType: points, Points: each, Key: fmt.Sprintf("TR-%02d", i)}
		_, err := retryLost(func() ([]loyalty.Entry, error) { return l.svc.Transfer(h.ctx, p, tr) })
		return err
	})
	l.check("%d concurrent transfers under a monthly limit", writers)
	sent := 0
	for i, err := range errs {
		switch {
		case err == nil:
			sent++
		case errors.Is(err, kehu.ErrInvalid):
		default:
			assert.NoError(t, err, "Transfer by concurrent writer %d must succeed or be refused by the limit", i)
		}
	}
	assert.Equal(t, limit/each, sent, "%d concurrent transfers of %d under a monthly limit of %d: exactly %d go through", writers, each, limit, limit/each)
	assert.EqualValues(t, 1000-limit, l.available(p, from))
	assert.EqualValues(t, limit, l.available(p, to))
}

// cappedProgram gives 1 point per ¥1, a bonus of 100 per order capped at 250 a day per
// member, and 500 points for signing up, once ever.
func cappedProgram(t *testing.T) *loyalty.Program {
	t.Helper()
	p := retailProgram()
	p.ID = "capped"
	p.Earning = loyalty.EarningRules{
		Base: []loyalty.BaseRate{{PointType: points, Points: 1, Per: decimal.NewFromInt(1)}},
		Rules: []loyalty.Rule{{ID: "daily-bonus", Priority: 1, Effect: loyalty.Effect{PointType: points, Bonus: 100},
			Caps: loyalty.Caps{PerDay: 250}}},
		Events: []loyalty.EventRule{{ID: "welcome", Event: loyalty.EventSignup, PointType: points, Points: 500,
			Once: loyalty.LimitEver}},
	}
	prog, err := loyalty.Compile(p)
	require.NoError(t, err, "the capped programme must be valid")
	return prog
}

// ruleTotal sums what a rule gave over the entries.
func ruleTotal(es []loyalty.Entry, rule string) int64 {
	var n int64
	for _, e := range es {
		for _, a := range e.Awards {
			if a.Rule == rule {
				n += a.Points
			}
		}
		if len(e.Awards) == 0 && e.Source.Rule == rule {
			n += e.Points
		}
	}
	return n
}

func testConcurrentCappedOrders(t *testing.T, h *harness) {
	const writers = 20
	l := h.ledger()
	p := cappedProgram(t)
	c := l.member(p)
	k := l.acct(p, c, points)
	errs := suite.Parallel(writers, func(i int) error {
		o := kehu.Order{ID: fmt.Sprintf("SO-%02d", i), CustomerID: c, At: l.clock.Now(), Currency: "CNY",
			Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("10", "CNY")}}}
		_, err := retryLost(func() (*loyalty.EarnResult, error) { return l.svc.EarnOrder(h.ctx, p, o, loyalty.Member{}) })
		return err
	})
	l.check("%d concurrent orders under a daily cap", writers)
	for i, err := range errs {
		assert.NoError(t, err, "EarnOrder by concurrent writer %d must succeed", i)
	}
	es := l.entries(k)
	assert.EqualValues(t, 250, ruleTotal(es, "daily-bonus"),
		"%d concurrent orders of one member on one day: a bonus of 100 capped at 250 a day gives 250 in all, never more", writers)
	assert.EqualValues(t, writers*10, ruleTotal(es, loyalty.BaseRuleID), "every order earns its base points")
	assert.EqualValues(t, writers*10+250, l.available(p, c), "base points of every order plus the capped bonus")
}

func testConcurrentOnceEvents(t *testing.T, h *harness) {
	const writers = 20
	l := h.ledger()
	p := cappedProgram(t)
	c := l.member(p)
	k := l.acct(p, c, points)
	errs := suite.Parallel(writers, func(i int) error {
		_, err := retryLost(func() (*loyalty.EarnResult, error) {
			return l.svc.EarnEvent(h.ctx, p, loyalty.EventSignup, loyalty.Member{CustomerID: c}, fmt.Sprintf("form-%02d", i))
		})
		return err
	})
	l.check("%d concurrent sign-up events", writers)
	for i, err := range errs {
		assert.NoError(t, err, "EarnEvent by concurrent writer %d must succeed (with or without points)", i)
	}
	assert.EqualValues(t, 500, ruleTotal(l.entries(k), "welcome"),
		"%d concurrent sign-ups of one member under a once-ever rule give the welcome points once", writers)
	assert.EqualValues(t, 500, l.available(p, c))
}

func testConcurrentSpenders(t *testing.T, h *harness) {
	const spenders, each = 100, 10
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	for range 5 {
		l.earn(l.retail, c, points, 101, loyalty.Source{}, "") // 505 in five lots
	}

	// An observer reads the balance while the spenders run: it must never be negative.
	done := make(chan struct{})
	var lowest atomic.Int64
	lowest.Store(505)
	var observer sync.WaitGroup
	observer.Add(1)
	go func() {
		defer observer.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			b, err := l.svc.Balance(h.ctx, l.retail, c, points)
			if err == nil && b.Available < lowest.Load() {
				lowest.Store(b.Available)
			}
		}
	}()
	cmds := make([]loyalty.Points, spenders)
	for i := range cmds {
		cmds[i] = loyalty.Points{Customer: c, PointType: points, Points: each, Key: fmt.Sprintf("RD-%03d", i)}
	}
	results := make([]loyalty.Entry, spenders)
	errs := suite.Parallel(spenders, func(i int) error {
		var err error
		results[i], err = retryLost(func() (loyalty.Entry, error) { return l.svc.Redeem(h.ctx, l.retail, cmds[i]) })
		return err
	})
	close(done)
	observer.Wait()
	l.check("%d concurrent redeems", spenders)

	won, short := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, loyalty.ErrInsufficientPoints):
			short++
		default:
			assert.NoError(t, err, "Redeem by concurrent spender %d must succeed or fail with ErrInsufficientPoints", i)
		}
	}
	assert.Equal(t, 50, won, "%d concurrent redeems of %d from 505: exactly 50 must succeed", spenders, each)
	assert.Equal(t, 50, short, "%d concurrent redeems of %d from 505: exactly 50 must fail with ErrInsufficientPoints", spenders, each)
	assert.EqualValues(t, 5, l.available(l.retail, c), "after 50 redeems of 10 from 505, 5 points are left")
	assert.GreaterOrEqual(t, lowest.Load(), int64(0), "the balance read during concurrent redeems must never be negative")
	a := l.account(k)
	assert.EqualValues(t, 5, a.Book(), "the book balance after 50 redeems of 10 from 505")
	assert.Len(t, l.entries(k), 5+won, "one entry per earn and per successful redeem")

	// Replaying every command changes nothing: the winners get their entries back, the
	// losers are new attempts that still find too few points.
	before := l.snap(k)
	for i, cmd := range cmds {
		e, err := l.svc.Redeem(h.ctx, l.retail, cmd)
		if errs[i] == nil {
			if assert.NoError(t, err, "Redeem %s replayed must return its first result", cmd.Key) {
				assert.Equal(t, results[i].ID, e.ID, "Redeem %s replayed must return its first entry", cmd.Key)
			}
		} else {
			assert.ErrorIs(t, err, loyalty.ErrInsufficientPoints, "Redeem %s that failed, replayed with 5 points left, must fail again", cmd.Key)
		}
	}
	l.assertSame(before, "replaying the concurrent redeems must write nothing")
}

func testConcurrentEarnsOneKey(t *testing.T, h *harness) {
	const writers = 32
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	cmd := loyalty.Points{Customer: c, PointType: points, Points: 100, Source: orderSource("SO-1", "L1"), Key: "SO-1:L1:base"}
	ids := make([]loyalty.EntryID, writers)
	errs := suite.Parallel(writers, func(i int) error {
		e, err := retryLost(func() (loyalty.Entry, error) { return l.svc.Earn(h.ctx, l.retail, cmd) })
		ids[i] = e.ID
		return err
	})
	l.check("%d concurrent Earns with one key", writers)
	for i, err := range errs {
		require.NoError(t, err, "Earn with one key by concurrent writer %d must succeed (the first result, or a replay of it)", i)
	}
	for i := range ids {
		assert.Equal(t, ids[0], ids[i], "concurrent Earns with one key must all return the one entry written")
	}
	assert.Len(t, l.entries(k), 1, "concurrent Earns with one key must write one entry")
	assert.EqualValues(t, 100, l.available(l.retail, c), "concurrent Earns with one key must credit the points once")
}

func testConcurrentTransfersBothWays(t *testing.T, h *harness) {
	const writers = 60
	l := h.ledger()
	a, b := l.member(l.retail), l.member(l.retail)
	l.earn(l.retail, a, points, 100, loyalty.Source{}, "")
	l.earn(l.retail, b, points, 100, loyalty.Source{}, "")
	errs := suite.Parallel(writers, func(i int) error {
		tr := loyalty.Transfer{From: a, To: b, PointType: points, Points: 1, Key: fmt.Sprintf("TR-%03d", i)}
		if i%2 == 1 {
			tr.From, tr.To = b, a
		}
		_, err := retryLost(func() ([]loyalty.Entry, error) { return l.svc.Transfer(h.ctx, l.retail, tr) })
		return err
	})
	l.check("%d concurrent transfers both ways", writers)
	for i, err := range errs {
		assert.NoError(t, err, "Transfer by concurrent writer %d, half of them in each direction, must succeed: no deadlock, no lost update", i)
	}
	assert.EqualValues(t, 100, l.available(l.retail, a), "after as many transfers of 1 each way, each member has 100")
	assert.EqualValues(t, 100, l.available(l.retail, b), "after as many transfers of 1 each way, each member has 100")
	assert.Len(t, l.entries(l.acct(l.retail, a, points)), 1+writers, "one entry per transfer on each side")
}
