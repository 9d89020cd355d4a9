package fake_test

import (
	"fmt"

	"github.com/kehu-crm/kehu"
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

	for _, tx := range g.CustomerTransactions(0) {
		fmt.Println(tx.OrderID, tx.At.Format("2006-01-02"), tx.Amount)
		for _, l := range tx.Lines {
			fmt.Printf("  %s × %d = %s\n", l.SKU, l.Quantity, l.Amount)
		}
	}
	// Output:
	// 马雅娜 Ma Yana
	// +86 151 8923 4949
	// +8615189234949 1104891223@qq.com
	// SO00000000-001 2025-02-04 23.50 CNY
	//   GR-GUM-001 × 3 = 10.50 CNY
	//   GR-SPD-001 × 1 = 5.00 CNY
	//   GR-CUP-001 × 1 = 5.50 CNY
	//   OF-BPN-001 × 1 = 1.50 CNY
	//   OF-ERS-001 × 1 = 1.00 CNY
}

// Transactions streams the orders of many customers without holding them in memory.
func ExampleGenerator_Transactions() {
	g := fake.MustNew(42, nil)
	orders, revenue := 0, kehu.ZeroMoney("CNY")
	for tx := range g.Transactions(1000) {
		orders++
		revenue, _ = revenue.Add(tx.Amount)
	}
	fmt.Println(orders, "orders,", revenue)
	// Output:
	// 2155 orders, 74637.80 CNY
}
