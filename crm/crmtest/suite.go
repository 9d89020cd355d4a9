package crmtest

import (
	"testing"

	"github.com/kehu-crm/kehu/crm"
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

// Run checks that the stores made by newStore keep every contract written on crm.Store.
// It runs one subtest per contract, grouped by method (Customer, Copies, Update,
// Concurrency, Lookup, Search, Merge, History, Interaction, Context), and calls newStore
// once per subtest with that subtest's *testing.T, so the store can register cleanups with
// t.Cleanup. newStore must return an empty store each time. Failure messages name the
// method and the contract that broke.
//
//	func TestMyStore(t *testing.T) {
//		crmtest.Run(t, func(t *testing.T) crm.Store { return mystore.New(...) })
//	}
//
// Run the suite with -race: several subtests start concurrent writers.
func Run(t *testing.T, newStore func(t *testing.T) crm.Store) {
	t.Helper()
	for _, g := range groups() {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					tc.run(t, newHarness(t, newStore))
				})
			}
		})
	}
}

func groups() []group {
	return []group{
		{"Customer", customerTests()},
		{"Copies", copyTests()},
		{"Update", updateTests()},
		{"Concurrency", concurrencyTests()},
		{"Lookup", lookupTests()},
		{"Search", searchTests()},
		{"Merge", mergeTests()},
		{"History", historyTests()},
		{"Interaction", interactionTests()},
		{"Context", contextTests()},
		{"Keys", keyTests()},
	}
}
