package crmtest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
)

func concurrencyTests() []test {
	return []test{
		{Name: "WritersOnOneCustomer", Run: testConcurrentWriters},
		{Name: "CreatesOfDistinctCustomers", Run: testConcurrentCreates},
		{Name: "CreatesWithOneCreateKey", Run: testConcurrentCreateKey},
		{Name: "CreatesWithOneID", Run: testConcurrentCreateID},
		{Name: "UpdatesWithOneChangeKey", Run: testConcurrentChangeKey},
		{Name: "InteractionWriters", Run: testConcurrentInteractionWriters},
	}
}

func testConcurrentWriters(t *testing.T, h *harness) {
	const writers = 64
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	errs := suite.Parallel(writers, func(i int) error {
		tag := fmt.Sprintf("writer-%02d", i)
		return suite.RetryConflicts(func() error {
			return h.s.UpdateCustomer(h.ctx, c.ID, func(cur *crm.Customer) (*crm.Change, error) {
				cur.Tags = append(cur.Tags, tag)
				slices.Sort(cur.Tags)
				return &crm.Change{ID: h.changeID(), CustomerID: c.ID, Version: cur.Version + 1, At: h.clock.Now(),
					Actor: tag, Action: crm.ActionUpdate, Fields: []crm.FieldChange{{Field: "tags." + tag, New: "present"}}}, nil
			})
		})
	})
	for i, err := range errs {
		assert.NoError(t, err, "UpdateCustomer by concurrent writer %d (retried on ErrConflict) must succeed", i)
	}

	got := h.get(c.ID)
	var want []string
	for i := range writers {
		want = append(want, fmt.Sprintf("writer-%02d", i))
	}
	assert.ElementsMatch(t, want, got.Tags,
		"UpdateCustomer: concurrent updates must never be lost; every writer's tag must be present")
	assert.EqualValues(t, writers+1, got.Version,
		"UpdateCustomer: each of %d concurrent updates must increase Version by one", writers)

	hist := h.history(c.ID)
	require.Len(t, hist, writers+1,
		"UpdateCustomer: each of %d concurrent updates must append its Change to the history", writers)
	var versions []int64
	var actors []string
	for _, ch := range hist[1:] {
		versions = append(versions, ch.Version)
		actors = append(actors, ch.Actor)
	}
	slices.Sort(versions)
	for i, v := range versions {
		if !assert.EqualValues(t, i+2, v,
			"UpdateCustomer: the Changes of concurrent writers must record versions 2…%d, each once (fn saw the current version)", writers+1) {
			break
		}
	}
	assert.ElementsMatch(t, want, actors, "UpdateCustomer: every concurrent writer's Change must be in the history once")
}

func testConcurrentCreates(t *testing.T, h *harness) {
	const workers, each = 8, 50
	batches := make([][]*crm.Customer, workers)
	var all []*crm.Customer
	for w := range workers {
		for i := range each {
			c := h.customer(profile(fmt.Sprintf("Worker%d Customer%02d", w, i),
				fmt.Sprintf("w%d.c%02d@example.com", w, i), fmt.Sprintf("+861380000%d%03d", w, i)))
			h.setKey(c, fmt.Sprintf("w%d-c%02d", w, i))
			batches[w] = append(batches[w], c)
			all = append(all, c)
		}
	}
	errs := suite.Parallel(workers, func(w int) error {
		var failed []error
		for _, c := range batches[w] {
			err := suite.RetryConflicts(func() error {
				return h.s.CreateCustomer(h.ctx, c.Clone(), h.firstChange(c))
			})
			if err != nil {
				failed = append(failed, fmt.Errorf("customer %s: %w", c.ID, err))
			}
		}
		return errors.Join(failed...)
	})
	for w, err := range errs {
		assert.NoError(t, err, "CreateCustomer of distinct customers by concurrent worker %d must succeed", w)
	}
	for _, c := range all {
		got, err := h.s.GetCustomer(h.ctx, c.ID)
		if !assert.NoError(t, err, "GetCustomer of customer %s created concurrently", c.ID) {
			continue
		}
		assertCustomer(t, c, got, "CreateCustomer run concurrently must store each customer as given")
	}
	page, err := h.s.SearchCustomers(h.ctx, crm.SearchQuery{PageRequest: kehu.PageRequest{Limit: 1000}})
	require.NoError(t, err, "SearchCustomers")
	assert.Equal(t, sortedByID(all), customerIDs(page.Items),
		"SearchCustomers must return every customer created concurrently, in ID order")
	for _, c := range []*crm.Customer{all[0], all[len(all)/2], all[len(all)-1]} {
		byKey, err := h.s.GetCustomerByKey(h.ctx, h.key(c))
		if assert.NoError(t, err, "GetCustomerByKey of a customer created concurrently") {
			assert.Equal(t, c.ID, byKey.ID, "GetCustomerByKey of a customer created concurrently")
		}
		found, err := h.s.LookupCustomers(h.ctx, crm.LookupEmail, c.Emails[0].Address)
		require.NoError(t, err, "LookupCustomers")
		assert.Equal(t, []string{c.ID.String()}, customerIDs(found), "LookupCustomers of a customer created concurrently")
	}
}

func testConcurrentCreateKey(t *testing.T, h *harness) {
	const writers = 16
	cs := make([]*crm.Customer, writers)
	for i := range cs {
		cs[i] = h.customer(profile(fmt.Sprintf("Racer %02d", i), fmt.Sprintf("racer%02d@example.com", i), ""))
		h.setKey(cs[i], "signup-race")
	}
	errs := suite.Parallel(writers, func(i int) error {
		return suite.RetryConflicts(func() error { return h.s.CreateCustomer(h.ctx, cs[i].Clone(), h.firstChange(cs[i])) })
	})
	w := suite.ExactlyOne(t, errs, "CreateCustomer: concurrent creates with one CreateKey")
	if w < 0 {
		return
	}
	got, err := h.s.GetCustomerByKey(h.ctx, "signup-race")
	require.NoError(t, err, "GetCustomerByKey after concurrent creates with one key")
	assertCustomer(t, cs[w], got, "GetCustomerByKey must return the one customer that was created with the key")
	for i, c := range cs {
		if i == w {
			continue
		}
		_, err := h.s.GetCustomer(h.ctx, c.ID)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "CreateCustomer that lost the race for a CreateKey must not store the customer")
	}
}

func testConcurrentCreateID(t *testing.T, h *harness) {
	const writers = 16
	id := h.customerID()
	cs := make([]*crm.Customer, writers)
	for i := range cs {
		cs[i] = h.customerWithID(id, profile(fmt.Sprintf("Racer %02d", i), fmt.Sprintf("racer%02d@example.com", i), ""))
	}
	errs := suite.Parallel(writers, func(i int) error {
		return suite.RetryConflicts(func() error { return h.s.CreateCustomer(h.ctx, cs[i].Clone(), h.firstChange(cs[i])) })
	})
	w := suite.ExactlyOne(t, errs, "CreateCustomer: concurrent creates with one ID")
	if w < 0 {
		return
	}
	assertCustomer(t, cs[w], h.get(id), "GetCustomer must return the customer whose create won the race")
	assert.Len(t, h.history(id), 1, "CreateCustomer: only the winning create may write a first history entry")
}

func testConcurrentChangeKey(t *testing.T, h *harness) {
	const writers = 16
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	errs := suite.Parallel(writers, func(i int) error {
		tag := fmt.Sprintf("writer-%02d", i)
		return suite.RetryConflicts(func() error {
			return h.s.UpdateCustomer(h.ctx, c.ID, func(cur *crm.Customer) (*crm.Change, error) {
				cur.Tags = append(cur.Tags, tag)
				return &crm.Change{ID: h.changeID(), CustomerID: c.ID, Version: cur.Version + 1, At: h.clock.Now(),
					Actor: tag, Action: crm.ActionUpdate, Key: "cmd-once"}, nil
			})
		})
	})
	suite.ExactlyOne(t, errs, "UpdateCustomer: concurrent updates with one Change key")
	got := h.get(c.ID)
	assert.EqualValues(t, 2, got.Version, "UpdateCustomer: only the one update with the key may be stored")
	assert.Len(t, got.Tags, 1, "UpdateCustomer: only the one update with the key may be stored")
	assert.Len(t, h.history(c.ID), 2, "UpdateCustomer: only the one update with the key may append to the history")
}

func testConcurrentInteractionWriters(t *testing.T, h *harness) {
	const writers = 32
	c := h.add(profile("张伟", "zhang.wei@example.com", "+8613800138000"))
	in := h.newInteraction(c.ID, h.clock.Now(), "many notes")
	in.Content = ""
	h.createInteraction(in)
	errs := suite.Parallel(writers, func(i int) error {
		note := fmt.Sprintf("[note-%02d]", i)
		return suite.RetryConflicts(func() error {
			return h.s.UpdateInteraction(h.ctx, in.ID, func(cur *crm.Interaction) error {
				cur.Content += note
				return nil
			})
		})
	})
	for i, err := range errs {
		assert.NoError(t, err, "UpdateInteraction by concurrent writer %d (retried on ErrConflict) must succeed", i)
	}
	got, err := h.s.GetInteraction(h.ctx, in.ID)
	require.NoError(t, err, "GetInteraction")
	for i := range writers {
		note := fmt.Sprintf("[note-%02d]", i)
		assert.Equal(t, 1, strings.Count(got.Content, note),
			"UpdateInteraction runs fn atomically: concurrent updates must never be lost (note %s)", note)
	}
}
