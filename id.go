package kehu

import (
	"database/sql/driver"
	"fmt"

	"github.com/google/uuid"
	"github.com/kehu-crm/kehu/internal/clip"
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
		return ID[K]{}, Invalid(k.KindName(), "format", fmt.Sprintf("%q is not a UUID", clip.String(s, 64)))
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

// MarshalText implements encoding.TextMarshaler; the zero ID is the empty string. It
// allocates the text once (every stored document encodes its IDs through it).
func (id ID[K]) MarshalText() ([]byte, error) {
	if id.IsZero() {
		return []byte{}, nil
	}
	return id.u.MarshalText()
}

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
