// Package complaint handles customer complaints: cases that are received, acknowledged,
// investigated and resolved against service-level targets (SLA clocks) that run in
// business time, not in calendar time.
//
// # The process
//
// A case follows the steps of ISO 10002, and the allowed moves live on its Status (see
// Status.CanMoveTo): received → acknowledged → assessed → investigating (→ waiting on the
// customer, which pauses the SLA clocks) → resolved, the decision communicated → closed when
// the customer accepts it. A resolution the customer rejects goes back to investigating,
// a closed case can be reopened, and any open case can be merged into another.
//
// # Cases
//
// A Case holds the customer's own words, the remedy they ask for, the cause (a category
// code), the triage and its computed priority, who is responsible and who handles it, the
// linked order or interaction, and its Steps: an append-only audit trail of every change
// with actor, time and note. Service.Open records a complaint and Service.Move changes its
// status as Status.CanMoveTo allows; Escalate and Reassign hand it over, Merge folds it into
// another case of the customer, Reply, Message, ChangePolicy and Reassess record what
// drives its SLA clocks (see below), and Answer records the customer's acceptance of the
// resolution (the case closes) or rejection with the recourse offered (it is investigated
// again). Every command is idempotent by a required key, also when a retry races the first
// attempt, and two concurrent moves from one status never both succeed, nor two merges
// of two cases each into the other. Text a command gives — words, notes, replies,
// messages, categories, who handles or is responsible, roles, policy IDs, and the actor of
// kehu.WithActor — is refused when it is not UTF-8 (rule "encoding") or holds a NUL byte
// (rule "control_char"; any control character in the actor), so every store keeps it as
// given; a refused command writes nothing. Store is the narrow persistence interface,
// NewMemoryStore the embedded default, and package complainttest the conformance suite.
//
// # Priority
//
// A case's priority is computed, never typed: Assess multiplies its severity, its urgency
// and the customer's value band (which the host judges: an ABC class, a CLV band) into a
// score and maps it to P1–P4; a critical complaint is at least P2, and a complaint in the
// media is P1 and handled as a crisis.
//
// # Business calendars
//
// A business calendar says when the clock of a case runs. It is written as a
// CalendarSpec, in Go or in strict JSON (LoadCalendar), and compiled by CompileCalendar
// into an immutable *Calendar that is safe for concurrent use:
//
//	{
//	  "time_zone": "Asia/Shanghai",
//	  "week": {
//	    "monday":  [{"from": "09:00", "to": "12:00"}, {"from": "13:30", "to": "18:00"}],
//	    "tuesday": [{"from": "09:00", "to": "18:00"}]
//	  },
//	  "holidays": ["2024-10-01", "2024-10-02"],
//	  "extra_days": [{"date": "2024-09-29", "hours": [{"from": "09:00", "to": "18:00"}]}]
//	}
//
// The week gives the working hours of each weekday, split shifts allowed ("24:00" may
// end a day); holidays are civil dates with no working hours; extra days are dates with
// hours of their own, which replace the weekday's: the make-up working days that follow
// a public holiday in China (调休), or a Saturday opening. AlwaysOpen makes a 24×7
// calendar, on which business time is elapsed real time.
//
// Its operations take and return instants: Add gives the due time of a target, Sub the
// instant a warning is due before it, Between the business time between two instants,
// AddDays a due time counted in business days, Open and NextOpening whether and when the
// desk is open. The conventions of every operation:
//
//   - Business time is elapsed real time inside working hours. A change of daylight
//     saving time never adds or drops an hour of a target: 4 hours of business time are
//     4 hours of real time the desk is open.
//   - Working hours are wall-clock times in the calendar's zone, taken on each civil date:
//     the desk is open from the moment the clock on its wall reads the opening time until
//     it reads the closing time. A 09:00–18:00 day is 9 real hours whenever the clocks
//     change outside it (at night, as in Europe and North America); a shift that covers
//     the change is as long as the clock says, so 00:00–06:00 is 5 real hours on the night
//     clocks go forward and 7 on the night they go back. A wall-clock time the clocks
//     skip is passed when they jump (kehu.Date.At): a shift from 00:00 on a night that
//     skips midnight opens at 01:00, not the evening before, and no instant is ever
//     counted twice.
//   - A clock starts at the first business moment at or after the start (NextOpening):
//     a case received on Saturday starts on Monday morning, one received at 12:20 during a
//     lunch break starts when work resumes.
//   - A target used up exactly at the end of a working interval is due at that end
//     (18:00, or 12:00 before lunch), not at the next opening. Working intervals are
//     half-open, so at 18:00 the desk is closed (Open is false).
//   - Every instant is taken as a whole microsecond and returned in UTC, as kehu.Truncate
//     gives it; durations are cut to whole microseconds.
//   - Bounds: a duration longer than MaxDuration is taken as MaxDuration, and no
//     operation looks further than MaxSpanDays calendar days from the instant it starts
//     at. A target not used up within that span is due at the end of the span; Between
//     counts at most MaxSpanDays and at most MaxDuration. Instants outside the years 1
//     to 9999 are taken as the nearest end of that range. So every call returns in
//     bounded time, whatever its input.
//
// # SLA policies and clocks
//
// A PolicySpec gives, for each priority, the targets of four clocks — first response,
// next reply, periodic update and resolution — each in minutes, hours or business days,
// in business time on the policy's calendar or in calendar time, with an optional warning
// at a percentage of the target or a time before it. CompilePolicy (or LoadPolicy, from
// strict JSON) turns it into an immutable *Policy; NewPolicies collects the policies a
// service applies (Service.WithPolicies), the first being the default of a new case.
//
// The clocks are never stored: Policies.Status (Service.SLA) computes them from the case's
// steps up to any instant, so they are right at any instant of an injected clock and
// after any change of policy. What each clock measures is defined on TargetKind, because
// ticketing engines disagree: the first response is the first public reply on any
// channel (internal notes and automatic acknowledgements do not count; a reply that asks
// the customer a question does; communicating the resolution does); the next reply runs
// only while a customer's message is unanswered, from the oldest one; the periodic update
// runs between public replies once the first response is given, so it never overrides
// it; the resolution clock runs until the case is resolved and resumes on reopening. The
// steps that drive them are recorded by Service.Reply (public, internal or automatic,
// optionally with a move), Service.Message (the customer wrote: a wait on the customer
// ends, and a message to a merged case goes to the case it went into),
// Service.ChangePolicy and Service.Reassess.
//
// While a case waits on the customer its clocks pause (a target may keep running), and
// the paused time is measured like the target. A change of policy or priority keeps the
// time each clock has counted and applies the new target to it; a target the new policy
// lacks disappears. The time a case spends resolved or closed counts as paused when it is
// reopened. A merge cancels every clock of the merged case: no breach after it. A clock
// breaches when it runs past the instant its target is used up, and a reply at that very
// instant is in time.
//
// Policies.Metrics measures a set of cases at an instant: the times to first response,
// next reply, first and final resolution (mean, median, 90th percentile and maximum), the
// breaches by clock, the reopen rate and the backlog by age, each in business and in
// calendar time.
//
// Policies.Handling reads from a case and its SLA the three instants a report counts a
// complaint by: when it was received, when its resolution was due (also for a clock that
// stopped in time, which has no due instant of its own) and when it was resolved. They
// are what crm's scorecard takes as a crm.ComplaintFact; this package does not import
// crm, so that a host that uses complaint alone links none of it.
//
// # Service recovery and win-back
//
// Recovery need not wait for a complaint: a host that finds a failure first (a bag that
// missed its flight, a delivery that will be late) opens a proactive case (Open.Proactive)
// without the customer's words, and tells the customer before they find out, as a host
// that knows its customers' value may do for the valuable ones. A case keeps the record
// of how a failure was put right (Case.Recovery): the apology, the
// fixes, the compensation granted, the follow-ups and the customer's satisfaction
// afterwards on the three dimensions of fairness — outcome, speed, courtesy — each a step
// of the audit trail. Frontline staff act on their own authority within limits: an
// Empowerment policy, compiled from a spec or strict JSON, gives each role a ceiling per
// customer value band, in money per currency and in points, counted over the case and the
// cases merged into it (one complaint made twice and merged gets its ceiling once); a
// grant within the requester's ceiling is approved and paid at once, one above it waits
// for a role whose ceiling covers it (DecideCompensation). The role comes from the host's
// own authentication, never from a client. Compensation is paid through a Compensator the
// host wires to loyalty or payments (Service.WithCompensation), always with a key made
// from the case and the grant, so a retry or a replay after a crash pays once
// (SettleCompensation pays what a failure left approved). Closing a case can ask for a
// recovery survey (Service.WithRecoverySurvey, a RecoverySurveyor); RecoveryEffects
// reports satisfaction before and after per category, and CheckConsistency finds
// comparable cases (category × severity × value band) compensated differently beyond a
// tolerance.
//
// Lost customers are classified into six types (pushed away deliberately or
// unintentionally, pulled away by a competitor, bought away, left without intent, moved
// away) through a ReasonMap of the host's reason codes; a WinBackPlan names an individual
// contact and offer terms, and EvaluateWinBack weighs recovered revenue against cost in
// one currency, per type and per campaign, with ROI = (revenue − cost) / cost to four
// places.
package complaint
