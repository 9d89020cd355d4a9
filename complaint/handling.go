package complaint

import (
	"time"

	"github.com/kehu-crm/kehu"
)

// Handling is when a case was received, when its resolution was due and when it was
// resolved, as its SLA at an instant tells them: the three instants a report or a
// customer scorecard counts complaints by (crm.ComplaintFact takes them as they are:
// ReceivedAt, DueAt, and ResolvedAt as HandledAt).
type Handling struct {
	// ReceivedAt is when the case was opened (for a proactive case, when the host found
	// the failure).
	ReceivedAt time.Time `json:"received_at"`
	// DueAt is when the resolution target is used up, in the target's time (business
	// time on the calendar of the policy in force, unless the target counts calendar
	// time):
	//
	//   - a clock that breached its target: when it breached, whether the case is still
	//     open or was resolved late;
	//   - a running clock: Clock.Due;
	//   - a clock paused while the case waits on the customer: when the target would be
	//     used up were the clock to resume at the SLA's instant, the earliest it can be;
	//   - a clock stopped in time: the resolution plus what was left of the target.
	//
	// It is zero when the policy in force has no resolution target for the case's
	// priority, and for a case merged into another (its clocks are cancelled; the case
	// it was merged into counts).
	DueAt time.Time `json:"due_at,omitzero"`
	// ResolvedAt is when the case was last resolved, if it is resolved or closed at the
	// SLA's instant; zero while it is open, also after a reopening.
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
}

// Handling returns when case c was received, due and resolved, as s, the case's SLA at an
// instant (Service.SLA or Policies.Status), tells them; see Handling for the rules. The
// instants are as of s.At: compute s at the instant a report is for. It is an error if c
// is nil, if s is another case's SLA, or if s names a policy that ps does not hold.
//
// A host that counts complaints in crm's scorecard turns a case into a crm.ComplaintFact
// with it:
//
//	h, err := policies.Handling(c, sla)
//	fact := crm.ComplaintFact{ReceivedAt: h.ReceivedAt, DueAt: h.DueAt, HandledAt: h.ResolvedAt}
func (ps *Policies) Handling(c *Case, s SLA) (Handling, error) {
	var p kehu.Problems
	if ps == nil {
		p.Add("policies", "required", "no SLA policies")
	}
	if c == nil {
		p.Add("case", "required", "is nil")
	} else if s.Case != c.ID {
		p.Addf("sla.case", "match", "is the SLA of case %s, not of case %s", s.Case, c.ID)
	}
	pol := ps.Policy(s.Policy)
	if ps != nil && pol == nil {
		p.Addf("sla.policy", "unknown", "%q is not one of the SLA policies", s.Policy)
	}
	if err := p.Err(); err != nil {
		return Handling{}, err
	}
	h := Handling{ReceivedAt: c.OpenedAt}
	if f := s.Timings.FinalResolution; f != nil {
		h.ResolvedAt = c.OpenedAt.Add(f.Calendar)
	}
	k, ok := s.Clock(Resolution)
	if !ok {
		return h, nil
	}
	// after is when what is left of the target is used up, counting from t.
	after := func(t time.Time) time.Time {
		switch {
		case k.Remaining <= 0:
			return t
		case k.CalendarTime:
			return t.Add(k.Remaining)
		}
		return pol.Calendar().Add(t, k.Remaining)
	}
	switch {
	case k.State == ClockCancelled:
	case k.Breached:
		h.DueAt = k.BreachedAt
	case k.State == ClockRunning:
		h.DueAt = k.Due
	case k.State == ClockPaused:
		h.DueAt = after(s.At)
	case k.State == ClockStopped:
		h.DueAt, h.ResolvedAt = after(k.Stopped), k.Stopped
	}
	return h, nil
}
