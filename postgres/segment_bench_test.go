package postgres_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
	"github.com/kehu-crm/kehu/segment"
)

// EnvWarehouseOrders names the variable that sets the number of orders
// BenchmarkSegmentSummaryCells generates (default 100,000; the README's timing uses
// 10,000,000).
const EnvWarehouseOrders = "KEHU_WAREHOUSE_ORDERS"

// warehouseOrders reads EnvWarehouseOrders.
func warehouseOrders(b *testing.B) int {
	b.Helper()
	s := os.Getenv(EnvWarehouseOrders)
	if s == "" {
		return 100_000
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 10 {
		b.Fatalf("%s=%q: want a whole number of orders, at least 10", EnvWarehouseOrders, s)
	}
	return n
}

// generateOrders creates the table warehouse_orders (customer bigint, ordered_at
// timestamptz, amount numeric(10,2)) and fills it inside the database: n orders of n/10
// customers, at random instants of 2022–2024, of 1.00 to 300.00. The random sequence is
// seeded, so every run generates the same table.
func generateOrders(b *testing.B, pool *pgxpool.Pool, n int) {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "CREATE UNLOGGED TABLE warehouse_orders (customer bigint, ordered_at timestamptz, amount numeric(10,2))"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SELECT setseed(0.25)"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO warehouse_orders
SELECT 1 + floor(random() * CAST($1 AS bigint)),
       TIMESTAMPTZ '2022-01-01 00:00:00Z' + random() * INTERVAL '1095 days',
       round(CAST(1 + random() * 299 AS numeric), 2)
FROM generate_series(1, CAST($2 AS bigint))`, max(n/10, 1), n)
		return err
	})
	require.NoError(b, err)
	_, err = pool.Exec(ctx, "ANALYZE warehouse_orders")
	require.NoError(b, err)
	b.Logf("generated %d orders in %v", n, time.Since(start))
}

// BenchmarkSegmentSummaryCells times the BTYD cells of a generated table of orders
// (EnvWarehouseOrders orders, see generateOrders), in weeks to the end of 2024:
//
//   - sql: SummaryCells, the cells computed in the database, only they leave it;
//   - pgx+Summarize: every order read out with pgx, summarised by segment.SummarizeSeq
//     and grouped by segment.GroupSummaries and GroupSpend, for comparison. It checks
//     that its cells are those of sql.
func BenchmarkSegmentSummaryCells(b *testing.B) {
	n := warehouseOrders(b)
	pool := pgtest.Pool(b, postgres.Migrate)
	generateOrders(b, pool, n)
	ctx := context.Background()
	src := postgres.OrdersTable{Table: "warehouse_orders", Customer: "customer", At: "ordered_at", Amount: "amount"}
	opts := segment.Options{Period: segment.Week, ObservationEnd: time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC), Location: time.UTC}

	var fromSQL *postgres.Cells
	b.Run("sql", func(b *testing.B) {
		for b.Loop() {
			cells, err := postgres.SummaryCells(ctx, pool, src, opts)
			require.NoError(b, err)
			fromSQL = cells
		}
		b.ReportMetric(float64(len(fromSQL.RF)), "history-cells")
		b.ReportMetric(float64(len(fromSQL.Spend)), "spend-cells")
	})
	b.Run("pgx+Summarize", func(b *testing.B) {
		var got *postgres.Cells
		for b.Loop() {
			got = summarizeInGo(b, ctx, pool, opts)
		}
		if fromSQL != nil {
			require.Equal(b, fromSQL, got, "the database's cells are the in-memory summary's")
		}
	})
}

// summarizeInGo reads every order of warehouse_orders and computes its cells in Go.
func summarizeInGo(b *testing.B, ctx context.Context, pool *pgxpool.Pool, opts segment.Options) *postgres.Cells {
	rows, err := pool.Query(ctx, "SELECT customer, ordered_at, amount FROM warehouse_orders")
	require.NoError(b, err)
	defer rows.Close()
	var scanErr error
	txns := func(yield func(segment.Transaction) bool) {
		var (
			customer int64
			at       time.Time
			amount   pgtype.Numeric
		)
		for rows.Next() {
			if scanErr = rows.Scan(&customer, &at, &amount); scanErr != nil {
				return
			}
			t := segment.Transaction{Customer: strconv.FormatInt(customer, 10), At: at, Amount: decimal.NewFromBigInt(amount.Int, amount.Exp)}
			if !yield(t) {
				return
			}
		}
	}
	sums, err := segment.SummarizeSeq(txns, opts)
	require.NoError(b, err)
	require.NoError(b, scanErr)
	require.NoError(b, rows.Err())
	out := groupCells(b, sums)
	return out
}
