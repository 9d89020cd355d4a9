package segment_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/segment"
)

func order(customer string, skus ...string) segment.Transaction {
	t := segment.Transaction{Customer: customer}
	for _, s := range skus {
		t.Lines = append(t.Lines, segment.Line{SKU: s, Quantity: 1})
	}
	return t
}

// tanBaskets are the five market-basket transactions of Tan, Steinbach & Kumar,
// "Introduction to Data Mining", Table 6.1 (the bread–milk–diapers–beer example).
func tanBaskets() []segment.Transaction {
	return []segment.Transaction{
		order("1", "Bread", "Milk"),
		order("2", "Bread", "Diapers", "Beer", "Eggs"),
		order("3", "Milk", "Diapers", "Beer", "Cola"),
		order("4", "Bread", "Milk", "Diapers", "Beer"),
		order("5", "Bread", "Milk", "Diapers", "Cola"),
	}
}

func TestBasketsTextbook(t *testing.T) {
	b, err := segment.AnalyzeBaskets(slices.Values(tanBaskets()), &segment.BasketOptions{MinSupport: 0.4})
	require.NoError(t, err)
	assert.Equal(t, 5, b.NumBaskets())
	assert.Equal(t, 2, b.MinCount())
	// {Beer, Diapers}: support count 3 of 5; c(Beer → Diapers) = 3/3, c(Diapers → Beer) =
	// 3/4; lift = 0.6 / (0.6 × 0.8) = 1.25 (worked from the table).
	p, ok := b.Pair("Diapers", "Beer")
	require.True(t, ok)
	assert.Equal(t, segment.Pair{A: "Beer", B: "Diapers", Count: 3, CountA: 3, CountB: 4, Support: 0.6,
		ConfidenceAB: 1, ConfidenceBA: 0.75, Lift: 1.25}, p)
	// {Bread, Milk}: 3 of 5, each item in 4: lift 0.6 / 0.64 = 0.9375.
	p, ok = b.Pair("Bread", "Milk")
	require.True(t, ok)
	assert.Equal(t, 3, p.Count)
	assert.InDelta(t, 0.9375, p.Lift, 1e-15)
	_, ok = b.Pair("Eggs", "Bread")
	assert.False(t, ok, "support 1/5 is below 40 %")
	top := b.TopPairs(1, segment.ByLift)
	require.Len(t, top, 1)
	assert.Equal(t, []string{"Beer", "Diapers"}, []string{top[0].A, top[0].B}, "the most strongly associated pair")
	assert.Equal(t, "Beer", b.CrossSell("Diapers", 1, segment.ByConfidence)[0].Item)
	assert.Equal(t, []segment.ItemStat{{"Bread", 4, 0.8}, {"Diapers", 4, 0.8}, {"Milk", 4, 0.8}, {"Beer", 3, 0.6}, {"Cola", 2, 0.4}, {"Eggs", 1, 0.2}}, b.Items())
	assert.Equal(t, "5 baskets, 6 items, 8 pairs (min count 2)", b.String())
}

func TestBasketsOptionsAndSkips(t *testing.T) {
	txns := []segment.Transaction{
		{Customer: "a", Lines: []segment.Line{{SKU: "x", Category: "k1", Quantity: 1}, {SKU: "y", Category: "k2", Quantity: 2}, {SKU: "", Quantity: 1}}},
		{Customer: "a", Lines: []segment.Line{{SKU: "z", Category: "k2", Quantity: 1}, {SKU: "x", Category: "k1", Quantity: -1}}},
		{Customer: "b", Lines: nil},
		{Customer: "b", Lines: []segment.Line{{SKU: "x", Category: "k1", Quantity: 1}, {SKU: "z", Category: "k2", Quantity: 1}, {SKU: "x", Category: "k1", Quantity: 3}}},
	}
	b, err := segment.AnalyzeBaskets(slices.Values(txns), &segment.BasketOptions{MinCount: 1, MinSupport: 0.0001})
	require.NoError(t, err)
	assert.Equal(t, 3, b.NumBaskets())
	empty, lines := b.Skipped()
	assert.Equal(t, 1, empty, "the order with no lines")
	assert.Equal(t, 2, lines, "the empty SKU and the negative quantity")
	p, ok := b.Pair("x", "z")
	require.True(t, ok)
	assert.Equal(t, 1, p.Count, "z with x only in the last order (x twice there counts once)")

	byCust, err := segment.AnalyzeBaskets(slices.Values(txns), &segment.BasketOptions{ByCustomer: true, MinCount: 1, MinSupport: 0.0001})
	require.NoError(t, err)
	assert.Equal(t, 2, byCust.NumBaskets())
	p, ok = byCust.Pair("x", "z")
	require.True(t, ok)
	assert.Equal(t, 2, p.Count, "both customers bought x and z")

	byCat, err := segment.AnalyzeBaskets(slices.Values(txns), &segment.BasketOptions{ByCategory: true, MinCount: 1, MinSupport: 0.0001})
	require.NoError(t, err)
	p, ok = byCat.Pair("k1", "k2")
	require.True(t, ok)
	assert.Equal(t, 2, p.Count)

	sug := byCust.Suggest([]string{"y"}, 0, segment.ByConfidence)
	require.Len(t, sug, 2)
	assert.Equal(t, "x", sug[0].Item)
	assert.Equal(t, "y", sug[0].Because)

	for _, o := range []*segment.BasketOptions{{MinSupport: 2}, {MinCount: -1}} {
		_, err := segment.AnalyzeBaskets(nil, o)
		assert.ErrorIs(t, err, kehu.ErrInvalid)
	}
	none, err := segment.AnalyzeBaskets(nil, nil)
	require.NoError(t, err)
	assert.Zero(t, none.NumBaskets())
	assert.Empty(t, none.Pairs())
}

// naivePairs counts pairs independently: each basket's distinct items as a set of
// strings, every unordered pair as a "a|b" key.
func naivePairs(baskets [][]string) (map[string]int, map[string]int) {
	items, pairs := map[string]int{}, map[string]int{}
	for _, b := range baskets {
		set := map[string]bool{}
		for _, x := range b {
			set[x] = true
		}
		var u []string
		for x := range set {
			u = append(u, x)
		}
		slices.Sort(u)
		for i, x := range u {
			items[x]++
			for _, y := range u[i+1:] {
				pairs[x+"|"+y]++
			}
		}
	}
	return items, pairs
}

// TestBasketsOnlineRetail finds the associations among the Online Retail invoices and
// checks every reported pair, and that no pair above the minimum is missing, against the
// independent count.
func TestBasketsOnlineRetail(t *testing.T) {
	txns, rep, err := segment.ReadOnlineRetail(onlineRetail(t), "*.csv")
	require.NoError(t, err)
	for _, byCustomer := range []bool{false, true} {
		t.Run("by customer "+strconv.FormatBool(byCustomer), func(t *testing.T) {
			b, err := segment.AnalyzeBaskets(slices.Values(txns), &segment.BasketOptions{MinSupport: 0.02, ByCustomer: byCustomer})
			require.NoError(t, err)
			var baskets [][]string
			if byCustomer {
				per := map[string][]string{}
				for _, tx := range txns {
					for _, l := range tx.Lines {
						per[tx.Customer] = append(per[tx.Customer], l.SKU)
					}
				}
				for _, v := range per {
					baskets = append(baskets, v)
				}
				require.Equal(t, rep.Customers, b.NumBaskets())
			} else {
				for _, tx := range txns {
					var s []string
					for _, l := range tx.Lines {
						s = append(s, l.SKU)
					}
					baskets = append(baskets, s)
				}
				require.Equal(t, rep.Invoices, b.NumBaskets(), "testdata/online-retail/SOURCE.md: 3,384 invoices")
			}
			items, pairs := naivePairs(baskets)
			n := float64(len(baskets))
			wantMin := int(0.02*n + 0.999999)
			assert.Equal(t, max(2, wantMin), b.MinCount())
			expected := 0
			for _, c := range pairs {
				if c >= b.MinCount() {
					expected++
				}
			}
			require.Len(t, b.Pairs(), expected)
			require.NotZero(t, expected)
			for _, p := range b.Pairs() {
				c := pairs[p.A+"|"+p.B]
				require.Equal(t, c, p.Count, "%s|%s", p.A, p.B)
				require.Equal(t, items[p.A], p.CountA)
				require.Equal(t, items[p.B], p.CountB)
				require.InDelta(t, float64(c)/n, p.Support, 1e-15)
				require.InDelta(t, float64(c)/float64(items[p.A]), p.ConfidenceAB, 1e-15)
				require.InDelta(t, float64(c)/float64(items[p.B]), p.ConfidenceBA, 1e-15)
				require.InDelta(t, (float64(c)/n)/((float64(items[p.A])/n)*(float64(items[p.B])/n)), p.Lift, 1e-9)
			}
			top := b.TopPairs(3, segment.ByLift)
			require.Len(t, top, 3)
			assert.GreaterOrEqual(t, top[0].Lift, top[1].Lift)
			t.Logf("%s; strongest pair %s + %s: lift %.1f, confidence %.2f / %.2f", b, top[0].A, top[0].B, top[0].Lift, top[0].ConfidenceAB, top[0].ConfidenceBA)
		})
	}
}

// TestBasketsFindPlantedPairs analyses orders from crm/fake, whose catalogue adds a partner
// product to some baskets (phone case → screen protector, spaghetti → pasta sauce,
// toothbrush → toothpaste, notebook → gel pen, …): among the pairs seen in at least 100
// orders, the four with the highest lift must be exactly the four planted pairs of that
// frequency — the generator's known truth.
func TestBasketsFindPlantedPairs(t *testing.T) {
	b, err := segment.AnalyzeBaskets(fakeOrders(t, 11, 20000), &segment.BasketOptions{MinSupport: 0.0001, MinCount: 100})
	require.NoError(t, err)
	got := map[string]bool{}
	for _, p := range b.TopPairs(4, segment.ByLift) {
		got[p.A+"+"+p.B] = true
		assert.Greater(t, p.Lift, 2.0)
	}
	assert.Equal(t, map[string]bool{
		"EL-CAS-001+EL-SCR-001": true, "GR-PAS-001+GR-SAU-001": true,
		"PC-TBR-001+PC-TPS-001": true, "OF-NTB-001+OF-PEN-001": true,
	}, got)
	s := b.CrossSell("EL-CAS-001", 1, segment.ByLift)
	require.Len(t, s, 1)
	assert.Equal(t, "EL-SCR-001", s[0].Item, "the complement of a phone case")
	byConf := b.CrossSell("EL-CAS-001", 0, segment.ByConfidence)
	for i := 1; i < len(byConf); i++ {
		assert.GreaterOrEqual(t, byConf[i-1].Confidence, byConf[i].Confidence)
	}
	sug := b.Suggest([]string{"EL-CAS-001", "PC-TBR-001"}, 2, segment.ByLift)
	require.Len(t, sug, 2)
	assert.Equal(t, []string{"EL-SCR-001", "PC-TPS-001"}, []string{sug[0].Item, sug[1].Item})
}
