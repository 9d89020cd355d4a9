package loyalty_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// earnRetailJSON is a retail programme: 1 point per ¥1 (gift cards excluded),
// double points in the birthday month, points expire at the end of the year after earning.
const earnRetailJSON = `{
  "id": "retail-cn",
  "version": 1,
  "name": "Retail Rewards 会员积分",
  "time_zone": "Asia/Shanghai",
  "currency": "CNY",
  "point_types": [
    {"code": "points", "name": "积分", "kind": "spendable",
     "expiry": {"kind": "end_of_year", "years": 1}, "value_per_point": "0.01"},
    {"code": "status", "name": "等级积分", "kind": "qualifying", "expiry": {"kind": "never"}}
  ],
  "earning": {
    "base": [
      {"point_type": "points", "points": 1, "per": "1", "exclude_categories": ["gift_card"]},
      {"point_type": "status", "points": 1, "per": "1"}
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

// earnProgramJSON returns a CNY programme in Asia/Shanghai with one point type "points"
// and the given "earning" object.
func earnProgramJSON(earning string) string {
	return `{"id": "test", "version": 1, "name": "Test", "time_zone": "Asia/Shanghai", "currency": "CNY",
  "point_types": [{"code": "points", "name": "Points", "kind": "spendable", "expiry": {"kind": "never"}}],
  "earning": ` + earning + `}`
}

// withTiers adds a tier ladder (member, silver, gold) to a programme's JSON, so that a
// standing may name those levels.
func withTiers(programJSON string) string {
	return strings.TrimSuffix(programJSON, "}") + `, "tiers": {"levels": [{"code": "member", "name": "Member"},
	  {"code": "silver", "name": "Silver", "spend": "1000"}, {"code": "gold", "name": "Gold", "spend": "5000"}],
	  "window": {"kind": "rolling_months", "months": 12}, "review": "anniversary"}}`
}

// earnLoad loads a programme that must be valid.
func earnLoad(t *testing.T, jsonText string) *loyalty.Program {
	t.Helper()
	p, err := loyalty.LoadProgram(strings.NewReader(jsonText))
	require.NoError(t, err)
	return p
}

// earnLoadErr loads a programme that must be invalid and returns its validation error.
func earnLoadErr(t *testing.T, jsonText string) *kehu.ValidationError {
	t.Helper()
	p, err := loyalty.LoadProgram(strings.NewReader(jsonText))
	require.Error(t, err)
	require.Nil(t, p)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	return verr
}

func TestLoadProgramRetail(t *testing.T) {
	p := earnLoad(t, earnRetailJSON)
	assert.Equal(t, "retail-cn", p.ID())
	assert.Equal(t, "Asia/Shanghai", p.Location().String())
	assert.Equal(t, loyalty.NearestExpiryFirst, p.Spend(), "empty spend_policy means nearest expiry first")
	assert.Equal(t, loyalty.ReturnDebt, p.ReturnPolicy(), "empty returns means debt")
	require.Len(t, p.Earning().Base, 2)
	assert.Equal(t, kehu.Down, p.Earning().Base[0].RoundingMode(), "base rates round down by default")
	pt, ok := p.PointType("points")
	require.True(t, ok)
	assert.True(t, decimal.RequireFromString("0.01").Equal(pt.ValuePerPoint))

	// End of the year after earning, in the programme's zone: 2026-12-31T20:00Z is already
	// 2027-01-01 in Shanghai, so those points last until the end of 2028.
	for _, tc := range []struct {
		earned time.Time
		want   string
	}{
		{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "2028-01-01T00:00:00+08:00"},
		{time.Date(2026, 12, 31, 15, 59, 59, 0, time.UTC), "2028-01-01T00:00:00+08:00"},
		{time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC), "2029-01-01T00:00:00+08:00"},
	} {
		assert.Equal(t, tc.want, pt.Expiry.ExpiresAt(tc.earned, p.Location()).Format(time.RFC3339), "earned %s", tc.earned)
	}
}

func TestLoadProgramStrictJSON(t *testing.T) {
	valid := earnRetailJSON
	tests := []struct {
		name        string
		json        string
		field, rule string
	}{
		{"unknown top-level field", strings.Replace(valid, `"version": 1,`, `"version": 1, "colour": "red",`, 1), "colour", "unknown_field"},
		{"unknown nested field", strings.Replace(valid, `"priority": 10,`, `"priority": 10, "whn": "true",`, 1), "earning.rules[0].whn", "unknown_field"},
		{"misspelt expiry field", strings.Replace(valid, `"years": 1`, `"year": 1`, 1), "point_types[0].expiry.year", "unknown_field"},
		{"trailing object", valid + ` {}`, "program", "syntax"},
		{"trailing garbage", valid + ` x`, "program", "syntax"},
		{"syntax error", strings.Replace(valid, `"version": 1,`, `"version": 1,,`, 1), "program", "syntax"},
		{"truncated", valid[:len(valid)/2], "program", "syntax"},
		{"wrong type", strings.Replace(valid, `"version": 1,`, `"version": "1",`, 1), "version", "type"},
		{"empty", "  ", "program", "required"},
		{"not an object", `[]`, "program", "type"},
		{"bad rounding", strings.Replace(valid, `"per": "1", "exclude`, `"per": "1", "rounding": "sideways", "exclude`, 1), "earning.base[0].rounding", "unknown_rounding_mode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			verr := earnLoadErr(t, tc.json)
			assert.True(t, verr.Has(tc.field, tc.rule), "want %s/%s in %v", tc.field, tc.rule, verr)
		})
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	bad := `{
  "id": "has space", "version": 0, "name": " ", "time_zone": "Mars/Olympus", "currency": "XYZ",
  "spend_policy": "random", "returns": "never",
  "point_types": [
    {"code": "points", "kind": "spendable", "expiry": {"kind": "end_of_year", "years": -1}, "pending_days": 400, "floor": 5, "value_per_point": "-1"},
    {"code": "points", "kind": "gold", "expiry": {"kind": "sometimes"}},
    {"code": "Bad-Code", "kind": "qualifying", "expiry": {"kind": "after"}},
    {"code": "miles", "kind": "spendable", "expiry": {}}
  ],
  "earning": {
    "base": [{"point_type": "stars", "points": 0, "per": "0", "rounding": "up", "categories": ["a", ""], "exclude_categories": ["a"]}],
    "rules": [
      {"id": "r1", "priority": 5, "when": "order.total > \"x\"", "effect": {"point_type": "points", "bonus": 10}},
      {"id": "r2", "priority": 5, "when": "member.tier ==", "effect": {"point_type": "points", "multiplier": "-1"}},
      {"id": "r1", "priority": 6, "effect": {"point_type": "nope"}},
      {"id": "base", "priority": 7, "from": "2026-11-12T00:00", "to": "2026-11-11T00:00", "effect": {"point_type": "points", "bonus": 1},
       "caps": {"per_day": -1, "per_period": 10}},
      {"id": "r5", "priority": 8, "from": "11/11/2026", "effect": {"point_type": "points", "bonus": 1}, "caps": {"per_period": 5, "period": "week"}}
    ],
    "events": [
      {"id": "r2", "event": "anniversary", "point_type": "points", "points": 0, "once": "day"}
    ]
  }
}`
	verr := earnLoadErr(t, bad)
	want := []struct{ field, rule string }{
		{"id", "format"},
		{"name", "required"},
		{"version", "range"},
		{"time_zone", "unknown_zone"},
		{"currency", "unknown_currency"},
		{"spend_policy", "enum"},
		{"returns", "enum"},
		{"point_types[0].expiry.years", "range"},
		{"point_types[0].pending_days", "range"},
		{"point_types[0].floor", "range"},
		{"point_types[0].value_per_point", "range"},
		{"point_types[1].code", "unique"},
		{"point_types[1].kind", "enum"},
		{"point_types[1].expiry.kind", "enum"},
		{"point_types[2].code", "format"},
		{"point_types[2].expiry", "range"},
		{"point_types[3].expiry.kind", "required"},
		{"earning.base[0].point_type", "unknown_point_type"},
		{"earning.base[0].points", "range"},
		{"earning.base[0].per", "range"},
		{"earning.base[0].categories[1]", "required"},
		{"earning.base[0].categories[0]", "conflict"},
		{"earning.rules[0].when", "expression"},
		{"earning.rules[1].priority", "unique"},
		{"earning.rules[1].when", "expression"},
		{"earning.rules[1].effect.multiplier", "range"},
		{"earning.rules[2].id", "unique"},
		{"earning.rules[2].effect.point_type", "unknown_point_type"},
		{"earning.rules[2].effect", "required"},
		{"earning.rules[3].id", "reserved"},
		{"earning.rules[3].to", "range"},
		{"earning.rules[3].caps.per_day", "range"},
		{"earning.rules[3].caps.period", "required"},
		{"earning.rules[4].from", "format"},
		{"earning.rules[4].caps.period", "enum"},
		{"earning.events[0].id", "unique"},
		{"earning.events[0].event", "enum"},
		{"earning.events[0].points", "range"},
		{"earning.events[0].once", "enum"},
	}
	for _, w := range want {
		assert.True(t, verr.Has(w.field, w.rule), "missing %s (%s)", w.field, w.rule)
	}
	assert.Len(t, verr.Fields, len(want), "every problem once, nothing else:\n%s", verr)
}

func TestCompileZeroSpec(t *testing.T) {
	p, err := loyalty.Compile(loyalty.ProgramSpec{})
	assert.Nil(t, p, "no programme from a spec that does not compile")
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	for _, f := range []string{"id", "name", "version", "time_zone", "currency", "point_types"} {
		assert.True(t, verr.Has(f, ""), "missing %s", f)
	}

	// A nil or zero *Program is refused, never a panic.
	svc := loyalty.NewService(nil, nil)
	for _, bad := range []*loyalty.Program{nil, {}} {
		_, err := svc.Balance(t.Context(), bad, crm.CustomerIDFrom([16]byte{1}), "points")
		assert.ErrorIs(t, err, kehu.ErrInvalid)
		_, err = bad.Preview(kehu.Order{}, loyalty.Member{}, loyalty.Standing{}, nil)
		assert.ErrorIs(t, err, kehu.ErrInvalid)
	}
}

// A compiled programme is its own: the spec it came from and the copies its accessors
// return can be changed without changing it, and Spec compiles to the same programme.
func TestCompiledProgramIsImmutable(t *testing.T) {
	spec := loyalty.MustLoadProgram(earnRetailJSON).Spec()
	p, err := loyalty.Compile(spec)
	require.NoError(t, err)
	before := p.Spec()
	spec.PointTypes[0].Code = "changed"
	spec.Earning.Rules[0].When = "false"
	p.PointTypes()[0].Code = "changed"
	p.Earning().Rules[0].When = "false"
	if tiers := p.Tiers(); tiers != nil {
		tiers.Levels[0].Code = "changed"
	}
	assert.Equal(t, before, p.Spec(), "neither the spec nor the accessors' copies reach the programme")
	again, err := loyalty.Compile(p.Spec())
	require.NoError(t, err)
	assert.Equal(t, p.Spec(), again.Spec())
	assert.Equal(t, p.ID(), again.ID())
	assert.Equal(t, p.Location(), again.Location())
}

func TestValidateTimeZone(t *testing.T) {
	for _, tc := range []struct {
		zone string
		ok   bool
	}{
		{"Asia/Shanghai", true},
		{"America/New_York", true},
		{"UTC", true},
		{"Local", false}, // depends on the machine
		{"", false},
		{"Mars/Olympus", false},
		{"../../etc/passwd", false},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			_, err := loyalty.LoadProgram(strings.NewReader(strings.Replace(earnRetailJSON, "Asia/Shanghai", tc.zone, 1)))
			if tc.ok {
				assert.NoError(t, err)
				return
			}
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has("time_zone", ""), "%v", verr)
		})
	}
}

func TestValidateExpiry(t *testing.T) {
	tests := []struct {
		expiry string
		field  string // "" when valid
	}{
		{`{"kind": "never"}`, ""},
		{`{"kind": "after", "months": 24}`, ""},
		{`{"kind": "after", "days": 90}`, ""},
		{`{"kind": "end_of_year"}`, ""}, // end of the year earned
		{`{"kind": "end_of_year", "years": 2}`, ""},
		{`{"kind": "end_of_month", "months": 3}`, ""},
		{`{"kind": "never", "days": 3}`, "point_types[0].expiry.days"},
		{`{"kind": "after"}`, "point_types[0].expiry"},
		{`{"kind": "after", "months": -1, "days": 5}`, "point_types[0].expiry.months"},
		{`{"kind": "end_of_year", "months": 6}`, "point_types[0].expiry.months"},
		{`{"kind": "end_of_year", "years": 101}`, "point_types[0].expiry.years"},
		{`{"kind": "END_OF_YEAR"}`, "point_types[0].expiry.kind"},
	}
	for _, tc := range tests {
		t.Run(tc.expiry, func(t *testing.T) {
			js := strings.Replace(earnProgramJSON(`{}`), `{"kind": "never"}`, tc.expiry, 1)
			_, err := loyalty.LoadProgram(strings.NewReader(js))
			if tc.field == "" {
				assert.NoError(t, err)
				return
			}
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tc.field, ""), "want %s in %v", tc.field, verr)
		})
	}
}

func TestRuleEqualPriorityRejectedAtLoad(t *testing.T) {
	verr := earnLoadErr(t, earnProgramJSON(`{"rules": [
		{"id": "a", "priority": 1, "effect": {"point_type": "points", "bonus": 1}},
		{"id": "b", "priority": 2, "effect": {"point_type": "points", "bonus": 1}},
		{"id": "c", "priority": 1, "effect": {"point_type": "points", "bonus": 1}}]}`))
	require.Len(t, verr.Fields, 1, "%v", verr)
	assert.True(t, verr.Has("earning.rules[2].priority", "unique"))
	assert.Contains(t, verr.Fields[0].Message, "earning.rules[0]")
}

func TestRuleBadExpressionRejectedAtLoad(t *testing.T) {
	tests := []struct {
		name    string
		when    string
		perLine bool
		msg     string // part of the message
	}{
		{"syntax", `member.tier ==`, false, "unexpected"},
		{"unbalanced", `(order.total > 1`, false, ""},
		{"string compared with number", `order.total > "x"`, false, "mismatched types"},
		{"not bool", `order.total`, false, "bool"},
		{"unknown variable", `customer.vip`, false, "unknown name"},
		{"unknown field", `order.grand_total > 1`, false, "grand_total"},
		{"line outside a per-line rule", `line.sku == "A"`, false, "unknown name line"},
		{"helper with wrong argument", `hasTag(1)`, false, "hasTag"},
		{"clock is not available", `now().Year() == 2026`, false, "now"},
		{"line field wrong type", `line.quantity == "2"`, true, "mismatched types"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rule := fmt.Sprintf(`{"rules": [
				{"id": "ok", "priority": 1, "when": "member.birthday_month", "effect": {"point_type": "points", "bonus": 1}},
				{"id": "bad", "priority": 2, "per_line": %t, "when": %q, "effect": {"point_type": "points", "bonus": 1}}]}`,
				tc.perLine, tc.when)
			verr := earnLoadErr(t, earnProgramJSON(rule))
			require.Len(t, verr.Fields, 1, "%v", verr)
			assert.Equal(t, "earning.rules[1].when", verr.Fields[0].Field)
			assert.Equal(t, "expression", verr.Fields[0].Rule)
			assert.Contains(t, verr.Fields[0].Message, tc.msg)
			assert.NotContains(t, verr.Fields[0].Message, "\n")
		})
	}
	// An event rule's condition is checked too, against the event environment.
	verr := earnLoadErr(t, earnProgramJSON(`{"events": [
		{"id": "rev", "event": "review", "when": "order.total > 1", "point_type": "points", "points": 5}]}`))
	assert.True(t, verr.Has("earning.events[0].when", "expression"), "%v", verr)
}

func TestRuleGoodExpressionsLoad(t *testing.T) {
	for _, when := range []string{
		`member.birthday_month`,
		`hasTag("vip") && order.total_minor >= 19900`,
		`order.total >= 199.5 || order.quantity > 3`,
		`date.weekday in [6, 7] && date.hour < 12`,
		`date.date == "2026-11-11"`,
		`inSegment("champions") or member.days_since_joined < 30`,
		`hasSKU("BEAN-250") and hasCategory("coffee")`,
		`member.attributes["visits"] != nil && member.attributes["visits"] > 3`,
		`"coffee" in order.categories and len(order.skus) >= 2`,
		`member.tier in ["gold", "platinum"]`,
		`  `, // empty: always
	} {
		t.Run(when, func(t *testing.T) {
			earnLoad(t, earnProgramJSON(fmt.Sprintf(`{"rules": [
				{"id": "r", "priority": 1, "when": %q, "effect": {"point_type": "points", "bonus": 1}}]}`, when)))
		})
	}
}

func TestCompileCopiesTheSpec(t *testing.T) {
	src := loyalty.ProgramSpec{
		ID: "go-built", Version: 1, Name: "Built in Go", TimeZone: "Europe/Berlin", Currency: "eur",
		PointTypes: []loyalty.PointType{{Code: "points", Name: "Points", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.ExpireAfter, Months: 24}}},
		Earning: loyalty.EarningRules{
			Base:  []loyalty.BaseRate{{PointType: "points", Points: 2, Per: decimal.NewFromInt(1), ExcludeSKUs: []string{"DEPOSIT"}}},
			Rules: []loyalty.Rule{{ID: "weekend", Priority: 1, When: "date.weekend", Effect: loyalty.Effect{PointType: "points", Bonus: 10}}},
		},
	}
	p, err := loyalty.Compile(src)
	require.NoError(t, err)
	assert.Equal(t, "Europe/Berlin", p.Location().String())

	// The programme is a copy: changing the source afterwards changes nothing.
	src.Earning.Base[0].Points = 1000
	src.Earning.Base[0].ExcludeSKUs[0] = "OTHER"
	src.Earning.Rules[0].Effect.Bonus = 1000
	assert.Equal(t, int64(2), p.Earning().Base[0].Points)
	assert.Equal(t, "DEPOSIT", p.Earning().Base[0].ExcludeSKUs[0])

	order := kehu.Order{ID: "o", At: time.Date(2026, 5, 9, 10, 0, 0, 0, time.UTC), Currency: "EUR", // a Saturday
		Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("10.00", "EUR")}}}
	e, err := p.Preview(order, loyalty.Member{}, loyalty.Standing{}, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(30), e.Total("points"), "2 per €1 on €10 plus the weekend bonus of 10")

	// A copy changed after compiling is not the programme.
	p.Earning().Rules[0].Effect.Bonus = 500
	e, err = p.Preview(order, loyalty.Member{}, loyalty.Standing{}, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(30), e.Total("points"))

	_, err = loyalty.Compile(loyalty.ProgramSpec{})
	assert.ErrorIs(t, err, kehu.ErrInvalid)
}

func TestPreviewNeedsACompiledProgram(t *testing.T) {
	p := &loyalty.Program{}
	_, err := p.Preview(kehu.Order{}, loyalty.Member{}, loyalty.Standing{}, nil)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, _, err = p.EventAwards(loyalty.EventSignup, time.Now(), loyalty.Member{}, loyalty.Standing{}, nil)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	var nilp *loyalty.Program
	_, err = nilp.Preview(kehu.Order{}, loyalty.Member{}, loyalty.Standing{}, nil)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
}

func TestMustLoadProgramPanicsOnBadProgramme(t *testing.T) {
	assert.NotPanics(t, func() { loyalty.MustLoadProgram(earnRetailJSON) })
	assert.Panics(t, func() { loyalty.MustLoadProgram(`{}`) })
}

func TestLoadProgramReaderError(t *testing.T) {
	_, err := loyalty.LoadProgram(earnErrReader{})
	require.Error(t, err)
	assert.True(t, errors.Is(err, errEarnRead))
	_, err = loyalty.LoadProgram(nil)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
}

var errEarnRead = errors.New("disk on fire")

type earnErrReader struct{}

func (earnErrReader) Read([]byte) (int, error) { return 0, errEarnRead }

// TestExpireAfterMonthsFromTheEndOfAMonth: "after" counts Months calendar months from the
// day earned, on the last day of a shorter month (as kehu.Date.AddMonths does), then Days
// days, at the time of day earned, in the programme's zone. So points earned later never
// expire sooner: earned 31 January 2026, one month is 28 February (2026 is a common year),
// not 3 March, which would outlast the points earned on 1 February (expiring 1 March);
// twelve months after 29 February 2024 is 28 February 2025.
func TestExpireAfterMonthsFromTheEndOfAMonth(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 30, 0, 0, sh) }
	after := func(months, days int) loyalty.ExpiryPolicy {
		return loyalty.ExpiryPolicy{Kind: loyalty.ExpireAfter, Months: months, Days: days}
	}
	for _, tc := range []struct {
		policy         loyalty.ExpiryPolicy
		earned, expire time.Time
	}{
		{after(1, 0), at(2026, 1, 31, 10), at(2026, 2, 28, 10)},
		{after(1, 0), at(2026, 1, 28, 10), at(2026, 2, 28, 10)},
		{after(1, 0), at(2026, 2, 1, 10), at(2026, 3, 1, 10)},
		{after(1, 0), at(2024, 1, 31, 10), at(2024, 2, 29, 10)},
		{after(3, 0), at(2026, 5, 31, 23), at(2026, 8, 31, 23)},
		{after(3, 0), at(2026, 11, 30, 23), at(2027, 2, 28, 23)},
		{after(12, 0), at(2024, 2, 29, 8), at(2025, 2, 28, 8)},
		{after(48, 0), at(2024, 2, 29, 8), at(2028, 2, 29, 8)},
		// months first, then days: 28 February plus one day
		{after(1, 1), at(2026, 1, 31, 10), at(2026, 3, 1, 10)},
		{after(0, 30), at(2026, 1, 31, 10), at(2026, 3, 2, 10)},
		// earned 2026-03-31 00:30 in Shanghai, 30 March 16:30 in UTC: the months count in
		// the programme's zone
		{after(1, 0), time.Date(2026, 3, 30, 16, 30, 0, 0, time.UTC), at(2026, 4, 30, 0)},
	} {
		got := tc.policy.ExpiresAt(tc.earned, sh)
		assert.True(t, tc.expire.Equal(got), "%+v earned %s: expires %s, want %s", tc.policy, tc.earned, got.In(sh), tc.expire)
	}
	// Over every day of 2023 to 2028: points earned on a later day never expire on an
	// earlier day.
	for _, p := range []loyalty.ExpiryPolicy{after(1, 0), after(2, 5), after(12, 0), after(6, 0)} {
		var prev kehu.Date
		for t0 := at(2023, 1, 1, 12); t0.Year() < 2029; t0 = t0.AddDate(0, 0, 1) {
			e := kehu.DateOf(p.ExpiresAt(t0, sh).In(sh))
			require.False(t, e.Before(prev), "%+v: earned %s expires %s, before the day before's %s", p, t0, e, prev)
			prev = e
		}
	}
}

// TestExpireAtTheEndOfAPeriodWhoseFirstMidnightIsSkipped: in America/Asuncion the clocks
// went from 00:00 to 01:00 on 2023-10-01, so October began at 01:00 -03 (04:00 UTC), an
// instant after 30 September 23:59:59 -04 (03:59:59 UTC). Points that expire at the end of
// September are spendable until then, not from 23:00 on 30 September.
func TestExpireAtTheEndOfAPeriodWhoseFirstMidnightIsSkipped(t *testing.T) {
	asuncion, err := time.LoadLocation("America/Asuncion")
	require.NoError(t, err)
	earned := time.Date(2023, 9, 12, 15, 0, 0, 0, asuncion)
	october := time.Date(2023, 10, 1, 4, 0, 0, 0, time.UTC)
	got := loyalty.ExpiryPolicy{Kind: loyalty.ExpireEndOfMonth}.ExpiresAt(earned, asuncion)
	assert.True(t, october.Equal(got), "expires %s, want %s", got, october)
	// earned in August, a month on
	got = loyalty.ExpiryPolicy{Kind: loyalty.ExpireEndOfMonth, Months: 1}.ExpiresAt(time.Date(2023, 8, 31, 23, 0, 0, 0, asuncion), asuncion)
	assert.True(t, october.Equal(got), "expires %s, want %s", got, october)
	// an ordinary month end there: 1 November 2023 00:00 -03
	got = loyalty.ExpiryPolicy{Kind: loyalty.ExpireEndOfMonth}.ExpiresAt(time.Date(2023, 10, 12, 15, 0, 0, 0, asuncion), asuncion)
	assert.True(t, time.Date(2023, 11, 1, 3, 0, 0, 0, time.UTC).Equal(got), "expires %s", got)
}

// TestExpireAfterMonthsAtATimeTheClocksSkip: points earned at 02:30 on 10 February 2024
// in New York, a month on, meet the night the clocks jumped from 02:00 EST to 03:00 EDT
// (10 March 2024): the wall clock never read 02:30, so they expire when it jumped, 03:00
// EDT (07:00 UTC), not at a 01:30 or 03:30 either side of it.
func TestExpireAfterMonthsAtATimeTheClocksSkip(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	earned := time.Date(2024, 2, 10, 2, 30, 0, 0, ny)
	got := loyalty.ExpiryPolicy{Kind: loyalty.ExpireAfter, Months: 1}.ExpiresAt(earned, ny)
	want := time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC)
	assert.True(t, want.Equal(got), "expires %s, want %s", got.In(ny), want.In(ny))
}

// TestDaysLaterAtATimeTheClocksSkip: a pending period, a coupon's validity and a
// downgrade's grace count whole days to the same wall time, placed with kehu.Date.At.
// Earned at 00:00 on 30 September 2023 in Asunción, one day on is 00:00 on 1 October,
// which the clocks skipped (00:00 -04 → 01:00 -03): the points become available at 01:00
// -03 (04:00 UTC), not at 23:00 on the day they were earned. Every other day of the year
// is 24 hours later there.
func TestDaysLaterAtATimeTheClocksSkip(t *testing.T) {
	asuncion, err := time.LoadLocation("America/Asuncion")
	require.NoError(t, err)
	earned := time.Date(2023, 9, 30, 0, 0, 0, 0, asuncion)
	got := loyalty.WallLater(earned, asuncion, 0, 1)
	assert.True(t, time.Date(2023, 10, 1, 4, 0, 0, 0, time.UTC).Equal(got), "%s", got.In(asuncion))
	assert.True(t, kehu.DateOf(got.In(asuncion)).After(kehu.DateOf(earned)), "available on a later day than it was earned")
	got = loyalty.WallLater(time.Date(2023, 6, 30, 0, 0, 0, 0, asuncion), asuncion, 0, 1)
	assert.Equal(t, 24*time.Hour, got.Sub(time.Date(2023, 6, 30, 0, 0, 0, 0, asuncion)))
}
