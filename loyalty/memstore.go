package loyalty

import (
	"context"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// MemoryStore is the embedded default Store: everything in memory, safe for concurrent use.
// Writes are serialised by one lock, which makes every Update atomic across accounts.
//
// It is built for large programmes: entries and command records are encoded back to back
// in byte chunks (see entryLog), the lots of accounts with fewer than 64 lots are kept in
// a form without pointers, and the indexes are maps of numbers, so the garbage collector
// scans little of what the store holds. Readers get decoded copies. The zero value is an
// empty store, ready to use.
type MemoryStore struct {
	mu       sync.RWMutex
	programs map[string]*progRec
	// log holds every entry and command record, numbered in the order written; byID
	// finds an entry's number, and sourcePrev[n] is the number + 1 of the entry before n
	// whose source hashed alike (0: none), chaining EntriesBySource's lists.
	log        entryLog
	byID       map[EntryID]uint32
	sourcePrev []uint32
	seed       maphash.Seed
	members    map[memberKey]*MemberState
	nums       []uint32   // scratch for a command's entry numbers
	recs       []*acctRec // scratch for the records of the accounts Update was given (nil: new)
	// rewards holds the catalogue, reservations and coupons (see memstore_reward.go),
	// created on first use.
	rewards *rewardMem
}

// acctRec is a stored account: the account's row (a.Lots is always nil) and its lots.
type acctRec struct {
	a       Account
	lots    lotSet
	entries []uint32 // numbers in the log
	// nextExpiry is Account.NextExpiry, kept so that scans for due lots skip the rest.
	nextExpiry time.Time
}

// account returns a copy of the stored account, with every lot.
func (s *MemoryStore) account(r *acctRec) *Account {
	a := r.a
	if len(r.lots.lots) > 0 {
		a.Lots = s.log.lots(make([]Lot, 0, len(r.lots.lots)), r.lots.lots)
	}
	return &a
}

type progRec struct {
	// Accounts are numbered in the order they were created: index finds an account's
	// number, and account n is blocks[n/recBlock][n%recBlock]. The index holds no
	// pointers, so the garbage collector does not scan it.
	index  map[acctKey]uint32
	blocks [][]acctRec
	n      uint32
	types  []string // the point types of the accounts, numbered for acctKey
	// typeNum finds a point type's number: counters of caps and limits make a new point
	// type per period (see IsInternalAccount), so there are many.
	typeNum map[string]uint32
	order   []uint32 // every account's number, in key order when !dirty
	dirty   bool
	// commands maps a command key's hash to the position + 1 of the latest command record
	// whose key hashed alike; each record holds the one before (see entryLog.addCommand).
	commands map[uint64]uint64
	// sources maps a (source type, reference) hash to the number + 1 of the latest entry
	// with it; sourcePrev links the rest.
	sources map[uint64]uint32

	// memberIDs lists the customers with a member state, sorted when !membersDirty.
	memberIDs    []crm.CustomerID
	membersDirty bool
}

var (
	_ Store      = (*MemoryStore)(nil)
	_ OpenReader = (*MemoryStore)(nil)
)

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	s := &MemoryStore{}
	s.init()
	return s
}

// init makes the maps, the log and the hash seed of a zero store. Readers find nothing in
// nil maps, so only writers need them: every writer takes the lock with lock, which calls
// init.
func (s *MemoryStore) init() {
	if s.programs != nil {
		return
	}
	s.programs = make(map[string]*progRec)
	s.log = newEntryLog()
	s.byID = make(map[EntryID]uint32)
	s.seed = maphash.MakeSeed()
	s.members = make(map[memberKey]*MemberState)
}

// lock takes the write lock, making the maps of a zero store first.
func (s *MemoryStore) lock() {
	s.mu.Lock()
	s.init()
}

func (s *MemoryStore) program(id string) *progRec {
	p := s.programs[id]
	if p == nil {
		p = &progRec{commands: map[uint64]uint64{}, sources: map[uint64]uint32{}, index: map[acctKey]uint32{}}
		s.programs[id] = p
	}
	return p
}

// acctKey is an AccountKey within its programme: the customer and the number of the
// point type in progRec.types.
type acctKey struct {
	customer  crm.CustomerID
	pointType uint32
}

// recBlock is how many account records a programme allocates at a time.
const recBlock = 256

func (p *progRec) rec(n uint32) *acctRec { return &p.blocks[n/recBlock][n%recBlock] }

// key returns k within the programme; false if its point type has no account.
func (p *progRec) key(k AccountKey) (acctKey, bool) {
	if t, ok := p.typeNum[k.PointType]; ok {
		return acctKey{customer: k.Customer, pointType: t}, true
	}
	return acctKey{}, false
}

// find returns the account's record, or nil.
func (p *progRec) find(k AccountKey) *acctRec {
	if key, ok := p.key(k); ok {
		if n, ok := p.index[key]; ok {
			return p.rec(n)
		}
	}
	return nil
}

// add creates the account's record, with Key set.
func (p *progRec) add(k AccountKey) *acctRec {
	key, ok := p.key(k)
	if !ok {
		if p.typeNum == nil {
			p.typeNum = make(map[string]uint32)
		}
		p.typeNum[k.PointType] = uint32(len(p.types))
		p.types = append(p.types, k.PointType)
		key = acctKey{customer: k.Customer, pointType: uint32(len(p.types) - 1)}
	}
	n := p.n
	if n%recBlock == 0 {
		p.blocks = append(p.blocks, make([]acctRec, recBlock))
	}
	p.n++
	p.index[key] = n
	if m := len(p.order); m > 0 && p.rec(p.order[m-1]).a.Key.Compare(k) > 0 {
		p.dirty = true
	}
	p.order = append(p.order, n)
	r := p.rec(n)
	r.a.Key = k
	return r
}

// find returns the account's record, or nil.
func (s *MemoryStore) find(k AccountKey) *acctRec {
	if p := s.programs[k.Program]; p != nil {
		return p.find(k)
	}
	return nil
}

// sourceHash hashes a source type and reference for progRec.sources.
func (s *MemoryStore) sourceHash(typ, ref string) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	h.WriteString(typ)
	h.WriteByte(0)
	h.WriteString(ref)
	return h.Sum64()
}

// findCommand returns the position of the programme's command record with the key.
func (s *MemoryStore) findCommand(p *progRec, key string) (uint64, bool) {
	for at := p.commands[maphash.String(s.seed, key)]; at != 0; {
		prev, k := s.log.commandKey(at - 1)
		if string(k) == key {
			return at - 1, true
		}
		at = prev
	}
	return 0, false
}

// lotSlack is the room for new lots a copy given to Update's fn has beyond its working set.
const lotSlack = 4

// Update implements Store. fn gets each account's working set (see Need), read through
// the account's lot indexes (see lotSet), and the lots it returns are stored by ID.
func (s *MemoryStore) Update(ctx context.Context, keys []AccountKey, need Need, fn func([]*Account) (*Commit, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.lock()
	defer s.mu.Unlock()
	// fn works on new copies, each with room for a few new lots: it may keep them.
	block := make([]Account, len(keys))
	accts := make([]*Account, len(keys))
	recs := slices.Grow(s.recs[:0], len(keys))[:len(keys)]
	s.recs = recs
	at := s.log.memTime(need.At)
	handed := make([][]uint32, len(keys))
	for i, k := range keys {
		a := &block[i]
		r := s.find(k)
		recs[i] = r
		if r != nil {
			*a = r.a
			set := r.lots.workingSet(nil, &need, at, need.All || IsCounterAccount(k.PointType))
			handed[i] = set
			a.Lots = make([]Lot, 0, len(set)+lotSlack)
			a.Outside = r.lots.held
			for _, n := range set {
				l := &r.lots.lots[n]
				a.Lots = s.log.lots(a.Lots, r.lots.lots[n:n+1])
				a.Outside -= l.remaining
			}
		} else {
			a.Key = k
		}
		accts[i] = a
	}
	commit, err := fn(accts)
	if err != nil {
		return err
	}
	if commit != nil && commit.Command != nil {
		if err := kehu.CheckKey("key", commit.Command.Key); err != nil {
			return err
		}
		if _, ok := s.findCommand(s.program(commit.Command.Program), commit.Command.Key); ok {
			return fmt.Errorf("command %q: %w", commit.Command.Key, kehu.ErrDuplicate)
		}
	}
	for i, k := range keys {
		if slices.Contains(keys[:i], k) {
			continue // a key given twice is stored once
		}
		r := recs[i]
		if r == nil {
			r = s.program(k.Program).add(k)
			recs[i] = r
		}
		// The lots fn's account holds replace the stored lots of their ID, or are added.
		// Copies go in: fn may keep its account.
		got := accts[i].Lots
		if fresh := len(got) - len(handed[i]); fresh > 0 {
			r.lots.grow(fresh)
		}
		for j := range got {
			var one [1]memLot
			lot := s.log.appendLots(one[:0], got[j:j+1])[0]
			n, ok := uint32(0), false
			if j < len(handed[i]) && r.lots.lots[handed[i][j]].id == lot.id {
				n, ok = handed[i][j], true
			} else {
				n, ok = r.lots.slot(lot.id)
			}
			if !ok {
				n = uint32(len(r.lots.lots))
			}
			r.lots.put(n, lot)
		}
		version := r.a.Version
		r.a = *accts[i]
		r.a.Lots, r.a.Outside = nil, 0
		r.a.Key = k
		r.a.Version = version + 1
		r.nextExpiry = r.lots.nextExpiry(&s.log)
	}
	if commit == nil {
		return nil
	}
	for i := range commit.Entries {
		e := &commit.Entries[i]
		n := s.log.add(e)
		s.byID[e.ID] = n
		var r *acctRec
		if j := slices.Index(keys, e.Account); j >= 0 {
			r = recs[j] // usually: entries are of the accounts updated
		} else {
			r = s.find(e.Account)
		}
		if r != nil {
			r.entries = append(r.entries, n)
		}
		var prev uint32
		if e.Source.Ref != "" {
			p := s.program(e.Account.Program)
			h := s.sourceHash(e.Source.Type, e.Source.Ref)
			prev, p.sources[h] = p.sources[h], n+1
		}
		s.sourcePrev = append(s.sourcePrev, prev)
	}
	if c := commit.Command; c != nil {
		// The record keeps its entries as given: as numbers of the commit's entries they
		// equal, or else logged for the record alone.
		first := uint32(len(s.log.offs) - len(commit.Entries))
		nums := s.nums[:0]
		for i := range c.Entries {
			e := &c.Entries[i]
			j := slices.IndexFunc(commit.Entries, func(x Entry) bool { return x.ID == e.ID })
			n := first + uint32(j)
			if j < 0 || !s.log.holds(n, e) {
				n = s.log.add(e)
				s.sourcePrev = append(s.sourcePrev, 0) // listed by no source
			}
			nums = append(nums, n)
		}
		s.nums = nums
		p := s.program(c.Program)
		h := maphash.String(s.seed, c.Key)
		p.commands[h] = s.log.addCommand(loggedCommand{prev: p.commands[h], key: c.Key, digest: c.Digest, at: c.At, entries: nums}) + 1
	}
	return nil
}

// Account implements Store.
func (s *MemoryStore) Account(ctx context.Context, key AccountKey) (*Account, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.find(key)
	if r == nil {
		return nil, fmt.Errorf("account %s: %w", key, kehu.ErrNotFound)
	}
	return s.account(r), nil
}

// OpenAccount implements OpenReader: it decodes the lots of the open-lots index alone.
func (s *MemoryStore) OpenAccount(ctx context.Context, key AccountKey) (*Account, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.find(key)
	if r == nil {
		return nil, fmt.Errorf("account %s: %w", key, kehu.ErrNotFound)
	}
	a := r.a
	if n := len(r.lots.open); n > 0 {
		slots := slices.Sorted(slices.Values(r.lots.open)) // slot order is the order added
		a.Lots = make([]Lot, 0, n)
		for _, slot := range slots {
			a.Lots = s.log.lots(a.Lots, r.lots.lots[slot:slot+1])
		}
	}
	return &a, nil
}

// MemberAccounts implements Store.
func (s *MemoryStore) MemberAccounts(ctx context.Context, program string, customer crm.CustomerID) ([]*Account, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.programs[program]
	if p == nil {
		return nil, nil
	}
	var out []*Account
	for t := range p.types {
		if n, ok := p.index[acctKey{customer: customer, pointType: uint32(t)}]; ok {
			out = append(out, s.account(p.rec(n)))
		}
	}
	slices.SortFunc(out, func(a, b *Account) int { return a.Key.Compare(b.Key) })
	return out, nil
}

// Entry implements Store.
func (s *MemoryStore) Entry(ctx context.Context, id EntryID) (*Entry, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := s.byID[id]
	if !ok {
		return nil, fmt.Errorf("entry %s: %w", id, kehu.ErrNotFound)
	}
	e := s.log.entry(n)
	return &e, nil
}

// Entries implements Store.
func (s *MemoryStore) Entries(ctx context.Context, key AccountKey, q EntryQuery) (kehu.Page[Entry], error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.find(key)
	if r == nil {
		return kehu.Page[Entry]{}, fmt.Errorf("account %s: %w", key, kehu.ErrNotFound)
	}
	start := 0
	if q.After != "" {
		n, err := strconv.Atoi(q.After)
		if err != nil || n < 0 {
			return kehu.Page[Entry]{}, kehu.Invalid("after", "format", "is not a cursor of this store")
		}
		start = min(n, len(r.entries))
	}
	limit := q.Size()
	var page kehu.Page[Entry]
	for i := start; i < len(r.entries); i++ {
		if !q.From.IsZero() || !q.To.IsZero() {
			if at := s.log.entryAt(r.entries[i]); (!q.From.IsZero() && at.Before(q.From)) || (!q.To.IsZero() && !at.Before(q.To)) {
				continue
			}
		}
		if len(page.Items) == limit {
			page.Next = strconv.Itoa(i)
			break
		}
		page.Items = append(page.Items, s.log.entry(r.entries[i]))
	}
	return page, nil
}

// EntriesBySource implements Store.
func (s *MemoryStore) EntriesBySource(ctx context.Context, program, sourceType, ref string) ([]Entry, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.programs[program]
	if p == nil {
		return nil, nil
	}
	var out []Entry
	for at := p.sources[s.sourceHash(sourceType, ref)]; at != 0; at = s.sourcePrev[at-1] {
		if e := s.log.entry(at - 1); e.Source.Type == sourceType && e.Source.Ref == ref {
			out = append(out, e)
		}
	}
	slices.Reverse(out) // the chain runs from the latest
	return out, nil
}

// Command implements Store.
func (s *MemoryStore) Command(ctx context.Context, program, key string) (*Command, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if p := s.programs[program]; p != nil {
		if at, ok := s.findCommand(p, key); ok {
			c := s.log.command(at)
			cmd := &Command{Program: program, Key: key, Digest: c.digest, At: c.at, Entries: make([]Entry, len(c.entries))}
			for i, n := range c.entries {
				cmd.Entries[i] = s.log.entry(n)
			}
			return cmd, nil
		}
	}
	return nil, noCommand(key)
}

// noCommand is Command's answer for an unknown key, the usual case for a new command: its
// message is formatted only if it is read.
type noCommand string

func (e noCommand) Error() string { return fmt.Sprintf("command %q: %v", string(e), kehu.ErrNotFound) }
func (e noCommand) Unwrap() error { return kehu.ErrNotFound }

// ScanAccounts implements Store.
func (s *MemoryStore) ScanAccounts(ctx context.Context, program string, q ScanQuery) (kehu.Page[*Account], error) {
	s.lock() // sorting the key list may be needed
	defer s.mu.Unlock()
	p := s.programs[program]
	if p == nil {
		return kehu.Page[*Account]{}, nil
	}
	if p.dirty {
		slices.SortFunc(p.order, func(a, b uint32) int { return p.rec(a).a.Key.Compare(p.rec(b).a.Key) })
		p.dirty = false
	}
	start := 0
	if q.After != "" {
		after, err := parseAccountCursor(program, q.After)
		if err != nil {
			return kehu.Page[*Account]{}, err
		}
		start, _ = slices.BinarySearchFunc(p.order, after, func(n uint32, k AccountKey) int { return p.rec(n).a.Key.Compare(k) })
		if start < len(p.order) && p.rec(p.order[start]).a.Key == after {
			start++
		}
	}
	limit := q.Size()
	var page kehu.Page[*Account]
	for i := start; i < len(p.order); i++ {
		if err := ctx.Err(); err != nil && i%4096 == 0 {
			return kehu.Page[*Account]{}, err
		}
		r := p.rec(p.order[i])
		if !q.DueBy.IsZero() && (r.nextExpiry.IsZero() || r.nextExpiry.After(q.DueBy)) {
			continue
		}
		if len(page.Items) == limit {
			last := page.Items[limit-1].Key
			page.Next = last.Customer.String() + "/" + last.PointType
			break
		}
		if q.KeysOnly {
			page.Items = append(page.Items, &Account{Key: r.a.Key})
			continue
		}
		page.Items = append(page.Items, s.account(r))
	}
	return page, nil
}

func parseAccountCursor(program, s string) (AccountKey, error) {
	bad := kehu.Invalid("after", "format", "is not a cursor of this store")
	id, typ, ok := strings.Cut(s, "/")
	if !ok {
		return AccountKey{}, bad
	}
	c, err := crm.ParseCustomerID(id)
	if err != nil {
		return AccountKey{}, bad
	}
	return AccountKey{Program: program, Customer: c, PointType: typ}, nil
}
