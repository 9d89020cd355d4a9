package segment

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/exprpolicy"
)

// Class is an ABC class.
type Class string

// ABC classes.
const (
	ClassA Class = "A"
	ClassB Class = "B"
	ClassC Class = "C"
)

// Crossing decides the class of the customer whose revenue crosses a class threshold.
type Crossing string

// Crossing rules.
const (
	// CrossingUp (the default) puts the crossing customer in the class above: a customer
	// is in A when the customers ranked above it bring less than the A share, so A is the
	// smallest top group that brings at least the A share (80 %), and likewise for B.
	CrossingUp Crossing = "up"
	// CrossingDown puts the crossing customer in the class below: a customer is in A when
	// it and the customers ranked above it bring at most the A share, so A never brings
	// more than 80 %.
	CrossingDown Crossing = "down"
)

// Ties decides how ABC classifies customers with equal values.
type Ties string

// Tie rules.
const (
	// TiesTogether (the default) keeps a group of equal values in one class: the group is
	// classified as one customer whose value is the group's sum. The classes then depend
	// only on the values, never on customer IDs or the order of the input.
	TiesTogether Ties = "together"
	// TiesByCustomer breaks ties customer by customer, in ascending order of Customer
	// (byte order), the order of Rank: the crossing rule applies to each customer of a
	// group in turn, so a group that straddles a threshold is split between two classes.
	TiesByCustomer Ties = "by_customer"
	// TiesByInput breaks ties customer by customer in the order of the values as given:
	// the host's own order, such as the row order of a spreadsheet that a stable sort by
	// value keeps for equal values. The result lists tied customers in that order too.
	TiesByInput Ties = "by_input"
)

// ABCOptions configure ABC. A nil *ABCOptions means the defaults.
type ABCOptions struct {
	// A and B are the revenue shares of classes A and B, in (0, 1]; C is the rest.
	// Zero means the defaults 0.80 and 0.15 (and so 0.05 for C). A + B must not exceed 1.
	// Shares are taken to 9 decimal places and compared exactly. NaN, an infinity or a
	// share outside (0, 1] is refused, and so is one that is 0 at 9 places (below
	// 0.0000000005).
	A, B float64
	// Crossing is the rule for the customer who crosses a threshold; empty means
	// CrossingUp.
	Crossing Crossing
	// Ties is the rule for customers with equal values; empty means TiesTogether.
	Ties Ties
}

// ABCResult is one customer's place in the ranking and class.
type ABCResult struct {
	Ranked
	Class Class `json:"class"`
}

// ABC classifies customers by cumulative revenue (Pareto or ABC analysis): rank them by
// value, largest first, and cut the cumulative share at A (80 %) and A + B (95 %).
//
// Rules, all exact (decimal sums, never floats):
//   - the crossing customer follows opts.Crossing;
//   - by default (TiesTogether) customers with equal values are always in the same class:
//     a group of equal values is classified as one, by the share of the customers ranked
//     above the group (CrossingUp) or of the group and those above it (CrossingDown);
//     TiesByCustomer and TiesByInput instead classify the members of a group one by one,
//     in a stated order, as a spreadsheet that sorts by value and cuts at a row does;
//   - customers with a zero value are C, and when the total is zero everyone is C.
//
// The tie rules differ only when a group of equal values straddles a threshold. On the
// full CDNOW log (23,570 customers, $2,500,315.63 from January 1997 to June 1998, each
// customer's whole spend), 34 customers spent exactly $26.99, at ranks 15,729 to 15,762:
// those above them bring 94.988 % of revenue and the group takes the cumulative share to
// 95.025 %. With the defaults (CrossingUp, TiesTogether) the whole group is B, and the
// classes are A 7,695, B 8,067, C 7,808. Breaking the ties customer by customer (either
// order), the cumulative share before the group's 11th customer is still below 95 %
// (94.9990 %) and before its 12th above (95.0001 %): 11 of the 34 are B and 23 are C,
// and the classes are A 7,695, B 8,044, C 7,831. Which 11 depends on the order:
// ascending Customer puts "10663" before "395"; a host that wants numeric order passes
// the values in that order with TiesByInput.
//
// The result is in rank order (see Rank; with TiesByInput, tied customers are in input
// order). Negative values are refused.
func ABC(values []CustomerValue, opts *ABCOptions) ([]ABCResult, error) {
	var o ABCOptions
	if opts != nil {
		o = *opts
	}
	if o.A == 0 {
		o.A = 0.80
	}
	if o.B == 0 {
		o.B = 0.15
	}
	if o.Crossing == "" {
		o.Crossing = CrossingUp
	}
	if o.Ties == "" {
		o.Ties = TiesTogether
	}
	var p kehu.Problems
	numA, numB := shareNum(o.A), shareNum(o.B)
	if !(o.A > 0 && o.A <= 1) || numA == 0 {
		p.Addf("a", "range", "%v is not in (0, 1] at 9 decimal places", o.A)
	}
	if !(o.B > 0 && o.B <= 1) || numB == 0 {
		p.Addf("b", "range", "%v is not in (0, 1] at 9 decimal places", o.B)
	}
	if p.Len() == 0 && numA+numB > thresholdScale {
		p.Addf("b", "range", "a + b = %v is more than 1", o.A+o.B)
	}
	if o.Crossing != CrossingUp && o.Crossing != CrossingDown {
		p.Addf("crossing", "enum", "%q is not up or down", o.Crossing)
	}
	if o.Ties != TiesTogether && o.Ties != TiesByCustomer && o.Ties != TiesByInput {
		p.Addf("ties", "enum", "%q is not together, by_customer or by_input", o.Ties)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	r, err := newRanking(values, o.Ties == TiesByInput)
	if err != nil {
		return nil, err
	}
	out := make([]ABCResult, len(r.order))
	r.fill(func(k int) *Ranked { out[k].Class = ClassC; return &out[k].Ranked })
	thresholds := [2]uint64{numA, numA + numB}
	classes := [2]Class{ClassA, ClassB}
	var cum int64
	dCum := decimal.Zero
	for i, j := range r.groups(o.Ties != TiesTogether) {
		var groupSum int64
		dGroup := decimal.Zero
		for _, idx := range r.order[i:j] {
			if r.fast {
				groupSum += r.iv[idx]
			} else {
				dGroup = dGroup.Add(r.values[idx].Value)
			}
		}
		class := ClassC
		zero := r.fast && groupSum == 0 || !r.fast && dGroup.Sign() == 0
		if !zero {
			for k, th := range thresholds {
				var in bool
				switch {
				case r.fast && o.Crossing == CrossingUp:
					in = r.belowFast(cum, th)
				case r.fast:
					in = r.atMostFast(cum+groupSum, th)
				case o.Crossing == CrossingUp:
					in = r.cmpSlow(dCum, th) < 0
				default:
					in = r.cmpSlow(dCum.Add(dGroup), th) <= 0
				}
				if in {
					class = classes[k]
					break
				}
			}
		}
		for k := i; k < j; k++ {
			out[k].Class = class
		}
		cum += groupSum
		dCum = dCum.Add(dGroup)
	}
	return out, nil
}

// Account is what a rule-based ABC classification such as FranchiseABCRules knows of a
// customer: a distribution network's account, an agent or a franchisee.
type Account struct {
	Customer string `json:"customer"`
	// Agent marks an agent (代理商); other accounts are franchisees (加盟商).
	Agent bool `json:"agent,omitempty"`
	// Sales are the annual sales, oldest first; the last is the year being classified.
	Sales []decimal.Decimal `json:"sales"`
	// Cooperation (配合度) and Loyalty (忠诚度) are the host's scores, for example 1 to 5.
	Cooperation float64 `json:"cooperation"`
	Loyalty     float64 `json:"loyalty"`
	// Tags and Attributes are there for the host's own rules.
	Tags       []string       `json:"tags,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// AccountEnv is the environment of rule-ABC expressions.
type AccountEnv struct {
	Customer string `expr:"customer"`
	Agent    bool   `expr:"agent"`
	// Sales is the last year's sales, SalesHistory every year's, oldest first (float64,
	// for comparisons only).
	Sales        float64   `expr:"sales"`
	SalesHistory []float64 `expr:"sales_history"`
	// SalesTopPercent is the account's place in the last year's sales among the
	// franchisees (the accounts that are not agents), as a percentage from the top:
	// 100 × (franchisees with strictly higher sales + 1) / franchisees. The best of ten is
	// 10, the second 20; equal sales share the better place. "Top 20 %" is
	// `sales_top_percent <= 20`. 100 when there are no franchisees, and for a franchisee
	// with no sales in the year: selling nothing is no place among the sellers, however
	// many others sold nothing too.
	SalesTopPercent float64        `expr:"sales_top_percent"`
	Cooperation     float64        `expr:"cooperation"`
	Loyalty         float64        `expr:"loyalty"`
	Tags            []string       `expr:"tags"`
	Attributes      map[string]any `expr:"attributes"`
	// Grew reports whether sales rose by at least rate (0.10 for 10 %) in each of the last
	// years year-on-year changes, exactly (in decimals): grew(0.10, 2) needs three years
	// of sales with S₂ ≥ 1.1·S₁ and S₁ ≥ 1.1·S₀, all positive.
	Grew func(rate float64, years int) bool `expr:"grew"`
	// HasTag reports whether the account has the tag, ignoring case.
	HasTag func(tag string) bool `expr:"hasTag"`
}

// ClassRule gives Class to the accounts for which When holds. In a rule set the first
// rule that holds wins.
type ClassRule struct {
	Class Class `json:"class"`
	// When is an expr-lang bool expression over AccountEnv; empty means always.
	When string `json:"when,omitempty"`
}

// FranchiseABCRules is the franchise ABC rule of a distribution network as an ordered rule
// set: A = agents and the top 20 % of franchisees by annual sales; B = customers whose sales
// grew by at least 10 % in each of two consecutive years, with high cooperation and loyalty;
// C = everyone else (客户分类: A 类 代理商及年销量前20%加盟商; B 类 销量两年持续增长10%、
// 配合度高、忠诚度高的客户; C 类 其他客户):
//
//	A  agent || sales_top_percent <= 20
//	B  grew(0.10, 2) && cooperation >= 4 && loyalty >= 4
//	C  (always)
//
// "High" cooperation and loyalty are taken as at least 4 on a 1–5 scale; edit the rules to
// change it. The slice is fresh.
func FranchiseABCRules() []ClassRule {
	return []ClassRule{
		{Class: ClassA, When: `agent || sales_top_percent <= 20`},
		{Class: ClassB, When: `grew(0.10, 2) && cooperation >= 4 && loyalty >= 4`},
		{Class: ClassC},
	}
}

// RuleABC is a compiled, immutable ordered rule set over accounts. It is safe for
// concurrent use.
type RuleABC struct {
	rules []ClassRule
	progs []*vm.Program
}

// NewRuleABC compiles and type-checks the rules once; every problem is reported at once
// in a *kehu.ValidationError ("[i].class", "[i].when").
func NewRuleABC(rules []ClassRule) (*RuleABC, error) {
	var p kehu.Problems
	if len(rules) == 0 {
		p.Add("", "required", "there are no rules")
	}
	if len(rules) > maxSegments {
		return nil, kehu.Invalid("", "max_items", fmt.Sprintf("has %d rules, more than %d", len(rules), maxSegments))
	}
	r := &RuleABC{rules: slices.Clone(rules), progs: make([]*vm.Program, len(rules))}
	for i, rule := range rules {
		f := fmt.Sprintf("[%d]", i)
		if strings.TrimSpace(string(rule.Class)) == "" {
			p.Add(f+".class", "required", "is empty")
		}
		r.progs[i] = exprpolicy.Compile(&p, f+".when", rule.When, AccountEnv{})
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return r, nil
}

// AccountClass is the class of one account and the rule that gave it.
type AccountClass struct {
	Customer string `json:"customer"`
	// Class is the class of the first rule that held, or "" when none did.
	Class Class `json:"class"`
	// Rule is the index of that rule, or -1.
	Rule int `json:"rule"`
}

// Classify classifies every account, in input order. Sales must not be negative, and
// Cooperation and Loyalty must be finite (NaN or an infinity is refused with a
// *kehu.ValidationError naming it, "accounts[3].loyalty"); an expression that fails at
// run time (say a missing attribute compared with a number)
// stops with an error naming the rule and the account.
func (r *RuleABC) Classify(accounts []Account) ([]AccountClass, error) {
	var p kehu.Problems
	for i, a := range accounts {
		for j, s := range a.Sales {
			if s.Sign() < 0 || !AmountInRange(s) {
				p.Addf(fmt.Sprintf("accounts[%d].sales[%d]", i, j), "range", "%s is negative or out of range", s)
			}
		}
		if !finiteNum(a.Cooperation) {
			p.Addf(fmt.Sprintf("accounts[%d].cooperation", i), "range", "%v is not a finite number", a.Cooperation)
		}
		if !finiteNum(a.Loyalty) {
			p.Addf(fmt.Sprintf("accounts[%d].loyalty", i), "range", "%v is not a finite number", a.Loyalty)
		}
		if p.Len() >= maxReportedProblems {
			break
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	// Places among franchisees by the last year's sales.
	var franchisee []decimal.Decimal
	for _, a := range accounts {
		if !a.Agent {
			franchisee = append(franchisee, lastSales(a))
		}
	}
	slices.SortFunc(franchisee, func(a, b decimal.Decimal) int { return b.Cmp(a) })
	topPercent := func(v decimal.Decimal) float64 {
		if len(franchisee) == 0 || v.Sign() == 0 {
			return 100
		}
		higher, _ := slices.BinarySearchFunc(franchisee, v, func(e, t decimal.Decimal) int { return t.Cmp(e) })
		return 100 * float64(higher+1) / float64(len(franchisee))
	}

	var machine vm.VM
	var cur *Account
	env := &AccountEnv{}
	env.HasTag = func(tag string) bool { return hasFold(cur.Tags, tag) }
	env.Grew = func(rate float64, years int) bool { return grew(cur.Sales, rate, years) }
	out := make([]AccountClass, len(accounts))
	for i := range accounts {
		cur = &accounts[i]
		hist := make([]float64, len(cur.Sales))
		for j, s := range cur.Sales {
			hist[j] = s.InexactFloat64()
		}
		last := lastSales(*cur)
		env.Customer, env.Agent = cur.Customer, cur.Agent
		env.Sales, env.SalesHistory = last.InexactFloat64(), hist
		env.SalesTopPercent = topPercent(last)
		env.Cooperation, env.Loyalty = cur.Cooperation, cur.Loyalty
		env.Tags, env.Attributes = cur.Tags, cur.Attributes
		out[i] = AccountClass{Customer: cur.Customer, Rule: -1}
		for k, prog := range r.progs {
			ok, err := exprpolicy.Run(&machine, prog, env)
			if err != nil {
				return nil, fmt.Errorf("segment: ABC rule [%d] (%s) for account %q: %s", k, r.rules[k].Class, cur.Customer, exprpolicy.Message(err))
			}
			if ok {
				out[i].Class, out[i].Rule = r.rules[k].Class, k
				break
			}
		}
	}
	return out, nil
}

func lastSales(a Account) decimal.Decimal {
	if len(a.Sales) == 0 {
		return decimal.Zero
	}
	return a.Sales[len(a.Sales)-1]
}

// grew reports whether each of the last `years` year-on-year changes of sales is at least
// rate, exactly: S[i] ≥ (1 + rate)·S[i−1] with S[i−1] > 0.
func grew(sales []decimal.Decimal, rate float64, years int) bool {
	if years < 1 || years >= len(sales) || math.IsNaN(rate) || math.IsInf(rate, 0) {
		return false
	}
	factor := decimal.NewFromInt(1).Add(shortestDecimal(rate))
	for i := len(sales) - years; i < len(sales); i++ {
		prev := sales[i-1]
		if prev.Sign() <= 0 || sales[i].Cmp(prev.Mul(factor)) < 0 {
			return false
		}
	}
	return true
}

// shortestDecimal reads a float written in a rule or an option (0.10, 0.01) as the decimal
// it was written as: its shortest round-tripping text, not its binary expansion. Callers
// pass finite values.
func shortestDecimal(f float64) decimal.Decimal {
	d, err := decimal.NewFromString(strconv.FormatFloat(f, 'g', -1, 64))
	if err != nil {
		return decimal.Zero
	}
	return d
}
