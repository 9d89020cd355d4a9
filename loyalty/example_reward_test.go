package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// exampleRewards returns a service over a memory store with a fixed clock, the retail
// programme, a member with 1,000 points, and a catalogue of one reward: a coffee voucher
// for 300 points, 10 in stock, whose confirmation issues a single-use coupon.
func exampleRewards() (context.Context, *loyalty.Service, *loyalty.Program, crm.CustomerID) {
	ctx := context.Background()
	opts, _, ids := kehu.Deterministic(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	p, err := loyalty.Compile(loyalty.ProgramSpec{
		ID: "retail", Version: 1, Name: "Retail Club", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{{Code: "points", Name: "积分", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.ExpireEndOfYear, Years: 1}, ValuePerPoint: decimal.RequireFromString("0.01")}},
	})
	if err != nil {
		panic(err)
	}
	member := crm.CustomerIDFrom(ids.NewID())
	if _, err := svc.Earn(ctx, p, loyalty.Points{Customer: member, PointType: "points", Points: 1000, Key: "SO-1"}); err != nil {
		panic(err)
	}
	err = svc.PutReward(ctx, p, loyalty.Reward{ID: "coffee", Name: "Coffee voucher", PointType: "points", Points: 300,
		Stock: 10, PerCustomer: 2, Coupon: &loyalty.CouponSpec{Prefix: "CAFE", Uses: 1, ValidDays: 30}})
	if err != nil {
		panic(err)
	}
	return ctx, svc, p, member
}

// A checkout reserves a reward, which takes a unit from stock and holds its points while
// payment runs; confirming it spends the points for good and issues a coupon with an
// unguessable code.
func ExampleService_Confirm() {
	ctx, svc, p, member := exampleRewards()
	balance := func() int64 { b, _ := svc.Balance(ctx, p, member, "points"); return b.Available }

	res, err := svc.Reserve(ctx, p, loyalty.Reserve{Customer: member, Reward: "coffee", Units: 1, Key: "checkout-42"})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %d points held, %d available\n", res.Status, res.Points, balance())

	res, err = svc.Confirm(ctx, p, res.ID)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %d available\n", res.Status, balance())
	// The code is random: show its shape, not the code.
	fmt.Printf("coupon: %d characters, prefix %s\n", len(res.Coupon), strings.SplitN(res.Coupon, "-", 2)[0])

	// A member types it in lower case: it is read all the same, once.
	c, err := svc.RedeemCoupon(ctx, p, loyalty.CouponUse{Code: strings.ToLower(res.Coupon), Key: "SO-1001"})
	if err != nil {
		panic(err)
	}
	fmt.Println("uses left:", c.UsesLeft)
	_, err = svc.RedeemCoupon(ctx, p, loyalty.CouponUse{Code: res.Coupon, Key: "SO-1002"})
	fmt.Println(errors.Is(err, loyalty.ErrCouponUsedUp))
	// Output:
	// reserved: 300 points held, 700 available
	// confirmed: 700 available
	// coupon: 22 characters, prefix CAFE
	// uses left: 0
	// true
}

// A checkout whose payment fails cancels its reservation: the held points go back to the
// lots they came from, with their original expiry, and the unit goes back to stock.
func ExampleService_Cancel() {
	ctx, svc, p, member := exampleRewards()
	balance := func() int64 { b, _ := svc.Balance(ctx, p, member, "points"); return b.Available }
	stock := func() int64 { r, _ := svc.Reward(ctx, p, "coffee"); return r.Stock }

	res, err := svc.Reserve(ctx, p, loyalty.Reserve{Customer: member, Reward: "coffee", Units: 2, Key: "checkout-43"})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %d available, %d in stock\n", res.Status, balance(), stock())

	res, err = svc.Cancel(ctx, p, res.ID, "payment declined")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %d available, %d in stock\n", res.Status, balance(), stock())

	// The checkout retries with the same key: the answer is the same reservation.
	res, _ = svc.Reserve(ctx, p, loyalty.Reserve{Customer: member, Reward: "coffee", Units: 2, Key: "checkout-43"})
	fmt.Println(res.Status)
	// Output:
	// reserved: 400 available, 8 in stock
	// cancelled: 1000 available, 10 in stock
	// cancelled
}
