package loyalty

import (
	"context"
	"fmt"
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
	entries  map[EntryID]*Entry
	members  map[memberKey]*MemberState
	scratch  []*Account // see Update
	// scratchLots[i] is the lot buffer scratch[i] was given to fn with.
	scratchLots [][]Lot
	// rewards holds the catalogue, reservations and coupons (see memstore_reward.go),
	// created on first use.
	rewards *rewardMem
}

type acctRec struct {
	a       *Account
	entries []EntryID
	// nextExpiry is Account.NextExpiry, kept so that scans for due lots skip the rest.
	nextExpiry time.Time
}

// acctBlock allocates a new account with its record.
type acctBlock struct {
	rec  acctRec
	acct Account
}

type progRec struct {
	keys     []AccountKey // in key order when !dirty
	dirty    bool
	commands map[string]*cmdRec
	bySource map[string][]EntryID
	members  map[crm.CustomerID][]AccountKey
	// memberIDs lists the customers with a member state, sorted when !membersDirty.
	memberIDs    []crm.CustomerID
	membersDirty bool
}

// cmdRec is a stored command record. Its entries are entries of the same commit (see
// Commit), so it keeps their IDs and Command rebuilds the record from the stored entries.
type cmdRec struct {
	digest string
	at     time.Time
	ids    []EntryID
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		accounts: make(map[AccountKey]*acctRec),
		programs: make(map[string]*progRec),
		entries:  make(map[EntryID]*Entry),
		members:  make(map[memberKey]*MemberState),
	}
}

func (s *MemoryStore) program(id string) *progRec {
	p := s.programs[id]
	if p == nil {
		p = &progRec{commands: map[string]*cmdRec{}, bySource: map[string][]EntryID{}, members: map[crm.CustomerID][]AccountKey{}}
		s.programs[id] = p
	}
	return p
}

func sourceKey(typ, ref string) string { return typ + "\x00" + ref }

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
	accts := make([]*Account, len(keys))
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
		if _, ok := s.program(commit.Command.Program).commands[commit.Command.Key]; ok {
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
	stored := storeEntries(commit.Entries)
	for i := 0; i < len(stored); {
		// A run of entries of one account and source (an order's lines) is indexed together:
		// one source key, and each index list grown once.
		j := i + 1
		for j < len(stored) && stored[j].Account == stored[i].Account &&
			stored[j].Source.Type == stored[i].Source.Type && stored[j].Source.Ref == stored[i].Source.Ref {
			j++
		}
		run := stored[i:j]
		r := s.accounts[run[0].Account]
		if r != nil {
			r.entries = slices.Grow(r.entries, len(run))
		}
		var bySource []EntryID
		var sk string
		p := s.program(run[0].Account.Program)
		if run[0].Source.Ref != "" {
			sk = sourceKey(run[0].Source.Type, run[0].Source.Ref)
			bySource = slices.Grow(p.bySource[sk], len(run))
		}
		for k := range run {
			e := &run[k]
			s.entries[e.ID] = e
			if r != nil {
				r.entries = append(r.entries, e.ID)
			}
			if sk != "" {
				bySource = append(bySource, e.ID)
			}
		}
		if sk != "" {
			p.bySource[sk] = bySource
		}
		i = j
	}
	if c := commit.Command; c != nil {
		rec := &cmdRec{digest: c.Digest, at: c.At, ids: make([]EntryID, len(c.Entries))}
		for i := range c.Entries {
			rec.ids[i] = c.Entries[i].ID
		}
		s.program(c.Program).commands[c.Key] = rec
	}
	return nil
}

// storeEntries deep-copies a commit's entries into one block: one array of entries, one of
// their lot moves and one of their rule awards, each entry's slices cut from the shared ones
// with their capacity clipped. Stored entries are never changed and readers get clones, so
// sharing the blocks is safe, and a commit of n entries costs three allocations, not 3n.
func storeEntries(es []Entry) []Entry {
	var nLots, nAwards int
	for i := range es {
		nLots += len(es[i].Lots)
		nAwards += len(es[i].Awards)
	}
	out := slices.Clone(es)
	lots := make([]LotMove, 0, nLots)
	awards := make([]RuleAward, 0, nAwards)
	for i := range out {
		e := &out[i]
		if e.Lots != nil {
			at := len(lots)
			lots = append(lots, e.Lots...)
			e.Lots = lots[at:len(lots):len(lots)]
		}
		if e.Awards != nil {
			at := len(awards)
			awards = append(awards, e.Awards...)
			e.Awards = awards[at:len(awards):len(awards)]
		}
	}
	return out
}

// cloneEntry returns a deep copy of e.
func cloneEntry(e *Entry) Entry {
	c := *e
	c.Lots = slices.Clone(e.Lots)
	c.Awards = slices.Clone(e.Awards)
	return c
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
	e := s.entries[id]
	if e == nil {
		return nil, fmt.Errorf("entry %s: %w", id, crm.ErrNotFound)
	}
	c := cloneEntry(e)
	return &c, nil
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
		e := s.entries[r.entries[i]]
		if (!q.From.IsZero() && e.At.Before(q.From)) || (!q.To.IsZero() && !e.At.Before(q.To)) {
			continue
		}
		if len(page.Items) == limit {
			page.Next = strconv.Itoa(i)
			break
		}
		page.Items = append(page.Items, cloneEntry(e))
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
	ids := p.bySource[sourceKey(sourceType, ref)]
	out := make([]Entry, len(ids))
	for i, id := range ids {
		out[i] = cloneEntry(s.entries[id])
	}
	return out, nil
}

// Command implements Store.
func (s *MemoryStore) Command(ctx context.Context, program, key string) (*Command, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if p := s.programs[program]; p != nil {
		if c := p.commands[key]; c != nil {
			cmd := &Command{Program: program, Key: key, Digest: c.digest, At: c.at, Entries: make([]Entry, len(c.ids))}
			for i, id := range c.ids {
				cmd.Entries[i] = cloneEntry(s.entries[id])
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
