package crm

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
)

// customerIndex maps customer IDs to dense numbers 0, 1, 2, … in the order they were added.
// It is the scorecard's hot path: every order, interaction and member row looks its
// customer up. An open-addressing table with linear probing keeps each entry's key and
// number side by side, so that a lookup among a million customers usually touches one
// cache line, where a map touches two or three; it holds at most three entries per four
// slots, and a source that says how many customers it has (CustomerCounter) gets a table
// of just that size, not the next power of two (27 MB for a million customers instead of
// 42 MB, and a third fewer page faults to fill it). The hash is seeded per index, so that
// no set of IDs collides on purpose.
// TestCustomerIndexOracle holds it against a map.
type customerIndex struct {
	slots  []indexSlot
	size   uint64 // len(slots)
	n      int32
	sink   int32 // keeps touch's reads
	s0, s1 uint64
}

type indexSlot struct {
	key [16]byte
	pos int32 // the customer's number + 1; 0 marks an empty slot
}

// newCustomerIndex returns an empty index with room for about hint IDs before it grows.
func newCustomerIndex(hint int) *customerIndex {
	var h maphash.Hash
	s0 := h.Sum64()
	h.WriteByte(1)
	x := &customerIndex{s0: s0, s1: h.Sum64()}
	x.alloc(max(1<<10, hint/3*4+4))
	return x
}

func (x *customerIndex) alloc(size int) {
	x.slots = make([]indexSlot, size)
	// Memory fresh from the system is mapped on first touch: a first read maps a shared
	// page of zeros and the first write then copies it, two faults per page when the
	// batches' reads (touch) come before their writes. Writing every page once, in order,
	// costs one fault per page and leaves the table resident for the random accesses.
	clear(x.slots)
	x.size = uint64(size)
}

// home returns the key's first slot: the hash scaled to the table's size (the table need
// not be a power of two, so that a known number of customers gets a table just large
// enough).
func (x *customerIndex) home(k *[16]byte) uint64 {
	hi, _ := bits.Mul64(x.hash(k), x.size)
	return hi
}

// next returns the slot after i, wrapping at the end.
func (x *customerIndex) next(i uint64) uint64 {
	if i++; i == x.size {
		return 0
	}
	return i
}

func (x *customerIndex) hash(k *[16]byte) uint64 {
	hi, lo := bits.Mul64(binary.LittleEndian.Uint64(k[:8])^x.s0, binary.LittleEndian.Uint64(k[8:])^x.s1)
	return hi ^ lo
}

// touch reads the home slot of each key, one after another with nothing between, so that
// the cache misses of a batch overlap; the adds that follow then find their slots in the
// cache.
func (x *customerIndex) touch(keys [][16]byte) {
	var sum int32
	for j := range keys {
		sum += x.slots[x.home(&keys[j])].pos
	}
	x.sink += sum
}

// Len returns the number of IDs added.
func (x *customerIndex) Len() int { return int(x.n) }

// find returns the ID's number, or false.
func (x *customerIndex) find(k [16]byte) (int32, bool) {
	for i := x.home(&k); ; i = x.next(i) {
		s := &x.slots[i]
		if s.pos == 0 {
			return 0, false
		}
		if s.key == k {
			return s.pos - 1, true
		}
	}
}

// add gives the ID the next number; false (and nothing added) if it is there already.
// The caller keeps the count below 2^31 − 1.
func (x *customerIndex) add(k [16]byte) (int32, bool) {
	if 4*(int(x.n)+1) > 3*len(x.slots) {
		x.grow()
	}
	i := x.home(&k)
	for ; x.slots[i].pos != 0; i = x.next(i) {
		if x.slots[i].key == k {
			return x.slots[i].pos - 1, false
		}
	}
	x.n++
	x.slots[i] = indexSlot{key: k, pos: x.n}
	return x.n - 1, true
}

func (x *customerIndex) grow() {
	old := x.slots
	x.alloc(2 * len(old))
	for _, s := range old {
		if s.pos == 0 {
			continue
		}
		i := x.home(&s.key)
		for x.slots[i].pos != 0 {
			i = x.next(i)
		}
		x.slots[i] = s
	}
}
