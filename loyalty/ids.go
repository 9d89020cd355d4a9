package loyalty

import (
	"github.com/google/uuid"

	"github.com/kehu-crm/kehu"
)

type (
	entryKind struct{}
	lotKind   struct{}
)

func (entryKind) KindName() string { return "entry_id" }
func (lotKind) KindName() string   { return "lot_id" }

// EntryID identifies a ledger entry.
type EntryID = kehu.ID[entryKind]

// LotID identifies a lot: the points one earning created, spent down over time.
type LotID = kehu.ID[lotKind]

// ParseEntryID parses an entry ID.
func ParseEntryID(s string) (EntryID, error) { return kehu.ParseID[entryKind](s) }

// EntryIDFrom wraps a UUID as an EntryID.
func EntryIDFrom(u uuid.UUID) EntryID { return kehu.IDFrom[entryKind](u) }

// LotIDFrom wraps a UUID as a LotID.
func LotIDFrom(u uuid.UUID) LotID { return kehu.IDFrom[lotKind](u) }
