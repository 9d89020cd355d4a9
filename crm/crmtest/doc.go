// Package crmtest checks implementations of crm.Store. The deterministic clock and ID
// source that harnesses share are the kernel's (kehu.Clock, kehu.SeqIDs,
// kehu.Deterministic), so that a program may use them without linking package testing.
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
// so every failure is reproducible. Times are whole microseconds (kehu.Precision, what
// every store keeps) and are compared with time.Time.Equal semantics, so a store may return
// them in any location. The one exception is the Sequences group: it drives crm.Service
// over the store and over the memory store side by side with random but seeded commands,
// and requires the two to agree after every step (KEHU_CRM_SEQ_SEQS, KEHU_CRM_SEQ_STEPS
// and KEHU_CRM_SEQ_SEED run more or other sequences).
//
// # Benchmarks
//
// BenchCreateCustomer and BenchGetCustomer run crm.Service over a store on generated
// customers, so that a host's store is measured on the same work as the memory store's
// figures in BENCHMARKS.md.
package crmtest
