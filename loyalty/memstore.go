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

	"github.com/kehu-crm/kehu/crm"
)

// MemoryStore is the embedded default Store: everything in memory, safe for concurrent use.
// Writes are serialised by one lock, which makes every Update atomic across accounts.
type MemoryStore struct {
	mu       sync.RWMutex
	accounts map[AccountKey]*acctRec
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
	scratch    []*Account // see Update
	accts      []*Account // the list of scratch accounts given to fn
	// scratchLots[i] is the lot buffer scratch[i] was given to fn with.
	scratchLots [][]Lot
	// rewards holds the catalogue, reservations and coupons (see memstore_reward.go),
	// created on first use.
	rewards *rewardMem
}

type acctRec struct {
	a       *Account
	entries []uint32 // numbers in the log
	// nextExpiry is Account.NextExpiry, kept so that scans for due lots skip the rest.
	nextExpiry time.Time
}

// acctBlock allocates a new account with its record.
type acctBlock struct {
	rec  acctRec
	acct Account
}

type progRec struct {
	keys  []AccountKey // in key order when !dirty
	dirty bool
	// commands maps a command key's hash to the position + 1 of the latest command record
	// whose key hashed alike; each record holds the one before (see entryLog.addCommand).
	commands map[uint64]uint64
	// sources maps a (source type, reference) hash to the number + 1 of the latest entry
	// with it; sourcePrev links the rest.
	sources map[uint64]uint32
	members map[crm.CustomerID][]AccountKey
	// memberIDs lists the customers with a member state, sorted when !membersDirty.
	memberIDs    []crm.CustomerID
	membersDirty bool
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		accounts: make(map[AccountKey]*acctRec),
		programs: make(map[string]*progRec),
		log:      newEntryLog(),
		byID:     make(map[EntryID]uint32),
		seed:     maphash.MakeSeed(),
		members:  make(map[memberKey]*MemberState),
	}
}

func (s *MemoryStore) program(id string) *progRec {
	p := s.programs[id]
	if p == nil {
		p = &progRec{commands: map[uint64]uint64{}, sources: map[uint64]uint32{}, members: map[crm.CustomerID][]AccountKey{}}
		s.programs[id] = p
	}
	return p
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

// lotSlack is the room for new lots a copy given to Update's fn has beyond the stored lots.
const lotSlack = 8

// swapLots is the number of lots from which Update swaps lot buffers rather than copying.
const swapLots = 64

// sameArray reports whether a and b share their backing array's first element.
func sameArray(a, b []Lot) bool {
	return cap(a) > 0 && cap(b) > 0 && &a[:1][0] == &b[:1][0]
}

// Update implements Store.
func (s *MemoryStore) Update(ctx context.Context, keys []AccountKey, fn func([]*Account) (*Commit, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// fn works on copies in scratch accounts that the store reuses from one Update to the
	// next (the lock makes them private to this call), so a large account is copied, not
	// reallocated, and leaves no garbage behind. Each copy has room for a few new lots.
	for len(s.scratch) < len(keys) {
		s.scratch = append(s.scratch, &Account{})
		s.scratchLots = append(s.scratchLots, nil)
	}
	accts := slices.Grow(s.accts[:0], len(keys))[:len(keys)]
	s.accts = accts
	for i, k := range keys {
		a := s.scratch[i]
		lots := a.Lots[:0]
		if r := s.accounts[k]; r != nil {
			lots = slices.Grow(lots, len(r.a.Lots)+lotSlack)
			*a = *r.a
			a.Lots = append(lots, r.a.Lots...)
		} else {
			*a = Account{Key: k, Lots: lots}
		}
		s.scratchLots[i] = a.Lots
		accts[i] = a
	}
	commit, err := fn(accts)
	if err != nil {
		return err
	}
	if commit != nil && commit.Command != nil {
		if _, ok := s.findCommand(s.program(commit.Command.Program), commit.Command.Key); ok {
			return fmt.Errorf("command %q: %w", commit.Command.Key, crm.ErrDuplicate)
		}
	}
	for i, k := range keys {
		if slices.Contains(keys[:i], k) {
			continue // a key given twice is stored once
		}
		r := s.accounts[k]
		// Copy fn's account into the store's own: fn may keep its pointer. The store's lot
		// buffer is private (readers get clones), so it is reused rather than reallocated.
		var a *Account
		isNew := r == nil
		if !isNew {
			a = r.a
		} else {
			blk := &acctBlock{} // a new account and its record in one allocation
			r, a = &blk.rec, &blk.acct
		}
		if got := accts[i].Lots; len(got) >= swapLots && sameArray(got, s.scratchLots[i]) && cap(got) <= 2*len(got)+lotSlack {
			// A large account whose lots fn left in the scratch buffer, not oversized for
			// them: the account takes the buffer and the scratch takes the account's old
			// one, so the lots are copied once per Update (in), not twice. Small accounts
			// are copied back, to a buffer of their own size.
			old := a.Lots
			*a = *accts[i]
			a.Key = k
			s.scratch[i].Lots = old[:0]
		} else {
			lots := append(a.Lots[:0], got...)
			*a = *accts[i]
			a.Lots, a.Key = lots, k
		}
		if isNew {
			s.accounts[k] = r
			p := s.program(k.Program)
			if n := len(p.keys); n > 0 && p.keys[n-1].Compare(k) > 0 {
				p.dirty = true
			}
			p.keys = append(p.keys, k)
			p.members[k.Customer] = append(p.members[k.Customer], k)
			a.Version = 1
		} else {
			a.Version = r.a.Version + 1
		}
		r.a = a
		r.nextExpiry = a.NextExpiry()
	}
	if commit == nil {
		return nil
	}
	for i := range commit.Entries {
		e := &commit.Entries[i]
		n := s.log.add(e)
		s.byID[e.ID] = n
		if r := s.accounts[e.Account]; r != nil {
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
		nums := s.nums[:0]
		for i := range c.Entries {
			nums = append(nums, s.byID[c.Entries[i].ID])
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
	r := s.accounts[key]
	if r == nil {
		return nil, fmt.Errorf("account %s: %w", key, crm.ErrNotFound)
	}
	return r.a.Clone(), nil
}

// MemberAccounts implements Store.
func (s *MemoryStore) MemberAccounts(ctx context.Context, program string, customer crm.CustomerID) ([]*Account, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.programs[program]
	if p == nil {
		return nil, nil
	}
	keys := slices.Clone(p.members[customer])
	slices.SortFunc(keys, AccountKey.Compare)
	out := make([]*Account, len(keys))
	for i, k := range keys {
		out[i] = s.accounts[k].a.Clone()
	}
	return out, nil
}

// Entry implements Store.
func (s *MemoryStore) Entry(ctx context.Context, id EntryID) (*Entry, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := s.byID[id]
	if !ok {
		return nil, fmt.Errorf("entry %s: %w", id, crm.ErrNotFound)
	}
	e := s.log.entry(n)
	return &e, nil
}

// Entries implements Store.
func (s *MemoryStore) Entries(ctx context.Context, key AccountKey, q EntryQuery) (crm.Page[Entry], error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.accounts[key]
	if r == nil {
		return crm.Page[Entry]{}, fmt.Errorf("account %s: %w", key, crm.ErrNotFound)
	}
	start := 0
	if q.After != "" {
		n, err := strconv.Atoi(q.After)
		if err != nil || n < 0 {
			return crm.Page[Entry]{}, crm.Invalid("after", "format", "is not a cursor of this store")
		}
		start = min(n, len(r.entries))
	}
	limit := q.Size()
	var page crm.Page[Entry]
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

func (e noCommand) Error() string { return fmt.Sprintf("command %q: %v", string(e), crm.ErrNotFound) }
func (e noCommand) Unwrap() error { return crm.ErrNotFound }

// ScanAccounts implements Store.
func (s *MemoryStore) ScanAccounts(ctx context.Context, program string, q ScanQuery) (crm.Page[*Account], error) {
	s.mu.Lock() // sorting the key list may be needed
	defer s.mu.Unlock()
	p := s.programs[program]
	if p == nil {
		return crm.Page[*Account]{}, nil
	}
	if p.dirty {
		slices.SortFunc(p.keys, AccountKey.Compare)
		p.dirty = false
	}
	start := 0
	if q.After != "" {
		after, err := parseAccountCursor(program, q.After)
		if err != nil {
			return crm.Page[*Account]{}, err
		}
		start, _ = slices.BinarySearchFunc(p.keys, after, AccountKey.Compare)
		if start < len(p.keys) && p.keys[start] == after {
			start++
		}
	}
	limit := q.Size()
	var page crm.Page[*Account]
	for i := start; i < len(p.keys); i++ {
		if err := ctx.Err(); err != nil && i%4096 == 0 {
			return crm.Page[*Account]{}, err
		}
		r := s.accounts[p.keys[i]]
		if !q.DueBy.IsZero() && (r.nextExpiry.IsZero() || r.nextExpiry.After(q.DueBy)) {
			continue
		}
		if len(page.Items) == limit {
			last := page.Items[limit-1].Key
			page.Next = last.Customer.String() + "/" + last.PointType
			break
		}
		page.Items = append(page.Items, r.a.Clone())
	}
	return page, nil
}

func parseAccountCursor(program, s string) (AccountKey, error) {
	bad := crm.Invalid("after", "format", "is not a cursor of this store")
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
