package loyalty

import (
	"github.com/google/uuid"

	"github.com/kehu-crm/kehu/crm"
)

type (
	entryKind struct{}
	lotKind   struct{}
)

func (entryKind) KindName() string { return "entry_id" }
func (lotKind) KindName() string   { return "lot_id" }

// EntryID identifies a ledger entry.
type EntryID = crm.ID[entryKind]

// LotID identifies a lot: the points one earning created, spent down over time.
type LotID = crm.ID[lotKind]

// ParseEntryID parses an entry ID.
func ParseEntryID(s string) (EntryID, error) { return crm.ParseID[entryKind](s) }

// EntryIDFrom wraps a UUID as an EntryID.
func EntryIDFrom(u uuid.UUID) EntryID { return crm.IDFrom[entryKind](u) }

// LotIDFrom wraps a UUID as a LotID.
func LotIDFrom(u uuid.UUID) LotID { return crm.IDFrom[lotKind](u) }
