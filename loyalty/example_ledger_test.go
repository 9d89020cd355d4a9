package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// The retail programme: 1 point per ¥1, double points in the birthday month, Silver, Gold
// and Platinum by 12-month spend, points expire at the end of the year after earning.
func Example_retail() {
	p, err := loyalty.LoadProgram(strings.NewReader(`{
	  "id": "retail-cn", "version": 1, "name": "Retail Rewards", "time_zone": "Asia/Shanghai", "currency": "CNY",
	  "point_types": [{"code": "points", "name": "积分", "kind": "spendable",
	                   "expiry": {"kind": "end_of_year", "years": 1}, "value_per_point": "0.01"}],
	  "earning": {
	    "base":  [{"point_type": "points", "points": 1, "per": "1"}],
	    "rules": [{"id": "birthday", "name": "Double points in the birthday month", "priority": 1,
	               "when": "member.birthday_month", "effect": {"point_type": "points", "multiplier": "2"}}]
	  },
	  "tiers": {
	    "levels": [{"code": "member", "name": "会员"}, {"code": "silver", "name": "银卡", "spend": "2000"},
	               {"code": "gold", "name": "金卡", "spend": "8000"}, {"code": "platinum", "name": "白金卡", "spend": "20000"}],
	    "window": {"kind": "rolling_months", "months": 12}, "review": "anniversary", "max_drop": 1
	  }
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 4, 3, 2, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	member := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{1}), BirthDate: kehu.MustDate(1990, time.April, 17)}

	o := kehu.Order{ID: "SO-1", At: clock.Now(), Currency: "CNY", Lines: []kehu.OrderLine{
		{ID: "1", SKU: "TEA-01", Category: "tea", Quantity: 2, Amount: kehu.MustMoney("2288.80", "CNY")},
		{ID: "2", SKU: "CUP-01", Category: "homeware", Quantity: 1, Amount: kehu.MustMoney("99.90", "CNY")},
	}}
	res, _ := svc.EarnOrder(ctx, p, o, member)
	fmt.Println("earned:", res.Earning.Total("points"))
	again, _ := svc.EarnOrder(ctx, p, o, member) // the order event replayed
	fmt.Println("replayed earns again:", again.Entries[0].ID != res.Entries[0].ID)

	b, _ := svc.Balance(ctx, p, member.CustomerID, "points")
	fmt.Println("available:", b.Available, "expiring", b.ExpiringNext, "on", b.NextExpiry.In(p.Location()).Format("2006-01-02"))
	st, _ := svc.EvaluateTier(ctx, p, member.CustomerID)
	fmt.Printf("tier: %s, %s more for %s\n", st.State.Tier, st.Next.Spend, st.Next.Tier)

	_, err = svc.Redeem(ctx, p, loyalty.Points{Customer: member.CustomerID, PointType: "points", Points: 5000, Key: "gift-1"})
	fmt.Println(errors.Is(err, loyalty.ErrInsufficientPoints))

	// Line 1 is returned: exactly the points it earned come back.
	_, _ = svc.Refund(ctx, p, loyalty.Refund{Customer: member.CustomerID, Order: "SO-1", Lines: []loyalty.RefundLine{{Line: "1", Quantity: 2}}, Key: "RF-1"})
	b, _ = svc.Balance(ctx, p, member.CustomerID, "points")
	fmt.Println("after refund:", b.Available)
	// Output:
	// earned: 4774
	// replayed earns again: false
	// available: 4774 expiring 4774 on 2028-01-01
	// tier: silver, 5611.30 CNY more for gold
	// true
	// after refund: 198
}

// An order that takes a member to a new tier says so: EarnOrder's result carries where the
// member stands after it and the upgrade it brought, which a replay of the order does not
// report again.
func ExampleService_EarnOrder() {
	p := loyalty.MustLoadProgram(`{
	  "id": "shop", "version": 1, "name": "Shop Rewards", "time_zone": "Asia/Shanghai", "currency": "CNY",
	  "point_types": [{"code": "points", "name": "积分", "kind": "spendable", "expiry": {"kind": "never"}}],
	  "earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}]},
	  "tiers": {
	    "levels": [{"code": "member", "name": "会员"}, {"code": "silver", "name": "银卡", "spend": "1000"},
	               {"code": "gold", "name": "金卡", "spend": "5000"}],
	    "window": {"kind": "calendar_year"}, "review": "calendar_year"
	  }
	}`)
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 5, 20, 4, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	member := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{2})}
	orders := []kehu.Order{
		{ID: "SO-1", At: clock.Now(), Currency: "CNY", Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("420.00", "CNY")}}},
		{ID: "SO-2", At: clock.Now().Add(24 * time.Hour), Currency: "CNY", Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("688.50", "CNY")}}},
	}
	for _, o := range orders {
		clock.Set(o.At)
		res, err := svc.EarnOrder(ctx, p, o, member)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s spent this year, tier %s", o.ID, res.Tier.Spent, res.Tier.Level.Name)
		if up := res.Upgrade; up != nil {
			fmt.Printf(" (up from %s)", up.From)
		}
		fmt.Printf("; %s more for %s\n", res.Tier.Next.Spend, res.Tier.Next.Tier)
	}
	again, _ := svc.EarnOrder(ctx, p, orders[1], member) // the order event delivered twice
	fmt.Println("SO-2 replayed, upgrade reported again:", again.Upgrade != nil)
	// Output:
	// SO-1: 420.00 CNY spent this year, tier 会员; 580.00 CNY more for silver
	// SO-2: 1108.50 CNY spent this year, tier 银卡 (up from member); 3891.50 CNY more for gold
	// SO-2 replayed, upgrade reported again: false
}

// The airline programme: award miles to spend and status miles for tiers, kept apart;
// a partner hotel whose points convert into award miles.
func Example_airline() {
	p := loyalty.MustLoadProgram(`{
	  "id": "skymiles", "version": 1, "name": "Sky Miles", "time_zone": "Asia/Shanghai", "currency": "CNY",
	  "point_types": [
	    {"code": "award", "name": "Award miles", "kind": "spendable", "expiry": {"kind": "after", "months": 36}, "value_per_point": "0.05"},
	    {"code": "status", "name": "Status miles", "kind": "qualifying", "expiry": {"kind": "never"}}
	  ],
	  "earning": {"base": [{"point_type": "award", "points": 5, "per": "1"}, {"point_type": "status", "points": 1, "per": "1"}],
	              "rules": [{"id": "hotel-stay", "name": "Partner hotel stays", "priority": 1,
	                         "when": "order.channel == \"partner-hotel\"", "effect": {"point_type": "award", "bonus": 500}}]},
	  "tiers": {"levels": [{"code": "blue", "name": "Blue"}, {"code": "silver", "name": "Silver", "points": 25000},
	                       {"code": "gold", "name": "Gold", "points": 50000}],
	            "qualifying_type": "status", "window": {"kind": "calendar_year"}, "review": "calendar_year"},
	  "partners": [{"id": "grand-hotels", "name": "Grand Hotels", "point_type": "award", "in_rate": "0.5"}]
	}`)
	opts, _, _ := kehu.Deterministic(time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	flyer := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{2})}

	flight := kehu.Order{ID: "PNR-ABC123", At: time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC), Currency: "CNY",
		Lines: []kehu.OrderLine{{ID: "PEK-SHA", SKU: "Y", Category: "flight", Quantity: 1, Amount: kehu.MustMoney("26000", "CNY")}}}
	_, _ = svc.EarnOrder(ctx, p, flight, flyer)
	stay := kehu.Order{ID: "GH-778", At: flight.At, Currency: "CNY", Channel: "partner-hotel",
		Lines: []kehu.OrderLine{{ID: "room", SKU: "KING", Category: "hotel", Quantity: 2, Amount: kehu.MustMoney("1600", "CNY")}}}
	_, _ = svc.EarnOrder(ctx, p, stay, flyer)
	_, _ = svc.ExchangeIn(ctx, p, loyalty.Exchange{Partner: "grand-hotels", Customer: flyer.CustomerID, Points: 10000, Ref: "GH-PTS-1"})

	award, _ := svc.Balance(ctx, p, flyer.CustomerID, "award")
	status, _ := svc.Balance(ctx, p, flyer.CustomerID, "status")
	st, _ := svc.EvaluateTier(ctx, p, flyer.CustomerID)
	fmt.Println("award miles:", award.Available, "status miles:", status.Available, "tier:", st.State.Tier)
	_, err := svc.Redeem(ctx, p, loyalty.Points{Customer: flyer.CustomerID, PointType: "status", Points: 100, Key: "spend-status-1"})
	fmt.Println("status miles are not spendable:", errors.Is(err, kehu.ErrInvalid))
	// Output:
	// award miles: 143500 status miles: 27600 tier: silver
	// status miles are not spendable: true
}
