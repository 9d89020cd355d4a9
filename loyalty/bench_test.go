package loyalty_test

import (
	"context"
	"fmt"
	"strings"
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

// BenchmarkBalance reads the balance of a member who earned 10 to 10,000 lots and spent
// all but 10: the cost of a balance must not grow with the lots spent.
func BenchmarkBalance(b *testing.B) {
	for _, lots := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("lots=%d", lots), func(b *testing.B) { loyaltytest.BenchBalance(b, memoryStore, lots) })
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

// BenchmarkEarnOrderHistory earns an order for a member of a tiered programme who already
// placed 10, 100 or 1,000 orders, one every 20 hours before it, under a calendar-year
// window, a membership-year window and a rolling window of 12 months (Asia/Shanghai). The
// tier figures of the window (spend, purchases, qualifying points) are read and the upgrade
// checked on every order: the cost must not grow with the orders that came before. Each
// iteration adds one order to one of 16 members, so run it with a fixed count to keep their
// histories near the size named:
//
//	go test ./loyalty -run '^$' -bench EarnOrderHistory -benchtime 400x
func BenchmarkEarnOrderHistory(b *testing.B) {
	windows := []struct{ name, window, review string }{
		{"calendar_year", `{"kind": "calendar_year"}`, "calendar_year"},
		{"anniversary_year", `{"kind": "anniversary_year"}`, "anniversary"},
		{"rolling_12", `{"kind": "rolling_months", "months": 12}`, "anniversary"},
	}
	for _, w := range windows {
		p, err := loyalty.LoadProgram(strings.NewReader(`{
  "id": "bench-tiers", "version": 1, "name": "bench", "time_zone": "Asia/Shanghai", "currency": "CNY",
  "point_types": [
    {"code": "points", "name": "Points", "kind": "spendable", "expiry": {"kind": "end_of_year", "years": 1}},
    {"code": "status", "name": "Status", "kind": "qualifying", "expiry": {"kind": "never"}}],
  "earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}, {"point_type": "status", "points": 1, "per": "10"}]},
  "tiers": {"qualifying_type": "status", "window": ` + w.window + `, "review": "` + w.review + `", "max_drop": 1,
    "levels": [{"code": "member", "name": "Member"}, {"code": "silver", "name": "Silver", "spend": "20000", "points": 2000},
      {"code": "gold", "name": "Gold", "spend": "80000", "points": 8000}]}}`))
		if err != nil {
			b.Fatal(err)
		}
		for _, orders := range []int{10, 100, 1000} {
			b.Run(fmt.Sprintf("window=%s/orders=%d", w.name, orders), func(b *testing.B) {
				opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
				svc := loyalty.NewService(nil, opts)
				ctx := context.Background()
				members := make([]crm.CustomerID, 16)
				for i := range members {
					members[i] = crm.CustomerIDFrom([16]byte{byte(i + 1), 0xbe})
				}
				n := 0
				earn := func(m crm.CustomerID) {
					n++
					o := kehu.Order{ID: fmt.Sprintf("SO-%d", n), CustomerID: m, At: clock.Now(), Currency: "CNY",
						Lines: []kehu.OrderLine{{ID: "1", SKU: "A", Quantity: 1, Amount: kehu.MustMoney("38.00", "CNY")},
							{ID: "2", SKU: "B", Quantity: 2, Amount: kehu.MustMoney("61.50", "CNY")}}}
					if _, err := svc.EarnOrder(ctx, p, o, loyalty.Member{CustomerID: m}); err != nil {
						b.Fatal(err)
					}
				}
				for range orders {
					for _, m := range members {
						earn(m)
					}
					clock.Advance(20 * time.Hour)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					earn(members[i%len(members)])
					clock.Advance(time.Minute)
				}
			})
		}
	}
}
