package complaint_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
	"github.com/kehu-crm/kehu/internal/suite"
)

// These tests play a host that forwards whatever a client app sends to the complaint API:
// zero values, nil pointers and slices, extreme numbers, instants before a case was opened
// or far outside the calendar, IDs that do not exist, and commands on merged or closed
// cases. Every call must answer with a result or an error, never a panic.

var (
	robustStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	robustTimes = []time.Time{{}, robustStart.AddDate(-100, 0, 0), robustStart.Add(-time.Microsecond), robustStart,
		robustStart.Add(999 * time.Nanosecond), robustStart.AddDate(0, 6, 0), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(200000, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(math.MaxInt64/2, 0), time.Unix(math.MinInt64/2, 0)}
	robustDurations = []time.Duration{0, 1, -1, time.Hour, -time.Hour, complaint.MaxDuration, math.MaxInt64, math.MinInt64}
	robustInts      = []int{0, -1, 1, 3, math.MaxInt, math.MinInt}
	robustStrings   = []string{"", " ", "\xff\xfe", strings.Repeat("诉", 20_000), "kehu:x", "a\x00b", "frontline", "standard"}
)

// payAll is a Compensator that pays every grant.
type payAll struct{}

func (payAll) Compensate(_ context.Context, g complaint.Grant) (string, error) {
	return "ref-" + g.ID.String(), nil
}

type robustFixture struct {
	ctx                               context.Context
	svc                               *complaint.Service
	clock                             *kehu.Clock
	open, merged, closed, into, other complaint.CaseID
	grant                             complaint.GrantID
}

func newRobustFixture(t *testing.T) *robustFixture {
	t.Helper()
	cal := office("Asia/Shanghai", "")
	pol, err := complaint.CompilePolicy(complaint.PolicySpec{ID: "std", Levels: []complaint.LevelSpec{
		{Priority: complaint.P1, FirstResponse: &complaint.TargetSpec{Minutes: 30}, Resolution: &complaint.TargetSpec{BusinessDays: 2}},
		{Priority: complaint.P2, FirstResponse: hours(2), NextReply: hours(1), PeriodicUpdate: &complaint.TargetSpec{Hours: 3, KeepRunning: true},
			Resolution: &complaint.TargetSpec{Hours: 8, WarnPercent: 75}},
		{Priority: complaint.P3, Resolution: &complaint.TargetSpec{Hours: 24, CalendarTime: true, WarnBeforeMinutes: 60}},
		{Priority: complaint.P4, Resolution: &complaint.TargetSpec{BusinessDays: 5}}}}, cal)
	require.NoError(t, err)
	ps, err := complaint.NewPolicies(pol)
	require.NoError(t, err)
	e, err := complaint.LoadEmpowerment(strings.NewReader(policyJSON))
	require.NoError(t, err)
	opts, clock, _ := kehu.Deterministic(robustStart)
	f := &robustFixture{ctx: context.Background(), clock: clock,
		svc: complaint.NewService(nil, opts).WithPolicies(ps).WithCompensation(e, payAll{})}
	n := 0
	open := func(customer byte) complaint.CaseID {
		n++
		c, err := f.svc.Open(f.ctx, complaint.Open{Customer: kehu.CustomerIDFrom([16]byte{customer}), Channel: complaint.Email,
			Words: "late", Category: complaint.CategoryDelivery, Key: "open-" + string(rune('a'+n)),
			Triage: complaint.Triage{Severity: complaint.Major, Urgency: complaint.High, Value: complaint.Valued}})
		require.NoError(t, err)
		return c.ID
	}
	f.open, f.merged, f.closed, f.into, f.other = open(1), open(1), open(1), open(1), open(2)
	clock.Advance(time.Hour)
	_, err = f.svc.Merge(f.ctx, f.merged, f.into, "", "merge-1")
	require.NoError(t, err)
	for i, to := range []complaint.Status{complaint.Acknowledged, complaint.Assessed, complaint.Investigating, complaint.Resolved, complaint.Closed} {
		_, err = f.svc.Move(f.ctx, f.closed, complaint.Move{To: to, Key: "close-" + string(rune('a'+i))})
		require.NoError(t, err)
	}
	c, err := f.svc.RequestCompensation(f.ctx, f.open, complaint.RequestCompensation{Type: complaint.CompensationRefund,
		Money: kehu.MustMoney("500", "CNY"), Role: "frontline", Key: "ask-1"})
	require.NoError(t, err)
	f.grant = c.Recovery.Grants[0].ID
	return f
}

// TestServiceHostileInput sends every command with hostile fields to open, merged,
// closed and unknown cases.
func TestServiceHostileInput(t *testing.T) {
	t.Parallel()
	f := newRobustFixture(t)
	ctx, svc := f.ctx, f.svc
	ids := []complaint.CaseID{{}, f.open, f.merged, f.closed, f.into, f.other, complaint.CaseIDFrom([16]byte{0xee})}
	n := 0
	key := func() string { n++; return "k-" + decimal.NewFromInt(int64(n)).String() }
	for _, id := range ids {
		for _, at := range robustTimes {
			suite.NoPanic(t, "SLA", func() {
				_, _ = svc.SLA(ctx, id, at)
				_, _ = complaint.NewService(nil, nil).SLA(ctx, id, at)
			})
		}
		suite.NoPanic(t, "reads", func() {
			_, _ = svc.Case(ctx, id)
			_, _ = svc.SettleCompensation(ctx, id)
		})
		for _, s := range robustStrings {
			suite.NoPanic(t, "commands "+clipName(s), func() {
				for _, st := range []complaint.Status{"", complaint.Investigating, complaint.Resolved, complaint.Closed, complaint.Merged, "nope"} {
					_, _ = svc.Move(ctx, id, complaint.Move{To: st, Note: s, Key: key()})
					_, _ = svc.Reply(ctx, id, complaint.Reply{Kind: complaint.Public, Channel: complaint.Email, Text: "t", Then: st, Key: key()})
				}
				_, _ = svc.Reply(ctx, id, complaint.Reply{Kind: complaint.ReplyKind(s), Channel: complaint.Channel(s), Text: s, Key: s})
				_, _ = svc.Message(ctx, id, complaint.Message{Channel: complaint.Email, Text: s, Key: key()})
				_, _ = svc.Answer(ctx, id, complaint.Answer{Accepted: s == "", Recourse: s, Note: s, Key: key()})
				_, _ = svc.Escalate(ctx, id, complaint.Handover{To: s, Note: s, Key: key()})
				_, _ = svc.Reassign(ctx, id, complaint.Handover{To: s, Key: key()})
				for _, other := range ids {
					_, _ = svc.Merge(ctx, id, other, s, key())
				}
				_, _ = svc.ChangePolicy(ctx, id, complaint.ChangePolicy{Policy: s, Key: key()})
				_, _ = svc.ChangePolicy(ctx, id, complaint.ChangePolicy{Policy: "std", Key: key()})
				_, _ = svc.Reassess(ctx, id, complaint.Reassess{Triage: complaint.Triage{Severity: complaint.Severity(s)}, Key: key()})
				_, _ = svc.Reassess(ctx, id, complaint.Reassess{Triage: complaint.Triage{Severity: complaint.Critical, Urgency: complaint.Low,
					Value: complaint.Key, MediaExposure: true}, Key: key()})
				_, _ = svc.PlanCrisis(ctx, id, complaint.Crisis{Spokesperson: s, KeyMessages: []string{s, ""}, Key: key()})
				_, _ = svc.PlanCrisis(ctx, id, complaint.Crisis{Spokesperson: "p", KeyMessages: []string{"m"}, Key: key()})
				_, _ = svc.FindResponsible(ctx, id, complaint.Responsibility{Party: s, Key: key()})
				_, _ = svc.Apologise(ctx, id, complaint.Apologise{Channel: complaint.Channel(s), Key: key()})
				_, _ = svc.RecordFix(ctx, id, complaint.RecordFix{What: s, Key: key()})
				_, _ = svc.RecordFollowUp(ctx, id, complaint.RecordFollowUp{Channel: complaint.Phone, Result: complaint.FollowUpResult(s), Key: key()})
				_, _ = svc.RequestCompensation(ctx, id, complaint.RequestCompensation{Type: complaint.CompensationPoints, Points: 10, Role: s, Key: key()})
				_, _ = svc.DecideCompensation(ctx, id, complaint.DecideCompensation{Grant: f.grant, Approve: true, Role: s, Key: key()})
			})
		}
		for _, n := range robustInts {
			suite.NoPanic(t, "numbers", func() {
				_, _ = svc.RecordSatisfaction(ctx, id, complaint.RecordSatisfaction{Scale: complaint.Scale{Min: n, Max: -n}, Outcome: n,
					Speed: n, Courtesy: n, Before: &n, Key: key()})
				_, _ = svc.RecordSatisfaction(ctx, id, complaint.RecordSatisfaction{Scale: complaint.Scale{Min: 1, Max: 5}, Outcome: 3,
					Speed: 3, Courtesy: 3, Before: &n, Key: key()})
				_, _ = svc.RequestCompensation(ctx, id, complaint.RequestCompensation{Type: complaint.CompensationPoints, Points: int64(n),
					Role: "frontline", Key: key()})
				_, _ = svc.RequestCompensation(ctx, id, complaint.RequestCompensation{Type: complaint.CompensationRefund,
					Money: kehu.MustMoney("1e29", "CNY"), Role: "manager", Key: key()})
				_, _ = svc.RequestCompensation(ctx, id, complaint.RequestCompensation{Type: complaint.CompensationGift,
					Money: kehu.ZeroMoney("JPY").MulInt(int64(n)), Role: "manager", Key: key()})
			})
		}
		for _, g := range []complaint.GrantID{{}, f.grant, complaint.GrantIDFrom([16]byte{0xee})} {
			for _, approve := range []bool{true, false} {
				suite.NoPanic(t, "DecideCompensation", func() {
					_, _ = svc.DecideCompensation(ctx, id, complaint.DecideCompensation{Grant: g, Approve: approve, Role: "manager", Key: key()})
				})
			}
		}
	}
	for _, s := range robustStrings {
		suite.NoPanic(t, "Open "+clipName(s), func() {
			for _, at := range robustTimes {
				_, _ = svc.Open(ctx, complaint.Open{Customer: kehu.CustomerIDFrom([16]byte{3}), Channel: complaint.Web, Words: s, Remedy: s,
					Category: s, ReplyBy: at, Assignee: s, Order: s, Interaction: s, Policy: s, Note: s, Key: key(),
					Triage: complaint.Triage{Severity: complaint.Minor, Urgency: complaint.Low, Value: complaint.Standard}})
			}
			_, _ = svc.Open(ctx, complaint.Open{Key: s})
			_, _ = complaint.NewService(nil, nil).Open(ctx, complaint.Open{Customer: kehu.CustomerIDFrom([16]byte{3}),
				Channel: complaint.Web, Words: "w", Category: "c", Policy: s, Key: key(),
				Triage: complaint.Triage{Severity: complaint.Minor, Urgency: complaint.Low, Value: complaint.Standard}})
		})
	}
	suite.NoPanic(t, "without compensation", func() {
		bare := complaint.NewService(svc.Store(), nil)
		_, _ = bare.SettleCompensation(ctx, f.open)
		_, _ = bare.RequestCompensation(ctx, f.open, complaint.RequestCompensation{Type: complaint.CompensationPoints, Points: 1, Role: "x", Key: "x"})
		_, _ = bare.DecideCompensation(ctx, f.open, complaint.DecideCompensation{Grant: f.grant, Role: "x", Key: "x"})
		_, _ = svc.WithCompensation(nil, nil).SettleCompensation(ctx, f.open)
		_, _ = svc.WithPolicies(nil).SLA(ctx, f.open, robustStart)
		_ = svc.WithRecoverySurvey(nil)
	})
	suite.NoPanic(t, "zero policies", func() {
		zero := svc.WithPolicies(&complaint.Policies{}).WithCompensation(&complaint.Empowerment{}, payAll{})
		_, _ = zero.Open(ctx, complaint.Open{Customer: kehu.CustomerIDFrom([16]byte{3}), Channel: complaint.Web, Words: "w", Category: "c",
			Key: key(), Triage: complaint.Triage{Severity: complaint.Minor, Urgency: complaint.Low, Value: complaint.Standard}})
		_, _ = zero.ChangePolicy(ctx, f.open, complaint.ChangePolicy{Policy: "std", Key: key()})
		_, _ = zero.SLA(ctx, f.open, robustStart)
		_, _ = zero.RequestCompensation(ctx, f.open, complaint.RequestCompensation{Type: complaint.CompensationPoints, Points: 1, Role: "x", Key: key()})
	})
}

// TestPoliciesHostileInput asks the SLA engine, the metrics and the calendars about
// hostile cases, instants and durations.
func TestPoliciesHostileInput(t *testing.T) {
	t.Parallel()
	f := newRobustFixture(t)
	ps := f.svc.Policies()
	var cases []*complaint.Case
	for _, id := range []complaint.CaseID{f.open, f.merged, f.closed, f.into, f.other} {
		c, err := f.svc.Case(f.ctx, id)
		require.NoError(t, err)
		cases = append(cases, c)
	}
	// Cases a host built or stored itself: steps out of order, unknown actions and
	// policies, priorities out of range, instants far away.
	odd := []*complaint.Case{nil, {}, {Steps: []complaint.Step{{}}}, {Steps: []complaint.Step{{Action: complaint.Opened}}},
		{Policy: "std", Steps: []complaint.Step{{Action: complaint.Opened, At: robustStart, Priority: 99}}},
		{Policy: "std", Steps: []complaint.Step{{Action: complaint.Opened, At: robustStart, Priority: -1, To: "nope"}}},
		{Policy: "std", Steps: []complaint.Step{{Action: complaint.Opened, At: robustStart, Priority: complaint.P2, To: complaint.Received},
			{Action: complaint.Replied, At: robustStart.AddDate(-1, 0, 0)}, {Action: complaint.Moved, To: complaint.Resolved, At: time.Time{}},
			{Action: complaint.Moved, To: complaint.Investigating, At: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)},
			{Action: complaint.CustomerWrote, At: time.Date(200000, 1, 1, 0, 0, 0, 0, time.UTC)},
			{Action: complaint.PolicyChanged, Policy: "nope", At: time.Date(200001, 1, 1, 0, 0, 0, 0, time.UTC)}}},
		{Policy: "std", Steps: []complaint.Step{{Action: complaint.Opened, At: time.Time{}, Priority: complaint.P1, To: complaint.WaitingOnCustomer},
			{Action: complaint.Reassessed, Priority: complaint.P4, At: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}}},
	}
	cases = append(cases, odd...)
	for _, c := range cases {
		for _, at := range robustTimes {
			suite.NoPanic(t, "Status", func() {
				s, err := ps.Status(c, at)
				_, _ = ps.Handling(c, s)
				if err == nil {
					_, _ = s.Clock(complaint.Resolution)
				}
				var none *complaint.Policies
				_, _ = none.Status(c, at)
				_, _ = none.Handling(c, s)
			})
		}
	}
	for _, at := range robustTimes {
		for _, ages := range [][]time.Duration{nil, {time.Hour}, {-1}, {time.Hour, time.Hour}, {math.MaxInt64}, {1, math.MaxInt64}} {
			suite.NoPanic(t, "Metrics", func() {
				_, _ = ps.Metrics(cases, at, ages)
				_, _ = ps.Metrics(nil, at, ages)
			})
		}
	}
	cals := []*complaint.Calendar{office("Asia/Shanghai", ""), alwaysOpen("America/Sao_Paulo"),
		complaint.MustLoadCalendar(`{"time_zone": "Pacific/Apia", "week": {"sunday": [{"from": "23:59", "to": "24:00"}]},
		  "holidays": ["2026-03-08"], "extra_days": [{"date": "2026-03-07", "hours": [{"from": "00:00", "to": "00:01"}]}]}`)}
	for _, cal := range cals {
		for _, a := range robustTimes {
			suite.NoPanic(t, "Calendar", func() {
				_ = cal.Open(a)
				_ = cal.NextOpening(a)
				for _, d := range robustDurations {
					_ = cal.Add(a, d)
					_ = cal.Sub(a, d)
				}
				for _, n := range robustInts {
					_ = cal.AddDays(a, n)
				}
				for _, b := range robustTimes {
					_ = cal.Between(a, b)
				}
			})
		}
	}
}

// TestValuesHostileInput compiles hostile specifications and calls the package's
// functions on hostile values.
func TestValuesHostileInput(t *testing.T) {
	t.Parallel()
	cal := office("Asia/Shanghai", "")
	for name, call := range map[string]func(){
		"CompileCalendar(zero)":     func() { _, _ = complaint.CompileCalendar(complaint.CalendarSpec{}) },
		"LoadCalendar(nil)":         func() { _, _ = complaint.LoadCalendar(nil) },
		"CompilePolicy(zero, nil)":  func() { _, _ = complaint.CompilePolicy(complaint.PolicySpec{}, nil) },
		"LoadPolicy(nil, nil)":      func() { _, _ = complaint.LoadPolicy(nil, nil) },
		"NewPolicies()":             func() { _, _ = complaint.NewPolicies() },
		"NewPolicies(nil)":          func() { _, _ = complaint.NewPolicies(nil) },
		"CompileEmpowerment(zero)":  func() { _, _ = complaint.CompileEmpowerment(complaint.EmpowermentSpec{}) },
		"LoadEmpowerment(nil)":      func() { _, _ = complaint.LoadEmpowerment(nil) },
		"CompileReasonMap(zero)":    func() { _, _ = complaint.CompileReasonMap(complaint.ReasonMapSpec{}) },
		"LoadReasonMap(nil)":        func() { _, _ = complaint.LoadReasonMap(nil) },
		"CheckConsistency(nil)":     func() { _, _ = complaint.CheckConsistency(nil, complaint.Tolerance{}) },
		"CheckConsistency(nils)":    func() { _, _ = complaint.CheckConsistency([]*complaint.Case{nil, {}}, complaint.Tolerance{}) },
		"RecoveryEffects(NaN)":      func() { _, _ = complaint.RecoveryEffects([]*complaint.Case{nil, {}}, math.NaN()) },
		"EvaluateWinBack(zero)":     func() { _, _ = complaint.EvaluateWinBack("", []complaint.WinBackResult{{}}) },
		"WinBackReturn.ROI(zero)":   func() { _, _ = complaint.WinBackReturn{}.ROI() },
		"WinBackReturn.Net(zero)":   func() { _ = complaint.WinBackReturn{}.Net() },
		"Assess(zero)":              func() { _, _ = complaint.Assess(complaint.Triage{}) },
		"Case.Clone(nil)":           func() { _ = (*complaint.Case)(nil).Clone() },
		"Recovery.Grant(nil)":       func() { _ = (*complaint.Recovery)(nil).Grant(complaint.GrantID{}) },
		"Satisfaction.After(zero)":  func() { _ = complaint.Satisfaction{}.After() },
		"Priority.String(99)":       func() { _ = complaint.Priority(99).String() },
		"Priority.MarshalText(-1)":  func() { _, _ = complaint.Priority(-1).MarshalText() },
		"Status.Next(nope)":         func() { _ = complaint.Status("nope").Next() },
		"Week.Day(99)":              func() { _ = (&complaint.Week{}).Day(99) },
		"SLA.Clock(zero)":           func() { _, _ = (&complaint.SLA{}).Clock("") },
		"Policy.Target(99)":         func() { _, _ = mustPolicy(t, cal).Target(99, "nope") },
		"Policies.Default(nil)":     func() { _ = (*complaint.Policies)(nil).Default() },
		"Policies.Policy(nil)":      func() { _ = (*complaint.Policies)(nil).Policy("") },
		"CaseEvent.EventName(zero)": func() { _ = complaint.CaseEvent{}.EventName() },
		"zero Calendar": func() {
			var zero complaint.Calendar
			_ = zero.Add(robustStart, time.Hour)
		},
		"a policy on a zero Calendar": func() {
			p, err := complaint.CompilePolicy(complaint.PolicySpec{ID: "z", Levels: []complaint.LevelSpec{{Priority: complaint.P1, Resolution: hours(1)}}},
				&complaint.Calendar{})
			if err != nil {
				return
			}
			ps, err := complaint.NewPolicies(p)
			if err != nil {
				return
			}
			_, _ = ps.Status(&complaint.Case{Policy: "z", Steps: []complaint.Step{{Action: complaint.Opened, At: robustStart, Priority: complaint.P1}}}, robustStart.Add(time.Hour))
		},
		"a zero Policy": func() {
			ps, err := complaint.NewPolicies(&complaint.Policy{})
			if err != nil {
				return
			}
			_, _ = ps.Status(&complaint.Case{Steps: []complaint.Step{{Action: complaint.Opened, At: robustStart, Priority: complaint.P1}}}, robustStart.Add(time.Hour))
		},
	} {
		suite.NoPanic(t, name, call)
	}
	e, err := complaint.LoadEmpowerment(strings.NewReader(policyJSON))
	require.NoError(t, err)
	m, err := complaint.CompileReasonMap(complaint.ReasonMapSpec{Reasons: []complaint.ReasonCode{{Code: "price", Type: complaint.BoughtAway}}})
	require.NoError(t, err)
	for _, s := range robustStrings {
		suite.NoPanic(t, "strings "+clipName(s), func() {
			_, _ = e.Ceiling(s, complaint.ValueBand(s))
			_, _ = e.Covers(s, complaint.Valued, nil, complaint.Grant{Type: complaint.CompensationPoints, Points: math.MaxInt64})
			_, _ = e.Covers("frontline", complaint.Valued, []complaint.Grant{{Type: complaint.CompensationPoints, Points: math.MaxInt64,
				Status: complaint.GrantGranted}}, complaint.Grant{Type: complaint.CompensationPoints, Points: math.MaxInt64})
			_, _ = e.Covers("frontline", complaint.Valued, nil, complaint.Grant{Type: complaint.CompensationType(s)})
			_, _ = complaint.ParsePriority(s)
			_, _ = complaint.ParseStatus(s)
			_, _ = complaint.ParseCaseID(s)
			_, _ = complaint.ParseGrantID(s)
			_, _ = m.Classify([]string{s})
			_, _ = m.Plan(complaint.WinBackPlan{Reasons: []string{s}, Campaign: s, Offer: complaint.Offer{Terms: s, Cost: kehu.MustMoney("-1", "CNY")}})
		})
	}
	for _, tol := range []complaint.Tolerance{{}, {Ratio: decimal.New(-1, 0)}, {Ratio: decimal.New(1, 30), Money: []kehu.Money{{}, kehu.MustMoney("-1", "CNY")}, Points: -1}} {
		suite.NoPanic(t, "CheckConsistency", func() {
			_, _ = complaint.CheckConsistency([]*complaint.Case{{Category: "c", Recovery: &complaint.Recovery{Grants: []complaint.Grant{
				{Type: complaint.CompensationPoints, Points: math.MaxInt64, Status: complaint.GrantGranted},
				{Type: complaint.CompensationPoints, Points: math.MaxInt64, Status: complaint.GrantGranted}}}},
				{Category: "c", Recovery: &complaint.Recovery{Grants: []complaint.Grant{{Type: complaint.CompensationRefund, Status: complaint.GrantGranted}}}},
				{Category: "c"}}, tol)
		})
	}
}

func mustPolicy(t *testing.T, cal *complaint.Calendar) *complaint.Policy {
	t.Helper()
	p, err := complaint.CompilePolicy(complaint.PolicySpec{ID: "p", Levels: []complaint.LevelSpec{{Priority: complaint.P1, Resolution: hours(1)}}}, cal)
	require.NoError(t, err)
	return p
}

func clipName(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}

// FuzzLoadPolicy checks that any text read as an SLA policy is either refused with a
// *kehu.ValidationError or gives a policy that computes a case's SLA and loads back from
// its spec.
func FuzzLoadPolicy(f *testing.F) {
	for _, s := range []string{
		`{"id": "standard", "levels": [{"priority": "P1", "first_response": {"minutes": 30}, "resolution": {"hours": 8, "warn_percent": 75}},
		  {"priority": "P3", "first_response": {"hours": 4, "warn_before_minutes": 60}, "periodic_update": {"business_days": 1},
		   "resolution": {"business_days": 5}}]}`,
		`{"id": "p", "levels": [{"priority": "P2", "next_reply": {"hours": 1, "calendar_time": true, "keep_running": true}}]}`,
		`{"id": "p", "levels": [{"priority": "P9"}]}`, `{"id": " p", "levels": []}`, `{}`, `null`, ``,
		`{"id": "p", "levels": [{"priority": "P1", "resolution": {"minutes": -1, "hours": 99999999, "business_days": 367}}]}`,
	} {
		f.Add(s)
	}
	cal := office("Asia/Shanghai", "")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := complaint.LoadPolicy(strings.NewReader(s), cal)
		if err != nil {
			var verr *kehu.ValidationError
			if !errors.As(err, &verr) || len(verr.Fields) == 0 {
				t.Fatalf("%q: %v is not a validation error", s, err)
			}
			return
		}
		ps, err := complaint.NewPolicies(p)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		for pr := complaint.P1; pr <= complaint.P4; pr++ {
			c := &complaint.Case{Policy: p.ID(), Steps: []complaint.Step{{Action: complaint.Opened, At: robustStart, Priority: pr, To: complaint.Received},
				{Action: complaint.Moved, At: robustStart.Add(time.Hour), To: complaint.WaitingOnCustomer},
				{Action: complaint.CustomerWrote, At: robustStart.AddDate(0, 0, 3), To: complaint.Investigating},
				{Action: complaint.Replied, At: robustStart.AddDate(0, 1, 0), To: complaint.Resolved}}}
			sla, err := ps.Status(c, robustStart.AddDate(1, 0, 0))
			if err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			if _, err := ps.Handling(c, sla); err != nil {
				t.Fatalf("%q: %v", s, err)
			}
		}
		if _, err := complaint.CompilePolicy(p.Spec(), cal); err != nil {
			t.Fatalf("%q: the spec does not compile again: %v", s, err)
		}
	})
}

// A service given the zero Policies, which hold no policy, has no default to open a case
// under: Open refuses it on "policy" and writes nothing.
func TestOpenUnderEmptyPolicies(t *testing.T) {
	t.Parallel()
	store := complaint.NewMemoryStore()
	svc := complaint.NewService(store, nil).WithPolicies(&complaint.Policies{})
	_, err := svc.Open(t.Context(), complaint.Open{Customer: kehu.CustomerIDFrom([16]byte{1}), Channel: complaint.Web, Words: "late",
		Category: complaint.CategoryDelivery, Key: "open-1",
		Triage: complaint.Triage{Severity: complaint.Minor, Urgency: complaint.Low, Value: complaint.Standard}})
	requireProblem(t, err, "policy", "required")
	page, err := store.ListCases(t.Context(), complaint.CaseQuery{})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
}

// A policy counts business time on a compiled calendar: the zero Calendar, which has no
// working hours, is refused on "calendar", and the zero Policy, which has no calendar, on
// its place among the policies.
func TestPoliciesRefuseWhatWasNotCompiled(t *testing.T) {
	t.Parallel()
	spec := complaint.PolicySpec{ID: "p", Levels: []complaint.LevelSpec{{Priority: complaint.P1, Resolution: hours(1)}}}
	_, err := complaint.CompilePolicy(spec, &complaint.Calendar{})
	requireProblem(t, err, "calendar", "required")
	good, err := complaint.CompilePolicy(spec, office("Asia/Shanghai", ""))
	require.NoError(t, err)
	_, err = complaint.NewPolicies(good, &complaint.Policy{})
	requireProblem(t, err, "policies[1]", "required")
}

// The zero Calendar has no zone and no working hours: it reads instants in UTC and is
// never open, whatever is asked of it.
func TestZeroCalendarIsNeverOpen(t *testing.T) {
	t.Parallel()
	var zero complaint.Calendar
	assert.Equal(t, time.UTC, zero.Location())
	assert.False(t, zero.Open(robustStart))
	assert.Zero(t, zero.Between(robustStart, robustStart.AddDate(0, 1, 0)))
	assert.True(t, zero.Add(robustStart, time.Hour).After(robustStart.AddDate(99, 0, 0)), "no working time within the span")
	assert.False(t, zero.AddDays(robustStart, 1).Before(robustStart))
	assert.False(t, zero.Sub(robustStart, time.Hour).After(robustStart))
}
