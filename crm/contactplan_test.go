package crm_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// accountCare is a plan of visits by customer class: A customers monthly, B quarterly, C
// twice a year, potential customers every two weeks; a follow-up three days after an
// order and a week after a closed complaint; no calls from 21:00 to 09:00.
const accountCare = `{
  "id": "account-care", "time_zone": "Asia/Shanghai", "class_attribute": "class",
  "cadences": [
    {"name": "A monthly", "classes": ["A"], "every_months": 1, "channels": ["visit", "phone"]},
    {"name": "B quarterly", "classes": ["B"], "every_months": 3, "channels": ["phone"]},
    {"name": "C twice a year", "classes": ["C"], "every_months": 6, "channels": ["phone", "email"]},
    {"name": "new customers", "stages": ["potential"], "every_days": 14}
  ],
  "follow_ups": [
    {"name": "after delivery", "after": "order", "days": 3, "channels": ["phone"], "counts": ["phone"]},
    {"name": "after a complaint", "after": "complaint_closed", "days": 7}
  ],
  "quiet_hours": {"from": "21:00", "to": "09:00"}
}`

func mustPlan(t testing.TB, js string) *crm.ContactPlan {
	t.Helper()
	p, err := crm.LoadContactPlan(strings.NewReader(js))
	require.NoError(t, err)
	return p
}

// desk is a crm service on a fake clock starting Monday 2024-01-01 09:00 in Shanghai.
func desk(t testing.TB) (*crm.Service, *kehu.Clock) {
	t.Helper()
	sh, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	opts, clock, _ := kehu.Deterministic(time.Date(2024, 1, 1, 9, 0, 0, 0, sh))
	return crm.NewService(nil, opts), clock
}

func customerOf(t testing.TB, svc *crm.Service, name, class string, stage crm.Stage, edit func(*crm.Profile)) *crm.Customer {
	t.Helper()
	p := crm.Profile{Name: crm.Name{Display: name}, Phones: []crm.Phone{{Number: "+86 138 0013 8000"}}}
	if class != "" {
		p.Attributes = map[string]crm.AttrValue{"class": crm.StringAttr(class)}
	}
	if edit != nil {
		edit(&p)
	}
	c, err := svc.CreateCustomer(t.Context(), p, &crm.CreateOptions{Stage: stage})
	require.NoError(t, err)
	return c
}

func contact(t testing.TB, svc *crm.Service, id crm.CustomerID, ch crm.Channel, at time.Time) {
	t.Helper()
	_, err := svc.RecordInteraction(t.Context(), crm.InteractionInput{CustomerID: id, Channel: ch, Direction: crm.Outbound,
		Subject: "regular visit", At: at})
	require.NoError(t, err)
}

func names(l []crm.DueContact) []string {
	var out []string
	for _, d := range l {
		out = append(out, d.Name+" "+d.Rule)
	}
	return out
}

func TestDueContacts(t *testing.T) {
	svc, clock := desk(t)
	ctx := t.Context()
	plan := mustPlan(t, accountCare)
	sh := clock.Now().Location()
	day := func(m time.Month, d, h int) time.Time { return time.Date(2024, m, d, h, 0, 0, 0, sh) }

	a := customerOf(t, svc, "A-Wang", "A", crm.StageActive, func(p *crm.Profile) { p.Preferences.Channel = crm.ChannelPhone })
	b := customerOf(t, svc, "B-Li", "B", crm.StageActive, nil)
	c := customerOf(t, svc, "C-Zhao", "C", crm.StageActive, nil)
	n := customerOf(t, svc, "N-Sun", "", crm.StagePotential, nil)
	gone := customerOf(t, svc, "X-Qian", "A", crm.StageTerminated, nil)
	_ = gone
	// A was visited on January 31: a month later is February 29 (2024 is a leap year).
	clock.Set(day(1, 31, 10))
	contact(t, svc, a.ID, crm.ChannelVisit, day(1, 31, 10))
	// B was called on January 15; an inbound call counts as a contact too.
	_, err := svc.RecordInteraction(ctx, crm.InteractionInput{CustomerID: b.ID, Channel: crm.ChannelPhone, Direction: crm.Inbound,
		Subject: "asked about an invoice", At: day(1, 15, 11)})
	require.NoError(t, err)

	clock.Set(day(2, 29, 10))
	due, err := svc.DueContacts(ctx, plan, clock.Now(), nil)
	require.NoError(t, err)
	// A is due today (Feb 29); N became a customer on January 1: due January 15, 45 days
	// overdue; C joined on January 1: due July 1; B due April 15.
	assert.Equal(t, []string{"N-Sun new customers", "A-Wang A monthly"}, names(due.Contacts))
	byName := map[string]crm.DueContact{}
	for _, d := range due.Contacts {
		byName[d.Name] = d
	}
	assert.Equal(t, kehu.MustDate(2024, 2, 29), byName["A-Wang"].DueOn)
	assert.Equal(t, 0, byName["A-Wang"].DaysOverdue)
	assert.Equal(t, crm.ChannelPhone, byName["A-Wang"].Channel, "the preferred channel first, when the cadence lists it")
	assert.Equal(t, 45, byName["N-Sun"].DaysOverdue)
	assert.Equal(t, crm.ChannelPhone, byName["N-Sun"].Channel, "no channels listed and none preferred: the phone")
	assert.True(t, day(1, 31, 10).Equal(byName["A-Wang"].Last))

	// Recording the visit satisfies the plan; C falls due on July 1.
	clock.Set(day(2, 29, 11))
	contact(t, svc, a.ID, crm.ChannelPhone, day(2, 29, 11))
	contact(t, svc, n.ID, crm.ChannelPhone, day(2, 29, 11))
	clock.Set(day(7, 1, 10))
	due, err = svc.DueContacts(ctx, plan, clock.Now(), nil)
	require.NoError(t, err)
	// the most overdue first: N since March 14, A since March 29, B since April 15, C today
	assert.Equal(t, []string{"N-Sun new customers", "A-Wang A monthly", "B-Li B quarterly", "C-Zhao C twice a year"}, names(due.Contacts))

	// As of an earlier instant, later interactions are not seen.
	due, err = svc.DueContacts(ctx, plan, day(2, 29, 10), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"N-Sun new customers", "A-Wang A monthly"}, names(due.Contacts))
	_ = c
}

type signals map[crm.CustomerID][2]float64

func (s signals) Value(id crm.CustomerID) float64      { return s[id][0] }
func (s signals) OpenComplaints(id crm.CustomerID) int { return int(s[id][1]) }

func TestDueContactsOrderAndFollowUps(t *testing.T) {
	svc, clock := desk(t)
	ctx := t.Context()
	plan := mustPlan(t, accountCare)
	sh := clock.Now().Location()
	at := func(m time.Month, d, h int) time.Time { return time.Date(2024, m, d, h, 0, 0, 0, sh) }
	x := customerOf(t, svc, "X", "C", crm.StageActive, nil)
	y := customerOf(t, svc, "Y", "C", crm.StageActive, nil)
	z := customerOf(t, svc, "Z", "C", crm.StageActive, nil)
	clock.Set(at(7, 10, 10))
	sig := signals{x.ID: {100, 0}, y.ID: {5000, 0}, z.ID: {10, 2}}
	due, err := svc.DueContacts(ctx, plan, clock.Now(), &crm.DueOptions{Signals: sig})
	require.NoError(t, err)
	assert.Equal(t, []string{"Z C twice a year", "Y C twice a year", "X C twice a year"}, names(due.Contacts),
		"open complaints first, then value")
	assert.Equal(t, 2, due.Contacts[0].OpenComplaints)

	// Follow-ups: an order on July 1 is followed up by phone from July 4 until a phone
	// contact at or after the order; an email does not count, a call before the order
	// does not either.
	contact(t, svc, x.ID, crm.ChannelPhone, at(6, 30, 10))
	contact(t, svc, x.ID, crm.ChannelEmail, at(7, 2, 10))
	events := []crm.FollowUpEvent{{Customer: x.ID, Kind: "order", Ref: "SO-1", At: at(7, 1, 15)},
		{Customer: y.ID, Kind: "order", Ref: "SO-2", At: at(7, 1, 15)},
		{Customer: z.ID, Kind: "complaint_closed", Ref: "case-9", At: at(7, 8, 12)},
		{Customer: y.ID, Kind: "order", Ref: "SO-3", At: at(7, 11, 9)}, // after asOf: not seen
		{Customer: y.ID, Kind: "refund", Ref: "RF-1", At: at(7, 1, 9)}} // no follow-up for it
	contact(t, svc, y.ID, crm.ChannelPhone, at(7, 3, 10))
	due, err = svc.DueContacts(ctx, plan, clock.Now(), &crm.DueOptions{Events: slices.Values(events)})
	require.NoError(t, err)
	var fu []string
	for _, d := range due.Contacts {
		if d.Kind == crm.DueFollowUp {
			fu = append(fu, d.Name+" "+d.Ref+" "+d.DueOn.String())
		}
	}
	assert.Equal(t, []string{"X SO-1 2024-07-04"}, fu, "Y's call on July 3 followed up SO-2; Z's complaint is due July 15")

	_, err = svc.DueContacts(ctx, plan, clock.Now(), &crm.DueOptions{Events: slices.Values([]crm.FollowUpEvent{{Kind: "order"}})})
	assertRule(t, err, "events[0].customer", "required")
	_, err = svc.DueContacts(ctx, nil, time.Time{}, nil)
	assertRule(t, err, "plan", "required")
	assertRule(t, err, "as_of", "required")
}

func TestDueContactsConsentAndQuietHours(t *testing.T) {
	svc, clock := desk(t)
	ctx := t.Context()
	plan := mustPlan(t, `{"id": "newsletter", "time_zone": "Asia/Shanghai",
	  "cadences": [{"name": "offers", "every_months": 1, "purpose": "marketing", "channels": ["email", "sms"]}],
	  "quiet_hours": {"from": "21:00", "to": "09:00"}}`)
	optedIn := customerOf(t, svc, "opted in", "", crm.StageActive, func(p *crm.Profile) {
		p.Emails = []crm.Email{{Address: "in@example.com"}}
		p.Preferences.TimeZone = "America/New_York"
	})
	_, err := svc.RecordConsent(ctx, optedIn.ID, crm.ConsentInput{Channel: crm.ConsentEmail, Purpose: crm.PurposeMarketing, Granted: true, Source: "web-form"}, nil)
	require.NoError(t, err)
	smsOnly := customerOf(t, svc, "sms only", "", crm.StageActive, nil)
	_, err = svc.RecordConsent(ctx, smsOnly.ID, crm.ConsentInput{Channel: crm.ConsentSMS, Purpose: crm.PurposeMarketing, Granted: true, Source: "store:042"}, nil)
	require.NoError(t, err)
	customerOf(t, svc, "never asked", "", crm.StageActive, nil)

	// 2024-02-02 11:00 in Shanghai is 22:00 on February 1 in New York: quiet there.
	sh := clock.Now().Location()
	clock.Set(time.Date(2024, 2, 2, 11, 0, 0, 0, sh))
	due, err := svc.DueContacts(ctx, plan, clock.Now(), nil)
	require.NoError(t, err)
	require.Len(t, due.Contacts, 2)
	got := map[string]crm.DueContact{}
	for _, d := range due.Contacts {
		got[d.Name] = d
	}
	assert.Equal(t, crm.ChannelEmail, got["opted in"].Channel)
	assert.Equal(t, crm.ChannelSMS, got["sms only"].Channel, "the first channel the customer agreed to")
	ny, _ := time.LoadLocation("America/New_York")
	assert.True(t, time.Date(2024, 2, 2, 9, 0, 0, 0, ny).Equal(got["opted in"].ContactFrom), "%s", got["opted in"].ContactFrom.In(ny))
	assert.True(t, clock.Now().Equal(got["sms only"].ContactFrom), "11:00 in Shanghai is not quiet")
	assert.Equal(t, "America/New_York", got["opted in"].TimeZone)
	assert.Equal(t, kehu.MustDate(2024, 1, 31), got["opted in"].DueOn, "joined on December 31 in New York's calendar")
	require.Len(t, due.Unreachable, 1, "no consent on any listed channel: never scheduled")
	assert.Equal(t, "never asked", due.Unreachable[0].Name)
	assert.Empty(t, due.Unreachable[0].Channel)
}

// TestContactPlanYear replays a year day by day on a fake clock, from the day three
// customers joined (2024-01-01) to the same day a year on: each morning the desk calls
// whoever is due. The A customer is called 12 times (February 1 to January 1), the B
// customer 4 (April, July, October, January) and the C customer 2 (July, January), each
// on the day they fall due.
func TestContactPlanYear(t *testing.T) {
	svc, clock := desk(t)
	ctx := t.Context()
	plan := mustPlan(t, accountCare)
	var ids []crm.CustomerID
	for _, class := range []string{"A", "B", "C"} {
		ids = append(ids, customerOf(t, svc, "class "+class, class, crm.StageActive, nil).ID)
	}
	calls := map[string]int{}
	start := clock.Now()
	for d := range 367 {
		clock.Set(start.AddDate(0, 0, d))
		now := clock.Now()
		due, err := svc.DueContacts(ctx, plan, now, nil)
		require.NoError(t, err)
		for _, c := range due.Contacts {
			require.Zero(t, c.DaysOverdue, "%s on %s: called on the day it falls due", c.Name, now)
			contact(t, svc, c.Customer, c.Channel, now)
			calls[c.Name]++
		}
	}
	assert.Equal(t, map[string]int{"class A": 12, "class B": 4, "class C": 2}, calls)
	_ = ids
}

func TestCompileContactPlanErrors(t *testing.T) {
	for _, tt := range []struct {
		name, json, field, rule string
	}{
		{"no id", `{"time_zone": "UTC", "cadences": [{"name": "x", "every_days": 1}]}`, "id", "required"},
		{"no zone", `{"id": "p", "cadences": [{"name": "x", "every_days": 1}]}`, "time_zone", "required"},
		{"bad zone", `{"id": "p", "time_zone": "Mars/Olympus", "cadences": [{"name": "x", "every_days": 1}]}`, "time_zone", "unknown_zone"},
		{"nothing planned", `{"id": "p", "time_zone": "UTC"}`, "cadences", "required"},
		{"no name", `{"id": "p", "time_zone": "UTC", "cadences": [{"every_days": 1}]}`, "cadences[0].name", "required"},
		{"same name", `{"id": "p", "time_zone": "UTC", "cadences": [{"name": "x", "every_days": 1}], "follow_ups": [{"name": "x", "after": "order", "days": 1}]}`, "follow_ups[0].name", "duplicate"},
		{"both intervals", `{"id": "p", "time_zone": "UTC", "cadences": [{"name": "x", "every_days": 1, "every_months": 1}]}`, "cadences[0].every_days", "exclusive"},
		{"no interval", `{"id": "p", "time_zone": "UTC", "cadences": [{"name": "x"}]}`, "cadences[0]", "required"},
		{"long interval", `{"id": "p", "time_zone": "UTC", "cadences": [{"name": "x", "every_months": 121}]}`, "cadences[0].every_months", "range"},
		{"classes without attribute", `{"id": "p", "time_zone": "UTC", "cadences": [{"name": "x", "classes": ["A"], "every_days": 1}]}`, "cadences[0].classes", "conflict"},
		{"no event", `{"id": "p", "time_zone": "UTC", "follow_ups": [{"name": "x", "days": 1}]}`, "follow_ups[0].after", "required"},
		{"negative days", `{"id": "p", "time_zone": "UTC", "follow_ups": [{"name": "x", "after": "order", "days": -1}]}`, "follow_ups[0].days", "range"},
		{"bad quiet hours", `{"id": "p", "time_zone": "UTC", "cadences": [{"name": "x", "every_days": 1}], "quiet_hours": {"from": "9pm", "to": "09:00"}}`, "quiet_hours.from", "format"},
		{"empty quiet hours", `{"id": "p", "time_zone": "UTC", "cadences": [{"name": "x", "every_days": 1}], "quiet_hours": {"from": "09:00", "to": "09:00"}}`, "quiet_hours", "empty"},
		{"unknown field", `{"id": "p", "time_zone": "UTC", "cadence": []}`, "cadence", "unknown_field"},
		{"misspelt interval", `{"id": "p", "time_zone": "UTC", "cadences": [{"name": "x", "every_day": 1}]}`, "cadences[0].every_day", "unknown_field"},
		{"unknown channel", `{"id": "p", "time_zone": "UTC", "cadences": [{"name": "x", "every_days": 1}], "follow_ups": [{"name": "y", "after": "order", "days": 1}, {"name": "z", "after": "order", "days": 1, "channels": ["phone", "fax"]}]}`, "follow_ups[1].channels[1]", "enum"},
		{"unknown purpose", `{"id": "p", "time_zone": "UTC", "cadences": [{"name": "x", "every_days": 1, "purpose": "sales"}]}`, "cadences[0].purpose", "enum"},
		{"number for a time", `{"id": "p", "time_zone": "UTC", "cadences": [{"name": "x", "every_days": 1}], "quiet_hours": {"from": 21, "to": "09:00"}}`, "quiet_hours.from", "type"},
		{"trailing data", `{"id": "p", "time_zone": "UTC", "cadences": [{"name": "x", "every_days": 1}]} {}`, "plan", "syntax"},
		{"empty", ` `, "plan", "required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := crm.LoadContactPlan(strings.NewReader(tt.json))
			assertRule(t, err, tt.field, tt.rule)
		})
	}
	// enum values in Go specs are checked at compile, by path; in JSON they fail to decode,
	// named by the same path
	for _, tt := range []struct {
		spec        crm.CadenceSpec
		field, rule string
	}{
		{crm.CadenceSpec{Name: "x", EveryDays: 1, Stages: []crm.Stage{"vip"}}, "cadences[0].stages[0]", "enum"},
		{crm.CadenceSpec{Name: "x", EveryDays: 1, ContactRule: crm.ContactRule{Channels: []crm.Channel{"fax"}}}, "cadences[0].channels[0]", "enum"},
		{crm.CadenceSpec{Name: "x", EveryDays: 1, ContactRule: crm.ContactRule{Purpose: "sales"}}, "cadences[0].purpose", "enum"},
	} {
		_, err := crm.CompileContactPlan(crm.ContactPlanSpec{ID: "p", TimeZone: "UTC", Cadences: []crm.CadenceSpec{tt.spec}})
		assertRule(t, err, tt.field, tt.rule)
	}
	_, err := crm.LoadContactPlan(strings.NewReader(`{"id": "p", "time_zone": "UTC", "cadences": [{"name": "x", "stages": ["vip"], "every_days": 1}]}`))
	assertRule(t, err, "cadences[0].stages[0]", "enum")

	p := mustPlan(t, accountCare)
	spec := p.Spec()
	spec.Cadences[0].Classes[0] = "Z"
	assert.Equal(t, "A", p.Spec().Cadences[0].Classes[0], "the plan keeps its own copy")
	data, err := p.MarshalJSON()
	require.NoError(t, err)
	again, err := crm.LoadContactPlan(strings.NewReader(string(data)))
	require.NoError(t, err)
	assert.Equal(t, p.Spec(), again.Spec())
}

// assertRule asserts that err is a *kehu.ValidationError naming the field and rule.
func assertRule(t *testing.T, err error, field, rule string) {
	t.Helper()
	var verr *kehu.ValidationError
	if assert.ErrorAs(t, err, &verr) {
		assert.True(t, verr.Has(field, rule), "want %s (%s) in %v", field, rule, err)
	}
}

// TestContactFromAcrossClockChanges: ContactFrom is the first instant outside the quiet
// hours on the customer's wall clock. In New York the clocks jump from 02:00 to 03:00 on
// 2024-03-10, so quiet hours that end at 02:30 end that night when the clock reads 03:00
// EDT (07:00 UTC): at 03:00 it already reads past 02:30, and 03:30 EDT would keep the
// customer waiting half an hour more. On 2024-11-03 01:30 happens twice; the quiet hours
// end the first time (05:30 UTC), or, for a customer already in the second pass of the
// hour, the second time (06:30 UTC).
func TestContactFromAcrossClockChanges(t *testing.T) {
	svc, clock := desk(t)
	plan := mustPlan(t, `{"id": "night", "time_zone": "America/New_York",
	  "cadences": [{"name": "daily", "every_days": 1}],
	  "quiet_hours": {"from": "22:00", "to": "02:30"}}`)
	early := mustPlan(t, `{"id": "night", "time_zone": "America/New_York",
	  "cadences": [{"name": "daily", "every_days": 1}],
	  "quiet_hours": {"from": "22:00", "to": "01:30"}}`)
	customerOf(t, svc, "Jones", "", crm.StageActive, func(p *crm.Profile) { p.Preferences.TimeZone = "America/New_York" })
	for _, tc := range []struct {
		name       string
		plan       *crm.ContactPlan
		asOf, from time.Time
	}{
		{"quiet hours ending in the skipped hour", plan,
			time.Date(2024, 3, 10, 6, 45, 0, 0, time.UTC), time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC)}, // 01:45 EST → 03:00 EDT
		{"the evening before", plan,
			time.Date(2024, 3, 10, 4, 0, 0, 0, time.UTC), time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC)}, // 23:00 EST → 03:00 EDT
		{"after the jump", plan,
			time.Date(2024, 3, 10, 7, 10, 0, 0, time.UTC), time.Date(2024, 3, 10, 7, 10, 0, 0, time.UTC)}, // 03:10 EDT: not quiet
		{"a time that happens twice", early,
			time.Date(2024, 11, 3, 4, 45, 0, 0, time.UTC), time.Date(2024, 11, 3, 5, 30, 0, 0, time.UTC)}, // 00:45 EDT → 01:30 EDT
		{"in the second pass of a time that happens twice", early,
			time.Date(2024, 11, 3, 6, 15, 0, 0, time.UTC), time.Date(2024, 11, 3, 6, 30, 0, 0, time.UTC)}, // 01:15 EST → 01:30 EST, never before asOf
		{"an ordinary night", plan,
			time.Date(2024, 3, 12, 5, 0, 0, 0, time.UTC), time.Date(2024, 3, 12, 6, 30, 0, 0, time.UTC)}, // 01:00 EDT → 02:30 EDT
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock.Set(tc.asOf)
			due, err := svc.DueContacts(t.Context(), tc.plan, tc.asOf, nil)
			require.NoError(t, err)
			require.Len(t, due.Contacts, 1)
			assert.Equal(t, tc.from, due.Contacts[0].ContactFrom, "contact from %s", due.Contacts[0].ContactFrom)
		})
	}
}
