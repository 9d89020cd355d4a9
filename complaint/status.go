package complaint

import (
	"slices"

	"github.com/kehu-crm/kehu/internal/enum"
)

// Status is where a complaint case stands in its handling, following the steps of ISO
// 10002: the complaint is received and acknowledged, assessed, investigated (possibly
// waiting on the customer), resolved — the decision communicated — and closed when the
// customer accepts it.
type Status string

// Statuses, in the order of the process.
const (
	// Received: the complaint is recorded; nobody has answered it yet.
	Received Status = "received"
	// Acknowledged: the customer has been told the complaint was received.
	Acknowledged Status = "acknowledged"
	// Assessed: severity, urgency and responsibility are judged, the case is assigned.
	Assessed Status = "assessed"
	// Investigating: the facts are being established and a remedy worked out.
	Investigating Status = "investigating"
	// WaitingOnCustomer: the case needs the customer's answer; its SLA clocks pause.
	WaitingOnCustomer Status = "waiting_on_customer"
	// Resolved: a decision and remedy have been communicated; the customer may accept or
	// reject it.
	Resolved Status = "resolved"
	// Closed: the customer accepted the resolution (or the acceptance period ran out).
	Closed Status = "closed"
	// Merged: the case was folded into another one, which carries on; it takes no further
	// step.
	Merged Status = "merged"
)

// Statuses returns every status, in the order of the process.
func Statuses() []Status {
	return []Status{Received, Acknowledged, Assessed, Investigating, WaitingOnCustomer, Resolved, Closed, Merged}
}

// Valid reports whether s is a declared status.
func (s Status) Valid() bool { return slices.Contains(Statuses(), s) }

// ParseStatus reads a status ("received", "waiting_on_customer", …; case and surrounding
// space ignored); anything else is a *kehu.ValidationError on "status", rule "enum".
func ParseStatus(s string) (Status, error) { return enum.Parse[Status]("status", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown statuses.
func (s *Status) UnmarshalText(b []byte) error { return enum.Unmarshal("status", s, b) }

// CanMoveTo reports whether the process allows a move from s to to. The allowed moves:
//
//	received            → acknowledged, merged
//	acknowledged        → assessed, merged
//	assessed            → investigating, resolved, merged
//	investigating       → waiting_on_customer, resolved, merged
//	waiting_on_customer → investigating, resolved, merged
//	resolved            → closed, investigating (the customer rejected it), merged
//	closed              → investigating (reopened)
//	merged              → nothing
//
// Every case is acknowledged and assessed before anything is decided, so the audit trail
// always shows the acknowledgement, the assessment, the decision and the closure.
// Escalation and reassignment are steps that keep the status.
func (s Status) CanMoveTo(to Status) bool { return slices.Contains(s.Next(), to) }

// Next lists the statuses s may move to.
func (s Status) Next() []Status {
	switch s {
	case Received:
		return []Status{Acknowledged, Merged}
	case Acknowledged:
		return []Status{Assessed, Merged}
	case Assessed:
		return []Status{Investigating, Resolved, Merged}
	case Investigating:
		return []Status{WaitingOnCustomer, Resolved, Merged}
	case WaitingOnCustomer:
		return []Status{Investigating, Resolved, Merged}
	case Resolved:
		return []Status{Closed, Investigating, Merged}
	case Closed:
		return []Status{Investigating}
	}
	return nil
}

// Open reports whether a case in status s is still being handled: not closed and not
// merged.
func (s Status) Open() bool { return s != Closed && s != Merged && s.Valid() }

// Paused reports whether the SLA clocks of a case in status s pause: while it waits on the
// customer.
func (s Status) Paused() bool { return s == WaitingOnCustomer }
