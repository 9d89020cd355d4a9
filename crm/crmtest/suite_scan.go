package crmtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
)

func scanTests() []test {
	return []test{
		{Name: "Customers", Run: testScanCustomers},
		{Name: "SkipsTombstones", Run: testScanSkipsTombstones},
		{Name: "Timelines", Run: testScanTimelines},
		{Name: "StopsAtError", Run: testScanStops},
		{Name: "Cancelled", Run: testScanCancelled},
	}
}

type scanned struct {
	c  *crm.Customer
	tl []*crm.Interaction
}

// scan returns copies of what ScanTimelines hands out, by customer.
func (h *harness) scan(before time.Time) map[crm.CustomerID]scanned {
	h.t.Helper()
	got := map[crm.CustomerID]scanned{}
	require.NoError(h.t, h.s.ScanTimelines(h.ctx, before, func(c *crm.Customer, tl []*crm.Interaction) error {
		_, twice := got[c.ID]
		assert.False(h.t, twice, "ScanTimelines must hand each customer once: %s came twice", c.ID)
		s := scanned{c: c.Clone()}
		for _, in := range tl {
			s.tl = append(s.tl, in.Clone())
		}
		got[c.ID] = s
		return nil
	}), "ScanTimelines")
	return got
}

func testScanCustomers(t *testing.T, h *harness) {
	want := []*crm.Customer{h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000")),
		h.add(profile("李娜", "li.na@example.com", "+8613512345678")), h.add(profile("王芳", "wang.fang@example.com", "+8613312345678"))}
	got := h.scan(time.Time{})
	require.Len(t, got, 3, "ScanTimelines must hand every customer")
	for _, c := range want {
		assertCustomer(t, h.get(c.ID), got[c.ID].c, "ScanTimelines must hand each customer as GetCustomer returns it")
		assert.Empty(t, got[c.ID].tl, "a customer without interactions has an empty timeline")
	}
}

func testScanSkipsTombstones(t *testing.T, h *harness) {
	s := h.add(profile("王小明", "xiaoming@example.com", "+8613800138000"))
	d := h.add(profile("王 小明", "wxm@example.org", "+8613912345678"))
	in := h.newInteraction(d.ID, suite.Start().Add(time.Hour), "before the merge")
	h.createInteraction(in)
	now := h.clock.Advance(time.Minute)
	require.NoError(t, h.s.MergeCustomers(h.ctx, s.ID, d.ID, func(sv, dp *crm.Customer) (*crm.Change, *crm.Change, error) {
		dp.MergedInto, dp.UpdatedAt, sv.UpdatedAt = sv.ID, now, now
		return nil, nil, nil
	}), "MergeCustomers")
	got := h.scan(time.Time{})
	assert.Len(t, got, 1, "ScanTimelines must not hand tombstones")
	require.Contains(t, got, s.ID)
	require.Len(t, got[s.ID].tl, 1, "the survivor's timeline holds the duplicate's interactions")
	assert.Equal(t, s.ID, got[s.ID].tl[0].CustomerID)
}

func testScanTimelines(t *testing.T, h *harness) {
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	other := h.add(profile("李娜", "li.na@example.com", "+8613512345678"))
	var ins []*crm.Interaction
	for _, hours := range []int{3, 0, 4, 1, 2} { // recorded out of time order
		in := h.newInteraction(c.ID, suite.Start().Add(time.Duration(hours)*time.Hour), "call")
		h.createInteraction(in)
		ins = append(ins, in)
	}
	h.createInteraction(h.newInteraction(other.ID, suite.Start(), "other"))
	ordered := []*crm.Interaction{ins[1], ins[3], ins[4], ins[0], ins[2]}
	got := h.scan(time.Time{})[c.ID].tl
	require.Len(t, got, 5, "ScanTimelines with an open bound must hand every interaction")
	for i := range got {
		assertInteraction(t, ordered[i], got[i], "ScanTimelines must hand the timeline oldest first, each as stored")
	}
	assert.Equal(t, interactionIDs(ordered[:3]), interactionIDs(h.scan(ordered[3].At)[c.ID].tl),
		"ScanTimelines must hand the interactions before the bound")
	assert.Len(t, h.scan(time.Time{})[other.ID].tl, 1, "each customer gets their own timeline")

	// an update that moves an interaction in time moves it in the timeline
	_, err := h.s.GetInteraction(h.ctx, ins[1].ID)
	require.NoError(t, err)
	require.NoError(t, h.s.UpdateInteraction(h.ctx, ins[1].ID, func(in *crm.Interaction) error {
		in.At = suite.Start().Add(5 * time.Hour)
		return nil
	}))
	got = h.scan(time.Time{})[c.ID].tl
	require.Len(t, got, 5)
	assert.Equal(t, ins[1].ID, got[4].ID, "an interaction moved later comes last")
}

func testScanStops(t *testing.T, h *harness) {
	h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	h.add(profile("李娜", "li.na@example.com", "+8613512345678"))
	stop := errors.New("enough")
	calls := 0
	err := h.s.ScanTimelines(h.ctx, time.Time{}, func(*crm.Customer, []*crm.Interaction) error { calls++; return stop })
	assert.ErrorIs(t, err, stop, "ScanTimelines must return fn's error")
	assert.Equal(t, 1, calls, "ScanTimelines must stop at fn's first error")
}

func testScanCancelled(t *testing.T, h *harness) {
	h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	err := h.s.ScanTimelines(ctx, time.Time{}, func(*crm.Customer, []*crm.Interaction) error { return nil })
	assert.ErrorIs(t, err, context.Canceled, "ScanTimelines with a cancelled context")
}
