package loyalty_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/loyalty"
)

// A retail programme: 1 point per ¥1 (gift cards excluded), double points in
// the birthday month, points expire at the end of the year after earning.
const exampleRetail = `{
  "id": "retail-cn",
  "version": 1,
  "name": "Retail Rewards",
  "time_zone": "Asia/Shanghai",
  "currency": "CNY",
  "point_types": [
    {"code": "points", "name": "积分", "kind": "spendable",
     "expiry": {"kind": "end_of_year", "years": 1}, "value_per_point": "0.01"}
  ],
  "earning": {
    "base": [
      {"point_type": "points", "points": 1, "per": "1", "exclude_categories": ["gift_card"]}
    ],
    "rules": [
      {"id": "birthday-double", "name": "Double points in your birthday month", "priority": 10,
       "when": "member.birthday_month", "effect": {"point_type": "points", "multiplier": "2"}}
    ],
    "events": [
      {"id": "welcome", "event": "signup", "point_type": "points", "points": 100, "once": "ever"}
    ]
  }
}`

// Build the retail programme from JSON and preview an order placed at 2026-03-31T17:00Z —
// already April 1 in Shanghai, the member's birth month.
func ExampleProgram_Preview() {
	p, err := loyalty.LoadProgram(strings.NewReader(exampleRetail))
	if err != nil {
		fmt.Println(err)
		return
	}
	order := kehu.Order{
		ID:       "SO-1001",
		At:       time.Date(2026, 3, 31, 17, 0, 0, 0, time.UTC),
		Currency: "CNY",
		Lines: []kehu.OrderLine{
			{ID: "1", SKU: "BEAN-250", Category: "coffee", Quantity: 1, Amount: kehu.MustMoney("99.99", "CNY")},
			{ID: "2", SKU: "MUG-01", Category: "homeware", Quantity: 2, Amount: kehu.MustMoney("45.50", "CNY")},
			{ID: "3", SKU: "GC-200", Category: "gift_card", Quantity: 1, Amount: kehu.MustMoney("200.00", "CNY")},
		},
	}
	member := loyalty.Member{BirthDate: kehu.MustDate(1990, time.April, 17)}

	e, err := p.Preview(order, member, loyalty.Standing{}, nil) // nil: no usage history needed, no caps
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range e.Awards() {
		fmt.Printf("line %s  %-15s %+4d %s\n", a.LineID, a.RuleID, a.Points, a.PointType)
	}
	for _, s := range e.Explanation() {
		fmt.Printf("%s: %s, %s\n", s.RuleID, s.Outcome, s.Detail)
	}
	fmt.Println("total:", e.Total("points"))
	pt, _ := p.PointType("points")
	fmt.Println("expire:", pt.Expiry.ExpiresAt(order.At, p.Location()).Format(time.RFC3339))
	// Output:
	// line 1  base             +99 points
	// line 2  base             +45 points
	// line 1  birthday-double  +99 points
	// line 2  birthday-double  +45 points
	// base: awarded, 144 points on 2 of 3 lines, rounded down per line
	// birthday-double: awarded, matched: +144 points
	// total: 288
	// expire: 2028-01-01T00:00:00+08:00
}

// A programme written in Go: amounts of money in the programme's currency are decimals,
// built exactly from integers (decimal.NewFromInt) or strings, never from floats. A rate
// with no Per is refused, not read as one unit.
func ExampleCompile() {
	spec := loyalty.ProgramSpec{
		ID: "rewards", Version: 1, Name: "Rewards", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{{Code: "points", Name: "积分", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}}},
		Earning: loyalty.EarningRules{Base: []loyalty.BaseRate{ // a point per whole yuan
			{PointType: "points", Points: 1, Per: decimal.NewFromInt(1)}}},
		Tiers: &loyalty.Tiers{Levels: []loyalty.TierLevel{{Code: "member", Name: "Member"},
			{Code: "silver", Name: "Silver", Spend: decimal.NewFromInt(1000)}}, // from ¥1,000 a year
			Window: loyalty.TierWindow{Kind: loyalty.WindowCalendarYear}, Review: loyalty.ReviewCalendarYear},
	}
	p, err := loyalty.Compile(spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	o := kehu.Order{ID: "SO-1", At: time.Date(2026, 5, 20, 12, 0, 0, 0, p.Location()), Currency: "CNY",
		Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("99.90", "CNY")}}}
	e, err := p.Preview(o, loyalty.Member{}, loyalty.Standing{}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("¥99.90 earns", e.Total("points"), "points")

	spec.Earning.Base[0].Per = decimal.Decimal{}
	_, err = loyalty.Compile(spec)
	var verr *kehu.ValidationError
	if errors.As(err, &verr) {
		fmt.Printf("%s (%s): %s\n", verr.Fields[0].Field, verr.Fields[0].Rule, verr.Fields[0].Message)
	}
	// Output:
	// ¥99.90 earns 99 points
	// earning.base[0].per (range): must be greater than zero
}

// A programme is validated as a whole: every problem is reported at once.
func ExampleLoadProgram_validation() {
	_, err := loyalty.LoadProgram(strings.NewReader(`{
  "id": "retail-cn", "version": 1, "name": "Retail", "time_zone": "Asia/Shanghai", "currency": "CNY",
  "point_types": [{"code": "points", "kind": "spendable", "expiry": {"kind": "never"}}],
  "earning": {"rules": [
    {"id": "a", "priority": 1, "when": "order.total > \"x\"", "effect": {"point_type": "points", "bonus": 5}},
    {"id": "b", "priority": 1, "effect": {"point_type": "miles", "bonus": 5}}
  ]}
}`))
	var verr *kehu.ValidationError
	if errors.As(err, &verr) {
		for _, f := range verr.Fields {
			fmt.Printf("%s (%s): %s\n", f.Field, f.Rule, f.Message)
		}
	}
	// Output:
	// earning.rules[0].when (expression): invalid operation: > (mismatched types float64 and string) (1:13)
	// earning.rules[1].priority (unique): 1 is also the priority of earning.rules[0]; stacking order must be explicit
	// earning.rules[1].effect.point_type (unknown_point_type): "miles" is not a point type of the programme
}

// Event rules award points for what members do besides buying, at most once per period.
func ExampleProgram_EventAwards() {
	p := loyalty.MustLoadProgram(exampleRetail)
	signedUp := time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC)

	awards, _, err := p.EventAwards(loyalty.EventSignup, signedUp, loyalty.Member{}, loyalty.Standing{}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(awards)

	// The ledger answers RuleUsage; here a stand-in says "welcome" already gave 100 points.
	_, steps, _ := p.EventAwards(loyalty.EventSignup, signedUp.AddDate(1, 0, 0), loyalty.Member{}, loyalty.Standing{}, exampleUsage{"welcome": 100})
	fmt.Println(steps[0].Outcome, "-", steps[0].Detail)
	// Output:
	// [{points 100  welcome}]
	// once_limit - already awarded before: once ever
}

// exampleUsage reports a fixed number of points per rule, whatever the period.
type exampleUsage map[string]int64

func (u exampleUsage) Awarded(rule string, _, _ time.Time) int64 { return u[rule] }
