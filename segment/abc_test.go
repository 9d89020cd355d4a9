package segment_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/segment"
)

func values(pairs ...string) []segment.CustomerValue {
	var out []segment.CustomerValue
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, segment.CustomerValue{Customer: pairs[i], Value: decimal.RequireFromString(pairs[i+1])})
	}
	return out
}

func classes(r []segment.ABCResult) map[string]segment.Class {
	m := map[string]segment.Class{}
	for _, x := range r {
		m[x.Customer] = x.Class
	}
	return m
}

func TestABC(t *testing.T) {
	A, B, C := segment.ClassA, segment.ClassB, segment.ClassC
	tests := []struct {
		name string
		in   []segment.CustomerValue
		opts *segment.ABCOptions
		want map[string]segment.Class
	}{
		{
			// Total 100: cumulative shares before each customer 0, 50, 80, 90 (tied pair).
			name: "crossing customer goes up (default)",
			in:   values("a", "50", "b", "30", "c", "10", "d", "5", "e", "5"),
			want: map[string]segment.Class{"a": A, "b": A, "c": B, "d": B, "e": B},
		},
		{
			// Cumulative including each: 50, 80, 90, 100 for the tied pair.
			name: "crossing customer goes down",
			in:   values("a", "50", "b", "30", "c", "10", "d", "5", "e", "5"),
			opts: &segment.ABCOptions{Crossing: segment.CrossingDown},
			want: map[string]segment.Class{"a": A, "b": A, "c": B, "d": C, "e": C},
		},
		{
			// b crosses 80 % (cumulative 70 → 85): up puts it in A, down in B; c crosses
			// 95 % (85 → 95) under up and is B; d starts at 95 % and is C.
			name: "crossing up",
			in:   values("a", "70", "b", "15", "c", "10", "d", "5"),
			want: map[string]segment.Class{"a": A, "b": A, "c": B, "d": C},
		},
		{
			name: "crossing down",
			in:   values("a", "70", "b", "15", "c", "10", "d", "5"),
			opts: &segment.ABCOptions{Crossing: segment.CrossingDown},
			want: map[string]segment.Class{"a": A, "b": B, "c": B, "d": C}, // c reaches 95 % exactly
		},
		{
			name: "ties are one group",
			in:   values("a", "40", "b", "20", "c", "20", "d", "20"),
			want: map[string]segment.Class{"a": A, "b": A, "c": A, "d": A},
		},
		{
			name: "custom thresholds 50/30",
			in:   values("a", "40", "b", "30", "c", "20", "d", "10"),
			opts: &segment.ABCOptions{A: 0.5, B: 0.3},
			want: map[string]segment.Class{"a": A, "b": A, "c": B, "d": C},
		},
		{
			name: "zero values are C",
			in:   values("a", "1", "b", "0", "c", "0"),
			want: map[string]segment.Class{"a": A, "b": C, "c": C},
		},
		{
			name: "zero total: everyone C",
			in:   values("a", "0", "b", "0"),
			opts: &segment.ABCOptions{Crossing: segment.CrossingDown},
			want: map[string]segment.Class{"a": C, "b": C},
		},
		{
			name: "huge values take the exact decimal path",
			in:   values("a", "90000000000000000000000", "b", "5000000000000000000000.000000001", "c", "4999999999999999999999.999999999"),
			want: map[string]segment.Class{"a": A, "b": B, "c": C},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := segment.ABC(tt.in, tt.opts)
			require.NoError(t, err)
			assert.Equal(t, tt.want, classes(got))
			assert.Equal(t, independentABC(tt.in, tt.opts), classes(got), "independent computation")
			// Any input order gives the same result.
			rev := slices.Clone(tt.in)
			slices.Reverse(rev)
			got2, err := segment.ABC(rev, tt.opts)
			require.NoError(t, err)
			assert.Equal(t, got, got2)
		})
	}
}

// TestABCExactBoundary: a customer whose preceding cumulative share is exactly 80 % is
// not in A under CrossingUp (80 % is reached), and one whose own cumulative share is
// exactly 80 % is in A under CrossingDown — exact arithmetic, no float rounding.
func TestABCExactBoundary(t *testing.T) {
	// Total 1.00. Under CrossingUp b's preceding share is exactly 0.80: not below 80 %, so
	// b is B. Under CrossingDown a's own cumulative share is exactly 0.80: A.
	in := values("a", "0.8", "b", "0.1", "c", "0.05", "d", "0.05")
	up, err := segment.ABC(in, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]segment.Class{"a": "A", "b": "B", "c": "B", "d": "B"}, classes(up))
	down, err := segment.ABC(in, &segment.ABCOptions{Crossing: segment.CrossingDown})
	require.NoError(t, err)
	assert.Equal(t, map[string]segment.Class{"a": "A", "b": "B", "c": "C", "d": "C"}, classes(down),
		"the tied c and d reach 100 % together")
	// 0.7 + 0.1 is 0.7999999999999999 in float64; in decimals it is 0.8.
	in2 := values("a", "0.7", "b", "0.1", "c", "0.09", "d", "0.06", "e", "0.05")
	down2, err := segment.ABC(in2, &segment.ABCOptions{Crossing: segment.CrossingDown})
	require.NoError(t, err)
	assert.Equal(t, map[string]segment.Class{"a": "A", "b": "A", "c": "B", "d": "B", "e": "C"}, classes(down2),
		"0.7 + 0.1 = 0.8 exactly: b is A; d reaches 0.95 exactly: B")
}

func TestABCValidation(t *testing.T) {
	tests := []struct {
		name  string
		in    []segment.CustomerValue
		opts  *segment.ABCOptions
		field string
	}{
		{"A above 1", nil, &segment.ABCOptions{A: 1.5}, "a"},
		{"negative B", nil, &segment.ABCOptions{B: -0.1}, "b"},
		{"A+B above 1", nil, &segment.ABCOptions{A: 0.9, B: 0.2}, "b"},
		{"crossing", nil, &segment.ABCOptions{Crossing: "sideways"}, "crossing"},
		{"NaN A", nil, &segment.ABCOptions{A: math.NaN()}, "a"},
		{"infinite A", nil, &segment.ABCOptions{A: math.Inf(1)}, "a"},
		{"NaN B", nil, &segment.ABCOptions{B: math.NaN()}, "b"},
		{"minus infinity B", nil, &segment.ABCOptions{B: math.Inf(-1)}, "b"},
		{"huge A", nil, &segment.ABCOptions{A: 1e300}, "a"},
		// shares are taken to 9 places: these would be 0, and so no class A or B
		{"A below 9 places", values("a", "10", "b", "1"), &segment.ABCOptions{A: 1e-10}, "a"},
		{"B below 9 places", values("a", "10", "b", "1"), &segment.ABCOptions{A: 0.5, B: 4e-10}, "b"},
		{"negative value", values("a", "-1"), nil, "values[0].value"},
		{"value out of range", []segment.CustomerValue{{Customer: "a", Value: decimal.New(1, 40)}}, nil, "values[0].value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := segment.ABC(tt.in, tt.opts)
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tt.field, ""), "%v", err)
		})
	}
}

// independentABC classifies with big.Rat arithmetic and a plain sort, written from the
// documented rules.
func independentABC(in []segment.CustomerValue, opts *segment.ABCOptions) map[string]segment.Class {
	a, b, down := 0.8, 0.15, false
	if opts != nil {
		if opts.A != 0 {
			a = opts.A
		}
		if opts.B != 0 {
			b = opts.B
		}
		down = opts.Crossing == segment.CrossingDown
	}
	type cv struct {
		c string
		v *big.Rat
	}
	var xs []cv
	total := new(big.Rat)
	for _, x := range in {
		r, _ := new(big.Rat).SetString(x.Value.String())
		xs = append(xs, cv{x.Customer, r})
		total.Add(total, r)
	}
	slices.SortFunc(xs, func(p, q cv) int {
		if c := q.v.Cmp(p.v); c != 0 {
			return c
		}
		return strings.Compare(p.c, q.c)
	})
	thA, _ := new(big.Rat).SetString(strconv.FormatFloat(a, 'f', -1, 64))
	thAB, _ := new(big.Rat).SetString(strconv.FormatFloat(a+b, 'f', 9, 64))
	thA.Mul(thA, total)
	thAB.Mul(thAB, total)
	out := map[string]segment.Class{}
	cum := new(big.Rat)
	for i := 0; i < len(xs); {
		j := i
		group := new(big.Rat)
		for j < len(xs) && xs[j].v.Cmp(xs[i].v) == 0 {
			group.Add(group, xs[j].v)
			j++
		}
		ref := new(big.Rat).Set(cum)
		if down {
			ref.Add(ref, group)
		}
		in := func(th *big.Rat) bool {
			if down {
				return ref.Cmp(th) <= 0
			}
			return ref.Cmp(th) < 0
		}
		class := segment.ClassC
		switch {
		case group.Sign() == 0 || total.Sign() == 0:
		case in(thA):
			class = segment.ClassA
		case in(thAB):
			class = segment.ClassB
		}
		for k := i; k < j; k++ {
			out[xs[k].c] = class
		}
		cum.Add(cum, group)
		i = j
	}
	return out
}

func TestABCRandomAgainstIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		var in []segment.CustomerValue
		for i := range 1 + rng.IntN(300) {
			v := decimal.New(int64(rng.IntN(50)*rng.IntN(50)), -int32(rng.IntN(3)))
			in = append(in, segment.CustomerValue{Customer: "c" + strconv.Itoa(i), Value: v})
		}
		for _, opts := range []*segment.ABCOptions{nil, {Crossing: segment.CrossingDown}, {A: 0.6, B: 0.3}} {
			got, err := segment.ABC(in, opts)
			require.NoError(t, err)
			require.Equal(t, independentABC(in, opts), classes(got))
		}
	}
}

// TestABCOnlineRetail classifies the Online Retail customers by revenue, checks every
// class against the independent computation, and the defining property of CrossingUp: A
// brings at least 80 % of revenue, and without its last group less than 80 %.
func TestABCOnlineRetail(t *testing.T) {
	txns, rep, err := segment.ReadOnlineRetail(onlineRetail(t), "*.csv")
	require.NoError(t, err)
	ranked, err := segment.Contribution(slices.Values(txns), time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Len(t, ranked, 1682)
	vals := make([]segment.CustomerValue, len(ranked))
	sum := decimal.Zero
	for i, r := range ranked {
		vals[i] = segment.CustomerValue{Customer: r.Customer, Value: r.Value}
		sum = sum.Add(r.Value)
	}
	assert.True(t, sum.Equal(rep.Revenue), "contributions add up to the revenue of testdata/online-retail/SOURCE.md, 1,589,296.28")
	got, err := segment.ABC(vals, nil)
	require.NoError(t, err)
	assert.Equal(t, independentABC(vals, nil), classes(got))

	aSum, lastA := decimal.Zero, decimal.Zero
	nA := 0
	for _, r := range got {
		if r.Class == segment.ClassA {
			aSum = aSum.Add(r.Value)
			lastA = r.Value
			nA++
		}
	}
	share := aSum.Div(sum)
	assert.True(t, share.GreaterThanOrEqual(decimal.RequireFromString("0.8")), "A share %s", share)
	assert.True(t, aSum.Sub(lastA).Div(sum).LessThan(decimal.RequireFromString("0.8")))
	t.Logf("Online Retail Dec 2010–Feb 2011: %d of %d customers (%.1f %%) bring %s of revenue (class A)",
		nA, len(got), 100*float64(nA)/float64(len(got)), share.StringFixed(4))
}

func TestRankAndCurve(t *testing.T) {
	r, err := segment.Rank(values("b", "30", "a", "50", "c", "10", "e", "5", "d", "5"))
	require.NoError(t, err)
	var order []string
	for _, x := range r {
		order = append(order, x.Customer)
	}
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, order, "largest first, ties by customer")
	assert.Equal(t, 1, r[0].Rank)
	assert.InDelta(t, 0.5, r[0].Share, 1e-15)
	assert.InDelta(t, 0.8, r[1].Cumulative, 1e-15)
	assert.InDelta(t, 1.0, r[4].Cumulative, 1e-15)

	// The top 20 % of five customers is the first customer: 50 %; the top 30 % is 1.5
	// customers: 50 % + half of 30 %.
	for _, tc := range []struct {
		fraction, want float64
	}{{0, 0}, {0.2, 0.5}, {0.3, 0.65}, {1, 1}} {
		got, err := segment.TopShare(r, tc.fraction)
		require.NoError(t, err)
		assert.InDelta(t, tc.want, got, 1e-12, "top %v", tc.fraction)
	}
	got, err := segment.TopShare(nil, 0.5)
	require.NoError(t, err)
	assert.Zero(t, got)

	c, err := segment.Curve(r, 5)
	require.NoError(t, err)
	require.Len(t, c, 6)
	want := []float64{0, 0.5, 0.8, 0.9, 0.95, 1}
	for i, p := range c {
		assert.InDelta(t, float64(i)/5, p.Customers, 1e-12)
		assert.InDelta(t, want[i], p.Revenue, 1e-12)
	}
	_, err = segment.Rank(values("a", "-1"))
	assert.ErrorIs(t, err, kehu.ErrInvalid)
}

func TestTopShareAndCurveRefuseBadInput(t *testing.T) {
	r, err := segment.Rank(values("a", "50", "b", "30", "c", "20"))
	require.NoError(t, err)
	bad := func(k int, share, cum float64) []segment.Ranked {
		out := slices.Clone(r)
		out[k].Share, out[k].Cumulative = share, cum
		return out
	}
	tests := []struct {
		name     string
		ranked   []segment.Ranked
		fraction float64
		field    string
	}{
		{"NaN fraction", r, math.NaN(), "fraction"},
		{"infinite fraction", r, math.Inf(1), "fraction"},
		{"minus infinity", r, math.Inf(-1), "fraction"},
		{"negative fraction", r, -0.1, "fraction"},
		{"fraction above 1", r, 1.5, "fraction"},
		{"NaN share read", bad(1, math.NaN(), 0.8), 0.5, "ranked[1].share"},
		{"NaN cumulative read", bad(0, 0.5, math.NaN()), 0.5, "ranked[0].cumulative"},
		{"infinite last cumulative", bad(2, 0.2, math.Inf(1)), 1, "ranked[2].cumulative"},
		{"share above 1", bad(1, 7, 0.8), 0.5, "ranked[1].share"},
		{"negative cumulative", bad(0, 0.5, -1), 0.5, "ranked[0].cumulative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := segment.TopShare(tt.ranked, tt.fraction)
			require.ErrorIs(t, err, kehu.ErrInvalid)
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tt.field, "range"), "%v", err)
		})
	}
	t.Run("curve", func(t *testing.T) {
		_, err := segment.Curve(bad(1, math.NaN(), 0.8), 6)
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("ranked[1].share", "range"), "%v", err)
		_, err = segment.Curve(r, segment.MaxCurvePoints+1)
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("points", "range"), "%v", err)
		c, err := segment.Curve(r, -5)
		require.NoError(t, err)
		assert.Len(t, c, 2, "a points below 1 is taken as 1")
	})
}

func TestContribution(t *testing.T) {
	txns := []segment.Transaction{
		mkTx("a", utcDay(2024, 1, 5), "10"), mkTx("b", utcDay(2024, 1, 6), "30"),
		mkTx("a", utcDay(2024, 2, 1), "25"), mkTx("c", utcDay(2024, 3, 1), "99"), // outside
		mkTx("b", utcDay(2023, 12, 31), "99"), // outside
	}
	r, err := segment.Contribution(slices.Values(txns), utcDay(2024, 1, 1), utcDay(2024, 3, 1))
	require.NoError(t, err)
	require.Len(t, r, 2)
	assert.Equal(t, "a", r[0].Customer)
	assert.Equal(t, "35", r[0].Value.String())
	assert.InDelta(t, 35.0/65, r[0].Share, 1e-15)

	_, err = segment.Contribution(slices.Values([]segment.Transaction{mkTx("", utcDay(2024, 1, 5), "1"), mkTx("x", utcDay(2024, 1, 5), "-1")}), time.Time{}, time.Time{})
	var rerr *segment.RejectedError
	require.ErrorAs(t, err, &rerr)
	assert.Equal(t, segment.Rejections{segment.RejectNoCustomer: 1, segment.RejectNegativeAmount: 1}, rerr.Rejected)
}

func dec(s ...string) []decimal.Decimal {
	out := make([]decimal.Decimal, len(s))
	for i, x := range s {
		out[i] = decimal.RequireFromString(x)
	}
	return out
}

// TestFranchiseABCRules classifies accounts with the franchise ABC rule: A = agents and
// the top 20 % of franchisees by annual sales; B = sales up ≥ 10 % in each of two
// consecutive years with high cooperation and loyalty; C = the rest. The expected classes
// are worked by hand from those definitions.
func TestFranchiseABCRules(t *testing.T) {
	rules, err := segment.NewRuleABC(segment.FranchiseABCRules())
	require.NoError(t, err)
	// Ten franchisees f0..f9 with last-year sales 100..1000 and one small agent.
	var accounts []segment.Account
	for i := range 10 {
		accounts = append(accounts, segment.Account{Customer: "f" + strconv.Itoa(i),
			Sales: dec("50", "50", strconv.Itoa(100*(i+1))), Cooperation: 3, Loyalty: 3})
	}
	accounts = append(accounts, segment.Account{Customer: "agent", Agent: true, Sales: dec("1")})
	// f0: 100 → 110 → 121: exactly +10 % twice, cooperative and loyal: B.
	accounts[0].Sales, accounts[0].Cooperation, accounts[0].Loyalty = dec("100", "110", "121"), 4, 5
	// f1: +10 % then +9.99 %: C.
	accounts[1].Sales, accounts[1].Cooperation, accounts[1].Loyalty = dec("100", "110", "120.98"), 5, 5
	// f2: grew but cooperation 3.9: C.
	accounts[2].Sales, accounts[2].Cooperation, accounts[2].Loyalty = dec("100", "200", "300"), 3.9, 5
	// f3: only two years of history: C.
	accounts[3].Sales, accounts[3].Cooperation, accounts[3].Loyalty = dec("100", "400"), 5, 5

	got, err := rules.Classify(accounts)
	require.NoError(t, err)
	want := map[string]segment.Class{
		"f0": "B", "f1": "C", "f2": "C", "f3": "C", "f4": "C", "f5": "C", "f6": "C", "f7": "C",
		"f8": "A", "f9": "A", // the top 2 of 10 franchisees (900 and 1000)
		"agent": "A",
	}
	m := map[string]segment.Class{}
	for _, c := range got {
		m[c.Customer] = c.Class
	}
	assert.Equal(t, want, m)
	assert.Equal(t, 0, got[10].Rule)
	assert.Equal(t, 1, got[0].Rule)
	assert.Equal(t, 2, got[1].Rule)

	t.Run("tied sales share the better place", func(t *testing.T) {
		acc := []segment.Account{
			{Customer: "x", Sales: dec("10")}, {Customer: "y", Sales: dec("10")},
			{Customer: "z", Sales: dec("5")}, {Customer: "w", Sales: dec("1")}, {Customer: "v", Sales: dec("1")},
		}
		got, err := rules.Classify(acc)
		require.NoError(t, err)
		assert.Equal(t, segment.ClassA, got[0].Class, "x: place 1 of 5 = 20 %")
		assert.Equal(t, segment.ClassA, got[1].Class, "y ties x")
		assert.Equal(t, segment.ClassC, got[2].Class, "z: 3 of 5 = 60 %")
	})
	t.Run("no sales is no place", func(t *testing.T) {
		// Five franchisees that all sold nothing tie at place 1, 20 %, by the formula;
		// none of them is among the top sellers. One that sold 1 is first of five.
		none := []segment.Account{{Customer: "a", Sales: dec("0")}, {Customer: "b", Sales: dec("0")},
			{Customer: "c", Sales: dec("0")}, {Customer: "d"}, {Customer: "e", Sales: dec("7", "0")}}
		got, err := rules.Classify(none)
		require.NoError(t, err)
		for _, c := range got {
			assert.Equal(t, segment.ClassC, c.Class, c.Customer)
		}
		none[0].Sales = dec("1")
		got, err = rules.Classify(none)
		require.NoError(t, err)
		assert.Equal(t, segment.ClassA, got[0].Class)
		assert.Equal(t, segment.ClassC, got[1].Class)
	})
	t.Run("edited rules", func(t *testing.T) {
		edited := segment.FranchiseABCRules()
		edited[1].When = `hasTag("strategic") || grew(0.05, 1)`
		r, err := segment.NewRuleABC(edited)
		require.NoError(t, err)
		got, err := r.Classify([]segment.Account{
			{Customer: "s", Tags: []string{"Strategic"}, Sales: dec("1", "1")},
			{Customer: "g", Sales: dec("100", "105")},
			{Customer: "n", Sales: dec("100", "104.99")},
			{Customer: "big", Sales: dec("1000", "1000")},
			{Customer: "small", Sales: dec("1", "1")},
		})
		require.NoError(t, err)
		assert.Equal(t, []segment.Class{"B", "B", "C", "A", "C"},
			[]segment.Class{got[0].Class, got[1].Class, got[2].Class, got[3].Class, got[4].Class},
			"big is first of five franchisees: 20 %")
	})
	t.Run("invalid rules report every problem", func(t *testing.T) {
		_, err := segment.NewRuleABC([]segment.ClassRule{{Class: "A", When: "sales +"}, {Class: "", When: "sales"}, {Class: "C", When: "nope > 1"}})
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("[0].when", "expression"))
		assert.True(t, verr.Has("[1].class", "required"))
		assert.True(t, verr.Has("[1].when", "expression"), "sales is a number, not bool")
		assert.True(t, verr.Has("[2].when", "expression"))
		_, err = segment.NewRuleABC(nil)
		assert.ErrorIs(t, err, kehu.ErrInvalid)
	})
	t.Run("bad accounts and runtime errors", func(t *testing.T) {
		_, err := rules.Classify([]segment.Account{{Customer: "x", Sales: dec("-1")}})
		assert.ErrorIs(t, err, kehu.ErrInvalid)
		_, err = rules.Classify([]segment.Account{{Customer: "x"}, {Customer: "y", Cooperation: math.Inf(1), Loyalty: math.NaN()}})
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("accounts[1].cooperation", "range"), "%v", err)
		assert.True(t, verr.Has("accounts[1].loyalty", "range"), "%v", err)
		r, err := segment.NewRuleABC([]segment.ClassRule{{Class: "A", When: `attributes.region > 3`}})
		require.NoError(t, err)
		_, err = r.Classify([]segment.Account{{Customer: "x"}})
		assert.ErrorContains(t, err, `account "x"`)
	})
}

func TestABCTies(t *testing.T) {
	A, B, C := segment.ClassA, segment.ClassB, segment.ClassC
	// Total 100: a 55, four customers at 10 (b, c, d, e), f 5. One by one in ascending
	// order of the customer, the shares before b, c, d, e are 55, 65, 75, 85 %; before the
	// group 55 %, and after it 95 %.
	in := values("a", "55", "d", "10", "b", "10", "e", "10", "c", "10", "f", "5")
	tests := []struct {
		name string
		opts *segment.ABCOptions
		want map[string]segment.Class
	}{
		{"together, up: the group is judged by the 55 % before it",
			nil, map[string]segment.Class{"a": A, "b": A, "c": A, "d": A, "e": A, "f": C}},
		{"together, down: the group ends at 95 %",
			&segment.ABCOptions{Crossing: segment.CrossingDown}, map[string]segment.Class{"a": A, "b": B, "c": B, "d": B, "e": B, "f": C}},
		{"by customer, up: b, c and d start below 80 %, e below 95 %",
			&segment.ABCOptions{Ties: segment.TiesByCustomer}, map[string]segment.Class{"a": A, "b": A, "c": A, "d": A, "e": B, "f": C}},
		{"by customer, down: b ends at 65 %, c at 75 %, d at 85 %, e at 95 %",
			&segment.ABCOptions{Ties: segment.TiesByCustomer, Crossing: segment.CrossingDown}, map[string]segment.Class{"a": A, "b": A, "c": A, "d": B, "e": B, "f": C}},
		{"by input, up: d, b, e, then c",
			&segment.ABCOptions{Ties: segment.TiesByInput}, map[string]segment.Class{"a": A, "d": A, "b": A, "e": A, "c": B, "f": C}},
		{"by input, 70/20 down: d ends at 65 %, b at 75 %, e at 85 %, c at 95 %",
			&segment.ABCOptions{Ties: segment.TiesByInput, A: 0.7, B: 0.2, Crossing: segment.CrossingDown}, map[string]segment.Class{"a": A, "d": A, "b": B, "e": B, "c": C, "f": C}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := segment.ABC(in, tt.opts)
			require.NoError(t, err)
			assert.Equal(t, tt.want, classes(got))
			for k, r := range got {
				assert.Equal(t, k+1, r.Rank)
			}
		})
	}

	t.Run("by input keeps the input order of tied customers", func(t *testing.T) {
		got, err := segment.ABC(in, &segment.ABCOptions{Ties: segment.TiesByInput})
		require.NoError(t, err)
		var order []string
		for _, r := range got {
			order = append(order, r.Customer)
		}
		assert.Equal(t, []string{"a", "d", "b", "e", "c", "f"}, order)
	})

	t.Run("unknown tie rule", func(t *testing.T) {
		_, err := segment.ABC(in, &segment.ABCOptions{Ties: "random"})
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("ties", "enum"), "%v", err)
	})
}

// TestABCTiesOrderIndependent shuffles inputs full of ties: the default classes, and
// those of TiesByCustomer, never depend on the order of the values.
func TestABCTiesOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 30 {
		var in []segment.CustomerValue
		for i := range 1 + rng.IntN(200) {
			in = append(in, segment.CustomerValue{Customer: "c" + strconv.Itoa(i), Value: decimal.NewFromInt(int64(1 + rng.IntN(6)))})
		}
		for _, opts := range []*segment.ABCOptions{nil, {Crossing: segment.CrossingDown}, {Ties: segment.TiesByCustomer}} {
			first, err := segment.ABC(in, opts)
			require.NoError(t, err)
			shuffled := slices.Clone(in)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			again, err := segment.ABC(shuffled, opts)
			require.NoError(t, err)
			require.Equal(t, first, again)
		}
	}
}

// TestABCCDNOWTies classifies the whole CDNOW log (testdata/cdnow/CDNOW_master.txt.gz,
// Fader & Hardie's full cohort: 23,570 customers, $2,500,315.63) by each customer's total
// spend. 34 customers spent exactly $26.99, and their group straddles the 95 % threshold.
// The counts are checked against the independent big.Rat computation below.
func TestABCCDNOWTies(t *testing.T) {
	txns, _, err := segment.ReadCDNOW(openTestdata(t, "cdnow/CDNOW_master.txt.gz"))
	require.NoError(t, err)
	ranked, err := segment.Contribution(slices.Values(txns), time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Len(t, ranked, 23570)
	vals := make([]segment.CustomerValue, len(ranked))
	for i, r := range ranked {
		vals[i] = segment.CustomerValue{Customer: r.Customer, Value: r.Value}
	}
	price := decimal.RequireFromString("26.99")
	count := func(rs []segment.ABCResult) (all, group map[segment.Class]int, groupB []string) {
		all, group = map[segment.Class]int{}, map[segment.Class]int{}
		for _, r := range rs {
			all[r.Class]++
			if r.Value.Equal(price) {
				group[r.Class]++
				if r.Class == segment.ClassB {
					groupB = append(groupB, r.Customer)
				}
			}
		}
		return all, group, groupB
	}

	// The group: ranks 15,729 to 15,762, after 94.988 % of revenue, up to 95.025 %.
	first := slices.IndexFunc(ranked, func(r segment.Ranked) bool { return r.Value.Equal(price) })
	require.Equal(t, 15729-1, first)
	assert.Equal(t, 15762, ranked[first+33].Rank)
	assert.False(t, ranked[first+34].Value.Equal(price))
	assert.InDelta(t, 0.94988, ranked[first-1].Cumulative, 1e-5)
	assert.InDelta(t, 0.95025, ranked[first+33].Cumulative, 1e-5)

	together, err := segment.ABC(vals, nil)
	require.NoError(t, err)
	all, group, _ := count(together)
	assert.Equal(t, map[segment.Class]int{segment.ClassA: 7695, segment.ClassB: 8067, segment.ClassC: 7808}, all)
	assert.Equal(t, map[segment.Class]int{segment.ClassB: 34}, group, "the whole group is B")
	assert.Equal(t, independentABCSplit(vals, false), classes(together))

	byCustomer, err := segment.ABC(vals, &segment.ABCOptions{Ties: segment.TiesByCustomer})
	require.NoError(t, err)
	all, group, groupB := count(byCustomer)
	assert.Equal(t, map[segment.Class]int{segment.ClassA: 7695, segment.ClassB: 8044, segment.ClassC: 7831}, all)
	assert.Equal(t, map[segment.Class]int{segment.ClassB: 11, segment.ClassC: 23}, group)
	assert.Equal(t, []string{"10663", "10680", "1073", "11037", "11345", "11874", "12040", "13272", "13518", "13839", "13908"}, groupB,
		"the first 11 of the group in ascending (byte) order of the customer ID")
	assert.Equal(t, independentABCSplit(vals, true), classes(byCustomer))

	// A spreadsheet with one row per customer in numeric order of the customer number,
	// sorted by spend with a stable sort: the same counts, other customers.
	numeric := slices.Clone(vals)
	slices.SortFunc(numeric, func(a, b segment.CustomerValue) int {
		x, _ := strconv.Atoi(a.Customer)
		y, _ := strconv.Atoi(b.Customer)
		return x - y
	})
	byInput, err := segment.ABC(numeric, &segment.ABCOptions{Ties: segment.TiesByInput})
	require.NoError(t, err)
	all, group, groupB = count(byInput)
	assert.Equal(t, map[segment.Class]int{segment.ClassA: 7695, segment.ClassB: 8044, segment.ClassC: 7831}, all)
	assert.Equal(t, map[segment.Class]int{segment.ClassB: 11, segment.ClassC: 23}, group)
	assert.Equal(t, []string{"395", "1073", "1619", "1636", "2085", "3272", "4441", "4522", "5009", "5475", "6608"}, groupB)
}

// independentABCSplit is the default ABC rule (80/15, CrossingUp) with big.Rat arithmetic
// and a plain sort, groups of equal values kept together or, with split, split customer
// by customer in ascending order of the customer.
func independentABCSplit(in []segment.CustomerValue, split bool) map[string]segment.Class {
	if !split {
		return independentABC(in, nil)
	}
	type cv struct {
		c string
		v *big.Rat
	}
	var xs []cv
	total := new(big.Rat)
	for _, x := range in {
		r, _ := new(big.Rat).SetString(x.Value.String())
		xs = append(xs, cv{x.Customer, r})
		total.Add(total, r)
	}
	slices.SortFunc(xs, func(p, q cv) int {
		if c := q.v.Cmp(p.v); c != 0 {
			return c
		}
		return strings.Compare(p.c, q.c)
	})
	thA := new(big.Rat).Mul(big.NewRat(80, 100), total)
	thAB := new(big.Rat).Mul(big.NewRat(95, 100), total)
	out := map[string]segment.Class{}
	cum := new(big.Rat)
	for _, x := range xs {
		switch {
		case x.v.Sign() == 0:
			out[x.c] = segment.ClassC
		case cum.Cmp(thA) < 0:
			out[x.c] = segment.ClassA
		case cum.Cmp(thAB) < 0:
			out[x.c] = segment.ClassB
		default:
			out[x.c] = segment.ClassC
		}
		cum.Add(cum, x.v)
	}
	return out
}
