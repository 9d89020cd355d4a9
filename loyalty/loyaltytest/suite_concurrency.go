package loyaltytest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/loyalty"
)

func concurrencyTests() []test {
	return []test{
		{Name: "WritersOnOneAccount", Run: testConcurrentWriters},
		{Name: "WritersOnTwoAccountsInBothOrders", Run: testConcurrentBothOrders},
		{Name: "WritersOnDistinctAccounts", Run: testConcurrentDistinct},
		{Name: "OneCommandKeyOneAccount", Run: testConcurrentCommandKeyOneAccount},
		{Name: "OneCommandKeyManyAccounts", Run: testConcurrentCommandKeyManyAccounts},
	}
}

// appendLot is an update function that adds one lot of points to the last account given
// (and one to every other), each with its entry, recording in the entries' Reason the
// version fn saw.
func (h *harness) appendLot(tag string, points int64, cmdKey string) func([]*loyalty.Account) (*loyalty.Commit, error) {
	return func(accts []*loyalty.Account) (*loyalty.Commit, error) {
		c := &loyalty.Commit{}
		for _, a := range accts {
			e := h.earn(a, points, time.Time{}, loyalty.Source{Type: "manual", Ref: tag})
			e.Reason = fmt.Sprintf("%s saw version %d", tag, a.Version)
			c.Entries = append(c.Entries, e)
		}
		if cmdKey != "" {
			c.Command = h.command(accts[0].Key.Program, cmdKey, c.Entries...)
		}
		return c, nil
	}
}

func testConcurrentWriters(t *testing.T, h *harness) {
	const writers = 100
	key := h.key(progA, typePoints)
	h.write1(key, func(*loyalty.Account) *loyalty.Commit { return &loyalty.Commit{} })
	errs := suite.Parallel(writers, func(i int) error {
		tag := fmt.Sprintf("writer-%03d", i)
		return retryConflicts(func() error {
			return h.s.Update(h.ctx, []loyalty.AccountKey{key}, loyalty.Need{All: true}, h.appendLot(tag, int64(i+1), ""))
		})
	})
	for i, err := range errs {
		assert.NoError(t, err, "Update by concurrent writer %d (retried on ErrConflict) must succeed", i)
	}

	a := h.account(key)
	assert.EqualValues(t, writers+1, a.Version, "Update: each of %d concurrent updates must increase Version by one", writers)
	var sum, wantSum int64
	for _, l := range a.Lots {
		sum += l.Remaining
	}
	for i := range writers {
		wantSum += int64(i + 1)
	}
	assert.Len(t, a.Lots, writers, "Update: concurrent updates must never be lost; every writer's lot must be present")
	assert.Equal(t, wantSum, sum, "Update: concurrent updates must never be lost; the lots must hold every writer's points")

	es := h.entries(key)
	require.Len(t, es, writers, "Update: every concurrent writer's entry must be stored once")
	var seen, want []string
	lots := map[loyalty.LotID]bool{}
	for _, l := range a.Lots {
		lots[l.ID] = true
	}
	for i, e := range es {
		seen = append(seen, e.Reason[len("writer-000 "):])
		want = append(want, fmt.Sprintf("saw version %d", i+1))
		assert.True(t, lots[e.Lots[0].Lot], "Update: the lot of stored entry %s must be in the account", e.ID)
	}
	slices.Sort(seen)
	slices.Sort(want)
	assert.Equal(t, want, seen,
		"Update: the fn of each stored concurrent update must have seen the current version (versions 1…%d, each once)", writers)
}

func testConcurrentBothOrders(t *testing.T, h *harness) {
	const writers = 40
	a, b := h.key(progA, typePoints), h.key(progA, typePoints)
	h.write([]loyalty.AccountKey{a, b}, func([]*loyalty.Account) *loyalty.Commit { return &loyalty.Commit{} })
	errs := suite.Parallel(writers, func(i int) error {
		keys := []loyalty.AccountKey{a, b}
		if i%2 == 1 {
			keys = []loyalty.AccountKey{b, a}
		}
		tag := fmt.Sprintf("writer-%03d", i)
		return retryConflicts(func() error { return h.s.Update(h.ctx, keys, loyalty.Need{All: true}, h.appendLot(tag, 1, "")) })
	})
	for i, err := range errs {
		assert.NoError(t, err, "Update of two accounts by concurrent writer %d, half of them naming the accounts in the other order "+
			"(retried on ErrConflict), must succeed: no deadlock, no other error", i)
	}
	for _, k := range []loyalty.AccountKey{a, b} {
		acct := h.account(k)
		assert.EqualValues(t, writers+1, acct.Version, "Update: each of %d concurrent updates over two accounts must increase both Versions by one", writers)
		assert.Len(t, acct.Lots, writers, "Update: concurrent updates over two accounts must never be lost")
		assert.Len(t, h.entries(k), writers, "Update: every concurrent writer's entries must be stored once")
	}
}

func testConcurrentDistinct(t *testing.T, h *harness) {
	const workers, each = 8, 25
	keys := make([]loyalty.AccountKey, workers)
	for i := range keys {
		keys[i] = h.key(progA, typePoints)
	}
	errs := suite.Parallel(workers, func(w int) error {
		for i := range each {
			tag := fmt.Sprintf("w%d-%02d", w, i)
			if err := retryConflicts(func() error {
				return h.s.Update(h.ctx, []loyalty.AccountKey{keys[w]}, loyalty.Need{All: true}, h.appendLot(tag, 1, "cmd-"+tag))
			}); err != nil {
				return err
			}
		}
		return nil
	})
	for w, err := range errs {
		assert.NoError(t, err, "Update of its own account by concurrent worker %d must succeed", w)
	}
	for w, k := range keys {
		a := h.account(k)
		assert.EqualValues(t, each, a.Version, "worker %d: each of %d updates must increase Version by one", w, each)
		assert.Len(t, a.Lots, each, "worker %d: updates of distinct accounts made concurrently must never be lost", w)
		for i := range each {
			tag := fmt.Sprintf("w%d-%02d", w, i)
			_, err := h.s.Command(h.ctx, progA, "cmd-"+tag)
			assert.NoError(t, err, "Command %q written by a concurrent worker must be recorded", "cmd-"+tag)
		}
	}
	page, err := h.s.ScanAccounts(h.ctx, progA, loyalty.ScanQuery{PageRequest: kehu.PageRequest{Limit: 1000}})
	require.NoError(t, err, "ScanAccounts")
	slices.SortFunc(keys, loyalty.AccountKey.Compare)
	assert.Equal(t, keyStrings(keys), accountKeys(page.Items), "ScanAccounts must list every account created concurrently, in key order")
}

func testConcurrentCommandKeyOneAccount(t *testing.T, h *harness) {
	const writers = 16
	key := h.key(progA, typePoints)
	h.write1(key, func(*loyalty.Account) *loyalty.Commit { return &loyalty.Commit{} })
	errs := suite.Parallel(writers, func(i int) error {
		tag := fmt.Sprintf("writer-%02d", i)
		return retryConflicts(func() error {
			return h.s.Update(h.ctx, []loyalty.AccountKey{key}, loyalty.Need{All: true}, h.appendLot(tag, int64(i+1), "order-1:base"))
		})
	})
	w := suite.ExactlyOne(t, errs, "Update: concurrent updates of one account with one command key")
	if w < 0 {
		return
	}
	a := h.account(key)
	assert.EqualValues(t, 2, a.Version, "Update: only the one update with the command key may be stored")
	if assert.Len(t, a.Lots, 1, "Update: only the one update with the command key may be stored") {
		assert.EqualValues(t, w+1, a.Lots[0].Points, "Update: the stored lot must be the winner's")
	}
	es := h.entries(key)
	require.Len(t, es, 1, "Update: only the one update with the command key may write entries")
	cmd, err := h.s.Command(h.ctx, progA, "order-1:base")
	require.NoError(t, err, "Command of the contested key")
	if assert.Len(t, cmd.Entries, 1, "Command of the contested key") {
		assert.Equal(t, es[0].ID, cmd.Entries[0].ID, "Command must record the winner's entries")
	}
}

func testConcurrentCommandKeyManyAccounts(t *testing.T, h *harness) {
	const writers = 16
	keys := make([]loyalty.AccountKey, writers)
	for i := range keys {
		keys[i] = h.key(progA, typePoints)
	}
	errs := suite.Parallel(writers, func(i int) error {
		tag := fmt.Sprintf("writer-%02d", i)
		return retryConflicts(func() error {
			return h.s.Update(h.ctx, []loyalty.AccountKey{keys[i]}, loyalty.Need{All: true}, h.appendLot(tag, 1, "signup:bonus"))
		})
	})
	w := suite.ExactlyOne(t, errs, "Update: concurrent updates of distinct accounts with one command key")
	if w < 0 {
		return
	}
	for i, k := range keys {
		if i == w {
			assert.EqualValues(t, 1, h.account(k).Version, "Update: the winner of a command key must be stored")
			continue
		}
		h.assertAbsent(k, "Update that lost the race for a command key must write nothing")
	}
	cmd, err := h.s.Command(h.ctx, progA, "signup:bonus")
	require.NoError(t, err, "Command of the contested key")
	if assert.Len(t, cmd.Entries, 1, "Command of the contested key") {
		assert.Equal(t, keys[w], cmd.Entries[0].Account, "Command must record the winner's entries")
	}
}
