// Package pgdsn gives the examples' tests the PostgreSQL server they run against: the one
// named by KEHU_POSTGRES_DSN. Without the variable a test is skipped with a message naming
// it, except under CI=true, where it fails: CI must never pass by skipping the database.
package pgdsn
