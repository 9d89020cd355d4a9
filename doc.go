// Package kehu is an embeddable Go library for customer-relationship domain logic, and this
// package is its kernel: what every domain package shares. The host application owns
// storage, transport and UI; kehu owns the rules, behind small interfaces so that a host
// plugs in its own storage.
//
// # The domain packages
//
//   - crm: customers, contacts, consent, lifecycle stages, audit history, interactions,
//     keyword search, duplicates and merge, export and erasure (crm/crmtest: its
//     conformance suite; crm/fake: seeded synthetic customers and orders).
//   - loyalty: programmes, an exact points ledger, earning rules, tiers, rewards,
//     redemption and coupons (loyalty/loyaltytest: its conformance suite).
//   - segment: RFM, ABC, lifecycle, expression segments, baskets and lifetime value —
//     pure functions over slices and iterators.
//   - postgres (module github.com/kehu-crm/kehu/postgres): PostgreSQL stores for every
//     package, with embedded migrations.
//
// Every package with storage has the same shape: a concrete Service over a narrow Store
// interface, NewMemoryStore as the embedded default (NewService(nil, nil) works with no
// set-up), context first, atomic updates through a function run on a copy, and no global
// state. ARCHITECTURE.md in the repository explains the layout and each convention.
//
// # What the kernel holds
//
// Money and currencies: Money pairs a shopspring/decimal amount with an ISO 4217 Currency;
// arithmetic refuses mixed currencies (ErrCurrencyMismatch), division and rounding name
// their RoundingMode, and Allocate splits without losing a cent.
//
// Typed IDs: ID[K] over a UUID (UUIDv7 by default, so IDs sort by creation time); each
// domain defines its kinds (crm.CustomerID, loyalty.EntryID), so one kind of ID cannot be
// passed for another.
//
// The civil Date: a calendar day with no time zone, for birthdays, anniversaries and
// contract days.
//
// Options: what every Service takes from its host — the clock (Now), the ID source (NewID)
// and the events Publisher. Instants from the clock are truncated to Precision (a
// microsecond), so every store returns exactly the times it was given (Truncate). Clock, a
// steppable clock, and SeqIDs, sequential IDs, let a harness replay a year of activity in
// milliseconds and get the same IDs on every run (Deterministic wires both); they do not
// link package testing.
//
// Events: Event, Publisher, Discard (the default) and Recorder (keeps events in memory).
//
// Errors: the sentinels ErrNotFound, ErrConflict, ErrInvalid, ErrDuplicate and
// ErrKeyReused, each defined once here and matched with errors.Is; ValidationError lists
// every bad field of an input at once, with its path and a stable rule code, and Problems
// collects them.
//
// Idempotency keys: CheckKey, CheckHostKey and LibraryKey hold the one rule every command
// and store applies to keys (see MaxKeyLen and LibraryKeyPrefix).
//
// Text: CheckText and CheckName hold the rule every command applies to the text it gives
// a store: UTF-8 (rule "encoding") without a NUL byte, and, in names, without any control
// character (rule "control_char").
//
// Pages and the actor: PageRequest and Page for listings with cursors; WithActor and
// ActorFrom name who acts, for audit histories.
package kehu
