package crm

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/strictjson"
)

// ContactPlanSpec is a contact plan (回访计划) as written, in Go or in strict JSON
// (LoadContactPlan): how often each kind of customer is contacted, which follow-ups an
// order or a closed complaint calls for, and the hours no one is called.
//
//	{
//	  "id": "account-care", "time_zone": "Asia/Shanghai", "class_attribute": "class",
//	  "cadences": [
//	    {"name": "A monthly", "classes": ["A"], "every_months": 1, "channels": ["visit", "phone"]},
//	    {"name": "B quarterly", "classes": ["B"], "every_months": 3, "channels": ["phone"]},
//	    {"name": "C twice a year", "classes": ["C"], "every_months": 6, "channels": ["phone", "email"]},
//	    {"name": "new customers", "stages": ["potential"], "every_days": 14}
//	  ],
//	  "follow_ups": [
//	    {"name": "after delivery", "after": "order", "days": 3, "channels": ["phone"]},
//	    {"name": "after a complaint", "after": "complaint_closed", "days": 7}
//	  ],
//	  "quiet_hours": {"from": "21:00", "to": "09:00"}
//	}
type ContactPlanSpec struct {
	ID string `json:"id"`
	// TimeZone is the IANA zone of customers who have none in their preferences.
	TimeZone string `json:"time_zone"`
	// ClassAttribute names the customer attribute (a string) holding the customer's class,
	// such as an ABC class or a segment the host writes there; empty when no cadence
	// matches on classes.
	ClassAttribute string `json:"class_attribute,omitempty"`
	// Cadences are tried in order: a customer follows the first that matches.
	Cadences  []CadenceSpec  `json:"cadences"`
	FollowUps []FollowUpSpec `json:"follow_ups,omitempty"`
	// QuietHours is when no contact is scheduled, in the customer's time zone.
	QuietHours *QuietHours `json:"quiet_hours,omitempty"`
}

// CadenceSpec is how often the customers it matches are contacted.
type CadenceSpec struct {
	Name string `json:"name"`
	// Classes and Stages select the customers (a class from the plan's ClassAttribute, a
	// lifecycle stage). Empty classes match any class, and empty stages every stage but
	// terminated: a customer whose cooperation ended is planned only by a cadence that
	// names the stage.
	Classes []string `json:"classes,omitempty"`
	Stages  []Stage  `json:"stages,omitempty"`
	// EveryMonths or EveryDays: the interval from the last contact to the next (exactly
	// one). Months are calendar months in the customer's zone, a shorter month ending on
	// its last day.
	EveryMonths int `json:"every_months,omitempty"`
	EveryDays   int `json:"every_days,omitempty"`
	ContactRule
}

// ContactRule is how a planned contact is made, and what counts as one.
type ContactRule struct {
	// Purpose is service (the default) or marketing; a marketing contact is only
	// scheduled on a channel the customer agreed to.
	Purpose Purpose `json:"purpose,omitempty"`
	// Channels are the channels to contact on, in order: the customer's preferred channel
	// goes first when it is listed, and the first the customer may be contacted on is
	// chosen. Empty means the customer's preferred channel, else the phone.
	Channels []Channel `json:"channels,omitempty"`
	// Owner is who makes the contact; empty means the customer's owner.
	Owner string `json:"owner,omitempty"`
	// Counts are the channels whose interactions count as a contact, in either
	// direction; empty means any channel. OutboundOnly makes only the desk's own
	// (outbound) contacts count.
	Counts       []Channel `json:"counts,omitempty"`
	OutboundOnly bool      `json:"outbound_only,omitempty"`
}

// FollowUpSpec is a follow-up that an event calls for: Days after an order, after a
// closed complaint, after a service visit.
type FollowUpSpec struct {
	Name string `json:"name"`
	// After is the kind of event, as the host names it in FollowUpEvent.Kind ("order",
	// "complaint_closed", "service").
	After string `json:"after"`
	// Days after the event (its civil date in the customer's zone) the follow-up is due.
	Days int `json:"days"`
	ContactRule
}

// QuietHours are the hours of the customer's day when no one is contacted: From to To
// ("HH:MM", 24-hour clock), across midnight when To is earlier than From.
type QuietHours struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Bounds of a contact plan.
const (
	// MaxPlanBytes bounds the JSON LoadContactPlan reads.
	MaxPlanBytes = 1 << 16
	// MaxCadences bounds the cadences and the follow-ups of a plan, each.
	MaxCadences = 200
	// MaxEveryDays and MaxEveryMonths bound an interval.
	MaxEveryDays   = 3660
	MaxEveryMonths = 120
)

// ContactPlan is a compiled contact plan: immutable and safe for concurrent use.
type ContactPlan struct {
	spec      ContactPlanSpec
	loc       *time.Location
	cadences  []cadence
	followUps []followUp
	quiet     bool
	quietFrom int // minutes after midnight
	quietTo   int
}

type cadence struct {
	name    string
	classes []string
	stages  []Stage
	months  int
	days    int
	rule    contactRule
}

type followUp struct {
	name  string
	after string
	days  int
	rule  contactRule
}

type contactRule struct {
	purpose  Purpose
	channels []Channel
	owner    string
	counts   []Channel
	outbound bool
}

// ID returns the plan's ID.
func (p *ContactPlan) ID() string { return p.spec.ID }

// Spec returns a copy of the spec the plan was compiled from.
func (p *ContactPlan) Spec() ContactPlanSpec { return p.spec.clone() }

// MarshalJSON writes the plan's spec.
func (p *ContactPlan) MarshalJSON() ([]byte, error) { return json.Marshal(p.spec) }

func (s ContactPlanSpec) clone() ContactPlanSpec {
	out := s
	out.Cadences = slices.Clone(s.Cadences)
	for i := range out.Cadences {
		c := &out.Cadences[i]
		c.Classes, c.Stages, c.ContactRule = slices.Clone(c.Classes), slices.Clone(c.Stages), c.ContactRule.clone()
	}
	out.FollowUps = slices.Clone(s.FollowUps)
	for i := range out.FollowUps {
		out.FollowUps[i].ContactRule = out.FollowUps[i].ContactRule.clone()
	}
	if s.QuietHours != nil {
		q := *s.QuietHours
		out.QuietHours = &q
	}
	return out
}

func (r ContactRule) clone() ContactRule {
	r.Channels, r.Counts = slices.Clone(r.Channels), slices.Clone(r.Counts)
	return r
}

// CompileContactPlan checks a plan as a whole and compiles it. Every problem is reported
// at once, as a *kehu.ValidationError naming the field's path and rule: id set (rules
// "required", "max_length"); time_zone an IANA zone ("required", "unknown_zone"); at least
// one cadence or follow-up ("required"), at most MaxCadences of each ("max_items"); each
// with a name, unique ("required", "duplicate"); a cadence with exactly one of
// every_months (1 to MaxEveryMonths) and every_days (1 to MaxEveryDays) ("exclusive",
// "required", "range"); classes only with a class_attribute ("conflict"); stages,
// channels and purposes known ("enum"); a follow-up with an event kind ("required") and 0
// to MaxEveryDays days ("range"); quiet hours as "HH:MM" ("format"), not empty
// ("empty").
func CompileContactPlan(spec ContactPlanSpec) (*ContactPlan, error) {
	var p kehu.Problems
	plan := &ContactPlan{spec: spec.clone()}
	switch {
	case strings.TrimSpace(spec.ID) == "":
		p.Add("id", "required", "is empty")
	case len(spec.ID) > maxShortText:
		p.Addf("id", "max_length", "is longer than %d bytes", maxShortText)
	}
	if spec.TimeZone == "" {
		p.Add("time_zone", "required", `name the zone of customers without one, such as "Asia/Shanghai"`)
	} else if loc, err := loadZone(spec.TimeZone); err != nil {
		p.Addf("time_zone", "unknown_zone", "%s is not an IANA time zone", clip.Quote(spec.TimeZone))
	} else {
		plan.loc = loc
	}
	if len(spec.Cadences) == 0 && len(spec.FollowUps) == 0 {
		p.Add("cadences", "required", "a plan has at least one cadence or follow-up")
	}
	checkLen(&p, "class_attribute", spec.ClassAttribute, maxShortText)
	names := map[string]bool{}
	name := func(f, n string) {
		switch {
		case strings.TrimSpace(n) == "":
			p.Add(f, "required", "is empty")
		case names[n]:
			p.Addf(f, "duplicate", "%s names another cadence or follow-up", clip.Quote(n))
		}
		checkLen(&p, f, n, maxShortText)
		names[n] = true
	}
	if len(spec.Cadences) > MaxCadences {
		p.Addf("cadences", "max_items", "has %d cadences, more than %d", len(spec.Cadences), MaxCadences)
	}
	for i, c := range spec.Cadences {
		f := fmt.Sprintf("cadences[%d]", i)
		name(f+".name", c.Name)
		switch {
		case c.EveryMonths != 0 && c.EveryDays != 0:
			p.Add(f+".every_days", "exclusive", "give every_months or every_days, not both")
		case c.EveryMonths == 0 && c.EveryDays == 0:
			p.Add(f, "required", "give every_months or every_days")
		case c.EveryMonths < 0 || c.EveryMonths > MaxEveryMonths:
			p.Addf(f+".every_months", "range", "is %d, not 1 to %d", c.EveryMonths, MaxEveryMonths)
		case c.EveryDays < 0 || c.EveryDays > MaxEveryDays:
			p.Addf(f+".every_days", "range", "is %d, not 1 to %d", c.EveryDays, MaxEveryDays)
		}
		if len(c.Classes) > 0 && spec.ClassAttribute == "" {
			p.Add(f+".classes", "conflict", "classes are read from the plan's class_attribute, which is not set")
		}
		for j, st := range c.Stages {
			if !st.Valid() {
				p.Addf(fmt.Sprintf("%s.stages[%d]", f, j), "enum", "%s is not a stage", clip.Quote(string(st)))
			}
		}
		plan.cadences = append(plan.cadences, cadence{name: c.Name, classes: slices.Clone(c.Classes), stages: slices.Clone(c.Stages),
			months: c.EveryMonths, days: c.EveryDays, rule: compileRule(&p, f, c.ContactRule)})
	}
	if len(spec.FollowUps) > MaxCadences {
		p.Addf("follow_ups", "max_items", "has %d follow-ups, more than %d", len(spec.FollowUps), MaxCadences)
	}
	for i, u := range spec.FollowUps {
		f := fmt.Sprintf("follow_ups[%d]", i)
		name(f+".name", u.Name)
		if strings.TrimSpace(u.After) == "" {
			p.Add(f+".after", "required", `name the event, such as "order" or "complaint_closed"`)
		}
		checkLen(&p, f+".after", u.After, maxShortText)
		if u.Days < 0 || u.Days > MaxEveryDays {
			p.Addf(f+".days", "range", "is %d, not 0 to %d", u.Days, MaxEveryDays)
		}
		plan.followUps = append(plan.followUps, followUp{name: u.Name, after: u.After, days: u.Days, rule: compileRule(&p, f, u.ContactRule)})
	}
	if q := spec.QuietHours; q != nil {
		from, ok1 := parseHHMM(&p, "quiet_hours.from", q.From)
		to, ok2 := parseHHMM(&p, "quiet_hours.to", q.To)
		if ok1 && ok2 && from == to {
			p.Add("quiet_hours", "empty", "from and to are the same time")
		}
		plan.quiet, plan.quietFrom, plan.quietTo = true, from, to
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return plan, nil
}

func compileRule(p *kehu.Problems, f string, r ContactRule) contactRule {
	out := contactRule{purpose: r.Purpose, channels: slices.Clone(r.Channels), owner: r.Owner, counts: slices.Clone(r.Counts), outbound: r.OutboundOnly}
	if out.purpose == "" {
		out.purpose = PurposeService
	} else if !out.purpose.Valid() {
		p.Addf(f+".purpose", "enum", "%s is not service or marketing", clip.Quote(string(r.Purpose)))
	}
	for _, list := range []struct {
		name string
		chs  []Channel
	}{{"channels", r.Channels}, {"counts", r.Counts}} {
		for j, ch := range list.chs {
			if !ch.Valid() {
				p.Addf(fmt.Sprintf("%s.%s[%d]", f, list.name, j), "enum", "%s is not a channel", clip.Quote(string(ch)))
			}
		}
	}
	checkLen(p, f+".owner", r.Owner, maxShortText)
	return out
}

// parseHHMM reads "HH:MM" on the 24-hour clock as minutes after midnight.
func parseHHMM(p *kehu.Problems, field, s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		p.Addf(field, "format", "%s is not a time as HH:MM", clip.Quote(s))
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// LoadContactPlan reads a plan from strict JSON (unknown fields and trailing data are
// errors, as is a plan longer than MaxPlanBytes) and compiles it. A plan that does not
// decode is a *kehu.ValidationError naming every offending value by its path, as
// CompileContactPlan names fields: "cadences[0].every_day" with rule "unknown_field" (and
// the nearest known field, `did you mean "every_days"?`), "cadences[0].stages[0]",
// "follow_ups[1].channels[0]" or "cadences[2].purpose" with rule "enum" for an unknown
// stage, channel or purpose, "quiet_hours.from" with rule "type" for a number where a
// string belongs; a syntax error or trailing data is on "plan", rule "syntax".
func LoadContactPlan(r io.Reader) (*ContactPlan, error) {
	var spec ContactPlanSpec
	if err := strictjson.Decode(r, planDoc, &spec); err != nil {
		return nil, err
	}
	return CompileContactPlan(spec)
}

// planDoc is a contact plan as LoadContactPlan reads it.
var planDoc = strictjson.Doc{
	Root:    "plan",
	Object:  "the plan",
	Reading: "crm: reading the contact plan",
	Limit:   MaxPlanBytes,
}
