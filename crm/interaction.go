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
	// RepliedAt is when the reply was made; zero while it is outstanding.
	RepliedAt time.Time `json:"replied_at,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	// Key is the idempotency key the interaction was recorded with, unique per store.
	Key string `json:"key,omitempty"`
}

// Overdue reports whether a reply was due before now and has not been made.
func (in *Interaction) Overdue(now time.Time) bool {
	return !in.ReplyBy.IsZero() && in.RepliedAt.IsZero() && in.ReplyBy.Before(now)
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
