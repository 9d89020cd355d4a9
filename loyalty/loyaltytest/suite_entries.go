package loyaltytest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/loyalty"
)

func entryTests() []test {
	return []test{
		{Name: "OrderOfWriting", Run: testEntriesOrderOfWriting},
		{Name: "FromToHalfOpen", Run: testEntriesFromTo},
		{Name: "Pagination", Run: testEntriesPagination},
		{Name: "PaginationWithBounds", Run: testEntriesPaginationBounds},
		{Name: "PageSizeDefaultAndCap", Run: testEntriesPageSize},
		{Name: "PaginationWhileAppending", Run: testEntriesPaginationAppending},
		{Name: "BySource", Run: testEntriesBySource},
	}
}

// adjustment is a bare entry of one point at the given time, for listing tests.
func (h *harness) adjustment(a *loyalty.Account, at time.Time, ref string) loyalty.Entry {
	e := h.entry(a, loyalty.KindAdjust, loyalty.Source{Type: "manual", Ref: ref})
	e.At, e.Points, e.Debt = at, 1, -1 // book +1, debt −1: consistent with no lots
	return e
}

// writeAdjustments writes n entries to the account, one Update each, one minute apart, and
// returns them.
func (h *harness) writeAdjustments(key loyalty.AccountKey, n int) []loyalty.Entry {
	h.t.Helper()
	var out []loyalty.Entry
	for i := range n {
		h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
			e := h.adjustment(a, h.clock.Now(), fmt.Sprintf("ADJ-%03d", i))
			out = append(out, e)
			return &loyalty.Commit{Entries: []loyalty.Entry{e}}
		})
	}
	return out
}

func testEntriesOrderOfWriting(t *testing.T, h *harness) {
	key := h.key(progA, typePoints)
	// IDs drawn now and used in reverse, and times that run backwards, so that the order of
	// writing is neither ID order nor time order.
	ids := make([]loyalty.EntryID, 5)
	for i := range ids {
		ids[len(ids)-1-i] = h.entryID()
	}
	base := h.clock.Now().Add(time.Hour)
	var want []loyalty.Entry
	batches := [][]int{{0, 1}, {2}, {3, 4}}
	for _, batch := range batches {
		h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
			var es []loyalty.Entry
			for _, i := range batch {
				e := h.adjustment(a, base.Add(-time.Duration(i)*time.Minute), "SO-ORDER")
				e.ID = ids[i]
				es = append(es, e)
			}
			want = append(want, es...)
			return &loyalty.Commit{Entries: es}
		})
	}
	assertEntries(t, want, h.entries(key),
		"Entries must list an account's entries in the order they were written (not by ID, not by At)")
	bySrc, err := h.s.EntriesBySource(h.ctx, progA, "manual", "SO-ORDER")
	require.NoError(t, err, "EntriesBySource")
	assertEntries(t, want, bySrc, "EntriesBySource must list the entries in the order they were written (not by ID, not by At)")
}

func testEntriesFromTo(t *testing.T, h *harness) {
	key := h.key(progA, typePoints)
	es := h.writeAdjustments(key, 6) // es[i].At = t[i], a minute apart
	other := h.key(progA, typePoints)
	h.writeAdjustments(other, 3)
	at := func(i int) time.Time { return es[i].At }

	cases := []struct {
		name     string
		from, to time.Time
		want     []loyalty.Entry
	}{
		{"no bounds", time.Time{}, time.Time{}, es},
		{"[t1, t4)", at(1), at(4), es[1:4]},
		{"[t1, t4) given in another zone", at(1).In(cst), at(4).In(time.FixedZone("EST", -5*3600)), es[1:4]},
		{"[t3, open)", at(3), time.Time{}, es[3:]},
		{"[open, t2)", time.Time{}, at(2), es[:2]},
		{"[t2, t2)", at(2), at(2), nil},
		{"[t1+30s, t2+1s)", at(1).Add(30 * time.Second), at(2).Add(time.Second), es[2:3]},
		{"[t5+1s, open)", at(5).Add(time.Second), time.Time{}, nil},
		{"[t4, t1)", at(4), at(1), nil},
	}
	for _, c := range cases {
		got := allEntries(t, h.ctx, h.s, key, loyalty.EntryQuery{From: c.from, To: c.to})
		assertEntries(t, c.want, got, "Entries %s: must return the account's entries with From ≤ At < To (zero bounds open)", c.name)
	}
}

func testEntriesPagination(t *testing.T, h *harness) {
	key := h.key(progA, typePoints)
	var want []loyalty.Entry
	// 23 entries in commits of 1, 2, 3 … entries.
	for n := 1; len(want) < 23; n++ {
		h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
			var es []loyalty.Entry
			for range min(n, 23-len(want)) {
				es = append(es, h.adjustment(a, h.clock.Now(), "page"))
			}
			want = append(want, es...)
			return &loyalty.Commit{Entries: es}
		})
	}
	h.writeAdjustments(h.key(progA, typePoints), 4) // another account's entries are not listed
	for _, size := range []int{1, 5, 23, 100} {
		got := suite.Walk(t, fmt.Sprintf("Entries with Limit %d", size), size, len(want),
			func(pr kehu.PageRequest) (kehu.Page[loyalty.Entry], error) {
				return h.s.Entries(h.ctx, key, loyalty.EntryQuery{PageRequest: pr})
			}, nil)
		assertEntries(t, want, got, "Entries with Limit %d: the pages must visit every entry once, in the order written", size)
	}
}

func testEntriesPaginationBounds(t *testing.T, h *harness) {
	key := h.key(progA, typePoints)
	es := h.writeAdjustments(key, 20)
	from, to := es[3].At, es[17].At
	got := suite.Walk(t, "Entries with From, To and Limit 4", 4, 14, func(pr kehu.PageRequest) (kehu.Page[loyalty.Entry], error) {
		return h.s.Entries(h.ctx, key, loyalty.EntryQuery{From: from, To: to, PageRequest: pr})
	}, nil)
	assertEntries(t, es[3:17], got, "Entries with From, To and Limit: the pages must visit every entry in [From, To) once, in order")
}

func testEntriesPageSize(t *testing.T, h *harness) {
	key := h.key(progA, typePoints)
	const n = 1001
	h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
		es := make([]loyalty.Entry, n)
		for i := range es {
			es[i] = h.adjustment(a, h.clock.Now(), "bulk")
		}
		return &loyalty.Commit{Entries: es}
	})
	for _, c := range []struct {
		limit, want int
		why         string
	}{
		{0, 50, "Limit 0 means 50"},
		{-3, 50, "a negative Limit means 50"},
		{5000, 1000, "a store caps Limit at 1000"},
	} {
		p, err := h.s.Entries(h.ctx, key, loyalty.EntryQuery{PageRequest: kehu.PageRequest{Limit: c.limit}})
		require.NoError(t, err, "Entries with Limit %d", c.limit)
		assert.Len(t, p.Items, c.want, "Entries with Limit %d over %d entries: %s (kehu.PageRequest)", c.limit, n, c.why)
		assert.NotEmpty(t, p.Next, "Entries with Limit %d over %d entries: Next must not be empty while entries remain", c.limit, n)
	}
	assert.Len(t, h.entries(key), n, "Entries: the pages must visit all %d entries of one commit", n)
}

func testEntriesPaginationAppending(t *testing.T, h *harness) {
	key := h.key(progA, typePoints)
	want := h.writeAdjustments(key, 12)
	var appended []loyalty.Entry
	got := suite.Walk(t, "Entries with Limit 5 while entries are appended", 5, 12+3, func(pr kehu.PageRequest) (kehu.Page[loyalty.Entry], error) {
		return h.s.Entries(h.ctx, key, loyalty.EntryQuery{PageRequest: pr})
	}, func(int) { appended = append(appended, h.writeAdjustments(key, 1)...) })
	require.GreaterOrEqual(t, len(got), len(want), "Entries while appending: the pages lost entries written before the walk")
	assertEntries(t, want, got[:len(want)],
		"Entries while appending: every entry written before the walk must be visited once, in order, and before any appended later")
	assertEntries(t, appended[:len(got)-len(want)], got[len(want):],
		"Entries while appending: entries appended during the walk may only follow, in the order written")
}

func testEntriesBySource(t *testing.T, h *harness) {
	alice := h.key(progA, typePoints)
	aliceStatus := loyalty.AccountKey{Program: progA, Customer: alice.Customer, PointType: typeStatus}
	bob := h.key(progA, typePoints)
	bobInB := loyalty.AccountKey{Program: progB, Customer: bob.Customer, PointType: typePoints}
	order := func(ref, line string) loyalty.Source {
		return loyalty.Source{Type: "order", Ref: ref, Line: line, Rule: "base"}
	}
	var want []loyalty.Entry
	h.write([]loyalty.AccountKey{alice, aliceStatus}, func(accts []*loyalty.Account) *loyalty.Commit {
		e1 := h.earn(accts[0], 100, time.Time{}, order("SO-1", "L1"))
		e2 := h.earn(accts[1], 100, time.Time{}, order("SO-1", "L1"))
		e3 := h.earn(accts[0], 30, time.Time{}, order("SO-2", "L1"))
		want = append(want, e1, e2)
		return &loyalty.Commit{Entries: []loyalty.Entry{e1, e2, e3}}
	})
	h.write1(bob, func(a *loyalty.Account) *loyalty.Commit {
		e := h.earn(a, 7, time.Time{}, order("SO-1", "L2")) // same order ref, another member: listed
		ev := h.earn(a, 50, time.Time{}, loyalty.Source{Type: "event", Ref: "SO-1"})
		want = append(want, e)
		return &loyalty.Commit{Entries: []loyalty.Entry{ev, e}}
	})
	h.write1(bobInB, func(a *loyalty.Account) *loyalty.Commit {
		return &loyalty.Commit{Entries: []loyalty.Entry{h.earn(a, 9, time.Time{}, order("SO-1", "L1"))}}
	})
	h.write1(alice, func(a *loyalty.Account) *loyalty.Commit {
		r := h.spend(a, 40, order("SO-1", "L1"))
		r.Kind, r.Reverses = loyalty.KindReverse, want[0].ID
		want = append(want, r)
		return &loyalty.Commit{Entries: []loyalty.Entry{r}}
	})

	got, err := h.s.EntriesBySource(h.ctx, progA, "order", "SO-1")
	require.NoError(t, err, "EntriesBySource")
	assertEntries(t, want, got,
		"EntriesBySource must return every entry of the programme with the source type and ref, across accounts, in the order written")

	for _, c := range []struct{ program, typ, ref string }{
		{progA, "order", "SO-404"},
		{progA, "order", "so-1"},
		{progA, "redemption", "SO-1"},
		{"prog-none", "order", "SO-1"},
	} {
		got, err := h.s.EntriesBySource(h.ctx, c.program, c.typ, c.ref)
		assert.NoError(t, err, "EntriesBySource(%s, %s, %s) of nothing must return no error", c.program, c.typ, c.ref)
		assert.Empty(t, entryIDs(got), "EntriesBySource(%s, %s, %s) must return only exact matches", c.program, c.typ, c.ref)
	}
	got, err = h.s.EntriesBySource(h.ctx, progB, "order", "SO-1")
	require.NoError(t, err, "EntriesBySource")
	assert.Len(t, got, 1, "EntriesBySource must return only the entries of the programme asked for")
}
