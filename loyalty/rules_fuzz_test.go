package loyalty_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/loyalty"
)

// FuzzLoadProgram: no JSON makes LoadProgram panic; every failure is a *kehu.ValidationError;
// a programme that loads previews orders and events without panicking, and survives a
// round trip through its own JSON.
func FuzzLoadProgram(f *testing.F) {
	f.Add([]byte(earnRetailJSON))
	f.Add([]byte(earnProgramJSON(`{
		"base": [{"point_type": "points", "points": 5, "per": "1", "rounding": "half_even", "categories": ["coffee"], "exclude_skus": ["BAG"]}],
		"rules": [
			{"id": "double11", "priority": 1, "exclusive": true, "from": "2026-11-11T00:00", "to": "2026-11-12T00:00",
			 "when": "order.total_minor >= 19900", "effect": {"point_type": "points", "multiplier": "2"},
			 "caps": {"per_order": 500, "per_day": 1000, "per_period": 3000, "period": "campaign"}},
			{"id": "line-bonus", "priority": 2, "per_line": true, "when": "line.quantity > 1 && hasTag(\"vip\")",
			 "effect": {"point_type": "points", "bonus": 3}, "caps": {"per_period": 100, "period": "month"}}],
		"events": [{"id": "welcome", "event": "signup", "point_type": "points", "points": 100, "once": "ever"}]}`)))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"id": 1}`))
	f.Add([]byte(`{"earning": {"base": [{"per": "1e999999999"}]}}`))
	f.Add([]byte(`{"earning": {"rules": [{"when": "1 % 0 == 0"}]}}`))
	f.Add([]byte(`{"time_zone": "Local"} {}`))
	f.Add([]byte(`{"earning": {"rules": [{"effect": {"multipler": 2}}]}, "point_types": [{}, {"floor": "x"}]}`))
	f.Add([]byte(`{"ID": "a", "earning": {"base": [{"per": "abc", "rounding": 3}]}, "tiers": {"levels": 1}}`))
	f.Add([]byte("{\"name\": \"\xff\"}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := loyalty.LoadProgram(bytes.NewReader(data))
		if err != nil {
			var verr *kehu.ValidationError
			if !errors.As(err, &verr) || len(verr.Fields) == 0 {
				t.Fatalf("not a validation error with fields: %T %v", err, err)
			}
			if p != nil {
				t.Fatal("a programme with an error")
			}
			return
		}
		earnExercise(t, p)

		// The programme's own JSON loads again.
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if _, err := loyalty.LoadProgram(bytes.NewReader(out)); err != nil {
			t.Fatalf("round trip: %v\n%s", err, out)
		}
	})
}

// FuzzRuleExpression: no condition, however malformed, makes loading or evaluating panic;
// a bad condition is a validation problem on the rule's "when" field and nothing else; a
// condition that fails at run time is a *loyalty.RuleError.
func FuzzRuleExpression(f *testing.F) {
	for _, seed := range []string{
		`member.birthday_month`,
		`hasTag("vip") && order.total_minor >= 19900`,
		`line.category == "coffee"`,
		`order.total > "x"`,
		`member.tier ==`,
		`1 % 0 == 0`,
		`order.lines % (order.quantity - 1) == 0`,
		`member.attributes["x"] > 1`,
		`int(member.attributes["s"]) > 0`,
		`all(1..1000000, # > 0)`,
		`len(repeat("x", 1000000)) > 0`,
		`map(1..1000, map(1..1000, # * 2)) != nil`,
		`now().Year() > 2000`,
		`$env.Order.Total > 1`,
		`date.weekday in [6, 7]`,
		`let x = 1; x > 0`,
		`"a" matches "(a+)+$"`,
		`member.tags[99] == "x"`,
		`1/0 > 1`,
		`fromJSON("{") != nil`,
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, when string, perLine bool) {
		p, err := loyalty.Compile(loyalty.ProgramSpec{
			ID: "fuzz", Version: 1, Name: "Fuzz", TimeZone: "Asia/Shanghai", Currency: "CNY",
			PointTypes: []loyalty.PointType{{Code: "points", Kind: loyalty.Spendable, Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}}},
			Earning: loyalty.EarningRules{
				Base:   []loyalty.BaseRate{{PointType: "points", Points: 1, Per: decimal.NewFromInt(1)}},
				Rules:  []loyalty.Rule{{ID: "r", Priority: 1, When: when, PerLine: perLine, Effect: loyalty.Effect{PointType: "points", Multiplier: decimal.NewFromInt(2), Bonus: 1}}},
				Events: []loyalty.EventRule{{ID: "e", Event: loyalty.EventReview, When: when, PointType: "points", Points: 5}},
			},
		})
		if err != nil {
			var verr *kehu.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("not a validation error: %T %v", err, err)
			}
			for _, fe := range verr.Fields {
				if fe.Field != "earning.rules[0].when" && fe.Field != "earning.events[0].when" {
					t.Fatalf("problem outside the conditions: %v", fe)
				}
			}
			return
		}
		earnExercise(t, p)
	})
}

// earnExercise previews an order and every event under p; it fails the test on a panic or
// on an error that is neither a validation error nor a rule error.
func earnExercise(t *testing.T, p *loyalty.Program) {
	t.Helper()
	cur := kehu.Currency(p.Currency())
	if c, err := kehu.ParseCurrency(p.Currency()); err == nil {
		cur = c
	}
	amount := func(s string) kehu.Money {
		m, err := kehu.NewMoney(s, string(cur))
		if err != nil {
			t.Fatalf("money: %v", err)
		}
		return m
	}
	at := time.Date(2026, 3, 31, 17, 0, 0, 0, time.UTC)
	order := kehu.Order{ID: "o", At: at, Currency: string(cur), Channel: "app", Lines: []kehu.OrderLine{
		{ID: "1", SKU: "BEAN-250", Category: "coffee", Quantity: 2, Amount: amount("199.99")},
		{ID: "2", SKU: "BAG", Category: "coffee", Quantity: 1, Amount: amount("0")},
		{ID: "3", SKU: "GC", Category: "gift_card", Quantity: 1, Amount: amount("1000000")},
	}}
	var standing loyalty.Standing
	if p.Tiers() != nil && len(p.Tiers().Levels) > 0 {
		standing.Tier = p.Tiers().Levels[len(p.Tiers().Levels)-1].Code
	}
	member := loyalty.Member{BirthDate: kehu.MustDate(1990, time.April, 1), Tags: []string{"vip"},
		JoinedAt: at.AddDate(-1, 0, 0), Attributes: map[string]any{"x": 2, "s": "7"}}
	usage := &earnHistory{past: []earnPast{{"r", at, 10}, {"welcome", at.AddDate(-1, 0, 0), 100}}}
	check := func(err error) {
		if err == nil {
			return
		}
		var verr *kehu.ValidationError
		var rerr *loyalty.RuleError
		if !errors.As(err, &verr) && !errors.As(err, &rerr) {
			t.Fatalf("unexpected error: %T %v", err, err)
		}
	}
	for _, u := range []loyalty.RuleUsage{nil, usage} {
		e, err := p.Preview(order, member, standing, u)
		check(err)
		if err == nil {
			for _, a := range e.Awards() {
				if a.Points <= 0 {
					t.Fatalf("award of %d points", a.Points)
				}
			}
		}
		for _, ev := range []loyalty.MemberEvent{loyalty.EventSignup, loyalty.EventBirthday, loyalty.EventProfileCompleted,
			loyalty.EventReview, loyalty.EventReferralReferrer, loyalty.EventReferralReferee} {
			_, _, err := p.EventAwards(ev, at, member, standing, u)
			check(err)
		}
	}
}
