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

// hash8 is a string's FNV-1a hash folded to 0–255: a cheap filter and cache index for the
// short IDs of rules, point types and the like.
func hash8(s string) uint8 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return uint8(h ^ h>>8 ^ h>>16 ^ h>>24)
}
