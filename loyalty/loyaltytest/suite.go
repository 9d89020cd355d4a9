package loyaltytest

import (
	"testing"

	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/loyalty"
)

type (
	test  = suite.Test[*harness]
	group = suite.Group[*harness]
)

// Run checks that the stores made by newStore keep every contract written on loyalty.Store,
// and that loyalty.Service keeps the ledger's invariants on top of them. It runs two layers
// of subtests:
//
//   - Store: the store exercised directly (Update, WorkingSet, Entries, Accounts, Copies,
//     RoundTrip, Concurrency, Members, Rewards);
//   - Ledger: the real service over the store (Spend, Expiry, Pending, Idempotency,
//     Concurrency, Reverse, Debt, Transfer, AsOf, Limits, Instants, Refunds, Figures, and
//     Totals for a store that implements loyalty.Totals), checking every invariant of the
//     ledger after every step (see CheckInvariants); and Sequences, random sequences of
//     commands run over the store and over the memory store side by side, which must give
//     the same answers and the same accounts, member states, balances, standings, rewards
//     and reservations at every step, and the same liability, breakage, statements and
//     accounts as of past instants at the end.
//     KEHU_SEQ_SEQS, KEHU_SEQ_STEPS and KEHU_SEQ_SEED run more or other sequences.
//
// Run calls newStore once per leaf subtest, and once more per sequence of the Sequences
// group, with that (sub)test's *testing.T, so the store can register cleanups with
// t.Cleanup. newStore must return an empty store each time. Failure messages name the
// method and the contract that broke.
//
//	func TestMyStore(t *testing.T) {
//		loyaltytest.Run(t, func(t *testing.T) loyalty.Store { return mystore.New(...) })
//	}
//
// Run the suite with -race: several subtests start concurrent writers.
func Run(t *testing.T, newStore func(t *testing.T) loyalty.Store) {
	t.Helper()
	suite.Run(t, layers(), func(t *testing.T) *harness { return newHarness(t, newStore) })
}

// layers are the suite's two halves: the Store's own contract, and the ledger's invariants
// kept by loyalty.Service over the store.
func layers() []group {
	return []group{
		{Name: "Store", Groups: []group{
			{Name: "Update", Tests: updateTests()},
			{Name: "WorkingSet", Tests: needTests()},
			{Name: "Entries", Tests: entryTests()},
			{Name: "Accounts", Tests: accountTests()},
			{Name: "Copies", Tests: copyTests()},
			{Name: "RoundTrip", Tests: roundTripTests()},
			{Name: "Concurrency", Tests: concurrencyTests()},
			{Name: "Members", Tests: memberTests()},
			{Name: "Rewards", Tests: rewardTests()},
		}},
		{Name: "Ledger", Groups: []group{
			{Name: "Spend", Tests: spendTests()},
			{Name: "Expiry", Tests: expiryTests()},
			{Name: "Pending", Tests: pendingTests()},
			{Name: "Idempotency", Tests: idempotencyTests()},
			{Name: "Keys", Tests: keyTests()},
			{Name: "Concurrency", Tests: ledgerConcurrencyTests()},
			{Name: "Reverse", Tests: reverseTests()},
			{Name: "Debt", Tests: debtTests()},
			{Name: "Transfer", Tests: transferTests()},
			{Name: "AsOf", Tests: asOfTests()},
			{Name: "Instants", Tests: instantTests()},
			{Name: "Refunds", Tests: refundTests()},
			{Name: "Limits", Tests: limitTests()},
			{Name: "Figures", Tests: figureTests()},
			{Name: "Totals", Tests: totalsTests()},
			{Name: "Sequences", Tests: sequenceTests()},
		}},
	}
}
