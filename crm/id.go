package crm

import (
	"database/sql/driver"
	"fmt"

	"github.com/google/uuid"
)

// Kind names the kind of record an ID identifies. Packages define one empty struct type per
// kind; the type parameter keeps a CustomerID from being passed where an InteractionID is
// expected.
type Kind interface {
	// KindName is the field name used in error messages, e.g. "customer_id".
	KindName() string
}

// ID is a typed identifier over a UUID (version 7 by default, so IDs sort by creation time).
// The zero value is the nil UUID and means "no ID".
type ID[K Kind] struct {
	u uuid.UUID
}

// IDFrom wraps a UUID as a typed ID.
func IDFrom[K Kind](u uuid.UUID) ID[K] { return ID[K]{u: u} }

// ParseID parses the textual form of a UUID as a typed ID. The nil UUID is rejected.
func ParseID[K Kind](s string) (ID[K], error) {
	var k K
	u, err := uuid.Parse(s)
	if err != nil {
		return ID[K]{}, Invalid(k.KindName(), "format", fmt.Sprintf("%q is not a UUID", truncate(s, 64)))
	}
	if u == uuid.Nil {
		return ID[K]{}, Invalid(k.KindName(), "required", "is the nil UUID")
	}
	return ID[K]{u: u}, nil
}

// UUID returns the underlying UUID.
func (id ID[K]) UUID() uuid.UUID { return id.u }

// IsZero reports whether the ID is unset.
func (id ID[K]) IsZero() bool { return id.u == uuid.Nil }

// String returns the canonical text form, or "" for the zero ID.
func (id ID[K]) String() string {
	if id.IsZero() {
		return ""
	}
	return id.u.String()
}

// Compare orders IDs by their bytes; for UUIDv7 that is creation order.
func (id ID[K]) Compare(o ID[K]) int {
	for i := range id.u {
		if id.u[i] != o.u[i] {
			if id.u[i] < o.u[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// MarshalText implements encoding.TextMarshaler; the zero ID is the empty string.
func (id ID[K]) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; the empty string is the zero ID.
func (id *ID[K]) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*id = ID[K]{}
		return nil
	}
	v, err := ParseID[K](string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// Value implements driver.Valuer: the text form, or NULL for the zero ID.
func (id ID[K]) Value() (driver.Value, error) {
	if id.IsZero() {
		return nil, nil
	}
	return id.u.String(), nil
}

// Scan implements sql.Scanner for text, 16-byte binary and NULL values.
func (id *ID[K]) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*id = ID[K]{}
		return nil
	case string:
		return id.UnmarshalText([]byte(v))
	case []byte:
		if len(v) == 16 {
			u, err := uuid.FromBytes(v)
			if err != nil {
				return err
			}
			*id = ID[K]{u: u}
			return nil
		}
		return id.UnmarshalText(v)
	default:
		var k K
		return Invalid(k.KindName(), "type", fmt.Sprintf("cannot scan %T", src))
	}
}

type (
	customerKind    struct{}
	interactionKind struct{}
	changeKind      struct{}
)

func (customerKind) KindName() string    { return "customer_id" }
func (interactionKind) KindName() string { return "interaction_id" }
func (changeKind) KindName() string      { return "change_id" }

// CustomerID identifies a customer.
type CustomerID = ID[customerKind]

// InteractionID identifies an interaction on a customer's timeline.
type InteractionID = ID[interactionKind]

// ChangeID identifies one entry of a customer's audit history.
type ChangeID = ID[changeKind]

// ParseCustomerID parses a customer ID.
func ParseCustomerID(s string) (CustomerID, error) { return ParseID[customerKind](s) }

// ParseInteractionID parses an interaction ID.
func ParseInteractionID(s string) (InteractionID, error) { return ParseID[interactionKind](s) }

// ParseChangeID parses an audit history entry ID.
func ParseChangeID(s string) (ChangeID, error) { return ParseID[changeKind](s) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// CustomerIDFrom wraps a UUID as a CustomerID.
func CustomerIDFrom(u uuid.UUID) CustomerID { return IDFrom[customerKind](u) }

// InteractionIDFrom wraps a UUID as an InteractionID.
func InteractionIDFrom(u uuid.UUID) InteractionID { return IDFrom[interactionKind](u) }

// ChangeIDFrom wraps a UUID as a ChangeID.
func ChangeIDFrom(u uuid.UUID) ChangeID { return IDFrom[changeKind](u) }
