package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvDSN names the variable holding the connection string of the server tests run against,
// e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvDSN = "KEHU_POSTGRES_DSN"

// DSN returns the test server's connection string. Without one the test is skipped with a
// message naming the variable, except under CI=true, where the test fails: CI must never
// pass by skipping the database.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; CI must run the PostgreSQL tests", EnvDSN)
		}
		t.Skipf("set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL tests", EnvDSN)
	}
	return dsn
}

// Pool returns a pool whose connections use a new, empty schema, migrated with migrate.
// The schema is dropped and the pool closed when t ends. A server that cannot be reached
// fails the test.
func Pool(t testing.TB, migrate func(context.Context, *pgxpool.Pool) error) *pgxpool.Pool {
	t.Helper()
	dsn := DSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "kehu_test_" + hex.EncodeToString(b[:])

	admin, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatalf("postgres: %s: %v", EnvDSN, err)
	}
	defer admin.Close()
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("postgres: cannot reach the server named by %s: %v", EnvDSN, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		a, err := pgxpool.New(ctx, dsn)
		if err != nil {
			t.Errorf("postgres: drop schema %s: %v", schema, err)
			return
		}
		defer a.Close()
		if _, err := a.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("postgres: drop schema %s: %v", schema, err)
		}
	})

	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("postgres: %s: %v", EnvDSN, err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	t.Cleanup(pool.Close)
	if err := migrate(ctx, pool); err != nil {
		t.Fatalf("postgres: migrate schema %s: %v", schema, err)
	}
	return pool
}
