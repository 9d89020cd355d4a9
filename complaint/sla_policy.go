package complaint

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
)

// TargetKind names an SLA clock.
type TargetKind string

// The four clocks of a case. The engines that run SLA timers disagree on what each one
// measures; these are kehu's definitions.
const (
	// FirstResponse runs from the case's opening to the first public reply to the
	// customer, on any channel (a logged phone call counts; an internal note or an
	// automatic acknowledgement does not). A reply sent together with a move to waiting
	// on the customer counts, and so does communicating the resolution.
	FirstResponse TargetKind = "first_response"
	// NextReply runs only while a customer message is unanswered, from the oldest
	// unanswered one, once the first response is given: until then the first-response
	// clock covers every message.
	NextReply TargetKind = "next_reply"
	// PeriodicUpdate runs between public replies, from the first response on, until the
	// case is resolved: the customer hears from the desk at least that often. It never
	// runs while the first response is pending, so it never overrides that target.
	PeriodicUpdate TargetKind = "periodic_update"
	// Resolution runs from the opening until the case is resolved; reopening resumes it,
	// with the time spent resolved or closed counted as paused.
	Resolution TargetKind = "resolution"
)

// TargetKinds returns the four clocks, in the order a case meets them.
func TargetKinds() []TargetKind {
	return []TargetKind{FirstResponse, NextReply, PeriodicUpdate, Resolution}
}

// TargetSpec is one SLA target: exactly one of Minutes, Hours or BusinessDays, counted
// in business time on the policy's calendar unless CalendarTime is set; optionally a
// warning, at WarnPercent of the target or WarnBeforeMinutes before it is due, counted
// the same way (so a warning never fires at midnight on a business-time target).
type TargetSpec struct {
	Minutes      int `json:"minutes,omitempty"`
	Hours        int `json:"hours,omitempty"`
	BusinessDays int `json:"business_days,omitempty"`
	// CalendarTime counts the target in elapsed real time, day and night. A target in
	// business days is always in business time.
	CalendarTime bool `json:"calendar_time,omitempty"`
	// WarnPercent (1–99) or WarnBeforeMinutes: when the clock warns that the target is
	// close. At most one of the two.
	WarnPercent       int `json:"warn_percent,omitempty"`
	WarnBeforeMinutes int `json:"warn_before_minutes,omitempty"`
	// KeepRunning keeps the clock running while the case waits on the customer (the
	// clocks pause there by default): for a periodic update the customer is owed even
	// while the desk waits for them.
	KeepRunning bool `json:"keep_running,omitempty"`
}

// LevelSpec holds the targets of the cases of one priority. A nil target is not kept.
type LevelSpec struct {
	Priority       Priority    `json:"priority"`
	FirstResponse  *TargetSpec `json:"first_response,omitempty"`
	NextReply      *TargetSpec `json:"next_reply,omitempty"`
	PeriodicUpdate *TargetSpec `json:"periodic_update,omitempty"`
	Resolution     *TargetSpec `json:"resolution,omitempty"`
}

func (l *LevelSpec) target(k TargetKind) *TargetSpec {
	switch k {
	case FirstResponse:
		return l.FirstResponse
	case NextReply:
		return l.NextReply
	case PeriodicUpdate:
		return l.PeriodicUpdate
	}
	return l.Resolution
}

// PolicySpec is an SLA policy as written, in Go or in strict JSON (LoadPolicy): an ID,
// and the targets of each priority. A priority without a level has no targets. The
// calendar is given to CompilePolicy.
//
//	{
//	  "id": "standard",
//	  "levels": [
//	    {"priority": "P1", "first_response": {"minutes": 30}, "resolution": {"hours": 8, "warn_percent": 75}},
//	    {"priority": "P3", "first_response": {"hours": 4, "warn_before_minutes": 60},
//	     "periodic_update": {"business_days": 1}, "resolution": {"business_days": 5}}
//	  ]
//	}
type PolicySpec struct {
	ID     string      `json:"id"`
	Levels []LevelSpec `json:"levels"`
}

// Bounds of an SLA policy.
const (
	// MaxPolicyBytes bounds the JSON LoadPolicy reads.
	MaxPolicyBytes = 1 << 16
	// MaxTargetDays bounds a target: a year of business days, or a year of time.
	MaxTargetDays = 366
)

// Target is a compiled SLA target.
type Target struct {
	Kind TargetKind
	// Within is the target as a duration (zero for a target in business days).
	Within time.Duration
	// BusinessDays is the target in business days (zero for a duration).
	BusinessDays int
	// CalendarTime: counted in elapsed real time, not business time.
	CalendarTime bool
	// WarnPercent or WarnBefore: when the clock warns.
	WarnPercent int
	WarnBefore  time.Duration
	KeepRunning bool
}

// Policy is a compiled SLA policy: immutable and safe for concurrent use. Make one with
// CompilePolicy or LoadPolicy.
type Policy struct {
	spec   PolicySpec
	cal    *Calendar
	levels [P4 + 1][4]*Target
}

// ID returns the policy's ID.
func (p *Policy) ID() string { return p.spec.ID }

// Calendar returns the calendar the policy counts business time on.
func (p *Policy) Calendar() *Calendar { return p.cal }

// Spec returns a copy of the spec the policy was compiled from.
func (p *Policy) Spec() PolicySpec { return p.spec.clone() }

// Target returns the target of a clock for a priority, or false if the policy has none.
func (p *Policy) Target(pr Priority, k TargetKind) (Target, bool) {
	t := p.target(pr, k)
	if t == nil {
		return Target{}, false
	}
	return *t, true
}

func (p *Policy) target(pr Priority, k TargetKind) *Target {
	if p == nil || pr < P1 || pr > P4 {
		return nil
	}
	switch k {
	case FirstResponse:
		return p.levels[pr][0]
	case NextReply:
		return p.levels[pr][1]
	case PeriodicUpdate:
		return p.levels[pr][2]
	case Resolution:
		return p.levels[pr][3]
	}
	return nil
}

func (s PolicySpec) clone() PolicySpec {
	out := s
	out.Levels = make([]LevelSpec, len(s.Levels))
	for i, l := range s.Levels {
		out.Levels[i] = l
		for _, k := range TargetKinds() {
			if t := l.target(k); t != nil {
				c := *t
				switch k {
				case FirstResponse:
					out.Levels[i].FirstResponse = &c
				case NextReply:
					out.Levels[i].NextReply = &c
				case PeriodicUpdate:
					out.Levels[i].PeriodicUpdate = &c
				case Resolution:
					out.Levels[i].Resolution = &c
				}
			}
		}
	}
	return out
}

// CompilePolicy checks a policy against its calendar and compiles it. Every problem is
// reported at once, as a *kehu.ValidationError naming the field's path:
//
//   - id: set, at most 200 bytes, no surrounding space (rules "required", "max_length",
//     "format");
//   - levels[i].priority: P1 to P4 (rule "enum"), each once (rule "duplicate");
//   - a level has at least one target (rule "required");
//   - a target ("levels[0].resolution.hours"): exactly one of minutes, hours and
//     business_days, positive (rules "required", "exclusive", "min"), at most
//     MaxTargetDays days (rule "max"); business_days not with calendar_time (rule
//     "conflict"); warn_percent 1–99 and warn_before_minutes positive and shorter than
//     a target given as a duration (rules "range", "max"), not both (rule "exclusive").
//
// A nil calendar, or the zero Calendar (one not compiled, which has no working hours), is
// reported on "calendar".
func CompilePolicy(spec PolicySpec, cal *Calendar) (*Policy, error) {
	var p kehu.Problems
	switch {
	case spec.ID == "":
		p.Add("id", "required", "is empty")
	case len(spec.ID) > maxShortBytes:
		p.Addf("id", "max_length", "is longer than %d bytes", maxShortBytes)
	case strings.TrimSpace(spec.ID) != spec.ID:
		p.Add("id", "format", "has surrounding space")
	}
	if cal == nil || cal.loc == nil {
		p.Add("calendar", "required", "a policy counts business time on a calendar: compile one with CompileCalendar")
	}
	pol := &Policy{spec: spec.clone(), cal: cal}
	for i, l := range spec.Levels {
		f := fmt.Sprintf("levels[%d]", i)
		if l.Priority < P1 || l.Priority > P4 {
			p.Addf(f+".priority", "enum", "%d is not a priority from P1 to P4", int(l.Priority))
			continue
		}
		if levelSeen(spec.Levels[:i], l.Priority) {
			p.Addf(f+".priority", "duplicate", "%s has another level", l.Priority)
			continue
		}
		any := false
		for j, k := range TargetKinds() {
			if t := l.target(k); t != nil {
				any = true
				pol.levels[l.Priority][j] = compileTarget(&p, f+"."+string(k), k, *t)
			}
		}
		if !any {
			p.Add(f, "required", "a level has at least one target")
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return pol, nil
}

func levelSeen(levels []LevelSpec, pr Priority) bool {
	for _, l := range levels {
		if l.Priority == pr {
			return true
		}
	}
	return false
}

func compileTarget(p *kehu.Problems, f string, k TargetKind, s TargetSpec) *Target {
	t := &Target{Kind: k, CalendarTime: s.CalendarTime, WarnPercent: s.WarnPercent, KeepRunning: s.KeepRunning}
	set := 0
	for _, v := range []struct {
		name  string
		n     int
		unit  time.Duration
		limit int
	}{{"minutes", s.Minutes, time.Minute, MaxTargetDays * 24 * 60}, {"hours", s.Hours, time.Hour, MaxTargetDays * 24},
		{"business_days", s.BusinessDays, 0, MaxTargetDays}} {
		switch {
		case v.n == 0:
			continue
		case v.n < 0:
			p.Addf(f+"."+v.name, "min", "is %d; a target is positive", v.n)
		case v.n > v.limit:
			p.Addf(f+"."+v.name, "max", "is %d, more than %d", v.n, v.limit)
		case v.unit == 0:
			t.BusinessDays = v.n
		default:
			t.Within = time.Duration(v.n) * v.unit
		}
		set++
		if set == 2 {
			p.Addf(f+"."+v.name, "exclusive", "give one of minutes, hours and business_days")
		}
	}
	if set == 0 {
		p.Add(f, "required", "give the target in minutes, hours or business_days")
	}
	if s.BusinessDays != 0 && s.CalendarTime {
		p.Add(f+".calendar_time", "conflict", "a target in business days is counted in business time")
	}
	if s.WarnPercent != 0 && (s.WarnPercent < 1 || s.WarnPercent > 99) {
		p.Addf(f+".warn_percent", "range", "is %d, not 1 to 99", s.WarnPercent)
	}
	if s.WarnBeforeMinutes != 0 {
		t.WarnBefore = time.Duration(s.WarnBeforeMinutes) * time.Minute
		switch {
		case s.WarnPercent != 0:
			p.Add(f+".warn_before_minutes", "exclusive", "give warn_percent or warn_before_minutes, not both")
		case s.WarnBeforeMinutes < 0:
			p.Addf(f+".warn_before_minutes", "range", "is %d; a warning comes before the target", s.WarnBeforeMinutes)
		case t.Within > 0 && t.WarnBefore >= t.Within:
			p.Addf(f+".warn_before_minutes", "max", "is %d, not shorter than the target", s.WarnBeforeMinutes)
		case s.WarnBeforeMinutes > MaxTargetDays*24*60:
			p.Addf(f+".warn_before_minutes", "max", "is %d, more than %d", s.WarnBeforeMinutes, MaxTargetDays*24*60)
		}
	}
	return t
}

// LoadPolicy reads a policy from strict JSON (unknown fields and trailing data are errors,
// as is a definition longer than MaxPolicyBytes) and compiles it with the calendar. A
// policy that does not decode names each offending value by its path: "levels[0].priority"
// with rule "enum" for "P9", "levels[0].resolution.hour" with rule "unknown_field" (and
// `did you mean "hours"?`); a syntax error or trailing data is on "policy", rule "syntax".
func LoadPolicy(r io.Reader, cal *Calendar) (*Policy, error) {
	var spec PolicySpec
	if err := loadStrict(r, "policy", MaxPolicyBytes, &spec); err != nil {
		return nil, err
	}
	return CompilePolicy(spec, cal)
}

// MarshalText writes a priority as "P1" to "P4", and the zero Priority (none yet) as "".
func (p Priority) MarshalText() ([]byte, error) {
	if p == 0 {
		return []byte{}, nil
	}
	if p < P1 || p > P4 {
		return nil, fmt.Errorf("complaint: %d is not a priority", int(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText reads "P1" to "P4" (case ignored), and "" as the zero Priority; anything
// else is a *kehu.ValidationError on "priority".
func (p *Priority) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*p = 0
		return nil
	}
	v, err := ParsePriority(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// ParsePriority reads "P1" to "P4", case and surrounding space ignored.
func ParsePriority(s string) (Priority, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "P1":
		return P1, nil
	case "P2":
		return P2, nil
	case "P3":
		return P3, nil
	case "P4":
		return P4, nil
	}
	return 0, kehu.Invalid("priority", "enum", fmt.Sprintf("%s is not P1, P2, P3 or P4", clip.Quote(s)))
}

// Policies is the set of SLA policies a service applies, by ID: immutable and safe for
// concurrent use. The first is the default, given to a case opened without a policy.
type Policies struct {
	list []*Policy
}

// NewPolicies collects policies; nil, the zero Policy (one not compiled), repeated IDs or
// none at all are errors.
func NewPolicies(ps ...*Policy) (*Policies, error) {
	var p kehu.Problems
	if len(ps) == 0 {
		p.Add("policies", "required", "give at least one policy")
	}
	seen := map[string]bool{}
	for i, pol := range ps {
		switch {
		case pol == nil:
			p.Addf(fmt.Sprintf("policies[%d]", i), "required", "is nil")
		case pol.cal == nil:
			p.Addf(fmt.Sprintf("policies[%d]", i), "required", "is not compiled: make it with CompilePolicy or LoadPolicy")
		case seen[pol.ID()]:
			p.Addf(fmt.Sprintf("policies[%d]", i), "duplicate", "policy %s is given twice", clip.Quote(pol.ID()))
		default:
			seen[pol.ID()] = true
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return &Policies{list: append([]*Policy(nil), ps...)}, nil
}

// Policy returns the policy with the ID, or nil.
func (s *Policies) Policy(id string) *Policy {
	if s == nil {
		return nil
	}
	for _, p := range s.list {
		if p.ID() == id {
			return p
		}
	}
	return nil
}

// Default returns the first policy.
func (s *Policies) Default() *Policy {
	if s == nil || len(s.list) == 0 {
		return nil
	}
	return s.list[0]
}
