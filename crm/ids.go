package crm

import (
	"github.com/google/uuid"
	"github.com/kehu-crm/kehu"
)

type (
	interactionKind struct{}
	changeKind      struct{}
)

func (interactionKind) KindName() string { return "interaction_id" }
func (changeKind) KindName() string      { return "change_id" }

// CustomerID identifies a customer: it is kehu.CustomerID, the ID every package names
// customers by.
type CustomerID = kehu.CustomerID

// InteractionID identifies an interaction on a customer's timeline.
type InteractionID = kehu.ID[interactionKind]

// ChangeID identifies one entry of a customer's audit history.
type ChangeID = kehu.ID[changeKind]

// ParseCustomerID parses a customer ID.
func ParseCustomerID(s string) (CustomerID, error) { return kehu.ParseCustomerID(s) }

// ParseInteractionID parses an interaction ID.
func ParseInteractionID(s string) (InteractionID, error) { return kehu.ParseID[interactionKind](s) }

// ParseChangeID parses an audit history entry ID.
func ParseChangeID(s string) (ChangeID, error) { return kehu.ParseID[changeKind](s) }

// CustomerIDFrom wraps a UUID as a CustomerID.
func CustomerIDFrom(u uuid.UUID) CustomerID { return kehu.CustomerIDFrom(u) }

// InteractionIDFrom wraps a UUID as an InteractionID.
func InteractionIDFrom(u uuid.UUID) InteractionID { return kehu.IDFrom[interactionKind](u) }

// ChangeIDFrom wraps a UUID as a ChangeID.
func ChangeIDFrom(u uuid.UUID) ChangeID { return kehu.IDFrom[changeKind](u) }
