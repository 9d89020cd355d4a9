// Package loyaltytest checks implementations of loyalty.Store, and the ledger that
// loyalty.Service keeps on top of them.
//
// # Conformance suite
//
// Run checks every contract written in the doc comments of loyalty.Store, then runs the
// real service over the store and checks the ledger's invariants after every step. A host's
// store passes it with three lines:
//
//	func TestMyStore(t *testing.T) {
//		loyaltytest.Run(t, func(t *testing.T) loyalty.Store { return mystore.New(...) })
//	}
//
// Run the suite with -race: it starts concurrent writers. Each leaf subtest calls newStore
// for a fresh, empty store, so a store backed by a shared database must start each one from
// empty tables (truncate them in newStore, or give each subtest its own schema). Subtests do
// not run in parallel.
//
// The suite has two layers:
//
//   - Store exercises the store directly, with accounts, lots, entries and command records
//     built by hand: Update (new accounts, versions, rollback on error, duplicate command
//     keys, command keys per programme, atomic updates of two accounts), Entries (order of
//     writing, half-open From/To, pagination), EntriesBySource, Command, MemberAccounts,
//     ScanAccounts (key order, pagination, DueBy), copies (nothing passed in or returned is
//     shared with what is stored), concurrent writers (no lost update, one winner per
//     command key, no deadlock between updates naming two accounts in either order),
//     member states (versions, rollback, copies, scans of due reviews) and rewards (stock
//     never oversold, per-member limits, cancellations returning stock, unique coupon
//     codes, coupons used no more often than allowed).
//   - Ledger runs loyalty.Service over the store with two programmes in Asia/Shanghai —
//     one whose points expire at the end of the year after they were earned, and one that
//     also holds new points for 14 days and lets refunds run into debt down to −500 — and
//     checks spending order, expiry at the exact instant, pending points, idempotency,
//     100 concurrent spenders, concurrent orders under a daily cap, concurrent once-only
//     events and concurrent transfers under a monthly limit (never more than allowed),
//     reversals, debt, transfers and balances as of past instants. Its Limits tests run
//     concurrent partner exchanges under a daily limit, capped orders, once-only events
//     and limited transfers with every write held until all writers have arrived and no
//     retry by the caller: the limit holds because the service checks it inside the
//     store's atomic write, and every account, the internal counters included, keeps the
//     ledger's invariants. Its Figures tests read tier figures, which the service keeps in
//     counters of the member's, for windows that cut the counters' periods anywhere, after
//     refunds across the programme's new year, concurrent orders, and a history written
//     through the store without counters that BackfillTierFigures builds them for.
//
// Every ID comes from a kehu.SeqIDs and every time from a kehu.Clock, so a failure is
// reproducible. Times are whole seconds (a store is given whole microseconds, see
// loyalty.Store) and are compared as instants, so a store may return them in any location. A store may answer a lost race
// with kehu.ErrConflict instead of serialising writers: the suite retries those.
//
// # Invariants
//
// CheckInvariants reads one account and its entries from any store and reports every broken
// ledger invariant: the book balance (lot remainders less debt) equals the sum of the
// entries; no lot is below zero or above its points; each entry's points are its lot moves
// less its debt; the debt is never negative. A host's own tests, such as a property test
// over random commands, can call it after every step.
//
// # Benchmarks
//
// BenchEarn, BenchRedeem and BenchConcurrentSpend run loyalty.Service over a store on fixed
// workloads (BenchEarnProgram, BenchOrder, BenchSpendProgram), so that a host's store is
// measured on the same work as the memory store's figures in BENCHMARKS.md:
//
//	func BenchmarkMyStoreEarn(b *testing.B) {
//		loyaltytest.BenchEarn(b, func(b *testing.B) loyalty.Store { return mystore.New(b) })
//	}
package loyaltytest
