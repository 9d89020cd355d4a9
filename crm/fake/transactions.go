package fake

import (
	"iter"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/kehu-crm/kehu"
)

// Transaction is one purchase order of a customer.
type Transaction struct {
	// CustomerIndex is the i of the customer in Profile(i).
	CustomerIndex int
	// OrderID is unique within a generator: "SO" + the customer index, zero-padded to
	// eight digits, + "-" + the order's sequence number, e.g. "SO00000042-003".
	OrderID string
	// At is the time of the order, whole seconds after Options.Start, in Start's location.
	At time.Time
	// Amount is the exact sum of the lines' amounts; it is always positive.
	Amount kehu.Money
	// Lines are the products bought, one line per SKU.
	Lines []Line
}

// Line is one product line of an order: Amount = Quantity × UnitPrice exactly.
type Line struct {
	SKU, Category string
	Quantity      int
	UnitPrice     kehu.Money
	Amount        kehu.Money
}

// maxLines bounds the lines of an order.
const maxLines = 8

// txScratch holds buffers reused from one customer to the next while iterating.
type txScratch struct {
	times  []float64
	lines  []Line
	ends   []int   // end of each order's lines in lines
	totals []int64 // each order's amount in minor units
	id     []byte
	idEnds []int
	txs    []Transaction
}

// CustomerTransactions returns customer i's transactions in [Start, End), oldest first.
// Every customer buys at least once unless the window is too short to hold the first
// purchase; the slice is the caller's.
func (g *Generator) CustomerTransactions(i int) []Transaction {
	var s txScratch
	return slices.Clone(g.customerTransactions(i, &s))
}

// Transactions yields the transactions of customers 0 to customers−1, customer by
// customer, each customer's oldest first: the same values CustomerTransactions returns.
// Each customer's transactions share one backing array for their lines, and amounts and
// unit prices are shared immutable values, so iterating over ten million transactions
// allocates little more than the order totals.
func (g *Generator) Transactions(customers int) iter.Seq[Transaction] {
	return func(yield func(Transaction) bool) {
		var s txScratch
		for i := range customers {
			for _, t := range g.customerTransactions(i, &s) {
				if !yield(t) {
					return
				}
			}
		}
	}
}

// customerTransactions simulates customer i. The returned slice is s.txs; the lines and
// order IDs it points to are freshly allocated.
func (g *Generator) customerTransactions(i int, s *txScratch) []Transaction {
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
	s.lines, s.ends, s.totals = s.lines[:0], s.ends[:0], s.totals[:0]
	for range s.times {
		z := g.spend.sampleRate(&r, nu)
		target := max(int64(math.Round(z*g.scale)), 1)
		s.totals = append(s.totals, g.basket(&r, s, target))
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
	s.txs = s.txs[:0]
	start, end := g.opts.Start, g.opts.End
	amounts := g.amounts()
	from, off := 0, 0
	for j, wk := range s.times {
		at := start.Add(time.Duration(wk * float64(week)).Truncate(time.Second))
		if !at.Before(end) { // float rounding at the very end of the window
			break
		}
		to := s.ends[j]
		s.txs = append(s.txs, Transaction{
			CustomerIndex: i,
			OrderID:       ids[off:s.idEnds[j]],
			At:            at,
			Amount:        total(amounts, s.totals[j], g.currency),
			Lines:         lines[from:to:to],
		})
		from, off = to, s.idEnds[j]
	}
	return s.txs
}

// total returns minor units of c, from the cache when it holds them.
func total(cache []kehu.Money, minor int64, c kehu.Currency) kehu.Money {
	if minor < int64(len(cache)) {
		return cache[minor]
	}
	return mustMinor(minor, c)
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
func (g *Generator) basket(r *rng, s *txScratch, target int64) int64 {
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
			nq := min(l.Quantity+q, c.maxQty[k])
			if nq == l.Quantity {
				return false
			}
			rem -= int64(nq-l.Quantity) * c.price[k]
			l.Quantity = nq
			l.Amount = c.amounts[k*maxQty+nq-1]
			return true
		}
		if lines == maxLines {
			return false
		}
		in[lines] = k
		lines++
		q = min(q, c.maxQty[k])
		rem -= int64(q) * c.price[k]
		s.lines = append(s.lines, Line{
			SKU:       c.products[k].SKU,
			Category:  c.products[k].Category,
			Quantity:  q,
			UnitPrice: c.products[k].Price,
			Amount:    c.amounts[k*maxQty+q-1],
		})
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
