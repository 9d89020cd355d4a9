package crmtest

import (
	"context"
	"errors"
	"slices"
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
		{Name: "CustomersSkipTombstones", Run: testScanSkipsTombstones},
		{Name: "Interactions", Run: testScanInteractions},
		{Name: "StopsAtError", Run: testScanStops},
		{Name: "Cancelled", Run: testScanCancelled},
	}
}

// scanCustomers returns copies of what ScanCustomers hands out, by ID.
func (h *harness) scanCustomers() map[crm.CustomerID]*crm.Customer {
	h.t.Helper()
	got := map[crm.CustomerID]*crm.Customer{}
	require.NoError(h.t, h.s.ScanCustomers(h.ctx, func(c *crm.Customer) error {
		_, twice := got[c.ID]
		assert.False(h.t, twice, "ScanCustomers must hand each customer once: %s came twice", c.ID)
		got[c.ID] = c.Clone()
		return nil
	}), "ScanCustomers")
	return got
}

func testScanCustomers(t *testing.T, h *harness) {
	want := []*crm.Customer{h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000")),
		h.add(profile("李娜", "li.na@example.com", "+8613512345678")), h.add(profile("王芳", "wang.fang@example.com", "+8613312345678"))}
	got := h.scanCustomers()
	require.Len(t, got, 3, "ScanCustomers must hand every customer")
	for _, c := range want {
		assertCustomer(t, h.get(c.ID), got[c.ID], "ScanCustomers must hand each customer as GetCustomer returns it")
	}
}

func testScanSkipsTombstones(t *testing.T, h *harness) {
	s := h.add(profile("王小明", "xiaoming@example.com", "+8613800138000"))
	d := h.add(profile("王 小明", "wxm@example.org", "+8613912345678"))
	now := h.clock.Advance(time.Minute)
	require.NoError(t, h.s.MergeCustomers(h.ctx, s.ID, d.ID, func(sv, dp *crm.Customer) (*crm.Change, *crm.Change, error) {
		dp.MergedInto, dp.UpdatedAt, sv.UpdatedAt = sv.ID, now, now
		return nil, nil, nil
	}), "MergeCustomers")
	got := h.scanCustomers()
	assert.Len(t, got, 1, "ScanCustomers must not hand tombstones")
	assert.Contains(t, got, s.ID)
}

func testScanInteractions(t *testing.T, h *harness) {
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	var ins []*crm.Interaction
	for hours := range 5 {
		in := h.newInteraction(c.ID, suite.Start().Add(time.Duration(hours)*time.Hour), "call")
		h.createInteraction(in)
		ins = append(ins, in)
	}
	scan := func(from, to time.Time) []*crm.Interaction {
		var got []*crm.Interaction
		require.NoError(t, h.s.ScanInteractions(h.ctx, from, to, func(in *crm.Interaction) error {
			got = append(got, in.Clone())
			return nil
		}), "ScanInteractions")
		slices.SortFunc(got, func(a, b *crm.Interaction) int { return a.At.Compare(b.At) })
		return got
	}
	all := scan(time.Time{}, time.Time{})
	require.Len(t, all, 5, "ScanInteractions with open bounds must hand every interaction")
	for i := range all {
		assertInteraction(t, ins[i], all[i], "ScanInteractions must hand each interaction as stored")
	}
	assert.Equal(t, interactionIDs(ins[1:3]), interactionIDs(scan(ins[1].At, ins[3].At)),
		"ScanInteractions must hand those with from ≤ At < to")
	assert.Equal(t, interactionIDs(ins[3:]), interactionIDs(scan(ins[3].At, time.Time{})), "an open upper bound")
	assert.Equal(t, interactionIDs(ins[:2]), interactionIDs(scan(time.Time{}, ins[2].At)), "an open lower bound")
}

func testScanStops(t *testing.T, h *harness) {
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	h.add(profile("李娜", "li.na@example.com", "+8613512345678"))
	for hours := range 3 {
		h.createInteraction(h.newInteraction(c.ID, suite.Start().Add(time.Duration(hours)*time.Hour), "call"))
	}
	stop := errors.New("enough")
	calls := 0
	err := h.s.ScanCustomers(h.ctx, func(*crm.Customer) error { calls++; return stop })
	assert.ErrorIs(t, err, stop, "ScanCustomers must return fn's error")
	assert.Equal(t, 1, calls, "ScanCustomers must stop at fn's first error")
	calls = 0
	err = h.s.ScanInteractions(h.ctx, time.Time{}, time.Time{}, func(*crm.Interaction) error { calls++; return stop })
	assert.ErrorIs(t, err, stop, "ScanInteractions must return fn's error")
	assert.Equal(t, 1, calls, "ScanInteractions must stop at fn's first error")
}

func testScanCancelled(t *testing.T, h *harness) {
	h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	err := h.s.ScanCustomers(ctx, func(*crm.Customer) error { return nil })
	assert.ErrorIs(t, err, context.Canceled, "ScanCustomers with a cancelled context")
	err = h.s.ScanInteractions(ctx, time.Time{}, time.Time{}, func(*crm.Interaction) error { return nil })
	assert.ErrorIs(t, err, context.Canceled, "ScanInteractions with a cancelled context")
}
