package loyaltytest

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/loyalty"
)

// BenchCappedProgram is the programme of the capped earning benchmark: a base rate of 1
// point per ¥1 and 3 rules that always match — a double-points rule per line and two order
// bonuses — each capped per day and per calendar month.
func BenchCappedProgram(tb testing.TB) *loyalty.Program {
	tb.Helper()
	caps := loyalty.Caps{PerDay: 5_000, PerPeriod: 50_000, Period: loyalty.LimitMonth}
	p, err := loyalty.Compile(loyalty.ProgramSpec{
		ID: "bench-capped", Version: 1, Name: "bench", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{{Code: "points", Name: "Points", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.ExpireEndOfYear, Years: 1}}},
		Earning: loyalty.EarningRules{
			Base: []loyalty.BaseRate{{PointType: "points", Points: 1, Per: decimal.NewFromInt(1)}},
			Rules: []loyalty.Rule{
				{ID: "double", Priority: 1, PerLine: true, When: `line.amount > 0`,
					Effect: loyalty.Effect{PointType: "points", Multiplier: decimal.NewFromInt(2)}, Caps: caps},
				{ID: "bonus", Priority: 2, When: `order.total > 0`, Effect: loyalty.Effect{PointType: "points", Bonus: 50}, Caps: caps},
				{ID: "weekly", Priority: 3, When: `order.total > 0`, Effect: loyalty.Effect{PointType: "points", Bonus: 20}, Caps: caps},
			},
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchEarnCapped earns on BenchOrder under BenchCappedProgram for one member who already
// has prior orders, placed 30 minutes apart from the start of the month, so that every
// capped rule has that many earlier awards in its month. Each iteration earns one more
// order of the member on the last prior order's day: what counts against the caps is read
// and written with it.
func BenchEarnCapped(b *testing.B, newStore func(b *testing.B) loyalty.Store, prior int) {
	p := BenchCappedProgram(b)
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, p.Location())
	opts, clock, _ := kehu.Deterministic(start)
	svc := loyalty.NewService(newStore(b), opts)
	ctx := context.Background()
	m := BenchMember()
	m.CustomerID = benchCustomer(1, 5)
	o := BenchOrder("", clock.Now())
	for i := range prior {
		o.ID, o.At = fmt.Sprintf("PRIOR-%d", i), clock.Now()
		if _, err := svc.EarnOrder(ctx, p, o, m); err != nil {
			b.Fatal(err)
		}
		clock.Advance(30 * time.Minute)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		o.ID, o.At = "SO-"+strconv.Itoa(i), clock.Now()
		if _, err := svc.EarnOrder(ctx, p, o, m); err != nil {
			b.Fatal(err)
		}
	}
}
