package kehu

import (
	"fmt"
	"time"
)

// Order is a customer's purchase as the host records it, the one order type of the
// library: loyalty earns and refunds points on it (line by line, by line ID), segment
// summarises orders into purchase histories and mines their lines for baskets, and
// crm/fake generates them. A host converts its own order to this shape once.
type Order struct {
	// ID is the host's order ID, unique across its customers.
	ID string `json:"id"`
	// CustomerID is the buyer.
	CustomerID CustomerID `json:"customer_id,omitzero"`
	// At is when the order was placed; calendar rules read it in their own time zone.
	At time.Time `json:"at"`
	// Currency is the ISO 4217 code of the amounts.
	Currency string      `json:"currency"`
	Lines    []OrderLine `json:"lines"`
	// Channel and Store are free-form ("app", "store", "SH-001").
	Channel string `json:"channel,omitempty"`
	Store   string `json:"store,omitempty"`
}

// OrderLine is one line of an order.
type OrderLine struct {
	// ID identifies the line within the order, so that a refund of the line names it.
	ID       string `json:"id"`
	SKU      string `json:"sku,omitempty"`
	Category string `json:"category,omitempty"`
	// Quantity is the number of units, 1 or more.
	Quantity int64 `json:"quantity"`
	// Amount is the line total after discounts, 0 or more, in the order's currency.
	Amount Money `json:"amount"`
}

// Total returns the sum of the line amounts, exactly, in the order's currency. A line in
// another currency is a *ValidationError naming it ("lines[2].amount").
func (o Order) Total() (Money, error) {
	cur, err := ParseCurrency(o.Currency)
	if err != nil {
		return Money{}, err
	}
	total := ZeroMoney(cur)
	for i, l := range o.Lines {
		if l.Amount.Currency() != cur {
			return Money{}, Invalid(fmt.Sprintf("lines[%d].amount", i), "currency",
				fmt.Sprintf("is in %s, the order in %s", l.Amount.Currency(), cur))
		}
		if total, err = total.Add(l.Amount); err != nil {
			return Money{}, err
		}
	}
	return total, nil
}
