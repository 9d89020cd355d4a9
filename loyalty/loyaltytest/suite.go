package loyaltytest

import (
	"testing"

	"github.com/kehu-crm/kehu/loyalty"
)

// test is one leaf of the suite: it runs against a fresh store.
type test struct {
	name string
	run  func(t *testing.T, h *harness)
}

// group is a named set of tests, run as one subtest.
type group struct {
	name  string
	tests []test
}

// layer is one of the suite's two halves: the Store's own contract, and the ledger's
// invariants kept by loyalty.Service over the store.
type layer struct {
	name   string
	groups []group
}

// Run checks that the stores made by newStore keep every contract written on loyalty.Store,
// and that loyalty.Service keeps the ledger's invariants on top of them. It runs two layers
// of subtests:
//
//   - Store: the store exercised directly (Update, Entries, Accounts, Copies, Concurrency,
//     Members, Rewards);
//   - Ledger: the real service over the store (Spend, Expiry, Pending, Idempotency,
//     Concurrency, Reverse, Debt, Transfer, AsOf), checking every invariant of the ledger
//     after every step (see CheckInvariants).
//
// Run calls newStore once per leaf subtest with that subtest's *testing.T, so the store can
// register cleanups with t.Cleanup. newStore must return an empty store each time. Failure
// messages name the method and the contract that broke.
//
//	func TestMyStore(t *testing.T) {
//		loyaltytest.Run(t, func(t *testing.T) loyalty.Store { return mystore.New(...) })
//	}
//
// Run the suite with -race: several subtests start concurrent writers.
func Run(t *testing.T, newStore func(t *testing.T) loyalty.Store) {
	t.Helper()
	for _, l := range layers() {
		t.Run(l.name, func(t *testing.T) {
			for _, g := range l.groups {
				t.Run(g.name, func(t *testing.T) {
					for _, tc := range g.tests {
						t.Run(tc.name, func(t *testing.T) {
							tc.run(t, newHarness(t, newStore))
						})
					}
				})
			}
		})
	}
}

func layers() []layer {
	return []layer{
		{"Store", []group{
			{"Update", updateTests()},
			{"Entries", entryTests()},
			{"Accounts", accountTests()},
			{"Copies", copyTests()},
			{"Concurrency", concurrencyTests()},
			{"Members", memberTests()},
			{"Rewards", rewardTests()},
		}},
		{"Ledger", []group{
			{"Spend", spendTests()},
			{"Expiry", expiryTests()},
			{"Pending", pendingTests()},
			{"Idempotency", idempotencyTests()},
			{"Keys", keyTests()},
			{"Concurrency", ledgerConcurrencyTests()},
			{"Reverse", reverseTests()},
			{"Debt", debtTests()},
			{"Transfer", transferTests()},
			{"AsOf", asOfTests()},
		}},
	}
}
