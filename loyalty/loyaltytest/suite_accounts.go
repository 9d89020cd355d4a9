package loyaltytest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/loyalty"
)

func accountTests() []test {
	return []test{
		{Name: "MemberAccounts", Run: testMemberAccounts},
		{Name: "ScanKeyOrder", Run: testScanKeyOrder},
		{Name: "ScanPagination", Run: testScanPagination},
		{Name: "ScanDueBy", Run: testScanDueBy},
		{Name: "ScanDueByFollowsUpdates", Run: testScanDueByFollowsUpdates},
		{Name: "ScanDueByPagination", Run: testScanDueByPagination},
		{Name: "OpenAccount", Run: testOpenAccount},
	}
}

// testOpenAccount checks a store's loyalty.OpenReader (a store without one passes): in each
// situation of dueWorld, and after a lot is spent to nothing and then given points again,
// OpenAccount returns what Account returns without the lots that have no points left.
func testOpenAccount(t *testing.T, h *harness) {
	o, ok := h.s.(loyalty.OpenReader)
	if !ok {
		return
	}
	check := func(key loyalty.AccountKey, name string) {
		t.Helper()
		want := h.account(key)
		want.Lots = slices.DeleteFunc(want.Lots, func(l loyalty.Lot) bool { return l.Remaining <= 0 })
		got, err := o.OpenAccount(h.ctx, key)
		require.NoError(t, err, "OpenAccount of %s", name)
		assertAccount(t, want, got, "OpenAccount of %s must return the account with its open lots alone, in the order added", name)
	}
	w := h.dueWorld()
	for name, key := range w.all {
		check(key, name)
	}

	key := h.key(progA, typePoints)
	for _, exp := range []time.Time{{}, h.clock.Now().Add(time.Hour), {}} {
		h.earnTo(key, 10, exp, "")
	}
	h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
		return &loyalty.Commit{Entries: []loyalty.Entry{h.spend(a, 10, loyalty.Source{})}} // the lot expiring first
	})
	check(key, "an account whose first-expiring lot was spent")
	lots := h.account(key).Lots
	spent := slices.IndexFunc(lots, func(l loyalty.Lot) bool { return l.Remaining == 0 })
	require.GreaterOrEqual(t, spent, 0, "the spend must leave a lot with no points")
	h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
		i := slices.IndexFunc(a.Lots, func(l loyalty.Lot) bool { return l.ID == lots[spent].ID }) // Need.All: every lot
		a.Lots[i].Remaining = 4
		e := h.entry(a, loyalty.KindReverse, loyalty.Source{})
		e.Points, e.Lots = 4, []loyalty.LotMove{{Lot: a.Lots[i].ID, Points: 4}}
		return &loyalty.Commit{Entries: []loyalty.Entry{e}}
	})
	check(key, "an account whose spent lot was given points again")

	_, err := o.OpenAccount(h.ctx, h.key(progA, typePoints))
	assert.ErrorIs(t, err, kehu.ErrNotFound, "OpenAccount of an account never written must be kehu.ErrNotFound")
}

func testMemberAccounts(t *testing.T, h *harness) {
	c := h.customer()
	other := h.customer()
	var want []*loyalty.Account
	for _, typ := range []string{typeStatus, typeMiles, typePoints} { // written out of order
		key := loyalty.AccountKey{Program: progA, Customer: c, PointType: typ}
		h.earnTo(key, 10, time.Time{}, "")
		want = append(want, h.account(key))
	}
	h.earnTo(loyalty.AccountKey{Program: progB, Customer: c, PointType: typePoints}, 5, time.Time{}, "")
	h.earnTo(loyalty.AccountKey{Program: progA, Customer: other, PointType: typePoints}, 5, time.Time{}, "")
	slices.SortFunc(want, func(a, b *loyalty.Account) int { return a.Key.Compare(b.Key) })

	got, err := h.s.MemberAccounts(h.ctx, progA, c)
	require.NoError(t, err, "MemberAccounts")
	require.Equal(t, accountKeys(want), accountKeys(got),
		"MemberAccounts must return every account of the customer in the programme, by point type, and no other")
	for i := range want {
		assertAccount(t, want[i], got[i], "MemberAccounts must return each account as stored")
	}

	for _, c := range []struct {
		program  string
		customer crm.CustomerID
	}{{progA, h.customer()}, {"prog-none", c}} {
		got, err := h.s.MemberAccounts(h.ctx, c.program, c.customer)
		assert.NoError(t, err, "MemberAccounts of a member without accounts must not fail")
		assert.Empty(t, accountKeys(got), "MemberAccounts of a member without accounts in %s must return none", c.program)
	}
}

// scanWorld stores accounts of several customers and point types in prog-a, written in
// an order unlike key order, and a few in prog-b. It returns prog-a's keys in key order.
func (h *harness) scanWorld(customers int) []loyalty.AccountKey {
	h.t.Helper()
	ids := make([]crm.CustomerID, customers)
	for i := range ids {
		ids[i] = h.customer()
	}
	var keys []loyalty.AccountKey
	for i := range ids {
		c := ids[(i*7+3)%customers] // a permutation when customers is not a multiple of 7
		types := []string{typePoints}
		if i%3 == 0 {
			types = []string{typeStatus, typePoints, typeMiles}
		}
		for _, typ := range types {
			k := loyalty.AccountKey{Program: progA, Customer: c, PointType: typ}
			h.earnTo(k, 10, time.Time{}, "")
			keys = append(keys, k)
		}
	}
	h.earnTo(loyalty.AccountKey{Program: progB, Customer: ids[0], PointType: typePoints}, 5, time.Time{}, "")
	h.earnTo(h.key(progB, typePoints), 5, time.Time{}, "")
	slices.SortFunc(keys, loyalty.AccountKey.Compare)
	return keys
}

func testScanKeyOrder(t *testing.T, h *harness) {
	keys := h.scanWorld(10)
	p, err := h.s.ScanAccounts(h.ctx, progA, loyalty.ScanQuery{PageRequest: kehu.PageRequest{Limit: 1000}})
	require.NoError(t, err, "ScanAccounts")
	assert.Equal(t, keyStrings(keys), accountKeys(p.Items),
		"ScanAccounts must return every account of the programme, and no other, in key order (customer, then point type)")
	assert.Empty(t, p.Next, "ScanAccounts: Next must be empty on the last page")
	for _, a := range p.Items {
		assertAccount(t, h.account(a.Key), a, "ScanAccounts must return each account as stored")
	}

	p, err = h.s.ScanAccounts(h.ctx, "prog-none", loyalty.ScanQuery{})
	assert.NoError(t, err, "ScanAccounts of a programme without accounts must not fail")
	assert.Empty(t, accountKeys(p.Items), "ScanAccounts of a programme without accounts must return none")
}

func testScanPagination(t *testing.T, h *harness) {
	keys := h.scanWorld(10)
	for _, keysOnly := range []bool{false, true} {
		for _, size := range []int{1, 3, len(keys)} {
			got := suite.Walk(t, fmt.Sprintf("ScanAccounts with Limit %d, KeysOnly %t", size, keysOnly), size, len(keys),
				func(pr kehu.PageRequest) (kehu.Page[*loyalty.Account], error) {
					return h.s.ScanAccounts(h.ctx, progA, loyalty.ScanQuery{KeysOnly: keysOnly, PageRequest: pr})
				}, nil)
			assert.Equal(t, keyStrings(keys), accountKeys(got),
				"ScanAccounts with Limit %d, KeysOnly %t: the pages must visit every account once, in key order", size, keysOnly)
		}
	}
}

// dueWorld is a set of accounts, each holding lots in one situation relative to dueBy.
type dueWorld struct {
	dueBy time.Time
	due   []loyalty.AccountKey // in key order
	all   map[string]loyalty.AccountKey
}

// dueWorld stores one account per situation of ScanQuery.DueBy.
func (h *harness) dueWorld() *dueWorld {
	h.t.Helper()
	dueBy := time.Date(2027, 1, 1, 0, 0, 0, 0, cst)
	w := &dueWorld{dueBy: dueBy, all: map[string]loyalty.AccountKey{}}
	situations := []struct {
		name string
		due  bool
		lots func(a *loyalty.Account) []loyalty.Entry
	}{
		{"expires before DueBy", true, func(a *loyalty.Account) []loyalty.Entry {
			return []loyalty.Entry{h.earn(a, 10, dueBy.Add(-24*time.Hour), loyalty.Source{})}
		}},
		{"expires at DueBy", true, func(a *loyalty.Account) []loyalty.Entry {
			return []loyalty.Entry{h.earn(a, 10, dueBy.UTC(), loyalty.Source{})}
		}},
		{"expires after DueBy", false, func(a *loyalty.Account) []loyalty.Entry {
			return []loyalty.Entry{h.earn(a, 10, dueBy.Add(time.Second), loyalty.Source{})}
		}},
		{"never expires", false, func(a *loyalty.Account) []loyalty.Entry {
			return []loyalty.Entry{h.earn(a, 10, time.Time{}, loyalty.Source{})}
		}},
		{"due lot spent", false, func(a *loyalty.Account) []loyalty.Entry {
			e := h.earn(a, 10, dueBy.Add(-time.Hour), loyalty.Source{})
			return []loyalty.Entry{e, h.spend(a, 10, loyalty.Source{})}
		}},
		{"due lot expired by an entry", false, func(a *loyalty.Account) []loyalty.Entry {
			e := h.earn(a, 10, dueBy.Add(-time.Hour), loyalty.Source{})
			a.Lots[0].Remaining, a.Lots[0].ExpiredAt = 0, h.clock.Now()
			x := h.entry(a, loyalty.KindExpire, loyalty.Source{Type: "expiry"})
			x.Points, x.Lots = -10, []loyalty.LotMove{{Lot: a.Lots[0].ID, Points: -10}}
			return []loyalty.Entry{e, x}
		}},
		{"due lot with points left but ExpiredAt set", false, func(a *loyalty.Account) []loyalty.Entry {
			e := h.earn(a, 10, dueBy.Add(-time.Hour), loyalty.Source{})
			a.Lots[0].ExpiredAt = h.clock.Now()
			return []loyalty.Entry{e}
		}},
		{"one due lot among others", true, func(a *loyalty.Account) []loyalty.Entry {
			return []loyalty.Entry{
				h.earn(a, 10, time.Time{}, loyalty.Source{}),
				h.earn(a, 10, dueBy.Add(48*time.Hour), loyalty.Source{}),
				h.earn(a, 10, dueBy.Add(-48*time.Hour), loyalty.Source{}),
			}
		}},
		{"partly spent due lot", true, func(a *loyalty.Account) []loyalty.Entry {
			e := h.earn(a, 10, dueBy.Add(-time.Hour), loyalty.Source{})
			return []loyalty.Entry{e, h.spend(a, 9, loyalty.Source{})}
		}},
		{"no lots, only debt", false, func(a *loyalty.Account) []loyalty.Entry {
			a.Debt = 10
			e := h.entry(a, loyalty.KindAdjust, loyalty.Source{})
			e.Points, e.Debt = -10, 10
			return []loyalty.Entry{e}
		}},
	}
	for _, s := range situations {
		k := h.key(progA, typePoints)
		h.write1(k, func(a *loyalty.Account) *loyalty.Commit { return &loyalty.Commit{Entries: s.lots(a)} })
		w.all[s.name] = k
		if s.due {
			w.due = append(w.due, k)
		}
	}
	// Another programme's due account is never listed.
	h.write1(h.key(progB, typePoints), func(a *loyalty.Account) *loyalty.Commit {
		return &loyalty.Commit{Entries: []loyalty.Entry{h.earn(a, 10, dueBy.Add(-time.Hour), loyalty.Source{})}}
	})
	slices.SortFunc(w.due, loyalty.AccountKey.Compare)
	return w
}

// names lists the situations of the keys, for readable failures.
func (w *dueWorld) names(keys []string) []string {
	var out []string
	for _, k := range keys {
		name := "unknown account " + k
		for n, key := range w.all {
			if key.String() == k {
				name = n
			}
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

func (h *harness) scanDue(dueBy time.Time) []*loyalty.Account {
	h.t.Helper()
	p, err := h.s.ScanAccounts(h.ctx, progA, loyalty.ScanQuery{DueBy: dueBy, PageRequest: kehu.PageRequest{Limit: 1000}})
	require.NoError(h.t, err, "ScanAccounts with DueBy")
	return p.Items
}

func testScanDueBy(t *testing.T, h *harness) {
	w := h.dueWorld()
	got := h.scanDue(w.dueBy)
	assert.Equal(t, w.names(keyStrings(w.due)), w.names(accountKeys(got)),
		"ScanAccounts with DueBy must return exactly the accounts holding a lot with Remaining > 0, ExpiredAt zero and ExpiresAt ≤ DueBy")
	assert.Equal(t, keyStrings(w.due), accountKeys(got), "ScanAccounts with DueBy must return the accounts in key order")
	for _, a := range got {
		assertAccount(t, h.account(a.Key), a, "ScanAccounts with DueBy must return each account whole, as stored")
	}
	keysOnly, err := h.s.ScanAccounts(h.ctx, progA, loyalty.ScanQuery{DueBy: w.dueBy, KeysOnly: true, PageRequest: kehu.PageRequest{Limit: 1000}})
	require.NoError(t, err, "ScanAccounts with DueBy and KeysOnly")
	assert.Equal(t, keyStrings(w.due), accountKeys(keysOnly.Items),
		"ScanAccounts with DueBy and KeysOnly must return the same accounts, in the same order")
	got = h.scanDue(w.dueBy.Add(-time.Second))
	assert.Equal(t, []string{"expires before DueBy", "one due lot among others", "partly spent due lot"}, w.names(accountKeys(got)),
		"ScanAccounts with an earlier DueBy: a lot expiring after DueBy is not due")
	got = h.scanDue(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	assert.Empty(t, w.names(accountKeys(got)), "ScanAccounts with a DueBy before every expiry must return none")
}

func testScanDueByFollowsUpdates(t *testing.T, h *harness) {
	w := h.dueWorld()
	before := w.all["expires before DueBy"]
	after := w.all["expires after DueBy"]
	h.write1(before, func(a *loyalty.Account) *loyalty.Commit {
		x := h.entry(a, loyalty.KindExpire, loyalty.Source{Type: "expiry"})
		x.Points, x.Lots = -a.Lots[0].Remaining, []loyalty.LotMove{{Lot: a.Lots[0].ID, Points: -a.Lots[0].Remaining}}
		a.Lots[0].Remaining, a.Lots[0].ExpiredAt = 0, h.clock.Now()
		return &loyalty.Commit{Entries: []loyalty.Entry{x}}
	})
	h.write1(after, func(a *loyalty.Account) *loyalty.Commit {
		return &loyalty.Commit{Entries: []loyalty.Entry{h.earn(a, 3, w.dueBy.Add(-time.Minute), loyalty.Source{})}}
	})
	spent := w.all["partly spent due lot"]
	h.write1(spent, func(a *loyalty.Account) *loyalty.Commit {
		return &loyalty.Commit{Entries: []loyalty.Entry{h.spend(a, 1, loyalty.Source{})}}
	})
	want := []string{"expires after DueBy", "expires at DueBy", "one due lot among others"}
	assert.Equal(t, want, w.names(accountKeys(h.scanDue(w.dueBy))),
		"ScanAccounts with DueBy must follow updates: an account whose due lot was expired or spent stops matching, "+
			"one given a due lot starts matching")
}

func testScanDueByPagination(t *testing.T, h *harness) {
	dueBy := time.Date(2027, 1, 1, 0, 0, 0, 0, cst)
	var due []loyalty.AccountKey
	for i := range 15 {
		k := h.key(progA, typePoints)
		exp := dueBy.Add(time.Hour) // not due
		if i%2 == 0 {
			exp = dueBy.Add(-time.Hour)
			due = append(due, k)
		}
		h.earnTo(k, 10, exp, "")
	}
	for _, size := range []int{1, 2, 3} {
		got := suite.Walk(t, fmt.Sprintf("ScanAccounts with DueBy and Limit %d", size), size, len(due),
			func(pr kehu.PageRequest) (kehu.Page[*loyalty.Account], error) {
				return h.s.ScanAccounts(h.ctx, progA, loyalty.ScanQuery{DueBy: dueBy, PageRequest: pr})
			}, nil)
		assert.Equal(t, keyStrings(due), accountKeys(got),
			"ScanAccounts with DueBy and Limit %d: the pages must visit every due account once, in key order", size)
	}
}
