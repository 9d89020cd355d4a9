package crmtest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
)

func historyTests() []test {
	return []test{
		{Name: "OldestFirst", Run: testHistoryOldestFirst},
		{Name: "Paging", Run: testHistoryPaging},
		{Name: "StableCursor", Run: testHistoryStableCursor},
		{Name: "DefaultLimit", Run: testHistoryDefaultLimit},
		{Name: "Unknown", Run: testHistoryUnknown},
		{Name: "Redact", Run: testHistoryRedact},
		{Name: "RedactNothing", Run: testHistoryRedactNothing},
		{Name: "RedactUnknown", Run: testHistoryRedactUnknown},
		{Name: "RedactCopiedByMerge", Run: testHistoryRedactAfterMerge},
	}
}

// historyWorld is a customer with five updates, interleaved with another customer's
// updates; it returns the first customer's history.
func historyWorld(h *harness) (c *crm.Customer, hist []crm.Change, other *crm.Customer) {
	h.t.Helper()
	c = h.add(profile("王小明", "xiaoming@example.com", "+8613800138000", "vip"))
	hist = h.history(c.ID)
	other = h.add(profile("李娜", "li.na@example.com", "+8613912345678"))
	for i := range 5 {
		var ch crm.Change
		c, ch = h.update(c.ID, fmt.Sprintf("cmd-%d", i), func(x *crm.Customer) { x.Owner = fmt.Sprintf("agent-%d", i) })
		hist = append(hist, ch)
		h.update(other.ID, fmt.Sprintf("cmd-%d", i), func(x *crm.Customer) { x.Owner = fmt.Sprintf("agent-%d", i) })
	}
	return c, hist, other
}

func testHistoryOldestFirst(t *testing.T, h *harness) {
	c, want, _ := historyWorld(h)
	assertHistory(t, want, h.history(c.ID),
		"History must return the customer's own entries, oldest first, as they were appended")
}

func testHistoryPaging(t *testing.T, h *harness) {
	c, want, _ := historyWorld(h)
	for _, size := range []int{1, 2, 4, 6, 7} {
		got := suite.Walk(t, fmt.Sprintf("History, Limit %d", size), size, len(want),
			func(pr kehu.PageRequest) (kehu.Page[crm.Change], error) { return h.s.History(h.ctx, c.ID, pr) }, nil)
		assertHistory(t, want, got,
			"History: walking pages of %d with After = Next must visit every entry exactly once, oldest first", size)
	}
	p, err := h.s.History(h.ctx, c.ID, kehu.PageRequest{Limit: 4})
	require.NoError(t, err, "History")
	assert.Len(t, p.Items, 4, "History: Limit 4 of 6 entries")
	assert.NotEmpty(t, p.Next, "History: a page that is not the last must have a Next cursor")
}

func testHistoryStableCursor(t *testing.T, h *harness) {
	c, want, _ := historyWorld(h)
	got := suite.Walk(t, "History with entries appended between pages", 4, len(want)+2,
		func(pr kehu.PageRequest) (kehu.Page[crm.Change], error) { return h.s.History(h.ctx, c.ID, pr) },
		func(pages int) {
			if pages == 1 {
				for i := range 2 {
					_, ch := h.update(c.ID, "", func(x *crm.Customer) { x.JobTitle = fmt.Sprintf("title %d", i) })
					want = append(want, ch)
				}
			}
		})
	assertHistory(t, want, got, "History cursors must be stable: entries appended after the first page must appear on later pages")
}

func testHistoryDefaultLimit(t *testing.T, h *harness) {
	c := h.add(profile("王小明", "xiaoming@example.com", "+8613800138000"))
	for i := range 54 {
		h.update(c.ID, "", func(x *crm.Customer) { x.Owner = fmt.Sprintf("agent-%d", i) })
	}
	first, err := h.s.History(h.ctx, c.ID, kehu.PageRequest{})
	require.NoError(t, err, "History with Limit 0")
	assert.Len(t, first.Items, 50, "History: Limit 0 means a page of 50")
	require.NotEmpty(t, first.Next, "History: a page of 50 out of 55 entries is not the last page and must have a Next cursor")
	second, err := h.s.History(h.ctx, c.ID, kehu.PageRequest{After: first.Next})
	require.NoError(t, err, "History second page with Limit 0")
	assert.Len(t, second.Items, 5, "History: the second page of 50 must hold the rest")
	assert.Empty(t, second.Next, "History: Next must be empty on the last page")
	assertHistory(t, h.history(c.ID), append(first.Items, second.Items...),
		"History: pages of the default size must visit every entry once, oldest first")
}

func testHistoryUnknown(t *testing.T, h *harness) {
	historyWorld(h)
	_, err := h.s.History(h.ctx, h.customerID(), kehu.PageRequest{})
	assert.ErrorIs(t, err, kehu.ErrNotFound, "History of an unknown customer must fail with ErrNotFound")
}

// personal is the redaction predicate of the redaction tests.
func personal(field string) bool {
	return field == "name.display" || field == "name.phonetic" ||
		strings.HasPrefix(field, "emails") || strings.HasPrefix(field, "phones")
}

// redacted returns the entries with every field change that redact selects replaced.
func redacted(chs []crm.Change, redact func(string) bool) []crm.Change {
	out := make([]crm.Change, len(chs))
	for i, ch := range chs {
		ch.Fields = slices.Clone(ch.Fields)
		for j, f := range ch.Fields {
			if redact(f.Field) {
				ch.Fields[j].Old, ch.Fields[j].New = crm.Redacted, crm.Redacted
			}
		}
		out[i] = ch
	}
	return out
}

func testHistoryRedact(t *testing.T, h *harness) {
	c := h.add(profile("王小明", "xiaoming@example.com", "+8613800138000", "vip"))
	want := h.history(c.ID)
	c, ch := h.update(c.ID, "cmd-rename", func(x *crm.Customer) {
		x.Name = crm.Name{Display: "王晓明", Phonetic: "Wang Xiaoming"}
		x.Emails = []crm.Email{{Address: "wxm@example.org", Primary: true}}
	})
	want = append(want, ch)
	c, ch = h.update(c.ID, "", func(x *crm.Customer) { x.Owner = "agent-1" })
	want = append(want, ch)
	other := h.add(profile("李娜", "li.na@example.com", "+8613912345678"))
	otherHist := h.history(other.ID)
	require.True(t, hasField(want, "emails") && hasField(want, "name.display") && hasField(want, "owner"),
		"suite bug: the history must hold personal and other fields")

	var asked []string
	require.NoError(t, h.s.RedactHistory(h.ctx, c.ID, func(field string) bool {
		asked = append(asked, field)
		return personal(field)
	}), "RedactHistory of an existing customer")
	assert.NotEmpty(t, asked, "RedactHistory must call redact with the field names of the history entries")
	assertHistory(t, redacted(want, personal), h.history(c.ID),
		"RedactHistory must set Old and New to crm.Redacted for exactly the field changes redact selects, "+
			"and keep every entry, its ID, version, time, actor, action, key and other fields")
	assertHistory(t, otherHist, h.history(other.ID), "RedactHistory must not touch another customer's history")
	assertCustomer(t, c, h.get(c.ID), "RedactHistory edits history only: the customer must not change")

	// History stays append-only after a redaction.
	_, ch = h.update(c.ID, "", func(x *crm.Customer) { x.Emails = []crm.Email{{Address: "new@example.net"}} })
	assertHistory(t, append(redacted(want, personal), ch), h.history(c.ID),
		"History after RedactHistory: later entries are appended as given")
}

func testHistoryRedactNothing(t *testing.T, h *harness) {
	c, want, _ := historyWorld(h)
	require.NoError(t, h.s.RedactHistory(h.ctx, c.ID, func(string) bool { return false }), "RedactHistory")
	assertHistory(t, want, h.history(c.ID), "RedactHistory with a redact func that selects nothing must change nothing")
}

func testHistoryRedactUnknown(t *testing.T, h *harness) {
	c, want, _ := historyWorld(h)
	err := h.s.RedactHistory(h.ctx, h.customerID(), func(string) bool { return true })
	if err != nil && !errors.Is(err, kehu.ErrNotFound) {
		assert.Fail(t, "RedactHistory of an unknown customer has nothing to redact",
			"it may succeed or fail with ErrNotFound; got %v", err)
	}
	assertHistory(t, want, h.history(c.ID), "RedactHistory of an unknown customer must not touch other histories")
}

func testHistoryRedactAfterMerge(t *testing.T, h *harness) {
	w := newMergeWorld(h)
	now := h.clock.Advance(time.Minute)
	require.NoError(t, h.s.MergeCustomers(h.ctx, w.s.ID, w.d.ID, func(sv, dp *crm.Customer) (*crm.Change, *crm.Change, error) {
		dp.MergedInto, dp.UpdatedAt, sv.UpdatedAt = sv.ID, now, now
		return &crm.Change{ID: h.changeID(), CustomerID: sv.ID, Version: sv.Version + 1, At: now, Actor: actor, Action: crm.ActionMerge},
			&crm.Change{ID: h.changeID(), CustomerID: dp.ID, Version: dp.Version + 1, At: now, Actor: actor, Action: crm.ActionMerged}, nil
	}), "MergeCustomers")
	require.NoError(t, h.s.RedactHistory(h.ctx, w.s.ID, personal), "RedactHistory of the survivor")
	hist := h.history(w.s.ID)
	var copies int
	for _, ch := range hist {
		if ch.From == w.d.ID {
			copies++
		}
		for _, f := range ch.Fields {
			if personal(f.Field) {
				assert.Truef(t, f.Old == crm.Redacted && f.New == crm.Redacted,
					"RedactHistory must redact every entry listed under the customer, including entries copied by a merge (entry %s From %q, field %s: %q → %q)",
					ch.ID, ch.From, f.Field, f.Old, f.New)
			}
		}
	}
	require.NotZero(t, copies, "MergeCustomers must copy the duplicate's history to the survivor")
	require.True(t, hasField(hist, "emails"), "suite bug: the merged history holds no email change")
}
