// Package crmtest checks implementations of crm.Store and provides the deterministic
// helpers that test harnesses share.
//
// # Conformance suite
//
// Run checks every contract written in the doc comments of crm.Store. A host's store passes
// it with three lines:
//
//	func TestMyStore(t *testing.T) {
//		crmtest.Run(t, func(t *testing.T) crm.Store { return mystore.New(...) })
//	}
//
// Run the suite with -race: it starts concurrent writers. Each subtest calls newStore for
// a fresh, empty store, so a store backed by a shared database must start each one from
// empty tables (truncate them in newStore, or give each subtest its own schema). Subtests
// do not run in parallel.
//
// The suite exercises the store directly, not through crm.Service: it builds customers,
// history entries and interactions by hand with IDs from a SeqIDs and times from a Clock,
// so every failure is reproducible. Times are whole seconds (a store is given whole
// microseconds, see crm.Store) and are compared with time.Time.Equal semantics, so a store
// may return them in any location.
//
// # Helpers
//
// Clock is a fixed, steppable clock and SeqIDs a sequential ID source; their method values
// plug into kehu.Options.Now and kehu.Options.NewID, and Options wires both:
//
//	opts, clock, ids := kehu.Deterministic(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
//	svc := crm.NewService(store, opts)
//	clock.Advance(24 * time.Hour)
//
// # Benchmarks
//
// BenchCreateCustomer and BenchGetCustomer run crm.Service over a store on generated
// customers, so that a host's store is measured on the same work as the memory store's
// figures in BENCHMARKS.md.
package crmtest
