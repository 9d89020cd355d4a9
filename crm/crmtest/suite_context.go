package crmtest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

func contextTests() []test {
	return []test{
		{Name: "CanceledWrites", Run: testContextCanceledWrites},
		{Name: "CanceledReads", Run: testContextCanceledReads},
	}
}

// A store may honour cancellation, and need not. The suite only checks that a write that
// reports an error wrote nothing, and that a write that reports success was stored.
func testContextCanceledWrites(t *testing.T, h *harness) {
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()

	c := h.customer(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	err := h.s.CreateCustomer(ctx, c.Clone(), h.firstChange(c))
	_, gerr := h.s.GetCustomer(h.ctx, c.ID)
	if err != nil {
		t.Logf("CreateCustomer honours cancellation: %v", err)
		assert.ErrorIs(t, gerr, kehu.ErrNotFound, "CreateCustomer that failed on a canceled context must not store the customer")
		h.create(c)
	} else {
		assert.NoError(t, gerr, "CreateCustomer that succeeded on a canceled context must have stored the customer")
	}

	want := h.get(c.ID)
	hist := h.history(c.ID)
	now := h.clock.Advance(time.Minute)
	err = h.s.UpdateCustomer(ctx, c.ID, func(cur *crm.Customer) (*crm.Change, error) {
		cur.Owner, cur.UpdatedAt = "agent-9", now
		return &crm.Change{ID: h.changeID(), CustomerID: c.ID, Version: cur.Version + 1, At: now, Actor: actor, Action: crm.ActionUpdate}, nil
	})
	got := h.get(c.ID)
	if err != nil {
		t.Logf("UpdateCustomer honours cancellation: %v", err)
		assertCustomer(t, want, got, "UpdateCustomer that failed on a canceled context must not store the customer")
		assertHistory(t, hist, h.history(c.ID), "UpdateCustomer that failed on a canceled context must not append to the history")
	} else {
		assert.Equal(t, want.Version+1, got.Version, "UpdateCustomer that succeeded on a canceled context must have stored the update")
		assert.Len(t, h.history(c.ID), len(hist)+1, "UpdateCustomer that succeeded on a canceled context must have appended its Change")
	}

	in := h.newInteraction(c.ID, now, "canceled")
	err = h.s.CreateInteraction(ctx, in.Clone())
	_, gerr = h.s.GetInteraction(h.ctx, in.ID)
	if err != nil {
		t.Logf("CreateInteraction honours cancellation: %v", err)
		assert.ErrorIs(t, gerr, kehu.ErrNotFound, "CreateInteraction that failed on a canceled context must not store the interaction")
	} else {
		assert.NoError(t, gerr, "CreateInteraction that succeeded on a canceled context must have stored the interaction")
	}
}

// Reads on a canceled context may fail or succeed; they must return, and a success must
// return the data.
func testContextCanceledReads(t *testing.T, h *harness) {
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	if got, err := h.s.GetCustomer(ctx, c.ID); err == nil {
		assertCustomer(t, c, got, "GetCustomer that succeeded on a canceled context")
	} else {
		t.Logf("GetCustomer honours cancellation: %v", err)
	}
	if p, err := h.s.SearchCustomers(ctx, crm.SearchQuery{}); err == nil {
		assert.Equal(t, ids(c), customerIDs(p.Items), "SearchCustomers that succeeded on a canceled context")
	} else {
		t.Logf("SearchCustomers honours cancellation: %v", err)
	}
}
