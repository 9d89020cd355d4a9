package fake_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/crm/fake"
)

// profileJSON renders profiles byte for byte.
func profileJSON(t *testing.T, ps ...crm.Profile) string {
	t.Helper()
	b, err := json.Marshal(ps)
	require.NoError(t, err)
	return string(b)
}

// render writes orders out completely, amounts in their exact decimal form.
func render(orders ...kehu.Order) string {
	var b strings.Builder
	for _, o := range orders {
		fmt.Fprintf(&b, "%s %s %s %s %s %s %s\n", o.CustomerID, o.ID, o.At.Format(time.RFC3339Nano), o.Currency, o.Channel, o.Store, total(o))
		for _, l := range o.Lines {
			fmt.Fprintf(&b, "  %s %s %s %d = %s\n", l.ID, l.SKU, l.Category, l.Quantity, l.Amount)
		}
	}
	return b.String()
}

// total is o.Total(), which never fails on a generated order.
func total(o kehu.Order) kehu.Money {
	m, err := o.Total()
	if err != nil {
		panic(err)
	}
	return m
}

func collect(g *fake.Generator, customers int) []kehu.Order {
	var out []kehu.Order
	for o := range g.Orders(customers, nil) {
		out = append(out, o)
	}
	return out
}

// indexID is an ID that records the customer index i, read back by indexOf.
func indexID(i int) kehu.CustomerID {
	var u uuid.UUID
	u[0] = 0xc0
	binary.BigEndian.PutUint64(u[8:], uint64(i))
	return kehu.CustomerIDFrom(u)
}

func indexOf(id kehu.CustomerID) int {
	u := id.UUID()
	return int(binary.BigEndian.Uint64(u[8:]))
}

func TestDeterminism(t *testing.T) {
	t.Run("same seed, same output", func(t *testing.T) {
		a, b := fake.MustNew(42, nil), fake.MustNew(42, nil)
		assert.Equal(t, profileJSON(t, a.Profiles(500)...), profileJSON(t, b.Profiles(500)...))
		assert.Equal(t, render(collect(a, 500)...), render(collect(b, 500)...))
		assert.Equal(t, a.Catalogue(), b.Catalogue())
	})

	t.Run("different seed, different output", func(t *testing.T) {
		a, b := fake.MustNew(1, nil), fake.MustNew(2, nil)
		same := 0
		for i := range 200 {
			if profileJSON(t, a.Profile(i)) == profileJSON(t, b.Profile(i)) {
				same++
			}
		}
		assert.Zero(t, same, "profiles equal under two seeds")
		assert.NotEqual(t, render(collect(a, 200)...), render(collect(b, 200)...))
		// Seeds that differ in one high bit must differ too.
		c := fake.MustNew(1|1<<63, nil)
		assert.NotEqual(t, profileJSON(t, a.Profiles(20)...), profileJSON(t, c.Profiles(20)...))
	})

	t.Run("customer i does not depend on n or call order", func(t *testing.T) {
		g := fake.MustNew(7, nil)
		want := profileJSON(t, g.Profile(7))
		assert.Equal(t, want, profileJSON(t, g.Profiles(10)[7]))
		assert.Equal(t, want, profileJSON(t, g.Profiles(2000)[7]))
		for i, p := range g.ProfilesSeq(100) {
			if i == 7 {
				assert.Equal(t, want, profileJSON(t, p))
			}
		}

		wantTx := render(g.CustomerOrders(7, kehu.CustomerID{})...)
		require.NotEmpty(t, wantTx)
		var fromSeq []kehu.Order
		for o := range g.Orders(3000, nil) {
			if o.CustomerID == g.CustomerID(7) {
				fromSeq = append(fromSeq, o)
			}
		}
		assert.Equal(t, wantTx, render(fromSeq...))

		// Generating in reverse, with orders and profiles interleaved, changes nothing.
		h := fake.MustNew(7, nil)
		for i := 30; i >= 0; i-- {
			_ = h.CustomerOrders(i, indexID(i))
			_ = h.Profile(i)
		}
		assert.Equal(t, want, profileJSON(t, h.Profile(7)))
		assert.Equal(t, wantTx, render(h.CustomerOrders(7, kehu.CustomerID{})...))
	})

	t.Run("safe for concurrent use", func(t *testing.T) {
		g := fake.MustNew(3, nil)
		want := profileJSON(t, g.Profiles(200)...) + render(collect(g, 200)...)
		done := make(chan string)
		for range 4 {
			go func() {
				done <- profileJSON(t, g.Profiles(200)...) + render(collect(g, 200)...)
			}()
		}
		for range 4 {
			assert.Equal(t, want, <-done)
		}
	})

	t.Run("stopping an iterator early", func(t *testing.T) {
		g := fake.MustNew(3, nil)
		n := 0
		for range g.Orders(1000, nil) {
			n++
			if n == 5 {
				break
			}
		}
		assert.Equal(t, 5, n)
		for i := range g.ProfilesSeq(1000) {
			if i == 3 {
				break
			}
		}
	})
}

// TestProfilesNormalize is the contract with crm: every generated profile is accepted by
// Profile.Normalize, and the only thing Normalize changes is the phone format.
func TestProfilesNormalize(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   *fake.Options
		region string
		n      int
	}{
		{"default options", nil, "CN", 10000},
		{"home region US", &fake.Options{Region: "US", ChineseShare: 0.2, BusinessShare: 0.3}, "US", 2000},
		{"home region GB", &fake.Options{Region: "GB", ChineseShare: -1}, "GB", 2000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := fake.MustNew(2026, tc.opts)
			for i, p := range g.ProfilesSeq(tc.n) {
				q := p.Clone()
				err := q.Normalize(tc.region)
				require.NoError(t, err, "profile %d: %+v", i, p)
				for k, ph := range q.Phones {
					require.Regexp(t, `^\+[1-9][0-9]{7,14}$`, ph.Number, "profile %d", i)
					p.Phones[k].Number = ph.Number
				}
				if !assert.Equal(t, p, q, "profile %d changed beyond its phone format", i) {
					return
				}
			}
		})
	}
}

func TestProfileContents(t *testing.T) {
	g := fake.MustNew(11, nil)
	const n = 10000
	var chinese, business, withBirth, withDISC, withTags, withInterests, withOwner int
	countries := map[string]int{}
	first, last := kehu.MustDate(1950, 1, 1), kehu.MustDate(2006, 12, 31)
	for i, p := range g.ProfilesSeq(n) {
		a := p.Addresses[0]
		countries[a.Country]++
		require.NotEmpty(t, p.Emails)
		require.Len(t, p.Phones, 1)
		assert.True(t, p.Emails[0].Primary && p.Phones[0].Primary && a.Primary)
		if p.Kind == crm.Business {
			business++
			assert.Equal(t, p.Name.Display, p.Company, "profile %d", i)
			assert.Zero(t, p.Demographics, "profile %d", i)
		} else {
			require.Equal(t, crm.Person, p.Kind)
		}
		switch a.Country {
		case "CN":
			chinese++
			assert.Regexp(t, `^[1-9][0-9]{5}$`, a.PostalCode)
			assert.Regexp(t, `^\+86 1[3-9][0-9] [0-9]{4} [0-9]{4}$`, p.Phones[0].Number)
			assert.Contains(t, a.Street, "号")
			assert.NotEmpty(t, p.Name.Phonetic)
			if p.Kind == crm.Person {
				assert.True(t, p.Name.FamilyFirst)
				assert.Equal(t, p.Name.Family+p.Name.Given, p.Name.Display)
				assert.True(t, allHan(p.Name.Display), p.Name.Display)
				assert.Regexp(t, `^[A-Z][a-z]+ [A-Z][a-z']+$`, p.Name.Phonetic)
			} else {
				assert.True(t, strings.HasSuffix(p.Name.Display, "有限公司"), p.Name.Display)
				assert.Regexp(t, `^[A-Za-z' ]+ Youxian Gongsi$`, p.Name.Phonetic)
			}
		case "US":
			assert.Regexp(t, `^[0-9]{5}$`, a.PostalCode)
			assert.Regexp(t, `^\+1 [2-9][0-9]{2}-[2-9][0-9]{2}-[0-9]{4}$`, p.Phones[0].Number)
		case "GB":
			assert.Regexp(t, `^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}$`, a.PostalCode)
			assert.Regexp(t, `^\+44 7[0-9]{3} [0-9]{6}$`, p.Phones[0].Number)
		default:
			t.Fatalf("profile %d lives in %q", i, a.Country)
		}
		if a.Country != "CN" && p.Kind == crm.Person {
			assert.Equal(t, p.Name.Given+" "+p.Name.Family, p.Name.Display)
			assert.False(t, p.Name.FamilyFirst)
		}
		for _, e := range p.Emails {
			assert.Equal(t, strings.ToLower(e.Address), e.Address)
		}
		if d := p.Demographics.BirthDate; !d.IsZero() {
			withBirth++
			assert.False(t, d.Before(first) || d.After(last), "birth date %s", d)
		}
		if p.DISC != "" {
			withDISC++
		}
		if len(p.Tags) > 0 {
			withTags++
			assert.True(t, slices.IsSorted(p.Tags))
		}
		if len(p.Interests) > 0 {
			withInterests++
		}
		if p.Owner != "" {
			withOwner++
			assert.Regexp(t, `^am-[0-9]{2}$`, p.Owner)
		}
		assert.NotEmpty(t, p.Acquisition.Channel)
		assert.NotEmpty(t, p.Acquisition.Source)
	}
	// Shares: each is a binomial count, so allow five standard errors.
	share := func(name string, got int, p float64) {
		se := math.Sqrt(p * (1 - p) / n)
		assert.InDelta(t, p, float64(got)/n, 5*se, name)
	}
	share("Chinese", chinese, 0.6)
	share("business", business, 0.1)
	share("US among non-Chinese", countries["US"], 0.4*0.6)
	share("with birth date", withBirth, 0.9*0.92)
	share("with DISC", withDISC, 0.3)
	assert.Greater(t, withTags, n/2)
	assert.Greater(t, withInterests, n/2)
	assert.Greater(t, withOwner, n/2)
}

func allHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return s != ""
}

func TestEmailsMostlyUnique(t *testing.T) {
	g := fake.MustNew(99, nil)
	const n = 100000
	seen := make(map[string]struct{}, n)
	dups := 0
	for _, p := range g.ProfilesSeq(n) {
		for _, e := range p.Emails {
			if _, ok := seen[e.Address]; ok {
				dups++
			}
			seen[e.Address] = struct{}{}
		}
	}
	t.Logf("%d duplicate addresses among %d", dups, len(seen)+dups)
	assert.Less(t, float64(dups)/float64(len(seen)+dups), 0.01)
}

func TestOrdersWellFormed(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts *fake.Options
	}{
		{"CNY, default window", nil},
		{"JPY, no minor units", &fake.Options{Currency: "JPY"}},
		{"BHD, three decimals, one month from an odd start", &fake.Options{
			Currency: "BHD",
			Start:    time.Date(2024, 2, 1, 8, 30, 0, 500, time.FixedZone("AST", 3*3600)),
			End:      time.Date(2024, 3, 1, 8, 30, 0, 500, time.FixedZone("AST", 3*3600)),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := fake.MustNew(5, tc.opts)
			o := g.Options()
			cur := kehu.Currency(o.Currency)
			price := map[string]kehu.Money{}
			for _, p := range g.Catalogue() {
				price[p.SKU] = p.Price
			}
			ids := map[string]bool{}
			prev, prevIndex := kehu.Order{}, -1
			n := 0
			for tx := range g.Orders(3000, indexID) {
				n++
				i := indexOf(tx.CustomerID)
				require.False(t, tx.At.Before(o.Start), "%s at %v before the window", tx.ID, tx.At)
				require.True(t, tx.At.Before(o.End), "%s at %v after the window", tx.ID, tx.At)
				require.Equal(t, o.Start.Location(), tx.At.Location())
				require.Equal(t, tx.At, tx.At.Truncate(time.Second).Add(time.Duration(o.Start.Nanosecond())), "%s: not whole seconds after start", tx.ID)
				require.GreaterOrEqual(t, i, prevIndex, "customers out of order")
				if i == prevIndex {
					require.False(t, tx.At.Before(prev.At), "%s before %s", tx.ID, prev.ID)
				}
				require.False(t, ids[tx.ID], "duplicate order ID %s", tx.ID)
				ids[tx.ID] = true
				require.True(t, strings.HasPrefix(tx.ID, fmt.Sprintf("SO%08d-", i)), tx.ID)
				require.Equal(t, o.Currency, tx.Currency)

				require.NotEmpty(t, tx.Lines)
				require.LessOrEqual(t, len(tx.Lines), 8)
				sum := kehu.ZeroMoney(cur)
				skus := map[string]bool{}
				for k, l := range tx.Lines {
					require.Equal(t, strconv.Itoa(k+1), l.ID, "line IDs of %s", tx.ID)
					require.False(t, skus[l.SKU], "SKU %s twice in %s", l.SKU, tx.ID)
					skus[l.SKU] = true
					require.Positive(t, l.Quantity)
					p, ok := price[l.SKU]
					require.True(t, ok, "SKU %s not in the catalogue", l.SKU)
					require.True(t, l.Amount.Equal(p.MulInt(l.Quantity)), "%s: %d × %s ≠ %s", l.SKU, l.Quantity, p, l.Amount)
					var err error
					sum, err = sum.Add(l.Amount)
					require.NoError(t, err)
				}
				amount, err := tx.Total()
				require.NoError(t, err)
				require.True(t, amount.IsPositive(), tx.ID)
				require.True(t, amount.Equal(sum), "%s: total %s, lines sum to %s", tx.ID, amount, sum)
				require.Equal(t, cur, amount.Currency())
				require.True(t, amount.Amount().Equal(amount.Amount().Truncate(int32(cur.MinorUnits()))), "%s has sub-minor digits", amount)
				prev, prevIndex = tx, i
			}
			require.Positive(t, n)
		})
	}
}

func TestCustomerIDs(t *testing.T) {
	g := fake.MustNew(9, nil)
	seen := map[kehu.CustomerID]int{}
	for i := range 20000 {
		id := g.CustomerID(i)
		require.False(t, id.IsZero())
		j, dup := seen[id]
		require.False(t, dup, "customers %d and %d share %s", j, i, id)
		seen[id] = i
		u := id.UUID()
		require.Equal(t, uuid.Version(8), u.Version(), id.String())
		require.Equal(t, uuid.RFC4122, u.Variant(), id.String())
		parsed, err := kehu.ParseCustomerID(id.String())
		require.NoError(t, err)
		require.Equal(t, id, parsed)
	}
	// The ID depends on the seed and i only, not on the options.
	assert.Equal(t, g.CustomerID(3), fake.MustNew(9, &fake.Options{Currency: "USD"}).CustomerID(3))
	assert.NotEqual(t, g.CustomerID(3), fake.MustNew(10, nil).CustomerID(3))

	// A nil func gives every order CustomerID(i); a func gives the host's IDs, called once
	// per customer; CustomerOrders agrees with both.
	var want []kehu.Order
	for i := range 50 {
		for _, o := range g.CustomerOrders(i, kehu.CustomerID{}) {
			require.Equal(t, g.CustomerID(i), o.CustomerID)
			want = append(want, o)
		}
	}
	assert.Equal(t, render(want...), render(collect(g, 50)...))
	calls := 0
	var got []kehu.Order
	for o := range g.Orders(50, func(i int) kehu.CustomerID { calls++; return indexID(i) }) {
		got = append(got, o)
	}
	assert.Equal(t, 50, calls)
	require.Len(t, got, len(want))
	for k, o := range got {
		i := indexOf(o.CustomerID)
		assert.Equal(t, fmt.Sprintf("SO%08d-", i), o.ID[:11])
		assert.Equal(t, render(g.CustomerOrders(i, o.CustomerID)...), render(g.CustomerOrders(i, indexID(i))...))
		o.CustomerID = want[k].CustomerID
		assert.Equal(t, render(want[k]), render(o))
	}
}

func TestCatalogue(t *testing.T) {
	g := fake.MustNew(1, nil)
	cat := g.Catalogue()
	require.NotEmpty(t, cat)
	skus := map[string]bool{}
	cats := map[string]bool{}
	for i, p := range cat {
		assert.False(t, skus[p.SKU], "duplicate SKU %s", p.SKU)
		skus[p.SKU] = true
		cats[p.Category] = true
		assert.True(t, p.Price.IsPositive())
		assert.NotEmpty(t, p.Name)
		if i > 0 {
			c, err := cat[i-1].Price.Cmp(p.Price)
			require.NoError(t, err)
			assert.LessOrEqual(t, c, 0, "catalogue not sorted by price")
		}
	}
	assert.Len(t, cats, 10)
	// Interests are drawn from the categories.
	for _, p := range g.ProfilesSeq(500) {
		for _, in := range p.Interests {
			assert.True(t, cats[in], in)
		}
	}
	// The slice is a copy.
	cat[0].SKU = "changed"
	assert.NotEqual(t, "changed", g.Catalogue()[0].SKU)
	// Every SKU bought is in the catalogue.
	for tx := range g.Orders(300, nil) {
		for _, l := range tx.Lines {
			assert.True(t, skus[l.SKU], l.SKU)
		}
	}
}

// customerStats simulates n customers and returns each one's number of orders and total
// spend.
func customerStats(g *fake.Generator, n int) (orders []int, spend []float64) {
	orders, spend = make([]int, n), make([]float64, n)
	for o := range g.Orders(n, indexID) {
		i := indexOf(o.CustomerID)
		orders[i]++
		f, _ := total(o).Amount().Float64()
		spend[i] += f
	}
	return orders, spend
}

// TestHeavyTail checks that a few customers dominate revenue, as in every customer base
// described by BG/NBD and Gamma-Gamma: heterogeneity in both the purchase rate and the
// spend per order.
func TestHeavyTail(t *testing.T) {
	_, spend := customerStats(fake.MustNew(21, nil), 10000)
	slices.Sort(spend)
	slices.Reverse(spend)
	var top, total float64
	for i, s := range spend {
		total += s
		if i < len(spend)/5 {
			top += s
		}
	}
	t.Logf("top 20%% of customers hold %.1f%% of revenue", 100*top/total)
	assert.Greater(t, top/total, 0.5)
}

// T is the default window in weeks.
const windowWeeks = 365.0 / 7

// TestOneTimeBuyers checks the share of customers who never buy again against the BG/NBD
// model. Under BG/NBD a customer cannot drop out before a repeat purchase, so one with
// first purchase at t0 makes no repeat purchase in the rest of the window, τ = T − t0,
// with probability E[e^{−λτ}] = (α/(α+τ))^r (Fader, Hardie & Lee 2005, P(X(t) = 0)).
// With t0 uniform on [0, T/2), τ is uniform on (T/2, T]; integrating,
//
//	P(one-time) = (2/T) · α^r · [(α+T)^{1−r} − (α+T/2)^{1−r}] / (1−r),
//
// which is 0.576 for the CDNOW parameters and a 52-week window. That is close to CDNOW
// itself, where about 60% of the cohort made no repeat purchase in the 39 weeks after
// their first. The band is five binomial standard errors.
func TestOneTimeBuyers(t *testing.T) {
	g := fake.MustNew(31, nil)
	m := g.Options().Model
	r, a, T := m.R, m.Alpha, windowWeeks
	want := 2 / T * math.Pow(a, r) * (math.Pow(a+T, 1-r) - math.Pow(a+T/2, 1-r)) / (1 - r)
	require.InDelta(t, 0.576, want, 0.001)

	const n = 20000
	orders, _ := customerStats(g, n)
	once := 0
	for _, k := range orders {
		require.Positive(t, k, "every customer buys once in the first half of the window")
		if k == 1 {
			once++
		}
	}
	got := float64(once) / n
	se := math.Sqrt(want * (1 - want) / n)
	t.Logf("one-time buyers: %.4f, BG/NBD %.4f ± %.4f", got, want, 5*se)
	assert.InDelta(t, want, got, 5*se)
}

// TestRepeatPurchasesMatchBGNBD checks the mean number of repeat purchases against the
// BG/NBD expectation (Fader, Hardie & Lee 2005, eq. 9)
//
//	E[X(τ)] = (a+b−1)/(a−1) · [1 − (α/(α+τ))^r · 2F1(r, b; a+b−1; τ/(α+τ))]
//
// averaged over τ uniform on (T/2, T] by Simpson's rule.
func TestRepeatPurchasesMatchBGNBD(t *testing.T) {
	g := fake.MustNew(41, nil)
	m := g.Options().Model
	ex := func(tau float64) float64 {
		return (m.A + m.B - 1) / (m.A - 1) *
			(1 - math.Pow(m.Alpha/(m.Alpha+tau), m.R)*hyp2f1(m.R, m.B, m.A+m.B-1, tau/(m.Alpha+tau)))
	}
	const steps = 200
	lo, hi := windowWeeks/2, windowWeeks
	h := (hi - lo) / steps
	var sum float64
	for k := 0; k <= steps; k++ {
		w := 2.0
		switch {
		case k == 0 || k == steps:
			w = 1
		case k%2 == 1:
			w = 4
		}
		sum += w * ex(lo+float64(k)*h)
	}
	want := sum * h / 3 / (hi - lo)

	const n = 20000
	orders, _ := customerStats(g, n)
	var mean, sq float64
	for _, k := range orders {
		x := float64(k - 1)
		mean += x
		sq += x * x
	}
	mean /= n
	se := math.Sqrt((sq/n - mean*mean) / n)
	t.Logf("repeat purchases per customer: %.4f, BG/NBD %.4f ± %.4f", mean, want, 5*se)
	assert.InDelta(t, want, mean, 5*se)
}

// hyp2f1 sums the Gauss hypergeometric series, which converges for |z| < 1.
func hyp2f1(a, b, c, z float64) float64 {
	term, sum := 1.0, 1.0
	for j := 0.0; j < 1e6; j++ {
		term *= (a + j) * (b + j) / ((c + j) * (j + 1)) * z
		sum += term
		if math.Abs(term) < 1e-15*math.Abs(sum) {
			break
		}
	}
	return sum
}

// TestMeanOrderValueMatchesGammaGamma checks the mean order value against the Gamma-Gamma
// model: each customer's orders have mean P/ν with ν ~ Gamma(Q, γ), and ν is independent
// of the purchase process, so the mean over all orders is E[P/ν] = P·γ/(Q−1) (the
// unconditional mean of the Gamma-Gamma model), 35.22 for the CDNOW values. The
// amount of an order is within half the cheapest price (0.50) of the drawn value, and the
// band is five standard errors of the ratio estimator, clustered by customer.
func TestMeanOrderValueMatchesGammaGamma(t *testing.T) {
	g := fake.MustNew(51, nil)
	m := g.Options().Model
	want := m.P * m.Gamma / (m.Q - 1)
	require.InDelta(t, 35.22, want, 0.01)

	const n = 20000
	orders, spend := customerStats(g, n)
	var s, c float64
	for i := range orders {
		s += spend[i]
		c += float64(orders[i])
	}
	mean := s / c
	var v float64
	for i := range orders {
		d := spend[i] - mean*float64(orders[i])
		v += d * d
	}
	se := math.Sqrt(v) / c
	t.Logf("mean order value %.3f, Gamma-Gamma %.3f ± %.3f", mean, want, 5*se+0.5)
	assert.InDelta(t, want, mean, 5*se+0.5)
}

// TestAssociatedPairs checks that the product pairs built into the catalogue co-occur far
// above chance: lift = P(A and B) / (P(A)·P(B)) is 1 for independent products.
func TestAssociatedPairs(t *testing.T) {
	pairs := [][2]string{
		{"GR-PAS-001", "GR-SAU-001"}, // spaghetti, pasta sauce
		{"PC-SHP-001", "PC-CND-001"}, // shampoo, conditioner
		{"PC-TBR-001", "PC-TPS-001"}, // toothbrush, toothpaste
		{"EL-CAS-001", "EL-SCR-001"}, // phone case, screen protector
		{"BB-DPR-001", "BB-WIP-001"}, // diapers, baby wipes
		{"OF-INK-001", "OF-PAP-001"}, // ink cartridge, copy paper
		{"SP-RKT-001", "SP-SHC-001"}, // badminton racket, shuttlecocks
	}
	count := map[string]int{}
	both := make([]int, len(pairs))
	orders := 0
	for tx := range fake.MustNew(61, nil).Orders(40000, nil) {
		orders++
		has := func(sku string) bool {
			return slices.ContainsFunc(tx.Lines, func(l kehu.OrderLine) bool { return l.SKU == sku })
		}
		for _, l := range tx.Lines {
			count[l.SKU]++
		}
		for k, p := range pairs {
			if has(p[0]) && has(p[1]) {
				both[k]++
			}
		}
	}
	for k, p := range pairs {
		lift := float64(both[k]) * float64(orders) / float64(count[p[0]]*count[p[1]])
		t.Logf("%s + %s: %d orders together, lift %.1f", p[0], p[1], both[k], lift)
		assert.GreaterOrEqual(t, both[k], 3, "%s + %s too rare to judge", p[0], p[1])
		assert.Greater(t, lift, 4.0, "%s + %s", p[0], p[1])
	}
	// A pair with no link is near independence.
	lift := float64(0)
	for tx := range fake.MustNew(61, nil).Orders(40000, nil) {
		if slices.ContainsFunc(tx.Lines, func(l kehu.OrderLine) bool { return l.SKU == "GR-RCE-001" }) &&
			slices.ContainsFunc(tx.Lines, func(l kehu.OrderLine) bool { return l.SKU == "PC-TIS-001" }) {
			lift++
		}
	}
	lift = lift * float64(orders) / float64(count["GR-RCE-001"]*count["PC-TIS-001"])
	t.Logf("rice + tissues (no link): lift %.2f", lift)
	assert.Less(t, lift, 2.0)
}

func TestOptions(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		o := fake.MustNew(0, nil).Options()
		assert.Equal(t, 0.6, o.ChineseShare)
		assert.Equal(t, 0.1, o.BusinessShare)
		assert.Equal(t, "CN", o.Region)
		assert.Equal(t, "CNY", o.Currency)
		assert.Equal(t, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), o.Start)
		assert.Equal(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), o.End)
		assert.Equal(t, fake.DefaultPurchaseModel(), o.Model)
		assert.Equal(t, fake.PurchaseModel{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426, P: 6.25, Q: 3.74, Gamma: 15.44}, o.Model)
		assert.Equal(t, o, fake.MustNew(0, &fake.Options{}).Options())
	})

	t.Run("negative shares mean none", func(t *testing.T) {
		g := fake.MustNew(1, &fake.Options{ChineseShare: -1, BusinessShare: -1, Region: "GB"})
		for i, p := range g.ProfilesSeq(1000) {
			require.Equal(t, crm.Person, p.Kind, "profile %d", i)
			require.Equal(t, "GB", p.Addresses[0].Country, "profile %d", i)
		}
		g = fake.MustNew(1, &fake.Options{ChineseShare: 1, BusinessShare: 1})
		for i, p := range g.ProfilesSeq(200) {
			require.Equal(t, crm.Business, p.Kind, "profile %d", i)
			require.Equal(t, "CN", p.Addresses[0].Country, "profile %d", i)
		}
	})

	t.Run("model fields default one by one", func(t *testing.T) {
		o := fake.MustNew(0, &fake.Options{Model: fake.PurchaseModel{R: 1, Gamma: 2}}).Options()
		want := fake.DefaultPurchaseModel()
		want.R, want.Gamma = 1, 2
		assert.Equal(t, want, o.Model)
	})

	t.Run("a higher spend shows in the amounts", func(t *testing.T) {
		m := fake.DefaultPurchaseModel()
		m.Gamma *= 10 // γ scales order values: ten times the mean order value
		_, spend := customerStats(fake.MustNew(8, &fake.Options{Model: m}), 2000)
		_, base := customerStats(fake.MustNew(8, nil), 2000)
		var a, b float64
		for i := range spend {
			a += spend[i]
			b += base[i]
		}
		assert.InDelta(t, 10, a/b, 1.5)
	})

	t.Run("only one end of the window", func(t *testing.T) {
		start := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
		o := fake.MustNew(0, &fake.Options{Start: start}).Options()
		assert.Equal(t, start.AddDate(0, 0, 365), o.End)
		o = fake.MustNew(0, &fake.Options{End: start}).Options()
		assert.Equal(t, start.AddDate(0, 0, -365), o.Start)
	})

	bad := []struct {
		name string
		opts fake.Options
	}{
		{"share above one", fake.Options{ChineseShare: 1.5}},
		{"share not a number", fake.Options{BusinessShare: math.NaN()}},
		{"unknown currency", fake.Options{Currency: "XXX"}},
		{"end before start", fake.Options{Start: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"negative model parameter", fake.Options{Model: fake.PurchaseModel{Alpha: -1}}},
		{"infinite model parameter", fake.Options{Model: fake.PurchaseModel{Q: math.Inf(1)}}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, tc.opts.Validate(), kehu.ErrInvalid)
			g, err := fake.New(1, &tc.opts)
			assert.Nil(t, g)
			assert.ErrorIs(t, err, kehu.ErrInvalid)
			assert.Panics(t, func() { fake.MustNew(1, &tc.opts) })
		})
	}
	var nilOpts *fake.Options
	assert.NoError(t, nilOpts.Validate())
}

func TestAmountsDecimal(t *testing.T) {
	// Amounts are exact decimals with the currency's places, never floats.
	tx := fake.MustNew(1, nil).CustomerOrders(0, kehu.CustomerID{})
	require.NotEmpty(t, tx)
	for _, l := range tx[0].Lines {
		assert.GreaterOrEqual(t, l.Amount.Amount().Exponent(), int32(-2))
		assert.True(t, l.Amount.Amount().GreaterThan(decimal.Zero))
	}
}

func BenchmarkProfile(b *testing.B) {
	g := fake.MustNew(1, nil)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = g.Profile(i)
		i++
	}
}

// BenchmarkOrders measures one operation as the orders of 1,000 customers (about 2,100
// orders) and reports the time per order.
func BenchmarkOrders(b *testing.B) {
	g := fake.MustNew(1, nil)
	b.ReportAllocs()
	n, ops := 0, 0
	for b.Loop() {
		for range g.Orders(1000, nil) {
			n++
		}
		ops++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/order")
	b.ReportMetric(float64(n)/float64(ops), "orders/op")
}
