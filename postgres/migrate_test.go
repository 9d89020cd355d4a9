package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
)

// TestMigrate checks that migrating a migrated database changes nothing, that processes
// migrating at once apply each migration once, and that every migration is recorded.
func TestMigrate(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate) // migrated once already
	ctx := context.Background()
	var before int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM kehu_migrations`).Scan(&before))
	require.Positive(t, before)

	migrateConcurrently(t, pool, 4)
	var after int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM kehu_migrations`).Scan(&after))
	assert.Equal(t, before, after, "a repeated migration records nothing new")

	var versions []int
	rows, err := pool.Query(ctx, `SELECT version FROM kehu_migrations ORDER BY version`)
	require.NoError(t, err)
	for rows.Next() {
		var v int
		require.NoError(t, rows.Scan(&v))
		versions = append(versions, v)
	}
	require.NoError(t, rows.Err())
	for i, v := range versions {
		assert.Equal(t, i+1, v, "migrations are numbered 1, 2, … without gaps")
	}
}

// TestMigrateFreshSchemaConcurrently checks that several processes migrating an empty
// schema at the same moment leave one complete schema.
func TestMigrateFreshSchemaConcurrently(t *testing.T) {
	pool := pgtest.Pool(t, func(context.Context, *pgxpool.Pool) error { return nil })
	ctx := context.Background()
	migrateConcurrently(t, pool, 4)
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(DISTINCT version) FROM kehu_migrations`).Scan(&n))
	var total int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM kehu_migrations`).Scan(&total))
	assert.Equal(t, n, total, "each migration recorded once")
	assert.Positive(t, n)
}

// migrateConcurrently runs Migrate from n goroutines at once; each must succeed.
func migrateConcurrently(t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range errs {
		wg.Go(func() { errs[i] = postgres.Migrate(context.Background(), pool) })
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "Migrate from goroutine %d", i)
	}
}
