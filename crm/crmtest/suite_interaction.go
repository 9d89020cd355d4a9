package crmtest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
)

func interactionTests() []test {
	return []test{
		{Name: "CreateThenGet", Run: testInteractionCreateGet},
		{Name: "GetUnknown", Run: testInteractionGetUnknown},
		{Name: "DuplicateID", Run: testInteractionDuplicateID},
		{Name: "DuplicateKey", Run: testInteractionDuplicateKey},
		{Name: "EmptyKey", Run: testInteractionEmptyKey},
		{Name: "UnknownCustomer", Run: testInteractionUnknownCustomer},
		{Name: "Update", Run: testInteractionUpdate},
		{Name: "UpdateRollback", Run: testInteractionUpdateRollback},
		{Name: "UpdateUnknown", Run: testInteractionUpdateUnknown},
		{Name: "ListOrder", Run: testInteractionListOrder},
		{Name: "ListPagination", Run: testInteractionListPagination},
		{Name: "ListDefaultLimit", Run: testInteractionDefaultLimit},
		{Name: "Overdue", Run: testInteractionOverdue},
	}
}

// getInteraction reads an interaction that must exist.
func (h *harness) getInteraction(id crm.InteractionID) *crm.Interaction {
	h.t.Helper()
	in, err := h.s.GetInteraction(h.ctx, id)
	require.NoError(h.t, err, "GetInteraction of stored interaction %s", id)
	return in
}

func testInteractionCreateGet(t *testing.T, h *harness) {
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	in := h.newInteraction(c.ID, h.clock.Advance(-30*time.Minute), "delivery delayed")
	in.Outcome = "promised a call back"
	in.Urgency = crm.UrgencyHigh
	in.ReplyBy = in.At.Add(24 * time.Hour)
	in.Key = "call-2026-03-01-001"
	h.createInteraction(in)
	assertInteraction(t, in, h.getInteraction(in.ID), "CreateInteraction then GetInteraction must return the interaction as given")
	byKey, err := h.s.GetInteractionByKey(h.ctx, in.Key)
	require.NoError(t, err, "GetInteractionByKey must find an interaction by the key it was recorded with")
	assertInteraction(t, in, byKey, "GetInteractionByKey must return the interaction recorded with the key")
}

func testInteractionGetUnknown(t *testing.T, h *harness) {
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	h.createInteraction(h.newInteraction(c.ID, h.clock.Now(), "no key"))
	_, err := h.s.GetInteraction(h.ctx, h.interactionID())
	assert.ErrorIs(t, err, kehu.ErrNotFound, "GetInteraction of an unknown ID must fail with ErrNotFound")
	_, err = h.s.GetInteractionByKey(h.ctx, "no-such-key")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "GetInteractionByKey of an unknown key must fail with ErrNotFound")
	_, err = h.s.GetInteractionByKey(h.ctx, "")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "GetInteractionByKey of the empty key must fail with ErrNotFound: no interaction is recorded with it")
}

func testInteractionDuplicateID(t *testing.T, h *harness) {
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	in := h.newInteraction(c.ID, h.clock.Now(), "first")
	h.createInteraction(in)
	dup := in.Clone()
	dup.Subject, dup.Key = "second", "dup-id"
	err := h.s.CreateInteraction(h.ctx, dup)
	assert.ErrorIs(t, err, kehu.ErrDuplicate, "CreateInteraction with an ID that exists must fail with ErrDuplicate")
	assertInteraction(t, in, h.getInteraction(in.ID), "CreateInteraction that failed with ErrDuplicate must not change the existing interaction")
	_, err = h.s.GetInteractionByKey(h.ctx, "dup-id")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "CreateInteraction that failed must not record its key")
}

func testInteractionDuplicateKey(t *testing.T, h *harness) {
	a := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	b := h.add(profile("李娜", "li.na@example.com", "+8613912345678"))
	in := h.newInteraction(a.ID, h.clock.Now(), "first")
	in.Key = "call-1"
	h.createInteraction(in)
	for _, cust := range []*crm.Customer{a, b} {
		dup := h.newInteraction(cust.ID, h.clock.Now(), "second")
		dup.Key = "call-1"
		err := h.s.CreateInteraction(h.ctx, dup)
		assert.ErrorIs(t, err, kehu.ErrDuplicate,
			"CreateInteraction with a key already used (keys are unique per store; same customer: %v) must fail with ErrDuplicate", cust == a)
		_, err = h.s.GetInteraction(h.ctx, dup.ID)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "CreateInteraction that failed with ErrDuplicate must not store the interaction")
	}
	byKey, err := h.s.GetInteractionByKey(h.ctx, "call-1")
	require.NoError(t, err, "GetInteractionByKey")
	assertInteraction(t, in, byKey, "GetInteractionByKey must return the first interaction recorded with the key")
	assert.Empty(t, h.listInteractions(crm.InteractionQuery{CustomerID: b.ID}),
		"CreateInteraction that failed with ErrDuplicate must not list the interaction")
}

func testInteractionEmptyKey(t *testing.T, h *harness) {
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	x := h.newInteraction(c.ID, h.clock.Now(), "first")
	y := h.newInteraction(c.ID, h.clock.Now(), "second")
	h.createInteraction(x)
	require.NoError(t, h.s.CreateInteraction(h.ctx, y.Clone()),
		"CreateInteraction: an empty Key is no key, so two interactions without one must both be stored")
	assertInteraction(t, y, h.getInteraction(y.ID), "second interaction without a key")
}

func testInteractionUnknownCustomer(t *testing.T, h *harness) {
	h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	in := h.newInteraction(h.customerID(), h.clock.Now(), "orphan")
	in.Key = "orphan"
	err := h.s.CreateInteraction(h.ctx, in)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "CreateInteraction for an unknown customer must fail with ErrNotFound")
	_, err = h.s.GetInteraction(h.ctx, in.ID)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "CreateInteraction that failed must not store the interaction")
	_, err = h.s.GetInteractionByKey(h.ctx, "orphan")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "CreateInteraction that failed must not record its key")
}

func testInteractionUpdate(t *testing.T, h *harness) {
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	in := h.newInteraction(c.ID, h.clock.Now(), "refund")
	in.ReplyBy = in.At.Add(4 * time.Hour)
	h.createInteraction(in)
	replied := h.clock.Advance(time.Hour)
	require.NoError(t, h.s.UpdateInteraction(h.ctx, in.ID, func(cur *crm.Interaction) error {
		cur.RepliedAt = replied
		cur.Outcome = "refunded"
		return nil
	}), "UpdateInteraction")
	want := in.Clone()
	want.RepliedAt, want.Outcome = replied, "refunded"
	assertInteraction(t, want, h.getInteraction(in.ID), "UpdateInteraction must store what fn changed")

	var seen *crm.Interaction
	require.NoError(t, h.s.UpdateInteraction(h.ctx, in.ID, func(cur *crm.Interaction) error {
		seen = cur.Clone()
		cur.Content += " (follow-up)"
		return nil
	}), "UpdateInteraction")
	assertInteraction(t, want, seen, "UpdateInteraction must run fn on a copy of the current interaction")
	want.Content += " (follow-up)"
	assertInteraction(t, want, h.getInteraction(in.ID), "UpdateInteraction must store what fn changed")
}

func testInteractionUpdateRollback(t *testing.T, h *harness) {
	errRollback := errors.New("crmtest: fn refused the update")
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	in := h.newInteraction(c.ID, h.clock.Now(), "refund")
	in.ReplyBy = in.At.Add(4 * time.Hour)
	h.createInteraction(in)
	err := h.s.UpdateInteraction(h.ctx, in.ID, func(cur *crm.Interaction) error {
		cur.RepliedAt = cur.At.Add(time.Hour)
		cur.Subject = "changed"
		return fmt.Errorf("checking the reply: %w", errRollback)
	})
	assert.ErrorIs(t, err, errRollback, "UpdateInteraction must return fn's error")
	assertInteraction(t, in, h.getInteraction(in.ID), "UpdateInteraction: when fn returns an error nothing may be written")
	overdue := h.listInteractions(crm.InteractionQuery{OverdueAt: in.ReplyBy.Add(time.Hour)})
	assert.Equal(t, interactionIDs([]*crm.Interaction{in}), interactionIDs(overdue),
		"UpdateInteraction: after a rolled-back reply the interaction must still be overdue")
}

func testInteractionUpdateUnknown(t *testing.T, h *harness) {
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	h.createInteraction(h.newInteraction(c.ID, h.clock.Now(), "known"))
	called := false
	err := h.s.UpdateInteraction(h.ctx, h.interactionID(), func(*crm.Interaction) error {
		called = true
		return nil
	})
	assert.ErrorIs(t, err, kehu.ErrNotFound, "UpdateInteraction of an unknown ID must fail with ErrNotFound")
	assert.False(t, called, "UpdateInteraction of an unknown ID must not call fn")
}

// interactionWorld stores interactions of two customers whose At order, ID order and
// creation order all differ, with ties in At.
func interactionWorld(h *harness) (a, b *crm.Customer, all []*crm.Interaction) {
	h.t.Helper()
	a = h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	b = h.add(profile("李娜", "li.na@example.com", "+8613912345678"))
	base := suite.Start().Add(24 * time.Hour)
	specs := []struct {
		cust  *crm.Customer
		hours int
	}{
		{a, 5}, {b, 3}, {a, 1}, {a, 3}, {b, 1}, {b, 8}, {a, 3}, {b, 0}, {a, 6}, {b, 5}, {a, 2}, {b, 3},
	}
	for i, s := range specs {
		all = append(all, h.newInteraction(s.cust.ID, base.Add(time.Duration(s.hours)*time.Hour), fmt.Sprintf("item %02d", i)))
	}
	// Create in reverse: IDs ascend with the list, insertion descends.
	for i := len(all) - 1; i >= 0; i-- {
		h.createInteraction(all[i])
	}
	return a, b, all
}

func filterInteractions(all []*crm.Interaction, keep func(*crm.Interaction) bool) []*crm.Interaction {
	var out []*crm.Interaction
	for _, in := range all {
		if keep(in) {
			out = append(out, in)
		}
	}
	return sortInteractions(out)
}

func testInteractionListOrder(t *testing.T, h *harness) {
	a, b, all := interactionWorld(h)
	base := suite.Start().Add(24 * time.Hour)
	from, to := base.Add(1*time.Hour), base.Add(5*time.Hour)
	inRange := func(in *crm.Interaction) bool { return !in.At.Before(from) && in.At.Before(to) }
	cases := []struct {
		name string
		q    crm.InteractionQuery
		keep func(*crm.Interaction) bool
	}{
		{"all customers", crm.InteractionQuery{}, func(*crm.Interaction) bool { return true }},
		{"one customer", crm.InteractionQuery{CustomerID: a.ID}, func(in *crm.Interaction) bool { return in.CustomerID == a.ID }},
		{"other customer", crm.InteractionQuery{CustomerID: b.ID}, func(in *crm.Interaction) bool { return in.CustomerID == b.ID }},
		{"time range [From, To)", crm.InteractionQuery{From: from, To: to}, inRange},
		{"From only", crm.InteractionQuery{From: to}, func(in *crm.Interaction) bool { return !in.At.Before(to) }},
		{"To only", crm.InteractionQuery{To: from}, func(in *crm.Interaction) bool { return in.At.Before(from) }},
		{"customer and range", crm.InteractionQuery{CustomerID: b.ID, From: from, To: to},
			func(in *crm.Interaction) bool { return in.CustomerID == b.ID && inRange(in) }},
		{"customer without interactions", crm.InteractionQuery{CustomerID: h.add(profile("王芳", "", "")).ID},
			func(*crm.Interaction) bool { return false }},
	}
	for _, tc := range cases {
		want := filterInteractions(all, tc.keep)
		got := h.listInteractions(tc.q)
		assert.Equal(t, interactionIDs(want), interactionIDs(got),
			"ListInteractions %s: must return exactly the matching interactions (From ≤ At < To), ordered by (At, ID)", tc.name)
	}
	got := h.listInteractions(crm.InteractionQuery{})
	want := sortInteractions(all)
	if assert.Len(t, got, len(want), "ListInteractions of all customers") {
		for i := range want {
			assertInteraction(t, want[i], got[i], "ListInteractions must return whole interactions")
		}
	}
}

func testInteractionListPagination(t *testing.T, h *harness) {
	a, _, all := interactionWorld(h)
	for _, q := range []crm.InteractionQuery{{}, {CustomerID: a.ID}} {
		want := filterInteractions(all, func(in *crm.Interaction) bool { return q.CustomerID.IsZero() || in.CustomerID == q.CustomerID })
		for _, size := range []int{1, 5} {
			got := suite.Walk(t, fmt.Sprintf("ListInteractions (customer %q), Limit %d", q.CustomerID, size), size, len(want),
				func(pr kehu.PageRequest) (kehu.Page[*crm.Interaction], error) {
					q.PageRequest = pr
					return h.s.ListInteractions(h.ctx, q)
				}, nil)
			assert.Equal(t, interactionIDs(want), interactionIDs(got),
				"ListInteractions: walking pages of %d with After = Next must visit every match exactly once, by (At, ID)", size)
		}
	}

	// Stable cursors: an interaction created after the first page that sorts after the
	// cursor appears on a later page.
	want := sortInteractions(all)
	var late *crm.Interaction
	got := suite.Walk(t, "ListInteractions with an interaction created between pages", 5, len(want)+1,
		func(pr kehu.PageRequest) (kehu.Page[*crm.Interaction], error) {
			return h.s.ListInteractions(h.ctx, crm.InteractionQuery{PageRequest: pr})
		},
		func(pages int) {
			if pages == 1 {
				late = h.newInteraction(a.ID, want[len(want)-1].At.Add(time.Hour), "late")
				h.createInteraction(late)
			}
		})
	require.NotNil(t, late, "suite bug: the walk ended after one page")
	assert.Equal(t, interactionIDs(append(want, late)), interactionIDs(got),
		"ListInteractions cursors must be stable: an interaction created after the first page that sorts after the cursor must appear on a later page")
}

func testInteractionDefaultLimit(t *testing.T, h *harness) {
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	var all []*crm.Interaction
	for i := range 55 {
		in := h.newInteraction(c.ID, suite.Start().Add(time.Duration(i)*time.Minute), fmt.Sprintf("call %02d", i))
		h.createInteraction(in)
		all = append(all, in)
	}
	first, err := h.s.ListInteractions(h.ctx, crm.InteractionQuery{CustomerID: c.ID})
	require.NoError(t, err, "ListInteractions with Limit 0")
	assert.Len(t, first.Items, 50, "ListInteractions: Limit 0 means a page of 50")
	require.NotEmpty(t, first.Next, "ListInteractions: a page of 50 out of 55 is not the last page and must have a Next cursor")
	second, err := h.s.ListInteractions(h.ctx, crm.InteractionQuery{CustomerID: c.ID, PageRequest: kehu.PageRequest{After: first.Next}})
	require.NoError(t, err, "ListInteractions second page with Limit 0")
	assert.Len(t, second.Items, 5, "ListInteractions: the second page of 50 must hold the rest")
	assert.Empty(t, second.Next, "ListInteractions: Next must be empty on the last page")
	assert.Equal(t, interactionIDs(all), interactionIDs(append(first.Items, second.Items...)),
		"ListInteractions: pages of the default size must visit every interaction once, by (At, ID)")
}

func testInteractionOverdue(t *testing.T, h *harness) {
	a := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	b := h.add(profile("李娜", "li.na@example.com", "+8613912345678"))
	base := suite.Start()
	due := base.Add(10 * time.Hour) // the OverdueAt of the queries
	mk := func(c *crm.Customer, atHours int, replyBy, repliedAt time.Time, subject string) *crm.Interaction {
		in := h.newInteraction(c.ID, base.Add(time.Duration(atHours)*time.Hour), subject)
		in.ReplyBy, in.RepliedAt = replyBy, repliedAt
		h.createInteraction(in)
		return in
	}
	all := []*crm.Interaction{
		mk(a, 3, due.Add(-1*time.Hour), time.Time{}, "overdue a"),
		mk(b, 2, due.Add(-2*time.Hour), time.Time{}, "overdue b"),
		mk(a, 1, due, time.Time{}, "due exactly at OverdueAt"),
		mk(a, 4, due.Add(time.Hour), time.Time{}, "due later"),
		mk(b, 1, due.Add(-3*time.Hour), due.Add(-4*time.Hour), "replied"),
		mk(a, 0, time.Time{}, time.Time{}, "no reply needed"),
		mk(b, 5, due.Add(-time.Minute), time.Time{}, "overdue b by a minute"),
	}
	overdue := func(at time.Time, cid crm.CustomerID) []*crm.Interaction {
		return filterInteractions(all, func(in *crm.Interaction) bool {
			return in.Overdue(at) && (cid.IsZero() || in.CustomerID == cid)
		})
	}
	want := overdue(due, crm.CustomerID{})
	require.Len(t, want, 3, "suite bug: three interactions are overdue")
	assert.Equal(t, interactionIDs(want), interactionIDs(h.listInteractions(crm.InteractionQuery{OverdueAt: due})),
		"ListInteractions with OverdueAt must return, across all customers and by (At, ID), exactly the interactions whose ReplyBy is before it and RepliedAt is zero")
	assert.Equal(t, interactionIDs(overdue(due, b.ID)), interactionIDs(h.listInteractions(crm.InteractionQuery{OverdueAt: due, CustomerID: b.ID})),
		"ListInteractions with OverdueAt and CustomerID must keep both conditions")

	// A reply takes the interaction off the list.
	replied := due.Add(-30 * time.Minute)
	require.NoError(t, h.s.UpdateInteraction(h.ctx, want[0].ID, func(in *crm.Interaction) error {
		in.RepliedAt = replied
		return nil
	}), "UpdateInteraction")
	for _, in := range all {
		if in.ID == want[0].ID {
			in.RepliedAt = replied
		}
	}
	assert.Equal(t, interactionIDs(overdue(due, crm.CustomerID{})), interactionIDs(h.listInteractions(crm.InteractionQuery{OverdueAt: due})),
		"ListInteractions with OverdueAt: an interaction whose RepliedAt was set by UpdateInteraction is no longer overdue")
}
