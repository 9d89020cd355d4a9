package loyalty

import (
	"bytes"
	"slices"
	"time"

	"github.com/google/uuid"
)

// lotSet is an account's lots as the memory store keeps them, without pointers: every lot
// in the order it was added (its slot), and beside them the indexes that find a command's
// working set (see Need) without reading the rest:
//
//   - open lists the slots of the lots with points left, in NearestExpiryFirst order, so
//     that the lots due to expire are its first and a spend reads its first few;
//   - pending lists the slots of open lots that may still be pending: every open lot
//     whose AvailableAt is after prunedAt is in it (and some others, pruned lazily);
//   - byID finds a lot's slot by ID once the account has lotIndexMin lots;
//   - held is what the lots hold in all.
//
// Spent and expired lots stay in lots and nowhere else: no command reads them unless it
// names them.
type lotSet struct {
	lots     []memLot
	open     []uint32
	pending  []uint32
	prunedAt memTime
	byID     map[uuid.UUID]uint32
	held     int64
}

// lotIndexMin is the number of lots from which an account indexes its lots by ID.
const lotIndexMin = 32

// zeroSec is memTime.sec of the zero time.
var zeroSec = time.Time{}.Unix()

func (t memTime) isZero() bool { return t.sec == zeroSec && t.nsec == 0 }

func (t memTime) compare(u memTime) int {
	if t.sec != u.sec {
		if t.sec < u.sec {
			return -1
		}
		return 1
	}
	switch {
	case t.nsec < u.nsec:
		return -1
	case t.nsec > u.nsec:
		return 1
	}
	return 0
}

// spendOrder orders lots as NearestExpiryFirst spends them (see drawsBefore).
func spendOrder(x, y *memLot) int {
	if c := x.expiresAt.compare(y.expiresAt); c != 0 {
		switch {
		case x.expiresAt.isZero():
			return 1
		case y.expiresAt.isZero():
			return -1
		}
		return c
	}
	if c := x.earnedAt.compare(y.earnedAt); c != 0 {
		return c
	}
	return bytes.Compare(x.id[:], y.id[:])
}

// slot returns the slot of the lot with the ID, and false if the account has none.
func (s *lotSet) slot(id uuid.UUID) (uint32, bool) {
	if s.byID != nil {
		n, ok := s.byID[id]
		return n, ok
	}
	for i := range s.lots {
		if s.lots[i].id == id {
			return uint32(i), true
		}
	}
	return 0, false
}

// openAt returns where slot n is, or belongs, in open.
func (s *lotSet) openAt(n uint32) (int, bool) {
	return slices.BinarySearchFunc(s.open, n, func(m, n uint32) int { return spendOrder(&s.lots[m], &s.lots[n]) })
}

func (s *lotSet) addOpen(n uint32) {
	if i, found := s.openAt(n); !found {
		s.open = slices.Insert(s.open, i, n)
	}
}

func (s *lotSet) removeOpen(n uint32) {
	if i, found := s.openAt(n); found {
		s.open = slices.Delete(s.open, i, i+1)
	}
}

// grow makes room for n more lots, so that a command's new lots are added without
// growing the lists one by one.
func (s *lotSet) grow(n int) {
	s.lots = slices.Grow(s.lots, n)
	s.open = slices.Grow(s.open, n)
	s.pending = slices.Grow(s.pending, n)
}

// put stores lot in slot n (n == len(lots) adds it), keeping the indexes.
func (s *lotSet) put(n uint32, lot memLot) {
	if int(n) == len(s.lots) {
		s.lots = append(s.lots, memLot{})
		if s.byID != nil {
			s.byID[lot.id] = n
		} else if len(s.lots) >= lotIndexMin {
			s.byID = make(map[uuid.UUID]uint32, 2*len(s.lots))
			for i := range s.lots[:n] {
				s.byID[s.lots[i].id] = uint32(i)
			}
			s.byID[lot.id] = n
		}
	} else if old := &s.lots[n]; old.remaining > 0 {
		if lot.remaining > 0 && spendOrder(old, &lot) == 0 && old.availableAt == lot.availableAt {
			s.held += lot.remaining - old.remaining
			s.lots[n] = lot
			return // the usual change: fewer points, nothing else
		}
		s.removeOpen(n)
	}
	s.held += lot.remaining - s.lots[n].remaining
	s.lots[n] = lot
	if lot.remaining > 0 {
		s.addOpen(n)
		if lot.availableAt.compare(s.prunedAt) > 0 {
			s.pending = append(s.pending, n)
		}
	}
}

// workingSet appends to dst the slots of the lots need asks for, in slot order, without
// repeats. All hands every lot.
func (s *lotSet) workingSet(dst []uint32, need *Need, at memTime, all bool) []uint32 {
	start := len(dst)
	if all {
		for i := range s.lots {
			dst = append(dst, uint32(i))
		}
		return dst
	}
	// The lots due to expire: first in open, as their expiry is earliest.
	spendableAt := func(l *memLot) bool {
		return l.availableAt.compare(at) <= 0 && (l.expiresAt.isZero() || l.expiresAt.compare(at) > 0)
	}
	for _, n := range s.open {
		if l := &s.lots[n]; l.expiresAt.isZero() || l.expiresAt.compare(at) > 0 {
			break
		}
		dst = append(dst, n)
	}
	// The pending lots: pruned of those available by at, unless at is before the instant
	// the list was last pruned at (a clock set back), when every open lot is looked at.
	if at.compare(s.prunedAt) >= 0 {
		keep := s.pending[:0]
		for _, n := range s.pending {
			if l := &s.lots[n]; l.remaining > 0 && l.availableAt.compare(at) > 0 && !slices.Contains(keep, n) {
				keep = append(keep, n)
			}
		}
		s.pending, s.prunedAt = keep, at
		dst = append(dst, keep...)
	} else {
		for _, n := range s.open {
			if s.lots[n].availableAt.compare(at) > 0 {
				dst = append(dst, n)
			}
		}
	}
	// The spendable lots, in the policy's order, until they hold need.Spend.
	if need.Spend > 0 {
		var sum int64
		if need.Policy == OldestFirst {
			var cand []uint32
			for _, n := range s.open {
				if spendableAt(&s.lots[n]) {
					cand = append(cand, n)
				}
			}
			slices.SortFunc(cand, func(m, n uint32) int {
				x, y := &s.lots[m], &s.lots[n]
				if c := x.earnedAt.compare(y.earnedAt); c != 0 {
					return c
				}
				return bytes.Compare(x.id[:], y.id[:])
			})
			for _, n := range cand {
				if sum >= need.Spend {
					break
				}
				dst = append(dst, n)
				sum += s.lots[n].remaining
			}
		} else {
			for _, n := range s.open {
				if sum >= need.Spend {
					break
				}
				if l := &s.lots[n]; spendableAt(l) {
					dst = append(dst, n)
					sum += l.remaining
				}
			}
		}
	}
	for _, id := range need.Lots {
		if n, ok := s.slot(id.UUID()); ok {
			dst = append(dst, n)
		}
	}
	set := dst[start:]
	slices.Sort(set)
	return dst[:start+len(slices.Compact(set))]
}

// nextExpiry is Account.NextExpiry of the whole account.
func (s *lotSet) nextExpiry(l *entryLog) time.Time {
	for _, n := range s.open {
		if x := &s.lots[n]; x.expiredAt.isZero() {
			if x.expiresAt.isZero() {
				return time.Time{}
			}
			return l.time(x.expiresAt)
		}
	}
	return time.Time{}
}
