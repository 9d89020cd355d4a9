package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/segment"
)

// OrdersTable names a host's table (or view) of orders, one row per order, for
// SummaryCells. Each name is an identifier exactly as the database spells it (case
// counts, no quotes): it is quoted in the statement, never spliced into it.
type OrdersTable struct {
	// Schema is the table's schema; empty means the connection's search_path.
	Schema string
	// Table is the table or view; required.
	Table string
	// Customer is the column that identifies the customer, of any type that compares
	// with =; required. Rows where it is NULL, or an empty string, are left out.
	Customer string
	// At is the column of the order's time, required: timestamptz, or timestamp or date,
	// which are read as UTC wall-clock times (as pgx reads them). A date column holds
	// days already: leave Options.Location nil for it, since on another calendar its
	// midnight UTC may fall on the day before.
	At string
	// Amount is the column of the order's total, required: numeric or an integer type
	// (amounts are exact).
	Amount string
}

// Cells are the grouped purchase histories of a table of orders: what segment's fits
// read, computed in the database.
type Cells struct {
	// RF holds one cell per distinct history (x, t_x, T), its Weight the number of
	// customers, sorted by x, t_x and T: what segment.GroupSummaries returns for the
	// in-memory summaries, and what FitBGNBDCells, FitMBGNBDCells and FitParetoNBDCells
	// read.
	RF []segment.RFCell
	// Spend holds one cell per distinct (x, mean repeat spend) of the repeat customers
	// (x ≥ 1), sorted by x and mean: what segment.GroupSpend returns, and what
	// FitGammaGammaCells reads. The mean is Summary.Monetary, rounded to
	// segment.MonetaryPlaces places, as a float64.
	Spend []segment.SpendCell
	// ZeroSpend is the number of repeat customers whose mean repeat spend is zero: their
	// repeat purchases are all of zero amount, or their mean rounds to zero. The
	// Gamma-Gamma model cannot read a mean spend of zero, so they are in RF but not in
	// Spend (segment.GroupSpend refuses such summaries).
	ZeroSpend int
}

// SummaryCells computes, inside the database, the customer histories that
// segment.Summarize would compute from the orders of src with the same options, grouped
// into cells, so that only the distinct cells leave the database. The definitions are
// Summarize's (see segment.Options): purchases of a customer in one Collapse period merge
// into one purchase; x counts the purchase periods after the first; t_x and T are the
// distances from the first period to the last and to the period of the observation end
// (of the calibration end, when one is set), in Period units; the mean repeat spend is
// the mean of the merged purchases after the first, rounded half away from zero to
// segment.MonetaryPlaces places. RF equals segment.GroupSummaries of those summaries,
// and Spend segment.GroupSpend (less the ZeroSpend customers), value for value.
//
// Orders that segment.SummarizeReport would refuse are left out: a NULL or empty
// customer, a NULL time or amount, a negative amount, an amount outside
// segment.AmountInRange, and a time after the observation end (after the calibration end,
// when one is set: the holdout period is not part of the cells, and a customer who
// bought only in it has no cell).
//
// Days are counted on the calendar of opts.Location, which the database must know by
// the same name (time.LoadLocation's): a zone PostgreSQL does not know, or whose UTC
// offset at the end of the window differs from Go's, is a *kehu.ValidationError
// ("options.location", "unknown_zone"). With a nil Location an order's day is its UTC
// date (what Summarize takes for the order read back in UTC, as pgx reads timestamp and
// date values), and the end's day its date in its own location, as in Summarize.
//
// Bad names, a missing table or column, a column of another type, and invalid options
// are a *kehu.ValidationError naming every problem ("orders.at", "type"). The statement
// is the one SummaryCellsSQL returns; it reads the table in one pass and runs within db,
// so over a host's pgx.Tx it sees the transaction's snapshot.
func SummaryCells(ctx context.Context, db DB, src OrdersTable, opts segment.Options) (*Cells, error) {
	p, err := planCells(ctx, db, src, opts)
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, p.sql, p.args...)
	if err != nil {
		return nil, dbError("summary cells", err)
	}
	defer rows.Close()
	type rfKey struct {
		x     int
		tx, T float64
	}
	type spendKey struct {
		x int
		m float64
	}
	rf := map[rfKey]int{}
	spend := map[spendKey]int{}
	out := &Cells{RF: []segment.RFCell{}, Spend: []segment.SpendCell{}}
	for rows.Next() {
		var (
			isRF         bool
			x, n         int64
			recency, age *int64
			repeatSpend  pgtype.Numeric
		)
		if err := rows.Scan(&isRF, &x, &recency, &age, &repeatSpend, &n); err != nil {
			return nil, dbError("summary cells", err)
		}
		if isRF {
			if recency == nil || age == nil {
				return nil, fmt.Errorf("postgres: summary cells: a history cell without recency or age")
			}
			// Distinct distances give distinct floats in any real window; merging on the
			// float key keeps the cells exactly GroupSummaries' even where they would not.
			k := rfKey{int(x), p.units(*recency), p.units(*age)}
			if i, ok := rf[k]; ok {
				out.RF[i].Weight += float64(n)
				continue
			}
			rf[k] = len(out.RF)
			out.RF = append(out.RF, segment.RFCell{Frequency: k.x, Recency: k.tx, T: k.T, Weight: float64(n)})
			continue
		}
		if x <= 0 || !repeatSpend.Valid || repeatSpend.Int == nil || repeatSpend.NaN || repeatSpend.InfinityModifier != pgtype.Finite {
			return nil, fmt.Errorf("postgres: summary cells: a spend cell without repeat purchases or a finite spend")
		}
		// Summary.Monetary, rounded as segment rounds it, read as segment.GroupSpend reads it.
		m := decimal.NewFromBigInt(repeatSpend.Int, repeatSpend.Exp).
			DivRound(decimal.NewFromInt(x), segment.MonetaryPlaces).InexactFloat64()
		if !(m > 0) {
			out.ZeroSpend += int(n)
			continue
		}
		k := spendKey{int(x), m}
		if i, ok := spend[k]; ok {
			out.Spend[i].Weight += float64(n)
			continue
		}
		spend[k] = len(out.Spend)
		out.Spend = append(out.Spend, segment.SpendCell{Frequency: k.x, Mean: m, Weight: float64(n)})
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("summary cells", err)
	}
	slices.SortFunc(out.RF, func(a, b segment.RFCell) int {
		return cmp.Or(cmp.Compare(a.Frequency, b.Frequency), cmp.Compare(a.Recency, b.Recency), cmp.Compare(a.T, b.T))
	})
	slices.SortFunc(out.Spend, func(a, b segment.SpendCell) int {
		return cmp.Or(cmp.Compare(a.Frequency, b.Frequency), cmp.Compare(a.Mean, b.Mean))
	})
	return out, nil
}

// SummaryCellsSQL returns the statement SummaryCells runs for src and opts, and its
// arguments, for a host that wants to read its plan (EXPLAIN) or port it to another
// database. It checks src and opts as SummaryCells does, reading the columns' types from
// the catalog, since the statement depends on the type of the time column.
//
// Each result row is a cell of one of two groupings: rf true for a history cell (x,
// recency, age, customers), false for a spend cell (x, repeat_spend, customers) of repeat
// customers. Recency and age are whole numbers of days, or of calendar months when
// Collapse and Period are both Month; SummaryCells turns them into Period units as
// Summarize does (days ÷ 7 for weeks, days ÷ 365.2425/12 for months). repeat_spend is the
// exact sum of the repeat purchases; SummaryCells divides it by x and rounds it as
// Summarize does, then merges the cells whose means are equal. The statement itself does
// no division and no rounding, so that it gives the same cells in any SQL dialect with
// exact decimals.
func SummaryCellsSQL(ctx context.Context, db DB, src OrdersTable, opts segment.Options) (string, []any, error) {
	p, err := planCells(ctx, db, src, opts)
	if err != nil {
		return "", nil, err
	}
	return p.sql, p.args, nil
}

// cellsPlan is a checked cell statement and what reading its results needs.
type cellsPlan struct {
	sql  string
	args []any
	o    segment.Options // with Period and Collapse filled in
}

// units turns a distance of the statement (days, or months when Collapse and Period are
// both Month) into Period units exactly as segment's summary does, so that the floats
// are the same to the bit.
func (p *cellsPlan) units(d int64) float64 {
	if p.o.Collapse == p.o.Period {
		if p.o.Period == segment.Week {
			return float64(d / 7) // days between Mondays
		}
		return float64(d)
	}
	return float64(d) / periodDays(p.o.Period)
}

// periodDays is the length of a Period in days when Collapse is another unit: segment's
// definition (7 for a week, the average Gregorian month for a month).
func periodDays(p segment.Period) float64 {
	switch p {
	case segment.Week:
		return 7
	case segment.Month:
		return 365.2425 / 12
	}
	return 1
}

// Column kinds of an orders table.
type timeKind int

const (
	timeTZ    timeKind = iota // timestamptz
	timeNaive                 // timestamp (without time zone), read as UTC
	timeDate                  // date, read as midnight UTC
)

// orderColumns is what the catalog says about an orders table's columns.
type orderColumns struct {
	at             timeKind
	numeric        bool // the amount is numeric (not an integer type)
	customerIsText bool // the customer column is of a string type
}

// planCells checks src and opts, reads the columns' types and builds the statement.
func planCells(ctx context.Context, db DB, src OrdersTable, opts segment.Options) (*cellsPlan, error) {
	var p kehu.Problems
	for _, f := range []struct{ field, name string }{
		{"orders.schema", src.Schema}, {"orders.table", src.Table}, {"orders.customer", src.Customer},
		{"orders.at", src.At}, {"orders.amount", src.Amount},
	} {
		switch {
		case f.name == "" && f.field != "orders.schema":
			p.Add(f.field, "required", "is empty")
		case strings.ContainsRune(f.name, 0):
			p.Add(f.field, "format", "contains a NUL character")
		}
	}
	// The options are checked by segment itself, so that they mean here exactly what they
	// mean to Summarize: an empty sequence only resolves them.
	if _, err := segment.SummarizeReport(nil, opts); err != nil {
		p.Merge("options", err)
	}
	o := opts
	if o.Period == "" {
		o.Period = segment.Day
	}
	if o.Collapse == "" {
		o.Collapse = segment.Day
	}
	zone := "UTC"
	if o.Location != nil {
		zone = o.Location.String()
		switch zone {
		case "Local":
			p.Add("options.location", "unknown_zone", "the process's Local zone has no name the database knows; use time.LoadLocation")
		case "":
			p.Add("options.location", "unknown_zone", "the zone has no name")
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	cutoff := o.ObservationEnd
	if !o.CalibrationEnd.IsZero() {
		cutoff = o.CalibrationEnd
	}
	// The database keeps microseconds: an order at or before cutoff is one at or before
	// cutoff rounded down to the microsecond.
	cutoff = cutoff.Truncate(time.Microsecond)

	cols, err := readOrderColumns(ctx, db, src)
	if err != nil {
		return nil, err
	}
	if o.Location != nil && o.Location != time.UTC {
		if err := checkZone(ctx, db, zone, o.Location, cutoff); err != nil {
			return nil, err
		}
	}
	plan := &cellsPlan{o: o}
	plan.sql = plan.build(src, cols, zone, cutoff, endPeriod(o, cutoff))
	return plan, nil
}

// readOrderColumns finds src's table and columns in the catalog and checks their types.
func readOrderColumns(ctx context.Context, db DB, src OrdersTable) (orderColumns, error) {
	table := pgx.Identifier{src.Table}
	if src.Schema != "" {
		table = pgx.Identifier{src.Schema, src.Table}
	}
	const q = `SELECT r.rel IS NOT NULL, a.attname, a.atttypid, t.typcategory = 'S',
       format_type(a.atttypid, a.atttypmod)
FROM (SELECT to_regclass($1) AS rel) AS r
LEFT JOIN pg_attribute AS a
       ON a.attrelid = r.rel AND a.attnum > 0 AND NOT a.attisdropped AND a.attname = ANY($2)
LEFT JOIN pg_type AS t ON t.oid = a.atttypid`
	rows, err := db.Query(ctx, q, table.Sanitize(), []string{src.Customer, src.At, src.Amount})
	if err != nil {
		return orderColumns{}, dbError("summary cells: read the orders table", err)
	}
	defer rows.Close()
	type column struct {
		oid    uint32
		isText bool
		typ    string
	}
	found := map[string]column{}
	exists := false
	for rows.Next() {
		var (
			name, typ *string
			oid       *uint32
			isText    *bool
		)
		if err := rows.Scan(&exists, &name, &oid, &isText, &typ); err != nil {
			return orderColumns{}, dbError("summary cells: read the orders table", err)
		}
		if name != nil {
			found[*name] = column{oid: *oid, isText: *isText, typ: *typ}
		}
	}
	if err := rows.Err(); err != nil {
		return orderColumns{}, dbError("summary cells: read the orders table", err)
	}
	if !exists {
		return orderColumns{}, kehu.Invalid("orders.table", "unknown_table", fmt.Sprintf("%s is not a table or view the connection can see", table.Sanitize()))
	}
	var (
		p    kehu.Problems
		cols orderColumns
	)
	col := func(field, name string) (column, bool) {
		c, ok := found[name]
		if !ok {
			p.Addf(field, "unknown_column", "%s has no column %s", table.Sanitize(), pgx.Identifier{name}.Sanitize())
		}
		return c, ok
	}
	if c, ok := col("orders.customer", src.Customer); ok {
		cols.customerIsText = c.isText
	}
	if c, ok := col("orders.at", src.At); ok {
		switch c.oid {
		case pgtype.TimestamptzOID:
			cols.at = timeTZ
		case pgtype.TimestampOID:
			cols.at = timeNaive
		case pgtype.DateOID:
			cols.at = timeDate
		default:
			p.Addf("orders.at", "type", "column %s is %s, not timestamptz, timestamp or date", pgx.Identifier{src.At}.Sanitize(), c.typ)
		}
	}
	if c, ok := col("orders.amount", src.Amount); ok {
		switch c.oid {
		case pgtype.NumericOID:
			cols.numeric = true
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		default:
			p.Addf("orders.amount", "type", "column %s is %s, not numeric or an integer type", pgx.Identifier{src.Amount}.Sanitize(), c.typ)
		}
	}
	return cols, p.Err()
}

// checkZone makes sure that the database knows zone and agrees with loc on its UTC
// offset at t, so that both count days on the same calendar.
func checkZone(ctx context.Context, db DB, zone string, loc *time.Location, t time.Time) error {
	var offset float64
	err := db.QueryRow(ctx, `SELECT EXTRACT(EPOCH FROM (CAST($1 AS TIMESTAMPTZ) AT TIME ZONE $2)
	- (CAST($1 AS TIMESTAMPTZ) AT TIME ZONE 'UTC'))`, t, zone).Scan(&offset)
	if pgCode(err) == "22023" { // invalid_parameter_value: time zone not recognised
		return kehu.Invalid("options.location", "unknown_zone", fmt.Sprintf("the database does not know the zone %q", zone))
	}
	if err != nil {
		return dbError("summary cells: check the zone", err)
	}
	if _, want := t.In(loc).Zone(); offset != float64(want) {
		return kehu.Invalid("options.location", "unknown_zone", fmt.Sprintf("the database puts %q at UTC%+gs at %s, Go at UTC%+ds: they name different zones",
			zone, offset, t.UTC().Format(time.RFC3339), want))
	}
	return nil
}

// endPeriod is the statement's period number of the period that holds t, by Summarize's
// rule for the end's day: its date on Location, or in its own location when Location is
// nil.
func endPeriod(o segment.Options, t time.Time) int64 {
	if o.Location != nil {
		t = t.In(o.Location)
	}
	y, m, d := t.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	switch o.Collapse {
	case segment.Week:
		return day - int64((t.Weekday()+6)%7) // back to Monday
	case segment.Month:
		if o.Period == segment.Month {
			return int64(y)*12 + int64(m) - 1
		}
		return day - int64(d-1)
	}
	return day
}

// build writes the statement; its arguments go to p.args.
func (p *cellsPlan) build(src OrdersTable, cols orderColumns, zone string, cutoff time.Time, endP int64) string {
	arg := func(v any, typ string) string {
		p.args = append(p.args, v)
		return fmt.Sprintf("CAST($%d AS %s)", len(p.args), typ)
	}
	table := pgx.Identifier{src.Table}
	if src.Schema != "" {
		table = pgx.Identifier{src.Schema, src.Table}
	}
	customer := pgx.Identifier{src.Customer}.Sanitize()
	at := pgx.Identifier{src.At}.Sanitize()
	amount := pgx.Identifier{src.Amount}.Sanitize()

	// The order's calendar day, and the window's bound in the column's own type (so that
	// an index on the column serves it).
	var day, bound string
	utc := zone == "UTC"
	switch cols.at {
	case timeTZ:
		day = fmt.Sprintf("CAST(%s AT TIME ZONE %s AS DATE)", at, arg(zone, "TEXT"))
		bound = fmt.Sprintf("%s <= %s", at, arg(cutoff, "TIMESTAMPTZ"))
	case timeNaive:
		if utc {
			day = fmt.Sprintf("CAST(%s AS DATE)", at)
		} else {
			day = fmt.Sprintf("CAST((%s AT TIME ZONE 'UTC') AT TIME ZONE %s AS DATE)", at, arg(zone, "TEXT"))
		}
		bound = fmt.Sprintf("%s <= CAST(%s AT TIME ZONE 'UTC' AS TIMESTAMP)", at, arg(cutoff, "TIMESTAMPTZ"))
	case timeDate:
		if utc {
			day = at
		} else {
			day = fmt.Sprintf("CAST((CAST(%s AS TIMESTAMP) AT TIME ZONE 'UTC') AT TIME ZONE %s AS DATE)", at, arg(zone, "TEXT"))
		}
		bound = fmt.Sprintf("%s <= CAST(%s AT TIME ZONE 'UTC' AS DATE)", at, arg(cutoff, "TIMESTAMPTZ"))
	}
	where := []string{bound, customer + " IS NOT NULL"}
	if cols.customerIsText {
		where = append(where, customer+" <> ''")
	}
	where = append(where, amount+" >= 0")
	if cols.numeric {
		// segment.AmountInRange: at most 30 digits before the point, 18 after.
		where = append(where, amount+" < 1e30", "scale("+amount+") <= 18")
	}

	// The period number: a day's number (days since 1970-01-01), the number of the day
	// that starts its week (Monday) or month, or, when Collapse and Period are both
	// Month, the month's number, year·12 + month − 1. Distances between period numbers
	// are then days, or months.
	var period string
	switch {
	case p.o.Collapse == segment.Week:
		period = "(order_day - DATE '1970-01-01') - (CAST(EXTRACT(ISODOW FROM order_day) AS INTEGER) - 1)"
	case p.o.Collapse == segment.Month && p.o.Period == segment.Month:
		period = "CAST(EXTRACT(YEAR FROM order_day) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM order_day) AS INTEGER) - 1"
	case p.o.Collapse == segment.Month:
		period = "(order_day - DATE '1970-01-01') - (CAST(EXTRACT(DAY FROM order_day) AS INTEGER) - 1)"
	default:
		period = "order_day - DATE '1970-01-01'"
	}

	return fmt.Sprintf(`WITH orders AS (    -- the orders in the window, each on its calendar day
	SELECT %[1]s AS customer, %[2]s AS order_day, %[3]s AS amount
	FROM %[4]s
	WHERE %[5]s
), periods AS (     -- each order's purchase period, and the customer's first
	SELECT customer, p, amount, MIN(p) OVER (PARTITION BY customer) AS first_p
	FROM (SELECT customer, %[6]s AS p, amount FROM orders) AS o
), customers AS (   -- one row per customer; orders in one period are one purchase
	SELECT COUNT(DISTINCT p) - 1 AS x,
	       MAX(p) - MIN(p) AS recency,
	       %[7]s - MIN(p) AS age,
	       CAST(SUM(CASE WHEN p > first_p THEN amount ELSE 0 END) AS NUMERIC) AS repeat_spend
	FROM periods
	GROUP BY customer
)
SELECT GROUPING(repeat_spend) = 1 AS rf, x, recency, age, repeat_spend, COUNT(*) AS customers
FROM customers
GROUP BY GROUPING SETS ((x, recency, age), (x, repeat_spend))
HAVING GROUPING(repeat_spend) = 1 OR x > 0`,
		customer, day, amount, table.Sanitize(), strings.Join(where, "\n	  AND "), period, arg(endP, "BIGINT"))
}
