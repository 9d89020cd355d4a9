package loyalty

import (
	"context"
	"fmt"
	"slices"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

type memberKey struct {
	program  string
	customer crm.CustomerID
}

// UpdateMember implements MemberStore.
func (s *MemoryStore) UpdateMember(ctx context.Context, program string, customer crm.CustomerID, fn func(*MemberState) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.lock()
	defer s.mu.Unlock()
	k := memberKey{program, customer}
	cur := s.members[k]
	m := cur.Clone()
	if m == nil {
		m = &MemberState{Program: program, Customer: customer}
	}
	if err := fn(m); err != nil {
		return err
	}
	m = m.Clone()
	m.Program, m.Customer = program, customer
	if cur == nil {
		m.Version = 1
		p := s.program(program)
		p.memberIDs = append(p.memberIDs, customer)
		p.membersDirty = true
	} else {
		m.Version = cur.Version + 1
	}
	s.members[k] = m
	return nil
}

// Member implements MemberStore.
func (s *MemoryStore) Member(ctx context.Context, program string, customer crm.CustomerID) (*MemberState, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := s.members[memberKey{program, customer}]
	if m == nil {
		return nil, fmt.Errorf("member %s of %s: %w", customer, program, kehu.ErrNotFound)
	}
	return m.Clone(), nil
}

// ScanMembers implements MemberStore.
func (s *MemoryStore) ScanMembers(ctx context.Context, program string, q ScanQuery) (kehu.Page[*MemberState], error) {
	s.lock()
	defer s.mu.Unlock()
	p := s.programs[program]
	if p == nil {
		return kehu.Page[*MemberState]{}, nil
	}
	if p.membersDirty {
		slices.SortFunc(p.memberIDs, crm.CustomerID.Compare)
		p.membersDirty = false
	}
	start := 0
	if q.After != "" {
		after, err := crm.ParseCustomerID(q.After)
		if err != nil {
			return kehu.Page[*MemberState]{}, kehu.Invalid("after", "format", "is not a cursor of this store")
		}
		start, _ = slices.BinarySearchFunc(p.memberIDs, after, crm.CustomerID.Compare)
		if start < len(p.memberIDs) && p.memberIDs[start] == after {
			start++
		}
	}
	limit := q.Size()
	var page kehu.Page[*MemberState]
	for _, id := range p.memberIDs[start:] {
		m := s.members[memberKey{program, id}]
		if !q.DueBy.IsZero() && !memberDue(m, q.DueBy) {
			continue
		}
		if len(page.Items) == limit {
			page.Next = page.Items[limit-1].Customer.String()
			break
		}
		page.Items = append(page.Items, m.Clone())
	}
	return page, nil
}
