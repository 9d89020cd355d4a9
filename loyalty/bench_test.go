package loyalty_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/crm/crmtest"
	"github.com/kehu-crm/kehu/loyalty"
)

func benchProgram(b *testing.B) *loyalty.Program {
	b.Helper()
	p, err := loyalty.NewProgram(loyalty.Program{
		ID: "bench", Version: 1, Name: "bench", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{{Code: "points", Name: "Points", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.ExpireAfter, Months: 12}}},
	})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkRedeem spends one point at a time from an account holding 1,000 lots.
func BenchmarkRedeem(b *testing.B) {
	p := benchProgram(b)
	opts, clock, _ := crmtest.Options(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	member := crm.CustomerIDFrom([16]byte{1})
	for range 1000 {
		if _, err := svc.Earn(ctx, p, loyalty.Points{Customer: member, PointType: "points", Points: 1_000_000}); err != nil {
			b.Fatal(err)
		}
		clock.Advance(time.Hour)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Redeem(ctx, p, loyalty.Points{Customer: member, PointType: "points", Points: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExpireDue1M expires 1,000,000 lots held by 100,000 members (10 lots each).
func BenchmarkExpireDue1M(b *testing.B) {
	p := benchProgram(b)
	const members, lotsEach = 100_000, 10
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		opts, clock, _ := crmtest.Options(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		svc := loyalty.NewService(nil, opts)
		ctx := context.Background()
		for l := range lotsEach {
			for m := range members {
				id := crm.CustomerIDFrom([16]byte{byte(m >> 16), byte(m >> 8), byte(m), 1})
				if _, err := svc.Earn(ctx, p, loyalty.Points{Customer: id, PointType: "points", Points: 100}); err != nil {
					b.Fatal(err)
				}
			}
			clock.Advance(time.Duration(l+1) * time.Hour)
		}
		clock.AddDate(2, 0, 0)
		b.StartTimer()
		rep, err := svc.ExpireDue(ctx, p, clock.Now(), 1000)
		if err != nil || rep.Lots != members*lotsEach {
			b.Fatal(err, rep)
		}
	}
}

// BenchmarkConcurrentSpend redeems in parallel from 1,000 members' balances.
func BenchmarkConcurrentSpend(b *testing.B) {
	p := benchProgram(b)
	opts, _, _ := crmtest.Options(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	const members = 1000
	ids := make([]crm.CustomerID, members)
	for m := range members {
		ids[m] = crm.CustomerIDFrom([16]byte{byte(m >> 8), byte(m), 2})
		for range 5 {
			if _, err := svc.Earn(ctx, p, loyalty.Points{Customer: ids[m], PointType: "points", Points: 100_000_000_000}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			m := ids[(i*7919)%members]
			if _, err := svc.Redeem(ctx, p, loyalty.Points{Customer: m, PointType: "points", Points: 1}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// earnBenchProgram has 20 rules: 4 per line, 16 per order, with conditions on the order,
// the member and the date, one exclusive, some capped.
func earnBenchProgram(b *testing.B) *loyalty.Program {
	b.Helper()
	rules := make([]loyalty.Rule, 0, 20)
	conds := []string{
		`order.total > 100`, `member.birthday_month`, `hasTag("vip")`, `date.weekend`,
		`order.total_minor >= 50000`, `member.tier == "gold"`, `inSegment("champions")`, `date.month == 11`,
	}
	for i := range 20 {
		r := loyalty.Rule{ID: fmt.Sprintf("r%02d", i), Name: fmt.Sprintf("rule %d", i), Priority: i + 1,
			When: conds[i%len(conds)], Effect: loyalty.Effect{PointType: "points", Bonus: int64(10 + i)}}
		if i < 4 {
			r.PerLine = true
			r.When = `line.amount > 10 && hasCategory("coffee")`
			r.Effect = loyalty.Effect{PointType: "points", Multiplier: decimal.NewFromInt(1)}
		}
		if i%5 == 4 {
			r.Caps = loyalty.Caps{PerOrder: 100}
		}
		rules = append(rules, r)
	}
	p, err := loyalty.NewProgram(loyalty.Program{
		ID: "bench-earn", Version: 1, Name: "bench", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{{Code: "points", Name: "Points", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.ExpireEndOfYear, Years: 1}}},
		Earning: loyalty.EarningRules{
			Base:  []loyalty.BaseRate{{PointType: "points", Points: 1, Per: decimal.NewFromInt(1)}},
			Rules: rules,
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func benchOrder(i int, at time.Time) loyalty.Order {
	o := loyalty.Order{ID: fmt.Sprintf("SO-%d", i), At: at, Currency: "CNY"}
	for l := range 5 {
		o.Lines = append(o.Lines, loyalty.OrderLine{ID: fmt.Sprint(l), SKU: fmt.Sprintf("SKU-%d", l),
			Category: []string{"coffee", "tea", "homeware"}[l%3], Quantity: 1, Amount: crm.MustMoney("128.50", "CNY")})
	}
	return o
}

// BenchmarkPreview evaluates an order of 5 lines against a programme of 20 rules.
func BenchmarkPreview(b *testing.B) {
	p := earnBenchProgram(b)
	m := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{3}), Tier: "gold", Tags: []string{"vip"},
		Segments: []string{"champions"}, BirthDate: crm.MustDate(1990, time.November, 2)}
	o := benchOrder(1, time.Date(2026, 11, 14, 3, 0, 0, 0, time.UTC))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Preview(o, m, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEarn earns on an order of 5 lines against a programme of 20 rules and writes
// the entries: preview, idempotency check, lots and entries for every award.
func BenchmarkEarn(b *testing.B) {
	p := earnBenchProgram(b)
	opts, clock, _ := crmtest.Options(time.Date(2026, 11, 14, 3, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	m := loyalty.Member{Tier: "gold", Tags: []string{"vip"}, Segments: []string{"champions"},
		BirthDate: crm.MustDate(1990, time.November, 2)}
	o := benchOrder(0, clock.Now())
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		m.CustomerID = crm.CustomerIDFrom([16]byte{byte(i >> 16), byte(i >> 8), byte(i), 4})
		o.ID = "SO-" + strconv.Itoa(i) // the host's order arrives built; only its ID differs
		if _, err := svc.EarnOrder(ctx, p, o, m, ""); err != nil {
			b.Fatal(err)
		}
	}
}
