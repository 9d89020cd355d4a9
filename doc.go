// Package kehu is an embeddable Go library for customer-relationship domain logic. The host
// application owns storage, transport and UI; kehu owns the rules, behind small interfaces
// so that a host plugs in its own storage.
//
// The library is a set of packages that share one kernel:
//
//   - crm: customers and their contacts, demographics, consent, lifecycle stages, audit
//     history, interactions timeline, keyword search, duplicates and merge, export and
//     erasure; and the shared kernel every package uses — Money (decimal amounts with an
//     ISO 4217 currency), typed UUIDv7 IDs, the civil Date, Options (injected clock, IDs
//     and events publisher) and the error sentinels ErrNotFound, ErrConflict, ErrInvalid,
//     ErrDuplicate with ValidationError.
//   - crm/crmtest: the conformance suite every crm.Store passes, a steppable clock and
//     sequential IDs for test harnesses.
//   - crm/fake: a seeded generator of realistic customers and purchases.
//   - loyalty: programmes (JSON or Go, validated whole, rules as compiled expressions), an
//     exact points ledger with lots, expiry, pending windows, idempotent commands,
//     line-by-line refunds, debts, reversals, transfers, household pools and partner
//     exchange; membership tiers; rewards with reserve–confirm–cancel redemption and
//     coupons; liability, breakage and Replay of a new programme version.
//   - loyalty/loyaltytest: the conformance suite every loyalty.Store passes.
//   - segment: BTYD summaries, RFM, ABC, lifecycle suggestions, expression segments, basket
//     pairs and lifetime value (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma) — pure
//     functions over slices and iterators.
//   - postgres (module github.com/kehu-crm/kehu/postgres): PostgreSQL stores for crm and
//     loyalty with embedded migrations, passing both conformance suites against a real
//     server; a module of its own so that the core needs no database driver.
//
// Every package follows the same shape: a concrete Service over a narrow Store interface,
// an in-memory store (NewMemoryStore) so that NewService(nil, nil) works with no set-up,
// context first, atomic updates through UpdateX(ctx, id, func(*X) ...), and no global state.
package kehu
