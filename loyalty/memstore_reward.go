package loyalty

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

var _ RewardStore = (*MemoryStore)(nil)

// rewardMem is the memory store's reward state: catalogue, reservations and coupons, under
// a lock of their own so that redemptions do not wait for ledger writes (a reservation's
// points hold is a separate ledger command).
type rewardMem struct {
	mu    sync.RWMutex
	progs map[string]*rewardProg
}

type rewardProg struct {
	rewards      map[string]*Reward
	rewardIDs    []string // sorted when !rewardsDirty
	rewardsDirty bool

	reservations map[string]*Reservation
	resIDs       []string // sorted when !resDirty
	resDirty     bool
	// byHolder lists the reservation IDs of each (customer, reward).
	byHolder map[holderKey][]string

	coupons map[string]*Coupon
}

type holderKey struct {
	customer crm.CustomerID
	reward   string
}

// rewardState returns the reward state, creating it on first use.
func (s *MemoryStore) rewardState() *rewardMem {
	s.mu.RLock()
	r := s.rewards
	s.mu.RUnlock()
	if r != nil {
		return r
	}
	s.lock()
	defer s.mu.Unlock()
	if s.rewards == nil {
		s.rewards = &rewardMem{progs: map[string]*rewardProg{}}
	}
	return s.rewards
}

// prog returns the programme's state, creating it when create is set (callers hold the
// write lock then); nil otherwise if there is none.
func (m *rewardMem) prog(id string, create bool) *rewardProg {
	p := m.progs[id]
	if p == nil && create {
		p = &rewardProg{rewards: map[string]*Reward{}, reservations: map[string]*Reservation{},
			byHolder: map[holderKey][]string{}, coupons: map[string]*Coupon{}}
		m.progs[id] = p
	}
	return p
}

func (p *rewardProg) sortedRewardIDs() []string {
	if p.rewardsDirty {
		slices.Sort(p.rewardIDs)
		p.rewardsDirty = false
	}
	return p.rewardIDs
}

func (p *rewardProg) sortedResIDs() []string {
	if p.resDirty {
		slices.Sort(p.resIDs)
		p.resDirty = false
	}
	return p.resIDs
}

func (p *rewardProg) activeUnits(k holderKey) int64 {
	var n int64
	for _, id := range p.byHolder[k] {
		if r := p.reservations[id]; r.Status.Active() {
			n += r.Units
		}
	}
	return n
}

// PutReward implements RewardStore.
func (s *MemoryStore) PutReward(ctx context.Context, r Reward) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m := s.rewardState()
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.prog(r.Program, true)
	old := p.rewards[r.ID]
	var have int64
	if old != nil {
		have = old.Version
	}
	if r.Version != have {
		return fmt.Errorf("reward %s/%s: version %d given, %d stored: %w", r.Program, r.ID, r.Version, have, kehu.ErrConflict)
	}
	c := r.Clone()
	c.Version = have + 1
	p.rewards[r.ID] = c
	if old == nil {
		if n := len(p.rewardIDs); n > 0 && p.rewardIDs[n-1] > r.ID {
			p.rewardsDirty = true
		}
		p.rewardIDs = append(p.rewardIDs, r.ID)
	}
	return nil
}

// Reward implements RewardStore.
func (s *MemoryStore) Reward(ctx context.Context, program, id string) (*Reward, error) {
	m := s.rewardState()
	m.mu.RLock()
	defer m.mu.RUnlock()
	if p := m.prog(program, false); p != nil {
		if r := p.rewards[id]; r != nil {
			return r.Clone(), nil
		}
	}
	return nil, fmt.Errorf("reward %s/%s: %w", program, id, kehu.ErrNotFound)
}

// Rewards implements RewardStore.
func (s *MemoryStore) Rewards(ctx context.Context, program string, pr kehu.PageRequest) (kehu.Page[*Reward], error) {
	m := s.rewardState()
	m.mu.Lock() // sorting the ID list may be needed
	defer m.mu.Unlock()
	p := m.prog(program, false)
	if p == nil {
		return kehu.Page[*Reward]{}, nil
	}
	return pageByID(p.sortedRewardIDs(), pr, func(id string) (*Reward, bool) { return p.rewards[id].Clone(), true })
}

// pageByID walks sorted IDs after the cursor pr.After (the last ID of the previous page)
// and collects up to pr.Size() items that get keeps.
func pageByID[T any](ids []string, pr kehu.PageRequest, get func(id string) (T, bool)) (kehu.Page[T], error) {
	start := 0
	if pr.After != "" {
		start, _ = slices.BinarySearch(ids, pr.After)
		if start < len(ids) && ids[start] == pr.After {
			start++
		}
	}
	limit := pr.Size()
	var page kehu.Page[T]
	last := ""
	for _, id := range ids[start:] {
		item, ok := get(id)
		if !ok {
			continue
		}
		if len(page.Items) == limit {
			page.Next = last
			break
		}
		page.Items = append(page.Items, item)
		last = id
	}
	return page, nil
}

// Reserve implements RewardStore.
func (s *MemoryStore) Reserve(ctx context.Context, r Reservation, fn func(*Reservation, *Reward, int64) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := kehu.CheckKey("key", r.Key); err != nil {
		return err
	}
	m := s.rewardState()
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.prog(r.Program, false)
	var stored *Reward
	if p != nil {
		stored = p.rewards[r.Reward]
	}
	if stored == nil {
		return fmt.Errorf("reward %s/%s: %w", r.Program, r.Reward, kehu.ErrNotFound)
	}
	if _, dup := p.reservations[r.ID]; dup {
		return fmt.Errorf("reservation %s/%s: %w", r.Program, r.ID, kehu.ErrDuplicate)
	}
	hk := holderKey{r.Customer, r.Reward}
	res, rw := r.Clone(), stored.Clone()
	if err := fn(res, rw, p.activeUnits(hk)); err != nil {
		return err
	}
	res = res.Clone()
	res.ID, res.Program, res.Customer, res.Reward = r.ID, r.Program, r.Customer, r.Reward
	p.reservations[r.ID] = res
	if n := len(p.resIDs); n > 0 && p.resIDs[n-1] > r.ID {
		p.resDirty = true
	}
	p.resIDs = append(p.resIDs, r.ID)
	p.byHolder[hk] = append(p.byHolder[hk], r.ID)
	p.putReward(stored, rw)
	return nil
}

// putReward stores fn's copy of a reward over the stored one, with the next version.
func (p *rewardProg) putReward(stored, changed *Reward) {
	c := changed.Clone()
	c.ID, c.Program, c.Version = stored.ID, stored.Program, stored.Version+1
	p.rewards[stored.ID] = c
}

// Reservation implements RewardStore.
func (s *MemoryStore) Reservation(ctx context.Context, program, id string) (*Reservation, error) {
	m := s.rewardState()
	m.mu.RLock()
	defer m.mu.RUnlock()
	if p := m.prog(program, false); p != nil {
		if r := p.reservations[id]; r != nil {
			return r.Clone(), nil
		}
	}
	return nil, fmt.Errorf("reservation %s/%s: %w", program, id, kehu.ErrNotFound)
}

// Reservations implements RewardStore.
func (s *MemoryStore) Reservations(ctx context.Context, program string, q ReservationQuery) (kehu.Page[*Reservation], error) {
	m := s.rewardState()
	m.mu.Lock() // sorting the ID list may be needed
	defer m.mu.Unlock()
	p := m.prog(program, false)
	if p == nil {
		return kehu.Page[*Reservation]{}, nil
	}
	return pageByID(p.sortedResIDs(), q.PageRequest, func(id string) (*Reservation, bool) {
		r := p.reservations[id]
		if (!q.Customer.IsZero() && r.Customer != q.Customer) || (q.Status != "" && r.Status != q.Status) {
			return nil, false
		}
		return r.Clone(), true
	})
}

// UpdateReservation implements RewardStore.
func (s *MemoryStore) UpdateReservation(ctx context.Context, program, id string, fn func(*Reservation, *Reward) error) error {
	return s.changeReservation(ctx, program, id, false, fn)
}

// DropReservation implements RewardStore.
func (s *MemoryStore) DropReservation(ctx context.Context, program, id string, fn func(*Reservation, *Reward) error) error {
	return s.changeReservation(ctx, program, id, true, fn)
}

func (s *MemoryStore) changeReservation(ctx context.Context, program, id string, drop bool, fn func(*Reservation, *Reward) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m := s.rewardState()
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.prog(program, false)
	var old *Reservation
	if p != nil {
		old = p.reservations[id]
	}
	if old == nil {
		return fmt.Errorf("reservation %s/%s: %w", program, id, kehu.ErrNotFound)
	}
	stored := p.rewards[old.Reward]
	if stored == nil {
		return fmt.Errorf("reward %s/%s of reservation %s: %w", program, old.Reward, id, kehu.ErrNotFound)
	}
	res, rw := old.Clone(), stored.Clone()
	if err := fn(res, rw); err != nil {
		return err
	}
	hk := holderKey{old.Customer, old.Reward}
	if drop {
		delete(p.reservations, id)
		if i := slices.Index(p.sortedResIDs(), id); i >= 0 {
			p.resIDs = slices.Delete(p.resIDs, i, i+1)
		}
		if i := slices.Index(p.byHolder[hk], id); i >= 0 {
			p.byHolder[hk] = slices.Delete(p.byHolder[hk], i, i+1)
		}
		if len(p.byHolder[hk]) == 0 {
			delete(p.byHolder, hk)
		}
	} else {
		res = res.Clone()
		res.ID, res.Program, res.Customer, res.Reward = old.ID, old.Program, old.Customer, old.Reward
		p.reservations[id] = res
	}
	p.putReward(stored, rw)
	return nil
}

// CreateCoupon implements RewardStore.
func (s *MemoryStore) CreateCoupon(ctx context.Context, c Coupon) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m := s.rewardState()
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.prog(c.Program, true)
	if _, dup := p.coupons[c.Code]; dup {
		return fmt.Errorf("coupon %s/%s: %w", c.Program, c.Code, kehu.ErrDuplicate)
	}
	p.coupons[c.Code] = c.Clone()
	return nil
}

// Coupon implements RewardStore.
func (s *MemoryStore) Coupon(ctx context.Context, program, code string) (*Coupon, error) {
	m := s.rewardState()
	m.mu.RLock()
	defer m.mu.RUnlock()
	if p := m.prog(program, false); p != nil {
		if c := p.coupons[code]; c != nil {
			return c.Clone(), nil
		}
	}
	return nil, fmt.Errorf("coupon %s/%s: %w", program, code, kehu.ErrNotFound)
}

// UseCoupon implements RewardStore.
func (s *MemoryStore) UseCoupon(ctx context.Context, program, code string, fn func(*Coupon) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m := s.rewardState()
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.prog(program, false)
	var old *Coupon
	if p != nil {
		old = p.coupons[code]
	}
	if old == nil {
		return fmt.Errorf("coupon %s/%s: %w", program, code, kehu.ErrNotFound)
	}
	c := old.Clone()
	if err := fn(c); err != nil {
		return err
	}
	c = c.Clone()
	c.Code, c.Program = old.Code, old.Program
	p.coupons[code] = c
	return nil
}
