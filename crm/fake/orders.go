package fake

import (
	"encoding/binary"
	"iter"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/kehu-crm/kehu"
)

// maxLines bounds the lines of an order.
const maxLines = 8

// lineIDs are the line IDs of an order, in line order: shared constants.
var lineIDs = [maxLines]string{"1", "2", "3", "4", "5", "6", "7", "8"}

// orderScratch holds buffers reused from one customer to the next while iterating.
type orderScratch struct {
	times  []float64
	lines  []kehu.OrderLine
	ends   []int // end of each order's lines in lines
	id     []byte
	idEnds []int
	orders []kehu.Order
}

// CustomerID returns the ID that Orders gives customer i when the host supplies none: a
// version-8 UUID that depends only on the seed and i (not on the options), and differs for
// every i of one generator. A harness that stores customers under IDs of its own passes
// them to Orders instead.
func (g *Generator) CustomerID(i int) kehu.CustomerID {
	// v is a bijection of i (an xor and SplitMix64's finaliser), so two customers never
	// share it; w only varies the remaining bits.
	v := splitmix64(uint64(i) ^ g.k1 ^ streamCustomerID)
	w := splitmix64(g.k0 ^ splitmix64(uint64(i)^streamCustomerID))
	var u uuid.UUID
	binary.BigEndian.PutUint32(u[0:4], uint32(v>>32))
	binary.BigEndian.PutUint16(u[4:6], uint16(v>>16))
	u[6] = 0x80 | byte(w>>60)&0x0f // version 8
	u[7] = byte(v >> 8)
	u[8] = 0x80 | byte(w>>52)&0x3f // the RFC 9562 variant
	u[9] = byte(v)
	binary.BigEndian.PutUint32(u[10:14], uint32(w>>16))
	binary.BigEndian.PutUint16(u[14:16], uint16(w))
	return kehu.CustomerIDFrom(u)
}

// CustomerOrders returns customer i's orders in [Start, End), oldest first, each with
// CustomerID id (g.CustomerID(i) if id is zero). Every customer buys at least once unless
// the window is too short to hold the first purchase; the slice is the caller's.
func (g *Generator) CustomerOrders(i int, id kehu.CustomerID) []kehu.Order {
	if id.IsZero() {
		id = g.CustomerID(i)
	}
	var s orderScratch
	return slices.Clone(g.customerOrders(i, id, &s))
}

// Orders yields the orders of customers 0 to customers−1, customer by customer, each
// customer's oldest first: the same values CustomerOrders returns. Customer i's orders
// carry the CustomerID id(i), called once per customer; a nil id means g.CustomerID.
// A harness that creates the customers first (crm.Service assigns their IDs) passes their
// IDs here:
//
//	ids := make([]kehu.CustomerID, n) // ids[i] is the stored ID of g.Profile(i)
//	for o := range g.Orders(n, func(i int) kehu.CustomerID { return ids[i] }) { ... }
//
// Each customer's orders share one backing array for their lines, and line IDs, SKUs,
// categories and amounts are shared immutable values, so iterating over ten million
// orders allocates about one slice of lines and one string of order IDs per customer.
func (g *Generator) Orders(customers int, id func(i int) kehu.CustomerID) iter.Seq[kehu.Order] {
	if id == nil {
		id = g.CustomerID
	}
	return func(yield func(kehu.Order) bool) {
		var s orderScratch
		for i := range customers {
			for _, o := range g.customerOrders(i, id(i), &s) {
				if !yield(o) {
					return
				}
			}
		}
	}
}

// customerOrders simulates customer i. The returned slice is s.orders; the lines and
// order IDs it points to are freshly allocated.
func (g *Generator) customerOrders(i int, id kehu.CustomerID, s *orderScratch) []kehu.Order {
	r := g.stream(i, streamTransactions)

	// The customer's latent traits (BG/NBD and Gamma-Gamma).
	lambda := g.lambda.sample(&r) // purchases per week while alive
	p := g.dropout.sample(&r)     // dropout probability after each repeat purchase
	nu := g.nu.sample(&r)         // spend rate: mean order value is P/ν

	// Purchase times in weeks since Start: the first uniform in the first half of the
	// window, then a Poisson process of rate λ, each repeat purchase followed by a dropout
	// with probability p.
	t := r.float() * g.weeks / 2
	s.times = append(s.times[:0], t)
	for {
		t += r.exp() / lambda
		if !(t < g.weeks) {
			break
		}
		s.times = append(s.times, t)
		if r.chance(p) {
			break
		}
	}

	// Orders: a value z ~ Gamma(P, ν) each, realised as a basket of catalogue products.
	s.lines, s.ends = s.lines[:0], s.ends[:0]
	for range s.times {
		z := g.spend.sampleRate(&r, nu)
		target := max(int64(math.Round(z*g.scale)), 1)
		g.basket(&r, s, target)
		s.ends = append(s.ends, len(s.lines))
	}

	// Order IDs, all in one string.
	s.id, s.idEnds = s.id[:0], s.idEnds[:0]
	for j := range s.times {
		s.id = append(s.id, "SO"...)
		s.id = appendPadded(s.id, i, 8)
		s.id = append(s.id, '-')
		s.id = appendPadded(s.id, j+1, 3)
		s.idEnds = append(s.idEnds, len(s.id))
	}
	ids := string(s.id)

	lines := slices.Clone(s.lines) // one allocation for all of the customer's lines
	s.orders = s.orders[:0]
	start, end := g.opts.Start, g.opts.End
	from, off := 0, 0
	for j, wk := range s.times {
		at := start.Add(time.Duration(wk * float64(week)).Truncate(time.Second))
		if !at.Before(end) { // float rounding at the very end of the window
			break
		}
		to := s.ends[j]
		s.orders = append(s.orders, kehu.Order{
			ID:         ids[off:s.idEnds[j]],
			CustomerID: id,
			At:         at,
			Currency:   g.opts.Currency,
			Lines:      lines[from:to:to],
		})
		from, off = to, s.idEnds[j]
	}
	return s.orders
}

// appendPadded appends n in decimal, zero-padded to width digits.
func appendPadded(b []byte, n, width int) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], int64(n), 10)
	for range width - len(d) {
		b = append(b, '0')
	}
	return append(b, d...)
}

// basket appends to s.lines the lines of one order worth about target minor units and
// returns its exact amount. The shopper browses: picks a product they can afford, by
// popularity, sometimes several of it, until less than ten units of the budget are left;
// then fills the rest with the dearest products that fit. Each product picked brings the
// product associated with it, if any, with its partner probability when the budget allows.
// Last, one of the cheapest items is added if at least half its price is left. So the
// amount ends within half the cheapest price (0.50 CNY) of target unless the line limit
// cuts the fill short (about 0.4% of orders), and an order is never empty.
func (g *Generator) basket(r *rng, s *orderScratch, target int64) int64 {
	c := &g.cat
	first := len(s.lines)
	rem := target
	var in [maxLines]int // the product of each line
	lines := 0

	add := func(k, q int) bool {
		for j := range lines {
			if in[j] != k {
				continue
			}
			l := &s.lines[first+j]
			nq := min(int(l.Quantity)+q, c.maxQty[k])
			if nq == int(l.Quantity) {
				return false
			}
			rem -= int64(nq-int(l.Quantity)) * c.price[k]
			l.Quantity = int64(nq)
			l.Amount = c.amounts[k*maxQty+nq-1]
			return true
		}
		if lines == maxLines {
			return false
		}
		q = min(q, c.maxQty[k])
		rem -= int64(q) * c.price[k]
		s.lines = append(s.lines, kehu.OrderLine{
			ID:       lineIDs[lines],
			SKU:      c.products[k].SKU,
			Category: c.products[k].Category,
			Quantity: int64(q),
			Amount:   c.amounts[k*maxQty+q-1],
		})
		in[lines] = k
		lines++
		return true
	}
	withPartner := func(k int) {
		if pk := c.partner[k]; pk >= 0 && c.price[pk] <= rem && r.chance(c.partnerP[k]) {
			add(pk, 1)
		}
	}
	affordable := func() int { // how many products cost at most rem
		n, _ := slices.BinarySearch(c.price, rem+1)
		return n
	}

	for rem >= c.browseStop && lines < maxLines-2 {
		n := affordable()
		k := c.browse.pickPrefix(r, n)
		q := 1
		if most := min(c.maxQty[k], int(rem/c.price[k]), 3); most > 1 && r.chance(0.3) {
			q = r.between(2, most)
		}
		if !add(k, q) {
			break
		}
		withPartner(k)
	}
	for rem >= c.price[0] && lines < maxLines {
		n := affordable()
		// One of the three dearest affordable products, for variety among close prices.
		k := n - 1 - r.intn(min(n, 3))
		added := add(k, int(rem/c.price[k]))
		// If that product's line is full, take the dearest one that is not.
		for j := n - 1; !added && j >= 0; j-- {
			k, added = j, add(j, int(rem/c.price[j]))
		}
		if !added {
			break
		}
		withPartner(k)
	}
	if lines == 0 || 2*rem >= c.price[0] {
		add(r.intn(c.cheapest), 1) // an order is never empty
	}
	return target - rem
}
