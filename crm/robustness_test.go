package crm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
)

// These tests play a host that forwards whatever a client app sends to the crm API: zero
// values, nil pointers, slices and maps, extreme numbers and instants, text that is not
// UTF-8, IDs that do not exist, cursors from elsewhere, and commands on merged or erased
// customers. Every call must answer with a result or an error, never a panic.

var (
	robustStart   = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	robustStrings = []string{"", " ", "\t", "\xff\xfe", strings.Repeat("王", 5_000), "a\x00b", "+86 138 0013 8000",
		"x@example.com", "kehu:key", "\"", "(", "*", "%", `\`}
	robustTimes = []time.Time{{}, robustStart.AddDate(-100, 0, 0), robustStart.Add(-time.Microsecond), robustStart,
		robustStart.AddDate(0, 6, 0), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(200000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(math.MaxInt64/2, 0), time.Unix(math.MinInt64/2, 0)}
	robustDates = []kehu.Date{{}, kehu.MustDate(2026, 3, 2), kehu.MustDate(2024, 2, 29), {Year: 2023, Month: 2, Day: 30},
		kehu.MustDate(1, 1, 1), kehu.MustDate(9999, 12, 31), {Year: math.MaxInt, Month: 12, Day: 31},
		{Year: math.MinInt, Month: 1, Day: 1}, {Year: 2026, Month: 13, Day: 1}, {Year: -3, Month: 2, Day: 29}}
	robustInts = []int{0, -1, 1, math.MaxInt, math.MinInt}
)

type robustFixture struct {
	ctx      context.Context
	svc      *crm.Service
	clock    *kehu.Clock
	live     crm.CustomerID
	merged   crm.CustomerID
	erased   crm.CustomerID
	interact crm.InteractionID
}

func newRobustFixture(t *testing.T) *robustFixture {
	t.Helper()
	opts, clock, _ := kehu.Deterministic(robustStart)
	f := &robustFixture{ctx: kehu.WithActor(context.Background(), "robust"), svc: crm.NewService(nil, opts), clock: clock}
	add := func(name string) crm.CustomerID {
		c, err := f.svc.CreateCustomer(f.ctx, crm.Profile{Name: crm.Name{Display: name}, Emails: []crm.Email{{Address: name + "@example.com"}},
			Phones:       []crm.Phone{{Number: "138 0013 8000"}},
			Demographics: crm.Demographics{BirthDate: kehu.MustDate(1980, 2, 29)},
			Attributes:   map[string]crm.AttrValue{"class": crm.StringAttr("A"), "since": crm.DateAttr(kehu.MustDate(2020, 1, 1))}},
			&crm.CreateOptions{Stage: crm.StageActive})
		require.NoError(t, err)
		return c.ID
	}
	f.live, f.merged, f.erased = add("ann"), add("bob"), add("cat")
	clock.Advance(time.Hour)
	_, err := f.svc.Merge(f.ctx, f.live, f.merged, nil)
	require.NoError(t, err)
	require.NoError(t, f.svc.Erase(f.ctx, f.erased, "asked to be forgotten"))
	in, err := f.svc.RecordInteraction(f.ctx, crm.InteractionInput{CustomerID: f.live, Channel: crm.ChannelPhone,
		Direction: crm.Inbound, Subject: "kettle", ReplyBy: clock.Now().Add(time.Hour)})
	require.NoError(t, err)
	f.interact = in.ID
	return f
}

// TestServiceHostileInput calls every Service method with the inputs a careless or
// hostile client could send, on live, merged, erased and unknown customers.
func TestServiceHostileInput(t *testing.T) {
	t.Parallel()
	f := newRobustFixture(t)
	ctx, svc := f.ctx, f.svc
	ids := []crm.CustomerID{{}, f.live, f.merged, f.erased, crm.CustomerIDFrom([16]byte{0xee})}
	for _, id := range ids {
		suite.NoPanic(t, "reads", func() {
			_, _ = svc.GetCustomer(ctx, id)
			_, _ = svc.ResolveCustomer(ctx, id)
			_, _ = svc.FindDuplicates(ctx, id)
			_, _ = svc.Export(ctx, id)
			for _, n := range robustInts {
				for _, after := range append(robustStrings, "0", "-1", "99999999999999999999") {
					_, _ = svc.History(ctx, id, kehu.PageRequest{Limit: n, After: after})
					_, _ = svc.Timeline(ctx, id, time.Time{}, time.Time{}, kehu.PageRequest{Limit: n, After: after})
				}
			}
			for _, from := range robustTimes {
				for _, to := range robustTimes {
					_, _ = svc.Timeline(ctx, id, from, to, kehu.PageRequest{})
				}
			}
		})
		suite.NoPanic(t, "writes", func() {
			for _, st := range []crm.Stage{"", crm.StageActive, crm.StageTerminated, "nope"} {
				_, _ = svc.ChangeStage(ctx, id, st, nil)
				_, _ = svc.ChangeStage(ctx, id, st, &crm.UpdateOptions{IfVersion: -1, Key: "\xff"})
			}
			_, _ = svc.UpdateCustomer(ctx, id, nil, nil)
			_, _ = svc.UpdateCustomer(ctx, id, func(p *crm.Profile) error {
				p.Emails = append(p.Emails, crm.Email{})
				p.Attributes = nil
				p.Tags = []string{"", " ", "\xff"}
				return nil
			}, &crm.UpdateOptions{IfVersion: math.MaxInt64})
			_, _ = svc.UpdateCustomer(ctx, id, func(p *crm.Profile) error { *p = crm.Profile{}; return nil }, nil)
			for _, other := range ids {
				_, _ = svc.Merge(ctx, id, other, nil)
			}
			for _, at := range robustTimes {
				_, _ = svc.RecordConsent(ctx, id, crm.ConsentInput{Channel: crm.ConsentSMS, Purpose: crm.PurposeMarketing, Granted: true,
					Source: "x", At: at}, nil)
				_, _ = svc.RecordInteraction(ctx, crm.InteractionInput{CustomerID: id, Channel: crm.ChannelPhone, Direction: crm.Inbound,
					Subject: "s", At: at, ReplyBy: at.Add(time.Hour)})
				_, _ = svc.RecordInteraction(ctx, crm.InteractionInput{CustomerID: id, Channel: crm.ChannelEmail, Direction: crm.Outbound,
					Purpose: crm.PurposeMarketing, Subject: "s", At: at, ReplyBy: robustTimes[0]})
			}
			_, _ = svc.RecordConsent(ctx, id, crm.ConsentInput{}, nil)
			_, _ = svc.RecordInteraction(ctx, crm.InteractionInput{CustomerID: id})
			_ = svc.Erase(ctx, id, "")
			_ = svc.Erase(ctx, id, strings.Repeat("x", 100_000))
		})
	}
	for _, s := range robustStrings {
		suite.NoPanic(t, "finders "+clipName(s), func() {
			_, _ = svc.FindByEmail(ctx, s)
			_, _ = svc.FindByPhone(ctx, s)
			_, _ = svc.InRegion(s).FindByPhone(ctx, "138 0013 8000")
			_, _ = svc.Search(ctx, crm.Query{Keyword: s, Tags: []string{s}, Owner: s, Stages: []crm.Stage{crm.Stage(s)},
				PageRequest: kehu.PageRequest{After: s}})
			_, _ = svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: s, Family: s, Given: s, Phonetic: s}, Company: s,
				Emails: []crm.Email{{Address: s}}, Phones: []crm.Phone{{Number: s}}, Addresses: []crm.Address{{Street: s, Country: s}},
				Tags: []string{s}, Interests: []string{s}, Owner: s, Attributes: map[string]crm.AttrValue{s: crm.StringAttr(s)}},
				&crm.CreateOptions{Key: s, Stage: crm.Stage(s), Reason: s})
		})
	}
	for _, id := range []crm.InteractionID{{}, f.interact, crm.InteractionIDFrom([16]byte{0xee})} {
		for _, at := range robustTimes {
			suite.NoPanic(t, "RecordReply", func() { _, _ = svc.RecordReply(ctx, id, at, "done") })
		}
	}
	for _, n := range robustInts {
		suite.NoPanic(t, "OverdueReplies", func() { _, _ = svc.OverdueReplies(ctx, kehu.PageRequest{Limit: n, After: "\xff"}) })
	}
}

// TestCalendarsHostileInput asks the care calendar, the contact plan and the services
// over them about hostile dates, instants and customers.
func TestCalendarsHostileInput(t *testing.T) {
	t.Parallel()
	f := newRobustFixture(t)
	ctx, svc := f.ctx, f.svc
	care, err := crm.CompileCare(crm.CareSpec{TimeZone: "Asia/Shanghai", ClassAttribute: "class", SinceAttribute: "since",
		PrepareOnWorkdays: true,
		Holidays:          []crm.Holiday{{Code: "xmas", Name: "Christmas", Annual: "12-25"}, {Code: "cny", Name: "CNY", Dates: []kehu.Date{kehu.MustDate(2026, 2, 17)}}},
		Playbook: []crm.CareRule{{ID: "bday", Occasion: crm.CareBirthday, Action: crm.CareGreeting, LeadDays: 3,
			Channels: []crm.Channel{crm.ChannelEmail}, Style: crm.CareStyle{Default: "{name}"}},
			{ID: "hol", Occasion: crm.CareHoliday, Action: crm.CareGreeting, Channels: []crm.Channel{crm.ChannelEmail},
				Style: crm.CareStyle{Default: "{holiday}"}}}})
	require.NoError(t, err)
	cust, err := svc.GetCustomer(ctx, f.live)
	require.NoError(t, err)
	customers := []*crm.Customer{nil, {}, cust}
	for _, from := range robustDates {
		for _, to := range robustDates {
			suite.NoPanic(t, "Upcoming "+from.String()+".."+to.String(), func() {
				_, _ = svc.Upcoming(ctx, care, from, to, nil)
				_, _ = svc.Upcoming(ctx, nil, from, to, &crm.UpcomingOptions{Owner: "\xff"})
			})
			for _, c := range customers {
				suite.NoPanic(t, "Occasions", func() { _, _ = care.Occasions(c, from, to) })
			}
		}
		for _, year := range robustInts {
			for _, l := range []crm.LeapDay{"", crm.LeapDayFeb28, "nope"} {
				suite.NoPanic(t, "LeapDay.In", func() { _ = l.In(from, year) })
			}
		}
	}
	for _, c := range customers {
		suite.NoPanic(t, "Since", func() { _, _ = care.Since(c) })
	}
	for _, tm := range robustTimes {
		suite.NoPanic(t, "Care.DateOf", func() { _ = care.DateOf(tm) })
	}
	plan, err := crm.LoadContactPlan(strings.NewReader(`{"id": "am", "time_zone": "Asia/Shanghai", "class_attribute": "class",
	  "cadences": [{"name": "A", "classes": ["A"], "every_months": 1, "channels": ["visit", "phone"]}],
	  "follow_ups": [{"name": "after", "after": "order", "days": 3, "channels": ["phone"]}],
	  "quiet_hours": {"from": "21:00", "to": "08:00"}}`))
	require.NoError(t, err)
	events := func(at time.Time) crm.DueOptions {
		return crm.DueOptions{Events: slices.Values([]crm.FollowUpEvent{{}, {Customer: f.live, Kind: "order", Ref: "SO", At: at},
			{Customer: f.merged, Kind: "order", At: at}, {Customer: f.erased, Kind: "nope", At: at}})}
	}
	for _, asOf := range robustTimes {
		for _, at := range robustTimes {
			suite.NoPanic(t, "DueContacts", func() {
				opts := events(at)
				_, _ = svc.DueContacts(ctx, plan, asOf, &opts)
			})
		}
		suite.NoPanic(t, "DueContacts without plan", func() {
			_, _ = svc.DueContacts(ctx, nil, asOf, nil)
			_, _ = svc.DueContacts(ctx, plan, asOf, &crm.DueOptions{})
		})
	}
}

// TestScorecardHostileInput computes scorecards over hostile periods, instants and facts.
func TestScorecardHostileInput(t *testing.T) {
	t.Parallel()
	def, err := crm.LoadScorecard(strings.NewReader(`{"currency": "CNY", "time_zone": "Asia/Shanghai",
		"targets": {"satisfaction_rate": {"at_least": "90%"}, "nps": {"at_least": 30}}}`))
	require.NoError(t, err)
	id := crm.CustomerIDFrom([16]byte{1})
	var facts []crm.CustomerFact
	var orders []crm.OrderFact
	var complaints []crm.ComplaintFact
	for _, tm := range robustTimes {
		facts = append(facts, crm.CustomerFact{ID: id, FirstSeen: tm}, crm.CustomerFact{FirstSeen: tm})
		orders = append(orders, crm.OrderFact{CustomerID: id, At: tm, Amount: kehu.MustMoney("1e29", "CNY")},
			crm.OrderFact{At: tm}, crm.OrderFact{CustomerID: id, At: tm, Amount: kehu.MustMoney("-1e29", "USD")})
		for _, due := range robustTimes {
			complaints = append(complaints, crm.ComplaintFact{ReceivedAt: tm, DueAt: due, HandledAt: due})
		}
	}
	data := &crm.ScorecardData{Customers: facts, Orders: orders, Complaints: complaints,
		Surveys: []crm.SurveyFact{{}, {Measure: crm.MeasureNPS, Score: math.MaxInt, At: robustStart}, {Measure: "nope"}}}
	periods := []crm.Period{{}, crm.Month(2026, 3), crm.Month(9999, 12), crm.Month(1, 1), crm.Month(2026, 0), crm.Month(2026, 13),
		crm.Month(math.MaxInt, 1), crm.Month(math.MinInt, 1), {From: kehu.MustDate(2026, 3, 2), To: kehu.MustDate(2026, 3, 1)},
		{From: kehu.MustDate(2, 1, 1), To: kehu.MustDate(9998, 12, 31)}, {From: kehu.MustDate(2026, 3, 2), To: kehu.MustDate(2026, 3, 3)}}
	for _, p := range periods {
		suite.NoPanic(t, "Period "+p.String(), func() {
			_ = p.String()
			_ = p.Previous()
			_ = p.Previous().Previous()
		})
		for _, asOf := range robustTimes {
			suite.NoPanic(t, "Compute "+p.String(), func() {
				in := data.Input(p)
				in.AsOf = asOf
				_, _ = def.Compute(context.Background(), in)
				in.Previous = periods[len(periods)-1]
				_, _ = def.Compute(context.Background(), in)
			})
		}
		suite.NoPanic(t, "Compute half filled", func() {
			_, _ = def.Compute(context.Background(), crm.ScorecardInput{Period: p})
			_, _ = def.Compute(context.Background(), crm.ScorecardInput{Period: p, Customers: &crm.ScorecardData{}})
			_, _ = def.Compute(context.Background(), crm.ScorecardInput{Period: p, Customers: crm.StoreFacts{}})
		})
	}
	for _, c := range complaints {
		for _, asOf := range robustTimes {
			suite.NoPanic(t, "ComplaintFact.Outcome", func() { _ = c.Outcome(asOf) })
		}
	}
}

// TestValuesHostileInput calls the value types' methods and the package's functions with
// hostile values.
func TestValuesHostileInput(t *testing.T) {
	t.Parallel()
	nums := []int64{0, 1, -1, math.MaxInt64, math.MinInt64}
	decs := []decimal.Decimal{{}, decimal.New(1, 40), decimal.New(1, -40), decimal.New(-3, 0)}
	var ratios []crm.Ratio
	ratios = append(ratios, crm.Ratio{}, crm.Ratio{Num: decs[1], Den: decs[2]}, crm.Ratio{Num: decs[2], Den: decs[1]})
	for _, n := range nums {
		for _, d := range nums {
			ratios = append(ratios, crm.NewRatio(n, d))
		}
	}
	for _, r := range ratios {
		suite.NoPanic(t, "Ratio "+r.String(), func() {
			_ = r.Defined()
			_ = r.String()
			for _, k := range nums {
				_ = r.Scale(k)
			}
			for _, o := range ratios {
				_ = r.Sub(o)
			}
			for _, d := range decs {
				_, _ = r.Cmp(d)
			}
		})
		for _, places := range []int32{0, 2, -2, 40, -40, math.MaxInt32, math.MinInt32} {
			for _, mode := range []kehu.RoundingMode{kehu.HalfUp, kehu.HalfEven, kehu.HalfDown, kehu.Down, kehu.Up, kehu.Floor, kehu.Ceiling, 99} {
				suite.NoPanic(t, "Ratio.Round "+r.String(), func() { _, _ = r.Round(places, mode) })
			}
		}
	}
	for _, s := range robustStrings {
		suite.NoPanic(t, "functions "+clipName(s), func() {
			_, _ = crm.NormalizeEmail(s)
			_, _ = crm.NormalizePhone(s, s)
			_, _ = crm.NormalizePhone(s, "CN")
			_, _ = crm.ParseKeyword(s)
			_ = crm.MatchTerms(s, []string{s, ""})
			_ = crm.MatchTerms(s, nil)
			_ = crm.NameKey(crm.Name{Display: s, Family: s, Given: s})
			_ = crm.NameKeys(crm.Name{Display: s, Phonetic: s})
			_, _, _, _ = crm.KPIDefinition(crm.KPIName(s))
			p := crm.Profile{Name: crm.Name{Display: s}, Emails: []crm.Email{{Address: s}}, Phones: []crm.Phone{{Number: s}}}
			_ = p.Normalize(s)
			var v crm.AttrValue
			_ = v.UnmarshalJSON([]byte(s))
			_, _ = crm.LoadCare(strings.NewReader(s))
			_, _ = crm.LoadContactPlan(strings.NewReader(s))
			_, _ = crm.LoadScorecard(strings.NewReader(s))
		})
	}
	var (
		c  crm.Customer
		in crm.Interaction
		k  crm.KPI
		sc crm.Scorecard
		ch crm.Change
	)
	for name, call := range map[string]func(){
		"Diff(nil, nil)":            func() { _ = crm.Diff(nil, nil) },
		"Diff(c, nil)":              func() { _ = crm.Diff(&crm.Customer{}, nil) },
		"Diff(nil, c)":              func() { _ = crm.Diff(nil, &crm.Customer{}) },
		"SearchText(nil)":           func() { _ = crm.SearchText(nil) },
		"SearchText(zero)":          func() { _ = crm.SearchText(&crm.Customer{}) },
		"CustomerFactOf(nil)":       func() { _, _ = crm.CustomerFactOf(nil) },
		"InteractionFactOf(nil)":    func() { _ = crm.InteractionFactOf(nil) },
		"OrderFactOf(zero)":         func() { _, _ = crm.OrderFactOf(kehu.Order{}) },
		"CompileCare(zero)":         func() { _, _ = crm.CompileCare(crm.CareSpec{}) },
		"CompileContactPlan(zero)":  func() { _, _ = crm.CompileContactPlan(crm.ContactPlanSpec{}) },
		"CompileScorecard(zero)":    func() { _, _ = crm.CompileScorecard(crm.ScorecardSpec{}) },
		"Customer.PrimaryEmail":     func() { _ = c.PrimaryEmail() },
		"Customer.PrimaryPhone":     func() { _ = c.PrimaryPhone() },
		"Customer.IsTombstone":      func() { _ = c.IsTombstone() },
		"Customer.MayContact":       func() { _ = c.MayContact("", "") },
		"Customer.Consent":          func() { _, _ = c.Consent("", "") },
		"Customer.Clone":            func() { _ = c.Clone() },
		"Interaction.AwaitingReply": func() { _ = in.AwaitingReply() },
		"Interaction.Overdue":       func() { _ = in.Overdue(time.Time{}) },
		"Interaction.Clone":         func() { _ = in.Clone() },
		"KPI.String":                func() { _ = k.String() },
		"KPI.ChangeString":          func() { _ = k.ChangeString() },
		"KPI.PreviousString":        func() { _ = k.PreviousString() },
		"KPI.TargetString":          func() { _ = k.TargetString() },
		"KPI.HasValue":              func() { _ = k.HasValue() },
		"KPI.Round":                 func() { _, _ = k.Round() },
		"Scorecard.String":          func() { _ = sc.String() },
		"Scorecard.KPI":             func() { _, _ = sc.KPI("") },
		"Change.Field":              func() { _, _ = ch.Field("") },
	} {
		suite.NoPanic(t, name, call)
	}
	for _, v := range []crm.AttrValue{{}, crm.NumberAttr(decimal.New(1, 40)), crm.MoneyAttr(kehu.Money{}),
		crm.DateAttr(kehu.Date{Year: -1, Month: 13, Day: 40}), crm.StringAttr("\xff")} {
		suite.NoPanic(t, "AttrValue", func() {
			_ = v.String()
			_, _ = v.MarshalJSON()
			_ = v.Equal(crm.AttrValue{})
		})
	}
}

func clipName(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}

// oddSignals answers every customer with the same value and number of complaints.
type oddSignals struct {
	value      float64
	complaints int
}

func (s oddSignals) Value(crm.CustomerID) float64      { return s.value }
func (s oddSignals) OpenComplaints(crm.CustomerID) int { return s.complaints }

// oddRewards answers every birthday with the same reward, or error.
type oddRewards struct {
	reward string
	err    error
}

func (r oddRewards) BirthdayReward(context.Context, crm.CustomerID, kehu.Date) (string, error) {
	return r.reward, r.err
}

// TestHostSourcesHostileAnswers plans contacts and care with the host's sources answering
// NaN, infinities, negative or huge counts, text that is not UTF-8, and errors.
func TestHostSourcesHostileAnswers(t *testing.T) {
	t.Parallel()
	f := newRobustFixture(t)
	plan, err := crm.LoadContactPlan(strings.NewReader(`{"id": "am", "time_zone": "Asia/Shanghai", "class_attribute": "class",
	  "cadences": [{"name": "A", "classes": ["A"], "every_months": 1, "channels": ["visit", "phone"]}]}`))
	require.NoError(t, err)
	care, err := crm.CompileCare(crm.CareSpec{TimeZone: "Asia/Shanghai", Playbook: []crm.CareRule{{ID: "bday", Occasion: crm.CareBirthday,
		Action: crm.CareCoupon, Reward: true, Channels: []crm.Channel{crm.ChannelEmail}, Style: crm.CareStyle{Default: "{name} {detail}"}}}})
	require.NoError(t, err)
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1, math.MaxFloat64} {
		for _, n := range robustInts {
			suite.NoPanic(t, "DueContacts with odd signals", func() {
				_, _ = f.svc.DueContacts(f.ctx, plan, robustStart.AddDate(1, 0, 0), &crm.DueOptions{Signals: oddSignals{v, n}})
			})
		}
	}
	for _, r := range []oddRewards{{}, {reward: "\xff"}, {reward: strings.Repeat("x", 1<<20)}, {err: context.Canceled}} {
		suite.NoPanic(t, "Upcoming with odd rewards", func() {
			_, _ = f.svc.Upcoming(f.ctx, care, kehu.MustDate(2026, 1, 1), kehu.MustDate(2026, 12, 31), &crm.UpcomingOptions{Rewards: r})
		})
	}
}

// FuzzLoadContactPlan checks that any text read as a contact plan is either refused with a
// *kehu.ValidationError or gives a plan that plans contacts and loads back from its JSON.
func FuzzLoadContactPlan(f *testing.F) {
	for _, s := range []string{
		`{"id": "am", "time_zone": "Asia/Shanghai", "class_attribute": "class",
		  "cadences": [{"name": "A", "classes": ["A"], "every_months": 1, "channels": ["visit", "phone"]}],
		  "follow_ups": [{"name": "after", "after": "order", "days": 3, "channels": ["phone"]}],
		  "quiet_hours": {"from": "21:00", "to": "08:00"}}`,
		`{"id": "p", "time_zone": "UTC", "cadences": [{"name": "x", "stages": ["active"], "every_days": 1}]}`,
		`{"id": "p", "time_zone": "Local", "cadences": []}`, `{}`, `null`, `[]`, ``,
		`{"id": "p", "time_zone": "UTC", "cadences": [{"name": "x", "every_days": -1, "every_months": 99999999999}]}`,
	} {
		f.Add(s)
	}
	opts, _, _ := kehu.Deterministic(robustStart)
	svc := crm.NewService(nil, opts)
	ctx := context.Background()
	for _, class := range []string{"A", "B"} {
		_, err := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: class}, Attributes: map[string]crm.AttrValue{"class": crm.StringAttr(class)}},
			&crm.CreateOptions{Stage: crm.StageActive})
		require.NoError(f, err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		plan, err := crm.LoadContactPlan(strings.NewReader(s))
		if err != nil {
			var verr *kehu.ValidationError
			if !errors.As(err, &verr) || len(verr.Fields) == 0 {
				t.Fatalf("%q: %v is not a validation error", s, err)
			}
			return
		}
		if _, err := svc.DueContacts(ctx, plan, robustStart.AddDate(1, 0, 0), nil); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		b, err := json.Marshal(plan)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := crm.LoadContactPlan(bytes.NewReader(b)); err != nil {
			t.Fatalf("%s does not load again: %v", b, err)
		}
	})
}

// FuzzAttrValueJSON checks that any JSON read as an attribute value is either refused with
// a *kehu.ValidationError or writes back to JSON that reads as the same value.
func FuzzAttrValueJSON(f *testing.F) {
	for _, s := range []string{`{"type":"string","value":"x"}`, `{"type":"number","value":"12.5"}`, `{"type":"number","value":-3}`,
		`{"type":"bool","value":true}`, `{"type":"date","value":"2024-02-29"}`, `{"type":"money","value":{"amount":"1.50","currency":"CNY"}}`,
		`{"type":"number","value":"1e999999"}`, `{"type":"date","value":"2023-02-29"}`, `null`, `{}`, `{"type":"x"}`, `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v crm.AttrValue
		if err := v.UnmarshalJSON([]byte(s)); err != nil {
			var verr *kehu.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("%q: %v is not a validation error", s, err)
			}
			return
		}
		_ = v.String()
		b, err := v.MarshalJSON()
		if err != nil {
			return // a zero value read from null has no JSON of its own to compare
		}
		var back crm.AttrValue
		if err := back.UnmarshalJSON(b); err != nil || !back.Equal(v) {
			t.Fatalf("%q → %s → %v (%v)", s, b, back, err)
		}
	})
}

// requireRule checks that err is a *kehu.ValidationError naming field with rule.
func requireRule(t *testing.T, err error, field, rule string) {
	t.Helper()
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has(field, rule), "want %s (%s) in %v", field, rule, err)
}

// A StoreFacts without its Store is a half-filled source: the scorecard reports it on
// "store" instead of reading through a nil store.
func TestStoreFactsWithoutAStore(t *testing.T) {
	t.Parallel()
	def, err := crm.LoadScorecard(strings.NewReader(`{"currency": "CNY", "time_zone": "Asia/Shanghai"}`))
	require.NoError(t, err)
	_, err = def.Compute(context.Background(), crm.ScorecardInput{Period: crm.Month(2026, 3), Customers: crm.StoreFacts{}})
	requireRule(t, err, "store", "required")
	_, err = def.Compute(context.Background(), crm.ScorecardInput{Period: crm.Month(2026, 3),
		Customers:    &crm.ScorecardData{Customers: []crm.CustomerFact{{ID: crm.CustomerIDFrom([16]byte{1}), FirstSeen: robustStart}}},
		Interactions: crm.StoreFacts{}})
	requireRule(t, err, "store", "required")
	n := 0
	for _, err := range (crm.StoreFacts{}).InteractionFacts(context.Background(), time.Time{}, robustStart) {
		requireRule(t, err, "store", "required")
		n++
	}
	assert.Equal(t, 1, n, "the source yields its error once")
}

// The helpers a store builds its index with take a nil record as having nothing.
func TestFactsAndSearchTextOfNil(t *testing.T) {
	t.Parallel()
	assert.Empty(t, crm.SearchText(nil))
	assert.Equal(t, crm.InteractionFact{}, crm.InteractionFactOf(nil))
	_, ok := crm.CustomerFactOf(nil)
	assert.False(t, ok)
}

// Round takes places within ±1000: beyond, it reports no value at once, where the exact
// division overflowed (math.MinInt32) or ran for ever (an exact quotient to a billion
// places); within, the extremes still round.
func TestRatioRoundAtExtremePlaces(t *testing.T) {
	t.Parallel()
	third := crm.NewRatio(1, 3)
	for _, places := range []int32{math.MinInt32, math.MinInt32 + 1, -1001, 1001, math.MaxInt32} {
		_, ok := third.Round(places, kehu.HalfUp)
		assert.False(t, ok, "places %d", places)
	}
	v, ok := third.Round(-1000, kehu.Up)
	require.True(t, ok)
	assert.True(t, v.Equal(decimal.New(1, 1000)), "1/3 rounded up to 10^1000 is one unit: %s", v.String()[:8])
	v, ok = third.Round(1000, kehu.Down)
	require.True(t, ok)
	assert.Equal(t, int32(-1000), v.Exponent())
	assert.True(t, v.Mul(decimal.New(3, 0)).LessThan(decimal.New(1, 0)))
}
