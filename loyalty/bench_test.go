package loyalty_test

import (
	"context"
	"testing"
	"time"

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
			if _, err := svc.Earn(ctx, p, loyalty.Points{Customer: ids[m], PointType: "points", Points: 1 << 40}); err != nil {
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
