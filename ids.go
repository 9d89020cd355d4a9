package kehu

import (
	"encoding/binary"
	"sync"

	"github.com/google/uuid"
)

// SeqIDs is a sequential, deterministic source of UUIDs for test harnesses and simulations.
// The n-th ID it returns (counting from 1) is
//
//	NNHHHH00-0000-7000-8000-XXXXXXXXXXXX
//
// where NN is the namespace byte (00 for NewSeqIDs), XXXXXXXXXXXX the low 48 bits of n and
// HHHH its high 16 bits (0000 for the first 2⁴⁸−1 IDs), all in hexadecimal.
// The IDs carry the version 7 and RFC 9562 variant bits, so they are valid UUIDv7-shaped
// values that sort, as bytes and as text, in the order they were made — like the default
// UUIDv7 IDs, but the same on every run. IDs from sources with different namespaces never
// collide. It is safe for concurrent use; the zero value is a ready source in namespace 0.
//
// Its method value plugs into Options:
//
//	ids := kehu.NewSeqIDs()
//	opts := &kehu.Options{NewID: ids.NewID}
type SeqIDs struct {
	mu sync.Mutex
	ns byte
	n  uint64
}

// NewSeqIDs returns a source whose first ID is 00000000-0000-7000-8000-000000000001.
func NewSeqIDs() *SeqIDs { return &SeqIDs{} }

// NewSeqIDsIn returns a source in namespace ns: its IDs start with the byte ns, so two
// sources with different namespaces never return the same ID, and all IDs of a lower
// namespace sort before those of a higher one.
func NewSeqIDsIn(ns byte) *SeqIDs { return &SeqIDs{ns: ns} }

// NewID returns the next ID.
func (s *SeqIDs) NewID() uuid.UUID {
	s.mu.Lock()
	s.n++
	n, ns := s.n, s.ns
	s.mu.Unlock()
	return seqUUID(ns, n)
}

// Count returns how many IDs the source has returned.
func (s *SeqIDs) Count() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// seqUUID lays out the namespace and counter as described on SeqIDs.
func seqUUID(ns byte, n uint64) uuid.UUID {
	var u uuid.UUID
	u[0] = ns
	u[6] = 0x70 // version 7
	u[8] = 0x80 // variant 10 (RFC 9562)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	copy(u[1:3], b[:2]) // the high 16 bits
	copy(u[10:], b[2:]) // the low 48 bits
	return u
}
