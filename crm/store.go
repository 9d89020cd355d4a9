package crm

import (
	"context"
	"time"

	"github.com/kehu-crm/kehu"
)

// Store persists customers, their audit history and their interactions. It holds no rules:
// the Service normalises, validates and audits, and the store only keeps what it is given,
// atomically. Every implementation must pass crmtest.Run. NewMemoryStore is the embedded
// default.
//
// Instants are whole microseconds (kehu.Precision): the Service reads a clock truncated to
// the microsecond and truncates the instants a host passes in for it to record
// (kehu.Truncate), so a store is given nothing finer and one that keeps microseconds, as
// PostgreSQL does, keeps every instant exactly. A host that calls a store directly passes
// whole microseconds too; a finer instant is outside the contract (a store returns it as
// given, but may order and compare it only to the microsecond). Query bounds may be any
// instant and are compared exactly.
//
// Copies: a store never keeps a pointer it was given nor returns one it keeps; callers may
// change what they pass in and what they get back.
//
// Keys: a store keeps idempotency keys (Change.Key, Interaction.Key) byte for byte. Before
// it writes anything, it refuses a non-empty key that kehu.CheckKey refuses, with that
// error, so that every store refuses the same keys.
type Store interface {
	// CreateCustomer stores a new customer (Version 1) and the first entry of its history,
	// atomically. The entry's Key, when not empty, is the create's idempotency key:
	// GetCustomerByKey finds the customer by it. It fails with kehu.ErrDuplicate if the ID exists
	// or another customer was created with the same key.
	CreateCustomer(ctx context.Context, c *Customer, first *Change) error
	// GetCustomer returns the customer, or kehu.ErrNotFound.
	GetCustomer(ctx context.Context, id CustomerID) (*Customer, error)
	// GetCustomerByKey returns the customer created with the idempotency key, or kehu.ErrNotFound.
	GetCustomerByKey(ctx context.Context, key string) (*Customer, error)
	// UpdateCustomer runs fn on a copy of the current customer, atomically. If fn returns an
	// error nothing is written and the error is returned as is. Otherwise the copy is stored
	// with Version increased by one, and the returned Change, if not nil, is appended to the
	// customer's history in the same step; a Change whose Key is not empty and was already
	// used by this customer fails the whole update with kehu.ErrDuplicate. Concurrent updates of
	// one customer are serialised, or all but one fail with kehu.ErrConflict. kehu.ErrNotFound if the
	// customer does not exist.
	UpdateCustomer(ctx context.Context, id CustomerID, fn func(*Customer) (*Change, error)) error
	// MergeCustomers runs fn on copies of both customers and, if it returns no error, stores
	// both, appends each Change to its customer's history, moves every interaction of the
	// duplicate to the survivor, and copies the duplicate's history entries to the survivor's
	// history with From set to the duplicate's ID (a copy may drop the entry's Key and
	// Digest) — all in one atomic step. If fn returns an error nothing is written and the
	// error is returned as is. A Change whose Key is not empty and was already used by its
	// customer fails the whole merge with kehu.ErrDuplicate.
	MergeCustomers(ctx context.Context, survivor, duplicate CustomerID,
		fn func(survivor, duplicate *Customer) (survivorChange, duplicateChange *Change, err error)) error
	// LookupCustomers returns the customers whose field has exactly the value, in ID order:
	// LookupEmail matches any normalised email, LookupPhone any E.164 phone, LookupNameKey
	// any of the name keys (see NameKeys). Tombstones are not returned.
	LookupCustomers(ctx context.Context, field LookupField, value string) ([]*Customer, error)
	// SearchCustomers returns one page of the customers matching q, in ID order.
	SearchCustomers(ctx context.Context, q SearchQuery) (kehu.Page[*Customer], error)
	// History returns one page of a customer's audit history in the order it was appended
	// (kehu.ErrNotFound if the customer does not exist). Entries copied by a merge come where the
	// merge was appended; nothing already listed ever moves, so cursors stay valid.
	History(ctx context.Context, id CustomerID, page kehu.PageRequest) (kehu.Page[Change], error)
	// RedactHistory replaces, in every history entry listed under the customer, each field
	// change for which redact returns true with Old and New set to Redacted. It is the one
	// permitted edit of history, used by Erase.
	RedactHistory(ctx context.Context, id CustomerID, redact func(field string) bool) error

	// CreateInteraction stores a new interaction. kehu.ErrNotFound if its customer does not
	// exist; kehu.ErrDuplicate if the ID exists or in.Key is not empty and already used.
	CreateInteraction(ctx context.Context, in *Interaction) error
	// GetInteraction returns the interaction, or kehu.ErrNotFound.
	GetInteraction(ctx context.Context, id InteractionID) (*Interaction, error)
	// GetInteractionByKey returns the interaction recorded with the key, or kehu.ErrNotFound.
	GetInteractionByKey(ctx context.Context, key string) (*Interaction, error)
	// UpdateInteraction runs fn on a copy of the interaction atomically; on error nothing is
	// written.
	UpdateInteraction(ctx context.Context, id InteractionID, fn func(*Interaction) error) error
	// ListInteractions returns one page of interactions matching q, ordered by (At, ID).
	ListInteractions(ctx context.Context, q InteractionQuery) (kehu.Page[*Interaction], error)

	// ScanTimelines calls fn with every customer that is not a tombstone and its
	// interactions with At before the bound (a zero bound: all of them), oldest first (by
	// At, then ID), the customers in no set order; it stops at fn's first error and returns
	// it. It is the bulk read of plans and calendars over a whole customer base: fn must
	// neither change nor keep the customer, the slice or its interactions (a store may hand
	// it its own records), nor call the store.
	ScanTimelines(ctx context.Context, before time.Time, fn func(c *Customer, timeline []*Interaction) error) error
}

// LookupField names an exact-match index.
type LookupField string

// Lookup fields.
const (
	LookupEmail   LookupField = "email"
	LookupPhone   LookupField = "phone"
	LookupNameKey LookupField = "name_key"
)

// SearchQuery selects customers. Every set condition must hold.
type SearchQuery struct {
	// Terms are normalised keyword terms (see ParseKeyword); each must be a substring of the
	// customer's SearchText.
	Terms []string
	// Stages keeps customers in any of these stages.
	Stages []Stage
	// Tags keeps customers having all of these (normalised) tags.
	Tags []string
	// Owner keeps customers with this owner.
	Owner string
	// CreatedFrom and CreatedTo keep customers with From ≤ CreatedAt < To (zero = open).
	CreatedFrom, CreatedTo time.Time
	// IncludeTombstones also returns merged-away customers.
	IncludeTombstones bool
	kehu.PageRequest
}

// InteractionQuery selects interactions.
type InteractionQuery struct {
	// CustomerID keeps one customer's interactions; zero means all customers.
	CustomerID CustomerID
	// From and To keep interactions with From ≤ At < To (zero = open).
	From, To time.Time
	// OverdueAt, when set, keeps only interactions whose reply was due before it and has not
	// been made.
	OverdueAt time.Time
	kehu.PageRequest
}
