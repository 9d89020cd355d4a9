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
//
// Every package follows the same shape: a concrete Service over a narrow Store interface,
// an in-memory store (NewMemoryStore) so that NewService(nil, nil) works with no set-up,
// context first, atomic updates through UpdateX(ctx, id, func(*X) ...), and no global state.
package kehu
