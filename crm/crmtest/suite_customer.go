package crmtest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

func customerTests() []test {
	return []test{
		{Name: "CreateThenGet", Run: testCreateThenGet},
		{Name: "FirstChangeInHistory", Run: testFirstChangeInHistory},
		{Name: "GetUnknown", Run: testGetUnknown},
		{Name: "DuplicateID", Run: testDuplicateID},
		{Name: "DuplicateCreateKey", Run: testDuplicateCreateKey},
		{Name: "EmptyCreateKey", Run: testEmptyCreateKey},
	}
}

func testCreateThenGet(t *testing.T, h *harness) {
	c := h.richCustomer()
	h.create(c)
	got, err := h.s.GetCustomer(h.ctx, c.ID)
	require.NoError(t, err, "GetCustomer after CreateCustomer")
	assertCustomer(t, c, got, "CreateCustomer then GetCustomer must return the customer as given")
	assert.EqualValues(t, 1, got.Version, "CreateCustomer stores a new customer with Version 1")

	byKey, err := h.s.GetCustomerByKey(h.ctx, h.key(c))
	require.NoError(t, err, "GetCustomerByKey must find a customer by the CreateKey it was created with")
	assertCustomer(t, c, byKey, "GetCustomerByKey must return the customer created with the key")
}

func testFirstChangeInHistory(t *testing.T, h *harness) {
	c := h.richCustomer()
	first := h.firstChange(c)
	first.Key = "cmd-create-1"
	first.Reason = "walk-in"
	require.NoError(t, h.s.CreateCustomer(h.ctx, c.Clone(), cloneChange(first)), "CreateCustomer")
	p, err := h.s.History(h.ctx, c.ID, kehu.PageRequest{})
	require.NoError(t, err, "History of a new customer")
	assertHistory(t, []crm.Change{*first}, p.Items,
		"CreateCustomer must store the first entry of the customer's history, readable with History")
	assert.Empty(t, p.Next, "History: Next must be empty on the last page")
}

func testGetUnknown(t *testing.T, h *harness) {
	h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	_, err := h.s.GetCustomer(h.ctx, h.customerID())
	assert.ErrorIs(t, err, kehu.ErrNotFound, "GetCustomer of an unknown ID must fail with ErrNotFound")
	_, err = h.s.GetCustomerByKey(h.ctx, "no-such-key")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "GetCustomerByKey of an unknown key must fail with ErrNotFound")
}

func testDuplicateID(t *testing.T, h *harness) {
	a := h.customer(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	h.setKey(a, "create-a")
	firstA := h.create(a)

	h.clock.Advance(time.Minute)
	b := h.customerWithID(a.ID, profile("李娜", "li.na@example.com", "+8613912345678"))
	h.setKey(b, "create-b")
	err := h.s.CreateCustomer(h.ctx, b.Clone(), h.firstChange(b))
	assert.ErrorIs(t, err, kehu.ErrDuplicate, "CreateCustomer with an ID that exists must fail with ErrDuplicate")

	assertCustomer(t, a, h.get(a.ID), "CreateCustomer that failed with ErrDuplicate must not change the existing customer")
	assertHistory(t, []crm.Change{firstA}, h.history(a.ID),
		"CreateCustomer that failed with ErrDuplicate must not append to the existing customer's history")
	_, err = h.s.GetCustomerByKey(h.ctx, "create-b")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "CreateCustomer that failed must not record its CreateKey")
	found, err := h.s.LookupCustomers(h.ctx, crm.LookupEmail, "li.na@example.com")
	require.NoError(t, err, "LookupCustomers")
	assert.Empty(t, customerIDs(found), "CreateCustomer that failed must not index the rejected customer's email")
}

func testDuplicateCreateKey(t *testing.T, h *harness) {
	a := h.customer(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	h.setKey(a, "signup-42")
	h.create(a)

	h.clock.Advance(time.Minute)
	b := h.customer(profile("李娜", "li.na@example.com", "+8613912345678"))
	h.setKey(b, "signup-42")
	err := h.s.CreateCustomer(h.ctx, b.Clone(), h.firstChange(b))
	assert.ErrorIs(t, err, kehu.ErrDuplicate,
		"CreateCustomer with a CreateKey another customer was created with must fail with ErrDuplicate")

	got, err := h.s.GetCustomerByKey(h.ctx, "signup-42")
	require.NoError(t, err, "GetCustomerByKey after a duplicate create")
	assertCustomer(t, a, got, "GetCustomerByKey must return the first customer created with the key")
	_, err = h.s.GetCustomer(h.ctx, b.ID)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "CreateCustomer that failed with ErrDuplicate must not store the customer")
	_, err = h.s.History(h.ctx, b.ID, kehu.PageRequest{})
	assert.ErrorIs(t, err, kehu.ErrNotFound, "CreateCustomer that failed with ErrDuplicate must not store its first history entry")
}

func testEmptyCreateKey(t *testing.T, h *harness) {
	a := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	b := h.customer(profile("李娜", "li.na@example.com", "+8613912345678"))
	require.NoError(t, h.s.CreateCustomer(h.ctx, b.Clone(), h.firstChange(b)),
		"CreateCustomer: an empty CreateKey is no key, so two customers without one must both be created")
	assertCustomer(t, a, h.get(a.ID), "first customer without a CreateKey")
	assertCustomer(t, b, h.get(b.ID), "second customer without a CreateKey")
	_, err := h.s.GetCustomerByKey(h.ctx, "")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "GetCustomerByKey of the empty key must fail with ErrNotFound: no customer is created with it")
}

// ---- copies ----

func copyTests() []test {
	return []test{
		{Name: "CreateInputs", Run: testCopyCreateInputs},
		{Name: "GetResults", Run: testCopyGetResults},
		{Name: "UpdateFunction", Run: testCopyUpdateFunction},
		{Name: "MergeFunction", Run: testCopyMergeFunction},
		{Name: "ListResults", Run: testCopyListResults},
		{Name: "Interactions", Run: testCopyInteractions},
	}
}

// scribble changes every part of c that a shallow copy would share.
func scribble(c *crm.Customer) {
	if len(c.Tags) > 0 {
		c.Tags[0] = "scribbled"
	}
	c.Tags = append(c.Tags, "scribbled")
	if len(c.Emails) > 0 {
		c.Emails[0].Address = "scribbled@example.net"
	}
	c.Emails = append(c.Emails, crm.Email{Address: "more@example.net"})
	if len(c.Phones) > 0 {
		c.Phones[0].Number = "+8613700001111"
	}
	if len(c.Addresses) > 0 {
		c.Addresses[0].City = "scribbled"
	}
	if len(c.Preferences.Notes) > 0 {
		c.Preferences.Notes[0] = "scribbled"
	}
	if len(c.Interests) > 0 {
		c.Interests[0] = "scribbled"
	}
	if c.Attributes != nil {
		c.Attributes["credit"] = crm.NumberAttr(decimal.NewFromInt(-1))
		c.Attributes["scribbled"] = crm.BoolAttr(false)
	}
	if len(c.StageHistory) > 0 {
		c.StageHistory[0].Reason = "scribbled"
	}
	if len(c.Consents) > 0 {
		c.Consents[0].Granted = false
	}
	c.Name.Display = "scribbled"
	c.Version = 99
}

func scribbleChange(ch *crm.Change) {
	if len(ch.Fields) > 0 {
		ch.Fields[0].New = "scribbled"
	}
	ch.Fields = append(ch.Fields, crm.FieldChange{Field: "scribbled"})
	ch.Actor = "scribbled"
}

func testCopyCreateInputs(t *testing.T, h *harness) {
	c := h.richCustomer()
	first := h.firstChange(c)
	want, wantFirst := c.Clone(), *cloneChange(first)
	require.NoError(t, h.s.CreateCustomer(h.ctx, c, first), "CreateCustomer")
	scribble(c)
	scribbleChange(first)
	assertCustomer(t, want, h.get(want.ID),
		"Copies: changing the *Customer passed to CreateCustomer afterwards must not change the stored customer")
	assertHistory(t, []crm.Change{wantFirst}, h.history(want.ID),
		"Copies: changing the *Change passed to CreateCustomer afterwards must not change the stored history")
}

func testCopyGetResults(t *testing.T, h *harness) {
	c := h.richCustomer()
	h.create(c)
	got := h.get(c.ID)
	scribble(got)
	assertCustomer(t, c, h.get(c.ID),
		"Copies: changing the *Customer returned by GetCustomer must not change the stored customer")
	byKey, err := h.s.GetCustomerByKey(h.ctx, h.key(c))
	require.NoError(t, err, "GetCustomerByKey")
	scribble(byKey)
	assertCustomer(t, c, h.get(c.ID),
		"Copies: changing the *Customer returned by GetCustomerByKey must not change the stored customer")
}

func testCopyUpdateFunction(t *testing.T, h *harness) {
	c := h.richCustomer()
	first := h.create(c)
	var kept *crm.Customer
	var keptChange *crm.Change
	now := h.clock.Advance(time.Minute)
	err := h.s.UpdateCustomer(h.ctx, c.ID, func(cur *crm.Customer) (*crm.Change, error) {
		cur.Owner = "agent-9"
		cur.UpdatedAt = now
		kept = cur
		keptChange = &crm.Change{ID: h.changeID(), CustomerID: c.ID, Version: cur.Version + 1, At: now,
			Actor: actor, Action: crm.ActionUpdate, Fields: []crm.FieldChange{{Field: "owner", Old: "agent-7", New: "agent-9"}}}
		return keptChange, nil
	})
	require.NoError(t, err, "UpdateCustomer")
	want := c.Clone()
	want.Owner, want.UpdatedAt, want.Version = "agent-9", now, 2
	wantHistory := []crm.Change{first, *cloneChange(keptChange)}
	scribble(kept)
	scribbleChange(keptChange)
	assertCustomer(t, want, h.get(c.ID),
		"Copies: changing the *Customer that UpdateCustomer passed to fn, after UpdateCustomer returned, must not change the stored customer")
	assertHistory(t, wantHistory, h.history(c.ID),
		"Copies: changing the *Change that fn returned, after UpdateCustomer returned, must not change the stored history")
}

func testCopyMergeFunction(t *testing.T, h *harness) {
	w := newMergeWorld(h)
	now := h.clock.Advance(time.Minute)
	var keptS, keptD *crm.Customer
	var keptSC, keptDC *crm.Change
	require.NoError(t, h.s.MergeCustomers(h.ctx, w.s.ID, w.d.ID, func(sv, dp *crm.Customer) (*crm.Change, *crm.Change, error) {
		sv.UpdatedAt = now
		dp.MergedInto, dp.UpdatedAt = sv.ID, now
		keptS, keptD = sv, dp
		keptSC = &crm.Change{ID: h.changeID(), CustomerID: sv.ID, Version: sv.Version + 1, At: now, Actor: actor,
			Action: crm.ActionMerge, Fields: []crm.FieldChange{{Field: "merged", New: dp.ID.String()}}}
		keptDC = &crm.Change{ID: h.changeID(), CustomerID: dp.ID, Version: dp.Version + 1, At: now, Actor: actor,
			Action: crm.ActionMerged, Fields: []crm.FieldChange{{Field: "merged_into", New: sv.ID.String()}}}
		return keptSC, keptDC, nil
	}), "MergeCustomers")
	wantS, wantD := h.get(w.s.ID), h.get(w.d.ID)
	wantSHist, wantDHist := h.history(w.s.ID), h.history(w.d.ID)
	scribble(keptS)
	scribble(keptD)
	scribbleChange(keptSC)
	scribbleChange(keptDC)
	assertCustomer(t, wantS, h.get(w.s.ID),
		"Copies: changing the survivor that MergeCustomers passed to fn, after MergeCustomers returned, must not change the stored survivor")
	assertCustomer(t, wantD, h.get(w.d.ID),
		"Copies: changing the duplicate that MergeCustomers passed to fn, after MergeCustomers returned, must not change the stored duplicate")
	assertHistory(t, wantSHist, h.history(w.s.ID),
		"Copies: changing the survivor's Change that fn returned, after MergeCustomers returned, must not change the stored history")
	assertHistory(t, wantDHist, h.history(w.d.ID),
		"Copies: changing the duplicate's Change that fn returned, after MergeCustomers returned, must not change the stored history")
}

func testCopyListResults(t *testing.T, h *harness) {
	c := h.richCustomer()
	first := h.create(c)

	found, err := h.s.LookupCustomers(h.ctx, crm.LookupEmail, c.Emails[0].Address)
	require.NoError(t, err, "LookupCustomers")
	require.Len(t, found, 1, "LookupCustomers by email")
	scribble(found[0])
	assertCustomer(t, c, h.get(c.ID), "Copies: changing a customer returned by LookupCustomers must not change the stored customer")

	page, err := h.s.SearchCustomers(h.ctx, crm.SearchQuery{})
	require.NoError(t, err, "SearchCustomers")
	require.Len(t, page.Items, 1, "SearchCustomers with no conditions over one customer")
	scribble(page.Items[0])
	assertCustomer(t, c, h.get(c.ID), "Copies: changing a customer returned by SearchCustomers must not change the stored customer")

	hist, err := h.s.History(h.ctx, c.ID, kehu.PageRequest{})
	require.NoError(t, err, "History")
	require.Len(t, hist.Items, 1, "History of a new customer")
	scribbleChange(&hist.Items[0])
	assertHistory(t, []crm.Change{first}, h.history(c.ID),
		"Copies: changing an entry returned by History (its Fields) must not change the stored history")
}

func scribbleInteraction(in *crm.Interaction) {
	in.Subject = "scribbled"
	in.Content = "scribbled"
	in.RepliedAt = in.At.Add(time.Hour)
	in.CustomerID = crm.CustomerID{}
}

func testCopyInteractions(t *testing.T, h *harness) {
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	in := h.newInteraction(c.ID, h.clock.Now(), "order status")
	in.Key = "call-1"
	want := in.Clone()
	require.NoError(t, h.s.CreateInteraction(h.ctx, in), "CreateInteraction")
	scribbleInteraction(in)
	getIn := func() *crm.Interaction {
		t.Helper()
		got, err := h.s.GetInteraction(h.ctx, want.ID)
		require.NoError(t, err, "GetInteraction")
		return got
	}
	assertInteraction(t, want, getIn(),
		"Copies: changing the *Interaction passed to CreateInteraction afterwards must not change the stored interaction")

	scribbleInteraction(getIn())
	assertInteraction(t, want, getIn(), "Copies: changing the *Interaction returned by GetInteraction must not change the stored one")

	byKey, err := h.s.GetInteractionByKey(h.ctx, "call-1")
	require.NoError(t, err, "GetInteractionByKey")
	scribbleInteraction(byKey)
	assertInteraction(t, want, getIn(), "Copies: changing the *Interaction returned by GetInteractionByKey must not change the stored one")

	page, err := h.s.ListInteractions(h.ctx, crm.InteractionQuery{CustomerID: c.ID})
	require.NoError(t, err, "ListInteractions")
	require.Len(t, page.Items, 1, "ListInteractions of a customer with one interaction")
	scribbleInteraction(page.Items[0])
	assertInteraction(t, want, getIn(), "Copies: changing an interaction returned by ListInteractions must not change the stored one")

	var kept *crm.Interaction
	require.NoError(t, h.s.UpdateInteraction(h.ctx, want.ID, func(cur *crm.Interaction) error {
		cur.Outcome = "resolved"
		kept = cur
		return nil
	}), "UpdateInteraction")
	want.Outcome = "resolved"
	scribbleInteraction(kept)
	assertInteraction(t, want, getIn(),
		"Copies: changing the *Interaction that UpdateInteraction passed to fn, after it returned, must not change the stored one")
}

// ---- update ----

func updateTests() []test {
	return []test{
		{Name: "SeesCurrentVersion", Run: testUpdateSeesCurrent},
		{Name: "VersionAndHistory", Run: testUpdateVersionAndHistory},
		{Name: "NilChange", Run: testUpdateNilChange},
		{Name: "Rollback", Run: testUpdateRollback},
		{Name: "Unknown", Run: testUpdateUnknown},
		{Name: "DuplicateChangeKey", Run: testUpdateDuplicateChangeKey},
		{Name: "DuplicateChangeKeyFromCreate", Run: testUpdateDuplicateKeyFromCreate},
		{Name: "ChangeKeyPerCustomer", Run: testUpdateChangeKeyPerCustomer},
	}
}

func testUpdateSeesCurrent(t *testing.T, h *harness) {
	c := h.richCustomer()
	h.create(c)
	after, _ := h.update(c.ID, "", func(c *crm.Customer) { c.Owner = "agent-9" })
	var seen *crm.Customer
	h.update(c.ID, "", func(c *crm.Customer) { seen = c.Clone() })
	assertCustomer(t, after, seen, "UpdateCustomer must run fn on a copy of the current customer (after the previous update)")
	assert.EqualValues(t, 2, seen.Version, "UpdateCustomer: fn must see the current Version")
}

func testUpdateVersionAndHistory(t *testing.T, h *harness) {
	c := h.richCustomer()
	first := h.create(c)
	after1, ch1 := h.update(c.ID, "cmd-1", func(c *crm.Customer) { c.Owner = "agent-9" })
	got := h.get(c.ID)
	assert.EqualValues(t, 2, got.Version, "UpdateCustomer must store the customer with Version increased by one")
	assertCustomer(t, after1, got, "UpdateCustomer must store what fn changed")

	after2, ch2 := h.update(c.ID, "", func(c *crm.Customer) {
		c.Tags = append(c.Tags, "zz-new")
		c.Stage = crm.StageActive
	})
	got = h.get(c.ID)
	assert.EqualValues(t, 3, got.Version, "UpdateCustomer must store the customer with Version increased by one")
	assertCustomer(t, after2, got, "UpdateCustomer must store what fn changed")
	assertHistory(t, []crm.Change{first, ch1, ch2}, h.history(c.ID),
		"UpdateCustomer must append the Change fn returned to the history, oldest first")
}

func testUpdateNilChange(t *testing.T, h *harness) {
	c := h.richCustomer()
	first := h.create(c)
	now := h.clock.Advance(time.Minute)
	require.NoError(t, h.s.UpdateCustomer(h.ctx, c.ID, func(cur *crm.Customer) (*crm.Change, error) {
		cur.JobTitle = "总经理"
		cur.UpdatedAt = now
		return nil, nil
	}), "UpdateCustomer with fn returning a nil Change")
	want := c.Clone()
	want.JobTitle, want.UpdatedAt, want.Version = "总经理", now, 2
	assertCustomer(t, want, h.get(c.ID), "UpdateCustomer with a nil Change must still store the customer with Version+1")
	assertHistory(t, []crm.Change{first}, h.history(c.ID),
		"UpdateCustomer: a nil Change must append nothing to the history")
}

func testUpdateRollback(t *testing.T, h *harness) {
	errRollback := errors.New("crmtest: fn refused the update")
	c := h.richCustomer()
	first := h.create(c)
	oldEmail := c.Emails[0].Address
	called := false
	err := h.s.UpdateCustomer(h.ctx, c.ID, func(cur *crm.Customer) (*crm.Change, error) {
		called = true
		cur.Emails[0].Address = "changed@example.net"
		cur.Phones = nil
		cur.Tags = append(cur.Tags, "zz-rollback")
		cur.Name.Display = "已回滚"
		cur.Version = 42
		ch := &crm.Change{ID: h.changeID(), CustomerID: cur.ID, Version: 2, At: h.clock.Now(), Actor: actor, Action: crm.ActionUpdate}
		return ch, fmt.Errorf("checking the update: %w", errRollback)
	})
	require.True(t, called, "UpdateCustomer of an existing customer must call fn")
	assert.ErrorIs(t, err, errRollback, "UpdateCustomer must return fn's error as is")
	assertCustomer(t, c, h.get(c.ID), "UpdateCustomer: when fn returns an error nothing may be written (customer, Version)")
	assertHistory(t, []crm.Change{first}, h.history(c.ID),
		"UpdateCustomer: when fn returns an error nothing may be written (history)")

	found, err := h.s.LookupCustomers(h.ctx, crm.LookupEmail, oldEmail)
	require.NoError(t, err, "LookupCustomers")
	assert.Equal(t, []string{c.ID.String()}, customerIDs(found),
		"UpdateCustomer: after a rolled-back update the old email must still find the customer")
	found, err = h.s.LookupCustomers(h.ctx, crm.LookupEmail, "changed@example.net")
	require.NoError(t, err, "LookupCustomers")
	assert.Empty(t, customerIDs(found), "UpdateCustomer: a rolled-back update must not index the new email")

	// The store must still accept updates.
	after, ch := h.update(c.ID, "", func(c *crm.Customer) { c.Owner = "agent-9" })
	assertCustomer(t, after, h.get(c.ID), "UpdateCustomer after a rolled-back update")
	assertHistory(t, []crm.Change{first, ch}, h.history(c.ID), "history after a rolled-back update and a good one")
}

func testUpdateUnknown(t *testing.T, h *harness) {
	h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	called := false
	err := h.s.UpdateCustomer(h.ctx, h.customerID(), func(*crm.Customer) (*crm.Change, error) {
		called = true
		return nil, nil
	})
	assert.ErrorIs(t, err, kehu.ErrNotFound, "UpdateCustomer of an unknown ID must fail with ErrNotFound")
	assert.False(t, called, "UpdateCustomer of an unknown ID must not call fn: there is no current customer")
}

func testUpdateDuplicateChangeKey(t *testing.T, h *harness) {
	c := h.richCustomer()
	first := h.create(c)
	after, ch1 := h.update(c.ID, "cmd-1", func(c *crm.Customer) { c.Owner = "agent-9" })

	now := h.clock.Advance(time.Minute)
	err := h.s.UpdateCustomer(h.ctx, c.ID, func(cur *crm.Customer) (*crm.Change, error) {
		cur.Owner = "agent-1"
		cur.Emails[0].Address = "changed@example.net"
		cur.UpdatedAt = now
		return &crm.Change{ID: h.changeID(), CustomerID: c.ID, Version: cur.Version + 1, At: now,
			Actor: actor, Action: crm.ActionUpdate, Key: "cmd-1"}, nil
	})
	assert.ErrorIs(t, err, kehu.ErrDuplicate,
		"UpdateCustomer: a Change whose Key this customer already used must fail with ErrDuplicate")
	assertCustomer(t, after, h.get(c.ID), "UpdateCustomer that failed with a duplicate Change key must not store the customer")
	assertHistory(t, []crm.Change{first, ch1}, h.history(c.ID),
		"UpdateCustomer that failed with a duplicate Change key must not append to the history")
	found, err := h.s.LookupCustomers(h.ctx, crm.LookupEmail, "changed@example.net")
	require.NoError(t, err, "LookupCustomers")
	assert.Empty(t, customerIDs(found), "UpdateCustomer that failed with a duplicate Change key must not index the new email")

	_, ch2 := h.update(c.ID, "cmd-2", func(c *crm.Customer) { c.Owner = "agent-2" })
	assertHistory(t, []crm.Change{first, ch1, ch2}, h.history(c.ID), "UpdateCustomer with a fresh key after a duplicate")
}

func testUpdateDuplicateKeyFromCreate(t *testing.T, h *harness) {
	c := h.richCustomer()
	first := h.firstChange(c)
	first.Key = "cmd-create"
	require.NoError(t, h.s.CreateCustomer(h.ctx, c.Clone(), cloneChange(first)), "CreateCustomer")
	now := h.clock.Advance(time.Minute)
	err := h.s.UpdateCustomer(h.ctx, c.ID, func(cur *crm.Customer) (*crm.Change, error) {
		cur.Owner = "agent-1"
		cur.UpdatedAt = now
		return &crm.Change{ID: h.changeID(), CustomerID: c.ID, Version: cur.Version + 1, At: now,
			Actor: actor, Action: crm.ActionUpdate, Key: "cmd-create"}, nil
	})
	assert.ErrorIs(t, err, kehu.ErrDuplicate,
		"UpdateCustomer: a Change whose Key is the Key of the customer's first history entry (written by CreateCustomer) was already used by this customer and must fail with ErrDuplicate")
	assertCustomer(t, c, h.get(c.ID), "UpdateCustomer that failed with a duplicate Change key must not store the customer")
	assertHistory(t, []crm.Change{*first}, h.history(c.ID),
		"UpdateCustomer that failed with a duplicate Change key must not append to the history")
}

func testUpdateChangeKeyPerCustomer(t *testing.T, h *harness) {
	a := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	b := h.add(profile("李娜", "li.na@example.com", "+8613912345678"))
	h.update(a.ID, "import-2026-03", func(c *crm.Customer) { c.Owner = "agent-1" })
	now := h.clock.Advance(time.Minute)
	err := h.s.UpdateCustomer(h.ctx, b.ID, func(cur *crm.Customer) (*crm.Change, error) {
		cur.Owner = "agent-1"
		cur.UpdatedAt = now
		return &crm.Change{ID: h.changeID(), CustomerID: b.ID, Version: cur.Version + 1, At: now,
			Actor: actor, Action: crm.ActionUpdate, Key: "import-2026-03"}, nil
	})
	assert.NoError(t, err, "UpdateCustomer: Change keys are unique per customer, so another customer may use the same key")
	assert.Equal(t, "agent-1", h.get(b.ID).Owner, "UpdateCustomer with a key another customer used must be stored")
}
