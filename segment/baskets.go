package segment

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
)

// BasketOptions configure AnalyzeBaskets. A nil *BasketOptions means the defaults.
type BasketOptions struct {
	// ByCustomer makes each customer's purchases over the whole input one basket
	// ("customers who bought X also bought Y"); by default each transaction is a basket
	// ("orders with X also had Y").
	ByCustomer bool
	// ByCategory uses the lines' Category as the item instead of the SKU.
	ByCategory bool
	// MinSupport is the smallest support of a pair — the fraction of baskets holding both
	// items — that is reported, in [0, 1]. Default 0.01 (1 %).
	MinSupport float64
	// MinCount is the smallest number of baskets holding a pair that is reported; the
	// stricter of MinSupport and MinCount applies. Default 2.
	MinCount int
}

// ItemStat is how often an item was bought.
type ItemStat struct {
	Item string `json:"item"`
	// Count is the number of baskets holding the item; Support that as a fraction of all
	// baskets.
	Count   int     `json:"count"`
	Support float64 `json:"support"`
}

// Pair is the association of two items (A < B) in baskets.
type Pair struct {
	A string `json:"a"`
	B string `json:"b"`
	// Count is the number of baskets holding both, CountA and CountB those holding each.
	Count  int `json:"count"`
	CountA int `json:"count_a"`
	CountB int `json:"count_b"`
	// Support = Count / baskets.
	Support float64 `json:"support"`
	// ConfidenceAB = P(B | A) = Count / CountA; ConfidenceBA = P(A | B) = Count / CountB.
	ConfidenceAB float64 `json:"confidence_ab"`
	ConfidenceBA float64 `json:"confidence_ba"`
	// Lift = Support / (support(A) · support(B)) = Count · baskets / (CountA · CountB):
	// above 1 the items go together more often than chance.
	Lift float64 `json:"lift"`
}

// PairOrder is the ranking of TopPairs.
type PairOrder string

// Pair orders. Ties are broken by Count (more first), then by A and B.
const (
	ByLift       PairOrder = "lift"
	BySupport    PairOrder = "support"
	ByConfidence PairOrder = "confidence" // the larger of the two confidences
)

// Suggestion is an item to offer because of an item the customer has.
type Suggestion struct {
	Item string `json:"item"`
	// Because is the item the suggestion follows from.
	Because string `json:"because"`
	// Confidence is P(Item | Because), Lift and Count those of the pair.
	Confidence float64 `json:"confidence"`
	Lift       float64 `json:"lift"`
	Count      int     `json:"count"`
}

// Baskets is the result of AnalyzeBaskets: item counts and every pair at or above the
// minimum support. It is immutable and safe for concurrent use.
type Baskets struct {
	baskets      int
	minCount     int
	emptyBaskets int
	skipped      int
	items        []ItemStat
	pairs        []Pair
	byItem       map[string][]int32 // item → indices of its pairs
}

// NumBaskets is the number of baskets with at least one item: the denominator of support.
func (b *Baskets) NumBaskets() int { return b.baskets }

// MinCount is the smallest pair count reported, from MinSupport and MinCount.
func (b *Baskets) MinCount() int { return b.minCount }

// Skipped reports what was not used: transactions (or customers) with no usable line,
// and lines with an empty item or a quantity ≤ 0.
func (b *Baskets) Skipped() (emptyBaskets, lines int) { return b.emptyBaskets, b.skipped }

// Items lists every item with its count, most frequent first (then by name).
func (b *Baskets) Items() []ItemStat { return slices.Clone(b.items) }

// Pairs lists every pair at or above the minimum support, by Count (most first), then A,
// then B.
func (b *Baskets) Pairs() []Pair { return slices.Clone(b.pairs) }

// Pair returns the pair of two items in either order, if it met the minimum support.
func (b *Baskets) Pair(x, y string) (Pair, bool) {
	for _, k := range b.byItem[x] {
		p := b.pairs[k]
		if p.A == y || p.B == y {
			return p, true
		}
	}
	return Pair{}, false
}

// TopPairs returns the k best pairs by order (all when k ≤ 0 or k is larger): ByLift
// finds the two items most strongly associated, the pair to offer together for
// cross-selling.
func (b *Baskets) TopPairs(k int, order PairOrder) []Pair {
	out := slices.Clone(b.pairs)
	key := func(p Pair) float64 {
		switch order {
		case BySupport:
			return p.Support
		case ByConfidence:
			return math.Max(p.ConfidenceAB, p.ConfidenceBA)
		}
		return p.Lift
	}
	slices.SortStableFunc(out, func(x, y Pair) int {
		if c := cmp.Compare(key(y), key(x)); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		if c := cmp.Compare(x.A, y.A); c != 0 {
			return c
		}
		return cmp.Compare(x.B, y.B)
	})
	if k > 0 && k < len(out) {
		out = out[:k]
	}
	return out
}

// CrossSell suggests up to k items (all when k ≤ 0) for customers who bought item: the
// other items of its pairs, best first by order — ByConfidence ranks by P(other | item),
// which favours popular items; ByLift by how much more often than chance the two go
// together, which finds complements; BySupport by how many baskets hold both — with ties
// broken by the other measures and then by name. Only pairs at or above the minimum
// support are considered.
func (b *Baskets) CrossSell(item string, k int, order PairOrder) []Suggestion {
	var out []Suggestion
	for _, i := range b.byItem[item] {
		p := b.pairs[i]
		s := Suggestion{Because: item, Lift: p.Lift, Count: p.Count}
		if p.A == item {
			s.Item, s.Confidence = p.B, p.ConfidenceAB
		} else {
			s.Item, s.Confidence = p.A, p.ConfidenceBA
		}
		out = append(out, s)
	}
	slices.SortFunc(out, suggestionOrder(order))
	if k > 0 && k < len(out) {
		out = out[:k]
	}
	return out
}

// Suggest proposes up to k items (all when k ≤ 0) to a customer who has the owned items:
// for every item not owned, its best suggestion from any owned item, ranked by order as in
// CrossSell.
func (b *Baskets) Suggest(owned []string, k int, order PairOrder) []Suggestion {
	has := map[string]bool{}
	for _, o := range owned {
		has[o] = true
	}
	less := suggestionOrder(order)
	best := map[string]Suggestion{}
	for _, o := range slices.Compact(slices.Sorted(slices.Values(owned))) {
		for _, s := range b.CrossSell(o, 0, order) {
			if has[s.Item] {
				continue
			}
			if cur, ok := best[s.Item]; !ok || less(s, cur) < 0 {
				best[s.Item] = s
			}
		}
	}
	out := make([]Suggestion, 0, len(best))
	for _, s := range best {
		out = append(out, s)
	}
	slices.SortFunc(out, less)
	if k > 0 && k < len(out) {
		out = out[:k]
	}
	return out
}

// suggestionOrder compares suggestions, best first, by order.
func suggestionOrder(order PairOrder) func(x, y Suggestion) int {
	return func(x, y Suggestion) int {
		keys := func(s Suggestion) [3]float64 {
			switch order {
			case ByLift:
				return [3]float64{s.Lift, s.Confidence, float64(s.Count)}
			case BySupport:
				return [3]float64{float64(s.Count), s.Confidence, s.Lift}
			}
			return [3]float64{s.Confidence, s.Lift, float64(s.Count)}
		}
		kx, ky := keys(x), keys(y)
		for i := range kx {
			if c := cmp.Compare(ky[i], kx[i]); c != 0 {
				return c
			}
		}
		if c := cmp.Compare(x.Item, y.Item); c != 0 {
			return c
		}
		return cmp.Compare(x.Because, y.Because)
	}
}

// maxDenseItems bounds the frequent items whose pair counts are kept in a dense triangle
// (2,048 items: 8 MB); beyond it a map is used.
const maxDenseItems = 2048

// AnalyzeBaskets counts items and item pairs over baskets — transactions, or customers
// with ByCustomer — and reports every pair whose support reaches the minimum, with
// confidence in both directions and lift. Each item counts once per basket whatever its
// quantity. Lines with an empty item or a quantity ≤ 0 are skipped and counted
// (Baskets.Skipped), as are baskets left with no item; such baskets do not count in the
// support denominator.
//
// Only items that reach the minimum count can be in a reported pair (a pair is never more
// frequent than its items), so pairs are counted among those items only.
func AnalyzeBaskets(txns iter.Seq[Transaction], opts *BasketOptions) (*Baskets, error) {
	var o BasketOptions
	if opts != nil {
		o = *opts
	}
	if o.MinSupport == 0 {
		o.MinSupport = 0.01
	}
	if o.MinCount == 0 {
		o.MinCount = 2
	}
	var p kehu.Problems
	if !(o.MinSupport >= 0 && o.MinSupport <= 1) {
		p.Addf("min_support", "range", "%v is not in [0, 1]", o.MinSupport)
	}
	if o.MinCount < 1 {
		p.Addf("min_count", "range", "%d is less than 1", o.MinCount)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}

	res := &Baskets{byItem: map[string][]int32{}}
	ids := map[string]int32{}
	var names []string
	var counts []int32
	// Baskets as runs of distinct item IDs in one array.
	var flat []int32
	var ends []int64
	var cur []int32
	intern := func(s string) int32 {
		id, ok := ids[s]
		if !ok {
			id = int32(len(names))
			ids[s] = id
			names = append(names, s)
			counts = append(counts, 0)
		}
		return id
	}
	itemOf := func(l *Line) string {
		if o.ByCategory {
			return l.Category
		}
		return l.SKU
	}
	var perCustomer map[string]int // ByCustomer: customer → index in custItems
	var custItems [][]int32
	if o.ByCustomer {
		perCustomer = map[string]int{}
	}
	if txns != nil {
		for t := range txns {
			cur = cur[:0]
			for i := range t.Lines {
				l := &t.Lines[i]
				it := itemOf(l)
				if it == "" || l.Quantity <= 0 {
					res.skipped++
					continue
				}
				cur = append(cur, intern(it))
			}
			if o.ByCustomer {
				k, ok := perCustomer[t.Customer]
				if !ok {
					k = len(custItems)
					perCustomer[t.Customer] = k
					custItems = append(custItems, nil)
				}
				custItems[k] = append(custItems[k], cur...)
				continue
			}
			flat, ends = appendBasket(flat, ends, cur, res)
		}
	}
	if o.ByCustomer {
		for _, items := range custItems {
			flat, ends = appendBasket(flat, ends, items, res)
		}
	}
	res.baskets = len(ends)
	for _, id := range flat {
		counts[id]++
	}
	n := res.baskets
	// ⌈MinSupport · n⌉ exactly, with MinSupport read as its shortest decimal (0.01, not
	// 0.01000000000000000021).
	res.minCount = max(o.MinCount, int(shortestDecimal(o.MinSupport).Mul(decimal.NewFromInt(int64(n))).Ceil().IntPart()))
	support := func(c int) float64 {
		if n == 0 {
			return 0
		}
		return float64(c) / float64(n)
	}
	res.items = make([]ItemStat, len(names))
	for i, name := range names {
		res.items[i] = ItemStat{Item: name, Count: int(counts[i]), Support: support(int(counts[i]))}
	}
	slices.SortFunc(res.items, func(x, y ItemStat) int {
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		return cmp.Compare(x.Item, y.Item)
	})

	// Frequent items, numbered in name order so that a < b means name(a) < name(b).
	var freq []int32
	for id, c := range counts {
		if int(c) >= res.minCount {
			freq = append(freq, int32(id))
		}
	}
	slices.SortFunc(freq, func(x, y int32) int { return cmp.Compare(names[x], names[y]) })
	dense := make([]int32, len(names))
	for i := range dense {
		dense[i] = -1
	}
	for k, id := range freq {
		dense[id] = int32(k)
	}
	f := len(freq)
	var tri []uint32
	var sparse map[uint64]uint32
	if f <= maxDenseItems {
		tri = make([]uint32, f*(f-1)/2+1)
	} else {
		sparse = map[uint64]uint32{}
	}
	triIndex := func(a, b int) int { return a*(2*f-a-1)/2 + (b - a - 1) }
	var start int64
	var sel []int32
	for _, end := range ends {
		sel = sel[:0]
		for _, id := range flat[start:end] {
			if d := dense[id]; d >= 0 {
				sel = append(sel, d)
			}
		}
		start = end
		if len(sel) < 2 {
			continue
		}
		slices.Sort(sel)
		for i := 0; i < len(sel); i++ {
			for j := i + 1; j < len(sel); j++ {
				if tri != nil {
					tri[triIndex(int(sel[i]), int(sel[j]))]++
				} else {
					sparse[uint64(sel[i])<<32|uint64(sel[j])]++
				}
			}
		}
	}
	addPair := func(a, b int, c int) {
		if c < res.minCount {
			return
		}
		ia, ib := freq[a], freq[b]
		ca, cb := int(counts[ia]), int(counts[ib])
		res.pairs = append(res.pairs, Pair{
			A: names[ia], B: names[ib], Count: c, CountA: ca, CountB: cb,
			Support:      support(c),
			ConfidenceAB: float64(c) / float64(ca),
			ConfidenceBA: float64(c) / float64(cb),
			Lift:         float64(c) * float64(n) / (float64(ca) * float64(cb)),
		})
	}
	if tri != nil {
		for a := 0; a < f; a++ {
			for b := a + 1; b < f; b++ {
				addPair(a, b, int(tri[triIndex(a, b)]))
			}
		}
	} else {
		for key, c := range sparse {
			addPair(int(key>>32), int(uint32(key)), int(c))
		}
	}
	slices.SortFunc(res.pairs, func(x, y Pair) int {
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		if c := cmp.Compare(x.A, y.A); c != 0 {
			return c
		}
		return cmp.Compare(x.B, y.B)
	})
	for k, pr := range res.pairs {
		res.byItem[pr.A] = append(res.byItem[pr.A], int32(k))
		res.byItem[pr.B] = append(res.byItem[pr.B], int32(k))
	}
	return res, nil
}

// appendBasket adds the distinct items of one basket; an empty basket is only counted.
func appendBasket(flat []int32, ends []int64, items []int32, res *Baskets) ([]int32, []int64) {
	if len(items) == 0 {
		res.emptyBaskets++
		return flat, ends
	}
	slices.Sort(items)
	items = slices.Compact(items)
	flat = append(flat, items...)
	return flat, append(ends, int64(len(flat)))
}

// String summarises the analysis, e.g. "1000 baskets, 75 items, 120 pairs (min count 10)".
func (b *Baskets) String() string {
	return fmt.Sprintf("%d baskets, %d items, %d pairs (min count %d)", b.baskets, len(b.items), len(b.pairs), b.minCount)
}
