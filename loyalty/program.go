package loyalty

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/civil"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/enum"
)

// PointKind separates points a member spends from points that only measure status, as
// airlines keep award miles and status (qualifying) miles apart.
type PointKind string

// Point kinds.
const (
	Spendable  PointKind = "spendable"
	Qualifying PointKind = "qualifying"
)

// ExpiryKind names how a lot's expiry is computed from when it was earned.
type ExpiryKind string

// Expiry kinds.
const (
	// NeverExpire: points never expire.
	NeverExpire ExpiryKind = "never"
	// ExpireAfter: points expire Months months and Days days after they were earned, at
	// the same time of day in the programme's time zone: Months calendar months on, on
	// the last day of the month when it is shorter (earned 31 January, one month is 28 or
	// 29 February), then Days days.
	ExpireAfter ExpiryKind = "after"
	// ExpireEndOfYear: points expire at the end of the calendar year Years years after the
	// year they were earned (Years 1: earned any day of 2026, expire at the end of 2027), in
	// the programme's time zone.
	ExpireEndOfYear ExpiryKind = "end_of_year"
	// ExpireEndOfMonth: points expire at the end of the month Months months after the month
	// they were earned, in the programme's time zone.
	ExpireEndOfMonth ExpiryKind = "end_of_month"
)

// ExpiryPolicy decides each lot's expiry.
type ExpiryPolicy struct {
	Kind   ExpiryKind `json:"kind"`
	Years  int        `json:"years,omitempty"`
	Months int        `json:"months,omitempty"`
	Days   int        `json:"days,omitempty"`
}

// ExpiresAt returns when points earned at earnedAt expire — the first instant at which they
// are no longer spendable — or the zero time for points that never expire. Calendar
// boundaries are taken in loc.
func (e ExpiryPolicy) ExpiresAt(earnedAt time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	t := earnedAt.In(loc)
	switch e.Kind {
	case ExpireAfter:
		return wallLater(t, loc, e.Months, e.Days)
	case ExpireEndOfYear:
		return newYear(t.Year()+e.Years+1, loc)
	case ExpireEndOfMonth:
		return kehu.Date{Year: t.Year(), Month: t.Month(), Day: 1}.AddMonths(e.Months + 1).In(loc)
	}
	return time.Time{}
}

// PointType is one kind of points in a programme.
type PointType struct {
	// Code identifies the type in accounts and rules, e.g. "points", "status".
	Code   string       `json:"code"`
	Name   string       `json:"name"`
	Kind   PointKind    `json:"kind"`
	Expiry ExpiryPolicy `json:"expiry"`
	// PendingDays holds newly earned points for a return window: they become available
	// that many days after they were earned.
	PendingDays int `json:"pending_days,omitempty"`
	// Floor is the lowest balance the programme allows (0 or negative). A negative floor
	// lets clawbacks take an account into debt; new earnings pay the debt off first.
	Floor int64 `json:"floor,omitempty"`
	// ValuePerPoint is what one point is worth to the programme, in its currency, for the
	// liability report, e.g. "0.01".
	ValuePerPoint decimal.Decimal `json:"value_per_point"`
	// Priority orders point types for the type-priority spending policy (lower first).
	Priority int `json:"priority,omitempty"`
}

// SpendPolicy chooses which lots a spend draws on.
type SpendPolicy string

// Spend policies.
const (
	// NearestExpiryFirst spends the lots that expire soonest first (never-expiring last),
	// then the oldest. The default.
	NearestExpiryFirst SpendPolicy = "nearest_expiry"
	// OldestFirst spends the earliest-earned lots first.
	OldestFirst SpendPolicy = "oldest_first"
	// TypePriority lets a redemption that names no point type draw on every spendable
	// type, in ascending PointType.Priority, nearest expiry first within a type (see
	// Service.RedeemAcross).
	TypePriority SpendPolicy = "type_priority"
)

// ReturnMode decides what a refund does when the points it takes back were already spent.
type ReturnMode string

// Return modes.
const (
	// ReturnDebt takes what is left and records the rest as a debt that new earnings pay
	// off first.
	ReturnDebt ReturnMode = "debt"
	// ReturnNegative takes all the points, letting the balance go negative down to the
	// point type's Floor, and records a debt for anything beyond the floor.
	ReturnNegative ReturnMode = "negative"
	// ReturnForgive takes only what is left and forgets the rest.
	ReturnForgive ReturnMode = "forgive"
)

// ProgramSpec is a loyalty programme as written, in Go or in strict JSON (LoadProgram):
// its point types and its rules. Compile it to use it; changing the rules means compiling a
// new Version.
type ProgramSpec struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	Name    string `json:"name"`
	// TimeZone is the IANA zone in which calendar rules (expiry at year end, campaigns,
	// birthdays, daily caps) are taken, e.g. "Asia/Shanghai".
	TimeZone string `json:"time_zone"`
	// Currency is the ISO 4217 code of order amounts and point values.
	Currency    string      `json:"currency"`
	PointTypes  []PointType `json:"point_types"`
	SpendPolicy SpendPolicy `json:"spend_policy,omitempty"`
	Returns     ReturnMode  `json:"returns,omitempty"`
	// Earning is how members earn points: base rates on spend, conditional rules and event
	// rules. See Preview and EventAwards.
	Earning EarningRules `json:"earning,omitzero"`
	// Tiers defines membership levels; nil for a programme without them.
	Tiers *Tiers `json:"tiers,omitempty"`
	// Partners are the coalition partners members exchange points with.
	Partners []Partner `json:"partners,omitempty"`
	// Transfers limits transfers between members and household pools.
	Transfers TransferRules `json:"transfers,omitzero"`
}

// Program is a compiled loyalty programme: every rule checked, every condition
// type-checked and compiled, its time zone loaded. Compile and LoadProgram are the only
// ways to get one, so a *Program is always valid. It is immutable and safe for concurrent
// use; its accessors return copies. The zero Program is not usable, and every Service
// method refuses a nil or zero one.
type Program struct {
	spec ProgramSpec // a deep copy of what was compiled
	loc  *time.Location
	// plan is the compiled, immutable form of Earning.
	plan *earnPlan
}

// Spec returns a deep copy of the definition the programme was compiled from; compiling
// it again gives the same programme.
func (p *Program) Spec() ProgramSpec { return p.spec.clone() }

// MarshalJSON writes the definition the programme was compiled from, the JSON that
// LoadProgram reads back.
func (p *Program) MarshalJSON() ([]byte, error) { return json.Marshal(p.spec) }

// ID returns the programme's ID.
func (p *Program) ID() string { return p.spec.ID }

// Version returns the programme's version.
func (p *Program) Version() int { return p.spec.Version }

// Name returns the programme's name.
func (p *Program) Name() string { return p.spec.Name }

// TimeZone returns the name of the programme's IANA time zone; Location returns the zone.
func (p *Program) TimeZone() string { return p.spec.TimeZone }

// Currency returns the ISO 4217 code of the programme's amounts.
func (p *Program) Currency() string { return p.spec.Currency }

// PointTypes returns the programme's point types, in the order written.
func (p *Program) PointTypes() []PointType { return slices.Clone(p.spec.PointTypes) }

// Earning returns a copy of the programme's earning rules.
func (p *Program) Earning() EarningRules { return p.spec.clone().Earning }

// Tiers returns a copy of the programme's tiers, or nil for a programme without them.
func (p *Program) Tiers() *Tiers { return p.spec.Tiers.clone() }

// Partners returns the programme's coalition partners.
func (p *Program) Partners() []Partner { return slices.Clone(p.spec.Partners) }

// Transfers returns the programme's limits on transfers and household pools.
func (p *Program) Transfers() TransferRules { return p.spec.Transfers }

// Location returns the programme's time zone.
func (p *Program) Location() *time.Location {
	if p.loc == nil {
		return time.UTC // the zero Program, which every Service method refuses
	}
	return p.loc
}

// PointType returns the point type with the code.
func (p *Program) PointType(code string) (PointType, bool) {
	for _, t := range p.spec.PointTypes {
		if t.Code == code {
			return t, true
		}
	}
	return PointType{}, false
}

// Valid reports whether k is one of the declared kinds.
func (k PointKind) Valid() bool { return k == Spendable || k == Qualifying }

// Valid reports whether k is one of the declared kinds.
func (k ExpiryKind) Valid() bool {
	switch k {
	case NeverExpire, ExpireAfter, ExpireEndOfYear, ExpireEndOfMonth:
		return true
	}
	return false
}

// Valid reports whether s is one of the declared policies. The empty policy is not Valid;
// Program.Spend reads it as NearestExpiryFirst.
func (s SpendPolicy) Valid() bool {
	return s == NearestExpiryFirst || s == OldestFirst || s == TypePriority
}

// Valid reports whether m is one of the declared modes. The empty mode is not Valid;
// Program.ReturnPolicy reads it as ReturnDebt.
func (m ReturnMode) Valid() bool { return m == ReturnDebt || m == ReturnNegative || m == ReturnForgive }

// ParsePointKind reads a point kind ("spendable", "qualifying"; case and surrounding
// space ignored); anything else is a *kehu.ValidationError on field "kind", rule "enum".
func ParsePointKind(s string) (PointKind, error) { return enum.Parse[PointKind]("kind", s) }

// ParseExpiryKind reads an expiry kind ("never", "after", "end_of_year", "end_of_month");
// anything else is a *kehu.ValidationError on field "kind", rule "enum".
func ParseExpiryKind(s string) (ExpiryKind, error) { return enum.Parse[ExpiryKind]("kind", s) }

// ParseSpendPolicy reads a spend policy ("nearest_expiry", "oldest_first",
// "type_priority"); anything else is a *kehu.ValidationError on field "spend_policy", rule
// "enum".
func ParseSpendPolicy(s string) (SpendPolicy, error) {
	return enum.Parse[SpendPolicy]("spend_policy", s)
}

// ParseReturnMode reads a return mode ("debt", "negative", "forgive"); anything else is a
// *kehu.ValidationError on field "returns", rule "enum".
func ParseReturnMode(s string) (ReturnMode, error) { return enum.Parse[ReturnMode]("returns", s) }

// Spend returns the programme's spend policy: SpendPolicy, or NearestExpiryFirst when it
// is empty.
func (p *Program) Spend() SpendPolicy {
	if p.spec.SpendPolicy == "" {
		return NearestExpiryFirst
	}
	return p.spec.SpendPolicy
}

// ReturnPolicy returns what a refund does with points already spent: Returns, or
// ReturnDebt when it is empty.
func (p *Program) ReturnPolicy() ReturnMode {
	if p.spec.Returns == "" {
		return ReturnDebt
	}
	return p.spec.Returns
}

// Bounds on expiry policies: a century is more than any programme keeps points.
const (
	progMaxExpiryYears  = 100
	progMaxExpiryMonths = 1200
	progMaxExpiryDays   = 36500
)

// validate reports the problems of the policy on fields under prefix.
func (e ExpiryPolicy) validate(pr *programProblems, prefix string) {
	field := func(name string) string { return prefix + "." + name }
	for _, v := range []struct {
		name     string
		n, limit int
	}{{"years", e.Years, progMaxExpiryYears}, {"months", e.Months, progMaxExpiryMonths}, {"days", e.Days, progMaxExpiryDays}} {
		if v.n < 0 || v.n > v.limit {
			pr.Addf(field(v.name), "range", "%d is not between 0 and %d", v.n, v.limit)
		}
	}
	unused := func(name string, n int, why string) {
		if n != 0 {
			pr.Addf(field(name), "unused", "must be 0: %s", why)
		}
	}
	switch e.Kind {
	case "":
		pr.Add(field("kind"), "required", `is empty: say "never", "after", "end_of_year" or "end_of_month"`)
	case NeverExpire:
		unused("years", e.Years, "points never expire")
		unused("months", e.Months, "points never expire")
		unused("days", e.Days, "points never expire")
	case ExpireAfter:
		unused("years", e.Years, "use months (12 a year)")
		if e.Months <= 0 && e.Days <= 0 {
			pr.Add(prefix, "range", "after expiry needs months or days greater than zero")
		}
	case ExpireEndOfYear:
		// Years 0: the end of the year earned; 1: the end of the following year.
		unused("months", e.Months, "end_of_year counts years")
		unused("days", e.Days, "end_of_year counts years")
	case ExpireEndOfMonth:
		// Months 0: the end of the month earned.
		unused("years", e.Years, "end_of_month counts months")
		unused("days", e.Days, "end_of_month counts months")
	default:
		pr.Addf(field("kind"), "enum", `%s is not "never", "after", "end_of_year" or "end_of_month"`, clip.Quote(string(e.Kind)))
	}
}

// checkPending reports, on field, a pending period that some points of the policy would
// outlast: points must become available strictly before they expire, whenever they were
// earned. Lots become available PendingDays calendar days after they were earned, at the
// same local time (see ExpiresAt for expiry), so the check is in calendar days:
//
//   - after Months and Days: points earned on the first of a month expire the sum of the
//     lengths of Months months from that one, plus Days, calendar days later; the worst
//     case is the shortest such run of months (28 days for one month, 59 for two, 89 for
//     three), and pending_days must be less than it plus Days;
//   - end_of_month Months: points earned in the last moment of a month expire when the
//     Months following months are over; pending_days must be at most the shortest run of
//     Months months (so 0 when Months is 0);
//   - end_of_year Years: points earned in the last moment of 31 December expire when the
//     Years following years are over; pending_days must be at most the days of the
//     shortest run of Years years (365 per year; so 0 when Years is 0).
//
// A policy whose own fields are out of range is left to validate.
func (e ExpiryPolicy) checkPending(pr *programProblems, field string, pending int) {
	if pending == 0 {
		return
	}
	switch e.Kind {
	case ExpireAfter:
		if e.Months < 0 || e.Months > progMaxExpiryMonths || e.Days < 0 || e.Days > progMaxExpiryDays || e.Years != 0 {
			return
		}
		shortest := shortestMonths(e.Months) + e.Days
		if pending >= shortest {
			pr.Addf(field, "expiry", "%d days is not shorter than the expiry after %d months and %d days, which can be as short as %d days: points would expire before they became available",
				pending, e.Months, e.Days, shortest)
		}
	case ExpireEndOfMonth:
		if e.Months < 0 || e.Months > progMaxExpiryMonths || e.Years != 0 || e.Days != 0 {
			return
		}
		if shortest := shortestMonths(e.Months); pending > shortest {
			pr.Addf(field, "expiry", "%d days is longer than the %d days that points earned on the last day of a month keep until they expire at the end of month %d after it: they would expire before they became available",
				pending, shortest, e.Months)
		}
	case ExpireEndOfYear:
		if e.Years < 0 || e.Years > progMaxExpiryYears || e.Months != 0 || e.Days != 0 {
			return
		}
		if shortest := shortestYears(e.Years); pending > shortest {
			pr.Addf(field, "expiry", "%d days is longer than the %d days that points earned on 31 December keep until they expire at the end of year %d after it: they would expire before they became available",
				pending, shortest, e.Years)
		}
	}
}

// shortestMonths returns the fewest days that n consecutive calendar months can have: the
// least, over every first month of the 400-year Gregorian cycle, of the days from the
// first of that month to the first of the month n months later.
func shortestMonths(n int) int {
	least := math.MaxInt
	for start := range int64(400 * 12) {
		y, m := start/12, start%12+1
		end := start + int64(n)
		d := civil.Days(end/12, end%12+1, 1) - civil.Days(y, m, 1)
		least = min(least, int(d))
	}
	return least
}

// shortestYears returns the fewest days that n consecutive calendar years can have, over
// the 400-year Gregorian cycle.
func shortestYears(n int) int {
	least := math.MaxInt
	for y := range int64(400) {
		least = min(least, int(civil.Days(y+int64(n), 1, 1)-civil.Days(y, 1, 1)))
	}
	return least
}

var (
	programIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	pointCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
)

// Compile checks the whole definition and returns the compiled programme, or a
// *kehu.ValidationError listing every problem at once (see below). The programme keeps a
// deep copy of spec, so changing spec afterwards does not change it.
//
// Compile checks (fields such as "point_types[1].code" or "earning.rules[3].when"):
// *kehu.ValidationError (fields such as "point_types[1].code" or "earning.rules[3].when"):
//
//   - id: required, 1 to 64 of A-Z, a-z, 0-9, '_', '.', '-', starting with a letter or digit;
//     name: required; version: 1 or more;
//   - time_zone: an IANA zone that time.LoadLocation knows ("Local" is refused: it would
//     depend on the machine); currency: an ISO 4217 code (crm.ParseCurrency);
//   - point_types: at least one; codes unique and matching ^[a-z][a-z0-9_]{0,31}$; a known
//     kind; a complete expiry policy (kind required; end_of_year with years 0 expires at the
//     end of the year earned); pending_days 0 to 365; floor 0 or less; value_per_point 0 or
//     more;
//   - pending_days ends before expiry, whenever points are earned
//     ("point_types[i].pending_days", rule "expiry"): with expiry after months and days it
//     is shorter than the shortest such span (one month can be 28 days, two 59); with
//     end_of_month or end_of_year it is at most the days of the shortest run of the whole
//     months or years that follow the one earned in, because points earned in its last
//     moment keep only those — so a pending period and an expiry at the end of the month
//     (or year) earned in do not go together;
//   - spend_policy and returns: empty or known;
//   - earning: point types that exist; base rates with points 1 to 1,000,000 and per
//     greater than zero; rule and event IDs unique across both lists; rule priorities
//     unique ("earning.rules[i].priority", rule "unique"); every condition compiles and
//     type-checks as a bool ("earning.rules[i].when", rule "expression", with a message in
//     the names conditions use — order, member, line, date, hasTag — and the nearest name
//     for a misspelt one); campaign bounds
//     that parse, with from before to; caps 0 or more with a known period; late_days 0
//     (the default, DefaultLateDays) to 36,525;
//   - a rule's effect: multiplier 1 to 1000, the total multiple of the base points (below 1
//     is rule "range": it would take points away), or extra_base 0 to 1000, the multiple
//     added on top — not both ("earning.rules[i].effect.extra_base", rule "conflict"); at
//     most 6 decimal places; an effect that gives nothing (no multiplier above 1, extra_base,
//     bonus or tier_multiplier) is rule "required"; a tier level's multiplier is 1 or more
//     when set ("tiers.levels[i].multiplier", rule "range").
func Compile(spec ProgramSpec) (*Program, error) {
	p := &Program{spec: spec.clone()}
	if err := p.compile(); err != nil {
		return nil, err
	}
	return p, nil
}

// clone returns a deep copy of s.
func (s ProgramSpec) clone() ProgramSpec {
	c := s
	c.PointTypes = slices.Clone(s.PointTypes)
	if s.Earning.Base != nil {
		c.Earning.Base = make([]BaseRate, len(s.Earning.Base))
		for i, b := range s.Earning.Base {
			c.Earning.Base[i] = cloneBaseRate(b)
		}
	}
	c.Tiers = s.Tiers.clone()
	c.Partners = slices.Clone(s.Partners)
	c.Earning.Rules = slices.Clone(s.Earning.Rules)
	c.Earning.Events = slices.Clone(s.Earning.Events)
	return c
}

// compile checks p.spec and sets the zone and the compiled rules.
func (p *Program) compile() error {
	var pr programProblems
	p.loc, p.plan = nil, nil

	switch {
	case p.spec.ID == "":
		pr.Add("id", "required", "is empty")
	case !programIDPattern.MatchString(p.spec.ID):
		pr.Addf("id", "format", "%s is not 1 to 64 of A-Z, a-z, 0-9, '_', '.', '-' starting with a letter or digit", clip.Quote(p.spec.ID))
	}
	if strings.TrimSpace(p.spec.Name) == "" {
		pr.Add("name", "required", "is empty")
	}
	pr.name("name", p.spec.Name)
	if p.spec.Version < 1 {
		pr.Addf("version", "range", "%d is less than 1", p.spec.Version)
	}

	var loc *time.Location
	switch p.spec.TimeZone {
	case "":
		pr.Add("time_zone", "required", `is empty: name an IANA zone such as "Asia/Shanghai" or "UTC"`)
	case "Local":
		pr.Add("time_zone", "unknown_zone", `"Local" depends on the machine: name an IANA zone`)
	default:
		l, err := time.LoadLocation(p.spec.TimeZone)
		if err != nil {
			pr.Addf("time_zone", "unknown_zone", "%s is not an IANA time zone", clip.Quote(p.spec.TimeZone))
		} else {
			loc = l
		}
	}

	cur, err := kehu.ParseCurrency(p.spec.Currency)
	pr.Merge("", err)

	if len(p.spec.PointTypes) == 0 {
		pr.Add("point_types", "required", "a programme needs at least one point type")
	}
	if len(p.spec.PointTypes) > progMaxPointTypes {
		pr.Addf("point_types", "max_items", "has %d point types, more than %d", len(p.spec.PointTypes), progMaxPointTypes)
	}
	codes := map[string]int{}
	for i, t := range p.spec.PointTypes {
		f := fmt.Sprintf("point_types[%d]", i)
		switch {
		case t.Code == "":
			pr.Add(f+".code", "required", "is empty")
		case !pointCodePattern.MatchString(t.Code):
			pr.Addf(f+".code", "format", "%s does not match ^[a-z][a-z0-9_]{0,31}$", clip.Quote(t.Code))
		default:
			if j, ok := codes[t.Code]; ok {
				pr.Addf(f+".code", "unique", "%s is also the code of point_types[%d]", clip.Quote(t.Code), j)
			} else {
				codes[t.Code] = i
			}
		}
		pr.name(f+".name", t.Name)
		switch {
		case t.Kind == "":
			pr.Add(f+".kind", "required", `is empty: "spendable" or "qualifying"`)
		case !t.Kind.Valid():
			pr.Addf(f+".kind", "enum", `%s is not "spendable" or "qualifying"`, clip.Quote(string(t.Kind)))
		}
		t.Expiry.validate(&pr, f+".expiry")
		if t.PendingDays < 0 || t.PendingDays > 365 {
			pr.Addf(f+".pending_days", "range", "%d is not between 0 and 365", t.PendingDays)
		} else {
			t.Expiry.checkPending(&pr, f+".pending_days", t.PendingDays)
		}
		if t.Floor > 0 {
			pr.Addf(f+".floor", "range", "%d is above zero: a floor is 0 or negative", t.Floor)
		}
		if t.ValuePerPoint.Sign() < 0 {
			pr.Add(f+".value_per_point", "range", "is negative")
		} else {
			pr.decimal(f+".value_per_point", t.ValuePerPoint, 18, 12)
		}
	}

	if p.spec.SpendPolicy != "" && !p.spec.SpendPolicy.Valid() {
		pr.Addf("spend_policy", "enum", `%s is not "nearest_expiry", "oldest_first" or "type_priority"`, clip.Quote(string(p.spec.SpendPolicy)))
	}
	if p.spec.Returns != "" && !p.spec.Returns.Valid() {
		pr.Addf("returns", "enum", `%s is not "debt", "negative" or "forgive"`, clip.Quote(string(p.spec.Returns)))
	}

	p.spec.Tiers.validate(&pr, p)
	p.validatePartners(&pr)
	p.spec.Transfers.validate(&pr)
	plan := p.validateEarning(&pr, loc)
	if err := pr.Err(); err != nil {
		return err
	}
	plan.currency = cur
	if p.spec.Tiers != nil {
		plan.tierExtra = make(map[string]uint64, len(p.spec.Tiers.Levels))
		for _, l := range p.spec.Tiers.Levels {
			plan.tierExtra[l.Code] = 0 // every level is known, with or without a benefit
			if l.Multiplier.Sign() == 0 {
				continue
			}
			extra := l.Multiplier.Sub(decimal.NewFromInt(1))
			if v := extra.Shift(6); v.IsInteger() && v.Sign() > 0 && v.BigInt().IsUint64() {
				plan.tierExtra[l.Code] = v.BigInt().Uint64()
			}
		}
	}
	p.loc, p.plan = loc, plan
	return nil
}

// usable reports whether p is a compiled programme (not nil, not the zero Program).
func (p *Program) usable() bool { return p != nil && p.plan != nil }
