package kehu

import "github.com/google/uuid"

type customerKind struct{}

func (customerKind) KindName() string { return "customer_id" }

// CustomerID identifies a customer across the library: crm keeps the customer, and
// loyalty, survey and complaint name them by it (crm.CustomerID is the same type).
type CustomerID = ID[customerKind]

// ParseCustomerID parses a customer ID.
func ParseCustomerID(s string) (CustomerID, error) { return ParseID[customerKind](s) }

// CustomerIDFrom wraps a UUID as a CustomerID.
func CustomerIDFrom(u uuid.UUID) CustomerID { return IDFrom[customerKind](u) }
