package crmtest

import (
	"testing"

	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
)

type (
	test  = suite.Test[*harness]
	group = suite.Group[*harness]
)

// Run checks that the stores made by newStore keep every contract written on crm.Store.
// It runs one subtest per contract, grouped by method (Customer, Copies, RoundTrip, Update,
// Concurrency, Lookup, Search, Merge, History, Interaction, Context, Keys, Text, Scan), and
// Sequences: random sequences of the commands a host issues, run through crm.Service over
// the store and over the memory store side by side, which must give the same answers and
// leave the same customers, histories, timelines, listings and lookups after every step.
// KEHU_CRM_SEQ_SEQS, KEHU_CRM_SEQ_STEPS and KEHU_CRM_SEQ_SEED run more or other sequences.
//
// Run calls newStore once per subtest, and once more per sequence of the Sequences group,
// with that (sub)test's *testing.T, so the store can register cleanups with t.Cleanup.
// newStore must return an empty store each time. Failure messages name the method and the
// contract that broke.
//
//	func TestMyStore(t *testing.T) {
//		crmtest.Run(t, func(t *testing.T) crm.Store { return mystore.New(...) })
//	}
//
// Run the suite with -race: several subtests start concurrent writers.
func Run(t *testing.T, newStore func(t *testing.T) crm.Store) {
	t.Helper()
	suite.Run(t, groups(), func(t *testing.T) *harness { return newHarness(t, newStore) })
}

func groups() []group {
	return []group{
		{Name: "Customer", Tests: customerTests()},
		{Name: "Copies", Tests: copyTests()},
		{Name: "RoundTrip", Tests: roundTripTests()},
		{Name: "Update", Tests: updateTests()},
		{Name: "Concurrency", Tests: concurrencyTests()},
		{Name: "Lookup", Tests: lookupTests()},
		{Name: "Search", Tests: searchTests()},
		{Name: "Merge", Tests: mergeTests()},
		{Name: "History", Tests: historyTests()},
		{Name: "Interaction", Tests: interactionTests()},
		{Name: "Context", Tests: contextTests()},
		{Name: "Keys", Tests: keyTests()},
		{Name: "Text", Tests: textTests()},
		{Name: "Scan", Tests: scanTests()},
		{Name: "Sequences", Tests: sequenceTests()},
	}
}
