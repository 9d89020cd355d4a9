package loyaltytest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

func memberTests() []test {
	return []test{
		{Name: "CreateAndVersion", Run: testMemberCreate},
		{Name: "Rollback", Run: testMemberRollback},
		{Name: "Copies", Run: testMemberCopies},
		{Name: "ScanOrderAndDue", Run: testMemberScan},
		{Name: "ConcurrentWriters", Run: testMemberConcurrent},
	}
}

func testMemberCreate(t *testing.T, h *harness) {
	c := h.customer()
	_, err := h.s.Member(h.ctx, "retail", c)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "Member of an unknown member must be kehu.ErrNotFound")
	for want := int64(0); want < 3; want++ {
		err := h.s.UpdateMember(h.ctx, "retail", c, func(m *loyalty.MemberState) error {
			assert.Equal(t, want, m.Version, "UpdateMember must pass the current version (0 for a new member)")
			assert.Equal(t, c, m.Customer, "UpdateMember must pass Customer set")
			m.Tier = fmt.Sprint("t", want)
			return nil
		})
		require.NoError(t, err)
	}
	m, err := h.s.Member(h.ctx, "retail", c)
	require.NoError(t, err)
	assert.Equal(t, int64(3), m.Version, "UpdateMember must store Version + 1")
	assert.Equal(t, "t2", m.Tier)
	_, err = h.s.Member(h.ctx, "other", c)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "member states are per programme")
}

func testMemberRollback(t *testing.T, h *harness) {
	c := h.customer()
	boom := errors.New("boom")
	err := h.s.UpdateMember(h.ctx, "retail", c, func(m *loyalty.MemberState) error { m.Tier = "gold"; return boom })
	assert.ErrorIs(t, err, boom, "UpdateMember must return fn's error")
	_, err = h.s.Member(h.ctx, "retail", c)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "a failed first UpdateMember must store nothing")
}

func testMemberCopies(t *testing.T, h *harness) {
	c := h.customer()
	var kept *loyalty.MemberState
	require.NoError(t, h.s.UpdateMember(h.ctx, "retail", c, func(m *loyalty.MemberState) error {
		m.History = []loyalty.TierChange{{To: "member", At: h.clock.Now(), Reason: loyalty.TierJoined}}
		m.PoolMembers = []crm.CustomerID{h.customer()}
		kept = m
		return nil
	}))
	kept.History[0].To = "scribbled"
	kept.PoolMembers[0] = crm.CustomerID{}
	got, err := h.s.Member(h.ctx, "retail", c)
	require.NoError(t, err)
	assert.Equal(t, "member", got.History[0].To, "UpdateMember must not keep fn's state")
	assert.False(t, got.PoolMembers[0].IsZero(), "UpdateMember must not keep fn's state")
	got.History[0].To = "scribbled"
	again, _ := h.s.Member(h.ctx, "retail", c)
	assert.Equal(t, "member", again.History[0].To, "Member must return a copy")
}

func testMemberScan(t *testing.T, h *harness) {
	now := h.clock.Now()
	var ids []crm.CustomerID
	for i := range 7 {
		c := h.customer()
		ids = append(ids, c)
		require.NoError(t, h.s.UpdateMember(h.ctx, "retail", c, func(m *loyalty.MemberState) error {
			m.NextReview = now.Add(time.Duration(i-3) * time.Hour) // three due, one exactly at now
			return nil
		}))
	}
	var all []crm.CustomerID
	q := loyalty.ScanQuery{PageRequest: kehu.PageRequest{Limit: 3}}
	for {
		page, err := h.s.ScanMembers(h.ctx, "retail", q)
		require.NoError(t, err)
		for _, m := range page.Items {
			all = append(all, m.Customer)
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	assert.Equal(t, ids, all, "ScanMembers must visit every member once, in customer order")
	due, err := h.s.ScanMembers(h.ctx, "retail", loyalty.ScanQuery{DueBy: now})
	require.NoError(t, err)
	var got []crm.CustomerID
	for _, m := range due.Items {
		got = append(got, m.Customer)
	}
	assert.Equal(t, ids[:4], got, "ScanMembers with DueBy keeps members with NextReview at or before it")
}

func testMemberConcurrent(t *testing.T, h *harness) {
	c := h.customer()
	const writers = 50
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				err := h.s.UpdateMember(h.ctx, "retail", c, func(m *loyalty.MemberState) error {
					m.History = append(m.History, loyalty.TierChange{To: fmt.Sprint(i), At: h.clock.Now()})
					return nil
				})
				if !errors.Is(err, kehu.ErrConflict) {
					assert.NoError(t, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	m, err := h.s.Member(h.ctx, "retail", c)
	require.NoError(t, err)
	assert.Len(t, m.History, writers, "concurrent UpdateMember calls must not lose an update")
	assert.Equal(t, int64(writers), m.Version)
}
