package fake_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/crm/fake"
)

// A generator is built from a seed: customer 0 is the same on every run.
func Example() {
	g := fake.MustNew(42, nil)

	p := g.Profile(0)
	fmt.Println(p.Name.Display, p.Name.Phonetic)
	fmt.Println(p.Phones[0].Number)
	if err := p.Normalize("CN"); err != nil { // what crm.Service does on create
		panic(err)
	}
	fmt.Println(p.Phones[0].Number, p.Emails[0].Address)

	// The profile has no ID until a host stores it; CustomerID(0) stands in for it here.
	for _, o := range g.CustomerOrders(0, g.CustomerID(0)) {
		total, err := o.Total()
		if err != nil {
			panic(err)
		}
		fmt.Println(o.ID, o.At.Format("2006-01-02"), total)
		for _, l := range o.Lines {
			fmt.Printf("  %s %s × %d = %s\n", l.ID, l.SKU, l.Quantity, l.Amount)
		}
	}
	// Output:
	// 马雅娜 Ma Yana
	// +86 151 8923 4949
	// +8615189234949 1104891223@qq.com
	// SO00000000-001 2025-02-04 23.50 CNY
	//   1 GR-GUM-001 × 3 = 10.50 CNY
	//   2 GR-SPD-001 × 1 = 5.00 CNY
	//   3 GR-CUP-001 × 1 = 5.50 CNY
	//   4 OF-BPN-001 × 1 = 1.50 CNY
	//   5 OF-ERS-001 × 1 = 1.00 CNY
}

// Orders streams the orders of many customers without holding them in memory. A nil
// func gives customer i the ID CustomerID(i); a harness that has stored the customers
// passes their IDs instead.
func ExampleGenerator_Orders() {
	g := fake.MustNew(42, nil)
	orders, revenue := 0, kehu.ZeroMoney("CNY")
	for o := range g.Orders(1000, nil) {
		orders++
		total, err := o.Total()
		if err != nil {
			panic(err)
		}
		if revenue, err = revenue.Add(total); err != nil {
			panic(err)
		}
	}
	fmt.Println(orders, "orders,", revenue)
	// Output:
	// 2155 orders, 74637.80 CNY
}

// A harness stores the generated customers first (crm.Service assigns their IDs), then
// generates their orders under those IDs.
func ExampleGenerator_Orders_storedCustomers() {
	g := fake.MustNew(42, nil)
	opts, _, _ := kehu.Deterministic(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	svc := crm.NewService(nil, opts)
	ctx := context.Background()

	const n = 3
	ids := make([]kehu.CustomerID, n)
	for i, p := range g.ProfilesSeq(n) {
		c, err := svc.CreateCustomer(ctx, p, nil)
		if err != nil {
			panic(err)
		}
		ids[i] = c.ID
	}
	orders := map[kehu.CustomerID]int{}
	for o := range g.Orders(n, func(i int) kehu.CustomerID { return ids[i] }) {
		orders[o.CustomerID]++
	}
	for _, id := range ids {
		c, err := svc.GetCustomer(ctx, id)
		if err != nil {
			panic(err)
		}
		fmt.Println(c.Name.Display, orders[id])
	}
	// Output:
	// 马雅娜 1
	// Emma Rodriguez 2
	// Isabella Johnson 7
}
