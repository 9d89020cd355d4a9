package crmtest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
)

func mergeTests() []test {
	return []test{
		{Name: "MovesEverything", Run: testMergeMovesEverything},
		{Name: "FnError", Run: testMergeFnError},
		{Name: "Unknown", Run: testMergeUnknown},
		{Name: "ServiceKeyReused", Run: testMergeServiceKeyReused},
		{Name: "ServiceRetryReplays", Run: testMergeServiceRetryReplays},
	}
}

// service returns a crm.Service over the store under test, on the harness's clock and IDs.
func (h *harness) service() *crm.Service {
	return crm.NewService(h.s, &kehu.Options{Now: h.clock.Now, NewID: h.ids.NewID})
}

// testMergeServiceRetryReplays checks, through crm.Service, that a merge retried with its
// key returns the survivor and merges once: after the first attempt committed, and racing
// it.
func testMergeServiceRetryReplays(t *testing.T, h *harness) {
	svc := h.service()
	for _, tt := range []struct {
		name     string
		attempts int
		parallel bool
	}{
		{"after the first attempt", 3, false},
		{"racing the first attempt", 8, true},
	} {
		a, err := svc.CreateCustomer(h.ctx, profile("王小明", "wang@example.com", ""), nil)
		require.NoError(t, err, "CreateCustomer")
		b, err := svc.CreateCustomer(h.ctx, profile("王小明", "WANG@example.org", ""), nil)
		require.NoError(t, err, "CreateCustomer")
		opt := &crm.UpdateOptions{Key: "merge-1"}
		merge := func(int) error {
			c, err := svc.Merge(h.ctx, a.ID, b.ID, opt)
			if err == nil && c.ID != a.ID {
				err = fmt.Errorf("returned customer %s, not the survivor %s", c.ID, a.ID)
			}
			return err
		}
		var errs []error
		if tt.parallel {
			errs = suite.Parallel(tt.attempts, func(i int) error {
				return suite.RetryConflicts(func() error { return merge(i) }, crm.ErrMerged)
			})
		} else {
			for i := range tt.attempts {
				errs = append(errs, merge(i))
			}
		}
		for i, err := range errs {
			assert.NoError(t, err, "Service.Merge retried with its key %s, attempt %d: a repeat returns the first result", tt.name, i)
		}
		merges := 0
		for _, ch := range h.history(a.ID) {
			if ch.Action == crm.ActionMerge && ch.From.IsZero() {
				merges++
			}
		}
		assert.Equal(t, 1, merges, "Service.Merge retried with its key %s must merge once", tt.name)
		assert.Equal(t, a.ID, h.get(b.ID).MergedInto, "Service.Merge retried with its key %s must merge the duplicate", tt.name)
	}
}

// testMergeServiceKeyReused checks, through crm.Service, that a merge under a key the
// survivor used for another command is refused with kehu.ErrKeyReused and merges nothing.
func testMergeServiceKeyReused(t *testing.T, h *harness) {
	svc := h.service()
	a, err := svc.CreateCustomer(h.ctx, profile("王小明", "wang@example.com", ""), nil)
	require.NoError(t, err, "CreateCustomer")
	b, err := svc.CreateCustomer(h.ctx, profile("王小明", "WANG@example.org", ""), nil)
	require.NoError(t, err, "CreateCustomer")
	_, err = svc.UpdateCustomer(h.ctx, a.ID, func(p *crm.Profile) error { p.Owner = "am-3"; return nil },
		&crm.UpdateOptions{Key: "k-1"})
	require.NoError(t, err, "UpdateCustomer")
	hist := h.history(a.ID)
	h.clock.Advance(time.Minute)
	_, err = svc.Merge(h.ctx, a.ID, b.ID, &crm.UpdateOptions{Key: "k-1"})
	assert.ErrorIs(t, err, kehu.ErrKeyReused,
		"Service.Merge under a key the survivor used for a profile update: MergeCustomers must fail with ErrDuplicate on the used key")
	assert.False(t, h.get(b.ID).IsTombstone(), "a merge refused for its key must merge nothing")
	assert.Equal(t, ids(b), h.lookup(crm.LookupEmail, "wang@example.org"), "a merge refused for its key must merge nothing")
	assertHistory(t, hist, h.history(a.ID), "a merge refused for its key must not change the survivor's history")
}

// mergeWorld is a survivor and a duplicate, each with two history entries, and
// interactions of both and of a third customer.
type mergeWorld struct {
	s, d, x          *crm.Customer // as stored
	sHist, dHist     []crm.Change
	sIns, dIns, xIns []*crm.Interaction
}

func newMergeWorld(h *harness) *mergeWorld {
	h.t.Helper()
	w := &mergeWorld{}
	s := h.add(profile("王小明", "xiaoming@example.com", "+8613800138000", "vip"))
	d := h.add(profile("王 小明", "wxm@example.org", "+8613912345678", "wholesale"))
	w.x = h.add(profile("李娜", "li.na@example.com", "+8613512345678"))
	w.s, _ = h.update(s.ID, "", func(c *crm.Customer) { c.Owner = "agent-1" })
	w.d, _ = h.update(d.ID, "", func(c *crm.Customer) { c.JobTitle = "buyer" })
	w.sHist, w.dHist = h.history(s.ID), h.history(d.ID)
	add := func(c *crm.Customer, hours int, subject, key string) *crm.Interaction {
		in := h.newInteraction(c.ID, suite.Start().Add(time.Duration(hours)*time.Hour), subject)
		in.Key = key
		h.createInteraction(in)
		return in
	}
	w.sIns = []*crm.Interaction{add(w.s, 1, "s first", "")}
	w.dIns = []*crm.Interaction{add(w.d, 2, "d first", ""), add(w.d, 3, "d second", "d-call-2")}
	w.xIns = []*crm.Interaction{add(w.x, 2, "x first", "")}
	return w
}

// listInteractions returns every interaction of a customer (zero: all customers).
func (h *harness) listInteractions(q crm.InteractionQuery) []*crm.Interaction {
	h.t.Helper()
	q.Limit = 1000
	p, err := h.s.ListInteractions(h.ctx, q)
	require.NoError(h.t, err, "ListInteractions")
	return p.Items
}

// unchanged checks that the world is as it was built.
func (w *mergeWorld) unchanged(t *testing.T, h *harness, contract string) {
	t.Helper()
	assertCustomer(t, w.s, h.get(w.s.ID), "%s: the survivor must not change", contract)
	assertCustomer(t, w.d, h.get(w.d.ID), "%s: the duplicate must not change", contract)
	assertHistory(t, w.sHist, h.history(w.s.ID), "%s: the survivor's history must not change", contract)
	assertHistory(t, w.dHist, h.history(w.d.ID), "%s: the duplicate's history must not change", contract)
	assert.Equal(t, interactionIDs(w.dIns), interactionIDs(h.listInteractions(crm.InteractionQuery{CustomerID: w.d.ID})),
		"%s: the duplicate's interactions must not move", contract)
	assert.Equal(t, interactionIDs(w.sIns), interactionIDs(h.listInteractions(crm.InteractionQuery{CustomerID: w.s.ID})),
		"%s: the survivor's interactions must not change", contract)
}

// stripCopy returns a history entry without the fields a copy made by a merge may
// legitimately change: its ID, CustomerID and From, and its Key and Digest (keys are unique
// per customer, so a store may drop the duplicate's keys, and their digests, from the copies).
func stripCopy(ch crm.Change) crm.Change {
	ch = canonChange(ch)
	ch.ID, ch.CustomerID, ch.From, ch.Key, ch.Digest = crm.ChangeID{}, crm.CustomerID{}, crm.CustomerID{}, "", ""
	return ch
}

func testMergeMovesEverything(t *testing.T, h *harness) {
	w := newMergeWorld(h)
	now := h.clock.Advance(time.Minute)
	var seenS, seenD *crm.Customer
	var sc, dc crm.Change
	calls := 0
	err := h.s.MergeCustomers(h.ctx, w.s.ID, w.d.ID, func(sv, dp *crm.Customer) (*crm.Change, *crm.Change, error) {
		calls++
		seenS, seenD = sv.Clone(), dp.Clone()
		sv.Emails = append(sv.Emails, dp.Emails...)
		sv.Tags = append(sv.Tags, dp.Tags...)
		slices.Sort(sv.Tags)
		sv.UpdatedAt = now
		dp.MergedInto = sv.ID
		dp.UpdatedAt = now
		sc = crm.Change{ID: h.changeID(), CustomerID: sv.ID, Version: sv.Version + 1, At: now, Actor: actor,
			Action: crm.ActionMerge, Fields: []crm.FieldChange{{Field: "merged", New: dp.ID.String()}}}
		dc = crm.Change{ID: h.changeID(), CustomerID: dp.ID, Version: dp.Version + 1, At: now, Actor: actor,
			Action: crm.ActionMerged, Fields: []crm.FieldChange{{Field: "merged_into", New: sv.ID.String()}}}
		return cloneChange(&sc), cloneChange(&dc), nil
	})
	require.NoError(t, err, "MergeCustomers of two existing customers")
	require.Positive(t, calls, "MergeCustomers must call fn")
	assertCustomer(t, w.s, seenS, "MergeCustomers must run fn on a copy of the current survivor")
	assertCustomer(t, w.d, seenD, "MergeCustomers must run fn on a copy of the current duplicate")

	wantS := w.s.Clone()
	wantS.Emails = append(wantS.Emails, w.d.Emails...)
	wantS.Tags = []string{"vip", "wholesale"}
	wantS.UpdatedAt, wantS.Version = now, w.s.Version+1
	wantD := w.d.Clone()
	wantD.MergedInto, wantD.UpdatedAt, wantD.Version = w.s.ID, now, w.d.Version+1
	assertCustomer(t, wantS, h.get(w.s.ID), "MergeCustomers must store the survivor as fn left it, with Version+1")
	assertCustomer(t, wantD, h.get(w.d.ID), "MergeCustomers must store the duplicate as fn left it, with Version+1")

	assertHistory(t, append(slices.Clone(w.dHist), dc), h.history(w.d.ID),
		"MergeCustomers must append the duplicate's Change to its history, and the duplicate keeps its own history")

	// The survivor's history: its own entries and its Change (From empty), in order, and a
	// copy of each of the duplicate's entries with From = the duplicate's ID, in order. The
	// copy may or may not include the duplicate's merge Change; the two sequences may
	// interleave (a store may list history by time).
	sHist := h.history(w.s.ID)
	var own, copied []crm.Change
	for _, ch := range sHist {
		switch ch.From {
		case crm.CustomerID{}:
			own = append(own, ch)
		case w.d.ID:
			copied = append(copied, ch)
		default:
			assert.Fail(t, "MergeCustomers: unexpected From on a survivor's history entry",
				"entry %s has From %s; only copies of the duplicate's entries may have From set", ch.ID, ch.From)
		}
	}
	assertHistory(t, append(slices.Clone(w.sHist), sc), own,
		"MergeCustomers must append the survivor's Change to the survivor's history and keep its entries (From empty)")
	var wantCopied []crm.Change
	switch len(copied) {
	case len(w.dHist):
		wantCopied = w.dHist
	case len(w.dHist) + 1:
		wantCopied = append(slices.Clone(w.dHist), dc)
	default:
		assert.Fail(t, "MergeCustomers must copy the duplicate's history entries to the survivor's history with From = duplicate ID",
			"the duplicate had %d entries (%d with its merge Change); the survivor's history has %d entries with From = %s",
			len(w.dHist), len(w.dHist)+1, len(copied), w.d.ID)
	}
	for i := range wantCopied {
		assert.Equal(t, stripCopy(wantCopied[i]), stripCopy(copied[i]),
			"MergeCustomers: copied history entry %d must equal the duplicate's entry (apart from ID, CustomerID and Key), in order", i)
	}

	// Interactions of the duplicate now belong to the survivor.
	var wantIns []*crm.Interaction
	for _, in := range w.dIns {
		moved := in.Clone()
		moved.CustomerID = w.s.ID
		wantIns = append(wantIns, moved)
		got, err := h.s.GetInteraction(h.ctx, in.ID)
		if assert.NoError(t, err, "GetInteraction of a moved interaction") {
			assertInteraction(t, moved, got, "MergeCustomers must move every interaction of the duplicate to the survivor (CustomerID = survivor)")
		}
		if in.Key == "" {
			continue
		}
		got, err = h.s.GetInteractionByKey(h.ctx, in.Key)
		if assert.NoError(t, err, "GetInteractionByKey of a moved interaction") {
			assertInteraction(t, moved, got, "GetInteractionByKey must find a moved interaction, with CustomerID = survivor")
		}
	}
	wantIns = sortInteractions(append(wantIns, w.sIns...))
	assert.Equal(t, interactionIDs(wantIns), interactionIDs(h.listInteractions(crm.InteractionQuery{CustomerID: w.s.ID})),
		"MergeCustomers: ListInteractions of the survivor must list its own and the duplicate's interactions, by (At, ID)")
	assert.Empty(t, h.listInteractions(crm.InteractionQuery{CustomerID: w.d.ID}),
		"MergeCustomers: ListInteractions of the duplicate must be empty after the merge")
	assert.Equal(t, interactionIDs(w.xIns), interactionIDs(h.listInteractions(crm.InteractionQuery{CustomerID: w.x.ID})),
		"MergeCustomers must not move interactions of other customers")

	// The tombstone leaves the lookups in the same step.
	assert.Equal(t, ids(w.s), h.lookup(crm.LookupEmail, "wxm@example.org"),
		"LookupCustomers after MergeCustomers: the duplicate's email now finds the survivor only (the duplicate is a tombstone)")
}

func testMergeFnError(t *testing.T, h *harness) {
	w := newMergeWorld(h)
	errRefused := errors.New("crmtest: fn refused the merge")
	err := h.s.MergeCustomers(h.ctx, w.s.ID, w.d.ID, func(sv, dp *crm.Customer) (*crm.Change, *crm.Change, error) {
		sv.Emails = append(sv.Emails, dp.Emails...)
		sv.Tags[0] = "changed"
		dp.MergedInto = sv.ID
		dp.Phones = nil
		sc := &crm.Change{ID: h.changeID(), CustomerID: sv.ID, Version: sv.Version + 1, At: h.clock.Now(), Actor: actor, Action: crm.ActionMerge}
		dc := &crm.Change{ID: h.changeID(), CustomerID: dp.ID, Version: dp.Version + 1, At: h.clock.Now(), Actor: actor, Action: crm.ActionMerged}
		return sc, dc, fmt.Errorf("checking the merge: %w", errRefused)
	})
	assert.ErrorIs(t, err, errRefused, "MergeCustomers must return fn's error")
	w.unchanged(t, h, "MergeCustomers: when fn returns an error nothing may change")
	assert.Equal(t, ids(w.d), h.lookup(crm.LookupEmail, "wxm@example.org"),
		"MergeCustomers: when fn returns an error the duplicate must still be found by its email")
}

func testMergeUnknown(t *testing.T, h *harness) {
	w := newMergeWorld(h)
	called := false
	fn := func(sv, dp *crm.Customer) (*crm.Change, *crm.Change, error) {
		called = true
		dp.MergedInto = sv.ID
		return nil, nil, nil
	}
	err := h.s.MergeCustomers(h.ctx, w.s.ID, h.customerID(), fn)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "MergeCustomers with an unknown duplicate must fail with ErrNotFound")
	err = h.s.MergeCustomers(h.ctx, h.customerID(), w.d.ID, fn)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "MergeCustomers with an unknown survivor must fail with ErrNotFound")
	assert.False(t, called, "MergeCustomers with an unknown customer must not call fn")
	w.unchanged(t, h, "MergeCustomers with an unknown customer must change nothing")
}
