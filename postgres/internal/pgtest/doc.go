// Package pgtest gives each test an empty kehu database of its own: a fresh schema on the
// server named by KEHU_POSTGRES_DSN, migrated, and dropped when the test ends. Without the
// variable a test is skipped with a message naming it, except under CI=true, where it fails.
package pgtest
