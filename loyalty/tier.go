package loyalty

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/checked"
	"github.com/kehu-crm/kehu/internal/clip"
)

// Synthetic accounts that carry the qualifying figures of tiers. EarnOrder credits them with
// each order (spend per line in minor units, one purchase per order) and Refund takes them
// back line by line like points, so a tier is always measured on what was kept.
const (
	spendAccount     = "$spend"
	purchasesAccount = "$purchases"
)

// Tier window kinds: over which period qualifying figures are counted.
const (
	WindowRollingMonths   = "rolling_months"   // the last Months months up to now
	WindowCalendarYear    = "calendar_year"    // the calendar year, in the programme's zone
	WindowAnniversaryYear = "anniversary_year" // the membership year, from an anniversary of joining
)

// Tier review kinds: when downgrades are decided.
const (
	ReviewCalendarYear = "calendar_year" // every 1 January
	ReviewAnniversary  = "anniversary"   // every anniversary of joining
)

// Tiers defines membership levels (会员等级): the levels, the figures that qualify for
// them, and when members move down.
type Tiers struct {
	// Levels, lowest first. The first is where every member starts; its thresholds are
	// ignored.
	Levels []TierLevel `json:"levels"`
	// QualifyingType is the point type counted as qualifying points (a Qualifying type),
	// or "" when points are not a measure.
	QualifyingType string `json:"qualifying_type,omitempty"`
	// Window is the period the figures are counted over.
	Window TierWindow `json:"window"`
	// All, when true, requires every threshold a level sets; otherwise any one suffices.
	All bool `json:"all,omitempty"`
	// Review is when downgrades are decided: ReviewCalendarYear or ReviewAnniversary.
	Review string `json:"review"`
	// MaxDrop is the most levels one review may take a member down (0: no limit).
	MaxDrop int `json:"max_drop,omitempty"`
	// GraceDays delays a downgrade decided at a review: the member keeps the level that
	// many days longer.
	GraceDays int `json:"grace_days,omitempty"`
	// ExcludeCategories are the order-line categories whose spend does not qualify
	// (matching is exact and case-sensitive, as for BaseRate): gift cards, say, whose value
	// comes back as the payment of later orders and would otherwise count twice. An order
	// whose every line is excluded counts no purchase either.
	ExcludeCategories []string `json:"exclude_categories,omitempty"`
}

// TierWindow is the period qualifying figures are counted over.
type TierWindow struct {
	Kind   string `json:"kind"`
	Months int    `json:"months,omitempty"`
}

// TierLevel is one membership level: what qualifies for it and what it brings.
type TierLevel struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Spend is the qualifying spend in the programme's currency (zero: not a measure), in
	// whole minor units at most; in Go, decimal.NewFromInt(1000) for 1,000 of the currency.
	Spend decimal.Decimal `json:"spend,omitzero"`
	// Points is the qualifying points (zero: not a measure).
	Points int64 `json:"points,omitempty"`
	// Purchases is the number of orders (zero: not a measure).
	Purchases int64 `json:"purchases,omitempty"`
	// Multiplier is the level's earning rate, as the total multiple of the base points a
	// member at the level earns through rules with Effect.TierMultiplier, at the level the ledger holds for them
	// (see Standing): 1.5 earns 1.5
	// times the base points in all (the rule adds half on top of the base rate's award), 2
	// earns double. Zero (unset) or 1 adds nothing; below 1 is refused, since it would take
	// points away. At most 4 decimal places.
	Multiplier decimal.Decimal `json:"multiplier,omitzero"`
	// Perks are named benefits ("lounge", "free-delivery", "birthday-gift").
	Perks []string `json:"perks,omitempty"`
}

func (t *Tiers) validate(pr *programProblems, p *Program) {
	if t == nil {
		return
	}
	if len(t.Levels) < 2 {
		pr.Add("tiers.levels", "min_items", "a tier ladder needs at least two levels")
	}
	seen := map[string]bool{}
	minor := int32(kehu.Currency(p.spec.Currency).MinorUnits())
	for i, l := range t.Levels {
		f := fmt.Sprintf("tiers.levels[%d]", i)
		switch {
		case !pointCodePattern.MatchString(l.Code):
			pr.Addf(f+".code", "format", "%s does not match ^[a-z][a-z0-9_]{0,31}$", clip.Quote(l.Code))
		case seen[l.Code]:
			pr.Addf(f+".code", "unique", "%s names two levels", clip.Quote(l.Code))
		}
		seen[l.Code] = true
		pr.name(f+".name", l.Name)
		if l.Spend.Sign() < 0 || l.Points < 0 || l.Purchases < 0 || l.Multiplier.Sign() < 0 {
			pr.Add(f, "range", "thresholds and multiplier must not be negative")
		}
		if !l.Spend.Equal(l.Spend.Round(minor)) {
			pr.Addf(f+".spend", "precision", "has more decimals than %s allows", p.spec.Currency)
		}
		pr.decimal(f+".spend", l.Spend, 18, int64(minor))
		pr.decimal(f+".multiplier", l.Multiplier, 6, 4)
		if l.Multiplier.Sign() > 0 && l.Multiplier.Cmp(decimal.NewFromInt(1)) < 0 {
			pr.Add(f+".multiplier", "range", "is less than 1: it would take points away; a level's multiplier is the total multiple of the base points (1.5 earns half again)")
		}
		if i > 0 && l.Spend.IsZero() && l.Points == 0 && l.Purchases == 0 {
			pr.Add(f, "required", "a level above the first needs a spend, points or purchases threshold")
		}
		if i > 0 {
			prev := t.Levels[i-1]
			if l.Spend.LessThan(prev.Spend) || l.Points < prev.Points || l.Purchases < prev.Purchases {
				pr.Add(f, "order", "thresholds must not fall from one level to the next")
			}
		}
		pr.list(f+".perks", l.Perks)
	}
	pr.list("tiers.exclude_categories", t.ExcludeCategories)
	if t.QualifyingType != "" {
		if pt, ok := p.PointType(t.QualifyingType); !ok || pt.Kind != Qualifying {
			pr.Addf("tiers.qualifying_type", "unknown_point_type", "%s is not a qualifying point type of the programme", clip.Quote(t.QualifyingType))
		}
	}
	switch t.Window.Kind {
	case WindowRollingMonths:
		if t.Window.Months < 1 || t.Window.Months > 120 {
			pr.Add("tiers.window.months", "range", "a rolling window is 1 to 120 months")
		}
	case WindowCalendarYear, WindowAnniversaryYear:
		if t.Window.Months != 0 {
			pr.Add("tiers.window.months", "unused", "only a rolling window has months")
		}
	default:
		pr.Addf("tiers.window.kind", "enum", `%s is not "rolling_months", "calendar_year" or "anniversary_year"`, clip.Quote(t.Window.Kind))
	}
	if t.Review != ReviewCalendarYear && t.Review != ReviewAnniversary {
		pr.Addf("tiers.review", "enum", `%s is not "calendar_year" or "anniversary"`, clip.Quote(t.Review))
	}
	if t.MaxDrop < 0 || t.GraceDays < 0 || t.GraceDays > 366 {
		pr.Add("tiers", "range", "max_drop must not be negative and grace_days is 0 to 366")
	}
}

func (t *Tiers) clone() *Tiers {
	if t == nil {
		return nil
	}
	c := *t
	c.Levels = slices.Clone(t.Levels)
	c.ExcludeCategories = slices.Clone(t.ExcludeCategories)
	for i := range c.Levels {
		c.Levels[i].Perks = slices.Clone(c.Levels[i].Perks)
	}
	return &c
}

// Level returns the index of the level with the code, or -1.
func (t *Tiers) Level(code string) int {
	for i, l := range t.Levels {
		if l.Code == code {
			return i
		}
	}
	return -1
}

// Figures are the qualifying figures of a member over a tier window.
type Figures struct {
	// Spend is in minor units of the programme's currency.
	Spend     int64 `json:"spend"`
	Points    int64 `json:"points"`
	Purchases int64 `json:"purchases"`
}

// meets reports whether figures reach level l.
func (t *Tiers) meets(f Figures, l TierLevel, minor int32) bool {
	spend := decimal.New(f.Spend, -minor)
	checks := []struct{ set, ok bool }{
		{!l.Spend.IsZero(), spend.GreaterThanOrEqual(l.Spend)},
		{l.Points > 0, f.Points >= l.Points},
		{l.Purchases > 0, f.Purchases >= l.Purchases},
	}
	anyMet, all := false, true
	for _, c := range checks {
		if c.set {
			anyMet = anyMet || c.ok
			all = all && c.ok
		}
	}
	if t.All {
		return all
	}
	return anyMet
}

// Qualify returns the highest level the figures reach.
func (t *Tiers) Qualify(f Figures, minor int32) int {
	best := 0
	for i := 1; i < len(t.Levels); i++ {
		if t.meets(f, t.Levels[i], minor) {
			best = i
		}
	}
	return best
}

// WindowAt returns the window [from, to) that counts at instant at, for a member who
// joined at joined, with calendar boundaries in loc (UTC when loc is nil): the window in
// progress, which decides upgrades and TierStatus (to is just after at, so that the
// instant itself counts). A rolling window starts at the same time of day Months months
// back, on the last day of a shorter month (31 May less three months is 28 or 29
// February). Reviews judge ReviewWindow instead.
func (t *Tiers) WindowAt(at, joined time.Time, loc *time.Location) (time.Time, time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	to := at.Add(time.Nanosecond) // the instant itself counts
	local := at.In(loc)
	switch t.Window.Kind {
	case WindowRollingMonths:
		return monthsBefore(local, t.Window.Months), to
	case WindowCalendarYear:
		return newYear(local.Year(), loc), to
	default:
		return lastAnniversary(at, joined, loc), to
	}
}

// ReviewWindow returns the window [from, to) a review held at the instant review judges,
// for a member who joined at joined, with calendar boundaries in loc (UTC when loc is
// nil). A rolling window looks back Months months from the review instant. A calendar-year
// or membership-year window is the last one to have ended at or before the review — at a
// 1 January review, the year that just ended, not the one that starts at that instant and
// holds nothing yet. When no such window has ended since the member joined (a membership
// year judged at a calendar review in the first year), it is the window in progress, up
// to the review.
func (t *Tiers) ReviewWindow(review, joined time.Time, loc *time.Location) (time.Time, time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	local := review.In(loc)
	var from, to time.Time
	switch t.Window.Kind {
	case WindowRollingMonths:
		return monthsBefore(local, t.Window.Months), review
	case WindowCalendarYear:
		to = newYear(local.Year(), loc)
		from = newYear(local.Year()-1, loc)
	default:
		to = lastAnniversary(review, joined, loc)
		from = anniversaryIn(joined.In(loc), to.In(loc).Year()-1, loc)
	}
	if !to.After(joined) {
		return to, review
	}
	return from, to
}

// newYear returns the instant year y begins in loc.
func newYear(y int, loc *time.Location) time.Time {
	return kehu.Date{Year: y, Month: time.January, Day: 1}.In(loc)
}

// monthsBefore returns the same wall-clock time n calendar months before local, on the
// last day of the month when that month is shorter (kehu.Date.AddMonths): 31 March less
// one month is 28 or 29 February, never 2 or 3 March, so a rolling window's start never
// moves back as time goes on.
func monthsBefore(local time.Time, n int) time.Time { return wallLater(local, local.Location(), -n, 0) }

// wallLater returns the instant the clock in loc reads the wall time of t months calendar
// months and then days days on (kehu.Date.AddMonths, then AddDays), placed with
// kehu.Date.At: where the clocks skip that time, the instant they jump.
func wallLater(t time.Time, loc *time.Location, months, days int) time.Time {
	l := t.In(loc)
	d := kehu.DateOf(l).AddMonths(months).AddDays(days)
	return d.At(l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), loc)
}

// lastAnniversary is the latest anniversary of joined at or before at (Feb 29 joins
// celebrate on Feb 28 in common years, as kehu.Date does).
func lastAnniversary(at, joined time.Time, loc *time.Location) time.Time {
	j := joined.In(loc)
	a := anniversaryIn(j, at.In(loc).Year(), loc)
	if a.After(at) {
		a = anniversaryIn(j, at.In(loc).Year()-1, loc)
	}
	return a
}

func anniversaryIn(j time.Time, year int, loc *time.Location) time.Time {
	d := kehu.DateOf(j).AnniversaryIn(year)
	return d.At(j.Hour(), j.Minute(), j.Second(), j.Nanosecond(), loc)
}

// placedReview returns a stored review instant as reviews are placed now. A review stored
// before they were placed with kehu.Date.At may lie just before a jump of the clocks that
// swallowed its wall time (01:30 EST for an anniversary at 02:30 on the night New York
// skips 02:00–03:00): it is the review at the jump, and reviewing on from the stored
// instant would judge the same year twice.
func (t *Tiers) placedReview(stored, joined time.Time, loc *time.Location) time.Time {
	if stored.IsZero() {
		return stored
	}
	if loc == nil {
		loc = time.UTC
	}
	next := t.NextReview(stored, joined, loc).In(loc)
	if start, _ := next.ZoneBounds(); !start.Equal(next) {
		return stored
	}
	_, offAfter := next.Zone()
	_, offBefore := next.Add(-time.Nanosecond).Zone()
	if gap := time.Duration(offAfter-offBefore) * time.Second; gap > 0 && next.Sub(stored) <= gap {
		return next
	}
	return stored
}

// NextReview returns the first review instant strictly after after, for a member who
// joined at joined, with calendar boundaries in loc (UTC when loc is nil).
func (t *Tiers) NextReview(after, joined time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	local := after.In(loc)
	if t.Review == ReviewCalendarYear {
		return newYear(local.Year()+1, loc)
	}
	a := anniversaryIn(joined.In(loc), local.Year(), loc)
	if !a.After(after) {
		a = anniversaryIn(joined.In(loc), local.Year()+1, loc)
	}
	return a
}

// previewAfterUpgrade previews an order at the tier in force after the upgrade the order
// itself causes: held is the tier in force before it, figs the figures of the window in
// progress without it. The order's spend and purchase are added to figs; the tier is held,
// or the level the figures then reach if higher; and since the points of the qualifying
// type the order earns count too, and may depend on the tier, the order is previewed again
// at each higher level they reach, until the level stands (at most once per level).
func (p *Program) previewAfterUpgrade(o kehu.Order, m Member, held string, figs Figures, u RuleUsage) (*Earning, error) {
	t := p.spec.Tiers
	minor := int32(kehu.Currency(p.spec.Currency).MinorUnits())
	for _, a := range t.qualifyingAwards(o) {
		switch a.PointType {
		case spendAccount:
			figs.Spend = saturatingAdd(figs.Spend, a.Points)
		case purchasesAccount:
			figs.Purchases = saturatingAdd(figs.Purchases, a.Points)
		}
	}
	reach := t.Qualify(figs, minor)
	level := max(t.Level(held), reach)
	for {
		e, err := p.Preview(o, m, Standing{Tier: t.Levels[level].Code}, u)
		if err != nil || t.QualifyingType == "" {
			return e, err
		}
		f := figs
		f.Points = saturatingAdd(f.Points, e.Total(t.QualifyingType))
		if reach = t.Qualify(f, minor); reach <= level {
			return e, nil
		}
		level = reach
	}
}

func saturatingAdd(a, b int64) int64 {
	if n, ok := checked.Add(a, b); ok {
		return n
	}
	return math.MaxInt64
}
