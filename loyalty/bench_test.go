package loyalty_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/loyalty/loyaltytest"
)

// The memory store's benchmarks: the workloads of loyaltytest, which a host's store runs
// too, plus Preview (no store) and ExpireDue over a million lots.

func memoryStore(*testing.B) loyalty.Store { return loyalty.NewMemoryStore() }

// BenchmarkRedeem spends one point at a time from an account holding 10 to 10,000 lots:
// the cost of a spend must not grow with the lots it does not draw on.
func BenchmarkRedeem(b *testing.B) {
	for _, lots := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("lots=%d", lots), func(b *testing.B) { loyaltytest.BenchRedeem(b, memoryStore, lots) })
	}
}

// BenchmarkConcurrentSpend redeems in parallel from 1,000 members' balances.
func BenchmarkConcurrentSpend(b *testing.B) { loyaltytest.BenchConcurrentSpend(b, memoryStore, 1000) }

// BenchmarkEarn earns on an order of 5 lines against a programme of 20 rules and writes
// the entries: preview, idempotency check, lots and entries for every award.
func BenchmarkEarn(b *testing.B) { loyaltytest.BenchEarn(b, memoryStore) }

// BenchmarkPreview evaluates an order of 5 lines against a programme of 20 rules.
func BenchmarkPreview(b *testing.B) {
	p := loyaltytest.BenchEarnProgram(b)
	m := loyaltytest.BenchMember()
	m.CustomerID = crm.CustomerIDFrom([16]byte{3})
	o := loyaltytest.BenchOrder("SO-1", time.Date(2026, 11, 14, 3, 0, 0, 0, time.UTC))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Preview(o, m, loyalty.Standing{}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExpireDue1M expires 1,000,000 lots held by 100,000 members (10 lots each).
func BenchmarkExpireDue1M(b *testing.B) {
	p := loyaltytest.BenchSpendProgram(b)
	const members, lotsEach = 100_000, 10
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		opts, clock, _ := kehu.Deterministic(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		svc := loyalty.NewService(nil, opts)
		ctx := context.Background()
		for l := range lotsEach {
			for m := range members {
				id := crm.CustomerIDFrom([16]byte{byte(m >> 16), byte(m >> 8), byte(m), 1})
				if _, err := svc.Earn(ctx, p, loyalty.Points{Customer: id, PointType: "points", Points: 100, Key: uuid.NewString()}); err != nil {
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

// BenchmarkEarnCapped earns one more order for a member with 1,000 prior orders this month,
// under a programme of 3 rules capped per day and per month.
func BenchmarkEarnCapped(b *testing.B) { loyaltytest.BenchEarnCapped(b, memoryStore, 1000) }
