package crm

import (
	"github.com/google/uuid"
	"github.com/kehu-crm/kehu"
)

type (
	customerKind    struct{}
	interactionKind struct{}
	changeKind      struct{}
)

func (customerKind) KindName() string    { return "customer_id" }
func (interactionKind) KindName() string { return "interaction_id" }
func (changeKind) KindName() string      { return "change_id" }

// CustomerID identifies a customer.
type CustomerID = kehu.ID[customerKind]

// InteractionID identifies an interaction on a customer's timeline.
type InteractionID = kehu.ID[interactionKind]

// ChangeID identifies one entry of a customer's audit history.
type ChangeID = kehu.ID[changeKind]

// ParseCustomerID parses a customer ID.
func ParseCustomerID(s string) (CustomerID, error) { return kehu.ParseID[customerKind](s) }

// ParseInteractionID parses an interaction ID.
func ParseInteractionID(s string) (InteractionID, error) { return kehu.ParseID[interactionKind](s) }

// ParseChangeID parses an audit history entry ID.
func ParseChangeID(s string) (ChangeID, error) { return kehu.ParseID[changeKind](s) }

// CustomerIDFrom wraps a UUID as a CustomerID.
func CustomerIDFrom(u uuid.UUID) CustomerID { return kehu.IDFrom[customerKind](u) }

// InteractionIDFrom wraps a UUID as an InteractionID.
func InteractionIDFrom(u uuid.UUID) InteractionID { return kehu.IDFrom[interactionKind](u) }

// ChangeIDFrom wraps a UUID as a ChangeID.
func ChangeIDFrom(u uuid.UUID) ChangeID { return kehu.IDFrom[changeKind](u) }
