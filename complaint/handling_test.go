package complaint_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
	"github.com/kehu-crm/kehu/crm"
)

// TestHandling checks the instants a case is counted by, on the Paris office calendar
// (Mon–Fri 08:00–18:00): received Monday 2024-06-03 at 09:00, a resolution within two
// business days (due Wednesday at 09:00) unless the case says otherwise; and how crm's
// scorecard judges the fact made of them.
func TestHandling(t *testing.T) {
	t.Parallel()
	twoDays := complaint.LevelSpec{Priority: complaint.P2, FirstResponse: hours(1),
		Resolution: &complaint.TargetSpec{BusinessDays: 2}}
	type step struct {
		at string
		do func(svc *complaint.Service, id complaint.CaseID) (*complaint.Case, error)
	}
	move := func(to complaint.Status, key string) func(*complaint.Service, complaint.CaseID) (*complaint.Case, error) {
		return func(svc *complaint.Service, id complaint.CaseID) (*complaint.Case, error) {
			return svc.Move(t.Context(), id, complaint.Move{To: to, Key: key})
		}
	}
	assess := []step{{"2024-06-03 09:00", move(complaint.Acknowledged, "ack")}, {"2024-06-03 09:00", move(complaint.Assessed, "assess")}}
	resolveAt := func(at string) []step {
		return append(assess[:len(assess):len(assess)], step{at, move(complaint.Resolved, "resolve")})
	}
	tests := []struct {
		name     string
		level    complaint.LevelSpec
		steps    []step
		at       string // the SLA's instant
		due      string // "" for none
		resolved string // "" while open
		outcome  crm.SLAOutcome
	}{
		{name: "open, due as its clock runs", level: twoDays, steps: assess, at: "2024-06-03 11:00",
			due: "2024-06-05 09:00", outcome: crm.SLAPending},
		{name: "open past its target", level: twoDays, steps: assess, at: "2024-06-06 10:00",
			due: "2024-06-05 09:00", outcome: crm.SLABreached},
		{name: "resolved in time: the resolution plus what was left", level: twoDays, steps: resolveAt("2024-06-04 10:00"),
			at: "2024-06-07 12:00", due: "2024-06-05 09:00", resolved: "2024-06-04 10:00", outcome: crm.SLAMet},
		{name: "resolved late: due when it breached", level: twoDays, steps: resolveAt("2024-06-06 10:00"),
			at: "2024-06-07 12:00", due: "2024-06-05 09:00", resolved: "2024-06-06 10:00", outcome: crm.SLABreached},
		{name: "resolved as the target is used up at the end of the day",
			level: complaint.LevelSpec{Priority: complaint.P2, Resolution: hours(9)}, steps: resolveAt("2024-06-03 18:00"),
			at: "2024-06-04 12:00", due: "2024-06-03 18:00", resolved: "2024-06-03 18:00", outcome: crm.SLAMet},
		{name: "resolved in time on a calendar-time target",
			level: complaint.LevelSpec{Priority: complaint.P2, Resolution: &complaint.TargetSpec{Hours: 24, CalendarTime: true}},
			steps: resolveAt("2024-06-03 20:00"), at: "2024-06-04 12:00", due: "2024-06-04 09:00", resolved: "2024-06-03 20:00",
			outcome: crm.SLAMet},
		{name: "no resolution target: resolved, never due",
			level: complaint.LevelSpec{Priority: complaint.P2, FirstResponse: hours(1)}, steps: resolveAt("2024-06-04 10:00"),
			at: "2024-06-07 12:00", resolved: "2024-06-04 10:00", outcome: crm.SLANone},
		{name: "no resolution target, open",
			level: complaint.LevelSpec{Priority: complaint.P2, FirstResponse: hours(1)}, steps: assess,
			at: "2024-06-07 12:00", outcome: crm.SLANone},
		{name: "waiting on the customer: due at the earliest were the clock to resume now", level: twoDays,
			steps: append(assess[:len(assess):len(assess)], step{"2024-06-03 09:00", move(complaint.Investigating, "investigate")},
				step{"2024-06-03 10:00", func(svc *complaint.Service, id complaint.CaseID) (*complaint.Case, error) {
					return svc.Reply(t.Context(), id, complaint.Reply{Kind: complaint.Public, Channel: complaint.Phone,
						Text: "Which evening was it?", Then: complaint.WaitingOnCustomer, Key: "ask"})
				}}),
			// 1 h of the 20 h used; the other 19 from Monday 15:00: 3 h Monday, 10 Tuesday, 6 Wednesday.
			at: "2024-06-03 15:00", due: "2024-06-05 14:00", outcome: crm.SLAPending},
		{name: "merged into another case: counted there", level: twoDays,
			steps: []step{{"2024-06-03 12:00", func(svc *complaint.Service, id complaint.CaseID) (*complaint.Case, error) {
				into, err := svc.Open(t.Context(), roomService("the same complaint by mail"))
				if err != nil {
					return nil, err
				}
				return svc.Merge(t.Context(), id, into.ID, "the same complaint", "merge")
			}}},
			at: "2024-06-05 12:00", outcome: crm.SLANone},
		{name: "reopened: open again, due as its clock runs", level: twoDays,
			steps: append(resolveAt("2024-06-04 10:00"), step{"2024-06-04 12:00", move(complaint.Investigating, "reopen")}),
			// 11 h of the 20 used by the resolution; resumed at 12:00 for the other 9: 6 h Tuesday, 3 Wednesday.
			at: "2024-06-04 13:00", due: "2024-06-05 11:00", outcome: crm.SLAPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			paris := office("Europe/Paris", "")
			ps := policies(t, policyOf(t, "standard", paris, tt.level))
			opts, clock, _ := kehu.Deterministic(at(t, paris, "2024-06-03 09:00"))
			svc := complaint.NewService(nil, opts).WithPolicies(ps)
			c, err := svc.Open(t.Context(), roomService("open"))
			require.NoError(t, err)
			require.Equal(t, complaint.P2, c.Assessment.Priority)
			for _, s := range tt.steps {
				clock.Set(at(t, paris, s.at))
				c, err = s.do(svc, c.ID)
				require.NoError(t, err)
			}
			when := at(t, paris, tt.at)
			sla, err := svc.SLA(t.Context(), c.ID, when)
			require.NoError(t, err)
			h, err := ps.Handling(c, sla)
			require.NoError(t, err)

			assert.True(t, at(t, paris, "2024-06-03 09:00").Equal(h.ReceivedAt), "received %s", h.ReceivedAt)
			instant := func(name, want string, got time.Time) {
				t.Helper()
				if want == "" {
					assert.True(t, got.IsZero(), "%s: want none, got %s", name, got.In(paris.Location()))
					return
				}
				assert.True(t, at(t, paris, want).Equal(got), "%s: want %s, got %s", name, want, got.In(paris.Location()))
			}
			instant("due", tt.due, h.DueAt)
			instant("resolved", tt.resolved, h.ResolvedAt)
			fact := crm.ComplaintFact{ReceivedAt: h.ReceivedAt, DueAt: h.DueAt, HandledAt: h.ResolvedAt}
			assert.Equal(t, tt.outcome, fact.Outcome(when))
		})
	}
}

// TestHandlingRefusesMismatches: a nil case, another case's SLA, or an SLA under a policy
// the set does not hold is an error naming the argument.
func TestHandlingRefusesMismatches(t *testing.T) {
	t.Parallel()
	svc, clock, _ := desk(t)
	ctx := t.Context()
	a, err := svc.Open(ctx, roomService("a"))
	require.NoError(t, err)
	b, err := svc.Open(ctx, roomService("b"))
	require.NoError(t, err)
	sla, err := svc.SLA(ctx, a.ID, clock.Now())
	require.NoError(t, err)
	other := policies(t, policyOf(t, "other", office("Europe/Paris", ""), complaint.LevelSpec{Priority: complaint.P2, Resolution: hours(8)}))
	var none *complaint.Policies
	tests := []struct {
		name  string
		ps    *complaint.Policies
		c     *complaint.Case
		field string
	}{
		{"no case", svc.Policies(), nil, "case"},
		{"another case's SLA", svc.Policies(), b, "sla.case"},
		{"a policy the set does not hold", other, a, "sla.policy"},
		{"no policies", none, a, "policies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := tt.ps.Handling(tt.c, sla)
			require.ErrorIs(t, err, kehu.ErrInvalid)
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tt.field, ""), "want %s: %v", tt.field, err)
			assert.Equal(t, complaint.Handling{}, h)
		})
	}
}
