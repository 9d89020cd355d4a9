// Package segment classifies and analyses customers from their transactions (客户细分,
// 客户分类, 数据挖掘): purchase summaries in the form of the buy-till-you-die literature, RFM
// scores and segments, ABC classes by revenue and by rules, lifecycle stage suggestions,
// segments written as expressions, migration between segments, product-pair baskets for
// cross-selling and contribution rankings; and, in the model files, customer lifetime
// value and churn.
//
// Everything here is a pure function over slices or iterators plus small immutable types:
// there is no store and no global state, and nothing reads the clock.
//
// # Orders
//
// The functions read Transactions: a customer, a time, an amount and optional lines, which
// the data readers below make from public datasets. A host's own orders are kehu.Order
// values, the order type the rest of the library shares (and crm/fake generates);
// FromOrder converts one, and Orders adapts a sequence of them for SummarizeSeq,
// SummarizeReport, AnalyzeBaskets and Contribution. Orders stops at the first order it
// cannot convert (no customer, an unknown currency, a line or an order in another
// currency than the first) and reports it, bufio.Scanner-style, from the error function it
// returns, as a *kehu.ValidationError naming the field ("orders[3].customer_id"):
//
//	txns, ordersErr := segment.Orders(orders)
//	sums, err := segment.SummarizeSeq(txns, opts)
//	if err == nil {
//		err = ordersErr()
//	}
//
// # Summaries
//
// Summarize (and SummarizeSeq for an iter.Seq of ten million transactions) turns
// transactions into one Summary per customer: frequency, recency, T and monetary value as
// lifetimes' summary_data_from_transaction_data defines them, with an optional
// calibration/holdout split, plus the RFM convention of recency (DaysSinceLast), order
// counts and totals. On the CDNOW sample of Fader, Hardie & Lee (2005) it reproduces
// lifetimes' cdnow_customers_summary_with_transactions.csv. Bad transactions (no
// customer, the zero time, a negative amount, after the observation end) are refused with a
// *RejectedError that counts them by reason, or skipped and counted by SummarizeReport.
// The functions over a list of summaries (RFM, CLVForecasts, ChurnScores…) answer in its
// order; IndexByCustomer gives each customer's position, to find their summary and
// results without a search.
//
// # Classification
//
//   - RFM scores recency, frequency and money in quantile bins (QuantileBins: averaged
//     ranks, so ties never fail and never depend on row order) and names segments from a
//     replaceable rule table (DefaultRFMSegments: Champions … Lost).
//   - ABC cuts the revenue ranking at 80 % and 95 % (configurable, exact, with a stated
//     rule for the customer who crosses a threshold; equal values share a class, or with
//     TiesByCustomer or TiesByInput are split one by one in a stated order); RuleABC runs an ordered, editable
//     rule set such as FranchiseABCRules (the franchise ABC rule: A = agents and the top
//     20 % of franchisees by annual sales, B = two years of ≥ 10 % growth with high
//     cooperation and loyalty, C = the rest).
//   - SuggestStages proposes crm.Stage values (intent, potential, active, key, dormant,
//     terminated) from activity with documented, configurable thresholds.
//   - NewSegments compiles expr-lang expressions over Features (RFM scores, CLV, P(alive),
//     tags, tier, attributes) once, type-checked; Membership, Classify and Migrations
//     give members, one segment per customer and the migration matrix between two
//     snapshots.
//
// # Baskets and contribution
//
// AnalyzeBaskets counts item pairs per order or per customer and reports support,
// confidence both ways and lift for every pair above a minimum support, the top pairs, and
// "customers who bought X" suggestions. Rank, Contribution, Curve and TopShare rank
// customers by revenue within a period with shares and the cumulative curve.
//
// # Precision of the BG family
//
// The BG/NBD, MBG/NBD and BG/BB predictions are right to 10⁻⁹ relatively for every
// positive finite parameter, or ErrNumerical; they never return a number that lost its
// digits. Their published closed forms divide by zero at a = 1, a + b = 1 and γ = 1,
// and subtract nearly equal numbers when b or δ is large or the horizon short, so
// they are evaluated differently: the expectations as sums of positive terms (the
// purchases of an active customer weighted by the chance of still being active), the
// ratios of beta and gamma functions in probabilities and likelihoods as products of
// ratios, never as differences of large log-gamma values. Where the BG/NBD and MBG/NBD
// series would need more than 500,000 terms (horizons with hundreds of thousands of
// purchases expected without dropout) the expectation is the integral over the dropout
// probability, by quadrature with a bounded number of panels (about 0.1 ms); BG/BB
// sums at most MaxOpportunities terms. The tests check every value against references
// computed with 40- to 80-digit arithmetic (testdata/bgref) and over a grid of
// parameters from 10⁻³ to 10¹².
//
// Pareto/NBD's P(alive) (and with it the conditional expectation and the likelihood)
// uses the published ₂F₁ closed form where its series are well inside their disc, and
// elsewhere — α and β far apart, or t_x close to T on their scale — the integral over
// the dropout time that the closed form stands for; a value that cannot keep nine
// digits is ErrNumerical. The tests check it against 25-digit references
// (testdata/pareto_alive_reference.csv) over parameters from 10⁻³ to 10¹².
//
// # Data
//
// ReadCDNOW and RetailReader (ReadOnlineRetail) read the CDNOW files and the UCI Online
// Retail data used by the tests, counting every row they leave out by reason.
package segment
