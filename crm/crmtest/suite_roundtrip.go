package crmtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
)

// The round trip is the guard against a field a store forgets. Every fixture below sets
// every exported field of a stored type, which suite.RequireEveryFieldSet checks by
// reflection: a field added to crm.Customer, crm.Change or crm.Interaction later fails the
// suite until the fixture sets it, and then a store whose encoder drops it fails the round
// trip. The store holds no rules, so the fixtures need not be what the Service would write
// (a tombstone with consents, an interaction replied to and overdue): they only need every
// field set, with values a store could confuse (times in a zone other than UTC, with
// microseconds; text beyond ASCII).

func roundTripTests() []test {
	return []test{
		{Name: "Customer", Run: testRoundTripCustomer},
		{Name: "History", Run: testRoundTripHistory},
		{Name: "Interaction", Run: testRoundTripInteraction},
	}
}

// cst is China Standard Time as a fixed zone.
var cst = time.FixedZone("CST", 8*60*60)

// odd returns the clock's time in CST plus an offset with microseconds, so that a store
// that keeps whole seconds, or a zone's wall clock as UTC, is caught.
func (h *harness) odd(d time.Duration) time.Time {
	return h.clock.Now().Add(d + 123456*time.Microsecond).In(cst)
}

// fullCustomer returns a customer with every field set, as stored (Version 1), under its
// create key, and with the given email (so that customers of one test do not share it).
func (h *harness) fullCustomer(email string) *crm.Customer {
	p := richProfile()
	p.Emails = []crm.Email{{Address: email, Label: "work", Primary: true, Verified: true}}
	p.Phones = p.Phones[:1]
	c := &crm.Customer{
		ID: h.customerID(), Version: 1, CreatedAt: h.odd(-time.Hour), UpdatedAt: h.odd(0), Profile: p,
		Stage: crm.StagePotential,
		StageHistory: []crm.StageChange{{From: crm.StageIntent, To: crm.StagePotential, At: h.odd(-time.Minute),
			Actor: actor, Reason: "qualified"}},
		Consents: []crm.Consent{{Channel: crm.ConsentEmail, Purpose: crm.PurposeMarketing, Granted: true,
			At: h.odd(-time.Minute), Source: "web-form"}},
		MergedInto: h.customerID(),
		ErasedAt:   h.odd(time.Minute),
	}
	h.setKey(c, "create-"+email)
	return c
}

// fullChange returns a history entry of c with every field set.
func (h *harness) fullChange(c *crm.Customer, version int64, key string) *crm.Change {
	return &crm.Change{
		ID: h.changeID(), CustomerID: c.ID, Version: version, At: h.odd(0), Actor: actor,
		Action: crm.ActionMerge, Reason: "同一客户 same person", Key: key, Digest: "digest of " + key,
		Fields: []crm.FieldChange{{Field: "name.display", Old: "王小明 (old)", New: "王小明"}, {Field: "custom", Old: "a", New: "b"}},
		From:   h.customerID(),
	}
}

// assertCustomerReads checks every read path of a stored customer against want.
func (h *harness) assertCustomerReads(want *crm.Customer) {
	h.t.Helper()
	t := h.t
	assertCustomer(t, want, h.get(want.ID), "GetCustomer must return every field of the customer as stored")
	byKey, err := h.s.GetCustomerByKey(h.ctx, h.key(want))
	require.NoError(t, err, "GetCustomerByKey")
	assertCustomer(t, want, byKey, "GetCustomerByKey must return every field of the customer as stored")
	page, err := h.s.SearchCustomers(h.ctx, crm.SearchQuery{Tags: want.Tags, IncludeTombstones: true})
	require.NoError(t, err, "SearchCustomers")
	if assert.Equal(t, []string{want.ID.String()}, customerIDs(page.Items), "SearchCustomers by the customer's tags") {
		assertCustomer(t, want, page.Items[0], "SearchCustomers must return every field of the customer as stored")
	}
	if !want.IsTombstone() {
		found, err := h.s.LookupCustomers(h.ctx, crm.LookupEmail, want.Emails[0].Address)
		require.NoError(t, err, "LookupCustomers")
		if assert.Equal(t, []string{want.ID.String()}, customerIDs(found), "LookupCustomers by the customer's email") {
			assertCustomer(t, want, found[0], "LookupCustomers must return every field of the customer as stored")
		}
	}
	// The next update is given the customer as stored, too.
	require.NoError(t, h.s.UpdateCustomer(h.ctx, want.ID, func(c *crm.Customer) (*crm.Change, error) {
		assertCustomer(t, want, c, "UpdateCustomer must pass fn every field of the customer as stored")
		return nil, nil
	}), "UpdateCustomer")
	want.Version++
}

func testRoundTripCustomer(t *testing.T, h *harness) {
	c := h.fullCustomer("xiaoming.wang@example.com")
	suite.RequireEveryFieldSet(t, c)
	h.create(c)
	h.assertCustomerReads(c)

	// A customer that is no tombstone is found by lookups too: the same fields but
	// MergedInto.
	live := h.fullCustomer("wxm@example.org")
	live.MergedInto = crm.CustomerID{}
	live.Tags = []string{"live"}
	h.create(live)
	h.assertCustomerReads(live)
}

func testRoundTripHistory(t *testing.T, h *harness) {
	c := h.fullCustomer("xiaoming.wang@example.com")
	first := h.fullChange(c, 1, h.key(c))
	suite.RequireEveryFieldSet(t, first)
	require.NoError(t, h.s.CreateCustomer(h.ctx, c.Clone(), cloneChange(first)), "CreateCustomer")
	next := h.fullChange(c, 2, "update-1")
	suite.RequireEveryFieldSet(t, next)
	require.NoError(t, h.s.UpdateCustomer(h.ctx, c.ID, func(*crm.Customer) (*crm.Change, error) {
		return cloneChange(next), nil
	}), "UpdateCustomer")
	assertHistory(t, []crm.Change{*first, *next}, h.history(c.ID),
		"History must return every field of the entries as appended by CreateCustomer and UpdateCustomer")
}

// fullInteraction returns an interaction of the customer with every field set.
func (h *harness) fullInteraction(cid crm.CustomerID) *crm.Interaction {
	in := h.newInteraction(cid, h.odd(-time.Hour), "报价 quote")
	in.Outcome, in.Key = "sent a quote", "call-"+in.ID.String()
	in.ReplyBy, in.RepliedAt, in.ReplyRecordedAt, in.CreatedAt = h.odd(time.Hour), h.odd(30*time.Minute), h.odd(45*time.Minute), h.odd(0)
	return in
}

func testRoundTripInteraction(t *testing.T, h *harness) {
	c := h.add(profile("Round Trip", "rt@example.com", ""))
	in := h.fullInteraction(c.ID)
	suite.RequireEveryFieldSet(t, in)
	h.createInteraction(in)
	got, err := h.s.GetInteraction(h.ctx, in.ID)
	require.NoError(t, err, "GetInteraction")
	assertInteraction(t, in, got, "GetInteraction must return every field of the interaction as stored")
	got, err = h.s.GetInteractionByKey(h.ctx, in.Key)
	require.NoError(t, err, "GetInteractionByKey")
	assertInteraction(t, in, got, "GetInteractionByKey must return every field of the interaction as stored")
	for _, q := range []crm.InteractionQuery{{}, {CustomerID: c.ID, From: in.At.Add(-time.Second), To: in.At.Add(time.Second)}} {
		page, err := h.s.ListInteractions(h.ctx, q)
		require.NoError(t, err, "ListInteractions")
		if assert.Equal(t, []string{in.ID.String()}, interactionIDs(page.Items), "ListInteractions (%+v)", q) {
			assertInteraction(t, in, page.Items[0], "ListInteractions must return every field of the interaction as stored")
		}
	}
	require.NoError(t, h.s.UpdateInteraction(h.ctx, in.ID, func(x *crm.Interaction) error {
		assertInteraction(t, in, x, "UpdateInteraction must pass fn every field of the interaction as stored")
		return nil
	}), "UpdateInteraction")

	// One awaiting its reply is listed as overdue, with the same fields but the reply's.
	due := h.fullInteraction(c.ID)
	due.RepliedAt, due.ReplyRecordedAt = time.Time{}, time.Time{}
	h.createInteraction(due)
	page, err := h.s.ListInteractions(h.ctx, crm.InteractionQuery{OverdueAt: due.ReplyBy.Add(time.Minute)})
	require.NoError(t, err, "ListInteractions with OverdueAt")
	if assert.Equal(t, []string{due.ID.String()}, interactionIDs(page.Items), "ListInteractions with OverdueAt") {
		assertInteraction(t, due, page.Items[0], "ListInteractions with OverdueAt must return every field of the interaction as stored")
	}
}
