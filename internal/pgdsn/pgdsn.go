package pgdsn

import (
	"os"
	"testing"
)

// DSN returns the connection string in KEHU_POSTGRES_DSN, skipping or failing t without it.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("KEHU_POSTGRES_DSN")
	switch {
	case dsn != "":
	case os.Getenv("CI") == "true":
		t.Fatal("KEHU_POSTGRES_DSN is not set; CI must run the examples on PostgreSQL")
	default:
		t.Skip("set KEHU_POSTGRES_DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the example on PostgreSQL")
	}
	return dsn
}
