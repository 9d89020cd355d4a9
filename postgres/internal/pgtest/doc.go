// Package pgtest gives each test an empty kehu database of its own: a fresh schema on the
// server named by KEHU_POSTGRES_DSN, migrated, and dropped when the test ends. Without the
// variable a test is skipped with a message naming it, except under CI=true, where it fails.
//
// It also has the tools of the fault tests: LockHolder finds the backend holding a lock on a
// table, Terminate kills a backend and waits until it is gone, and StallWrites holds a
// table's writes halfway, so that a backend can be killed in the middle of a write.
package pgtest
