package loyaltytest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/loyalty/loyaltytest"
)

// CheckInvariants reads an account and its entries and reports every broken rule of the
// ledger. Here it passes after an earning and a redemption through the service, then
// catches a store that changed a lot without writing an entry.
func ExampleCheckInvariants() {
	ctx := context.Background()
	opts, clock, ids := kehu.Deterministic(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	store := loyalty.NewMemoryStore()
	svc := loyalty.NewService(store, opts)
	p, err := loyalty.Compile(loyalty.ProgramSpec{
		ID: "retail", Version: 1, Name: "Retail Club", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{{
			Code: "points", Name: "Points", Kind: loyalty.Spendable,
			Expiry:        loyalty.ExpiryPolicy{Kind: loyalty.ExpireEndOfYear, Years: 1},
			ValuePerPoint: decimal.RequireFromString("0.01"),
		}},
	})
	if err != nil {
		panic(err)
	}
	member := crm.CustomerIDFrom(ids.NewID())
	key := loyalty.AccountKey{Program: p.ID(), Customer: member, PointType: "points"}

	if _, err := svc.Earn(ctx, p, loyalty.Points{Customer: member, PointType: "points", Points: 100, Key: "SO-1"}); err != nil {
		panic(err)
	}
	clock.AddDate(0, 0, 1)
	if _, err := svc.Redeem(ctx, p, loyalty.Points{Customer: member, PointType: "points", Points: 30, Key: "RD-1"}); err != nil {
		panic(err)
	}
	bal, _ := svc.Balance(ctx, p, member, "points")
	fmt.Println("available:", bal.Available)
	fmt.Println("invariants:", loyaltytest.CheckInvariants(ctx, store, key))

	// A faulty write: five points appear in a lot with no entry to account for them.
	_ = store.Update(ctx, []loyalty.AccountKey{key}, loyalty.Need{All: true}, func(a []*loyalty.Account) (*loyalty.Commit, error) {
		a[0].Lots[0].Remaining += 5
		return &loyalty.Commit{}, nil
	})
	fmt.Println(loyaltytest.CheckInvariants(ctx, store, key))
	// Output:
	// available: 70
	// invariants: <nil>
	// account retail/00000000-0000-7000-8000-000000000001/points: book balance Σ lot remainders − debt = 75 − 0 = 75, but Σ entries' Points = 70
	// account retail/00000000-0000-7000-8000-000000000001/points: lot 00000000-0000-7000-8000-000000000003 has Remaining 75, but Σ entries' moves on it = 70
}
