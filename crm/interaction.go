package crm

import (
	"time"
)

// Interaction is one contact with a customer on their timeline: a call, an email, a visit…
// It holds what a phone-service record asks for: who called, the number or address
// used, whom they asked for, when, what about, how urgent, and by when a reply is due.
type Interaction struct {
	ID         InteractionID `json:"id"`
	CustomerID CustomerID    `json:"customer_id"`
	Channel    Channel       `json:"channel"`
	Direction  Direction     `json:"direction"`
	// Purpose of an outbound contact; marketing contacts need the customer's consent.
	Purpose Purpose `json:"purpose"`
	// At is when the interaction happened.
	At time.Time `json:"at"`
	// Contact is the phone number or address used (normalised for phone and email).
	Contact string `json:"contact,omitempty"`
	// AskedFor is whom the customer asked for.
	AskedFor string `json:"asked_for,omitempty"`
	// Agent is the host's ID of the staff member who handled it.
	Agent   string  `json:"agent,omitempty"`
	Subject string  `json:"subject"`
	Content string  `json:"content,omitempty"`
	Outcome string  `json:"outcome,omitempty"`
	Urgency Urgency `json:"urgency"`
	// ReplyBy is when a reply is due; zero when none is needed.
	ReplyBy time.Time `json:"reply_by,omitzero"`
	// RepliedAt is when the reply was made, as RecordReply was told; zero while it is
	// outstanding.
	RepliedAt time.Time `json:"replied_at,omitzero"`
	// ReplyRecordedAt is when the reply was recorded, by the service's clock: a reply
	// logged after the fact and dated back shows it (see RepliedInTime).
	ReplyRecordedAt time.Time `json:"reply_recorded_at,omitzero"`
	CreatedAt       time.Time `json:"created_at"`
	// Key is the idempotency key the interaction was recorded with, unique per store.
	Key string `json:"key,omitempty"`
}

// Overdue reports whether a reply was due before now and has not been made.
func (in *Interaction) Overdue(now time.Time) bool {
	return !in.ReplyBy.IsZero() && in.RepliedAt.IsZero() && in.ReplyBy.Before(now)
}

// RepliedInTime reports whether a reply due by ReplyBy was made by then as the record
// shows it: dated and recorded by ReplyBy. A reply recorded later is late whatever time it
// was given, so one entered hours after its deadline and dated back does not count as on
// time. (A reply recorded before ReplyRecordedAt was kept counts by its date.)
func (in *Interaction) RepliedInTime() bool {
	if in.ReplyBy.IsZero() || in.RepliedAt.IsZero() || in.RepliedAt.After(in.ReplyBy) {
		return false
	}
	return in.ReplyRecordedAt.IsZero() || !in.ReplyRecordedAt.After(in.ReplyBy)
}

// AwaitingReply reports whether a reply is due and not yet made.
func (in *Interaction) AwaitingReply() bool {
	return !in.ReplyBy.IsZero() && in.RepliedAt.IsZero()
}

// Clone returns a copy.
func (in *Interaction) Clone() *Interaction {
	if in == nil {
		return nil
	}
	c := *in
	return &c
}
