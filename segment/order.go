package segment

import (
	"fmt"
	"iter"

	"github.com/kehu-crm/kehu"
)

// FromOrder returns the transaction of a kehu.Order, the order type a host records and
// crm/fake generates: Customer is o.CustomerID.String(), At is o.At, Amount is o.Total()
// (exact; a Transaction keeps no currency, so the caller keeps one currency across a
// dataset, which Orders checks), and Lines are o's lines with their SKU, category,
// quantity and amount (nil for an order with no lines).
//
// An order with no customer, an unknown currency or a line in another currency is a
// *kehu.ValidationError naming every such field at once ("customer_id", "currency",
// "lines[2].amount"). What Summarize judges, FromOrder leaves to it: an order at the zero
// time or with a negative amount converts, and is rejected there with its reason.
func FromOrder(o kehu.Order) (Transaction, error) {
	t, _, err := fromOrder(o, "")
	return t, err
}

// fromOrder is FromOrder with the customer's text given, when the caller already has it,
// that also returns the order's currency.
func fromOrder(o kehu.Order, customer string) (Transaction, kehu.Currency, error) {
	var p kehu.Problems
	if o.CustomerID.IsZero() {
		p.Add("customer_id", "required", "is empty")
	} else if customer == "" {
		customer = o.CustomerID.String()
	}
	total, err := o.Total()
	p.Merge("", err)
	if err := p.Err(); err != nil {
		return Transaction{}, "", err
	}
	t := Transaction{Customer: customer, At: o.At, Amount: total.Amount()}
	if len(o.Lines) > 0 {
		t.Lines = make([]Line, len(o.Lines))
		for i, l := range o.Lines {
			t.Lines[i] = Line{SKU: l.SKU, Category: l.Category, Quantity: l.Quantity, Amount: l.Amount.Amount()}
		}
	}
	return t, total.Currency(), nil
}

// Orders adapts a sequence of orders to the sequence of transactions that SummarizeSeq,
// SummarizeReport, AnalyzeBaskets and Contribution read, converting each order with
// FromOrder. Like bufio.Scanner, it stops at the first order it cannot convert, and err
// reports why after the loop: nil if every order converted (or none has been read yet),
// else a *kehu.ValidationError whose fields are prefixed with the order's place in the
// sequence ("orders[3].customer_id"), wrapped with the order's ID. The first order's
// currency is the dataset's: an order in another currency stops the sequence too
// ("orders[7].currency"), since a Transaction's amount keeps no currency.
//
// Check err after the consumer returns, because a consumer sees a stopped sequence as a
// short one:
//
//	txns, err := segment.Orders(orders)
//	sums, serr := segment.SummarizeSeq(txns, opts)
//	if e := err(); e != nil {
//		return e // the orders were not all read: sums covers only those before the bad one
//	}
//
// Each pass over the returned sequence reads orders afresh and resets err. Consecutive
// orders of one customer share the customer's text, so a customer's repeat orders cost
// only their lines. Range over the sequence from one goroutine at a time, and call err
// from that goroutine.
func Orders(orders iter.Seq[kehu.Order]) (txns iter.Seq[Transaction], err func() error) {
	var stop error
	txns = func(yield func(Transaction) bool) {
		stop = nil
		if orders == nil {
			return
		}
		var (
			cur      kehu.Currency
			last     kehu.CustomerID
			customer string
			k        int
		)
		for o := range orders {
			if o.CustomerID != last {
				last, customer = o.CustomerID, ""
			}
			t, c, err := fromOrder(o, customer)
			switch {
			case err != nil:
			case k == 0:
				cur = c
			case c != cur:
				err = kehu.Invalid("currency", "currency", fmt.Sprintf("is %s, the orders before it in %s", c, cur))
			}
			if err != nil {
				var p kehu.Problems
				p.Merge(fmt.Sprintf("orders[%d]", k), err)
				stop = fmt.Errorf("segment: order %q: %w", o.ID, p.Err())
				return
			}
			customer = t.Customer
			k++
			if !yield(t) {
				return
			}
		}
	}
	return txns, func() error { return stop }
}
