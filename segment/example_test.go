package segment_test

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu/segment"
)

// The first three customers of the CDNOW sample (CDNOW_sample.txt), summarised as in
// Fader, Hardie & Lee (2005): weeks, calibration to 1997-09-30, holdout to 1998-06-30.
// The figures are the first rows of lifetimes' cdnow_customers_summary_with_transactions.csv
// (x, t_x, T, zbar): 2, 30.43, 38.86, 22.35; 1, 1.71, 38.86, 11.77; 0, 0.00, 38.86, 0.00.
func ExampleSummarize() {
	const sample = ` 00004 0001 19970101  2   29.33
 00004 0001 19970118  2   29.73
 00004 0001 19970802  1   14.96
 00004 0001 19971212  2   26.48
 00021 0002 19970101  3   63.34
 00021 0002 19970113  1   11.77
 00050 0003 19970101  1    6.79
`
	txns, _, err := segment.ReadCDNOW(strings.NewReader(sample))
	if err != nil {
		panic(err)
	}
	sums, err := segment.Summarize(txns, segment.Options{
		Period:         segment.Week,
		CalibrationEnd: time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC),
		ObservationEnd: time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("ID  x  t_x    T      zbar   holdout x")
	for _, s := range sums {
		fmt.Printf("%-3s %d  %5.2f  %5.2f  %5s  %d\n", s.Customer, s.Frequency, s.Recency, s.T, s.Monetary.StringFixed(2), s.HoldoutFrequency)
	}
	// Output:
	// ID  x  t_x    T      zbar   holdout x
	// 1   2  30.43  38.86  22.35  1
	// 2   1   1.71  38.86  11.77  0
	// 3   0   0.00  38.86   0.00  0
}

// Bad transactions are refused and counted, never dropped silently.
func ExampleSummarizeReport() {
	end := time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)
	txns := []segment.Transaction{
		{Customer: "a", At: end.AddDate(0, 0, -3), Amount: decimal.RequireFromString("12.50")},
		{Customer: "a", At: end.AddDate(0, 0, 2), Amount: decimal.RequireFromString("9.90")},
		{Customer: "b", At: end.AddDate(0, 0, -1), Amount: decimal.RequireFromString("-5")},
	}
	rep, err := segment.SummarizeReport(slices.Values(txns), segment.Options{ObservationEnd: end})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(rep.Summaries), "summary;", rep.Accepted, "of", rep.Transactions, "transactions used")
	fmt.Println(rep.Rejected)
	_, err = segment.Summarize(txns, segment.Options{ObservationEnd: end})
	fmt.Println(err != nil)
	// Output:
	// 1 summary; 1 of 3 transactions used
	// after_observation_end: 1, negative_amount: 1
	// true
}

// Five customers scored in quintiles. c4 and c5 both made one order: tied, they share
// the bin of their average rank (F = 2), and no customer has F = 1.
func ExampleRFM() {
	var sums []segment.Summary
	for i, v := range [][3]int{{3, 12, 900}, {40, 2, 60}, {200, 9, 700}, {15, 1, 20}, {365, 1, 15}} {
		sums = append(sums, segment.Summary{Customer: fmt.Sprint("c", i+1), DaysSinceLast: v[0], Orders: v[1], Total: decimal.NewFromInt(int64(v[2]))})
	}
	scores, err := segment.RFM(sums, nil)
	if err != nil {
		panic(err)
	}
	for _, s := range scores {
		fmt.Println(s.Customer, s.Code(), s.Segment)
	}
	// Output:
	// c1 555 Champions
	// c2 333 Need Attention
	// c3 244 At Risk
	// c4 422 Potential Loyalist
	// c5 121 Hibernating
}

// One customer's summary and RFM score, found by position: the scores are in the order
// of the summaries.
func ExampleIndexByCustomer() {
	end := time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)
	var txns []segment.Transaction
	for i, t := range []struct {
		customer string
		daysAgo  int
		amount   string
	}{{"ana", 3, "120"}, {"bo", 40, "35"}, {"ana", 60, "80"}, {"cy", 200, "15"}, {"bo", 90, "20"}} {
		txns = append(txns, segment.Transaction{Customer: t.customer, At: end.AddDate(0, 0, -t.daysAgo-i),
			Amount: decimal.RequireFromString(t.amount)})
	}
	sums, err := segment.Summarize(txns, segment.Options{ObservationEnd: end})
	if err != nil {
		panic(err)
	}
	scores, err := segment.RFM(sums, &segment.RFMOptions{Bins: 3})
	if err != nil {
		panic(err)
	}
	at := segment.IndexByCustomer(sums)
	for _, c := range []string{"bo", "dee"} {
		i, ok := at[c]
		if !ok {
			fmt.Println(c, "has no orders")
			continue
		}
		fmt.Println(c, sums[i].Orders, "orders,", sums[i].Total, "in all, RFM", scores[i].Code())
	}
	// Output:
	// bo 2 orders, 55 in all, RFM 232
	// dee has no orders
}

func ExampleABC() {
	vals := []segment.CustomerValue{
		{Customer: "华信贸易", Value: decimal.RequireFromString("520000")},
		{Customer: "Northwind", Value: decimal.RequireFromString("310000")},
		{Customer: "万家超市", Value: decimal.RequireFromString("90000")},
		{Customer: "Contoso", Value: decimal.RequireFromString("50000")},
		{Customer: "小王便利店", Value: decimal.RequireFromString("30000")},
	}
	res, err := segment.ABC(vals, nil)
	if err != nil {
		panic(err)
	}
	for _, r := range res {
		fmt.Printf("%d %s %s %.0f%%\n", r.Rank, r.Class, r.Customer, 100*r.Cumulative)
	}
	// Output:
	// 1 A 华信贸易 52%
	// 2 A Northwind 83%
	// 3 B 万家超市 92%
	// 4 B Contoso 97%
	// 5 C 小王便利店 100%
}

// The franchise ABC rule as an ordered rule set: A = agents and the top 20 % of
// franchisees by annual sales, B = at least 10 % growth in each of two years with high
// cooperation and loyalty, C = the rest.
func ExampleRuleABC() {
	rules, err := segment.NewRuleABC(segment.FranchiseABCRules())
	if err != nil {
		panic(err)
	}
	d := decimal.RequireFromString
	accounts := []segment.Account{
		{Customer: "agent-east", Agent: true, Sales: []decimal.Decimal{d("80")}},
		{Customer: "shop-1", Sales: []decimal.Decimal{d("900"), d("950"), d("1000")}},
		{Customer: "shop-2", Sales: []decimal.Decimal{d("100"), d("110"), d("121")}, Cooperation: 5, Loyalty: 4},
		{Customer: "shop-3", Sales: []decimal.Decimal{d("100"), d("150"), d("300")}, Cooperation: 2, Loyalty: 5},
		{Customer: "shop-4", Sales: []decimal.Decimal{d("50"), d("50"), d("50")}},
		{Customer: "shop-5", Sales: []decimal.Decimal{d("70"), d("60"), d("40")}},
	}
	classes, err := rules.Classify(accounts)
	if err != nil {
		panic(err)
	}
	for _, c := range classes {
		fmt.Println(c.Customer, c.Class)
	}
	// Output:
	// agent-east A
	// shop-1 A
	// shop-2 B
	// shop-3 C
	// shop-4 C
	// shop-5 C
}

func ExampleNewSegments() {
	segs, err := segment.NewSegments([]segment.SegmentDef{
		{Name: "vip at risk", When: `clv >= 500 && p_alive < 0.5`},
		{Name: "champions", When: `r >= 4 && f >= 4`},
		{Name: "new", When: `orders == 1 && days_since_last <= 30`},
	})
	if err != nil {
		panic(err)
	}
	lastQuarter := []segment.Features{
		{Customer: "ann", R: 5, F: 5, CLV: 900, PAlive: 0.95, Orders: 14},
		{Customer: "bob", R: 4, F: 4, CLV: 600, PAlive: 0.8, Orders: 6},
		{Customer: "cai", Orders: 1, DaysSinceLast: 12, CLV: 40, PAlive: 0.9},
	}
	thisQuarter := []segment.Features{
		{Customer: "ann", R: 5, F: 5, CLV: 950, PAlive: 0.96, Orders: 16},
		{Customer: "bob", R: 1, F: 4, CLV: 610, PAlive: 0.3, Orders: 6, DaysSinceLast: 120},
		{Customer: "cai", R: 4, F: 4, Orders: 4, DaysSinceLast: 3, CLV: 120, PAlive: 0.93},
	}
	before, _ := segs.Classify(lastQuarter, "other")
	after, _ := segs.Classify(thisQuarter, "other")
	m, err := segment.Migrations(before, after, segs.Names())
	if err != nil {
		panic(err)
	}
	for _, mv := range m.Moves {
		fmt.Printf("%s: %s → %s\n", mv.Customer, mv.From, mv.To)
	}
	fmt.Println("stayed champions:", m.Count("champions", "champions"))
	// Output:
	// bob: champions → vip at risk
	// cai: new → champions
	// stayed champions: 1
}

// Cross-selling from order lines: find the two products most strongly associated, and
// what to offer a customer who bought one.
func ExampleAnalyzeBaskets() {
	mk := func(skus ...string) segment.Transaction {
		t := segment.Transaction{Customer: "x"}
		for _, s := range skus {
			t.Lines = append(t.Lines, segment.Line{SKU: s, Quantity: 1})
		}
		return t
	}
	orders := []segment.Transaction{
		mk("rent", "clean"), mk("rent", "clean", "insure"), mk("buy", "decorate"),
		mk("buy", "decorate", "insure"), mk("rent", "insure"), mk("buy", "decorate"),
		mk("rent", "clean"), mk("buy", "insure"),
	}
	b, err := segment.AnalyzeBaskets(slices.Values(orders), &segment.BasketOptions{MinSupport: 0.2})
	if err != nil {
		panic(err)
	}
	top := b.TopPairs(1, segment.ByLift)[0]
	fmt.Printf("%s + %s: support %.3f, confidence %.2f / %.2f, lift %.2f\n", top.A, top.B, top.Support, top.ConfidenceAB, top.ConfidenceBA, top.Lift)
	for _, s := range b.CrossSell("rent", 0, segment.ByConfidence) {
		fmt.Printf("rent → %s (%.2f)\n", s.Item, s.Confidence)
	}
	// Output:
	// buy + decorate: support 0.375, confidence 0.75 / 1.00, lift 2.00
	// rent → clean (0.75)
	// rent → insure (0.50)
}

func ExampleContribution() {
	at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	txns := []segment.Transaction{
		{Customer: "a", At: at, Amount: decimal.RequireFromString("600")},
		{Customer: "b", At: at, Amount: decimal.RequireFromString("250")},
		{Customer: "a", At: at, Amount: decimal.RequireFromString("100")},
		{Customer: "c", At: at, Amount: decimal.RequireFromString("50")},
		{Customer: "d", At: at.AddDate(1, 0, 0), Amount: decimal.RequireFromString("999")},
	}
	ranked, err := segment.Contribution(slices.Values(txns), at.AddDate(0, -1, 0), at.AddDate(0, 1, 0))
	if err != nil {
		panic(err)
	}
	for _, r := range ranked {
		fmt.Printf("%d %s %s %.0f%% (cumulative %.0f%%)\n", r.Rank, r.Customer, r.Value, 100*r.Share, 100*r.Cumulative)
	}
	top, err := segment.TopShare(ranked, 1.0/3)
	if err != nil {
		panic(err)
	}
	fmt.Printf("top third: %.0f%%\n", 100*top)
	// Output:
	// 1 a 700 70% (cumulative 70%)
	// 2 b 250 25% (cumulative 95%)
	// 3 c 50 5% (cumulative 100%)
	// top third: 70%
}
