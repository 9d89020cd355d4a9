package loyaltytest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/loyalty"
)

func updateTests() []test {
	return []test{
		{Name: "CreatesAbsentAccount", Run: testCreatesAbsentAccount},
		{Name: "BumpsVersionByOne", Run: testBumpsVersion},
		{Name: "RoundTrip", Run: testRoundTrip},
		{Name: "AccountNotFound", Run: testAccountNotFound},
		{Name: "ErrorWritesNothing", Run: testErrorWritesNothing},
		{Name: "DuplicateCommandKey", Run: testDuplicateCommandKey},
		{Name: "CommandKeysPerProgram", Run: testCommandKeysPerProgram},
		{Name: "CommandRecord", Run: testCommandRecord},
		{Name: "TwoAccountsRollBackTogether", Run: testTwoAccountsRollback},
		{Name: "TwoAccountsCommitTogether", Run: testTwoAccountsCommit},
	}
}

func testCreatesAbsentAccount(t *testing.T, h *harness) {
	key := h.key(progA, typePoints)
	var seen *loyalty.Account
	after, _ := h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
		seen = a.Clone()
		return &loyalty.Commit{Entries: []loyalty.Entry{h.earn(a, 100, time.Time{}, loyalty.Source{Type: "manual"})}}
	})
	assertAccount(t, &loyalty.Account{Key: key}, seen,
		"Update must pass an account that does not exist yet as new: Key set, Version 0, nothing else")

	got := h.account(key)
	assert.EqualValues(t, 1, got.Version, "Update must store a new account with Version 1")
	after.Version = 1
	assertAccount(t, after, got, "Update must store a new account as fn left it")
}

func testBumpsVersion(t *testing.T, h *harness) {
	key := h.key(progA, typePoints)
	want := int64(0)
	for i := range 4 {
		var seen *loyalty.Account
		after, _ := h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
			seen = a.Clone()
			if i%2 == 1 {
				return &loyalty.Commit{} // no entries: the account is still stored
			}
			return &loyalty.Commit{Entries: []loyalty.Entry{h.earn(a, int64(10*(i+1)), time.Time{}, loyalty.Source{Type: "manual"})}}
		})
		require.EqualValues(t, want, seen.Version, "Update %d: fn must see the current Version", i+1)
		want++
		got := h.account(key)
		assert.EqualValues(t, want, got.Version, "Update %d must store the account with Version increased by one", i+1)
		after.Version = want
		assertAccount(t, after, got, "Update %d must store the account as fn left it", i+1)
	}
	// fn sees what the previous update stored.
	var seen *loyalty.Account
	h.write1(key, func(a *loyalty.Account) *loyalty.Commit { seen = a.Clone(); return &loyalty.Commit{} })
	stored := h.account(key)
	stored.Version--
	assertAccount(t, stored, seen, "Update must run fn on a copy of the current account")
}

// richAccount fills every field of an account and its lots, so that a store that drops or
// mangles one is caught by a round trip.
func (h *harness) richAccount(a *loyalty.Account) []loyalty.Entry {
	now := h.clock.Now()
	e1 := h.earn(a, 500, time.Date(2028, 1, 1, 0, 0, 0, 0, cst), loyalty.Source{Type: "order", Ref: "SO-1", Line: "L1", Rule: "base"})
	e2 := h.earn(a, 40, time.Time{}, loyalty.Source{Type: "event", Ref: "EV-9", Rule: "signup"})
	a.Lots[0].AvailableAt = now.Add(14 * 24 * time.Hour).In(cst)
	a.Lots[0].Returned, a.Lots[0].ReturnedQty = 20, 1
	a.Lots[0].Remaining = 480
	a.Lots[1].ExpiresAt = now.Add(-time.Hour).In(cst)
	a.Lots[1].ExpiredAt = now.In(cst)
	a.Lots[1].Remaining = 0
	a.Debt = 7
	rev := h.entry(a, loyalty.KindReverse, loyalty.Source{Type: "order", Ref: "SO-1", Line: "L1", Rule: "base"})
	rev.Points, rev.Lots, rev.Reverses, rev.Quantity, rev.Key = -20, []loyalty.LotMove{{Lot: a.Lots[0].ID, Points: -20}}, e1.ID, 1, "refund-1"
	exp := h.entry(a, loyalty.KindExpire, loyalty.Source{Type: "expiry"})
	exp.Points, exp.Lots = -40, []loyalty.LotMove{{Lot: a.Lots[1].ID, Points: -40}}
	adj := h.entry(a, loyalty.KindAdjust, loyalty.Source{Type: "manual"})
	adj.Points, adj.Debt, adj.Key = -7, 7, "adjust-1"
	return []loyalty.Entry{e1, e2, rev, exp, adj}
}

func testRoundTrip(t *testing.T, h *harness) {
	key := h.key(progA, typePoints)
	var es []loyalty.Entry
	after, commit := h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
		es = h.richAccount(a)
		return &loyalty.Commit{Entries: es, Command: h.command(progA, "cmd-rich", es[2], es[4])}
	})
	after.Version = 1
	assertAccount(t, after, h.account(key), "Account must return every field of the account and its lots as stored")
	assertEntries(t, es, h.entries(key), "Entries must return every field of every entry, in the order written")
	for _, e := range es {
		got, err := h.s.Entry(h.ctx, e.ID)
		if assert.NoError(t, err, "Entry %s after Update", e.ID) && assert.NotNil(t, got, "Entry returned nil and no error") {
			assertEntry(t, e, *got, "Entry must return every field of the entry as stored")
		}
	}
	got, err := h.s.Command(h.ctx, progA, "cmd-rich")
	require.NoError(t, err, "Command of a recorded command key")
	assertCommand(t, commit.Command, got, "Command must return the record as stored, with its entries")
	bySrc, err := h.s.EntriesBySource(h.ctx, progA, "order", "SO-1")
	require.NoError(t, err, "EntriesBySource")
	assertEntries(t, []loyalty.Entry{es[0], es[2]}, bySrc, "EntriesBySource must return every field of the entries as stored")
}

func testAccountNotFound(t *testing.T, h *harness) {
	key := h.key(progA, typePoints)
	h.earnTo(key, 100, time.Time{}, "")
	for _, k := range []loyalty.AccountKey{
		h.key(progA, typePoints),
		{Program: progB, Customer: key.Customer, PointType: typePoints},
		{Program: progA, Customer: key.Customer, PointType: typeStatus},
	} {
		_, err := h.s.Account(h.ctx, k)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "Account of a key never written (%s) must fail with ErrNotFound", k)
	}
	_, err := h.s.Entry(h.ctx, h.entryID())
	assert.ErrorIs(t, err, kehu.ErrNotFound, "Entry of an unknown ID must fail with ErrNotFound")
}

// errBoom is what the suite's failing update functions return.
var errBoom = errors.New("loyaltytest: fn refuses")

func testErrorWritesNothing(t *testing.T, h *harness) {
	old := h.key(progA, typePoints)
	h.earnTo(old, 100, time.Time{}, "cmd-first")
	before, beforeEntries := h.account(old), h.entries(old)
	fresh := loyalty.AccountKey{Program: progA, Customer: h.customer(), PointType: typePoints}

	var written []loyalty.Entry
	err := h.s.Update(h.ctx, []loyalty.AccountKey{old, fresh}, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
		e1 := h.spend(accts[0], 60, loyalty.Source{Type: "redemption", Ref: "RD-1"})
		e2 := h.earn(accts[1], 60, time.Time{}, loyalty.Source{Type: "transfer", Ref: "RD-1"})
		accts[0].Debt = 5
		written = []loyalty.Entry{e1, e2}
		// A commit returned with the error must be ignored too.
		return &loyalty.Commit{Entries: written, Command: h.command(progA, "cmd-failed", written...)},
			fmt.Errorf("wrapped: %w", errBoom)
	})
	assert.ErrorIs(t, err, errBoom, "Update must return fn's error as is")

	const contract = "Update whose fn returned an error must write nothing"
	h.assertUnchanged(before, beforeEntries, contract)
	h.assertAbsent(fresh, contract)
	for _, e := range written {
		h.assertNoEntry(e.ID, contract)
	}
	h.assertNoCommand(progA, "cmd-failed", contract)
	bySrc, err := h.s.EntriesBySource(h.ctx, progA, "redemption", "RD-1")
	require.NoError(t, err, "EntriesBySource")
	assert.Empty(t, entryIDs(bySrc), "%s: EntriesBySource must not list its entries", contract)
	accts, err := h.s.MemberAccounts(h.ctx, progA, fresh.Customer)
	require.NoError(t, err, "MemberAccounts")
	assert.Empty(t, accountKeys(accts), "%s: MemberAccounts must not list the account it would have created", contract)

	// The key is still free.
	h.write1(fresh, func(a *loyalty.Account) *loyalty.Commit {
		e := h.earn(a, 1, time.Time{}, loyalty.Source{Type: "manual"})
		return &loyalty.Commit{Entries: []loyalty.Entry{e}, Command: h.command(progA, "cmd-failed", e)}
	})
}

func testDuplicateCommandKey(t *testing.T, h *harness) {
	a := h.key(progA, typePoints)
	first := h.earnTo(a, 100, time.Time{}, "order-42:base")
	firstCmd, err := h.s.Command(h.ctx, progA, "order-42:base")
	require.NoError(t, err, "Command of a recorded key")
	beforeA, entriesA := h.account(a), h.entries(a)

	const contract = "Update with a command key already recorded for the programme must write nothing"
	// The same account again.
	h.clock.Advance(time.Minute)
	var again loyalty.Entry
	err = h.s.Update(h.ctx, []loyalty.AccountKey{a}, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
		again = h.earn(accts[0], 100, time.Time{}, loyalty.Source{Type: "order", Ref: "SO-42"})
		return &loyalty.Commit{Entries: []loyalty.Entry{again}, Command: h.command(progA, "order-42:base", again)}, nil
	})
	assert.ErrorIs(t, err, kehu.ErrDuplicate, "Update with a command key already recorded must fail with ErrDuplicate")
	h.assertUnchanged(beforeA, entriesA, contract)
	h.assertNoEntry(again.ID, contract)

	// Another account, and a new one.
	b := h.key(progA, typePoints)
	var other loyalty.Entry
	err = h.s.Update(h.ctx, []loyalty.AccountKey{b}, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
		other = h.earn(accts[0], 5, time.Time{}, loyalty.Source{Type: "order", Ref: "SO-43"})
		return &loyalty.Commit{Entries: []loyalty.Entry{other}, Command: h.command(progA, "order-42:base", other)}, nil
	})
	assert.ErrorIs(t, err, kehu.ErrDuplicate,
		"Update with a command key already recorded must fail with ErrDuplicate, whichever accounts it touches")
	h.assertAbsent(b, contract)
	h.assertNoEntry(other.ID, contract)
	got, err := h.s.Command(h.ctx, progA, "order-42:base")
	require.NoError(t, err, "Command after a duplicate")
	assertCommand(t, firstCmd, got, "%s: Command must still return the first record", contract)
	assert.Equal(t, first.ID, got.Entries[0].ID, "%s: the record must keep the first command's entries", contract)
}

func testCommandKeysPerProgram(t *testing.T, h *harness) {
	a := h.key(progA, typePoints)
	b := loyalty.AccountKey{Program: progB, Customer: a.Customer, PointType: typePoints}
	ea := h.earnTo(a, 100, time.Time{}, "signup:bonus")
	eb := h.earnTo(b, 200, time.Time{}, "signup:bonus")

	ca, err := h.s.Command(h.ctx, progA, "signup:bonus")
	require.NoError(t, err, "Command keys are per programme: Command(%s)", progA)
	cb, err := h.s.Command(h.ctx, progB, "signup:bonus")
	require.NoError(t, err, "Command keys are per programme: the same key in %s must be recorded too", progB)
	if assert.Len(t, ca.Entries, 1, "Command(%s).Entries", progA) {
		assert.Equal(t, ea.ID, ca.Entries[0].ID, "Command keys are per programme: each programme keeps its own record")
	}
	if assert.Len(t, cb.Entries, 1, "Command(%s).Entries", progB) {
		assert.Equal(t, eb.ID, cb.Entries[0].ID, "Command keys are per programme: each programme keeps its own record")
	}
	assert.Equal(t, progB, cb.Program, "Command must return the record's programme")
	assert.EqualValues(t, 1, h.account(b).Version, "Update with a key used only in another programme must be stored")
}

func testCommandRecord(t *testing.T, h *harness) {
	h.assertNoCommand(progA, "never-used", "Command of a key never recorded must fail with ErrNotFound")
	a := h.key(progA, typePoints)
	var es []loyalty.Entry
	_, commit := h.write1(a, func(acc *loyalty.Account) *loyalty.Commit {
		e1 := h.earn(acc, 100, time.Time{}, loyalty.Source{Type: "order", Ref: "SO-7", Line: "1", Rule: "base"})
		e2 := h.earn(acc, 30, time.Time{}, loyalty.Source{Type: "order", Ref: "SO-7", Line: "1", Rule: "double"})
		acc.Lots[0].Remaining = 0
		x := h.entry(acc, loyalty.KindExpire, loyalty.Source{Type: "expiry"})
		x.Points, x.Lots = -100, []loyalty.LotMove{{Lot: acc.Lots[0].ID, Points: -100}}
		es = []loyalty.Entry{e1, e2, x}
		// The expiry the ledger writes alongside is in the commit but not in the record.
		return &loyalty.Commit{Entries: es, Command: h.command(progA, "SO-7", e1, e2)}
	})
	got, err := h.s.Command(h.ctx, progA, "SO-7")
	require.NoError(t, err, "Command of a recorded key")
	assertCommand(t, commit.Command, got, "Command must return the record written by Update")
	h.assertNoCommand(progB, "SO-7", "Command of a key recorded in another programme must fail with ErrNotFound")
	h.assertNoCommand(progA, "so-7", "Command keys are case-sensitive: a key differing in case was never recorded")
	h.assertNoCommand(progA, "", "Command of the empty key")
}

func testTwoAccountsRollback(t *testing.T, h *harness) {
	a := h.key(progA, typePoints)
	b := h.key(progA, typePoints)
	h.earnTo(a, 100, time.Time{}, "")
	h.earnTo(b, 50, time.Time{}, "")
	beforeA, entriesA := h.account(a), h.entries(a)
	beforeB, entriesB := h.account(b), h.entries(b)

	h.clock.Advance(time.Minute)
	err := h.s.Update(h.ctx, []loyalty.AccountKey{a, b}, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
		out := h.spend(accts[0], 80, loyalty.Source{Type: "transfer", Ref: "TR-1"})
		out.Kind = loyalty.KindTransferOut
		in := h.earn(accts[1], 80, time.Time{}, loyalty.Source{Type: "transfer", Ref: "TR-1"})
		in.Kind = loyalty.KindTransferIn
		return &loyalty.Commit{Entries: []loyalty.Entry{out, in}}, errBoom
	})
	assert.ErrorIs(t, err, errBoom, "Update over two accounts must return fn's error")
	const contract = "Update over two accounts whose fn failed must leave both untouched"
	h.assertUnchanged(beforeA, entriesA, contract)
	h.assertUnchanged(beforeB, entriesB, contract)

	// A duplicate command key fails both too.
	h.earnTo(h.key(progA, typePoints), 1, time.Time{}, "TR-2")
	err = h.s.Update(h.ctx, []loyalty.AccountKey{b, a}, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
		out := h.spend(accts[0], 10, loyalty.Source{Type: "transfer", Ref: "TR-2"})
		in := h.earn(accts[1], 10, time.Time{}, loyalty.Source{Type: "transfer", Ref: "TR-2"})
		return &loyalty.Commit{Entries: []loyalty.Entry{out, in}, Command: h.command(progA, "TR-2", out, in)}, nil
	})
	assert.ErrorIs(t, err, kehu.ErrDuplicate, "Update over two accounts with a recorded command key must fail with ErrDuplicate")
	const dup = "Update over two accounts that failed with ErrDuplicate must leave both untouched"
	h.assertUnchanged(beforeA, entriesA, dup)
	h.assertUnchanged(beforeB, entriesB, dup)
}

func testTwoAccountsCommit(t *testing.T, h *harness) {
	a := h.key(progA, typePoints)
	h.earnTo(a, 100, time.Time{}, "")
	b := h.key(progA, typePoints) // not yet stored
	entriesA := h.entries(a)

	var seen []*loyalty.Account
	accts, commit := h.write([]loyalty.AccountKey{b, a}, func(accts []*loyalty.Account) *loyalty.Commit {
		seen = cloneAccounts(accts)
		out := h.spend(accts[1], 80, loyalty.Source{Type: "transfer", Ref: "TR-1"})
		out.Kind = loyalty.KindTransferOut
		in := h.earn(accts[0], 80, time.Time{}, loyalty.Source{Type: "transfer", Ref: "TR-1"})
		in.Kind = loyalty.KindTransferIn
		return &loyalty.Commit{Entries: []loyalty.Entry{out, in}, Command: h.command(progA, "TR-1", out, in)}
	})
	require.Len(t, seen, 2, "Update must pass fn one account per key")
	assert.Equal(t, b, seen[0].Key, "Update must pass the accounts in the order of the keys given")
	assert.Equal(t, a, seen[1].Key, "Update must pass the accounts in the order of the keys given")
	assert.EqualValues(t, 0, seen[0].Version, "Update must pass an absent account with Version 0")
	assert.EqualValues(t, 1, seen[1].Version, "Update must pass a stored account with its current Version")

	const contract = "Update over two accounts that succeeded must store both"
	accts[0].Version, accts[1].Version = 1, 2
	assertAccount(t, accts[0], h.account(b), "%s: the new account", contract)
	assertAccount(t, accts[1], h.account(a), "%s: the existing account", contract)
	assertEntries(t, append(entriesA, commit.Entries[0]), h.entries(a), "%s: Entries of the sender", contract)
	assertEntries(t, commit.Entries[1:], h.entries(b), "%s: Entries of the receiver", contract)
	bySrc, err := h.s.EntriesBySource(h.ctx, progA, "transfer", "TR-1")
	require.NoError(t, err, "EntriesBySource")
	assertEntries(t, commit.Entries, bySrc, "%s: EntriesBySource must list both sides in the order written", contract)
}
