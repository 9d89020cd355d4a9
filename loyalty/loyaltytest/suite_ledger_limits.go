package loyaltytest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/loyalty"
)

// Limits: caps, once-only rules, partner and transfer limits under concurrent commands of
// one member, with no retry by the caller — the service's own retries must be enough, and
// the limit must hold because it is checked inside the atomic write.
func limitTests() []test {
	return []test{
		{Name: "PartnerExchangesUnderADailyLimit", Run: testConcurrentPartnerExchanges},
		{Name: "OrdersUnderADailyCap", Run: testLimitedCappedOrders},
		{Name: "EventsOncePerMember", Run: testLimitedOnceEvents},
		{Name: "TransfersUnderAMonthlyLimit", Run: testLimitedTransfers},
	}
}

// gate makes the ledger's service write through a store that holds every Update until n
// of them have been called (or a moment has passed), so that n concurrent commands do
// everything they do before writing at the same time: a limit counted before the write,
// rather than inside it, is then passed by all of them.
func (l *ledger) gate(n int) {
	g := &gatedStore{Store: l.s, n: int64(n), open: make(chan struct{})}
	l.svc = loyalty.NewService(g, &kehu.Options{Now: l.clock.Now, NewID: l.ids.NewID})
}

type gatedStore struct {
	loyalty.Store
	n       int64
	arrived atomic.Int64
	open    chan struct{}
	once    sync.Once
}

func (s *gatedStore) Update(ctx context.Context, keys []loyalty.AccountKey, need loyalty.Need, fn func([]*loyalty.Account) (*loyalty.Commit, error)) error {
	if s.arrived.Add(1) >= s.n {
		s.once.Do(func() { close(s.open) })
	}
	t := time.NewTimer(200 * time.Millisecond)
	defer t.Stop()
	select {
	case <-s.open:
	case <-t.C:
	}
	return s.Store.Update(ctx, keys, need, fn)
}

// checkMember runs CheckInvariants on every account of the member, the internal ones (tier
// figures, counters of caps and limits) included.
func (l *ledger) checkMember(p *loyalty.Program, c crm.CustomerID, step string) {
	l.t.Helper()
	as, err := l.s.MemberAccounts(l.ctx, p.ID(), c)
	require.NoError(l.t, err, "MemberAccounts")
	for _, a := range as {
		if err := CheckInvariants(l.ctx, l.s, a.Key); err != nil {
			l.t.Errorf("after %s: the ledger's invariants are broken:\n%v", step, err)
		}
	}
}

func testConcurrentPartnerExchanges(t *testing.T, h *harness) {
	const writers, each, limit = 20, 100, 1000
	l := h.ledger()
	def := retailProgram()
	def.ID = "partnered"
	def.Partners = []loyalty.Partner{{ID: "hotel", Name: "Hotel", PointType: points,
		InRate: decimal.NewFromInt(1), OutRate: decimal.NewFromInt(1), MaxPerDay: limit}}
	p := h.program(def)
	c := l.member(p)
	l.gate(writers)
	errs := suite.Parallel(writers, func(i int) error {
		_, err := l.svc.ExchangeIn(h.ctx, p, loyalty.Exchange{Partner: "hotel", Customer: c, Points: each, Ref: fmt.Sprintf("H-%02d", i)})
		return err
	})
	l.check("%d concurrent partner exchanges", writers)
	l.checkMember(p, c, "concurrent partner exchanges")
	done := 0
	for i, err := range errs {
		switch {
		case err == nil:
			done++
		case errors.Is(err, kehu.ErrInvalid):
			var ve *kehu.ValidationError
			if assert.ErrorAs(t, err, &ve) {
				assert.Equal(t, "daily_limit", ve.Fields[0].Rule, "an exchange over the daily limit is refused with rule daily_limit")
			}
		default:
			assert.NoError(t, err, "ExchangeIn by concurrent writer %d must succeed or be refused by the daily limit", i)
		}
	}
	assert.Equal(t, limit/each, done, "%d concurrent exchanges of %d against a daily limit of %d: exactly %d go through", writers, each, limit, limit/each)
	assert.EqualValues(t, limit, l.available(p, c), "the member receives the daily limit, never more")

	// A repeat of an exchange that went through returns its first result, limit or not.
	for i, err := range errs {
		if err == nil {
			_, rerr := l.svc.ExchangeIn(h.ctx, p, loyalty.Exchange{Partner: "hotel", Customer: c, Points: each, Ref: fmt.Sprintf("H-%02d", i)})
			assert.NoError(t, rerr, "a repeat of exchange H-%02d, which went through, returns its first result though the limit is used up", i)
			break
		}
	}
	assert.EqualValues(t, limit, l.available(p, c), "a repeat credits nothing")
}

func testLimitedCappedOrders(t *testing.T, h *harness) {
	const writers = 20
	l := h.ledger()
	p := cappedProgram(t)
	c := l.member(p)
	k := l.acct(p, c, points)
	l.gate(writers)
	errs := suite.Parallel(writers, func(i int) error {
		o := kehu.Order{ID: fmt.Sprintf("SO-%02d", i), CustomerID: c, At: l.clock.Now(), Currency: "CNY",
			Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("10", "CNY")}}}
		_, err := l.svc.EarnOrder(h.ctx, p, o, loyalty.Member{})
		return err
	})
	l.check("%d concurrent orders under a daily cap", writers)
	l.checkMember(p, c, "concurrent orders under a daily cap")
	for i, err := range errs {
		assert.NoError(t, err, "EarnOrder by concurrent writer %d must succeed without a retry by the caller", i)
	}
	es := l.entries(k)
	assert.EqualValues(t, 250, ruleTotal(es, "daily-bonus"),
		"%d concurrent orders of one member on one day: a bonus of 100 capped at 250 a day gives 250 in all", writers)
	assert.EqualValues(t, writers*10+250, l.available(p, c), "base points of every order plus the capped bonus")
}

func testLimitedOnceEvents(t *testing.T, h *harness) {
	const writers = 20
	l := h.ledger()
	p := cappedProgram(t)
	c := l.member(p)
	k := l.acct(p, c, points)
	l.gate(writers)
	errs := suite.Parallel(writers, func(i int) error {
		_, err := l.svc.EarnEvent(h.ctx, p, loyalty.EventSignup, loyalty.Member{CustomerID: c}, fmt.Sprintf("form-%02d", i))
		return err
	})
	l.check("%d concurrent sign-up events", writers)
	l.checkMember(p, c, "concurrent sign-up events")
	for i, err := range errs {
		assert.NoError(t, err, "EarnEvent by concurrent writer %d must succeed (with or without points) without a retry by the caller", i)
	}
	assert.EqualValues(t, 500, ruleTotal(l.entries(k), "welcome"), "the once-ever welcome points are given once")
	assert.EqualValues(t, 500, l.available(p, c))
}

func testLimitedTransfers(t *testing.T, h *harness) {
	const writers, each, limit = 20, 10, 50
	l := h.ledger()
	rp := retailProgram()
	rp.ID = "limited"
	rp.Transfers = loyalty.TransferRules{MaxPerMonth: limit}
	p := h.program(rp)
	from, to := l.member(p), l.member(p)
	l.earn(p, from, points, 1000, loyalty.Source{}, "")
	l.gate(writers)
	errs := suite.Parallel(writers, func(i int) error {
		_, err := l.svc.Transfer(h.ctx, p, loyalty.Transfer{From: from, To: to, PointType: points, Points: each, Key: fmt.Sprintf("TR-%02d", i)})
		return err
	})
	l.check("%d concurrent transfers under a monthly limit", writers)
	l.checkMember(p, from, "concurrent transfers under a monthly limit")
	sent := 0
	for i, err := range errs {
		switch {
		case err == nil:
			sent++
		case errors.Is(err, kehu.ErrInvalid):
		default:
			assert.NoError(t, err, "Transfer by concurrent writer %d must succeed or be refused by the limit, without a retry by the caller", i)
		}
	}
	assert.Equal(t, limit/each, sent, "exactly %d transfers of %d go through under a monthly limit of %d", limit/each, each, limit)
	assert.EqualValues(t, limit, l.available(p, to))
}
