package loyaltytest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/loyalty"
)

func copyTests() []test {
	return []test{
		{Name: "UpdateInputs", Run: testCopyUpdateInputs},
		{Name: "UpdateFunctionArguments", Run: testCopyUpdateArguments},
		{Name: "UpdateFunctionKeepsAccounts", Run: testCopyUpdateKept},
		{Name: "AccountResults", Run: testCopyAccountResults},
		{Name: "EntryResults", Run: testCopyEntryResults},
		{Name: "CommandResults", Run: testCopyCommandResults},
	}
}

// scribbleAccount changes every part of a that a shallow copy would share.
func scribbleAccount(a *loyalty.Account) {
	if a == nil {
		return
	}
	if len(a.Lots) > 0 {
		a.Lots[0].Remaining = -999
		a.Lots[0].ExpiresAt = time.Time{}
		a.Lots[len(a.Lots)-1].Points = 123456
	}
	a.Lots = append(a.Lots[:len(a.Lots):len(a.Lots)], loyalty.Lot{Points: 1, Remaining: 1})
	a.Debt = 4242
	a.Version = 99
}

// scribbleEntry changes every part of e that a shallow copy would share.
func scribbleEntry(e *loyalty.Entry) {
	if len(e.Lots) > 0 {
		e.Lots[0].Points = -777
		e.Lots[0].Lot = loyalty.LotID{}
	}
	e.Lots = append(e.Lots, loyalty.LotMove{Points: 5})
	if len(e.Awards) > 0 {
		e.Awards[0].Points = -888
		e.Awards[0].Rule = "scribbled"
	}
	e.Points = 31337
	e.Reason = "scribbled"
}

func scribbleEntries(es []loyalty.Entry) {
	for i := range es {
		scribbleEntry(&es[i])
	}
}

// copyWorld stores one account with two lots, three entries and a command record, and
// returns what was stored.
func (h *harness) copyWorld() (loyalty.AccountKey, *loyalty.Account, []loyalty.Entry, *loyalty.Command) {
	h.t.Helper()
	key := h.key(progA, typePoints)
	h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
		e1 := h.earn(a, 100, time.Date(2028, 1, 1, 0, 0, 0, 0, cst), loyalty.Source{Type: "order", Ref: "SO-1", Line: "1", Rule: "base"})
		e2 := h.earn(a, 50, time.Time{}, loyalty.Source{Type: "order", Ref: "SO-1", Line: "2"})
		e3 := h.spend(a, 60, loyalty.Source{Type: "order", Ref: "SO-1"})
		return &loyalty.Commit{Entries: []loyalty.Entry{e1, e2, e3}, Command: h.command(progA, "cmd-copy", e1, e2, e3)}
	})
	cmd, err := h.s.Command(h.ctx, progA, "cmd-copy")
	require.NoError(h.t, err, "Command")
	return key, h.account(key), h.entries(key), cmd
}

// assertWorldUnchanged re-reads everything copyWorld stored.
func (h *harness) assertWorldUnchanged(key loyalty.AccountKey, a *loyalty.Account, es []loyalty.Entry, cmd *loyalty.Command, contract string) {
	h.t.Helper()
	h.assertUnchanged(a, es, "%s", contract)
	for _, e := range es {
		got, err := h.s.Entry(h.ctx, e.ID)
		require.NoError(h.t, err, "Entry")
		assertEntry(h.t, e, *got, "%s: Entry", contract)
	}
	bySrc, err := h.s.EntriesBySource(h.ctx, key.Program, "order", "SO-1")
	require.NoError(h.t, err, "EntriesBySource")
	assertEntries(h.t, es, bySrc, "%s: EntriesBySource", contract)
	got, err := h.s.Command(h.ctx, key.Program, "cmd-copy")
	require.NoError(h.t, err, "Command")
	assertCommand(h.t, cmd, got, "%s: Command", contract)
}

func testCopyUpdateInputs(t *testing.T, h *harness) {
	key := h.key(progA, typePoints)
	var accts []*loyalty.Account
	var commit *loyalty.Commit
	h.clock.Advance(time.Minute)
	err := h.s.Update(h.ctx, []loyalty.AccountKey{key}, loyalty.Need{All: true}, func(as []*loyalty.Account) (*loyalty.Commit, error) {
		accts = as
		e1 := h.earn(as[0], 100, time.Date(2028, 1, 1, 0, 0, 0, 0, cst), loyalty.Source{Type: "order", Ref: "SO-1", Line: "1"})
		e2 := h.earn(as[0], 50, time.Time{}, loyalty.Source{Type: "order", Ref: "SO-1", Line: "2"})
		e3 := h.spend(as[0], 60, loyalty.Source{Type: "order", Ref: "SO-1"})
		es := []loyalty.Entry{e1, e2, e3}
		// The record shares the entries' Lots arrays, as the service's commits do.
		commit = &loyalty.Commit{Entries: es, Command: &loyalty.Command{Program: progA, Key: "cmd-copy", Digest: "d",
			At: h.clock.Now(), Entries: es}}
		return commit, nil
	})
	require.NoError(t, err, "Update")
	want, wantEntries := canonAccount(accts[0]), cloneEntries(commit.Entries)
	want.Version = 1
	wantCmd := cloneCommand(commit.Command)

	scribbleAccount(accts[0])
	scribbleEntries(commit.Entries)
	commit.Command.Key = "scribbled"
	commit.Command.Entries[0].ID = loyalty.EntryID{}

	h.assertWorldUnchanged(key, want, wantEntries, wantCmd,
		"a store must not keep the accounts, entries or command it was given: changing them after Update changed what is stored")
}

func testCopyUpdateArguments(t *testing.T, h *harness) {
	key, a, es, cmd := h.copyWorld()
	// A failed update that scribbles on the accounts it was given changes nothing…
	err := h.s.Update(h.ctx, []loyalty.AccountKey{key}, loyalty.Need{All: true}, func(as []*loyalty.Account) (*loyalty.Commit, error) {
		scribbleAccount(as[0])
		return nil, errBoom
	})
	require.ErrorIs(t, err, errBoom, "Update must return fn's error")
	// … and an account read before is not shared with fn.
	read := h.account(key)
	h.write1(key, func(as *loyalty.Account) *loyalty.Commit {
		scribbleAccount(read)
		assert.Equal(t, a.Lots[0].Remaining, as.Lots[0].Remaining,
			"Update must pass fn a copy of the stored account, not one shared with an earlier Account result")
		return &loyalty.Commit{}
	})
	a.Version++
	got := h.account(key)
	a.UpdatedAt = got.UpdatedAt
	h.assertWorldUnchanged(key, a, es, cmd, "changing the accounts fn was given in a failed Update, or an earlier result, must change nothing stored")
}

func testCopyAccountResults(t *testing.T, h *harness) {
	key, a, es, cmd := h.copyWorld()
	scribbleAccount(h.account(key))
	members, err := h.s.MemberAccounts(h.ctx, key.Program, key.Customer)
	require.NoError(t, err, "MemberAccounts")
	for _, m := range members {
		scribbleAccount(m)
	}
	page, err := h.s.ScanAccounts(h.ctx, key.Program, loyalty.ScanQuery{})
	require.NoError(t, err, "ScanAccounts")
	for _, m := range page.Items {
		scribbleAccount(m)
	}
	page, err = h.s.ScanAccounts(h.ctx, key.Program, loyalty.ScanQuery{DueBy: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err, "ScanAccounts with DueBy")
	require.Len(t, page.Items, 1, "ScanAccounts with DueBy of an account with a due lot")
	scribbleAccount(page.Items[0])
	h.assertWorldUnchanged(key, a, es, cmd,
		"a store must not return accounts it keeps: changing the results of Account, MemberAccounts or ScanAccounts changed what is stored")
}

func testCopyEntryResults(t *testing.T, h *harness) {
	key, a, es, cmd := h.copyWorld()
	e, err := h.s.Entry(h.ctx, es[2].ID)
	require.NoError(t, err, "Entry")
	scribbleEntry(e)
	page, err := h.s.Entries(h.ctx, key, loyalty.EntryQuery{PageRequest: kehu.PageRequest{Limit: 2}})
	require.NoError(t, err, "Entries")
	scribbleEntries(page.Items)
	page, err = h.s.Entries(h.ctx, key, loyalty.EntryQuery{})
	require.NoError(t, err, "Entries")
	scribbleEntries(page.Items)
	bySrc, err := h.s.EntriesBySource(h.ctx, key.Program, "order", "SO-1")
	require.NoError(t, err, "EntriesBySource")
	scribbleEntries(bySrc)
	h.assertWorldUnchanged(key, a, es, cmd,
		"a store must not return entries it keeps: changing the results of Entry, Entries or EntriesBySource (and their Lots) changed what is stored")
}

func testCopyCommandResults(t *testing.T, h *harness) {
	key, a, es, cmd := h.copyWorld()
	got, err := h.s.Command(h.ctx, key.Program, "cmd-copy")
	require.NoError(t, err, "Command")
	scribbleEntries(got.Entries)
	got.Entries = got.Entries[:1]
	got.Digest = "scribbled"
	h.assertWorldUnchanged(key, a, es, cmd,
		"a store must not return command records it keeps: changing a Command result (and its entries' Lots) changed what is stored")
}

// fn may keep the accounts it was given: they are its own, and later updates, of this
// account or others, large or small, change neither them nor, through them, the store.
func testCopyUpdateKept(t *testing.T, h *harness) {
	keys := []loyalty.AccountKey{h.key(progA, typePoints), h.key(progA, typePoints)}
	for _, n := range []int{3, 70} { // a small account and a large one
		for _, key := range keys {
			h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
				for range n {
					h.earn(a, 10, time.Time{}, loyalty.Source{Type: "order", Ref: "SO-K"})
				}
				return nil
			})
		}
	}
	var kept []*loyalty.Account
	var want []*loyalty.Account
	for _, key := range keys {
		a, _ := h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
			kept = append(kept, a)
			return nil
		})
		want = append(want, a)
	}
	for _, key := range keys {
		h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
			h.spend(a, 25, loyalty.Source{Type: "order", Ref: "SO-K"})
			a.Debt = 3
			return nil
		})
	}
	for i := range kept {
		assertAccount(t, want[i], kept[i], "an account fn kept after Update must not change with later updates")
	}
	stored := h.account(keys[0])
	scribbleAccount(kept[0])
	assertAccount(t, stored, h.account(keys[0]), "changing an account fn kept after Update must change nothing stored")
}
