package crm

import (
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // care time zones load on any machine, with or without a zoneinfo database

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/enum"
)

// Bounds of a care calendar.
const (
	// MaxCareRules bounds the rules of a playbook.
	MaxCareRules = 500
	// MaxCareHolidays bounds the holidays of a care calendar.
	MaxCareHolidays = 200
	// MaxCareHolidayDates bounds the dates of one holiday.
	MaxCareHolidayDates = 500
	// MaxCareLeadDays is the most days ahead a rule may ask an occasion to be prepared.
	MaxCareLeadDays = 366
	// MaxCareSpanDays is the longest range Upcoming lists at once: a leap year.
	MaxCareSpanDays = 366
	// MaxCareBytes bounds the JSON LoadCare reads.
	MaxCareBytes = 1 << 20
)

// CareKind is the kind of a care occasion (客户关怀): a birthday, a cooperation anniversary
// or a holiday from the host's holiday calendar.
type CareKind string

// Kinds of care occasion.
const (
	// CareBirthday is the customer's birthday, from Demographics.BirthDate.
	CareBirthday CareKind = "birthday"
	// CareAnniversary is the anniversary of the day cooperation started (庆祝里程碑); see
	// Care.Since.
	CareAnniversary CareKind = "anniversary"
	// CareHoliday is a holiday of the care calendar (Spring Festival, Mid-Autumn, Christmas…).
	CareHoliday CareKind = "holiday"
)

// Valid reports whether k is a known kind.
func (k CareKind) Valid() bool {
	return k == CareBirthday || k == CareAnniversary || k == CareHoliday
}

// ParseCareKind parses "birthday", "anniversary" or "holiday".
func ParseCareKind(s string) (CareKind, error) { return enum.Parse[CareKind]("occasion", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown kinds.
func (k *CareKind) UnmarshalText(b []byte) error { return enum.Unmarshal("occasion", k, b) }

// CareAction is what a playbook suggests doing on an occasion.
type CareAction string

// Care actions.
const (
	// CareGreeting is a greeting: a call, a card, a message. It is a service contact unless
	// the rule says it is marketing.
	CareGreeting CareAction = "greeting"
	// CareGift is a gift offered or sent. It is a marketing contact.
	CareGift CareAction = "gift"
	// CareCoupon is a coupon or voucher. It is a marketing contact.
	CareCoupon CareAction = "coupon"
	// CareNone observes nothing: a rule with it keeps the occasion off the list for the
	// customers it matches (a class that gets no holiday greeting, say).
	CareNone CareAction = "none"
)

// Valid reports whether a is a known action.
func (a CareAction) Valid() bool {
	switch a {
	case CareGreeting, CareGift, CareCoupon, CareNone:
		return true
	}
	return false
}

// ParseCareAction parses "greeting", "gift", "coupon" or "none".
func ParseCareAction(s string) (CareAction, error) { return enum.Parse[CareAction]("action", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown actions.
func (a *CareAction) UnmarshalText(b []byte) error { return enum.Unmarshal("action", a, b) }

// Marketing reports whether the action is always a marketing contact (a gift or a coupon),
// which needs the customer's consent on the channel it goes out on.
func (a CareAction) Marketing() bool { return a == CareGift || a == CareCoupon }

// LeapDay says on which day a February 29 birthday or anniversary is kept in a year that
// is not a leap year.
type LeapDay string

// Leap-day rules.
const (
	// LeapDayFeb28 keeps it on February 28, in the same month (the default, and
	// kehu.Date.AnniversaryIn's rule).
	LeapDayFeb28 LeapDay = "feb28"
	// LeapDayMar1 keeps it on March 1, the day after February 28.
	LeapDayMar1 LeapDay = "mar1"
)

// Valid reports whether l is a known rule.
func (l LeapDay) Valid() bool { return l == LeapDayFeb28 || l == LeapDayMar1 }

// ParseLeapDay parses "feb28" or "mar1".
func ParseLeapDay(s string) (LeapDay, error) { return enum.Parse[LeapDay]("leap_day", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown rules.
func (l *LeapDay) UnmarshalText(b []byte) error { return enum.Unmarshal("leap_day", l, b) }

// In returns the day d's anniversary is kept in year: the same month and day, and for
// February 29 in a year that is not a leap year February 28 (LeapDayFeb28, also the
// meaning of "") or March 1 (LeapDayMar1). A zero d gives the zero date; a year outside
// 1 to 9999 gives a date that is not IsValid.
func (l LeapDay) In(d kehu.Date, year int) kehu.Date {
	a := d.AnniversaryIn(year)
	if l == LeapDayMar1 && d.Month == time.February && d.Day == 29 && a.Day == 28 {
		return kehu.Date{Year: year, Month: time.March, Day: 1}
	}
	return a
}

// Holiday is one holiday of a care calendar. A holiday that keeps its day every year
// (Christmas) gives Annual, "MM-DD"; one that moves with the lunar calendar (Spring
// Festival, Mid-Autumn) lists its Dates, one for each year the host knows. A holiday has
// one or the other, not both. The library ships no holidays: the host supplies them.
type Holiday struct {
	// Code names the holiday in playbook rules, e.g. "spring-festival".
	Code string `json:"code"`
	// Name is how people call it, e.g. "春节 Spring Festival".
	Name string `json:"name"`
	// Annual is the month and day of a holiday that never moves, e.g. "12-25".
	Annual string `json:"annual,omitempty"`
	// Dates are the days of a holiday that moves, e.g. 2026-02-17 and 2027-02-06.
	Dates []kehu.Date `json:"dates,omitempty"`
}

// CareStyle is the message a rule suggests, varied by the customer's DISC type (D: direct
// and brief, I: warm and enthusiastic, S: steady and personal, C: precise and factual).
// A DISC type without its own text, and a customer not assessed, get Default. The text may
// hold placeholders that Upcoming fills in: {name} (the customer's display name), {years}
// (the age reached, or the years of cooperation), {holiday} (the holiday's name), {date}
// (the occasion's date), {detail} (the rule's detail) and {reward} (the loyalty reward,
// see BirthdayRewards). Any other "{" is an error.
type CareStyle struct {
	Default string `json:"default,omitempty"`
	D       string `json:"d,omitempty"`
	I       string `json:"i,omitempty"`
	S       string `json:"s,omitempty"`
	C       string `json:"c,omitempty"`
}

// For returns the text for the DISC type.
func (s CareStyle) For(d DISC) string {
	var t string
	switch d {
	case DISCDominance:
		t = s.D
	case DISCInfluence:
		t = s.I
	case DISCSteadiness:
		t = s.S
	case DISCConscientiousness:
		t = s.C
	}
	return cmp.Or(t, s.Default)
}

// CareRule is one entry of a playbook: which occasions and customers it matches, and what
// it suggests. Empty conditions match everything; the first rule of the playbook that
// matches an occasion decides it, so put specific rules (a milestone year, a key class)
// before general ones.
type CareRule struct {
	// ID names the rule in the occasions it decides, e.g. "birthday-key".
	ID string `json:"id"`
	// Occasion is the kind of occasion the rule is for.
	Occasion CareKind `json:"occasion"`
	// Holidays keeps holidays with these codes (occasion "holiday" only); empty means
	// every holiday of the calendar.
	Holidays []string `json:"holidays,omitempty"`
	// Years keeps anniversaries of these years of cooperation (occasion "anniversary"
	// only), e.g. [1, 3, 5, 10] for milestones; empty means every year.
	Years []int `json:"years,omitempty"`
	// Classes keeps customers whose class attribute (CareSpec.ClassAttribute) is one of
	// these strings, compared exactly.
	Classes []string `json:"classes,omitempty"`
	// Stages keeps customers in these lifecycle stages.
	Stages []Stage `json:"stages,omitempty"`

	// Action is what to do.
	Action CareAction `json:"action"`
	// Detail says which gift or coupon, e.g. "tea-gift-box" or "BDAY50".
	Detail string `json:"detail,omitempty"`
	// Purpose is the consent the contact needs: marketing for a gift, a coupon or an
	// occasion that names a loyalty reward; a greeting is service unless this says
	// marketing. Empty means the default.
	Purpose Purpose `json:"purpose,omitempty"`
	// Channels are the channels the action may go out on, in order of preference. The
	// customer's preferred channel wins when it is listed, reachable and allowed.
	// Required unless Action is "none".
	Channels []Channel `json:"channels,omitempty"`
	// LeadDays is how many days ahead to prepare (order the gift, print the card).
	LeadDays int `json:"lead_days,omitempty"`
	// Reward asks the host's BirthdayRewards what the loyalty programme gives on the day
	// (occasion "birthday" only). An occasion that names a reward is a marketing contact;
	// a greeting to a customer the programme gives nothing stays a service one.
	Reward bool `json:"reward,omitempty"`
	// Style is the message, by DISC type.
	Style CareStyle `json:"style,omitzero"`
}

// CareSpec is a care calendar as written, in Go or in strict JSON (LoadCare): the
// holidays to observe and the playbook that says what to do on each occasion. Compile it
// with CompileCare to use it.
type CareSpec struct {
	// TimeZone is the IANA zone in which instants (when a customer was created or became
	// active) are read as dates, e.g. "Asia/Shanghai". "Local" is refused: it depends on
	// the machine.
	TimeZone string `json:"time_zone"`
	// LeapDay says when a February 29 birthday or anniversary is kept in other years:
	// "feb28" (the default) or "mar1".
	LeapDay LeapDay `json:"leap_day,omitempty"`
	// ClassAttribute names the customer attribute (a string) that holds the customer's
	// class for CareRule.Classes, e.g. "class" holding "A", "B" or "C".
	ClassAttribute string `json:"class_attribute,omitempty"`
	// SinceAttribute names a date attribute that, when a customer has it, is the day
	// cooperation started (a contract date carried over from another system); see
	// Care.Since.
	SinceAttribute string `json:"since_attribute,omitempty"`
	// PrepareOnWorkdays moves a preparation day that falls on a Saturday or Sunday back to
	// the Friday before.
	PrepareOnWorkdays bool `json:"prepare_on_workdays,omitempty"`
	// Holidays is the host's holiday calendar.
	Holidays []Holiday `json:"holidays,omitempty"`
	// Playbook is the list of rules, first match wins. An occasion that no rule matches
	// is not observed.
	Playbook []CareRule `json:"playbook"`
}

func (s CareSpec) clone() CareSpec {
	c := s
	if s.Holidays != nil {
		c.Holidays = make([]Holiday, len(s.Holidays))
		for i, h := range s.Holidays {
			h.Dates = slices.Clone(h.Dates)
			c.Holidays[i] = h
		}
	}
	if s.Playbook != nil {
		c.Playbook = make([]CareRule, len(s.Playbook))
		for i, r := range s.Playbook {
			r.Holidays = slices.Clone(r.Holidays)
			r.Years = slices.Clone(r.Years)
			r.Classes = slices.Clone(r.Classes)
			r.Stages = slices.Clone(r.Stages)
			r.Channels = slices.Clone(r.Channels)
			c.Playbook[i] = r
		}
	}
	return c
}

// Care is a compiled care calendar: its zone loaded, its holidays indexed, its playbook
// checked. CompileCare and LoadCare are the only ways to get one, so a *Care is always
// valid. It is immutable and safe for concurrent use.
type Care struct {
	spec     CareSpec
	loc      *time.Location
	leap     LeapDay
	holidays []careHoliday
	rules    []careRule
	maxLead  int
}

type careHoliday struct {
	code, name string
	annual     *kehu.Date // Year 0: month and day only
	dates      []kehu.Date
}

type careRule struct {
	CareRule
	holidays map[string]bool
	years    map[int]bool
	classes  map[string]bool
	stages   map[Stage]bool
	purpose  Purpose
	// styles are the style texts parsed: default, then D, I, S and C; nil where the
	// text is empty.
	styles [5]careTemplate
}

// careTemplate is a style text cut into literal text and placeholders.
type careTemplate []careSegment

// careSegment is literal text, or, when place is not 0, the placeholder carePlaceholders[place-1].
type careSegment struct {
	text  string
	place int
}

// parseCareTemplate cuts s into literal text and placeholders, and names the first brace
// that does not open a known placeholder.
func parseCareTemplate(s string) (careTemplate, string) {
	var t careTemplate
	for s != "" {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			t = append(t, careSegment{text: s})
			break
		}
		if i > 0 {
			t = append(t, careSegment{text: s[:i]})
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, s[i:]
		}
		k := slices.Index(carePlaceholders, s[i+1:i+j])
		if k < 0 {
			return nil, s[i : i+j+1]
		}
		t = append(t, careSegment{place: k + 1})
		s = s[i+j+1:]
	}
	return t, ""
}

var (
	careCodeRE   = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)
	careAnnualRE = regexp.MustCompile(`^[0-9]{2}-[0-9]{2}$`)
)

// carePlaceholders are the names a style may hold in braces.
var carePlaceholders = []string{"name", "years", "holiday", "date", "detail", "reward"}

// CompileCare checks a care calendar and compiles it. Every problem is listed at once in
// a *kehu.ValidationError, by its path in the spec and a rule code:
//
//   - time_zone: required, an IANA zone ("zone"), not "Local";
//   - leap_day: "feb28", "mar1" or empty ("enum");
//   - class_attribute, since_attribute: attribute keys ("format");
//   - holidays[i]: code a lower-case identifier ("format") used once ("unique"), name
//     required, either annual "MM-DD" (not 02-29) or dates ("exclusive", "required"),
//     dates valid and each used once;
//   - playbook: at least one rule; each with an ID used once, a known occasion and action,
//     holidays that the calendar has ("unknown") and only for holiday rules ("occasion"),
//     years from 1 to 1000 and only for anniversary rules, classes only when
//     class_attribute is set ("requires"), known stages, known and unrepeated channels
//     (required unless the action is "none"), lead_days from 0 to MaxCareLeadDays
//     ("range"), a purpose that fits the action ("purpose": a gift, a coupon or a reward
//     is marketing), reward only for birthdays, and style texts whose placeholders are
//     known ("placeholder").
func CompileCare(spec CareSpec) (*Care, error) {
	c := &Care{spec: spec.clone()}
	if err := c.compile(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Care) compile() error {
	var p kehu.Problems
	sp := &c.spec
	switch {
	case sp.TimeZone == "":
		p.Add("time_zone", "required", `name an IANA zone such as "Asia/Shanghai"`)
	case sp.TimeZone == "Local":
		p.Add("time_zone", "zone", `"Local" depends on the machine; name an IANA zone`)
	default:
		loc, err := time.LoadLocation(sp.TimeZone)
		if err != nil {
			p.Addf("time_zone", "zone", "%s is not an IANA time zone", clip.Quote(sp.TimeZone))
		}
		c.loc = loc
	}
	c.leap = cmp.Or(sp.LeapDay, LeapDayFeb28)
	if !c.leap.Valid() {
		p.Addf("leap_day", "enum", "%s is not feb28 or mar1", clip.Quote(string(sp.LeapDay)))
	}
	for _, a := range []struct{ field, key string }{
		{"class_attribute", sp.ClassAttribute}, {"since_attribute", sp.SinceAttribute},
	} {
		if a.key != "" && !attrKeyRE.MatchString(a.key) {
			p.Addf(a.field, "format", "%s is not an attribute key (%s)", clip.Quote(a.key), attrKeyRE)
		}
	}

	if len(sp.Holidays) > MaxCareHolidays {
		p.Addf("holidays", "max_items", "at most %d holidays", MaxCareHolidays)
	}
	codes := map[string]bool{}
	for i, h := range sp.Holidays {
		f := fmt.Sprintf("holidays[%d]", i)
		switch {
		case h.Code == "":
			p.Add(f+".code", "required", "is empty")
		case !careCodeRE.MatchString(h.Code):
			p.Addf(f+".code", "format", "%s is not a lower-case code (%s)", clip.Quote(h.Code), careCodeRE)
		case codes[h.Code]:
			p.Addf(f+".code", "unique", "%s is also an earlier holiday", clip.Quote(h.Code))
		}
		codes[h.Code] = true
		if strings.TrimSpace(h.Name) == "" {
			p.Add(f+".name", "required", "is empty")
		}
		checkLen(&p, f+".name", h.Name, maxShortText)
		ch := careHoliday{code: h.Code, name: strings.TrimSpace(h.Name)}
		switch {
		case h.Annual != "" && len(h.Dates) > 0:
			p.Add(f+".annual", "exclusive", "a holiday has annual or dates, not both")
		case h.Annual == "" && len(h.Dates) == 0:
			p.Add(f+".dates", "required", "give annual (\"MM-DD\") or the dates")
		case h.Annual != "":
			if md, ok := parseMonthDay(&p, f+".annual", h.Annual); ok {
				ch.annual = &md
			}
		}
		if len(h.Dates) > MaxCareHolidayDates {
			p.Addf(f+".dates", "max_items", "at most %d dates", MaxCareHolidayDates)
		}
		seen := map[kehu.Date]bool{}
		for j, d := range h.Dates {
			df := fmt.Sprintf("%s.dates[%d]", f, j)
			switch {
			case d.IsZero():
				p.Add(df, "required", "is not set")
			case !d.IsValid():
				p.Addf(df, "range", "%s does not exist", d)
			case seen[d]:
				p.Addf(df, "unique", "%s is listed twice", d)
			}
			seen[d] = true
		}
		ch.dates = slices.Clone(h.Dates)
		slices.SortFunc(ch.dates, kehu.Date.Compare)
		c.holidays = append(c.holidays, ch)
	}

	switch {
	case len(sp.Playbook) == 0:
		p.Add("playbook", "required", "has no rules")
	case len(sp.Playbook) > MaxCareRules:
		p.Addf("playbook", "max_items", "at most %d rules", MaxCareRules)
	}
	ids := map[string]bool{}
	for i, r := range sp.Playbook {
		f := fmt.Sprintf("playbook[%d]", i)
		switch {
		case r.ID == "":
			p.Add(f+".id", "required", "is empty")
		case !careCodeRE.MatchString(r.ID):
			p.Addf(f+".id", "format", "%s is not a lower-case identifier (%s)", clip.Quote(r.ID), careCodeRE)
		case ids[r.ID]:
			p.Addf(f+".id", "unique", "%s is also an earlier rule", clip.Quote(r.ID))
		}
		ids[r.ID] = true
		c.rules = append(c.rules, c.compileRule(&p, f, r, codes))
	}
	return p.Err()
}

func (c *Care) compileRule(p *kehu.Problems, f string, r CareRule, codes map[string]bool) careRule {
	cr := careRule{CareRule: r}
	if !r.Occasion.Valid() {
		p.Addf(f+".occasion", "enum", "%s is not birthday, anniversary or holiday", clip.Quote(string(r.Occasion)))
	}
	if len(r.Holidays) > 0 {
		if r.Occasion != CareHoliday {
			p.Add(f+".holidays", "occasion", "holidays are for a holiday rule only")
		}
		cr.holidays = map[string]bool{}
		for j, h := range r.Holidays {
			hf := fmt.Sprintf("%s.holidays[%d]", f, j)
			switch {
			case !codes[h]:
				p.Addf(hf, "unknown", "%s is not a holiday of the calendar", clip.Quote(h))
			case cr.holidays[h]:
				p.Addf(hf, "unique", "%s is listed twice", clip.Quote(h))
			}
			cr.holidays[h] = true
		}
	}
	if len(r.Years) > 0 {
		if r.Occasion != CareAnniversary {
			p.Add(f+".years", "occasion", "years are for an anniversary rule only")
		}
		cr.years = map[int]bool{}
		for j, y := range r.Years {
			yf := fmt.Sprintf("%s.years[%d]", f, j)
			switch {
			case y < 1 || y > 1000:
				p.Addf(yf, "range", "%d is not between 1 and 1000", y)
			case cr.years[y]:
				p.Addf(yf, "unique", "%d is listed twice", y)
			}
			cr.years[y] = true
		}
	}
	if len(r.Classes) > 0 {
		if c.spec.ClassAttribute == "" {
			p.Add(f+".classes", "requires", "name the class attribute in class_attribute")
		}
		cr.classes = map[string]bool{}
		for j, k := range r.Classes {
			kf := fmt.Sprintf("%s.classes[%d]", f, j)
			if k == "" {
				p.Add(kf, "required", "is empty")
			}
			checkLen(p, kf, k, maxShortText)
			cr.classes[k] = true
		}
	}
	if len(r.Stages) > 0 {
		cr.stages = map[Stage]bool{}
		for j, s := range r.Stages {
			if !s.Valid() {
				p.Addf(fmt.Sprintf("%s.stages[%d]", f, j), "enum", "%s is not a stage", clip.Quote(string(s)))
			}
			cr.stages[s] = true
		}
	}
	if !r.Action.Valid() {
		p.Addf(f+".action", "enum", "%s is not greeting, gift, coupon or none", clip.Quote(string(r.Action)))
	}
	checkLen(p, f+".detail", r.Detail, maxShortText)
	if r.Purpose != "" && !r.Purpose.Valid() {
		p.Addf(f+".purpose", "enum", "%s is not marketing or service", clip.Quote(string(r.Purpose)))
	}
	cr.purpose = cmp.Or(r.Purpose, PurposeService)
	if r.Action.Marketing() || r.Reward {
		if r.Purpose == PurposeService {
			p.Add(f+".purpose", "purpose", "a gift, a coupon or a reward is a marketing contact")
		}
	}
	if r.Action.Marketing() {
		cr.purpose = PurposeMarketing
	}
	if len(r.Channels) == 0 && r.Action != CareNone {
		p.Add(f+".channels", "required", "list the channels the action may use")
	}
	for j, ch := range r.Channels {
		cf := fmt.Sprintf("%s.channels[%d]", f, j)
		switch {
		case !ch.Valid():
			p.Addf(cf, "enum", "%s is not a channel", clip.Quote(string(ch)))
		case slices.Contains(r.Channels[:j], ch):
			p.Addf(cf, "unique", "%s is listed twice", ch)
		}
	}
	if r.LeadDays < 0 || r.LeadDays > MaxCareLeadDays {
		p.Addf(f+".lead_days", "range", "%d is not between 0 and %d", r.LeadDays, MaxCareLeadDays)
	} else {
		c.maxLead = max(c.maxLead, r.LeadDays)
	}
	if r.Reward && r.Occasion != CareBirthday {
		p.Add(f+".reward", "occasion", "a loyalty reward is for a birthday rule only")
	}
	for i, s := range []struct{ name, text string }{
		{"default", r.Style.Default}, {"d", r.Style.D}, {"i", r.Style.I}, {"s", r.Style.S}, {"c", r.Style.C},
	} {
		sf := f + ".style." + s.name
		checkLen(p, sf, s.text, 4*maxShortText)
		t, bad := parseCareTemplate(s.text)
		if bad != "" {
			p.Addf(sf, "placeholder", "%s is not one of {%s}", clip.Quote(bad), strings.Join(carePlaceholders, "}, {"))
		}
		cr.styles[i] = t
	}
	return cr
}

// parseMonthDay reads "MM-DD" as a month and day that exist every year.
func parseMonthDay(p *kehu.Problems, field, s string) (kehu.Date, bool) {
	if !careAnnualRE.MatchString(s) {
		p.Addf(field, "format", "%s is not \"MM-DD\"", clip.Quote(s))
		return kehu.Date{}, false
	}
	m, _ := strconv.Atoi(s[:2])
	d, _ := strconv.Atoi(s[3:])
	if m == 2 && d == 29 {
		p.Add(field, "range", "02-29 is not a day of every year; list the dates instead")
		return kehu.Date{}, false
	}
	if _, err := kehu.NewDate(2001, time.Month(m), d); err != nil {
		p.Addf(field, "range", "%s is not a day of the year", clip.Quote(s))
		return kehu.Date{}, false
	}
	return kehu.Date{Month: time.Month(m), Day: d}, true
}

// Spec returns a deep copy of the spec the care calendar was compiled from.
func (c *Care) Spec() CareSpec { return c.spec.clone() }

// MarshalJSON writes the spec the care calendar was compiled from, the JSON LoadCare reads.
func (c *Care) MarshalJSON() ([]byte, error) { return json.Marshal(c.spec) }

// Location returns the time zone in which the calendar reads instants as dates. (The zero
// Care, which observes nothing, reads them in UTC.)
func (c *Care) Location() *time.Location {
	if c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// DateOf returns the date of the instant t in the calendar's time zone: the "today" to
// pass to Upcoming for a clock reading.
func (c *Care) DateOf(t time.Time) kehu.Date { return kehu.DateOf(t.In(c.Location())) }

// LeapDay returns the rule for February 29 birthdays and anniversaries.
func (c *Care) LeapDay() LeapDay { return c.leap }

// MaxLeadDays returns the largest LeadDays of the playbook: to see everything to prepare
// from a day on, list the occasions up to that many days later.
func (c *Care) MaxLeadDays() int { return c.maxLead }

// Since returns the day the customer's cooperation started, and false if it is unknown:
// the date in the customer attribute CareSpec.SinceAttribute when the spec names one and
// the customer has it; else the day of the first move into the active or key stage in
// StageHistory; else the day the customer was created. Instants are read as dates in the
// calendar's time zone.
func (c *Care) Since(cust *Customer) (kehu.Date, bool) {
	if cust == nil {
		return kehu.Date{}, false
	}
	if c.spec.SinceAttribute != "" {
		if d, ok := cust.Attributes[c.spec.SinceAttribute].Date(); ok && d.IsValid() {
			return d, true
		}
	}
	for _, h := range cust.StageHistory {
		if (h.To == StageActive || h.To == StageKey) && !h.At.IsZero() {
			return c.dateOf(h.At)
		}
	}
	if cust.CreatedAt.IsZero() {
		return kehu.Date{}, false
	}
	return c.dateOf(cust.CreatedAt)
}

func (c *Care) dateOf(t time.Time) (kehu.Date, bool) {
	d := c.DateOf(t)
	return d, d.IsValid()
}

// CareOccasion is one occasion to care for one customer, with what the playbook suggests.
type CareOccasion struct {
	// Date is the day of the occasion (for a February 29 birthday in another year, the
	// day CareSpec.LeapDay says).
	Date       kehu.Date  `json:"date"`
	CustomerID CustomerID `json:"customer_id"`
	// Name is the customer's display name.
	Name string `json:"name"`
	// Owner is the customer's account manager.
	Owner string   `json:"owner,omitempty"`
	Kind  CareKind `json:"kind"`
	// Holiday and HolidayName name the holiday of a holiday occasion.
	Holiday     string `json:"holiday,omitempty"`
	HolidayName string `json:"holiday_name,omitempty"`
	// Years is the age reached on a birthday, or the years of cooperation on an
	// anniversary; 0 on a holiday.
	Years int `json:"years,omitempty"`
	// Rule is the ID of the playbook rule that decided the occasion.
	Rule    string     `json:"rule"`
	Action  CareAction `json:"action"`
	Detail  string     `json:"detail,omitempty"`
	Purpose Purpose    `json:"purpose"`
	// Channel is the channel to use: the customer's preferred channel when the rule lists
	// it and it may be used, else the first of the rule's channels that the customer can
	// be reached on and has not refused for the purpose. It is empty, and Contactable
	// false, when there is none; the occasion is still listed, so that the account
	// manager knows.
	Channel     Channel `json:"channel,omitempty"`
	Contactable bool    `json:"contactable"`
	// DISC is the customer's communication style, which chose the message.
	DISC DISC `json:"disc,omitempty"`
	// Message is the rule's style for the customer's DISC type, placeholders filled.
	Message string `json:"message,omitempty"`
	// PrepareBy is the day to prepare by: Date less the rule's LeadDays (moved back to a
	// Friday from a weekend when CareSpec.PrepareOnWorkdays is set).
	PrepareBy kehu.Date `json:"prepare_by"`
	// Reward is what the loyalty programme gives on the day, when the rule asks for it.
	Reward string `json:"reward,omitempty"`
}

// careItem is an occasion found, with the playbook rule that decides it.
type careItem struct {
	CareOccasion
	rule *careRule
}

// Occasions returns the customer's care occasions from from to to, both included, in
// order of date, then kind (birthday, anniversary, holiday), then holiday code. It does
// not ask for loyalty rewards (Service.Upcoming does) and leaves {reward} empty. A
// tombstone, an erased customer, a customer in the terminated stage and a nil customer
// have none. It fails with a *kehu.ValidationError when from or to is not a valid date
// (rule "required" or "range"), to is before from, or the range is longer than
// MaxCareSpanDays ("range").
func (c *Care) Occasions(cust *Customer, from, to kehu.Date) ([]CareOccasion, error) {
	if err := checkCareRange(from, to); err != nil {
		return nil, err
	}
	items := c.occasions(cust, from, to)
	out := make([]CareOccasion, len(items))
	for i := range items {
		out[i] = items[i].finish(cust, c.spec.PrepareOnWorkdays)
	}
	return out, nil
}

func checkCareRange(from, to kehu.Date) error {
	var p kehu.Problems
	for _, d := range []struct {
		field string
		date  kehu.Date
	}{{"from", from}, {"to", to}} {
		switch {
		case d.date.IsZero():
			p.Add(d.field, "required", "is not set")
		case !d.date.IsValid():
			p.Addf(d.field, "range", "%s does not exist", d.date)
		}
	}
	if p.Len() == 0 {
		switch n := to.DaysSince(from); {
		case n < 0:
			p.Addf("to", "range", "%s is before from %s", to, from)
		case n >= MaxCareSpanDays:
			p.Addf("to", "range", "the range is %d days; at most %d", n+1, MaxCareSpanDays)
		}
	}
	return p.Err()
}

// occasions lists the occasions of one customer in a checked range, unfinished.
func (c *Care) occasions(cust *Customer, from, to kehu.Date) []careItem {
	if cust == nil || cust.IsTombstone() || !cust.ErasedAt.IsZero() || cust.Stage == StageTerminated {
		return nil
	}
	var out []careItem
	add := func(o CareOccasion) {
		o.CustomerID, o.Name, o.Owner, o.DISC = cust.ID, cust.Name.Display, cust.Owner, cust.DISC
		if r := c.match(cust, &o); r != nil {
			out = append(out, careItem{CareOccasion: o, rule: r})
		}
	}
	inRange := func(d kehu.Date) bool { return !d.Before(from) && !d.After(to) }
	yearly := func(kind CareKind, start kehu.Date) {
		if !start.IsValid() {
			return
		}
		for y := max(from.Year, start.Year+1); y <= to.Year; y++ {
			if d := c.leap.In(start, y); inRange(d) {
				add(CareOccasion{Date: d, Kind: kind, Years: y - start.Year})
			}
		}
	}
	yearly(CareBirthday, cust.Demographics.BirthDate)
	if since, ok := c.Since(cust); ok {
		yearly(CareAnniversary, since)
	}
	for i := range c.holidays {
		h := &c.holidays[i]
		hol := CareOccasion{Kind: CareHoliday, Holiday: h.code, HolidayName: h.name}
		if h.annual != nil {
			for y := from.Year; y <= to.Year; y++ {
				if d := (kehu.Date{Year: y, Month: h.annual.Month, Day: h.annual.Day}); inRange(d) {
					hol.Date = d
					add(hol)
				}
			}
			continue
		}
		i, _ := slices.BinarySearchFunc(h.dates, from, kehu.Date.Compare)
		for ; i < len(h.dates) && !h.dates[i].After(to); i++ {
			hol.Date = h.dates[i]
			add(hol)
		}
	}
	slices.SortFunc(out, func(a, b careItem) int { return compareOccasions(a.CareOccasion, b.CareOccasion) })
	return out
}

// match returns the first rule that matches the occasion, or nil when none does or the
// first that does observes nothing.
func (c *Care) match(cust *Customer, o *CareOccasion) *careRule {
	class, hasClass := "", false
	if c.spec.ClassAttribute != "" {
		class, hasClass = cust.Attributes[c.spec.ClassAttribute].Str()
	}
	for i := range c.rules {
		r := &c.rules[i]
		switch {
		case r.Occasion != o.Kind,
			r.holidays != nil && !r.holidays[o.Holiday],
			r.years != nil && !r.years[o.Years],
			r.classes != nil && (!hasClass || !r.classes[class]),
			r.stages != nil && !r.stages[cust.Stage]:
			continue
		}
		if r.Action == CareNone {
			return nil
		}
		return r
	}
	return nil
}

var careKindOrder = map[CareKind]int{CareBirthday: 0, CareAnniversary: 1, CareHoliday: 2}

func compareOccasions(a, b CareOccasion) int {
	return cmp.Or(a.Date.Compare(b.Date), a.CustomerID.Compare(b.CustomerID),
		cmp.Compare(careKindOrder[a.Kind], careKindOrder[b.Kind]), strings.Compare(a.Holiday, b.Holiday))
}

// finish fills in what the rule decides: action, channel, message, preparation day.
func (it *careItem) finish(cust *Customer, workdays bool) CareOccasion {
	o, r := &it.CareOccasion, it.rule
	o.Rule, o.Action, o.Detail, o.Purpose = r.ID, r.Action, r.Detail, r.purpose
	if o.Reward != "" {
		o.Purpose = PurposeMarketing
	}
	o.chooseChannel(cust, r.Channels)
	o.PrepareBy = o.Date.AddDays(-r.LeadDays)
	if workdays {
		switch o.PrepareBy.Weekday() {
		case time.Saturday:
			o.PrepareBy = o.PrepareBy.AddDays(-1)
		case time.Sunday:
			o.PrepareBy = o.PrepareBy.AddDays(-2)
		}
	}
	o.Message = o.render(r.style(o.DISC))
	return *o
}

// style returns the parsed style text for the DISC type (see CareStyle.For).
func (r *careRule) style(d DISC) careTemplate {
	i := slices.Index([]DISC{DISCDominance, DISCInfluence, DISCSteadiness, DISCConscientiousness}, d) + 1
	if i > 0 && r.styles[i] != nil {
		return r.styles[i]
	}
	return r.styles[0]
}

// render fills in a style's placeholders for the occasion.
func (o *CareOccasion) render(t careTemplate) string {
	if len(t) == 1 && t[0].place == 0 {
		return t[0].text
	}
	var b strings.Builder
	for _, seg := range t {
		if seg.place == 0 {
			b.WriteString(seg.text)
			continue
		}
		switch carePlaceholders[seg.place-1] {
		case "name":
			b.WriteString(o.Name)
		case "years":
			if o.Years > 0 {
				b.WriteString(strconv.Itoa(o.Years))
			}
		case "holiday":
			b.WriteString(o.HolidayName)
		case "date":
			b.WriteString(o.Date.String())
		case "detail":
			b.WriteString(o.Detail)
		case "reward":
			b.WriteString(o.Reward)
		}
	}
	return b.String()
}

// chooseChannel picks the occasion's channel for the customer (see CareOccasion.Channel).
func (o *CareOccasion) chooseChannel(cust *Customer, channels []Channel) {
	ok := func(ch Channel) bool { return careReachable(cust, ch) && cust.MayContact(ch, o.Purpose) }
	if pref := cust.Preferences.Channel; pref != "" && slices.Contains(channels, pref) && ok(pref) {
		o.Channel, o.Contactable = pref, true
		return
	}
	for _, ch := range channels {
		if ok(ch) {
			o.Channel, o.Contactable = ch, true
			return
		}
	}
	o.Channel, o.Contactable = "", false
}

// careReachable reports whether the customer has an address for the channel: an email
// for email, a phone for phone and SMS, a postal address for letters. Visits, the web
// and social channels need none on file.
func careReachable(c *Customer, ch Channel) bool {
	switch ch {
	case ChannelEmail:
		return len(c.Emails) > 0
	case ChannelPhone, ChannelSMS:
		return len(c.Phones) > 0
	case ChannelLetter:
		return len(c.Addresses) > 0
	}
	return true
}
