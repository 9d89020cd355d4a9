package segment_test

import (
	"errors"
	"iter"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm/fake"
	"github.com/kehu-crm/kehu/segment"
)

var (
	buyerA = kehu.CustomerIDFrom(uuid.MustParse("0190f3a2-0000-7000-8000-00000000000a"))
	buyerB = kehu.CustomerIDFrom(uuid.MustParse("0190f3a2-0000-7000-8000-00000000000b"))
)

// mkOrder builds an order of buyer at at, one line per amount, in cur.
func mkOrder(id string, buyer kehu.CustomerID, at time.Time, cur string, amounts ...string) kehu.Order {
	o := kehu.Order{ID: id, CustomerID: buyer, At: at, Currency: cur}
	for i, a := range amounts {
		o.Lines = append(o.Lines, kehu.OrderLine{ID: string(rune('1' + i)), SKU: "SKU-" + a, Category: "cat", Quantity: int64(i + 1), Amount: kehu.MustMoney(a, cur)})
	}
	return o
}

func TestFromOrder(t *testing.T) {
	at := time.Date(2025, 3, 1, 10, 30, 0, 0, time.UTC)
	good := mkOrder("SO-1", buyerA, at, "CNY", "10.50", "0.20")
	tests := []struct {
		name   string
		order  kehu.Order
		want   segment.Transaction
		fields []string // of the error, if any, in order
	}{
		{
			name:  "lines mapped, amount their exact sum",
			order: good,
			want: segment.Transaction{Customer: buyerA.String(), At: at, Amount: decimal.RequireFromString("10.70"), Lines: []segment.Line{
				{SKU: "SKU-10.50", Category: "cat", Quantity: 1, Amount: decimal.RequireFromString("10.50")},
				{SKU: "SKU-0.20", Category: "cat", Quantity: 2, Amount: decimal.RequireFromString("0.20")},
			}},
		},
		{
			name:  "no lines: amount zero, no lines",
			order: mkOrder("SO-2", buyerB, at, "JPY"),
			want:  segment.Transaction{Customer: buyerB.String(), At: at, Amount: decimal.Zero},
		},
		{
			name:  "lower-case currency",
			order: mkOrder("SO-3", buyerA, at, "usd", "1"),
			want:  segment.Transaction{Customer: buyerA.String(), At: at, Amount: decimal.RequireFromString("1"), Lines: []segment.Line{{SKU: "SKU-1", Category: "cat", Quantity: 1, Amount: decimal.RequireFromString("1")}}},
		},
		{
			name:  "a negative line converts: Summarize judges it",
			order: mkOrder("SO-4", buyerA, at, "CNY", "-5"),
			want:  segment.Transaction{Customer: buyerA.String(), At: at, Amount: decimal.RequireFromString("-5"), Lines: []segment.Line{{SKU: "SKU--5", Category: "cat", Quantity: 1, Amount: decimal.RequireFromString("-5")}}},
		},
		{name: "no customer", order: mkOrder("SO-5", kehu.CustomerID{}, at, "CNY", "1"), fields: []string{"customer_id"}},
		{name: "a line in another currency", order: withLines(good, kehu.OrderLine{ID: "3", Quantity: 1, Amount: kehu.MustMoney("1", "USD")}), fields: []string{"lines[2].amount"}},
		{name: "no currency", order: kehu.Order{ID: "SO-6", CustomerID: buyerA, At: at}, fields: []string{"currency"}},
		{name: "unknown currency", order: kehu.Order{ID: "SO-7", CustomerID: buyerA, At: at, Currency: "ABC"}, fields: []string{"currency"}},
		{name: "every bad field at once", order: kehu.Order{ID: "SO-8", At: at, Currency: "XYZ"}, fields: []string{"customer_id", "currency"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := segment.FromOrder(tc.order)
			if tc.fields != nil {
				require.ErrorIs(t, err, kehu.ErrInvalid)
				var verr *kehu.ValidationError
				require.ErrorAs(t, err, &verr)
				var fields []string
				for _, f := range verr.Fields {
					fields = append(fields, f.Field)
				}
				assert.Equal(t, tc.fields, fields)
				assert.Equal(t, segment.Transaction{}, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want.Customer, got.Customer)
			assert.Equal(t, tc.want.At, got.At)
			assert.True(t, tc.want.Amount.Equal(got.Amount), "amount %s, want %s", got.Amount, tc.want.Amount)
			require.Len(t, got.Lines, len(tc.want.Lines))
			if tc.want.Lines == nil {
				assert.Nil(t, got.Lines)
			}
			for i, l := range tc.want.Lines {
				g := got.Lines[i]
				assert.Equal(t, [3]any{l.SKU, l.Category, l.Quantity}, [3]any{g.SKU, g.Category, g.Quantity})
				assert.True(t, l.Amount.Equal(g.Amount), "line %d: %s, want %s", i, g.Amount, l.Amount)
			}
		})
	}
}

func TestOrders(t *testing.T) {
	at := time.Date(2025, 3, 1, 10, 30, 0, 0, time.UTC)
	a1 := mkOrder("SO-1", buyerA, at, "CNY", "10")
	a2 := mkOrder("SO-2", buyerA, at.Add(time.Hour), "CNY", "20", "1")
	b1 := mkOrder("SO-3", buyerB, at.Add(2*time.Hour), "CNY", "5")
	tests := []struct {
		name   string
		orders []kehu.Order
		yields int    // transactions yielded before the sequence stops
		field  string // of the error, if any
		id     string // the order the error names
	}{
		{name: "all good", orders: []kehu.Order{a1, a2, b1}, yields: 3},
		{name: "none", orders: nil, yields: 0},
		{name: "currency mismatch", orders: []kehu.Order{a1, a2, mkOrder("SO-9", buyerB, at, "USD", "5"), b1}, yields: 2, field: "orders[2].currency", id: "SO-9"},
		{name: "same currency spelt otherwise", orders: []kehu.Order{a1, mkOrder("SO-9", buyerB, at, "cny", "5")}, yields: 2},
		{name: "empty customer", orders: []kehu.Order{a1, mkOrder("SO-9", kehu.CustomerID{}, at, "CNY", "5"), b1}, yields: 1, field: "orders[1].customer_id", id: "SO-9"},
		{name: "bad first order", orders: []kehu.Order{{ID: "SO-0", CustomerID: buyerA, At: at, Currency: "??"}}, yields: 0, field: "orders[0].currency", id: "SO-0"},
		{name: "a line in another currency", orders: []kehu.Order{a1, withLines(a2, kehu.OrderLine{ID: "9", Quantity: 1, Amount: kehu.MustMoney("1", "EUR")})}, yields: 1, field: "orders[1].lines[2].amount", id: "SO-2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			txns, errf := segment.Orders(slices.Values(tc.orders))
			require.NoError(t, errf(), "before any pass")
			for pass := range 2 { // a second pass reads afresh
				var got []segment.Transaction
				for tx := range txns {
					got = append(got, tx)
				}
				require.Len(t, got, tc.yields, "pass %d", pass)
				for i, tx := range got {
					want, err := segment.FromOrder(tc.orders[i])
					require.NoError(t, err)
					assert.Equal(t, want.Customer, tx.Customer)
					assert.True(t, want.Amount.Equal(tx.Amount))
					assert.Equal(t, want.Lines, tx.Lines)
				}
				err := errf()
				if tc.field == "" {
					require.NoError(t, err)
					continue
				}
				require.ErrorIs(t, err, kehu.ErrInvalid)
				var verr *kehu.ValidationError
				require.ErrorAs(t, err, &verr)
				assert.True(t, verr.Has(tc.field, ""), "%v names %s", err, tc.field)
				assert.Contains(t, err.Error(), `"`+tc.id+`"`)
			}
		})
	}

	t.Run("stopping early is no error", func(t *testing.T) {
		txns, errf := segment.Orders(slices.Values([]kehu.Order{a1, a2, mkOrder("SO-9", kehu.CustomerID{}, at, "CNY")}))
		for range txns {
			break
		}
		assert.NoError(t, errf())
	})

	t.Run("a nil sequence is empty", func(t *testing.T) {
		txns, errf := segment.Orders(nil)
		for range txns {
			t.Fatal("yielded")
		}
		assert.NoError(t, errf())
	})

	t.Run("the consumer sees a stopped sequence as short", func(t *testing.T) {
		txns, errf := segment.Orders(slices.Values([]kehu.Order{a1, mkOrder("SO-9", buyerB, at, "USD", "5")}))
		sums, err := segment.SummarizeSeq(txns, segment.Options{ObservationEnd: at.AddDate(0, 1, 0)})
		require.NoError(t, err)
		assert.Len(t, sums, 1)
		var verr *kehu.ValidationError
		require.ErrorAs(t, errf(), &verr)
		assert.Equal(t, "orders[1].currency", verr.Fields[0].Field)
		assert.Equal(t, "currency", verr.Fields[0].Rule)
	})
}

func withLines(o kehu.Order, ls ...kehu.OrderLine) kehu.Order {
	o.Lines = append(slices.Clone(o.Lines), ls...)
	return o
}

// fakeOrders is the orders of customers 0 … customers−1 from crm/fake, as segment
// transactions.
func fakeOrders(t testing.TB, seed uint64, customers int) iter.Seq[segment.Transaction] {
	txns, errf := segment.Orders(fake.MustNew(seed, nil).Orders(customers, nil))
	return func(yield func(segment.Transaction) bool) {
		for tx := range txns {
			if !yield(tx) {
				return
			}
		}
		if err := errf(); err != nil {
			t.Errorf("fake orders: %v", err)
		}
	}
}

// TestSummarizeFakeOrders summarises a year of generated orders through Orders and checks
// every figure against a direct computation from the orders themselves: by calendar day
// in UTC, Frequency is the days with an order less one, Recency and T the days from the
// first such day to the last and to the observation end, Monetary the mean of the later
// days' sums, DaysSinceLast, Total and Orders as they read. A contribution ranking of the
// same orders sums to the same revenue.
func TestSummarizeFakeOrders(t *testing.T) {
	const customers = 3000
	g := fake.MustNew(17, nil)
	end := g.Options().End.Add(-time.Nanosecond)

	type history struct {
		days   map[int64]decimal.Decimal // day number → that day's spend
		orders int
		total  decimal.Decimal
	}
	direct := map[string]*history{}
	revenue := decimal.Zero
	for o := range g.Orders(customers, nil) {
		total, err := o.Total()
		require.NoError(t, err)
		h := direct[o.CustomerID.String()]
		if h == nil {
			h = &history{days: map[int64]decimal.Decimal{}, total: decimal.Zero}
			direct[o.CustomerID.String()] = h
		}
		day := o.At.UTC().Unix() / 86400
		h.days[day] = h.days[day].Add(total.Amount())
		h.orders++
		h.total = h.total.Add(total.Amount())
		revenue = revenue.Add(total.Amount())
	}
	endDay := end.UTC().Unix() / 86400

	sums, err := segment.SummarizeSeq(fakeOrders(t, 17, customers), segment.Options{ObservationEnd: end, Location: time.UTC})
	require.NoError(t, err)
	require.Len(t, sums, len(direct))
	for _, s := range sums {
		h := direct[s.Customer]
		require.NotNil(t, h, s.Customer)
		days := slices.Sorted(maps.Keys(h.days))
		first, last := days[0], days[len(days)-1]
		monetary := decimal.Zero
		if len(days) > 1 {
			sum := decimal.Zero
			for _, d := range days[1:] {
				sum = sum.Add(h.days[d])
			}
			monetary = sum.DivRound(decimal.NewFromInt(int64(len(days)-1)), segment.MonetaryPlaces)
		}
		require.Equal(t, len(days)-1, s.Frequency, s.Customer)
		require.Equal(t, float64(last-first), s.Recency, s.Customer)
		require.Equal(t, float64(endDay-first), s.T, s.Customer)
		require.Equal(t, int(endDay-last), s.DaysSinceLast, s.Customer)
		require.Equal(t, h.orders, s.Orders, s.Customer)
		require.True(t, h.total.Equal(s.Total), "%s: total %s, want %s", s.Customer, s.Total, h.total)
		require.True(t, monetary.Equal(s.Monetary), "%s: monetary %s, want %s", s.Customer, s.Monetary, monetary)
	}

	ranked, err := segment.Contribution(fakeOrders(t, 17, customers), time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Len(t, ranked, len(direct))
	got := decimal.Zero
	for _, r := range ranked {
		got = got.Add(r.Value)
		require.True(t, direct[r.Customer].total.Equal(r.Value), r.Customer)
	}
	assert.True(t, revenue.Equal(got), "revenue %s, ranking sums to %s", revenue, got)
}

// TestOrdersErrorIsReadable checks the message a host sees for a bad order.
func TestOrdersErrorIsReadable(t *testing.T) {
	at := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	txns, errf := segment.Orders(slices.Values([]kehu.Order{mkOrder("SO-1", buyerA, at, "CNY", "1"), mkOrder("SO-2", kehu.CustomerID{}, at, "CNY", "1")}))
	for range txns {
	}
	err := errf()
	require.Error(t, err)
	assert.Equal(t, `segment: order "SO-2": invalid input: orders[1].customer_id: is empty (required)`, err.Error())
	assert.True(t, errors.Is(err, kehu.ErrInvalid))
}
