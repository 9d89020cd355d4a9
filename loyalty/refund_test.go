package loyalty_test

import (
	"context"
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

// refundFixture is a programme of 1 point per ¥1, double points on coffee lines and 50
// points on orders over ¥100, and an order whose lines earn A = 100 base + 100 double,
// B = 50 base, and the order 50: 300 in all.
type refundFixture struct {
	ctx    context.Context
	svc    *loyalty.Service
	store  *loyalty.MemoryStore
	p      *loyalty.Program
	member loyalty.Member
	key    loyalty.AccountKey
	order  kehu.Order
}

// refundSpec is the programme of the refund tests: 1 point per ¥1, double points on coffee
// lines, 50 points on orders over ¥100; points never expire.
func refundSpec(returns loyalty.ReturnMode) loyalty.ProgramSpec {
	return loyalty.ProgramSpec{
		ID: "refunds", Version: 1, Name: "refunds", TimeZone: "Asia/Shanghai", Currency: "CNY", Returns: returns,
		PointTypes: []loyalty.PointType{{Code: "points", Name: "Points", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}}},
		Earning: loyalty.EarningRules{
			Base: []loyalty.BaseRate{{PointType: "points", Points: 1, Per: decimal.NewFromInt(1)}},
			Rules: []loyalty.Rule{
				{ID: "double", Priority: 1, PerLine: true, When: `line.category == "coffee"`,
					Effect: loyalty.Effect{PointType: "points", Multiplier: decimal.NewFromInt(2)}},
				{ID: "bonus", Priority: 2, When: `order.total > 100`, Effect: loyalty.Effect{PointType: "points", Bonus: 50}},
			},
		},
	}
}

func newRefundFixture(t *testing.T, returns loyalty.ReturnMode) *refundFixture {
	t.Helper()
	p, err := loyalty.Compile(refundSpec(returns))
	require.NoError(t, err)
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC))
	store := loyalty.NewMemoryStore()
	f := &refundFixture{ctx: context.Background(), svc: loyalty.NewService(store, opts), store: store, p: p,
		member: loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{7})}}
	f.key = loyalty.AccountKey{Program: p.ID(), Customer: f.member.CustomerID, PointType: "points"}
	f.order = kehu.Order{ID: "SO-1", At: clock.Now(), Currency: "CNY", Lines: []kehu.OrderLine{
		{ID: "A", SKU: "BEANS", Category: "coffee", Quantity: 2, Amount: kehu.MustMoney("100.00", "CNY")},
		{ID: "B", SKU: "LEAF", Category: "tea", Quantity: 1, Amount: kehu.MustMoney("50.00", "CNY")},
	}}
	return f
}

func (f *refundFixture) earn(t *testing.T) loyalty.Entry {
	t.Helper()
	res, err := f.svc.EarnOrder(f.ctx, f.p, f.order, f.member)
	require.NoError(t, err)
	require.Len(t, res.Entries, 1, "an order earns one entry per point type")
	return res.Entries[0]
}

func (f *refundFixture) book(t *testing.T) int64 {
	t.Helper()
	a, err := f.store.Account(f.ctx, f.key)
	require.NoError(t, err)
	require.NoError(t, loyaltytest.CheckInvariants(f.ctx, f.store, f.key))
	return a.Book()
}

func TestEarnOrderEntryHasALotPerLine(t *testing.T) {
	f := newRefundFixture(t, "")
	e := f.earn(t)
	assert.Equal(t, loyalty.KindEarn, e.Kind)
	assert.EqualValues(t, 300, e.Points)
	assert.Equal(t, loyalty.Source{Type: "order", Ref: "SO-1"}, e.Source, "an entry of several lines names none")
	lines := map[string]int64{}
	for _, m := range e.Lots {
		lines[m.Line] += m.Points
	}
	assert.Equal(t, map[string]int64{"A": 200, "B": 50, "": 50}, lines, "one lot per line, and one for the order's bonus")
	assert.Equal(t, []loyalty.RuleAward{{Rule: "base", Points: 150}, {Rule: "double", Points: 100}, {Rule: "bonus", Points: 50}},
		e.Awards, "one award per rule, over all lines, in the earning's order")
	assert.EqualValues(t, 300, f.book(t))
}

func TestRefundTakesBackLineByLine(t *testing.T) {
	f := newRefundFixture(t, "")
	earn := f.earn(t)
	steps := []struct {
		name  string
		lines []loyalty.RefundLine
		takes map[string]int64 // points the refund takes back, by line ("": the order's bonus)
	}{
		{"one of line A's two units, and with it the order's bonus", []loyalty.RefundLine{{Line: "A", Quantity: 1}},
			map[string]int64{"A": 100, "": 50}},
		{"line A's other unit", []loyalty.RefundLine{{Line: "A", Quantity: 1}}, map[string]int64{"A": 100}},
		{"line B", []loyalty.RefundLine{{Line: "B", Quantity: 1}}, map[string]int64{"B": 50}},
		{"the rest of the order: nothing is left", nil, map[string]int64{}},
		{"line A again: it has no units left", []loyalty.RefundLine{{Line: "A", Quantity: 1}}, map[string]int64{}},
	}
	book := int64(300)
	for i, s := range steps {
		out, err := f.svc.Refund(f.ctx, f.p, loyalty.Refund{Customer: f.member.CustomerID, Order: "SO-1", Lines: s.lines, Key: "RF-" + s.name})
		require.NoError(t, err, s.name)
		takes := map[string]int64{}
		for _, r := range out {
			assert.Equal(t, loyalty.KindReverse, r.Kind, s.name)
			assert.Equal(t, earn.ID, r.Reverses, "%s: the reversal points at the order's entry", s.name)
			takes[r.Source.Line] -= r.Points
			book += r.Points
		}
		assert.Equal(t, s.takes, takes, s.name)
		assert.Equal(t, book, f.book(t), "step %d: %s", i, s.name)
	}
	assert.Zero(t, f.book(t))
	_, err := f.svc.Refund(f.ctx, f.p, loyalty.Refund{Customer: f.member.CustomerID, Order: "SO-1", Lines: []loyalty.RefundLine{{Line: "A", Quantity: 3}}, Key: "RF-3"})
	assert.ErrorIs(t, err, kehu.ErrInvalid, "line A never had 3 units")
	_, err = f.svc.Refund(f.ctx, f.p, loyalty.Refund{Customer: f.member.CustomerID, Order: "SO-1", Lines: []loyalty.RefundLine{{Line: "Z", Quantity: 1}}, Key: "RF-Z"})
	assert.ErrorIs(t, err, kehu.ErrNotFound, "the order has no line Z")
}

func TestReverseOrderEntryTakesEveryLot(t *testing.T) {
	f := newRefundFixture(t, "")
	earn := f.earn(t)
	_, err := f.svc.Refund(f.ctx, f.p, loyalty.Refund{Customer: f.member.CustomerID, Order: "SO-1", Lines: []loyalty.RefundLine{{Line: "B", Quantity: 1}}, Key: "RF-B"})
	require.NoError(t, err)
	assert.EqualValues(t, 200, f.book(t), "line B's refund took its 50 and the order's bonus of 50")
	out, err := f.svc.Reverse(f.ctx, f.p, earn.ID, "order cancelled")
	require.NoError(t, err)
	require.Len(t, out, 1)
	assert.EqualValues(t, -200, out[0].Points, "what line B's refund took is not taken twice")
	assert.Len(t, out[0].Lots, 1, "the reversal draws on lot A only")
	assert.Zero(t, f.book(t))
	again, err := f.svc.Reverse(f.ctx, f.p, earn.ID, "again")
	require.NoError(t, err)
	assert.Equal(t, out, again, "a repeated reversal returns the first")

	g := newRefundFixture(t, "")
	earn = g.earn(t)
	_, err = g.svc.Refund(g.ctx, g.p, loyalty.Refund{Customer: g.member.CustomerID, Order: "SO-1", Key: "RF-all"})
	require.NoError(t, err)
	_, err = g.svc.Reverse(g.ctx, g.p, earn.ID, "order cancelled")
	assert.ErrorIs(t, err, loyalty.ErrAlreadyReversed, "a refunded order has nothing left to reverse")
}

func TestRefundOfSpentPointsFollowsTheReturnPolicy(t *testing.T) {
	tests := []struct {
		returns loyalty.ReturnMode
		book    int64 // after spending 280 of 300 and refunding line A (200) and the bonus (50)
	}{
		{loyalty.ReturnDebt, 20 - 250},
		{loyalty.ReturnForgive, 0}, // A's lot gives what it has left; nothing else is touched
	}
	for _, tc := range tests {
		t.Run(string(tc.returns), func(t *testing.T) {
			f := newRefundFixture(t, tc.returns)
			f.earn(t)
			_, err := f.svc.Redeem(f.ctx, f.p, loyalty.Points{Customer: f.member.CustomerID, PointType: "points", Points: 280, Key: "spend"})
			require.NoError(t, err)
			a, err := f.store.Account(f.ctx, f.key)
			require.NoError(t, err)
			var lotA int64 // what lot A and the bonus's lot have left
			for _, l := range a.Lots {
				if l.Earned == 200 || l.Earned == 50 && l.Units == 0 {
					lotA += l.Remaining
				}
			}
			_, err = f.svc.Refund(f.ctx, f.p, loyalty.Refund{Customer: f.member.CustomerID, Order: "SO-1", Lines: []loyalty.RefundLine{{Line: "A", Quantity: 2}}, Key: "RF-A"})
			require.NoError(t, err)
			want := tc.book
			if tc.returns == loyalty.ReturnForgive {
				want = 20 - lotA
			}
			assert.Equal(t, want, f.book(t))
		})
	}
}
