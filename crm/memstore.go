package crm

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kehu-crm/kehu"
)

// MemoryStore is the embedded default Store: everything in memory, safe for concurrent use,
// with exact-match indexes for email, phone, name key and idempotency keys, and a parallel
// scan for keyword search. It is meant for tests, examples, harnesses and small hosts; it
// keeps nothing when the process ends. The zero value is an empty store, ready to use.
type MemoryStore struct {
	mu sync.RWMutex

	byID  map[CustomerID]*custRec
	order []*custRec // sorted by ID when !dirty
	dirty bool

	email   recIndex[string]
	phone   recIndex[uint64] // see phoneKey
	nameKey recIndex[string]
	keys    map[string]CustomerID

	changeKeys map[CustomerID]map[string]struct{}

	interactions map[InteractionID]*Interaction
	interKeys    map[string]InteractionID
	awaiting     map[InteractionID]struct{}
}

// custRec is a stored customer with the fields a scan reads kept close together.
type custRec struct {
	id    CustomerID
	text  string // SearchText
	stage Stage
	tomb  bool
	c     *Customer
	// history holds the customer's audit entries, each packed into one string (see
	// packChange), in the order they were appended.
	history []string
	// timeline holds the customer's interactions, by (At, ID); lastAt is the latest one's
	// At (zero when there is none) and latest the latest of each channel and direction, so
	// that a scan bounded in time need not reach into the interactions of a customer whose
	// whole timeline is before the bound.
	timeline []*Interaction
	lastAt   time.Time
	latest   latestContacts
}

// setTimeline stores a customer's timeline, sorted by (At, ID).
func (r *custRec) setTimeline(tl []*Interaction) {
	r.timeline, r.lastAt, r.latest = tl, time.Time{}, latestOf(tl)
	if n := len(tl); n > 0 {
		r.lastAt = tl[n-1].At
	}
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	s := &MemoryStore{}
	s.init()
	return s
}

// init makes the maps of a zero store. Readers find nothing in nil maps, so only writers
// need them: every writer takes the lock with lock, which calls init.
func (s *MemoryStore) init() {
	if s.byID != nil {
		return
	}
	s.byID = make(map[CustomerID]*custRec)
	s.email = newRecIndex[string]()
	s.phone = newRecIndex[uint64]()
	s.nameKey = newRecIndex[string]()
	s.keys = make(map[string]CustomerID)
	s.changeKeys = make(map[CustomerID]map[string]struct{})
	s.interactions = make(map[InteractionID]*Interaction)
	s.interKeys = make(map[string]InteractionID)
	s.awaiting = make(map[InteractionID]struct{})
}

// lock takes the write lock, making the maps of a zero store first.
func (s *MemoryStore) lock() {
	s.mu.Lock()
	s.init()
}

func notFound(kind string, id fmt.Stringer) error {
	return fmt.Errorf("%s %s: %w", kind, id, kehu.ErrNotFound)
}

// CreateCustomer implements Store.
func (s *MemoryStore) CreateCustomer(ctx context.Context, c *Customer, first *Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if first != nil {
		if err := kehu.CheckOptionalKey("key", first.Key); err != nil {
			return err
		}
	}
	c = c.Clone()
	s.lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[c.ID]; ok {
		return fmt.Errorf("customer %s: %w", c.ID, kehu.ErrDuplicate)
	}
	if first != nil && first.Key != "" {
		if _, ok := s.keys[first.Key]; ok {
			return fmt.Errorf("customer with create key %q: %w", first.Key, kehu.ErrDuplicate)
		}
		s.keys[first.Key] = c.ID
	}
	r := &custRec{id: c.ID}
	s.byID[c.ID] = r
	if n := len(s.order); n > 0 && s.order[n-1].id.Compare(c.ID) > 0 {
		s.dirty = true
	}
	s.order = append(s.order, r)
	s.setRec(r, c)
	if first != nil {
		s.appendChange(c.ID, *first)
	}
	return nil
}

// custBlock lays out a stored customer together with the short lists most customers have,
// in one allocation: a read then walks one stretch of memory instead of six.
type custBlock struct {
	c      Customer
	emails [1]Email
	phones [1]Phone
	addrs  [1]Address
	stages [1]StageChange
	tags   [2]string
}

// compact returns a copy of c laid out in one block. The copy's lists have no spare
// capacity, and the store never hands it out, only clones of it.
func compact(c *Customer) *Customer {
	b := &custBlock{c: *c}
	d := &b.c
	if len(c.Emails) == 1 {
		b.emails[0] = c.Emails[0]
		d.Emails = b.emails[:]
	}
	if len(c.Phones) == 1 {
		b.phones[0] = c.Phones[0]
		d.Phones = b.phones[:]
	}
	if len(c.Addresses) == 1 {
		b.addrs[0] = c.Addresses[0]
		d.Addresses = b.addrs[:]
	}
	if len(c.StageHistory) == 1 {
		b.stages[0] = c.StageHistory[0]
		d.StageHistory = b.stages[:]
	}
	if n := len(c.Tags); n > 0 && n <= len(b.tags) {
		copy(b.tags[:], c.Tags)
		d.Tags = b.tags[:n:n]
	}
	return d
}

// setRec stores c in r and keeps the indexes in step with it. c must be the store's own
// copy.
func (s *MemoryStore) setRec(r *custRec, c *Customer) {
	if old := r.c; old != nil {
		s.unindex(old)
	}
	c = compact(c)
	r.c = c
	r.text = SearchText(c)
	r.stage = c.Stage
	r.tomb = c.IsTombstone()
	if r.tomb {
		return
	}
	for _, e := range c.Emails {
		s.email.add(e.Address, r)
	}
	for _, p := range c.Phones {
		if k, ok := phoneKey(p.Number); ok {
			s.phone.add(k, r)
		}
	}
	for _, k := range NameKeys(c.Name) {
		s.nameKey.add(k, r)
	}
}

func (s *MemoryStore) unindex(c *Customer) {
	if c.IsTombstone() {
		return
	}
	for _, e := range c.Emails {
		s.email.remove(e.Address, c.ID)
	}
	for _, p := range c.Phones {
		if k, ok := phoneKey(p.Number); ok {
			s.phone.remove(k, c.ID)
		}
	}
	for _, k := range NameKeys(c.Name) {
		s.nameKey.remove(k, c.ID)
	}
}

// recIndex maps a key to the customers holding it, in ID order. Almost every key has one
// customer, kept in a map of single pointers; the rare shared key moves to many.
type recIndex[K comparable] struct {
	one  map[K]*custRec
	many map[K][]*custRec
}

func newRecIndex[K comparable]() recIndex[K] {
	return recIndex[K]{one: make(map[K]*custRec), many: make(map[K][]*custRec)}
}

func cmpRecID(r *custRec, id CustomerID) int { return r.id.Compare(id) }

func (x recIndex[K]) add(key K, r *custRec) {
	if l, ok := x.many[key]; ok {
		if i, found := slices.BinarySearchFunc(l, r.id, cmpRecID); !found {
			x.many[key] = slices.Insert(l, i, r)
		}
		return
	}
	o, ok := x.one[key]
	switch {
	case !ok:
		x.one[key] = r
	case o != r:
		delete(x.one, key)
		l := []*custRec{o, r}
		slices.SortFunc(l, func(a, b *custRec) int { return a.id.Compare(b.id) })
		x.many[key] = l
	}
}

func (x recIndex[K]) remove(key K, id CustomerID) {
	if o, ok := x.one[key]; ok {
		if o.id == id {
			delete(x.one, key)
		}
		return
	}
	l := x.many[key]
	i, found := slices.BinarySearchFunc(l, id, cmpRecID)
	if !found {
		return
	}
	l = slices.Delete(slices.Clone(l), i, i+1)
	if len(l) == 1 {
		delete(x.many, key)
		x.one[key] = l[0]
		return
	}
	x.many[key] = l
}

// get returns the customers under key, in ID order.
func (x recIndex[K]) get(key K) []*custRec {
	if o, ok := x.one[key]; ok {
		return []*custRec{o}
	}
	return x.many[key]
}

// phoneKey packs an E.164 number ("+8613800138000") into its digits as an integer: at most
// 15 digits, never a leading zero, so the packing is exact, and the index needs no string.
func phoneKey(e164 string) (uint64, bool) {
	if len(e164) < 2 || len(e164) > 16 || e164[0] != '+' || e164[1] == '0' {
		return 0, false
	}
	var k uint64
	for i := 1; i < len(e164); i++ {
		c := e164[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		k = k*10 + uint64(c-'0')
	}
	return k, true
}

func (s *MemoryStore) appendChange(id CustomerID, ch Change) {
	r := s.byID[id]
	if r.history == nil {
		r.history = make([]string, 0, 1) // most customers are never edited
	}
	r.history = append(r.history, packChange(id, &ch))
	if ch.Key != "" {
		ks := s.changeKeys[id]
		if ks == nil {
			ks = make(map[string]struct{})
			s.changeKeys[id] = ks
		}
		ks[ch.Key] = struct{}{}
	}
}

func (s *MemoryStore) keyUsed(id CustomerID, key string) bool {
	if key == "" {
		return false
	}
	_, used := s.changeKeys[id][key]
	return used
}

// GetCustomer implements Store.
func (s *MemoryStore) GetCustomer(ctx context.Context, id CustomerID) (*Customer, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.byID[id]
	if !ok {
		return nil, notFound("customer", id)
	}
	return r.c.Clone(), nil
}

// ScanTimelines implements Store. It holds the store's read lock while fn runs, and hands
// fn its own records, in ID order.
func (s *MemoryStore) ScanTimelines(ctx context.Context, before time.Time, fn func(*Customer, []*Interaction) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return scanRecs(ctx, s.sortedOrder(), before, func(r *custRec, tl []*Interaction) error { return fn(r.c, tl) })
}

// scanLatest implements latestScanner: parts of the customers in ID order, each scanned by
// a goroutine of its own, under the read lock.
func (s *MemoryStore) scanLatest(ctx context.Context, before time.Time, parts int,
	fn func(int, *Customer, *latestContacts, []*Interaction) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	order := s.sortedOrder()
	parts = max(1, min(parts, len(order)))
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		recs := order[p*len(order)/parts : (p+1)*len(order)/parts]
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[p] = scanRecs(ctx, recs, before, func(r *custRec, tl []*Interaction) error {
				if r.latest.exact && (before.IsZero() || r.lastAt.Before(before)) {
					return fn(p, r.c, &r.latest, tl)
				}
				return fn(p, r.c, nil, tl)
			})
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// scanRecs calls fn with every record that is not a tombstone and its timeline before the
// bound, and stops at fn's first error.
func scanRecs(ctx context.Context, recs []*custRec, before time.Time, fn func(*custRec, []*Interaction) error) error {
	for i, r := range recs {
		if i%4096 == 4095 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if r.tomb {
			continue
		}
		tl := r.timeline
		if n := len(tl); !before.IsZero() && n > 0 && !r.lastAt.Before(before) {
			tl = tl[:sort.Search(n, func(k int) bool { return !tl[k].At.Before(before) })]
		}
		if err := fn(r, tl[:len(tl):len(tl)]); err != nil {
			return err
		}
	}
	return nil
}

// GetCustomerByKey implements Store.
func (s *MemoryStore) GetCustomerByKey(ctx context.Context, key string) (*Customer, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.keys[key]
	if !ok {
		return nil, fmt.Errorf("customer with create key %q: %w", key, kehu.ErrNotFound)
	}
	return s.byID[id].c.Clone(), nil
}

// UpdateCustomer implements Store. Updates are serialised by the store's lock, so they never
// conflict.
func (s *MemoryStore) UpdateCustomer(ctx context.Context, id CustomerID, fn func(*Customer) (*Change, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.lock()
	defer s.mu.Unlock()
	r, ok := s.byID[id]
	if !ok {
		return notFound("customer", id)
	}
	c := r.c.Clone()
	ch, err := fn(c)
	if err != nil {
		return err
	}
	if ch != nil {
		if err := kehu.CheckOptionalKey("key", ch.Key); err != nil {
			return err
		}
	}
	if ch != nil && s.keyUsed(id, ch.Key) {
		return fmt.Errorf("customer %s change key %q: %w", id, ch.Key, kehu.ErrDuplicate)
	}
	c = c.Clone() // fn's caller may keep its pointer
	c.ID = id
	c.Version = r.c.Version + 1
	s.setRec(r, c)
	if ch != nil {
		s.appendChange(id, *ch)
	}
	return nil
}

// MergeCustomers implements Store.
func (s *MemoryStore) MergeCustomers(ctx context.Context, survivor, duplicate CustomerID,
	fn func(survivor, duplicate *Customer) (*Change, *Change, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.lock()
	defer s.mu.Unlock()
	rs, ok := s.byID[survivor]
	if !ok {
		return notFound("customer", survivor)
	}
	rd, ok := s.byID[duplicate]
	if !ok {
		return notFound("customer", duplicate)
	}
	if survivor == duplicate {
		return fmt.Errorf("merge customer %s into itself: %w", survivor, kehu.ErrConflict)
	}
	cs, cd := rs.c.Clone(), rd.c.Clone()
	chs, chd, err := fn(cs, cd)
	if err != nil {
		return err
	}
	for _, ch := range []*Change{chs, chd} {
		if ch != nil {
			if err := kehu.CheckOptionalKey("key", ch.Key); err != nil {
				return err
			}
		}
	}
	if chs != nil && s.keyUsed(survivor, chs.Key) {
		return fmt.Errorf("customer %s change key %q: %w", survivor, chs.Key, kehu.ErrDuplicate)
	}
	if chd != nil && s.keyUsed(duplicate, chd.Key) {
		return fmt.Errorf("customer %s change key %q: %w", duplicate, chd.Key, kehu.ErrDuplicate)
	}
	cs, cd = cs.Clone(), cd.Clone() // fn's caller may keep its pointers
	cs.ID, cs.Version = survivor, rs.c.Version+1
	cd.ID, cd.Version = duplicate, rd.c.Version+1
	// Store the duplicate first so that contacts it gives up are free for the survivor.
	s.setRec(rd, cd)
	s.setRec(rs, cs)
	for _, packed := range rd.history {
		ch, err := unpackChange(duplicate, packed)
		if err != nil {
			return err
		}
		if ch.From.IsZero() {
			ch.From = duplicate
		}
		ch.Key, ch.Digest = "", "" // keys stay unique per customer: the copy is not a command of the survivor
		rs.history = append(rs.history, packChange(survivor, &ch))
	}
	if chd != nil {
		s.appendChange(duplicate, *chd)
	}
	if chs != nil {
		s.appendChange(survivor, *chs)
	}
	rd, rsv := s.byID[duplicate], s.byID[survivor]
	for _, in := range rd.timeline {
		moved := in.Clone() // a scan may hold the old record
		moved.CustomerID = survivor
		s.interactions[in.ID] = moved
		rsv.timeline = append(rsv.timeline, moved)
	}
	slices.SortFunc(rsv.timeline, byTime)
	rsv.setTimeline(rsv.timeline)
	rd.setTimeline(nil)
	return nil
}

// LookupCustomers implements Store.
func (s *MemoryStore) LookupCustomers(ctx context.Context, field LookupField, value string) ([]*Customer, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var recs []*custRec
	switch field {
	case LookupEmail:
		recs = s.email.get(value)
	case LookupPhone:
		if k, ok := phoneKey(value); ok {
			recs = s.phone.get(k)
		}
	case LookupNameKey:
		recs = s.nameKey.get(value)
	default:
		return nil, kehu.Invalid("field", "enum", fmt.Sprintf("%q is not a lookup field", field))
	}
	out := make([]*Customer, len(recs))
	for i, r := range recs {
		out[i] = r.c.Clone()
	}
	return out, nil
}

// sortedOrder returns the customers in ID order, sorting first if needed. The caller holds
// the read lock; sorting takes the write lock briefly.
func (s *MemoryStore) sortedOrder() []*custRec {
	if !s.dirty {
		return s.order
	}
	s.mu.RUnlock()
	s.lock()
	if s.dirty {
		slices.SortFunc(s.order, func(a, b *custRec) int { return a.id.Compare(b.id) })
		s.dirty = false
	}
	s.mu.Unlock()
	s.mu.RLock()
	return s.sortedOrder()
}

// SearchCustomers implements Store. It scans every customer after the cursor, in parallel
// chunks, and stops as soon as a page is full.
func (s *MemoryStore) SearchCustomers(ctx context.Context, q SearchQuery) (kehu.Page[*Customer], error) {
	limit := q.Size()
	var after CustomerID
	if q.After != "" {
		id, err := ParseCustomerID(q.After)
		if err != nil {
			return kehu.Page[*Customer]{}, kehu.Invalid("after", "format", "is not a cursor of this store")
		}
		after = id
	}
	tags := make([]string, 0, len(q.Tags))
	for _, t := range q.Tags {
		tags = append(tags, strings.ToLower(strings.TrimSpace(t)))
	}
	match := func(r *custRec) bool {
		if r.tomb && !q.IncludeTombstones {
			return false
		}
		if len(q.Stages) > 0 && !slices.Contains(q.Stages, r.stage) {
			return false
		}
		c := r.c
		if q.Owner != "" && c.Owner != q.Owner {
			return false
		}
		if !q.CreatedFrom.IsZero() && c.CreatedAt.Before(q.CreatedFrom) {
			return false
		}
		if !q.CreatedTo.IsZero() && !c.CreatedAt.Before(q.CreatedTo) {
			return false
		}
		for _, t := range tags {
			if _, ok := slices.BinarySearch(c.Tags, t); !ok {
				return false
			}
		}
		return MatchTerms(r.text, q.Terms)
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	order := s.sortedOrder()
	start := 0
	if !after.IsZero() {
		start, _ = slices.BinarySearchFunc(order, after, cmpRecID)
		if start < len(order) && order[start].id == after {
			start++
		}
	}
	hits, more, err := scan(ctx, order[start:], limit, match)
	if err != nil {
		return kehu.Page[*Customer]{}, err
	}
	page := kehu.Page[*Customer]{Items: make([]*Customer, len(hits))}
	for i, r := range hits {
		page.Items[i] = r.c.Clone()
	}
	if more {
		page.Next = hits[len(hits)-1].id.String()
	}
	return page, nil
}

// scan returns the first limit records that match, in order, and whether more matches
// follow. It splits the work into blocks scanned by all CPUs at once, and stops after the
// block in which the page fills.
func scan(ctx context.Context, recs []*custRec, limit int, match func(*custRec) bool) ([]*custRec, bool, error) {
	const block = 1 << 15
	workers := min(runtime.GOMAXPROCS(0), 8)
	var hits []*custRec
	for lo := 0; lo < len(recs); {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		// One round: each worker scans one block.
		n := min(workers, (len(recs)-lo+block-1)/block)
		found := make([][]*custRec, n)
		var wg sync.WaitGroup
		for w := range n {
			from := lo + w*block
			to := min(from+block, len(recs))
			wg.Add(1)
			go func() {
				defer wg.Done()
				var out []*custRec
				for _, r := range recs[from:to] {
					if match(r) {
						out = append(out, r)
						if len(out) > limit {
							break
						}
					}
				}
				found[w] = out
			}()
		}
		wg.Wait()
		lo = min(lo+n*block, len(recs))
		for _, f := range found {
			hits = append(hits, f...)
			if len(hits) > limit {
				return hits[:limit], true, nil
			}
		}
	}
	return hits, false, nil
}

// History implements Store.
func (s *MemoryStore) History(ctx context.Context, id CustomerID, page kehu.PageRequest) (kehu.Page[Change], error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.byID[id]
	if !ok {
		return kehu.Page[Change]{}, notFound("customer", id)
	}
	all := r.history
	start := 0
	if page.After != "" {
		n, err := parseOffset(page.After)
		if err != nil {
			return kehu.Page[Change]{}, err
		}
		start = min(n, len(all))
	}
	end := min(start+page.Size(), len(all))
	out := kehu.Page[Change]{Items: make([]Change, end-start)}
	for i, packed := range all[start:end] {
		ch, err := unpackChange(id, packed)
		if err != nil {
			return kehu.Page[Change]{}, err
		}
		out.Items[i] = ch
	}
	if end < len(all) {
		out.Next = fmt.Sprint(end)
	}
	return out, nil
}

func parseOffset(s string) (int, error) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' || n > 1<<40 {
			return 0, kehu.Invalid("after", "format", "is not a cursor of this store")
		}
		n = n*10 + int(s[i]-'0')
	}
	if s == "" {
		return 0, kehu.Invalid("after", "format", "is not a cursor of this store")
	}
	return n, nil
}

// RedactHistory implements Store.
func (s *MemoryStore) RedactHistory(ctx context.Context, id CustomerID, redact func(field string) bool) error {
	s.lock()
	defer s.mu.Unlock()
	r, ok := s.byID[id]
	if !ok {
		return notFound("customer", id)
	}
	h := r.history
	redacted := make([]string, len(h))
	for i, packed := range h {
		ch, err := unpackChange(id, packed)
		if err != nil {
			return err
		}
		for j := range ch.Fields {
			if redact(ch.Fields[j].Field) {
				ch.Fields[j].Old, ch.Fields[j].New = Redacted, Redacted
			}
		}
		redacted[i] = packChange(id, &ch)
	}
	copy(h, redacted) // all or nothing
	return nil
}

// CreateInteraction implements Store.
func (s *MemoryStore) CreateInteraction(ctx context.Context, in *Interaction) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := kehu.CheckOptionalKey("key", in.Key); err != nil {
		return err
	}
	in = in.Clone()
	s.lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[in.CustomerID]; !ok {
		return notFound("customer", in.CustomerID)
	}
	if _, ok := s.interactions[in.ID]; ok {
		return fmt.Errorf("interaction %s: %w", in.ID, kehu.ErrDuplicate)
	}
	if in.Key != "" {
		if _, ok := s.interKeys[in.Key]; ok {
			return fmt.Errorf("interaction with key %q: %w", in.Key, kehu.ErrDuplicate)
		}
		s.interKeys[in.Key] = in.ID
	}
	s.interactions[in.ID] = in
	s.placeInteraction(in)
	if in.AwaitingReply() {
		s.awaiting[in.ID] = struct{}{}
	}
	return nil
}

// placeInteraction puts an interaction in its customer's timeline, in (At, ID) order: at
// the end when it is the latest, as it nearly always is.
func (s *MemoryStore) placeInteraction(in *Interaction) {
	r := s.byID[in.CustomerID]
	k := len(r.timeline)
	for k > 0 && byTime(r.timeline[k-1], in) > 0 {
		k--
	}
	if k < len(r.timeline) {
		r.setTimeline(slices.Insert(r.timeline, k, in))
		return
	}
	if k == 0 {
		r.latest = latestContacts{exact: true}
	}
	r.timeline, r.lastAt = append(r.timeline, in), in.At
	r.latest.note(in)
}

// byTime orders interactions by (At, ID).
func byTime(a, b *Interaction) int { return compareInteraction(a.At, a.ID, b.At, b.ID) }

// GetInteraction implements Store.
func (s *MemoryStore) GetInteraction(ctx context.Context, id InteractionID) (*Interaction, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	in, ok := s.interactions[id]
	if !ok {
		return nil, notFound("interaction", id)
	}
	return in.Clone(), nil
}

// GetInteractionByKey implements Store.
func (s *MemoryStore) GetInteractionByKey(ctx context.Context, key string) (*Interaction, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.interKeys[key]
	if !ok {
		return nil, fmt.Errorf("interaction with key %q: %w", key, kehu.ErrNotFound)
	}
	return s.interactions[id].Clone(), nil
}

// UpdateInteraction implements Store.
func (s *MemoryStore) UpdateInteraction(ctx context.Context, id InteractionID, fn func(*Interaction) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.lock()
	defer s.mu.Unlock()
	cur, ok := s.interactions[id]
	if !ok {
		return notFound("interaction", id)
	}
	in := cur.Clone()
	if err := fn(in); err != nil {
		return err
	}
	in = in.Clone() // fn's caller may keep its pointer
	// Identity and ownership are the store's to keep.
	in.ID, in.CustomerID, in.Key = cur.ID, cur.CustomerID, cur.Key
	s.interactions[id] = in
	r := s.byID[in.CustomerID]
	r.setTimeline(slices.DeleteFunc(r.timeline, func(x *Interaction) bool { return x == cur }))
	s.placeInteraction(in)
	if in.AwaitingReply() {
		s.awaiting[id] = struct{}{}
	} else {
		delete(s.awaiting, id)
	}
	return nil
}

// ListInteractions implements Store.
func (s *MemoryStore) ListInteractions(ctx context.Context, q InteractionQuery) (kehu.Page[*Interaction], error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var pool []*Interaction
	switch {
	case !q.CustomerID.IsZero():
		if r, ok := s.byID[q.CustomerID]; ok {
			pool = append(pool, r.timeline...)
		}
	case !q.OverdueAt.IsZero():
		for id := range s.awaiting {
			pool = append(pool, s.interactions[id])
		}
	default:
		for _, in := range s.interactions {
			pool = append(pool, in)
		}
	}
	var afterAt time.Time
	var afterID InteractionID
	if q.After != "" {
		at, id, err := parseInteractionCursor(q.After)
		if err != nil {
			return kehu.Page[*Interaction]{}, err
		}
		afterAt, afterID = at, id
	}
	sel := pool[:0:0]
	for _, in := range pool {
		if !q.From.IsZero() && in.At.Before(q.From) {
			continue
		}
		if !q.To.IsZero() && !in.At.Before(q.To) {
			continue
		}
		if !q.OverdueAt.IsZero() && !in.Overdue(q.OverdueAt) {
			continue
		}
		if q.After != "" && compareInteraction(in.At, in.ID, afterAt, afterID) <= 0 {
			continue
		}
		sel = append(sel, in)
	}
	sort.Slice(sel, func(i, j int) bool { return compareInteraction(sel[i].At, sel[i].ID, sel[j].At, sel[j].ID) < 0 })
	limit := q.Size()
	page := kehu.Page[*Interaction]{}
	if len(sel) > limit {
		last := sel[limit-1]
		page.Next = interactionCursor(last.At, last.ID)
		sel = sel[:limit]
	}
	page.Items = make([]*Interaction, len(sel))
	for i, in := range sel {
		page.Items[i] = in.Clone()
	}
	return page, nil
}

func compareInteraction(at1 time.Time, id1 InteractionID, at2 time.Time, id2 InteractionID) int {
	if c := at1.Compare(at2); c != 0 {
		return c
	}
	return id1.Compare(id2)
}

func interactionCursor(at time.Time, id InteractionID) string {
	return at.UTC().Format(time.RFC3339Nano) + "|" + id.String()
}

func parseInteractionCursor(s string) (time.Time, InteractionID, error) {
	bad := kehu.Invalid("after", "format", "is not a cursor of this store")
	ts, ids, ok := strings.Cut(s, "|")
	if !ok {
		return time.Time{}, InteractionID{}, bad
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, InteractionID{}, bad
	}
	id, err := ParseInteractionID(ids)
	if err != nil {
		return time.Time{}, InteractionID{}, bad
	}
	return at, id, nil
}
