package crm

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"time"

	"github.com/kehu-crm/kehu"
)

// ContactSignals is what the host knows that ranks due contacts: the customer's value and
// their open complaints. The host implements it over its own figures (a CLV from segment,
// open cases from complaint); crm imports neither.
type ContactSignals interface {
	// Value is the customer's value to the business, higher first (a CLV, a year's
	// revenue); 0 when unknown.
	Value(id CustomerID) float64
	// OpenComplaints counts the customer's open complaint cases.
	OpenComplaints(id CustomerID) int
}

// FollowUpEvent is an event a follow-up may be due after: an order delivered, a
// complaint closed, a service visit. The host supplies them from its own records.
type FollowUpEvent struct {
	Customer CustomerID
	// Kind matches a follow-up's After ("order", "complaint_closed").
	Kind string
	// Ref is the host's reference (the order, the case).
	Ref string
	At  time.Time
}

// DueOptions are the host's inputs to DueContacts; nil means none.
type DueOptions struct {
	Signals ContactSignals
	// Events are the events follow-ups may be due after.
	Events iter.Seq[FollowUpEvent]
}

// DueKind says what a due contact comes from.
type DueKind string

// Due kinds.
const (
	DueCadence  DueKind = "cadence"
	DueFollowUp DueKind = "follow_up"
)

// DueContact is a contact a plan calls for.
type DueContact struct {
	Customer CustomerID `json:"customer"`
	Name     string     `json:"name"`
	Kind     DueKind    `json:"kind"`
	// Rule is the name of the cadence or follow-up; Ref the event's reference, for a
	// follow-up.
	Rule  string `json:"rule"`
	Ref   string `json:"ref,omitempty"`
	Class string `json:"class,omitempty"`
	Stage Stage  `json:"stage"`
	Owner string `json:"owner,omitempty"`
	// Channel is the channel to use (empty in DueList.Unreachable), Purpose the
	// contact's.
	Channel Channel `json:"channel,omitempty"`
	Purpose Purpose `json:"purpose"`
	// Last is the last interaction that counted as a contact, zero if none; for a
	// follow-up, the event's time.
	Last time.Time `json:"last,omitzero"`
	// DueOn is the civil date the contact is due, in TimeZone, and DaysOverdue how many
	// days ago that was (0: due today).
	DueOn       kehu.Date `json:"due_on"`
	DaysOverdue int       `json:"days_overdue"`
	TimeZone    string    `json:"time_zone"`
	// ContactFrom is the first instant at or after the plan's asOf outside the plan's
	// quiet hours in the customer's zone.
	ContactFrom    time.Time `json:"contact_from"`
	Value          float64   `json:"value,omitempty"`
	OpenComplaints int       `json:"open_complaints,omitempty"`
}

// DueList is what DueContacts finds.
type DueList struct {
	AsOf time.Time `json:"as_of"`
	// Contacts are the contacts due, in order of priority.
	Contacts []DueContact `json:"contacts"`
	// Unreachable are contacts due on no channel the customer may be contacted on: a
	// marketing contact without consent on any channel the rule lists, or a customer who
	// withdrew service contact. They are never scheduled.
	Unreachable []DueContact `json:"unreachable,omitempty"`
}

// DueContacts lists who is due or overdue for contact under a plan at asOf:
//
//   - A customer follows the first cadence that matches their class and stage. They are
//     due one interval (calendar months or days, in their own time zone) after the last
//     interaction that counts as a contact (Counts, OutboundOnly), or after the day they
//     became a customer if there was none; interactions after asOf are not seen, so
//     recording one satisfies the plan from that instant.
//   - A follow-up is due Days after each event of its kind (opts.Events), until an
//     interaction that counts is recorded at or after the event.
//   - The channel is the first of the rule's the customer may be contacted on for its
//     purpose (a marketing contact needs consent), the customer's preferred channel first
//     when the rule lists it; a contact on no allowed channel is listed as Unreachable.
//   - ContactFrom moves a contact out of the plan's quiet hours, in the customer's zone.
//   - The order: customers with open complaints first, then by value (highest first),
//     days overdue (most first), due date, customer and rule.
//
// Merged and erased customers are never listed. Bad input (a nil plan, a zero asOf, an
// event without a customer, kind or time) is a *kehu.ValidationError.
func (s *Service) DueContacts(ctx context.Context, plan *ContactPlan, asOf time.Time, opts *DueOptions) (*DueList, error) {
	var p kehu.Problems
	if plan == nil || plan.loc == nil {
		p.Add("plan", "required", "compile one with CompileContactPlan")
	}
	if asOf.IsZero() {
		p.Add("as_of", "required", "is zero")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &DueOptions{}
	}
	e := dueEngine{plan: plan, asOf: kehu.Truncate(asOf)}
	if err := e.readEvents(opts.Events); err != nil {
		return nil, err
	}
	before := e.asOf.Add(time.Microsecond)
	var parts []*duePart
	part := func(i int) *duePart {
		for len(parts) <= i {
			parts = append(parts, &duePart{dueEngine: &e, zones: map[string]*time.Location{}})
		}
		return parts[i]
	}
	var err error
	if ls, ok := s.store.(latestScanner); ok {
		e.masks = make([]uint16, len(plan.cadences))
		for i := range plan.cadences {
			e.masks[i] = plan.cadences[i].rule.kindMask()
		}
		workers := make([]*duePart, runtime.GOMAXPROCS(0))
		for i := range workers {
			workers[i] = part(i)
		}
		err = ls.scanLatest(ctx, before, len(workers), func(i int, c *Customer, latest *latestContacts, tl []*Interaction) error {
			return workers[i].customer(c, latest, tl)
		})
	} else {
		p := part(0)
		err = s.store.ScanTimelines(ctx, before, func(c *Customer, tl []*Interaction) error { return p.customer(c, nil, tl) })
	}
	if err != nil {
		return nil, err
	}
	out := &DueList{AsOf: e.asOf}
	out.Contacts = gather(parts, func(p *duePart) *chunks[DueContact] { return &p.contacts })
	out.Unreachable = gather(parts, func(p *duePart) *chunks[DueContact] { return &p.unreachable })
	for _, l := range [][]DueContact{out.Contacts, out.Unreachable} {
		if opts.Signals != nil {
			for i := range l {
				l[i].Value, l[i].OpenComplaints = opts.Signals.Value(l[i].Customer), opts.Signals.OpenComplaints(l[i].Customer)
			}
		}
		slices.SortFunc(l, compareDue)
	}
	return out, nil
}

// chunks collects values in fixed-size chunks, so that a long list is copied once, when
// it is complete, rather than each time it grows.
type chunks[T any] struct {
	full [][]T
	cur  []T
	n    int
}

const chunkSize = 1024

func (c *chunks[T]) add(v T) {
	if len(c.cur) == cap(c.cur) {
		if c.cur != nil {
			c.full = append(c.full, c.cur)
		}
		c.cur = make([]T, 0, chunkSize)
	}
	c.cur = append(c.cur, v)
	c.n++
}

// gather returns the values of the parts' chunks, nil if there are none.
func gather[P, T any](parts []P, of func(P) *chunks[T]) []T {
	n := 0
	for _, p := range parts {
		n += of(p).n
	}
	if n == 0 {
		return nil
	}
	out := make([]T, 0, n)
	for _, p := range parts {
		c := of(p)
		for _, f := range c.full {
			out = append(out, f...)
		}
		out = append(out, c.cur...)
	}
	return out
}

// dueEngine is what DueContacts works out the contacts due from: the plan, the instant,
// the events, read by one or more parts of a scan at once.
type dueEngine struct {
	plan   *ContactPlan
	asOf   time.Time
	events map[CustomerID][]dueEvent
	// masks are the cadences' kind masks, when the store hands latestContacts.
	masks []uint16
}

// duePart works out, customer by customer in one part of a scan, the contacts due.
type duePart struct {
	*dueEngine
	zones                 map[string]*time.Location
	contacts, unreachable chunks[DueContact]
	// the civil date of asOf in the zone met last
	lastLoc   *time.Location
	lastToday kehu.Date
}

// today returns asOf's civil date in loc.
func (e *duePart) today(loc *time.Location) kehu.Date {
	if loc != e.lastLoc {
		e.lastLoc, e.lastToday = loc, kehu.DateOf(e.asOf.In(loc))
	}
	return e.lastToday
}

type dueEvent struct {
	FollowUpEvent
	rule int // the follow-up it calls for
}

func (e *dueEngine) readEvents(events iter.Seq[FollowUpEvent]) error {
	if events == nil || len(e.plan.followUps) == 0 {
		return nil
	}
	e.events = map[CustomerID][]dueEvent{}
	var p kehu.Problems
	i := 0
	for ev := range events {
		f := fmt.Sprintf("events[%d]", i)
		i++
		switch {
		case ev.Customer.IsZero():
			p.Add(f+".customer", "required", "is empty")
		case ev.Kind == "":
			p.Add(f+".kind", "required", "is empty")
		case ev.At.IsZero():
			p.Add(f+".at", "required", "is zero")
		}
		if ev.Customer.IsZero() || ev.At.IsZero() || ev.At.After(e.asOf) {
			continue
		}
		for r, u := range e.plan.followUps {
			if u.after == ev.Kind {
				e.events[ev.Customer] = append(e.events[ev.Customer], dueEvent{FollowUpEvent: ev, rule: r})
			}
		}
	}
	return p.Err()
}

func (e *duePart) zone(name string) *time.Location {
	if name == "" {
		return e.plan.loc
	}
	if loc, ok := e.zones[name]; ok {
		return loc
	}
	loc, err := loadZone(name)
	if err != nil {
		loc = e.plan.loc // a zone the profile check refused never gets here; be safe
	}
	e.zones[name] = loc
	return loc
}

// customer adds the contacts due to one customer, from their timeline up to asOf, or from
// their latest contacts when the store hands them.
func (e *duePart) customer(c *Customer, latest *latestContacts, timeline []*Interaction) error {
	if !c.ErasedAt.IsZero() {
		return nil
	}
	class := ""
	if a := e.plan.spec.ClassAttribute; a != "" {
		class, _ = c.Attributes[a].Str()
	}
	cad := -1
	for i := range e.plan.cadences {
		if e.plan.cadences[i].matches(class, c.Stage) {
			cad = i
			break
		}
	}
	evs := e.events[c.ID]
	if cad < 0 && len(evs) == 0 {
		return nil
	}
	loc := e.zone(c.Preferences.TimeZone)
	today := e.today(loc)
	base := DueContact{Customer: c.ID, Name: c.Name.Display, Class: class, Stage: c.Stage, TimeZone: loc.String()}
	if cad >= 0 {
		cd := &e.plan.cadences[cad]
		var last time.Time
		if latest != nil {
			last, _ = latest.last(e.masks[cad])
		} else {
			for k := len(timeline) - 1; k >= 0; k-- {
				if cd.rule.isContact(timeline[k]) {
					last = timeline[k].At
					break
				}
			}
		}
		from := last
		if from.IsZero() {
			from = c.CreatedAt
		}
		due := kehu.DateOf(from.In(loc))
		if cd.months > 0 {
			due = due.AddMonths(cd.months)
		} else {
			due = due.AddDays(cd.days)
		}
		if !due.After(today) {
			d := base
			d.Kind, d.Rule, d.Last, d.DueOn = DueCadence, cd.name, last, due
			e.add(c, d, &cd.rule, today, loc)
		}
	}
	for _, ev := range evs {
		u := &e.plan.followUps[ev.rule]
		due := kehu.DateOf(ev.At.In(loc)).AddDays(u.days)
		if due.After(today) || followedUp(timeline, ev.At, &u.rule) {
			continue
		}
		d := base
		d.Kind, d.Rule, d.Ref, d.Last, d.DueOn = DueFollowUp, u.name, ev.Ref, kehu.Truncate(ev.At), due
		e.add(c, d, &u.rule, today, loc)
	}
	return nil
}

// followedUp reports whether the timeline has a contact under the rule at or after at.
func followedUp(timeline []*Interaction, at time.Time, r *contactRule) bool {
	for k := len(timeline) - 1; k >= 0 && !timeline[k].At.Before(at); k-- {
		if r.isContact(timeline[k]) {
			return true
		}
	}
	return false
}

func (e *duePart) add(c *Customer, d DueContact, r *contactRule, today kehu.Date, loc *time.Location) {
	d.Owner, d.Purpose, d.Channel = cmp.Or(r.owner, c.Owner), r.purpose, r.choose(c)
	d.DaysOverdue = today.DaysSince(d.DueOn)
	d.ContactFrom = e.plan.contactFrom(e.asOf, loc)
	if d.Channel == "" {
		e.unreachable.add(d)
	} else {
		e.contacts.add(d)
	}
}

func (cd *cadence) matches(class string, stage Stage) bool {
	if len(cd.classes) > 0 && !slices.Contains(cd.classes, class) {
		return false
	}
	if len(cd.stages) == 0 {
		return stage != StageTerminated
	}
	return slices.Contains(cd.stages, stage)
}

// choose returns the channel a contact of the rule is made on, or "" if none is allowed.
func (r *contactRule) choose(c *Customer) Channel {
	pref := c.Preferences.Channel
	if len(r.channels) == 0 {
		ch := pref
		if ch == "" {
			ch = ChannelPhone
		}
		if c.MayContact(ch, r.purpose) {
			return ch
		}
		return ""
	}
	if pref != "" && slices.Contains(r.channels, pref) && c.MayContact(pref, r.purpose) {
		return pref
	}
	for _, ch := range r.channels {
		if c.MayContact(ch, r.purpose) {
			return ch
		}
	}
	return ""
}

// isContact reports whether an interaction counts as a contact under the rule.
func (r *contactRule) isContact(in *Interaction) bool {
	return (len(r.counts) == 0 || slices.Contains(r.counts, in.Channel)) && (!r.outbound || in.Direction == Outbound)
}

// compareDue orders due contacts: open complaints first, then value, days overdue, due
// date, customer and rule.
func compareDue(a, b DueContact) int {
	return cmp.Or(
		cmp.Compare(min(b.OpenComplaints, 1), min(a.OpenComplaints, 1)),
		cmp.Compare(b.Value, a.Value),
		cmp.Compare(b.DaysOverdue, a.DaysOverdue),
		a.DueOn.Compare(b.DueOn),
		compareIDs(a.Customer, b.Customer),
		cmp.Compare(a.Rule, b.Rule),
		cmp.Compare(a.Ref, b.Ref),
	)
}

// compareIDs orders customer IDs by their bytes, as their strings sort.
func compareIDs(a, b CustomerID) int {
	x, y := a.UUID(), b.UUID()
	return bytes.Compare(x[:], y[:])
}

// contactFrom returns at, or the end of the quiet hours at in the zone falls in.
func (p *ContactPlan) contactFrom(at time.Time, loc *time.Location) time.Time {
	if !p.quiet {
		return at
	}
	local := at.In(loc)
	m := local.Hour()*60 + local.Minute()
	var quiet bool
	if p.quietFrom < p.quietTo {
		quiet = m >= p.quietFrom && m < p.quietTo
	} else {
		quiet = m >= p.quietFrom || m < p.quietTo
	}
	if !quiet {
		return at
	}
	d := kehu.DateOf(local)
	if p.quietFrom > p.quietTo && m >= p.quietFrom {
		d = d.AddDays(1) // the quiet hours end tomorrow morning
	}
	// At: where the clocks skip the end of the quiet hours, they end when the clocks jump.
	end := d.At(p.quietTo/60, p.quietTo%60, 0, 0, loc)
	if end.Before(at) {
		// The clocks went back across the end of the quiet hours and at is in the second
		// pass: they end at that pass of it.
		_, off := end.Zone()
		if _, next := end.ZoneBounds(); !next.IsZero() {
			if _, offNext := next.Zone(); offNext < off {
				end = end.Add(time.Duration(off-offNext) * time.Second)
			}
		}
	}
	return end.UTC()
}
