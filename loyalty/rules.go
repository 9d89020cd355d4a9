package loyalty

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/enum"
	"github.com/kehu-crm/kehu/internal/exprpolicy"
)

// EarningRules is how a programme awards points: base rates on spend, conditional rules
// that add to them, and event rules for things members do besides buying. Its JSON form is
// the "earning" object of a programme:
//
//	"earning": {
//	  "base":   [{"point_type": "points", "points": 1, "per": "1"}],
//	  "rules":  [{"id": "birthday-double", "priority": 10, "when": "member.birthday_month",
//	              "effect": {"point_type": "points", "multiplier": "2"}}],
//	  "events": [{"id": "welcome", "event": "signup", "point_type": "points", "points": 100, "once": "ever"}]
//	}
type EarningRules struct {
	// Base are the rates on spend, each applied to every eligible order line.
	Base []BaseRate `json:"base,omitempty"`
	// Rules add points when their condition holds, in ascending Priority.
	Rules []Rule `json:"rules,omitempty"`
	// Events award points for sign-up, birthdays, reviews, referrals and the like.
	Events []EventRule `json:"events,omitempty"`
	// LateDays is how long after it was placed an order may still be credited, in days of
	// 24 hours, 1 to 36,525; 0 means DefaultLateDays. Service.EarnOrder refuses an order
	// placed (kehu.Order.At) earlier than that before the service's clock, or later than
	// OrderClockSkew after it. The rules take an order's time from the order — a
	// campaign's dates, a birthday, the day a cap counts in — so an order dated by whoever
	// sends it could otherwise claim a campaign that has ended or not begun, a birthday
	// bonus on any day, or a fresh daily cap on every day of the past. A programme that
	// credits claims for missing points, or imports the orders of earlier years, sets it as
	// far back as those go.
	LateDays int `json:"late_days,omitempty"`
}

// DefaultLateDays is how many days after it was placed an order may be credited when the
// programme does not say (EarningRules.LateDays): enough for a nightly batch, a store's
// delayed upload or a member's claim for a receipt of the past month.
const DefaultLateDays = 30

// maxLateDays is the largest EarningRules.LateDays: a hundred years.
const maxLateDays = 36_525

// OrderClockSkew is how far after the service's clock an order may say it was placed: the
// clock of a till or an app that runs a little ahead of the host's. An order dated later
// is refused (see EarningRules.LateDays).
const OrderClockSkew = 5 * time.Minute

// orderInTime checks that an order placed at may be credited when the service's clock
// reads now (see EarningRules.LateDays): a *kehu.ValidationError on "order.at", rule
// "future" or "late", when it may not.
func (p *Program) orderInTime(at, now time.Time) error {
	switch late := p.spec.Earning.lateWindow(); {
	case at.After(now.Add(OrderClockSkew)):
		return kehu.Invalid("order.at", "future", fmt.Sprintf("%s is after the service's clock (%s): an order is credited once it has been placed",
			at.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano)))
	case now.Sub(at) > late:
		return kehu.Invalid("order.at", "late", fmt.Sprintf("%s is more than %d days before the service's clock (%s): the programme credits an order up to that long after it was placed (earning.late_days)",
			at.Format(time.RFC3339Nano), late/(24*time.Hour), now.Format(time.RFC3339Nano)))
	}
	return nil
}

// lateWindow is how long after it was placed an order may be credited.
func (e EarningRules) lateWindow() time.Duration {
	days := e.LateDays
	if days == 0 {
		days = DefaultLateDays
	}
	return time.Duration(days) * 24 * time.Hour
}

// BaseRate awards Points for every Per of spend on each eligible order line:
//
//	points(line) = round(line.Amount ÷ Per × Points, Rounding)
//
// computed exactly in decimal (never in floating point) and rounded once per line. "1 point
// per ¥1" is Points 1, Per 1 and gives 99 points for ¥99.99; "5 points per $1" is Points 5,
// Per 1 and gives 52 points for $10.40.
//
// A line is eligible when it matches one of Categories or SKUs (or both lists are empty)
// and matches none of ExcludeCategories and ExcludeSKUs; matching is exact and
// case-sensitive. Several base rates may apply to one line; their points add up.
type BaseRate struct {
	// PointType is the code of the point type earned.
	PointType string `json:"point_type"`
	// Points is the number of points per Per of spend, 1 to 1,000,000.
	Points int64 `json:"points"`
	// Per is the spend unit in the programme's currency, greater than zero, e.g. "1" or
	// "10"; in Go, decimal.NewFromInt(1) for one unit of the currency, decimal.New(5, -1)
	// for half of one. It has no default: a zero Per is refused (rule "range"), so that a
	// rate left out is reported, never guessed.
	Per decimal.Decimal `json:"per"`
	// Rounding rounds each line's points to an integer. Nil means kehu.Down: a fraction of a
	// point is never given. Set it with RoundWith, e.g. RoundWith(kehu.HalfUp); in JSON it
	// is "half_up", "half_even", "half_down", "down", "up", "floor" or "ceiling".
	Rounding *kehu.RoundingMode `json:"rounding,omitempty"`
	// Categories, if set, limits the rate to lines of these categories (or of SKUs).
	Categories []string `json:"categories,omitempty"`
	// ExcludeCategories never earn under this rate.
	ExcludeCategories []string `json:"exclude_categories,omitempty"`
	// SKUs, if set, limits the rate to these SKUs (or to lines of Categories).
	SKUs []string `json:"skus,omitempty"`
	// ExcludeSKUs never earn under this rate.
	ExcludeSKUs []string `json:"exclude_skus,omitempty"`
}

// RoundWith returns a pointer to mode, for BaseRate.Rounding.
func RoundWith(mode kehu.RoundingMode) *kehu.RoundingMode { return &mode }

// RoundingMode returns the rounding of the rate: Rounding, or kehu.Down when it is nil.
func (b BaseRate) RoundingMode() kehu.RoundingMode {
	if b.Rounding == nil {
		return kehu.Down
	}
	return *b.Rounding
}

// Eligible reports whether an order line of the category and SKU earns under the rate.
func (b BaseRate) Eligible(category, sku string) bool {
	if slices.Contains(b.ExcludeCategories, category) || slices.Contains(b.ExcludeSKUs, sku) {
		return false
	}
	if len(b.Categories) == 0 && len(b.SKUs) == 0 {
		return true
	}
	return slices.Contains(b.Categories, category) || slices.Contains(b.SKUs, sku)
}

// Rule adds points to an order when its condition holds.
//
// Rules are considered in ascending Priority (priority 1 before priority 10); no two rules
// of a programme may share a priority, so the order is always the same. An Exclusive rule
// that matches stops every rule after it — every rule with a larger Priority number —
// but never the base rates. Caps apply to each rule's own points, in the same order.
//
// A rule's points are:
//
//   - the extra multiple of the Effect (Effect.Extra) × the base points of
//     Effect.PointType, for each line (for a per-order rule every line, for a per-line rule
//     every line whose condition holds), rounded down per line; these awards carry the
//     line's ID, so a refund of a line takes back exactly the points the line created. The
//     base rates award the base points themselves, so "multiplier": "2" (extra 1) makes a
//     line earn twice its base points in all;
//   - plus Effect.Bonus: once per order for a per-order rule (an award with no line ID),
//     once per matching line for a per-line rule.
type Rule struct {
	// ID names the rule in awards, explanations and usage counts: 1 to 64 characters of
	// a-z, 0-9, '_', '-' and '.', starting with a letter or digit; unique among the rules
	// and event rules of the programme; "base" is reserved for base rates.
	ID string `json:"id"`
	// Name is for people, e.g. "Double points in your birthday month".
	Name string `json:"name,omitempty"`
	// Priority orders the rules: smaller first. It must be unique in the programme.
	Priority int `json:"priority"`
	// When is the condition, an expr-lang expression of type bool over RuleEnv (or
	// LineRuleEnv for a PerLine rule), e.g. `member.birthday_month` or
	// `hasTag("vip") && order.total_minor >= 19900`. Empty means always. It is compiled
	// and type-checked when the programme is compiled.
	When string `json:"when,omitempty"`
	// Effect is what the rule gives.
	Effect Effect `json:"effect"`
	// PerLine evaluates When once per order line (with `line` in scope) instead of once
	// per order.
	PerLine bool `json:"per_line,omitempty"`
	// Exclusive stops every later rule (larger Priority) when this rule matches.
	Exclusive bool `json:"exclusive,omitempty"`
	// From and To bound a campaign: the rule applies to orders placed at or after From and
	// before To (To is exclusive), both local date-times in the programme's time zone
	// written "2006-01-02T15:04" or "2006-01-02T15:04:05". Empty means unbounded. A Double 11
	// campaign is From "2026-11-11T00:00", To "2026-11-12T00:00".
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Caps limit the rule's points for one member.
	Caps Caps `json:"caps,omitzero"`
}

// Effect is what a rule gives. A rule scales the base points with Multiplier or with
// ExtraBase, not both: "double points" is Multiplier 2, or ExtraBase 1.
type Effect struct {
	// PointType is the code of the point type given.
	PointType string `json:"point_type"`
	// Multiplier is the total multiple of the base points of PointType that a line earns
	// when the rule holds, as operators say it: 2 is "double points" (the rule adds the
	// base points once more on top of the base rate's award), 1.5 adds half, 1 adds nothing.
	// Zero (unset) or 1 to 1000, at most 6 decimal places; a multiplier below 1 is refused,
	// since it would take points away.
	Multiplier decimal.Decimal `json:"multiplier,omitzero"`
	// ExtraBase is the multiple of the base points of PointType the rule adds on top of the
	// base rate's award: 1 is "double points", 0.5 adds half. Zero (unset) to 1000, at
	// most 6 decimal places.
	ExtraBase decimal.Decimal `json:"extra_base,omitzero"`
	// Bonus is a fixed number of points, 0 to 10^12.
	Bonus int64 `json:"bonus,omitempty"`
	// TierMultiplier adds the member's tier benefit: the extra that the Multiplier of the
	// member's level in Program.Tiers brings (a level with multiplier 1.5 adds half the base
	// points). It adds to the rule's own extra: "multiplier": "2" with a 1.5 level gives
	// 1 + 0.5 extra, 2.5 times the base points in all. A member without a known tier, or at
	// a level without a multiplier above 1, gets nothing from it.
	TierMultiplier bool `json:"tier_multiplier,omitempty"`
}

// Extra returns the multiple of the base points the effect adds on top of the base
// rate's award, not counting TierMultiplier: Multiplier − 1 when Multiplier is set,
// otherwise ExtraBase.
func (e Effect) Extra() decimal.Decimal {
	if e.Multiplier.Sign() != 0 {
		return e.Multiplier.Sub(decimal.NewFromInt(1))
	}
	return e.ExtraBase
}

// Caps limit the points one rule gives one member. Zero means no cap.
type Caps struct {
	// PerOrder caps the rule's points on one order.
	PerOrder int64 `json:"per_order,omitempty"`
	// PerDay caps the rule's points per calendar day in the programme's time zone.
	PerDay int64 `json:"per_day,omitempty"`
	// PerPeriod caps the rule's points per Period.
	PerPeriod int64 `json:"per_period,omitempty"`
	// Period is the period of PerPeriod: LimitMonth or LimitYear (calendar, in the
	// programme's time zone) or LimitCampaign (the rule's From–To window).
	Period LimitPeriod `json:"period,omitempty"`
}

// LimitPeriod is the period of a cap or of a once-only event rule.
type LimitPeriod string

// Limit periods.
const (
	// LimitEver: once in the member's lifetime (event rules only).
	LimitEver LimitPeriod = "ever"
	// LimitYear: per calendar year in the programme's time zone.
	LimitYear LimitPeriod = "year"
	// LimitMonth: per calendar month in the programme's time zone.
	LimitMonth LimitPeriod = "month"
	// LimitCampaign: per campaign, the rule's From–To window (caps only).
	LimitCampaign LimitPeriod = "campaign"
)

// Valid reports whether p is one of the declared periods.
func (p LimitPeriod) Valid() bool {
	switch p {
	case LimitEver, LimitYear, LimitMonth, LimitCampaign:
		return true
	}
	return false
}

// ParseLimitPeriod reads a limit period ("ever", "year", "month", "campaign"; case and
// surrounding space ignored); anything else is a *kehu.ValidationError on field "period",
// rule "enum". Which periods a field accepts is the programme's rule: caps take year,
// month or campaign, and an event rule's Once takes ever, year or month.
func ParseLimitPeriod(s string) (LimitPeriod, error) {
	return enum.Parse[LimitPeriod]("period", s)
}

// MemberEvent names something a member does, besides buying, that event rules reward.
type MemberEvent string

// Member events.
const (
	EventSignup           MemberEvent = "signup"
	EventBirthday         MemberEvent = "birthday"
	EventProfileCompleted MemberEvent = "profile_completed"
	EventReview           MemberEvent = "review"
	// EventReferralReferrer rewards the member who referred a new member.
	EventReferralReferrer MemberEvent = "referral_referrer"
	// EventReferralReferee rewards the new member who was referred.
	EventReferralReferee MemberEvent = "referral_referee"
)

// Valid reports whether e is one of the declared events.
func (e MemberEvent) Valid() bool {
	switch e {
	case EventSignup, EventBirthday, EventProfileCompleted, EventReview, EventReferralReferrer, EventReferralReferee:
		return true
	}
	return false
}

// ParseMemberEvent reads a member event ("signup", "birthday", …; case and surrounding
// space ignored); anything else is a *kehu.ValidationError on field "event", rule "enum".
func ParseMemberEvent(s string) (MemberEvent, error) { return enum.Parse[MemberEvent]("event", s) }

// EventRule awards a fixed number of points for a member event, at most once per Once.
type EventRule struct {
	// ID names the rule, with the rules of Rule.ID, unique among all rules of the programme.
	ID string `json:"id"`
	// Name is for people.
	Name string `json:"name,omitempty"`
	// Event is the event rewarded.
	Event MemberEvent `json:"event"`
	// When is an optional condition, an expr-lang bool expression over EventEnv, e.g.
	// `member.tier == "gold"`. Empty means always.
	When string `json:"when,omitempty"`
	// PointType is the code of the point type given.
	PointType string `json:"point_type"`
	// Points is the number of points, 1 to 10^12.
	Points int64 `json:"points"`
	// Once limits the rule to one award per member: LimitEver, LimitYear or LimitMonth
	// (calendar periods in the programme's time zone). Empty means every time.
	Once LimitPeriod `json:"once,omitempty"`
}

// RuleEnv is what a per-order rule's When expression sees. Field names in expressions are
// the expr tags: `order.total_minor`, `member.birthday_month`, `hasTag("vip")`.
//
// Amounts are offered two ways. order.total and line.amount are float64 and are meant only
// for comparisons inside expressions (`order.total >= 199`); they never reach the points
// arithmetic, which is exact decimal. order.total_minor and line.amount_minor are the same
// amounts in exact integer minor units (fen, cents), truncated below one minor unit, for
// comparisons that must be exact: `order.total_minor >= 19900` is "at least ¥199.00".
type RuleEnv struct {
	Order  OrderVars  `expr:"order"`
	Member MemberVars `expr:"member"`
	Date   DateVars   `expr:"date"`
	// HasTag reports whether the member has the tag, ignoring case.
	HasTag func(tag string) bool `expr:"hasTag"`
	// InSegment reports whether the member is in the segment, ignoring case.
	InSegment func(segment string) bool `expr:"inSegment"`
	// HasSKU reports whether any line of the order has the SKU.
	HasSKU func(sku string) bool `expr:"hasSKU"`
	// HasCategory reports whether any line of the order has the category.
	HasCategory func(category string) bool `expr:"hasCategory"`
}

// LineRuleEnv is what a per-line rule's When expression sees: RuleEnv and the line.
type LineRuleEnv struct {
	RuleEnv
	Line LineVars `expr:"line"`
}

// EventEnv is what an event rule's When expression sees.
type EventEnv struct {
	// Event is the event's name, e.g. "review".
	Event  string     `expr:"event"`
	Member MemberVars `expr:"member"`
	Date   DateVars   `expr:"date"`
	// HasTag reports whether the member has the tag, ignoring case.
	HasTag func(tag string) bool `expr:"hasTag"`
	// InSegment reports whether the member is in the segment, ignoring case.
	InSegment func(segment string) bool `expr:"inSegment"`
}

// OrderVars is the order as `order` in expressions.
type OrderVars struct {
	ID       string `expr:"id"`
	Channel  string `expr:"channel"`
	Store    string `expr:"store"`
	Currency string `expr:"currency"`
	// Total is the sum of the line amounts, as float64 for comparisons only.
	Total float64 `expr:"total"`
	// TotalMinor is the sum of the line amounts in minor units, exact (truncated below one
	// minor unit; capped at the largest int64).
	TotalMinor int64 `expr:"total_minor"`
	// Quantity is the sum of the line quantities.
	Quantity int64 `expr:"quantity"`
	// Lines is the number of lines.
	Lines int `expr:"lines"`
	// SKUs and Categories are those of the lines, in line order, without repeats.
	SKUs       []string `expr:"skus"`
	Categories []string `expr:"categories"`
}

// LineVars is one order line as `line` in per-line expressions.
type LineVars struct {
	ID       string `expr:"id"`
	SKU      string `expr:"sku"`
	Category string `expr:"category"`
	Quantity int64  `expr:"quantity"`
	// Amount is the line total after discounts, as float64 for comparisons only.
	Amount float64 `expr:"amount"`
	// AmountMinor is the same amount in exact minor units.
	AmountMinor int64 `expr:"amount_minor"`
}

// MemberVars is the member as `member` in expressions.
type MemberVars struct {
	ID   string `expr:"id"`
	Tier string `expr:"tier"`
	// BirthdayMonth is true when the date of the order (or event), in the programme's time
	// zone, is in the member's birth month. False when the birth date is unknown.
	BirthdayMonth bool `expr:"birthday_month"`
	// Birthday is true on the member's birthday (February 28 for February 29 birthdays in
	// other years), in the programme's time zone.
	Birthday bool     `expr:"birthday"`
	Tags     []string `expr:"tags"`
	Segments []string `expr:"segments"`
	// DaysSinceJoined counts calendar days in the programme's time zone from the day the
	// member joined to the day of the order; -1 when the join time is unknown.
	DaysSinceJoined int `expr:"days_since_joined"`
	// Attributes are the host's custom attributes; a missing key is nil.
	Attributes map[string]any `expr:"attributes"`
}

// DateVars is the date and time of the order (or event) in the programme's time zone, as
// `date` in expressions.
type DateVars struct {
	Year  int `expr:"year"`
	Month int `expr:"month"` // 1 to 12
	Day   int `expr:"day"`   // 1 to 31
	// Weekday is ISO 8601: 1 Monday … 7 Sunday.
	Weekday int  `expr:"weekday"`
	Weekend bool `expr:"weekend"` // Saturday or Sunday
	Hour    int  `expr:"hour"`
	Minute  int  `expr:"minute"`
	// Date is "YYYY-MM-DD", e.g. `date.date == "2026-11-11"`.
	Date string `expr:"date"`
}

// Limits on programme size, so that a hostile programme cannot cost unbounded time.
const (
	progMaxPointTypes = 64
	progMaxBaseRates  = 256
	progMaxRules      = 1024
	progMaxEventRules = 256
	progMaxListItems  = 10000
	progMaxNameLen    = 200
	progMaxBasePoints = 1_000_000
	progMaxBonus      = 1_000_000_000_000
)

var ruleIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// BaseRuleID is the RuleID of awards and explanation steps made by base rates.
const BaseRuleID = "base"

// earnPlan is the compiled, immutable form of a programme's earning rules.
type earnPlan struct {
	loc      *time.Location
	currency kehu.Currency
	types    []string // point type codes, in programme order
	base     []compiledBase
	rules    []compiledRule // ascending priority
	events   []compiledEvent
	// tierExtra is the extra multiple of the base points each tier level's Multiplier
	// brings (Multiplier − 1), as a multiple of multScale; levels without one are absent.
	tierExtra map[string]uint64
	// orderConds and lineConds count the distinct conditions of per-order and per-line
	// rules (see compiledRule.cond).
	orderConds, lineConds int
	// scratch holds *previewScratch: Preview's working memory, reused across orders.
	scratch sync.Pool
}

type compiledRule struct {
	Rule
	when      *vm.Program // nil: always
	from, to  time.Time   // zero: unbounded
	typeIndex int         // of Effect.PointType in earnPlan.types
	// cond numbers the rule's condition among the distinct conditions of rules of its kind
	// (per-order or per-line), so that rules sharing a condition — several campaigns for
	// `member.tier == "gold"` — evaluate it once per order (or line); -1 when When is empty.
	// Conditions are pure functions of the environment, so one evaluation answers them all.
	cond int
	// The effect's extra multiple of the base points (Effect.Extra) as extraNum /
	// multScale, exact: at most 6 decimal places and at most 1000, so extraNum ≤ 10^9.
	extraNum uint64
}

// multScale is the denominator of compiledRule.extraNum.
const multScale = 1_000_000

// multiplyBy returns num/multScale × points, rounded down, exactly; false if it does not
// fit in an int64.
func multiplyBy(points int64, num uint64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(points), num)
	if hi >= multScale {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, multScale)
	if q > math.MaxInt64 {
		return 0, false
	}
	return int64(q), true
}

// compiledBase is a base rate with what Preview needs precomputed.
type compiledBase struct {
	BaseRate
	typeIndex int
	name      string // for explanations: "1 points per 1 CNY"
	rounding  string // the rounding mode's name
	// Per as perCoef × 10^perExp, for the integer path of points (perCoef 0: none), and
	// the rounding decisions of the rate's mode (see roundingTable).
	perCoef uint64
	perExp  int32
	roundUp [2][3]bool
}

type compiledEvent struct {
	EventRule
	when *vm.Program
}

// validateEarning checks p.Earning, reporting problems to pr, and returns the compiled plan
// (meaningful only when pr stays empty).
func (p *Program) validateEarning(pr *programProblems, loc *time.Location) *earnPlan {
	if loc == nil {
		loc = time.UTC
	}
	types := make(map[string]int, len(p.spec.PointTypes))
	plan := &earnPlan{loc: loc}
	for _, t := range p.spec.PointTypes {
		if _, dup := types[t.Code]; !dup {
			types[t.Code] = len(plan.types)
			plan.types = append(plan.types, t.Code)
		}
	}
	hasType := func(code string) bool { _, ok := types[code]; return ok }
	checkType := func(field, code string) {
		switch {
		case code == "":
			pr.Add(field, "required", "is empty")
		case !hasType(code):
			pr.Addf(field, "unknown_point_type", "%s is not a point type of the programme", clip.Quote(code))
		}
	}
	e := &p.spec.Earning
	if e.LateDays < 0 || e.LateDays > maxLateDays {
		pr.Addf("earning.late_days", "range", "%d is not between 0 (the default, %d) and %d", e.LateDays, DefaultLateDays, maxLateDays)
	}

	if len(e.Base) > progMaxBaseRates {
		pr.Addf("earning.base", "max_items", "has %d base rates, more than %d", len(e.Base), progMaxBaseRates)
	}
	for i, b := range e.Base {
		f := fmt.Sprintf("earning.base[%d]", i)
		checkType(f+".point_type", b.PointType)
		if b.Points < 1 || b.Points > progMaxBasePoints {
			pr.Addf(f+".points", "range", "%d is not between 1 and %d", b.Points, progMaxBasePoints)
		}
		if b.Per.Sign() <= 0 {
			pr.Add(f+".per", "range", "must be greater than zero")
		} else {
			pr.decimal(f+".per", b.Per, 18, 12)
		}
		if b.Rounding != nil && !b.Rounding.Valid() {
			pr.Addf(f+".rounding", "enum", "%s is not a rounding mode", b.Rounding.String())
		}
		pr.list(f+".categories", b.Categories)
		pr.list(f+".exclude_categories", b.ExcludeCategories)
		pr.list(f+".skus", b.SKUs)
		pr.list(f+".exclude_skus", b.ExcludeSKUs)
		for j, c := range b.Categories {
			if slices.Contains(b.ExcludeCategories, c) {
				pr.Addf(fmt.Sprintf("%s.categories[%d]", f, j), "conflict", "%s is also excluded", clip.Quote(c))
			}
		}
		for j, s := range b.SKUs {
			if slices.Contains(b.ExcludeSKUs, s) {
				pr.Addf(fmt.Sprintf("%s.skus[%d]", f, j), "conflict", "%s is also excluded", clip.Quote(s))
			}
		}
		cb := compiledBase{BaseRate: cloneBaseRate(b), typeIndex: types[b.PointType],
			name:     fmt.Sprintf("%d %s per %s %s", b.Points, b.PointType, b.Per, p.spec.Currency),
			rounding: b.RoundingMode().String(), roundUp: roundingTable(b.RoundingMode())}
		if b.Per.Sign() > 0 && b.Per.NumDigits() <= 18 {
			cb.perCoef, cb.perExp = uint64(b.Per.CoefficientInt64()), b.Per.Exponent()
		}
		plan.base = append(plan.base, cb)
	}

	ids := map[string]string{} // rule ID → field of its first use
	checkID := func(f, id string) {
		switch {
		case id == "":
			pr.Add(f, "required", "is empty")
			return
		case id == BaseRuleID:
			pr.Add(f, "reserved", `"base" names the base rates`)
			return
		case !ruleIDPattern.MatchString(id):
			pr.Addf(f, "format", "%s is not 1 to 64 of a-z, 0-9, '_', '-', '.' starting with a letter or digit", clip.Quote(id))
			return
		}
		if first, ok := ids[id]; ok {
			pr.Addf(f, "unique", "%s is also the ID of %s", clip.Quote(id), first)
			return
		}
		ids[id] = f
	}

	if len(e.Rules) > progMaxRules {
		pr.Addf("earning.rules", "max_items", "has %d rules, more than %d", len(e.Rules), progMaxRules)
	}
	priorities := map[int]int{}
	conds := map[condKey]int{} // distinct conditions, numbered per kind
	for i, r := range e.Rules {
		f := fmt.Sprintf("earning.rules[%d]", i)
		checkID(f+".id", r.ID)
		pr.name(f+".name", r.Name)
		if j, ok := priorities[r.Priority]; ok {
			pr.Addf(f+".priority", "unique", "%d is also the priority of earning.rules[%d]; stacking order must be explicit", r.Priority, j)
		} else {
			priorities[r.Priority] = i
		}
		c := compiledRule{Rule: r, typeIndex: types[r.Effect.PointType]}
		var env any = RuleEnv{}
		if r.PerLine {
			env = LineRuleEnv{}
		}
		c.when = pr.condition(f+".when", r.When, env)
		c.cond = -1
		if c.when != nil {
			k := condKey{perLine: r.PerLine, src: strings.TrimSpace(r.When)}
			n, ok := conds[k]
			if !ok {
				if n = plan.orderConds; r.PerLine {
					n = plan.lineConds
					plan.lineConds++
				} else {
					plan.orderConds++
				}
				conds[k] = n
			}
			c.cond = n
		}

		checkType(f+".effect.point_type", r.Effect.PointType)
		extraOK := pr.effectExtra(f+".effect", r.Effect)
		if extraOK {
			if v := r.Effect.Extra().Shift(6); v.IsInteger() && v.BigInt().IsUint64() {
				c.extraNum = v.BigInt().Uint64()
			}
		}
		if r.Effect.Bonus < 0 || r.Effect.Bonus > progMaxBonus {
			pr.Addf(f+".effect.bonus", "range", "%d is not between 0 and %d", r.Effect.Bonus, int64(progMaxBonus))
		}
		if r.Effect.TierMultiplier && p.spec.Tiers == nil {
			pr.Add(f+".effect.tier_multiplier", "tiers", "the programme has no tiers")
		}
		if extraOK && r.Effect.Extra().Sign() == 0 && r.Effect.Bonus == 0 && !r.Effect.TierMultiplier {
			msg := "gives no points: set a multiplier above 1, extra_base or a bonus"
			if r.Effect.Multiplier.Sign() != 0 {
				msg = "gives no points: multiplier 1 is the base points alone, which the base rates give; set a multiplier above 1 (2 is double points), extra_base or a bonus"
			}
			pr.Add(f+".effect", "required", msg)
		}

		var okFrom, okTo bool
		c.from, okFrom = pr.localTime(f+".from", r.From, loc)
		c.to, okTo = pr.localTime(f+".to", r.To, loc)
		if okFrom && okTo && !c.from.IsZero() && !c.to.IsZero() && !c.from.Before(c.to) {
			pr.Addf(f+".to", "range", "%s is not after from %s", r.To, r.From)
		}

		caps := r.Caps
		for _, v := range []struct {
			name string
			n    int64
		}{{"per_order", caps.PerOrder}, {"per_day", caps.PerDay}, {"per_period", caps.PerPeriod}} {
			if v.n < 0 {
				pr.Addf(f+".caps."+v.name, "range", "%d is negative", v.n)
			}
		}
		switch caps.Period {
		case "":
			if caps.PerPeriod > 0 {
				pr.Add(f+".caps.period", "required", `is needed for per_period: "month", "year" or "campaign"`)
			}
		case LimitMonth, LimitYear, LimitCampaign:
			if caps.PerPeriod == 0 {
				pr.Add(f+".caps.per_period", "required", "is 0 but caps.period is set")
			}
			if caps.Period == LimitCampaign && r.From == "" && r.To == "" {
				pr.Add(f+".caps.period", "campaign", "is campaign but the rule has neither from nor to")
			}
		default:
			pr.Addf(f+".caps.period", "enum", `%s is not "month", "year" or "campaign"`, clip.Quote(string(caps.Period)))
		}
		plan.rules = append(plan.rules, c)
	}
	slices.SortStableFunc(plan.rules, func(a, b compiledRule) int { return cmp.Compare(a.Priority, b.Priority) })

	if len(e.Events) > progMaxEventRules {
		pr.Addf("earning.events", "max_items", "has %d event rules, more than %d", len(e.Events), progMaxEventRules)
	}
	for i, ev := range e.Events {
		f := fmt.Sprintf("earning.events[%d]", i)
		checkID(f+".id", ev.ID)
		pr.name(f+".name", ev.Name)
		if !ev.Event.Valid() {
			pr.Addf(f+".event", "enum", "%s is not one of signup, birthday, profile_completed, review, referral_referrer, referral_referee", clip.Quote(string(ev.Event)))
		}
		checkType(f+".point_type", ev.PointType)
		if ev.Points < 1 || ev.Points > progMaxBonus {
			pr.Addf(f+".points", "range", "%d is not between 1 and %d", ev.Points, int64(progMaxBonus))
		}
		switch ev.Once {
		case "", LimitEver, LimitYear, LimitMonth:
		default:
			pr.Addf(f+".once", "enum", `%s is not "ever", "year", "month" or empty`, clip.Quote(string(ev.Once)))
		}
		plan.events = append(plan.events, compiledEvent{EventRule: ev, when: pr.condition(f+".when", ev.When, EventEnv{})})
	}
	return plan
}

// effectExtra checks the Multiplier and ExtraBase of an effect on fields under prefix and
// reports whether they are valid.
func (pr *programProblems) effectExtra(prefix string, e Effect) bool {
	n := pr.Len()
	maxExtra := decimal.NewFromInt(1000)
	if m := e.Multiplier; m.Sign() != 0 {
		f := prefix + ".multiplier"
		switch {
		case m.Cmp(decimal.NewFromInt(1)) < 0:
			pr.Add(f, "range", "is less than 1: it would take points away; a multiplier is the total multiple of the base points (2 is double points, 1 adds nothing)")
		case m.Cmp(maxExtra) > 0:
			pr.Add(f, "range", "is more than 1000")
		default:
			pr.decimal(f, m, 4, 6)
		}
	}
	if x := e.ExtraBase; x.Sign() != 0 {
		f := prefix + ".extra_base"
		switch {
		case x.Sign() < 0:
			pr.Add(f, "range", "is negative")
		case x.Cmp(maxExtra) > 0:
			pr.Add(f, "range", "is more than 1000")
		default:
			pr.decimal(f, x, 4, 6)
		}
		if e.Multiplier.Sign() != 0 {
			pr.Add(f, "conflict", `is set with multiplier: give "multiplier" (the total multiple of the base points: 2 is double points) or "extra_base" (the multiple added on top: 1 is double points), not both`)
		}
	}
	return pr.Len() == n
}

// condKey identifies a distinct rule condition: its kind and its source.
type condKey struct {
	perLine bool
	src     string
}

// condition compiles a When expression against env (a struct value; see exprpolicy.Compile)
// with kehu's expression policy. An empty expression gives nil (always true). kehu.Problems go
// to pr on field.
//
// A per-order condition that names `line` is told that line is there only in a per_line
// rule.
func (pr *programProblems) condition(field, src string, env any) *vm.Program {
	if _, perOrder := env.(RuleEnv); !perOrder {
		return exprpolicy.Compile(&pr.Problems, field, src, env)
	}
	var p kehu.Problems
	prog := exprpolicy.Compile(&p, field, src, env)
	var verr *kehu.ValidationError
	if errors.As(p.Err(), &verr) {
		for _, f := range verr.Fields {
			if strings.HasPrefix(f.Message, "unknown name line;") {
				f.Message = "unknown name line: it is there only in a rule with per_line true" +
					strings.TrimPrefix(locationSuffix.FindString(f.Message), ";")
			}
			pr.Add(f.Field, f.Rule, f.Message)
		}
	}
	return prog
}

// locationSuffix is the line:column an expression error ends with.
var locationSuffix = regexp.MustCompile(` \(\d+:\d+\)$`)

// RuleError reports a condition that failed while it was evaluated, for example an
// attribute that is missing compared with a number. Preview and EventAwards return it
// instead of guessing whether the rule matched.
type RuleError struct {
	// RuleID is the rule whose condition failed.
	RuleID string
	// LineID is the order line being evaluated, for a per-line rule.
	LineID string
	// Err is the evaluation error.
	Err error
}

// Error names the rule (and line) and gives the first line of the evaluation error.
func (e *RuleError) Error() string {
	if e.LineID != "" {
		return fmt.Sprintf("loyalty: rule %q, line %q: %v", e.RuleID, e.LineID, exprpolicy.Message(e.Err))
	}
	return fmt.Sprintf("loyalty: rule %q: %v", e.RuleID, exprpolicy.Message(e.Err))
}

// Unwrap returns the evaluation error.
func (e *RuleError) Unwrap() error { return e.Err }

// campaignLayouts are the accepted forms of a campaign bound.
var campaignLayouts = [...]string{"2006-01-02T15:04", "2006-01-02T15:04:05"}

// parseLocal reads a local date-time in loc. Empty gives the zero time and true.
func (pr *programProblems) localTime(field, s string, loc *time.Location) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range campaignLayouts {
		if len(s) != len(layout) {
			continue
		}
		t, err := time.ParseInLocation(layout, s, loc)
		if err == nil {
			return t, true
		}
	}
	pr.Addf(field, "format", `%s is not a local date-time such as "2026-11-11T00:00"`, clip.Quote(s))
	return time.Time{}, false
}

func (pr *programProblems) decimal(field string, d decimal.Decimal, intDigits, fracDigits int64) {
	if d.Sign() == 0 {
		return
	}
	n := d.Normalize()
	e := int64(n.Exponent())
	if int64(n.NumDigits())+e > intDigits {
		pr.Addf(field, "range", "has more than %d digits before the decimal point", intDigits)
	}
	if -e > fracDigits {
		pr.Addf(field, "precision", "has more than %d decimal places", fracDigits)
	}
}

func (pr *programProblems) list(field string, list []string) {
	if len(list) > progMaxListItems {
		pr.Addf(field, "max_items", "has %d items, more than %d", len(list), progMaxListItems)
		return
	}
	for i, s := range list {
		if strings.TrimSpace(s) == "" {
			pr.Add(fmt.Sprintf("%s[%d]", field, i), "required", "is empty")
		}
	}
}

func (pr *programProblems) name(field, name string) {
	if len(name) > progMaxNameLen {
		pr.Addf(field, "max_length", "is longer than %d bytes", progMaxNameLen)
	}
}

func cloneBaseRate(b BaseRate) BaseRate {
	if b.Rounding != nil {
		m := *b.Rounding
		b.Rounding = &m
	}
	b.Categories = slices.Clone(b.Categories)
	b.ExcludeCategories = slices.Clone(b.ExcludeCategories)
	b.SKUs = slices.Clone(b.SKUs)
	b.ExcludeSKUs = slices.Clone(b.ExcludeSKUs)
	return b
}

// programProblems collects the problems of a programme, with the checks its fields share.
type programProblems struct{ kehu.Problems }
