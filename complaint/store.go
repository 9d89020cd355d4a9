package complaint

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/kehu-crm/kehu"
)

// Store persists cases. It holds no rules: the Service decides every change and the store
// keeps what it is given, atomically. Every implementation must pass complainttest.Run;
// NewMemoryStore is the embedded default. A store never keeps a pointer it was given nor
// returns one it keeps, and returns instants as given (whole microseconds in UTC).
type Store interface {
	// CreateCase stores a new case. A used ID or key is kehu.ErrDuplicate and writes
	// nothing; a key kehu.CheckKey refuses is its error.
	CreateCase(ctx context.Context, c *Case) error
	// Case returns a case, or kehu.ErrNotFound.
	Case(ctx context.Context, id CaseID) (*Case, error)
	// CaseByKey returns the case opened with the key, or kehu.ErrNotFound.
	CaseByKey(ctx context.Context, key string) (*Case, error)
	// UpdateCase runs fn on a copy of the case, atomically against its current version. If
	// fn returns an error nothing is written and the error is returned as is. Otherwise
	// the returned step is appended to the case's Steps (the history is append-only: fn's
	// changes to Steps are not kept) and the case is stored with Version increased by one.
	// Updates of one case are serialised, or all but one fail with kehu.ErrConflict.
	UpdateCase(ctx context.Context, id CaseID, fn func(*Case) (*Step, error)) error
	// UpdateCaseWith is UpdateCase that also hands fn a copy of the case other, which no
	// update commits between fn's reading it and this update's commit: what fn decides
	// from other (a merge, from the case it merges into) still holds when the update is
	// written. fn's changes to other are not kept. other is not id; a missing case, either
	// of them, is kehu.ErrNotFound and fn is not called. Two updates that each read the
	// case the other writes are serialised, or all but one fail with kehu.ErrConflict.
	UpdateCaseWith(ctx context.Context, id, other CaseID, fn func(c, other *Case) (*Step, error)) error
	// ListCases returns one page of cases in the order they were opened, optionally of one
	// customer and of some statuses.
	ListCases(ctx context.Context, q CaseQuery) (kehu.Page[*Case], error)
}

// CaseQuery selects cases.
type CaseQuery struct {
	Customer kehu.CustomerID
	Statuses []Status
	kehu.PageRequest
}

// MemoryStore is the embedded Store: maps, copies in and out, one lock. The zero value is
// ready to use.
type MemoryStore struct {
	mu    sync.RWMutex
	cases map[CaseID]*Case
	keys  map[string]CaseID
	order []CaseID // in the order opened
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

func (s *MemoryStore) init() {
	if s.cases == nil {
		s.cases, s.keys = map[CaseID]*Case{}, map[string]CaseID{}
	}
}

// CreateCase implements Store.
func (s *MemoryStore) CreateCase(ctx context.Context, c *Case) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c == nil {
		return kehu.Invalid("case", "required", "is nil")
	}
	if err := kehu.CheckKey("key", c.Key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if _, ok := s.cases[c.ID]; ok {
		return fmt.Errorf("case %s: %w", c.ID, kehu.ErrDuplicate)
	}
	if _, ok := s.keys[c.Key]; ok {
		return fmt.Errorf("case key %q: %w", c.Key, kehu.ErrDuplicate)
	}
	s.cases[c.ID] = c.Clone()
	s.keys[c.Key] = c.ID
	s.order = append(s.order, c.ID)
	return nil
}

// Case implements Store.
func (s *MemoryStore) Case(ctx context.Context, id CaseID) (*Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.cases[id]
	if !ok {
		return nil, fmt.Errorf("case %s: %w", id, kehu.ErrNotFound)
	}
	return c.Clone(), nil
}

// CaseByKey implements Store.
func (s *MemoryStore) CaseByKey(ctx context.Context, key string) (*Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.keys[key]
	if !ok {
		return nil, fmt.Errorf("case key %q: %w", key, kehu.ErrNotFound)
	}
	return s.cases[id].Clone(), nil
}

// UpdateCase implements Store. It holds the lock while fn runs.
func (s *MemoryStore) UpdateCase(ctx context.Context, id CaseID, fn func(*Case) (*Step, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.update(id, fn)
}

// UpdateCaseWith implements Store. It holds the lock while fn runs.
func (s *MemoryStore) UpdateCaseWith(ctx context.Context, id, other CaseID, fn func(c, other *Case) (*Step, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if other == id {
		return kehu.Invalid("other", "distinct", "is the case updated")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.cases[other]
	if !ok {
		return fmt.Errorf("case %s: %w", other, kehu.ErrNotFound)
	}
	return s.update(id, func(c *Case) (*Step, error) { return fn(c, o.Clone()) })
}

// update is UpdateCase under the lock.
func (s *MemoryStore) update(id CaseID, fn func(*Case) (*Step, error)) error {
	cur, ok := s.cases[id]
	if !ok {
		return fmt.Errorf("case %s: %w", id, kehu.ErrNotFound)
	}
	work := cur.Clone()
	step, err := fn(work)
	if err != nil {
		return err
	}
	work.Steps = slices.Clone(cur.Steps)
	if step != nil {
		work.Steps = append(work.Steps, *step)
	}
	work.ID, work.Key, work.Version = cur.ID, cur.Key, cur.Version+1
	s.cases[id] = work
	return nil
}

// ListCases implements Store. The cursor is the position after the page's last case.
func (s *MemoryStore) ListCases(ctx context.Context, q CaseQuery) (kehu.Page[*Case], error) {
	if err := ctx.Err(); err != nil {
		return kehu.Page[*Case]{}, err
	}
	start := 0
	if q.After != "" {
		n, err := strconv.Atoi(q.After)
		if err != nil || n < 0 {
			return kehu.Page[*Case]{}, kehu.Invalid("after", "cursor", "is not a cursor of this listing")
		}
		start = n
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var page kehu.Page[*Case]
	for i := start; i < len(s.order); i++ {
		c := s.cases[s.order[i]]
		if (!q.Customer.IsZero() && c.Customer != q.Customer) || (len(q.Statuses) > 0 && !slices.Contains(q.Statuses, c.Status)) {
			continue
		}
		if len(page.Items) == q.Size() {
			page.Next = strconv.Itoa(i)
			break
		}
		page.Items = append(page.Items, c.Clone())
	}
	return page, nil
}
