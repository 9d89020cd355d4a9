package segment_test

import (
	"fmt"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm/fake"
	"github.com/kehu-crm/kehu/segment"
)

// A host's orders are kehu.Order values; Orders feeds them to SummarizeSeq (or
// AnalyzeBaskets, or Contribution) with no glue. Here they come from crm/fake: a year of
// orders of 1,000 customers, summarised in weeks and scored RFM.
func ExampleOrders() {
	g := fake.MustNew(42, nil)
	txns, ordersErr := segment.Orders(g.Orders(1000, nil))
	sums, err := segment.SummarizeSeq(txns, segment.Options{
		Period:         segment.Week,
		ObservationEnd: g.Options().End.Add(-time.Nanosecond),
	})
	if err == nil {
		err = ordersErr() // a bad order stops the sequence: check after the consumer
	}
	if err != nil {
		panic(err)
	}
	repeat := 0
	for _, s := range sums {
		if s.Frequency > 0 {
			repeat++
		}
	}
	fmt.Println(len(sums), "customers,", repeat, "repeat buyers")

	scores, err := segment.RFM(sums, nil)
	if err != nil {
		panic(err)
	}
	champions := 0
	for _, s := range scores {
		if s.Segment == "Champions" {
			champions++
		}
	}
	fmt.Println(champions, "champions")
	// Output:
	// 1000 customers, 415 repeat buyers
	// 201 champions
}

// FromOrder converts one order; a bad one is a *kehu.ValidationError naming the field.
func ExampleFromOrder() {
	o := kehu.Order{
		ID: "SO-1", At: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC), Currency: "CNY",
		Lines: []kehu.OrderLine{
			{ID: "1", SKU: "GR-TEA-001", Quantity: 2, Amount: kehu.MustMoney("136.00", "CNY")},
			{ID: "2", SKU: "HM-MUG-001", Quantity: 1, Amount: kehu.MustMoney("29.90", "USD")},
		},
	}
	_, err := segment.FromOrder(o)
	fmt.Println(err)

	o.CustomerID, _ = kehu.ParseCustomerID("0190f3a2-0000-7000-8000-000000000001")
	o.Lines[1].Amount = kehu.MustMoney("29.90", "CNY")
	tx, err := segment.FromOrder(o)
	if err != nil {
		panic(err)
	}
	fmt.Println(tx.Customer, tx.Amount.StringFixed(2), len(tx.Lines), "lines")
	// Output:
	// invalid input: customer_id: is empty (required); lines[1].amount: is in USD, the order in CNY (currency)
	// 0190f3a2-0000-7000-8000-000000000001 165.90 2 lines
}
