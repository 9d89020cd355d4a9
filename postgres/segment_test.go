package postgres_test

import (
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
	"github.com/kehu-crm/kehu/segment"
)

// orderRow is one row of a test orders table; nil fields are NULL.
type orderRow struct {
	customer *string
	at       *time.Time
	amount   *decimal.Decimal
}

// createOrders creates the table name (customer customerType, ordered_at atType, amount
// numeric) and loads rows with COPY.
func createOrders(t testing.TB, pool *pgxpool.Pool, name, customerType, atType string, rows []orderRow) {
	t.Helper()
	ctx := context.Background()
	ident := pgx.Identifier{name}
	_, err := pool.Exec(ctx, "CREATE TABLE "+ident.Sanitize()+" (customer "+customerType+", ordered_at "+atType+", amount numeric)")
	require.NoError(t, err)
	n, err := pool.CopyFrom(ctx, ident, []string{"customer", "ordered_at", "amount"}, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		r := rows[i]
		vals := []any{nil, nil, nil}
		if r.customer != nil {
			vals[0] = *r.customer
		}
		if r.at != nil {
			vals[1] = r.at.UTC() // a timestamp column keeps the UTC wall clock, a date column the UTC date
		}
		if r.amount != nil {
			vals[2] = pgtype.Numeric{Int: r.amount.Coefficient(), Exp: r.amount.Exponent(), Valid: true}
		}
		return vals, nil
	}))
	require.NoError(t, err)
	require.EqualValues(t, len(rows), n)
}

// readBack is the transaction as a host reads its row back from a column of type atType
// (pgx gives timestamp and date values in UTC), or false for a row that has no
// transaction (a NULL).
func readBack(r orderRow, atType string) (segment.Transaction, bool) {
	if r.customer == nil || r.at == nil || r.amount == nil {
		return segment.Transaction{}, false
	}
	at := r.at.UTC()
	if atType == "date" {
		at = time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	}
	return segment.Transaction{Customer: *r.customer, At: at, Amount: *r.amount}, true
}

// memoryCells is the oracle: segment's in-memory summary (SummarizeReport, which skips
// the transactions it refuses), grouped by groupCells.
func memoryCells(t testing.TB, txns []segment.Transaction, opts segment.Options) (*postgres.Cells, []segment.Summary) {
	t.Helper()
	rep, err := segment.SummarizeReport(slices.Values(txns), opts)
	require.NoError(t, err)
	return groupCells(t, rep.Summaries), rep.Summaries
}

// groupCells groups summaries with segment's own GroupSummaries and GroupSpend. Repeat
// customers with a zero mean spend, which GroupSpend refuses, are counted apart.
func groupCells(t testing.TB, sums []segment.Summary) *postgres.Cells {
	t.Helper()
	var err error
	cells := &postgres.Cells{RF: []segment.RFCell{}, Spend: []segment.SpendCell{}}
	if len(sums) > 0 {
		cells.RF, err = segment.GroupSummaries(sums)
		require.NoError(t, err)
	}
	var spenders []segment.Summary
	for _, s := range sums {
		switch {
		case s.Frequency > 0 && s.Monetary.Sign() > 0:
			spenders = append(spenders, s)
		case s.Frequency > 0:
			cells.ZeroSpend++
		}
	}
	if len(spenders) > 0 {
		cells.Spend, err = segment.GroupSpend(spenders)
		require.NoError(t, err)
	}
	return cells
}

// loadCDNOW reads the full CDNOW transaction log (testdata/cdnow/CDNOW_master.txt.gz,
// Fader & Hardie's cohort of 23,570 customers) with segment.ReadCDNOW.
func loadCDNOW(t testing.TB) []segment.Transaction {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "cdnow", "CDNOW_master.txt.gz"))
	require.NoError(t, err, "the test data is part of the repository")
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	txns, rej, err := segment.ReadCDNOW(zr)
	require.NoError(t, err)
	require.Zero(t, rej.Total(), "rejected: %s", rej)
	require.Len(t, txns, 69659, "testdata/cdnow/SOURCE.md")
	return txns
}

func utcAt(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// TestSegmentSummaryCellsCDNOW loads the full CDNOW log into PostgreSQL with COPY and
// checks that the cells the database computes are exactly those of segment's in-memory
// summary of the same transactions — every cell, every count — under several options,
// and that the BG/NBD and Gamma-Gamma fits on them are the in-memory fits to the bit.
func TestSegmentSummaryCellsCDNOW(t *testing.T) {
	txns := loadCDNOW(t)
	pool := pgtest.Pool(t, postgres.Migrate)
	ctx := t.Context()

	// Customer IDs are whole numbers: keep them as bigint, as a warehouse would.
	start := time.Now()
	_, err := pool.Exec(ctx, "CREATE TABLE cdnow_orders (customer_id bigint, ordered_on date, dollar_value numeric(10,2))")
	require.NoError(t, err)
	n, err := pool.CopyFrom(ctx, pgx.Identifier{"cdnow_orders"}, []string{"customer_id", "ordered_on", "dollar_value"},
		pgx.CopyFromSlice(len(txns), func(i int) ([]any, error) {
			id, err := strconv.ParseInt(txns[i].Customer, 10, 64)
			a := txns[i].Amount
			return []any{id, txns[i].At, pgtype.Numeric{Int: a.Coefficient(), Exp: a.Exponent(), Valid: true}}, err
		}))
	require.NoError(t, err)
	require.EqualValues(t, len(txns), n)
	t.Logf("COPY of %d CDNOW transactions: %v", n, time.Since(start))
	src := postgres.OrdersTable{Table: "cdnow_orders", Customer: "customer_id", At: "ordered_on", Amount: "dollar_value"}

	calEnd, obsEnd := utcAt(1997, 9, 30, 0, 0), utcAt(1998, 6, 30, 0, 0)
	for _, tc := range []struct {
		name string
		opts segment.Options
		fit  bool
	}{
		{"weeks, calibration to 1997-09-30", segment.Options{Period: segment.Week, CalibrationEnd: calEnd, ObservationEnd: obsEnd}, true},
		{"weeks, whole window", segment.Options{Period: segment.Week, ObservationEnd: obsEnd}, true},
		{"days", segment.Options{ObservationEnd: obsEnd}, false},
		{"calendar weeks", segment.Options{Period: segment.Week, Collapse: segment.Week, ObservationEnd: obsEnd}, false},
		{"calendar months", segment.Options{Period: segment.Month, Collapse: segment.Month, ObservationEnd: obsEnd}, false},
		{"months of days", segment.Options{Period: segment.Month, ObservationEnd: obsEnd}, false},
		{"weeks of calendar months", segment.Options{Period: segment.Week, Collapse: segment.Month, CalibrationEnd: calEnd, ObservationEnd: obsEnd}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, sums := memoryCells(t, txns, tc.opts)
			start := time.Now()
			got, err := postgres.SummaryCells(ctx, pool, src, tc.opts)
			require.NoError(t, err)
			t.Logf("cell query: %v; %d history cells, %d spend cells for %d customers", time.Since(start), len(got.RF), len(got.Spend), len(sums))
			require.Equal(t, want.RF, got.RF, "history cells")
			require.Equal(t, want.Spend, got.Spend, "spend cells")
			require.Equal(t, want.ZeroSpend, got.ZeroSpend)
			weight := 0.0
			for _, c := range got.RF {
				weight += c.Weight
			}
			require.Equal(t, float64(len(sums)), weight, "every customer in one cell")
			if !strings.Contains(tc.name, "calibration") {
				assert.Len(t, sums, 23570, "every customer of the cohort")
			}
			if !tc.fit {
				return
			}
			// The fits read the same cells in the same order, so they take the same steps.
			bgMem, err := segment.FitBGNBD(sums, nil)
			require.NoError(t, err)
			bgSQL, err := segment.FitBGNBDCells(got.RF, nil)
			require.NoError(t, err)
			assert.Equal(t, bgMem.Params, bgSQL.Params, "BG/NBD parameters to the last bit")
			assert.Equal(t, bgMem.Stats, bgSQL.Stats)
			t.Logf("BG/NBD: %+v", bgSQL.Params)

			spendMem, err := segment.GroupSpend(slices.DeleteFunc(slices.Clone(sums), func(s segment.Summary) bool { return s.Monetary.Sign() <= 0 }))
			require.NoError(t, err)
			ggMem, err := segment.FitGammaGammaCells(spendMem, nil)
			require.NoError(t, err)
			ggSQL, err := segment.FitGammaGammaCells(got.Spend, nil)
			require.NoError(t, err)
			assert.Equal(t, ggMem.Params, ggSQL.Params, "Gamma-Gamma parameters to the last bit")
			if want.ZeroSpend == 0 {
				ggAll, err := segment.FitGammaGamma(sums, nil)
				require.NoError(t, err)
				assert.Equal(t, ggAll.Params, ggSQL.Params)
			}
			t.Logf("Gamma-Gamma: %+v (%d repeat customers with zero spend left out)", ggSQL.Params, got.ZeroSpend)
		})
	}
}

// edgeRows are orders worked by hand around the rules of the summary, for an observation
// end of 2024-03-31 12:00 UTC.
func edgeRows() []orderRow {
	var rows []orderRow
	add := func(customer string, at time.Time, amount string) {
		c, a := customer, at
		d := decimal.RequireFromString(amount)
		rows = append(rows, orderRow{customer: &c, at: &a, amount: &d})
	}
	end := utcAt(2024, 3, 31, 12, 0)
	// One order only: x = 0, t_x = 0.
	add("one", utcAt(2024, 1, 10, 9, 0), "20.00")
	// Several orders on one day merge into one purchase, their amounts summed.
	add("same-day", utcAt(2024, 1, 5, 8, 0), "10.00")
	add("same-day", time.Date(2024, 1, 5, 23, 59, 59, 999999000, time.UTC), "5.00")
	add("same-day", utcAt(2024, 2, 1, 10, 0), "7.50")
	add("same-day", utcAt(2024, 2, 1, 11, 0), "2.50")
	// An order exactly at the observation end is in the window; after it, it is not.
	add("at-end", utcAt(2024, 3, 1, 0, 0), "10.00")
	add("at-end", end, "3.00")
	add("after-end", utcAt(2024, 3, 2, 0, 0), "4.00")
	add("after-end", end.Add(time.Microsecond), "9.00")
	add("after-end", utcAt(2024, 4, 2, 0, 0), "100.00")
	add("only-after-end", utcAt(2024, 4, 1, 0, 0), "1.00")
	// A negative amount (a return) is not a purchase; a zero amount is.
	add("negative", utcAt(2024, 2, 10, 0, 0), "30.00")
	add("negative", utcAt(2024, 2, 11, 0, 0), "-5.00")
	add("zero-repeats", utcAt(2024, 2, 10, 0, 0), "12.00")
	add("zero-repeats", utcAt(2024, 2, 20, 0, 0), "0.00")
	add("zero-repeats", utcAt(2024, 3, 5, 0, 0), "0")
	add("zero-first", utcAt(2024, 2, 10, 0, 0), "0.00")
	add("zero-first", utcAt(2024, 2, 12, 0, 0), "5.00")
	// Means rounded half away from zero to six places, from the exact quotient.
	add("half", utcAt(2024, 1, 1, 0, 0), "1")
	add("half", utcAt(2024, 1, 2, 0, 0), "0.0000005")
	add("thirds", utcAt(2024, 1, 1, 0, 0), "1")
	add("thirds", utcAt(2024, 1, 2, 0, 0), "1")
	add("thirds", utcAt(2024, 1, 3, 0, 0), "1")
	add("thirds", utcAt(2024, 1, 4, 0, 0), "2")
	add("below-half", utcAt(2024, 1, 1, 0, 0), "1")
	add("below-half", utcAt(2024, 1, 2, 0, 0), "0.000001499999999999")
	add("above-half", utcAt(2024, 1, 1, 0, 0), "1")
	add("above-half", utcAt(2024, 1, 2, 0, 0), "0.000001500000000001")
	add("rounds-to-zero", utcAt(2024, 1, 1, 0, 0), "1")
	add("rounds-to-zero", utcAt(2024, 1, 2, 0, 0), "0.000000499999999999")
	// Amounts beyond segment.AmountInRange are refused; 18 decimals are not.
	add("range", utcAt(2024, 1, 3, 0, 0), "10.00")
	add("range", utcAt(2024, 1, 4, 0, 0), "1e30")
	add("range", utcAt(2024, 1, 5, 0, 0), "0.0000000000000000001")
	add("range", utcAt(2024, 1, 6, 0, 0), "0.000000000000000001")
	add("range", utcAt(2024, 1, 7, 0, 0), "999999999999999999999999999999.99")
	// An empty customer is no customer.
	add("", utcAt(2024, 1, 3, 0, 0), "5.00")
	// Either side of midnight UTC: one day in Shanghai (UTC+8), two in UTC.
	add("midnight", utcAt(2024, 3, 10, 23, 30), "1.00")
	add("midnight", utcAt(2024, 3, 11, 0, 30), "2.00")
	// Around New York's change to summer time (2024-03-10 07:00 UTC).
	add("dst", utcAt(2024, 3, 10, 4, 30), "1.00")
	add("dst", utcAt(2024, 3, 10, 5, 30), "1.00")
	add("dst", utcAt(2024, 3, 11, 3, 30), "1.00")
	add("dst", utcAt(2024, 3, 11, 4, 30), "1.00")
	// Before 1970 (negative day numbers; 1969-12-29 is a Monday), and months apart.
	add("old", utcAt(1969, 12, 28, 12, 0), "3.00")
	add("old", utcAt(1969, 12, 29, 12, 0), "4.00")
	add("old", utcAt(1970, 1, 4, 12, 0), "5.00")
	add("old", utcAt(2023, 12, 31, 12, 0), "6.00")
	add("old", utcAt(2024, 2, 29, 12, 0), "7.00")
	// Only after the calibration end of 2024-02-15: no calibration history.
	add("late", utcAt(2024, 2, 20, 0, 0), "8.00")
	add("late", utcAt(2024, 3, 20, 0, 0), "8.00")
	// Many customers share a history: one cell with a count.
	for i := range 5 {
		add("twin-"+strconv.Itoa(i), utcAt(2024, 1, 1, 10, i), "10.00")
		add("twin-"+strconv.Itoa(i), utcAt(2024, 1, 15, 10, i), "20.00")
	}
	// Rows the database can hold and a transaction cannot: NULL customer, time, amount.
	c, at, a := "nulls", utcAt(2024, 1, 3, 0, 0), decimal.RequireFromString("1.00")
	rows = append(rows, orderRow{at: &at, amount: &a}, orderRow{customer: &c, amount: &a}, orderRow{customer: &c, at: &at})
	return rows
}

// TestSegmentSummaryCellsEdges checks a table worked by hand, held in timestamptz,
// timestamp and date columns, under every combination of periods, with calendars in
// other zones and ends between microseconds: the cells equal the in-memory summary's.
func TestSegmentSummaryCellsEdges(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate)
	ctx := t.Context()
	rows := edgeRows()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	newYork, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	end := utcAt(2024, 3, 31, 12, 0)
	cal := utcAt(2024, 2, 15, 0, 0)

	options := map[string]segment.Options{
		"days":                        {ObservationEnd: end},
		"weeks with calibration":      {Period: segment.Week, ObservationEnd: end, CalibrationEnd: cal},
		"calendar weeks":              {Period: segment.Week, Collapse: segment.Week, ObservationEnd: end},
		"calendar months":             {Period: segment.Month, Collapse: segment.Month, ObservationEnd: end},
		"months of days":              {Period: segment.Month, ObservationEnd: end},
		"weeks of months":             {Period: segment.Week, Collapse: segment.Month, ObservationEnd: end},
		"days of weeks":               {Collapse: segment.Week, ObservationEnd: end},
		"Shanghai":                    {ObservationEnd: end, Location: shanghai},
		"New York weeks":              {Period: segment.Week, Collapse: segment.Week, ObservationEnd: end, Location: newYork},
		"New York months":             {Period: segment.Month, Collapse: segment.Month, ObservationEnd: end, CalibrationEnd: cal, Location: newYork},
		"end between microseconds":    {ObservationEnd: end.Add(500 * time.Nanosecond)},
		"end in its own zone":         {ObservationEnd: time.Date(2024, 4, 1, 2, 0, 0, 0, time.FixedZone("UTC+8", 8*3600))},
		"calibration in its own zone": {Period: segment.Week, ObservationEnd: end, CalibrationEnd: time.Date(2024, 2, 15, 7, 0, 0, 0, time.FixedZone("UTC+8", 8*3600))},
		"UTC location":                {ObservationEnd: end, Location: time.UTC},
	}
	for _, atType := range []string{"timestamptz", "timestamp", "date"} {
		table := "edge orders " + atType // a name that needs quoting
		createOrders(t, pool, table, "text", atType, rows)
		var txns []segment.Transaction
		for _, r := range rows {
			if tx, ok := readBack(r, atType); ok {
				txns = append(txns, tx)
			}
		}
		src := postgres.OrdersTable{Table: table, Customer: "customer", At: "ordered_at", Amount: "amount"}
		for name, opts := range options {
			t.Run(atType+"/"+name, func(t *testing.T) {
				want, _ := memoryCells(t, txns, opts)
				got, err := postgres.SummaryCells(ctx, pool, src, opts)
				require.NoError(t, err)
				assert.Equal(t, want, got)
			})
		}
	}

	// The rules by hand, for the timestamptz table in days.
	got, err := postgres.SummaryCells(ctx, pool, postgres.OrdersTable{Table: "edge orders timestamptz", Customer: "customer", At: "ordered_at", Amount: "amount"},
		segment.Options{ObservationEnd: end})
	require.NoError(t, err)
	rf := func(x int, tx, T float64) float64 {
		for _, c := range got.RF {
			if c.Frequency == x && c.Recency == tx && c.T == T {
				return c.Weight
			}
		}
		return 0
	}
	assert.Equal(t, 1.0, rf(1, 27, 86), "same-day: 01-05 (two orders) and 02-01 (two orders), 86 days to 03-31")
	assert.Equal(t, 1.0, rf(1, 30, 30), "at-end: 03-01 and the order at the end itself")
	assert.Equal(t, 1.0, rf(0, 0, 29), "after-end: only 03-02 counts")
	assert.Equal(t, 5.0, rf(1, 14, 90), "the five twins share one cell")
	assert.Equal(t, 2, got.ZeroSpend, "zero-repeats, and rounds-to-zero: 0.000000499999999999 is 0.000000")
	spend := func(x int, m float64) float64 {
		for _, c := range got.Spend {
			if c.Frequency == x && c.Mean == m {
				return c.Weight
			}
		}
		return 0
	}
	assert.Equal(t, 1.0, spend(1, 10), "same-day: 7.50 + 2.50")
	assert.Equal(t, 1.0, spend(3, 1.333333), "thirds: 4/3")
	assert.Equal(t, 2.0, spend(1, 0.000001), "half and below-half")
	assert.Equal(t, 1.0, spend(1, 0.000002), "above-half")
	assert.Equal(t, 1.0, spend(2, 500000000000000000000000000000.00000000000000000), "range: (1e-18 + 999…9.99)/2")
}

// TestSegmentSummaryCellsHostTx runs the query in a host's transaction, which sees its
// own uncommitted rows, and over a table and columns whose names need quoting.
func TestSegmentSummaryCellsHostTx(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate)
	ctx := t.Context()
	var schema string
	require.NoError(t, pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema))
	table := pgx.Identifier{schema, "Orders; DROP TABLE x"}.Sanitize()
	_, err := pool.Exec(ctx, "CREATE TABLE "+table+` ("Client" uuid, "At ""UTC""" timestamptz, "Total" bigint)`)
	require.NoError(t, err)
	src := postgres.OrdersTable{Schema: schema, Table: "Orders; DROP TABLE x", Customer: "Client", At: `At "UTC"`, Amount: "Total"}
	end := utcAt(2024, 3, 31, 0, 0)

	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(context.Background()) }()
	_, err = tx.Exec(ctx, "INSERT INTO "+table+` VALUES
		('0190a0a0-0000-7000-8000-000000000001', '2024-01-01T10:00:00Z', 7),
		('0190a0a0-0000-7000-8000-000000000001', '2024-01-08T10:00:00Z', 3),
		('0190a0a0-0000-7000-8000-000000000002', '2024-03-01T10:00:00Z', 5)`)
	require.NoError(t, err)

	got, err := postgres.SummaryCells(ctx, tx, src, segment.Options{Period: segment.Week, ObservationEnd: end})
	require.NoError(t, err)
	assert.Equal(t, []segment.RFCell{{Frequency: 0, Recency: 0, T: 30.0 / 7, Weight: 1}, {Frequency: 1, Recency: 1, T: 90.0 / 7, Weight: 1}}, got.RF)
	assert.Equal(t, []segment.SpendCell{{Frequency: 1, Mean: 3, Weight: 1}}, got.Spend)

	outside, err := postgres.SummaryCells(ctx, pool, src, segment.Options{Period: segment.Week, ObservationEnd: end})
	require.NoError(t, err)
	assert.Empty(t, outside.RF, "the rows are the transaction's until it commits")
	assert.Empty(t, outside.Spend)

	q, args, err := postgres.SummaryCellsSQL(ctx, tx, src, segment.Options{ObservationEnd: end})
	require.NoError(t, err)
	assert.Contains(t, q, "FROM "+table)
	assert.Contains(t, q, `"At ""UTC""" <= CAST($2 AS TIMESTAMPTZ)`)
	assert.Contains(t, q, "GROUP BY GROUPING SETS ((x, recency, age), (x, repeat_spend))")
	assert.Len(t, args, 3, "the zone, the end of the window, the end's period")
}

// TestSegmentSummaryCellsStatementNames runs the statement over a table named like one of
// its own steps, with columns named like its aliases, each in another role.
func TestSegmentSummaryCellsStatementNames(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate)
	ctx := t.Context()
	_, err := pool.Exec(ctx, `CREATE TABLE orders (amount text, customer timestamptz, order_day numeric, p int, x int);
		INSERT INTO orders VALUES ('a', '2024-01-01T00:00:00Z', 5, 1, 1), ('a', '2024-01-03T00:00:00Z', 7, 1, 1),
		                          ('b', '2024-01-02T00:00:00Z', 1, 1, 1)`)
	require.NoError(t, err)
	opts := segment.Options{ObservationEnd: utcAt(2024, 1, 10, 0, 0)}
	got, err := postgres.SummaryCells(ctx, pool, postgres.OrdersTable{Table: "orders", Customer: "amount", At: "customer", Amount: "order_day"}, opts)
	require.NoError(t, err)
	assert.Equal(t, []segment.RFCell{{Frequency: 0, Recency: 0, T: 8, Weight: 1}, {Frequency: 1, Recency: 2, T: 9, Weight: 1}}, got.RF)
	assert.Equal(t, []segment.SpendCell{{Frequency: 1, Mean: 7, Weight: 1}}, got.Spend)
}

// TestSegmentSummaryCellsREADME checks that the statement the README shows is the one
// SummaryCellsSQL returns for its example.
func TestSegmentSummaryCellsREADME(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate)
	ctx := t.Context()
	_, err := pool.Exec(ctx, "CREATE TABLE orders (customer_id bigint, ordered_at timestamptz, total numeric(12,2))")
	require.NoError(t, err)
	var schema string
	require.NoError(t, pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema))
	q, _, err := postgres.SummaryCellsSQL(ctx, pool, postgres.OrdersTable{Schema: schema, Table: "orders", Customer: "customer_id", At: "ordered_at", Amount: "total"},
		segment.Options{Period: segment.Week, ObservationEnd: utcAt(2024, 12, 31, 0, 0)})
	require.NoError(t, err)
	q = strings.Replace(q, pgx.Identifier{schema, "orders"}.Sanitize(), `"shop"."orders"`, 1)

	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(readme), "```sql\nWITH orders AS (")
	require.True(t, ok, "the README shows the statement")
	block, _, ok = strings.Cut(block, "\n```")
	require.True(t, ok)
	assert.Equal(t, q, "WITH orders AS ("+block)
}

// TestSegmentSummaryCellsInvalid checks that bad names, tables, columns, types and
// options are validation errors naming the field and the rule, all at once where they
// can be, and that nothing reaches the database unquoted.
func TestSegmentSummaryCellsInvalid(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate)
	ctx := t.Context()
	_, err := pool.Exec(ctx, `CREATE TABLE typed (customer text, at_text text, at_tz timestamptz, amount_float double precision, amount numeric)`)
	require.NoError(t, err)
	end := utcAt(2024, 3, 31, 0, 0)
	good := postgres.OrdersTable{Table: "typed", Customer: "customer", At: "at_tz", Amount: "amount"}
	with := func(f func(*postgres.OrdersTable)) postgres.OrdersTable {
		src := good
		f(&src)
		return src
	}
	for _, tc := range []struct {
		name  string
		src   postgres.OrdersTable
		opts  segment.Options
		wants [][2]string // field, rule
	}{
		{"no names", postgres.OrdersTable{}, segment.Options{ObservationEnd: end},
			[][2]string{{"orders.table", "required"}, {"orders.customer", "required"}, {"orders.at", "required"}, {"orders.amount", "required"}}},
		{"NUL in a name", with(func(s *postgres.OrdersTable) { s.Amount = "amount\x00; DROP TABLE typed" }), segment.Options{ObservationEnd: end},
			[][2]string{{"orders.amount", "format"}}},
		{"bad options", good, segment.Options{Period: "year", Collapse: "hour"},
			[][2]string{{"options.period", "enum"}, {"options.collapse", "enum"}, {"options.observation_end", "required"}}},
		{"calibration after the end", good, segment.Options{ObservationEnd: end, CalibrationEnd: end.Add(time.Hour)},
			[][2]string{{"options.calibration_end", "range"}}},
		{"the process's zone", good, segment.Options{ObservationEnd: end, Location: time.Local},
			[][2]string{{"options.location", "unknown_zone"}}},
		{"a zone the database names otherwise", good, segment.Options{ObservationEnd: end, Location: time.FixedZone("CST", 8*3600)},
			[][2]string{{"options.location", "unknown_zone"}}},
		{"a zone without a name", good, segment.Options{ObservationEnd: end, Location: time.FixedZone("", 3600)},
			[][2]string{{"options.location", "unknown_zone"}}},
		{"a zone the database does not know", good, segment.Options{ObservationEnd: end, Location: time.FixedZone("Nowhere/Atlantis", 3600)},
			[][2]string{{"options.location", "unknown_zone"}}},
		{"no such table", with(func(s *postgres.OrdersTable) { s.Table = `typed"; DROP TABLE typed; --` }), segment.Options{ObservationEnd: end},
			[][2]string{{"orders.table", "unknown_table"}}},
		{"no such schema", with(func(s *postgres.OrdersTable) { s.Schema = "elsewhere" }), segment.Options{ObservationEnd: end},
			[][2]string{{"orders.table", "unknown_table"}}},
		{"case counts", with(func(s *postgres.OrdersTable) { s.Table = "Typed" }), segment.Options{ObservationEnd: end},
			[][2]string{{"orders.table", "unknown_table"}}},
		{"no such columns", with(func(s *postgres.OrdersTable) { s.Customer, s.At = "client", "AT_TZ" }), segment.Options{ObservationEnd: end},
			[][2]string{{"orders.customer", "unknown_column"}, {"orders.at", "unknown_column"}}},
		{"wrong types", with(func(s *postgres.OrdersTable) { s.At, s.Amount = "at_text", "amount_float" }), segment.Options{ObservationEnd: end},
			[][2]string{{"orders.at", "type"}, {"orders.amount", "type"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := postgres.SummaryCells(ctx, pool, tc.src, tc.opts)
			require.Error(t, err)
			require.ErrorIs(t, err, kehu.ErrInvalid)
			var verr *kehu.ValidationError
			require.True(t, errors.As(err, &verr), "%v", err)
			for _, w := range tc.wants {
				assert.True(t, verr.Has(w[0], w[1]), "want %s (%s) in %v", w[0], w[1], err)
			}
			assert.Len(t, verr.Fields, len(tc.wants), "%v", err)
			_, _, errSQL := postgres.SummaryCellsSQL(ctx, pool, tc.src, tc.opts)
			assert.Equal(t, err.Error(), errSQL.Error())
		})
	}
	var exists bool
	require.NoError(t, pool.QueryRow(ctx, "SELECT to_regclass('typed') IS NOT NULL").Scan(&exists))
	assert.True(t, exists, "the table survived every name")

	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := postgres.SummaryCells(cctx, pool, good, segment.Options{ObservationEnd: end})
		assert.ErrorIs(t, err, context.Canceled)
	})
}
