package loyaltytest

import (
	"fmt"
	"strings"
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

// Figures: the tier figures the service keeps as counters in the store, read back for
// windows that cut the store's months anywhere, written by concurrent orders, and built
// from a history written without them.
func figureTests() []test {
	return []test{
		{Name: "AcrossTheNewYear", Run: testFiguresAcrossTheNewYear},
		{Name: "ConcurrentOrders", Run: testFiguresConcurrentOrders},
		{Name: "BuiltFromHistory", Run: testFiguresBuiltFromHistory},
	}
}

// tieredProgram is the retail programme with tiers by spend, purchases and status points
// (1 per ¥10) over the calendar year in Asia/Shanghai: silver from ¥1,000, gold from
// ¥5,000.
func (h *harness) tieredProgram() *loyalty.Program {
	spec := retailProgram()
	spec.ID = "tiered"
	spec.Earning = loyalty.EarningRules{Base: []loyalty.BaseRate{
		{PointType: points, Points: 1, Per: decimal.NewFromInt(1)},
		{PointType: status, Points: 1, Per: decimal.NewFromInt(10)}}}
	spec.Tiers = &loyalty.Tiers{
		Levels: []loyalty.TierLevel{{Code: "member", Name: "Member"},
			{Code: "silver", Name: "Silver", Spend: decimal.NewFromInt(1000)},
			{Code: "gold", Name: "Gold", Spend: decimal.NewFromInt(5000)}},
		QualifyingType: status, Window: loyalty.TierWindow{Kind: loyalty.WindowCalendarYear}, Review: loyalty.ReviewCalendarYear,
	}
	return h.program(spec)
}

// figures reads a member's figures in the window of t and checks that every account of
// the member, counters included, keeps the ledger's invariants.
func (l *ledger) figures(p *loyalty.Program, c crm.CustomerID, joined, t time.Time) loyalty.Figures {
	l.t.Helper()
	f, err := l.svc.Figures(l.ctx, p, c, joined, t)
	require.NoError(l.t, err, "Service.Figures at %s", t)
	accts, err := l.s.MemberAccounts(l.ctx, p.ID(), c)
	require.NoError(l.t, err, "MemberAccounts")
	for _, a := range accts {
		l.watched[a.Key] = true
	}
	l.check("reading the figures at %s", t)
	return f
}

func (l *ledger) order(p *loyalty.Program, c crm.CustomerID, id string, amounts ...string) *loyalty.EarnResult {
	l.t.Helper()
	o := kehu.Order{ID: id, CustomerID: c, At: l.clock.Now(), Currency: "CNY"}
	for i, a := range amounts {
		o.Lines = append(o.Lines, kehu.OrderLine{ID: fmt.Sprint(i + 1), SKU: "SKU", Quantity: 1, Amount: kehu.MustMoney(a, "CNY")})
	}
	res, err := retryLost(func() (*loyalty.EarnResult, error) {
		return l.svc.EarnOrder(l.ctx, p, o, loyalty.Member{CustomerID: c})
	})
	require.NoError(l.t, err, "Service.EarnOrder of %s", id)
	return res
}

func testFiguresAcrossTheNewYear(t *testing.T, h *harness) {
	l := h.ledger()
	p := h.tieredProgram()
	c := l.member(p)
	local := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, cst) }
	h.clock.Set(local(2026, 12, 31, 23, 0))
	joined := h.clock.Now()
	l.order(p, c, "SO-1", "600.00", "700.00")
	assert.Equal(t, loyalty.Figures{Spend: 130000, Purchases: 1, Points: 130}, l.figures(p, c, joined, h.clock.Now()),
		"an order counts its spend, one purchase and its status points")

	// Half an hour into 2027 in Shanghai, still 31 December in UTC: a line comes back, and
	// the member buys again.
	h.clock.Set(local(2027, 1, 1, 0, 30))
	l.refundOrder(p, c, "SO-1", "R-1", loyalty.RefundLine{Line: "1", Quantity: 1})
	l.order(p, c, "SO-2", "2000.00")
	h.clock.Set(local(2027, 1, 1, 0, 40))
	_, err := l.svc.Adjust(h.ctx, p, loyalty.Points{Customer: c, PointType: status, Points: -50, Reason: "correction", Key: "ADJ-1"})
	require.NoError(t, err, "Service.Adjust")
	e, err := l.svc.Earn(h.ctx, p, loyalty.Points{Customer: c, PointType: status, Points: 40, Key: "EARN-1"})
	require.NoError(t, err, "Service.Earn")
	_, err = l.svc.Reverse(h.ctx, p, e.ID, "in error")
	require.NoError(t, err, "Service.Reverse")

	endOf2026 := local(2027, 1, 1, 0, 0).Add(-time.Microsecond)
	assert.Equal(t, loyalty.Figures{Spend: 70000, Purchases: 1, Points: 70}, l.figures(p, c, joined, endOf2026),
		"a refund in 2027 lowers the 2026 figures of the purchase")
	assert.Equal(t, loyalty.Figures{Spend: 200000, Purchases: 1, Points: 150}, l.figures(p, c, joined, h.clock.Now()),
		"2027 counts its own order, the adjustment and the earning reversed, not the refund")
	assert.Equal(t, loyalty.Figures{Spend: 200000, Purchases: 1, Points: 200},
		l.figures(p, c, joined, local(2027, 1, 1, 0, 35)), "figures at an instant between the order and the adjustment")
	assert.Equal(t, loyalty.Figures{}, l.figures(p, c, joined, local(2027, 1, 1, 0, 10)), "nothing in 2027 before the order")
	h.clock.Set(local(2027, 3, 1, 9, 0))
	assert.Equal(t, loyalty.Figures{Spend: 200000, Purchases: 1, Points: 150}, l.figures(p, c, joined, h.clock.Now()))
	st, err := l.svc.EvaluateTier(h.ctx, p, c)
	require.NoError(t, err, "Service.EvaluateTier")
	assert.Equal(t, "silver", st.State.Tier, "the review of 2026 judged ¥700 (no level); 2027's ¥2,000 make silver")

	accts, err := h.s.MemberAccounts(h.ctx, p.ID(), c)
	require.NoError(t, err, "MemberAccounts")
	counters := 0
	for _, a := range accts {
		if strings.HasPrefix(a.Key.PointType, "$fig") {
			counters++
			assert.True(t, loyalty.IsCounterAccount(a.Key.PointType) && loyalty.IsInternalAccount(a.Key.PointType),
				"%s is a counter", a.Key.PointType)
		}
	}
	assert.Positive(t, counters, "the figures are kept in counters of the member's")
}

func testFiguresConcurrentOrders(t *testing.T, h *harness) {
	const writers = 12
	l := h.ledger()
	p := h.tieredProgram()
	c := l.member(p)
	joined := h.clock.Now()
	results := make([]*loyalty.EarnResult, writers)
	errs := suite.Parallel(writers, func(i int) error {
		o := kehu.Order{ID: fmt.Sprintf("SO-%02d", i), CustomerID: c, At: h.clock.Now(), Currency: "CNY",
			Lines: []kehu.OrderLine{{ID: "1", SKU: "SKU", Quantity: 1, Amount: kehu.MustMoney("500.00", "CNY")}}}
		var err error
		results[i], err = retryLost(func() (*loyalty.EarnResult, error) {
			return l.svc.EarnOrder(h.ctx, p, o, loyalty.Member{CustomerID: c})
		})
		return err
	})
	for i, err := range errs {
		require.NoError(t, err, "EarnOrder by concurrent writer %d", i)
	}
	assert.Equal(t, loyalty.Figures{Spend: writers * 50000, Purchases: writers, Points: writers * 50}, l.figures(p, c, joined, h.clock.Now()),
		"%d concurrent orders all count", writers)
	st, err := l.svc.EvaluateTier(h.ctx, p, c)
	require.NoError(t, err, "Service.EvaluateTier")
	assert.Equal(t, "gold", st.State.Tier)
	// Every upgrade is recorded once and reported by the one order whose evaluation
	// recorded it (one that saw the figures of several orders may skip a level).
	var recorded, reported []loyalty.TierChange
	for _, ch := range st.State.History {
		if ch.Reason == loyalty.TierQualified {
			recorded = append(recorded, ch)
		}
	}
	for _, r := range results {
		if r != nil && r.Upgrade != nil {
			reported = append(reported, *r.Upgrade)
		}
	}
	assert.ElementsMatch(t, recorded, reported, "the upgrades recorded are those the orders reported")
	require.NotEmpty(t, recorded)
	assert.Equal(t, "gold", recorded[len(recorded)-1].To)
}

// testFiguresBuiltFromHistory writes, through the store, a ledger as it stood before
// counters were kept: an order's spend, purchase and status points, and a refund of part
// of them. Its figures are read from the entries until BackfillTierFigures builds the
// counters, once.
func testFiguresBuiltFromHistory(t *testing.T, h *harness) {
	l := h.ledger()
	p := h.tieredProgram()
	c := l.member(p)
	key := func(pt string) loyalty.AccountKey { return l.acct(p, c, pt) }
	keys := []loyalty.AccountKey{key("$spend"), key("$purchases"), key(status)}
	joined := h.clock.Now()
	src := loyalty.Source{Type: "order", Ref: "OLD-1"}
	earned, _ := h.write(keys, func(accts []*loyalty.Account) *loyalty.Commit {
		return &loyalty.Commit{Entries: []loyalty.Entry{h.earn(accts[0], 90000, time.Time{}, src),
			h.earn(accts[1], 1, time.Time{}, src), h.earn(accts[2], 90, time.Time{}, src)}}
	})
	spend := earned[0].Lots[0]
	h.write([]loyalty.AccountKey{keys[0]}, func(accts []*loyalty.Account) *loyalty.Commit {
		a := accts[0]
		e := h.entry(a, loyalty.KindReverse, src)
		for i := range a.Lots {
			if a.Lots[i].ID == spend.ID {
				a.Lots[i].Remaining -= 30000
				a.Lots[i].Returned += 30000
			}
		}
		e.Points, e.Lots, e.Reverses = -30000, []loyalty.LotMove{{Lot: spend.ID, Points: -30000}}, spend.Entry
		return &loyalty.Commit{Entries: []loyalty.Entry{e}}
	})
	want := loyalty.Figures{Spend: 60000, Purchases: 1, Points: 90}
	assert.Equal(t, want, l.figures(p, c, joined, h.clock.Now()), "the figures of a history without counters, from its entries")
	n, err := l.svc.BackfillTierFigures(h.ctx, p)
	require.NoError(t, err, "Service.BackfillTierFigures")
	assert.Equal(t, 3, n, "the counters of spend, purchases and status points are built")
	assert.Equal(t, want, l.figures(p, c, joined, h.clock.Now()), "the figures from the counters built")
	n, err = l.svc.BackfillTierFigures(h.ctx, p)
	require.NoError(t, err, "Service.BackfillTierFigures again")
	assert.Zero(t, n, "a second backfill builds nothing")
	h.clock.Set(h.clock.Now().Add(time.Hour))
	l.order(p, c, "NEW-1", "100.00")
	assert.Equal(t, loyalty.Figures{Spend: 70000, Purchases: 2, Points: 100}, l.figures(p, c, joined, h.clock.Now()))
}
