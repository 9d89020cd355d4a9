package crm

import "time"

// Event names published by the crm Service.
const (
	EventCustomerCreated     = "crm.customer_created"
	EventCustomerUpdated     = "crm.customer_updated"
	EventStageChanged        = "crm.stage_changed"
	EventConsentRecorded     = "crm.consent_recorded"
	EventCustomersMerged     = "crm.customers_merged"
	EventCustomerErased      = "crm.customer_erased"
	EventInteractionRecorded = "crm.interaction_recorded"
	EventReplyRecorded       = "crm.reply_recorded"
)

// CustomerEvent is published after a change to a customer. Name says which change; Fields
// lists the changed fields (values are in the audit history, not in events, so that events
// carry no personal data).
type CustomerEvent struct {
	Name       string     `json:"name"`
	CustomerID CustomerID `json:"customer_id"`
	Version    int64      `json:"version"`
	At         time.Time  `json:"at"`
	Actor      string     `json:"actor"`
	Fields     []string   `json:"fields,omitempty"`
	// From and To are set on stage changes.
	From Stage `json:"from,omitempty"`
	To   Stage `json:"to,omitempty"`
	// Other is the duplicate on a merge.
	Other CustomerID `json:"other,omitzero"`
}

// EventName implements Event.
func (e CustomerEvent) EventName() string { return e.Name }

// OccurredAt implements Event.
func (e CustomerEvent) OccurredAt() time.Time { return e.At }

// InteractionEvent is published when an interaction is recorded or replied to.
type InteractionEvent struct {
	Name          string        `json:"name"`
	InteractionID InteractionID `json:"interaction_id"`
	CustomerID    CustomerID    `json:"customer_id"`
	Channel       Channel       `json:"channel"`
	Direction     Direction     `json:"direction"`
	At            time.Time     `json:"at"`
}

// EventName implements Event.
func (e InteractionEvent) EventName() string { return e.Name }

// OccurredAt implements Event.
func (e InteractionEvent) OccurredAt() time.Time { return e.At }
