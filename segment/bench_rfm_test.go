package segment_test

import (
	"fmt"
	"iter"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu/segment"
)

// splitmix64 is a small seeded generator for benchmark data.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// customerIDs returns n customer IDs such as "C0000042", each idWidth bytes, written
// one after the other in one string: customer c is ids[c*idWidth : (c+1)*idWidth].
func customerIDs(n int) string {
	var b strings.Builder
	b.Grow(n * idWidth)
	for i := range n {
		fmt.Fprintf(&b, "C%07d", i)
	}
	return b.String()
}

const idWidth = 8

// syntheticTransactions yields n transactions of customers 0 … customers−1 in time order
// over 2024, each from a customer drawn uniformly at random — the order of a real
// transaction log, which interleaves customers — with amounts from a table of 4,096
// two-decimal values. ids is from customerIDs.
func syntheticTransactions(seed uint64, n int, ids string) iter.Seq[segment.Transaction] {
	amounts := make([]decimal.Decimal, 4096)
	for i := range amounts {
		amounts[i] = decimal.New(int64(100+splitmix64(seed+uint64(i))%20000), -2)
	}
	customers := uint64(len(ids) / idWidth)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	step := 366 * 24 * time.Hour / time.Duration(n)
	return func(yield func(segment.Transaction) bool) {
		for i := range n {
			h := splitmix64(seed ^ uint64(i)*0x9e3779b97f4a7c15)
			c, _ := bits.Mul64(h, customers) // uniform in [0, customers) without a division
			t := segment.Transaction{
				Customer: ids[c*idWidth : (c+1)*idWidth],
				At:       start.Add(time.Duration(i) * step),
				Amount:   amounts[(h>>40)&4095],
			}
			if !yield(t) {
				return
			}
		}
	}
}

// BenchmarkSummarize10M summarises 10,000,000 transactions of 1,000,000 customers, read
// from a sequence (generated on the fly, inside the timing: the generator costs about
// 10 ns a transaction). Target: under 3 s.
func BenchmarkSummarize10M(b *testing.B) {
	const n, customers = 10_000_000, 1_000_000
	ids := customerIDs(customers)
	opts := segment.Options{Period: segment.Week, ObservationEnd: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		CalibrationEnd: time.Date(2024, 9, 30, 0, 0, 0, 0, time.UTC), Location: time.UTC}
	b.ReportAllocs()
	var got int
	for b.Loop() {
		sums, err := segment.SummarizeSeq(syntheticTransactions(1, n, ids), opts)
		if err != nil {
			b.Fatal(err)
		}
		got = len(sums)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/txn")
	if got < customers*99/100 {
		b.Fatalf("%d customers summarised", got)
	}
}

// vsSort runs op in b.Loop and, after each run with the timer stopped, sorts a fresh copy
// of 1,000,000 random float64s; it reports the mean sort time ("sort-ns") and the ratio of
// op's time to it ("x-sort"), both measured in the same iterations so that a change of
// load on a shared machine affects both.
func vsSort(b *testing.B, op func()) {
	rng := rand.New(rand.NewPCG(5, 6))
	vals := make([]float64, 1_000_000)
	for i := range vals {
		vals[i] = rng.Float64() * 1e6
	}
	buf := make([]float64, len(vals))
	var opNs, sortNs int64
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		op()
		opNs += time.Since(t0).Nanoseconds()
		b.StopTimer()
		copy(buf, vals)
		t1 := time.Now()
		slices.Sort(buf)
		sortNs += time.Since(t1).Nanoseconds()
		b.StartTimer()
	}
	b.ReportMetric(float64(sortNs)/float64(b.N), "sort-ns")
	b.ReportMetric(float64(opNs)/float64(sortNs), "x-sort")
}

// benchSummaries makes n customers' summaries with realistic ties: days since last in
// 0..730, orders geometric from 1, totals in cents.
func benchSummaries(n int) []segment.Summary {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]segment.Summary, n)
	for i := range out {
		orders := 1 + int(rng.ExpFloat64()*2)
		out[i] = segment.Summary{
			Customer:      fmt.Sprintf("C%07d", i),
			DaysSinceLast: rng.IntN(731),
			Orders:        orders,
			Total:         decimal.New(int64(orders)*int64(500+rng.IntN(20000)), -2),
		}
	}
	return out
}

// BenchmarkRFM1M scores 1,000,000 customers (three quantile scores and the segment) and
// compares with sorting 1,000,000 float64s. Target: under 500 ms.
func BenchmarkRFM1M(b *testing.B) {
	sums := benchSummaries(1_000_000)
	vsSort(b, func() {
		if _, err := segment.RFM(sums, nil); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkABC1M classifies 1,000,000 customers by revenue and compares with sorting
// 1,000,000 float64s. Target: under 500 ms.
func BenchmarkABC1M(b *testing.B) {
	sums := benchSummaries(1_000_000)
	vals := segment.ValuesOf(sums)
	vsSort(b, func() {
		if _, err := segment.ABC(vals, nil); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkPairs1M counts product pairs in 1,000,000 orders from crm/fake (generated
// before the timing) and takes the top 10 pairs by lift.
func BenchmarkPairs1M(b *testing.B) {
	const n = 1_000_000
	orders := make([]segment.Transaction, 0, n)
	for t := range fakeOrders(b, 3, n) {
		orders = append(orders, t)
		if len(orders) == n {
			break
		}
	}
	lines := 0
	for _, o := range orders {
		lines += len(o.Lines)
	}
	b.ReportAllocs()
	var pairs int
	for b.Loop() {
		bk, err := segment.AnalyzeBaskets(slices.Values(orders), &segment.BasketOptions{MinSupport: 0.0001})
		if err != nil {
			b.Fatal(err)
		}
		pairs = len(bk.TopPairs(10, segment.ByLift))
	}
	if pairs != 10 {
		b.Fatalf("%d pairs", pairs)
	}
	b.ReportMetric(float64(lines)/n, "lines/order")
}
