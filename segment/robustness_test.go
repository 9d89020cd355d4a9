package segment_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/segment"
)

// These tests play a host that forwards whatever it is given to the segment calculators:
// nil and empty inputs, nil iterators and locations, NaN, infinities and extreme counts,
// options half filled. Every call must answer with a result or an error, never a panic.
// The models' formulas are fuzzed on their own (models_fuzz_test.go); these probe what
// surrounds them.

var (
	robustEnd    = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	robustFloats = []float64{0, -1, 1, 0.5, math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64, 1e300}
	robustInts   = []int{0, -1, 1, 5, math.MaxInt, math.MinInt, 1 << 40}
	robustTimes  = []time.Time{{}, robustEnd, robustEnd.AddDate(-1, 0, 0), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(200000, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(math.MaxInt64/2, 0), time.Unix(math.MinInt64/2, 0)}
	robustDecimals = []decimal.Decimal{{}, decimal.New(1, 0), decimal.New(-1, 0), decimal.New(1, 30), decimal.New(1, -30)}
)

// robustTransactions are transactions with hostile times, amounts and lines.
func robustTransactions() []segment.Transaction {
	var txns []segment.Transaction
	for i, at := range robustTimes {
		for _, amount := range robustDecimals {
			txns = append(txns, segment.Transaction{Customer: []string{"", "a", "b", "\xff"}[i%4], At: at, Amount: amount,
				Lines: []segment.Line{{}, {SKU: "x", Quantity: math.MaxInt64, Amount: amount}, {SKU: "x", Category: "c", Quantity: -1}}})
		}
	}
	return txns
}

func TestSummariesHostileInput(t *testing.T) {
	t.Parallel()
	txns := robustTransactions()
	periods := []segment.Period{"", segment.Day, segment.Week, segment.Month, "nope"}
	for _, end := range robustTimes {
		for _, cal := range robustTimes {
			for _, p := range periods {
				opts := segment.Options{Period: p, Collapse: p, ObservationEnd: end, CalibrationEnd: cal}
				suite.NoPanic(t, "Summarize", func() {
					_, _ = segment.Summarize(txns, opts)
					_, _ = segment.Summarize(nil, opts)
					_, _ = segment.SummarizeSeq(slices.Values(txns), opts)
					_, _ = segment.SummarizeReport(slices.Values(txns), opts)
				})
			}
		}
	}
	suite.NoPanic(t, "SummarizeSeq(nil)", func() { _, _ = segment.SummarizeSeq(nil, segment.Options{ObservationEnd: robustEnd}) })
	suite.NoPanic(t, "SummarizeReport(nil)", func() { _, _ = segment.SummarizeReport(nil, segment.Options{ObservationEnd: robustEnd}) })
	suite.NoPanic(t, "Contribution(nil)", func() { _, _ = segment.Contribution(nil, time.Time{}, robustEnd) })
	suite.NoPanic(t, "AnalyzeBaskets(nil)", func() { _, _ = segment.AnalyzeBaskets(nil, nil) })
	suite.NoPanic(t, "Orders(nil)", func() {
		seq, errf := segment.Orders(nil)
		for range seq {
		}
		_ = errf()
	})
	for _, from := range robustTimes {
		for _, to := range robustTimes {
			suite.NoPanic(t, "Contribution", func() { _, _ = segment.Contribution(slices.Values(txns), from, to) })
		}
	}
	orders := []kehu.Order{{}, {ID: "x", Currency: "CNY", At: robustEnd, Lines: []kehu.OrderLine{{}, {Quantity: math.MinInt64, Amount: kehu.MustMoney("1e29", "CNY")}}},
		{ID: "y", Currency: "nope", Lines: []kehu.OrderLine{{Amount: kehu.MustMoney("1", "USD")}}}}
	for _, o := range orders {
		suite.NoPanic(t, "FromOrder", func() { _, _ = segment.FromOrder(o) })
	}
	suite.NoPanic(t, "Orders", func() {
		seq, errf := segment.Orders(slices.Values(orders))
		for range seq {
		}
		_ = errf()
	})
}

func TestCalculatorsHostileInput(t *testing.T) {
	t.Parallel()
	txns := robustTransactions()
	var summaries []segment.Summary
	for _, f := range robustFloats {
		for _, n := range robustInts {
			summaries = append(summaries, segment.Summary{Customer: "c", Frequency: n, Recency: f, T: f, Monetary: decimal.New(1, 0),
				DaysSinceLast: n, Total: decimal.New(int64(n%1000), 0), Orders: n, HoldoutFrequency: n, HoldoutDuration: f})
		}
	}
	summaries = append(summaries, segment.Summary{}, segment.Summary{Customer: "x", Frequency: 2, Recency: 3, T: 10, Orders: 3,
		Monetary: decimal.New(5, 0), Total: decimal.New(15, 0), DaysSinceLast: 7})
	for _, s := range summaries {
		suite.NoPanic(t, "per summary", func() {
			_ = segment.FeaturesOf(s, nil)
			_ = segment.FeaturesOf(s, &segment.RFMScore{})
			for _, p := range []segment.Period{"", segment.Day, "nope"} {
				_, _ = segment.ActivityOf(s, p)
				_, _ = segment.CLV(nil, nil, s, p, nil)
				_, _ = segment.ForecastCLV(nil, nil, s, p, &segment.CLVOptions{Months: math.MaxInt, PeriodsPerMonth: math.Inf(1)})
			}
			_, _ = segment.ChurnScore(context.Background(), nil, s, nil)
		})
	}
	suite.NoPanic(t, "over many summaries", func() {
		_, _ = segment.RFM(summaries, nil)
		_, _ = segment.GroupSummaries(summaries)
		_, _ = segment.GroupSpend(summaries)
		_ = segment.IndexByCustomer(summaries)
		_ = segment.ValuesOf(summaries)
		_, _ = segment.CLVForecasts(nil, nil, summaries, segment.Day, nil)
		_, _ = segment.ChurnScores(context.Background(), nil, summaries, nil)
	})
	for _, n := range robustInts {
		for _, f := range robustFloats {
			suite.NoPanic(t, "options", func() {
				_, _ = segment.RFM(summaries[:3], &segment.RFMOptions{Bins: n, Monetary: "nope", Other: "\xff"})
				_, _ = segment.ABC(segment.ValuesOf(summaries), &segment.ABCOptions{A: f, B: f, Crossing: "nope", Ties: "nope"})
				_, _ = segment.QuantileBins(robustFloats, n)
				_, _ = segment.QuantileBins(nil, n)
				ranked, _ := segment.Rank(segment.ValuesOf(summaries))
				_, _ = segment.Curve(ranked, n)
				_, _ = segment.Curve(nil, n)
				_, _ = segment.TopShare(ranked, f)
				_, _ = segment.TopShare(nil, f)
				_, _ = segment.SuggestStages([]segment.Activity{{}, {Orders: n, DaysSinceLast: n, Tenure: n, Total: decimal.New(1, 30)}},
					&segment.LifecycleOptions{DormantAfter: n, TerminatedAfter: n, DormantGapFactor: f, KeyShare: f, KeyMinOrders: n})
				_, _ = segment.FitBGNBD(summaries[:3], &segment.FitOptions{MaxIterations: n, Tolerance: f, Penalizer: f, Start: []float64{f}})
				_, _ = segment.FitGammaGamma(summaries[:3], &segment.FitOptions{MaxIterations: n, Tolerance: f, Start: robustFloats})
			})
		}
	}
	b, err := segment.AnalyzeBaskets(slices.Values(txns), &segment.BasketOptions{MinCount: 1, MinSupport: 0})
	if err == nil {
		for _, k := range robustInts {
			for _, order := range []segment.PairOrder{"", segment.ByLift, "nope"} {
				suite.NoPanic(t, "Baskets", func() {
					_ = b.TopPairs(k, order)
					_ = b.CrossSell("x", k, order)
					_ = b.CrossSell("", k, order)
					_ = b.Suggest(nil, k, order)
					_ = b.Suggest([]string{"x", "x", "\xff"}, k, order)
					_, _ = b.Pair("x", "x")
					_, _ = b.Pair("", "")
					_ = b.String()
				})
			}
		}
	}
	for _, f := range robustFloats {
		for _, n := range robustInts {
			suite.NoPanic(t, "basket options", func() {
				_, _ = segment.AnalyzeBaskets(slices.Values(txns), &segment.BasketOptions{MinSupport: f, MinCount: n, ByCustomer: true, ByCategory: true})
			})
		}
	}
}

func TestRulesHostileInput(t *testing.T) {
	t.Parallel()
	features := []segment.Features{{}, {Customer: "a", Attributes: map[string]any{"x": nil, "y": math.NaN(), "z": []any{nil}}, Tags: []string{"\xff"}},
		{Customer: "b", Total: math.Inf(1), PAlive: math.NaN(), R: math.MinInt}}
	for _, defs := range [][]segment.SegmentDef{nil, {}, {{}}, {{Name: "a"}, {Name: "a"}}, {{Name: "x", When: "attributes.x > 1"}},
		{{Name: "y", When: "attributes.z[5] == 1"}}, {{Name: "z", When: "1 / r > 0"}}, {{Name: "w", When: "tags[0] == 'x'"}}} {
		suite.NoPanic(t, "segments", func() {
			s, err := segment.NewSegments(defs)
			if err != nil {
				return
			}
			_, _ = s.Classify(features, "")
			_, _ = s.Classify(nil, "\xff")
			for _, f := range features {
				_, _ = s.Match(f)
			}
			m, err := s.Membership(features)
			if err == nil {
				_ = m.Count("")
				_ = m.Count("a")
			}
			_ = s.Names()
			_ = s.Definitions()
		})
	}
	for _, order := range [][]string{nil, {}, {"a"}, {"a", "a"}} {
		suite.NoPanic(t, "Migrations", func() {
			m, err := segment.Migrations([]segment.Assignment{{}, {Customer: "a", Segment: "a"}, {Customer: "a", Segment: "b"}},
				[]segment.Assignment{{Customer: "a", Segment: "zz"}}, order)
			if err == nil {
				_ = m.Count("a", "zz")
				_ = m.Count("", "")
			}
		})
	}
	for _, rules := range [][]segment.ClassRule{nil, {}, {{}}, {{Class: "A", When: "sales[5] > 1"}}, segment.FranchiseABCRules()} {
		suite.NoPanic(t, "RuleABC", func() {
			r, err := segment.NewRuleABC(rules)
			if err != nil {
				return
			}
			_, _ = r.Classify(nil)
			_, _ = r.Classify([]segment.Account{{}, {Customer: "a", Sales: []decimal.Decimal{{}}, Cooperation: math.NaN(), Loyalty: math.Inf(-1),
				Attributes: map[string]any{"x": nil}}})
		})
	}
	for _, codes := range [][]string{nil, {}, {""}, {"\xff", "price"}} {
		suite.NoPanic(t, "LostReasons", func() {
			_, _ = segment.DefaultLostReasons().Classify(codes...)
			_, _ = segment.LostReasons(nil).Classify(codes...)
			_ = segment.LostReasons{"": "nope"}.Validate()
		})
	}
	for _, n := range robustInts {
		suite.NoPanic(t, "ScoreRange", func() {
			_ = segment.Between(n, -n).Contains(n)
			_ = segment.Only(n).Any()
		})
	}
}

func TestReadersHostileInput(t *testing.T) {
	t.Parallel()
	inputs := []string{"", "\n", "\xff\xfe", "a,b,c\n1,2,3\n", strings.Repeat(",", 10_000), "\"unterminated",
		"InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n" +
			"1,X,d,-9223372036854775808,12/1/2010 8:26,1e400,17850,UK\n1,X,d,1,99/99/9999 99:99,NaN,,UK\n"}
	for _, in := range inputs {
		suite.NoPanic(t, "ReadCDNOW", func() { _, _, _ = segment.ReadCDNOW(strings.NewReader(in)) })
		for _, loc := range []*time.Location{nil, time.UTC} {
			suite.NoPanic(t, "RetailReader", func() {
				rr := segment.NewRetailReader(loc)
				_ = rr.Read(strings.NewReader(in))
				_ = rr.Transactions()
				_ = rr.Report()
			})
		}
		suite.NoPanic(t, "ReadOnlineRetail", func() {
			_, _, _ = segment.ReadOnlineRetail(fstest.MapFS{"a.csv": {Data: []byte(in)}}, "*.csv")
		})
	}
	suite.NoPanic(t, "ReadOnlineRetail(nil)", func() { _, _, _ = segment.ReadOnlineRetail(nil, "*") })
	suite.NoPanic(t, "ReadOnlineRetail bad pattern", func() { _, _, _ = segment.ReadOnlineRetail(fstest.MapFS{}, "[") })
	suite.NoPanic(t, "ReadCDNOW(nil)", func() { _, _, _ = segment.ReadCDNOW(nil) })
	suite.NoPanic(t, "RetailReader.Read(nil)", func() { _ = segment.NewRetailReader(time.UTC).Read(nil) })
}

// oddComplaints answers every customer with the same count, or error.
type oddComplaints struct {
	n   int
	err error
}

func (c oddComplaints) OpenComplaints(context.Context, string) (int, error) { return c.n, c.err }

// TestChurnWithHostileComplaints scores churn with a complaint source that answers
// negative or huge counts, or fails.
func TestChurnWithHostileComplaints(t *testing.T) {
	t.Parallel()
	m, err := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	if err != nil {
		t.Fatal(err)
	}
	s := segment.Summary{Customer: "a", Frequency: 2, Recency: 30, T: 39, Orders: 3, DaysSinceLast: 9}
	for _, n := range robustInts {
		for _, src := range []oddComplaints{{n: n}, {err: context.Canceled}} {
			for _, f := range robustFloats {
				suite.NoPanic(t, "ChurnScore", func() {
					_, _ = segment.ChurnScore(context.Background(), m, s, &segment.ChurnOptions{Complaints: src, ComplaintStep: f,
						AliveWeight: f, OverdueWeight: f})
				})
			}
		}
	}
}

// requireRule checks that err is a *kehu.ValidationError naming field with rule.
func requireRule(t *testing.T, err error, field, rule string) {
	t.Helper()
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has(field, rule), "want %s (%s) in %v", field, rule, err)
}

// The readers refuse a nil reader or file system, naming the argument, rather than reading
// from it; the zero RetailReader, which is not ready, is an error too.
func TestReadersRefuseNothingToRead(t *testing.T) {
	t.Parallel()
	_, _, err := segment.ReadCDNOW(nil)
	requireRule(t, err, "r", "required")
	err = segment.NewRetailReader(nil).Read(nil)
	requireRule(t, err, "src", "required")
	_, _, err = segment.ReadOnlineRetail(nil, "*.csv")
	requireRule(t, err, "fsys", "required")
	var zero segment.RetailReader
	err = zero.Read(strings.NewReader("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n" +
		"536365,85123A,HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom\n"))
	assert.ErrorIs(t, err, kehu.ErrInvalid)
}
