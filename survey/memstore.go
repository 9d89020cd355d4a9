package survey

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/kehu-crm/kehu"
)

// MemoryStore is the embedded, concurrency-safe Store: maps behind one lock, copies in and
// out. Versions are kept as their JSON, so that what is returned shares nothing with what
// was stored. The zero value is ready to use.
type MemoryStore struct {
	mu        sync.RWMutex
	versions  map[string][]storedVersion       // survey → versions, oldest first
	responses map[ResponseID]*Response         // by ID
	bySurvey  map[string][]ResponseID          // survey → responses, in the order stored
	byKey     map[string]map[string]ResponseID // survey → key → response
}

type storedVersion struct {
	version int
	json    []byte
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

func (s *MemoryStore) init() {
	if s.versions == nil {
		s.versions = map[string][]storedVersion{}
		s.responses = map[ResponseID]*Response{}
		s.bySurvey = map[string][]ResponseID{}
		s.byKey = map[string]map[string]ResponseID{}
	}
}

// PutVersion implements Store.
func (s *MemoryStore) PutVersion(ctx context.Context, v Version) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("survey: encoding version: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	id := v.Spec.ID
	for _, sv := range s.versions[id] {
		if sv.version == v.Spec.Version {
			return fmt.Errorf("survey %s version %d: %w", id, v.Spec.Version, kehu.ErrDuplicate)
		}
	}
	s.versions[id] = append(s.versions[id], storedVersion{version: v.Spec.Version, json: b})
	slices.SortFunc(s.versions[id], func(a, b storedVersion) int { return cmp.Compare(a.version, b.version) })
	return nil
}

// Version implements Store.
func (s *MemoryStore) Version(ctx context.Context, survey string, version int) (*Version, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, sv := range s.versions[survey] {
		if sv.version == version {
			return decodeVersion(sv.json)
		}
	}
	return nil, fmt.Errorf("survey %s version %d: %w", survey, version, kehu.ErrNotFound)
}

// Versions implements Store.
func (s *MemoryStore) Versions(ctx context.Context, survey string) ([]Version, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Version, 0, len(s.versions[survey]))
	for _, sv := range s.versions[survey] {
		v, err := decodeVersion(sv.json)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

func decodeVersion(b []byte) (*Version, error) {
	var v Version
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("survey: decoding version: %w", err)
	}
	return &v, nil
}

// AddResponse implements Store.
func (s *MemoryStore) AddResponse(ctx context.Context, r *Response) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r == nil {
		return kehu.Invalid("response", "required", "is nil")
	}
	if err := kehu.CheckKey("key", r.Key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if _, ok := s.responses[r.ID]; ok {
		return fmt.Errorf("response %s: %w", r.ID, kehu.ErrDuplicate)
	}
	keys := s.byKey[r.Survey]
	if _, ok := keys[r.Key]; ok {
		return fmt.Errorf("survey %s key %q: %w", r.Survey, r.Key, kehu.ErrDuplicate)
	}
	if keys == nil {
		keys = map[string]ResponseID{}
		s.byKey[r.Survey] = keys
	}
	keys[r.Key] = r.ID
	s.responses[r.ID] = r.Clone()
	s.bySurvey[r.Survey] = append(s.bySurvey[r.Survey], r.ID)
	return nil
}

// Response implements Store.
func (s *MemoryStore) Response(ctx context.Context, id ResponseID) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.responses[id]
	if !ok {
		return nil, fmt.Errorf("response %s: %w", id, kehu.ErrNotFound)
	}
	return r.Clone(), nil
}

// ResponseByKey implements Store.
func (s *MemoryStore) ResponseByKey(ctx context.Context, survey, key string) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.byKey[survey][key]
	if !ok {
		return nil, fmt.Errorf("survey %s key %q: %w", survey, key, kehu.ErrNotFound)
	}
	return s.responses[id].Clone(), nil
}

// Responses implements Store. The cursor is the position after the page's last response.
func (s *MemoryStore) Responses(ctx context.Context, survey string, q ResponseQuery) (kehu.Page[*Response], error) {
	if err := ctx.Err(); err != nil {
		return kehu.Page[*Response]{}, err
	}
	start := 0
	if q.After != "" {
		n, err := strconv.Atoi(q.After)
		if err != nil || n < 0 {
			return kehu.Page[*Response]{}, kehu.Invalid("after", "cursor", "is not a cursor of this listing")
		}
		start = n
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.bySurvey[survey]
	var page kehu.Page[*Response]
	size := q.Size()
	for i := start; i < len(ids); i++ {
		r := s.responses[ids[i]]
		if (q.Version != 0 && r.Version != q.Version) ||
			(!q.From.IsZero() && r.SubmittedAt.Before(q.From)) || (!q.To.IsZero() && !r.SubmittedAt.Before(q.To)) {
			continue
		}
		if len(page.Items) == size {
			page.Next = strconv.Itoa(i)
			break
		}
		page.Items = append(page.Items, r.Clone())
	}
	return page, nil
}
