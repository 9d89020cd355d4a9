package loyalty_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/exprpolicy"
	"github.com/kehu-crm/kehu/loyalty"
)

// A condition whose arithmetic leaves the finite numbers fails, so the rule gives nothing
// and Preview says which rule failed; it never compares +Inf or NaN and awards the bonus.
func TestNonFiniteArithmeticInARuleIsAnError(t *testing.T) {
	tests := []struct {
		name  string
		when  string
		attrs map[string]any
		is    error
	}{
		{"float division by zero", `order.total / member.attributes["visits"] > 0`,
			map[string]any{"visits": 0.0}, exprpolicy.ErrDivisionByZero},
		{"integer division by zero", `order.total / (order.lines - 1) > 0`, nil, exprpolicy.ErrDivisionByZero},
		{"zero by zero is not NaN", `order.total * 0 / member.attributes["visits"] != 1`,
			map[string]any{"visits": 0}, exprpolicy.ErrDivisionByZero},
		{"product overflows", `order.total * 1e308 > 1`, nil, exprpolicy.ErrNotFinite},
		{"infinite attribute", `member.attributes["score"] > 100`, map[string]any{"score": math.Inf(1)}, exprpolicy.ErrNotFinite},
		{"NaN attribute", `member.attributes["score"] != 0`, map[string]any{"score": math.NaN()}, exprpolicy.ErrNotFinite},
		{"NaN from float", `float(member.attributes["score"]) != 0`, map[string]any{"score": "NaN"}, exprpolicy.ErrNotFinite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := earnLoad(t, earnProgramJSON(fmt.Sprintf(`{"rules": [
				{"id": "bonus", "priority": 1, "when": %q, "effect": {"point_type": "points", "bonus": 10}}]}`, tt.when)))
			order := earnOrder(earnAt(2026, 6, 1, 12, 0, 0), "CNY", "30.00")
			e, err := p.Preview(order, loyalty.Member{Attributes: tt.attrs}, loyalty.Standing{}, nil)
			require.Error(t, err)
			assert.Nil(t, e, "no award")
			var rerr *loyalty.RuleError
			require.ErrorAs(t, err, &rerr)
			assert.Equal(t, "bonus", rerr.RuleID)
			require.Error(t, rerr.Err, "the RuleError wraps the evaluation error")
			assert.ErrorIs(t, err, tt.is)
		})
	}
}

// A division by a constant zero, or a constant that overflows, is found when the
// programme is loaded.
func TestNonFiniteConstantArithmeticIsRefused(t *testing.T) {
	for _, when := range []string{"1 / 0 > 0", "1.0 / 0.0 > 0", "order.total / (2 - 2) > 0", "order.total > 1e308 * 10", "order.lines % 0 == 1"} {
		t.Run(when, func(t *testing.T) {
			verr := earnLoadErr(t, earnProgramJSON(fmt.Sprintf(`{"rules": [
				{"id": "bonus", "priority": 1, "when": %q, "effect": {"point_type": "points", "bonus": 10}}]}`, when)))
			assert.True(t, verr.Has("earning.rules[0].when", "expression"), "%v", verr)
		})
	}
}

// pendingProgram is a programme with one spendable point type of the expiry and pending
// period.
func pendingProgram(expiry loyalty.ExpiryPolicy, pending int) loyalty.ProgramSpec {
	return loyalty.ProgramSpec{ID: "pending", Version: 1, Name: "Pending", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{
			{Code: "status", Name: "Status", Kind: loyalty.Qualifying, Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}},
			{Code: "points", Name: "Points", Kind: loyalty.Spendable, Expiry: expiry, PendingDays: pending},
		}}
}

// spendableWhateverTheDay is the independent computation of the rule: it earns points at
// the first and the last microsecond of every day of 2023 to 2028 (common and leap years,
// every month length), makes them available as the ledger does — pending days later, at
// the same local time — and reports whether every lot is available before it expires.
func spendableWhateverTheDay(expiry loyalty.ExpiryPolicy, pending int, loc *time.Location) bool {
	for day := time.Date(2023, 1, 1, 0, 0, 0, 0, loc); day.Year() < 2029; day = day.AddDate(0, 0, 1) {
		for _, earned := range []time.Time{day, day.AddDate(0, 0, 1).Add(-time.Microsecond)} {
			expires := expiry.ExpiresAt(earned, loc)
			if !expires.IsZero() && !earned.In(loc).AddDate(0, 0, pending).Before(expires) {
				return false
			}
		}
	}
	return true
}

func TestPendingDaysMustEndBeforeExpiry(t *testing.T) {
	after := func(months, days int) loyalty.ExpiryPolicy {
		return loyalty.ExpiryPolicy{Kind: loyalty.ExpireAfter, Months: months, Days: days}
	}
	endOfMonth := func(months int) loyalty.ExpiryPolicy {
		return loyalty.ExpiryPolicy{Kind: loyalty.ExpireEndOfMonth, Months: months}
	}
	endOfYear := func(years int) loyalty.ExpiryPolicy {
		return loyalty.ExpiryPolicy{Kind: loyalty.ExpireEndOfYear, Years: years}
	}
	tests := []struct {
		name    string
		expiry  loyalty.ExpiryPolicy
		pending int
		ok      bool
	}{
		{"after 10 days, pending 30", after(0, 10), 30, false},
		{"after 10 days, pending 10: expires as it becomes available", after(0, 10), 10, false},
		{"after 10 days, pending 9", after(0, 10), 9, true},
		{"after a month, pending 28: February", after(1, 0), 28, false},
		{"after a month, pending 27", after(1, 0), 27, true},
		{"after two months, pending 59: January and February", after(2, 0), 59, false},
		{"after two months, pending 58", after(2, 0), 58, true},
		{"after a month and 2 days, pending 29", after(1, 2), 29, true},
		{"after a month and 2 days, pending 30", after(1, 2), 30, false},
		{"after a year, pending 364", after(12, 0), 364, true},
		{"after a year, pending 365: a common year", after(12, 0), 365, false},
		{"end of month, pending 31", endOfMonth(0), 31, false},
		{"end of month, pending 1: earned on the last day", endOfMonth(0), 1, false},
		{"end of month, no pending", endOfMonth(0), 0, true},
		{"end of next month, pending 28", endOfMonth(1), 28, true},
		{"end of next month, pending 29: earned on 31 January", endOfMonth(1), 29, false},
		{"end of the month after next, pending 59", endOfMonth(2), 59, true},
		{"end of the month after next, pending 60", endOfMonth(2), 60, false},
		{"end of year, pending 1: earned on 31 December", endOfYear(0), 1, false},
		{"end of year, pending 14", endOfYear(0), 14, false},
		{"end of year, no pending", endOfYear(0), 0, true},
		{"end of next year, pending 365", endOfYear(1), 365, true},
		{"never, pending 365", loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}, 365, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.ok, spendableWhateverTheDay(tt.expiry, tt.pending, earnShanghai),
				"the table agrees with earning on every day of six years")
			p, err := loyalty.Compile(pendingProgram(tt.expiry, tt.pending))
			if tt.ok {
				require.NoError(t, err)
				require.NotNil(t, p)
				return
			}
			require.Error(t, err)
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has("point_types[1].pending_days", "expiry"), "%v", verr)
			assert.Len(t, verr.Fields, 1, "%v", verr)
			assert.Contains(t, verr.Fields[0].Message, "before they became available")
		})
	}
}

// A random expiry and pending period are refused exactly when some lot would expire
// before it became available.
func TestPendingDaysAgainstEveryDay(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for range 200 {
		var expiry loyalty.ExpiryPolicy
		switch rng.IntN(3) {
		case 0:
			expiry = loyalty.ExpiryPolicy{Kind: loyalty.ExpireAfter, Months: rng.IntN(4), Days: 1 + rng.IntN(40)}
		case 1:
			expiry = loyalty.ExpiryPolicy{Kind: loyalty.ExpireEndOfMonth, Months: rng.IntN(4)}
		default:
			expiry = loyalty.ExpiryPolicy{Kind: loyalty.ExpireEndOfYear, Years: rng.IntN(2)}
		}
		pending := rng.IntN(130)
		_, err := loyalty.Compile(pendingProgram(expiry, pending))
		assert.Equal(t, spendableWhateverTheDay(expiry, pending, earnShanghai), err == nil, "%+v, pending %d: %v", expiry, pending, err)
	}
}

// "multiplier": 2 is double points: a line earns twice its base points in all, which is
// "extra_base": 1 said the other way.
func TestMultiplierIsTheTotalMultipleOfTheBase(t *testing.T) {
	tests := []struct {
		name   string
		effect string
		want   int64 // the rule's points on lines of ¥101 and ¥33 at 1 point per ¥1
	}{
		{"double", `"multiplier": "2"`, 101 + 33},
		{"double said as extra", `"extra_base": "1"`, 101 + 33},
		{"triple", `"multiplier": "3"`, 2 * (101 + 33)},
		{"half again, rounded down per line", `"multiplier": "1.5"`, 50 + 16},
		{"half again said as extra", `"extra_base": "0.5"`, 50 + 16},
		{"one adds nothing but the bonus", `"multiplier": "1", "bonus": 7`, 7},
		{"smallest step", `"multiplier": "1.000001"`, 0},
		{"largest", `"multiplier": "1000"`, 999 * (101 + 33)},
		{"largest extra", `"extra_base": "1000"`, 1000 * (101 + 33)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := earnLoad(t, earnProgramJSON(`{"base": [{"point_type": "points", "points": 1, "per": "1"}],
				"rules": [{"id": "r", "priority": 1, "effect": {"point_type": "points", `+tt.effect+`}}]}`))
			e, err := p.Preview(earnOrder(earnAt(2026, 6, 1, 12, 0, 0), "CNY", "101", "33"), loyalty.Member{}, loyalty.Standing{}, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.want, earnStep(t, e, "r").Points)
			assert.Equal(t, 101+33+tt.want, e.Total("points"))
		})
	}
}

func TestEffectExtra(t *testing.T) {
	tests := []struct {
		name   string
		effect loyalty.Effect
		want   string
	}{
		{"unset", loyalty.Effect{}, "0"},
		{"multiplier", loyalty.Effect{Multiplier: decimal.RequireFromString("2.5")}, "1.5"},
		{"extra base", loyalty.Effect{ExtraBase: decimal.RequireFromString("0.25")}, "0.25"},
		{"one", loyalty.Effect{Multiplier: decimal.NewFromInt(1)}, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.True(t, decimal.RequireFromString(tt.want).Equal(tt.effect.Extra()), "%s", tt.effect.Extra())
		})
	}
}

func TestMultiplierValidation(t *testing.T) {
	tests := []struct {
		name   string
		effect string
		field  string
		rule   string
		says   string
	}{
		{"below one takes points away", `"multiplier": "0.5"`, "earning.rules[0].effect.multiplier", "range", "would take points away"},
		{"negative", `"multiplier": "-1"`, "earning.rules[0].effect.multiplier", "range", "less than 1"},
		{"above 1000", `"multiplier": "1000.5"`, "earning.rules[0].effect.multiplier", "range", "more than 1000"},
		{"too precise", `"multiplier": "1.0000001"`, "earning.rules[0].effect.multiplier", "precision", "6 decimal places"},
		{"one alone gives nothing", `"multiplier": "1"`, "earning.rules[0].effect", "required", "multiplier 1 is the base points alone"},
		{"both", `"multiplier": "2", "extra_base": "1"`, "earning.rules[0].effect.extra_base", "conflict", `"multiplier"`},
		{"negative extra", `"extra_base": "-0.5"`, "earning.rules[0].effect.extra_base", "range", "negative"},
		{"extra above 1000", `"extra_base": "1001"`, "earning.rules[0].effect.extra_base", "range", "more than 1000"},
		{"nothing", `"bonus": 0`, "earning.rules[0].effect", "required", "gives no points"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verr := earnLoadErr(t, earnProgramJSON(`{"base": [{"point_type": "points", "points": 1, "per": "1"}],
				"rules": [{"id": "r", "priority": 1, "effect": {"point_type": "points", `+tt.effect+`}}]}`))
			require.Len(t, verr.Fields, 1, "%v", verr)
			f := verr.Fields[0]
			assert.Equal(t, tt.field, f.Field)
			assert.Equal(t, tt.rule, f.Rule)
			assert.Contains(t, f.Message, tt.says)
			if tt.rule == "conflict" {
				assert.Contains(t, f.Message, `"extra_base"`, "the message names both fields")
			}
		})
	}
}

// A tier level's multiplier is read like a rule's: gold at 1.5 earns 1.5 times the base
// points in all.
func TestTierLevelMultiplierIsTheTotalMultiple(t *testing.T) {
	tiered := func(gold, effect string) string {
		return `{"id": "t", "version": 1, "name": "T", "time_zone": "Asia/Shanghai", "currency": "CNY",
		  "point_types": [{"code": "points", "name": "Points", "kind": "spendable", "expiry": {"kind": "never"}}],
		  "earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}],
		              "rules": [{"id": "tier", "priority": 1, "effect": {"point_type": "points", "tier_multiplier": true` + effect + `}}]},
		  "tiers": {"levels": [{"code": "member", "name": "Member"}, {"code": "gold", "name": "Gold", "spend": "8000"` + gold + `}],
		            "window": {"kind": "calendar_year"}, "review": "calendar_year"}}`
	}
	tests := []struct {
		name, gold, effect, tier string
		want                     int64 // all the points of lines of ¥101 and ¥33
	}{
		{"gold at 1.5", `, "multiplier": "1.5"`, "", "gold", 101 + 50 + 33 + 16},
		{"gold at 2", `, "multiplier": "2"`, "", "gold", 2 * (101 + 33)},
		{"gold at 1", `, "multiplier": "1"`, "", "gold", 101 + 33},
		{"no multiplier", "", "", "gold", 101 + 33},
		{"member level", `, "multiplier": "1.5"`, "", "member", 101 + 33},
		{"rule double and gold at 1.5: the extras add", `, "multiplier": "1.5"`, `, "multiplier": "2"`, "gold", 101 + 101 + 50 + 33 + 33 + 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := earnLoad(t, tiered(tt.gold, tt.effect))
			e, err := p.Preview(earnOrder(earnAt(2026, 6, 1, 12, 0, 0), "CNY", "101", "33"), loyalty.Member{}, loyalty.Standing{Tier: tt.tier}, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.want, e.Total("points"))
		})
	}

	verr := earnLoadErr(t, tiered(`, "multiplier": "0.5"`, ""))
	assert.True(t, verr.Has("tiers.levels[1].multiplier", "range"), "%v", verr)
	assert.Contains(t, verr.Error(), "would take points away")
}

// twoTypesJSON is a valid programme with two point types, a base rate and a rule, whose
// parts the decoding tests replace.
const twoTypesJSON = `{"id": "t", "version": 1, "name": "T", "time_zone": "Asia/Shanghai", "currency": "CNY",
  "point_types": [
    {"code": "points", "name": "Points", "kind": "spendable", "expiry": {"kind": "never"}},
    {"code": "status", "name": "Status", "kind": "qualifying", "expiry": {"kind": "never"}, "floor": 0}],
  "earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}],
              "rules": [{"id": "double", "priority": 1, "effect": {"point_type": "points", "multiplier": "2"}}]}}`

func TestLoadProgramNamesTheJSONPath(t *testing.T) {
	replace := func(old, new string) string {
		require.Contains(t, twoTypesJSON, old)
		return strings.Replace(twoTypesJSON, old, new, 1)
	}
	tests := []struct {
		name              string
		json              string
		field, rule, says string
	}{
		{"decimal that does not parse", replace(`"per": "1"`, `"per": "abc"`),
			"earning.base[0].per", "format", `"abc" is not a decimal number`},
		{"string for a number", replace(`"floor": 0`, `"floor": "low"`),
			"point_types[1].floor", "type", "cannot hold a JSON string; want an integer"},
		{"number for a string", replace(`"code": "status"`, `"code": 7`),
			"point_types[1].code", "type", "cannot hold a JSON number; want a string"},
		{"object for an array", replace(`"base": [{"point_type": "points", "points": 1, "per": "1"}]`, `"base": {}`),
			"earning.base", "type", "cannot hold a JSON object; want an array"},
		{"array for an object", replace(`"expiry": {"kind": "never"}, "floor"`, `"expiry": [], "floor"`),
			"point_types[1].expiry", "type", "want an object"},
		{"bool for a decimal", replace(`"multiplier": "2"`, `"multiplier": true`),
			"earning.rules[0].effect.multiplier", "format", "is not a decimal number"},
		{"integer overflow", replace(`"points": 1,`, `"points": 1e30,`),
			"earning.base[0].points", "type", "want an integer"},
		{"misspelt multiplier", replace(`"multiplier": "2"`, `"multipler": "2"`),
			"earning.rules[0].effect.multipler", "unknown_field", `unknown field; did you mean "multiplier"?`},
		{"misspelt rule field", replace(`"priority": 1,`, `"priorty": 1, "priority": 1,`),
			"earning.rules[0].priorty", "unknown_field", `did you mean "priority"?`},
		{"misspelt top-level field", replace(`"currency": "CNY"`, `"currency": "CNY", "timezone": "UTC"`),
			"timezone", "unknown_field", `did you mean "time_zone"?`},
		{"misspelt point type field", replace(`"floor": 0`, `"floor": 0, "pendingdays": 3`),
			"point_types[1].pendingdays", "unknown_field", `did you mean "pending_days"?`},
		{"nothing near", replace(`"floor": 0`, `"floor": 0, "colour": "red"`),
			"point_types[1].colour", "unknown_field", `unknown field; the fields here are "code", "name"`},
		{"a field of a pointer struct", replace(`"currency": "CNY"`, `"currency": "CNY", "tiers": {"levles": []}`),
			"tiers.levles", "unknown_field", `did you mean "levels"?`},
		{"enum decoder", replace(`"per": "1"`, `"per": "1", "rounding": "sideways"`),
			"earning.base[0].rounding", "unknown_rounding_mode", `"sideways"`},
		{"not an object", `[]`, "program", "type", "cannot hold a JSON array; want an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verr := earnLoadErr(t, tt.json)
			require.Len(t, verr.Fields, 1, "%v", verr)
			f := verr.Fields[0]
			assert.Equal(t, tt.field, f.Field)
			assert.Equal(t, tt.rule, f.Rule)
			assert.Contains(t, f.Message, tt.says)
		})
	}
}

// Every value that does not decode is listed at once, in document order; a key that
// differs from a field's name only in case is that field, as encoding/json reads it.
func TestLoadProgramListsEveryDecodingProblem(t *testing.T) {
	bad := strings.NewReplacer(`"per": "1"`, `"per": "abc"`, `"floor": 0`, `"flor": 0`, `"multiplier": "2"`, `"multiplier": 2, "bonnus": 1`).Replace(twoTypesJSON)
	verr := earnLoadErr(t, bad)
	var got []string
	for _, f := range verr.Fields {
		got = append(got, f.Field+" "+f.Rule)
	}
	assert.Equal(t, []string{"point_types[1].flor unknown_field", "earning.base[0].per format", "earning.rules[0].effect.bonnus unknown_field"}, got)

	p := earnLoad(t, strings.Replace(twoTypesJSON, `"version": 1`, `"Version": 1`, 1))
	assert.Equal(t, 1, p.Version())
	// A multiplier may be a JSON number or a string.
	earnLoad(t, strings.Replace(twoTypesJSON, `"multiplier": "2"`, `"multiplier": 2`, 1))
	// Trailing data stays an error.
	assert.True(t, earnLoadErr(t, twoTypesJSON+` {}`).Has("program", "syntax"))
}

// A condition that does not compile is explained in the names expressions use — order,
// member, line, date, hasTag — with the nearest name when one is a slip away, never in the
// Go types behind them.
func TestExpressionErrorsSpeakOfTheProgrammesNames(t *testing.T) {
	tests := []struct {
		name, when string
		perLine    bool
		event      bool
		says       []string
	}{
		{"misspelt order field", "order.totl > 100", false, false, []string{"order has no field totl; did you mean total? (1:7)"}},
		{"Go field name", "member.DaysSinceJoined > 30", false, false, []string{"member has no field DaysSinceJoined; did you mean days_since_joined?"}},
		{"misspelt date field", "date.yeer == 2026", false, false, []string{"date has no field yeer; did you mean year?"}},
		{"misspelt line field", "line.amout > 50", true, false, []string{"line has no field amout; did you mean amount?"}},
		{"misspelt member field in an event rule", `member.tierr == "gold"`, false, true, []string{"member has no field tierr; did you mean tier?"}},
		{"unknown function", `hasTg("vip")`, false, false, []string{"unknown name hasTg; did you mean hasTag?"}},
		{"unknown name far from any", "basket > 1", false, false, []string{"unknown name basket; known names are order, member, date, hasTag"}},
		{"line in a per-order rule", "line.amount > 50", false, false, []string{"unknown name line: it is there only in a rule with per_line true (1:1)"}},
		{"wrong type", `order.total > "100"`, false, false, []string{"invalid operation: > (mismatched types float64 and string)"}},
		{"a whole object compared", "order > 100", false, false, []string{"mismatched types order and int"}},
		{"two objects compared", "member == date", false, false, []string{"mismatched types member and date"}},
		{"an object to a builtin", "len(date) > 1", false, false, []string{"(type date)"}},
		{"a function not called", "hasTag", false, false, []string{"expected bool, but got a function (hasTag, inSegment, hasSKU or hasCategory)"}},
		{"a function given a number", "hasTag(1)", false, false, []string{"cannot use int as argument (type string) to call hasTag (1:8)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var earning string
			if tt.event {
				earning = fmt.Sprintf(`{"events": [{"id": "e", "event": "review", "when": %q, "point_type": "points", "points": 5}]}`, tt.when)
			} else {
				earning = fmt.Sprintf(`{"rules": [{"id": "r", "priority": 1, "per_line": %t, "when": %q, "effect": {"point_type": "points", "bonus": 1}}]}`, tt.perLine, tt.when)
			}
			verr := earnLoadErr(t, earnProgramJSON(earning))
			require.Len(t, verr.Fields, 1, "%v", verr)
			f := verr.Fields[0]
			assert.Equal(t, "expression", f.Rule)
			for _, s := range tt.says {
				assert.Contains(t, f.Message, s)
			}
			for _, goName := range []string{"loyalty.", "kehu", "struct", "Vars", "RuleEnv", "func(", "interface {}"} {
				assert.NotContains(t, f.Message, goName)
			}
		})
	}
}
