package complaint

import (
	"fmt"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
)

// ClockState is where an SLA clock stands.
type ClockState string

// Clock states.
const (
	// ClockRunning: the clock counts.
	ClockRunning ClockState = "running"
	// ClockPaused: the case waits on the customer and the target pauses there.
	ClockPaused ClockState = "paused"
	// ClockStopped: what the clock waited for happened (a reply, a resolution).
	ClockStopped ClockState = "stopped"
	// ClockCancelled: the clock stopped without it: the case was merged into another,
	// or closed with a customer's message unanswered.
	ClockCancelled ClockState = "cancelled"
)

// Clock is the state of one SLA clock of a case at an instant. Durations are in the
// target's time: business time on the calendar of the policy in force, or elapsed real
// time for a target in calendar time.
type Clock struct {
	Kind  TargetKind `json:"kind"`
	State ClockState `json:"state"`
	// Cycle counts the clock's runs: 1 for the first response and the resolution (a
	// reopening resumes the same run); the next-reply and periodic-update clocks start a
	// new run for each message and each update.
	Cycle int `json:"cycle"`
	// Started is when this run started; Stopped when it stopped or was cancelled.
	Started time.Time `json:"started"`
	Stopped time.Time `json:"stopped,omitzero"`
	// Target is the target in force, as a duration (a target in business days is
	// converted at the run's start: the business time from there to the same point of
	// the nth following working day).
	Target       time.Duration `json:"target"`
	CalendarTime bool          `json:"calendar_time,omitempty"`
	// Elapsed is the time the clock has counted, pauses excluded; Paused the time it was
	// paused; Remaining is Target − Elapsed, negative once overdue.
	Elapsed   time.Duration `json:"elapsed"`
	Paused    time.Duration `json:"paused"`
	Remaining time.Duration `json:"remaining"`
	// Due is when the target is used up if the clock keeps running: set while it runs.
	Due time.Time `json:"due,omitzero"`
	// WarnAt is when the clock warns (or warned), if the target has a warning and the
	// instant is known; Warned reports that it has.
	WarnAt time.Time `json:"warn_at,omitzero"`
	Warned bool      `json:"warned,omitempty"`
	// Breached reports that this run used up its target before it stopped, at
	// BreachedAt.
	Breached   bool      `json:"breached,omitempty"`
	BreachedAt time.Time `json:"breached_at,omitzero"`
}

// Breach is a target that a case broke.
type Breach struct {
	Kind  TargetKind `json:"kind"`
	Cycle int        `json:"cycle"`
	At    time.Time  `json:"at"`
}

// Span is a measured time: in business time on the calendars of the policies in force,
// and in elapsed real time. Pauses are included: a span is what the customer waited.
type Span struct {
	Business time.Duration `json:"business"`
	Calendar time.Duration `json:"calendar"`
}

// Timings are a case's measured times, for metrics.
type Timings struct {
	// FirstResponse is the time to the first public reply, if there was one.
	FirstResponse *Span `json:"first_response,omitempty"`
	// NextReplies are the times customers' messages waited for an answer, one per
	// answered run of the next-reply clock.
	NextReplies []Span `json:"next_replies,omitempty"`
	// FirstResolution is the time from the opening to the first resolution, and
	// FinalResolution to the latest, if the case is resolved or closed now.
	FirstResolution *Span `json:"first_resolution,omitempty"`
	FinalResolution *Span `json:"final_resolution,omitempty"`
	// Age is the time since the opening (until the merge, for a merged case).
	Age Span `json:"age"`
	// Reopens counts the times the case went from resolved or closed back to
	// investigating.
	Reopens int `json:"reopens,omitempty"`
}

// SLA is the SLA state of a case at an instant, computed from its steps.
type SLA struct {
	Case     CaseID    `json:"case"`
	At       time.Time `json:"at"`
	Status   Status    `json:"status"`
	Policy   string    `json:"policy"`
	Priority Priority  `json:"priority"`
	// Clocks holds the latest run of each clock that has started and that the policy in
	// force has a target for, in the order of TargetKinds.
	Clocks []Clock `json:"clocks"`
	// Breaches lists every target broken, in the order they broke (a breach stays on the
	// record when a later policy would not count it).
	Breaches []Breach `json:"breaches,omitempty"`
	Timings  Timings  `json:"timings"`
}

// Clock returns the clock of a kind, if it is in s.Clocks.
func (s *SLA) Clock(k TargetKind) (Clock, bool) {
	for _, c := range s.Clocks {
		if c.Kind == k {
			return c, true
		}
	}
	return Clock{}, false
}

// Status computes the SLA state of a case at an instant, from its steps up to that
// instant: the same case gives the same answer at any instant of an injected clock,
// before or after later steps were recorded. The rules:
//
//   - Each clock counts time in its target's time (business time on the calendar of the
//     policy in force, or calendar time) while it runs, from the first business moment
//     after it starts; see TargetKind for what starts and stops each one.
//   - While the case waits on the customer the clocks pause, except those whose target
//     keeps running; paused time is measured in the target's time too. A customer's
//     message ends the pause (Service.Message moves the case back to investigating).
//   - A policy change or a reassessment keeps the time each clock has counted and
//     applies the new targets to it: a clock already past a shorter new target is
//     overdue at once; a clock the new policy has no target for is not reported (its
//     time is still counted, in business time, should a later policy have one).
//   - Reopening resumes the resolution clock; the time resolved or closed counts as
//     paused.
//   - A merge cancels every clock at the merge: no breach after it.
//   - A clock breaches when it runs past the instant its target is used up; a reply at
//     that very instant is in time.
//
// A case with no steps, or whose policy is not in s, is an error, and so is an instant
// before the case was opened (it had no clocks then).
func (s *Policies) Status(c *Case, at time.Time) (SLA, error) {
	if c == nil || len(c.Steps) == 0 || c.Steps[0].Action != Opened {
		return SLA{}, kehu.Invalid("case", "steps", "has no opening step")
	}
	at = kehu.Truncate(at)
	if opened := c.Steps[0].At; at.Before(opened) {
		return SLA{}, kehu.Invalid("at", "range", fmt.Sprintf("%s is before the case was opened, at %s",
			at.Format(time.RFC3339Nano), opened.Format(time.RFC3339Nano)))
	}
	r := replay{set: s, c: c}
	if err := r.run(at); err != nil {
		return SLA{}, err
	}
	return r.result(), nil
}

// cycle is one run of a clock.
type cycle struct {
	n                  int
	active, ran        bool
	state              ClockState
	start, stop        time.Time
	used, paused       time.Duration
	idle               time.Duration // resolution: time resolved or closed since it stopped
	wall               Span
	breachedAt, warnAt time.Time
	due                time.Time
	// the target in force, resolved per segment
	tgt     *Target
	tgtDur  time.Duration
	bdFor   *Policy // the policy tgtDur was converted for, for a target in business days
	bdTgt   *Target
	running bool
}

func (y *cycle) begin(t time.Time) {
	*y = cycle{n: y.n + 1, active: true, ran: true, state: ClockRunning, start: t}
}

func (y *cycle) end(t time.Time, st ClockState) {
	if y.active {
		y.active, y.state, y.stop, y.due, y.running = false, st, t, time.Time{}, false
	}
}

type replay struct {
	set    *Policies
	c      *Case
	at     time.Time
	status Status
	pol    *Policy
	// w walks the calendar of pol, carrying its zone's stretch from step to step
	w        walker
	priority Priority
	clocks   [4]cycle // in TargetKinds order
	breaches []Breach
	tm       Timings
	merged   bool
	// lastResolved is the case's age at its latest resolution.
	lastResolved Span
}

func (r *replay) run(at time.Time) error {
	r.at = at
	steps := r.c.Steps
	prev := steps[0].At
	for i := 0; i < len(steps); i++ {
		t := steps[i].At
		if t.Before(prev) {
			t = prev // a trail is in time order; an earlier stamp counts as the one before it
		}
		if t.After(at) {
			break
		}
		if err := r.apply(&steps[i], t); err != nil {
			return err
		}
		if r.merged {
			return nil
		}
		end := at
		if i+1 < len(steps) && !steps[i+1].At.After(at) {
			end = steps[i+1].At
			if end.Before(t) {
				end = t
			}
		}
		r.segment(t, end, i+1 == len(steps) || end.Equal(at))
		prev = t
	}
	return nil
}

func (r *replay) setPolicy(id string) error {
	p := r.set.Policy(id)
	if p == nil {
		return fmt.Errorf("case %s: SLA policy %s: %w", r.c.ID, clip.Quote(id), kehu.ErrNotFound)
	}
	if r.w.c != p.cal {
		r.w = walker{c: p.cal}
	}
	r.pol = p
	return nil
}

func (r *replay) apply(st *Step, t time.Time) error {
	prev := r.status
	switch st.Action {
	case Opened:
		id, pr := st.Policy, st.Priority
		if id == "" {
			id = r.c.Policy
		}
		if pr == 0 {
			pr = r.c.Assessment.Priority
		}
		if err := r.setPolicy(id); err != nil {
			return err
		}
		r.priority, r.status = pr, st.To
		r.clocks[0].begin(t)
		r.clocks[3].begin(t)
		return nil
	case PolicyChanged:
		if err := r.setPolicy(st.Policy); err != nil {
			return err
		}
	case Reassessed:
		if st.Priority != 0 {
			r.priority = st.Priority
		}
	}
	if st.To != "" {
		r.status = st.To
	}
	fr, nr, pu, res := &r.clocks[0], &r.clocks[1], &r.clocks[2], &r.clocks[3]
	if r.status == Merged {
		for i := range r.clocks {
			r.clocks[i].end(t, ClockCancelled)
		}
		r.merged = true
		return nil
	}
	resolvedNow := r.status == Resolved && prev != Resolved
	if st.Action == Replied || resolvedNow {
		if fr.active {
			fr.end(t, ClockStopped)
			w := fr.wall
			r.tm.FirstResponse = &w
		}
		if nr.active {
			nr.end(t, ClockStopped)
			r.tm.NextReplies = append(r.tm.NextReplies, nr.wall)
		}
		pu.end(t, ClockStopped)
		if r.status != Resolved && r.status != Closed {
			pu.begin(t)
		}
	}
	if st.Action == CustomerWrote && fr.ran && !fr.active && !nr.active && r.status.Open() {
		nr.begin(t)
	}
	switch {
	case resolvedNow:
		res.end(t, ClockStopped)
		pu.end(t, ClockCancelled)
		life := r.tm.Age
		r.lastResolved = life
		if r.tm.FirstResolution == nil {
			r.tm.FirstResolution = &life
		}
	case r.status == Investigating && (prev == Resolved || prev == Closed):
		r.tm.Reopens++
		res.active, res.state, res.stop = true, ClockRunning, time.Time{}
		res.paused += res.idle
		res.idle = 0
		if fr.ran && !fr.active && !pu.active {
			pu.begin(t)
		}
	case r.status == Closed:
		nr.end(t, ClockCancelled)
		pu.end(t, ClockCancelled)
	}
	return nil
}

// segment counts the time from a to b, in which nothing changes, on every active clock.
// last marks the segment that ends at the instant asked about.
func (r *replay) segment(a, b time.Time, last bool) {
	biz := r.w.betweenTimes(a, b)
	wall := Span{Business: biz, Calendar: b.Sub(a)}
	r.tm.Age.Business += wall.Business
	r.tm.Age.Calendar += wall.Calendar
	for i, k := range TargetKinds() {
		y := &r.clocks[i]
		if !y.active {
			if k == Resolution && y.ran {
				if tgt := r.pol.target(r.priority, k); tgt != nil && tgt.CalendarTime {
					y.idle += wall.Calendar
				} else {
					y.idle += biz
				}
			}
			continue
		}
		y.wall.Business += wall.Business
		y.wall.Calendar += wall.Calendar
		tgt := r.pol.target(r.priority, k)
		paused := r.status.Paused() && (tgt == nil || !tgt.KeepRunning)
		m := biz
		if tgt != nil && tgt.CalendarTime {
			m = wall.Calendar
		}
		wasRunning := y.running
		y.running = !paused
		if paused {
			y.paused += m
			y.state = ClockPaused
			y.due = time.Time{}
			continue
		}
		y.state = ClockRunning
		if tgt == nil {
			y.used += m
			y.tgt = nil
			continue
		}
		T := r.targetDuration(y, tgt)
		y.tgt, y.tgtDur = tgt, T
		add := func(d time.Duration) time.Time {
			if tgt.CalendarTime {
				return a.Add(d)
			}
			return r.w.add(a, d)
		}
		if w, ok := warnAfter(tgt, T); ok && (y.warnAt.IsZero() || y.used < w) && (last || y.used+m >= w) {
			y.warnAt = add(max(w-y.used, 0))
		}
		if last || y.used+m >= T {
			y.due = add(max(T-y.used, 0))
			if wasRunning && y.used == T {
				// The target ran out exactly as the segment before this one ended (at a
				// closing time, say): it is due there, not at the next opening, whether
				// or not a step was recorded at that instant.
				y.due = a
			}
			if y.due.Before(b) && y.breachedAt.IsZero() {
				y.breachedAt = y.due
				r.breaches = append(r.breaches, Breach{Kind: k, Cycle: y.n, At: y.due})
			}
		}
		y.used += m
	}
}

// targetDuration is a target as a duration in its own time: a target in business days
// is converted at the run's start, on the calendar of the policy in force.
func (r *replay) targetDuration(y *cycle, t *Target) time.Duration {
	if t.BusinessDays == 0 {
		return t.Within
	}
	if y.bdFor != r.pol || y.bdTgt != t {
		y.bdFor, y.bdTgt = r.pol, t
		y.tgtDur = r.w.betweenTimes(y.start, r.w.addDays(y.start, t.BusinessDays))
	}
	return y.tgtDur
}

// warnAfter is the time counted at which a target warns.
func warnAfter(t *Target, T time.Duration) (time.Duration, bool) {
	switch {
	case t.WarnPercent > 0:
		return T / 100 * time.Duration(t.WarnPercent), true
	case t.WarnBefore > 0:
		return max(T-t.WarnBefore, 0), true
	}
	return 0, false
}

func (r *replay) result() SLA {
	out := SLA{Case: r.c.ID, At: r.at, Status: r.status, Policy: r.pol.ID(), Priority: r.priority, Breaches: r.breaches, Timings: r.tm,
		Clocks: make([]Clock, 0, len(r.clocks))}
	if r.status == Resolved || r.status == Closed {
		final := r.lastResolved
		out.Timings.FinalResolution = &final
	}
	for i, k := range TargetKinds() {
		y := &r.clocks[i]
		tgt := r.pol.target(r.priority, k)
		if !y.ran || tgt == nil {
			continue
		}
		T := tgt.Within
		if tgt.BusinessDays > 0 {
			T = r.targetDuration(y, tgt)
		}
		c := Clock{Kind: k, State: y.state, Cycle: y.n, Started: y.start, Stopped: y.stop, Target: T,
			CalendarTime: tgt.CalendarTime, Elapsed: y.used, Paused: y.paused, Remaining: T - y.used,
			WarnAt: y.warnAt, Breached: !y.breachedAt.IsZero(), BreachedAt: y.breachedAt}
		if y.active && y.running {
			c.Due = y.due
		}
		if c.Breached {
			c.Due = y.breachedAt
		}
		c.Warned = !c.WarnAt.IsZero() && !c.WarnAt.After(r.at) && (y.active || !c.WarnAt.After(y.stop))
		if !c.Warned && !y.active {
			c.WarnAt = time.Time{}
		}
		out.Clocks = append(out.Clocks, c)
	}
	return out
}
