package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kehu-crm/kehu/loyalty"
)

var _ loyalty.Totals = (*LoyaltyStore)(nil)

// lySQLOutstanding sums, per point type, what the programme's accounts hold at $2 (a whole
// microsecond), as Account.BalanceAt counts it: per account, available is what its lots
// spendable at $2 hold less its debt, pending what its lots still pending at $2 hold; lots
// past their expiry at $2 count for neither. Internal accounts (a point type starting
// with "$", see loyalty.IsInternalAccount) are left out. The sums are numeric: the caller
// checks that they fit an int64.
const lySQLOutstanding = `SELECT t.point_type, sum(GREATEST(t.available - t.debt, 0)), sum(t.pending), sum(t.debt)
FROM (
    SELECT a.point_type, a.debt,
           COALESCE(sum(l.remaining) FILTER (WHERE l.available_at <= $2), 0) AS available,
           COALESCE(sum(l.remaining) FILTER (WHERE l.available_at > $2), 0) AS pending
    FROM loyalty_accounts a
    LEFT JOIN loyalty_lots l
      ON l.program = a.program AND l.customer = a.customer AND l.point_type = a.point_type
     AND l.remaining > 0 AND (l.expires_at IS NULL OR l.expires_at > $2)
    WHERE a.program = $1 AND a.version > 0 AND a.point_type NOT LIKE '$%'
    GROUP BY a.program, a.customer, a.point_type
) t
GROUP BY t.point_type
ORDER BY t.point_type`

// lySQLFlows sums, per point type, the points of the programme's earn entries and of its
// expiry entries with $2 ≤ at < $3, internal accounts left out.
const lySQLFlows = `SELECT point_type,
       COALESCE(sum(points) FILTER (WHERE kind = 'earn'), 0),
       COALESCE(-sum(points) FILTER (WHERE kind = 'expire'), 0)
FROM loyalty_entries
WHERE program = $1 AND at >= $2 AND at < $3 AND kind IN ('earn', 'expire') AND point_type NOT LIKE '$%'
GROUP BY point_type
ORDER BY point_type`

// Outstanding implements loyalty.Totals with one aggregate over the programme's accounts
// and their open lots.
func (s *LoyaltyStore) Outstanding(ctx context.Context, program string, asOf time.Time) ([]loyalty.Outstanding, error) {
	// Expired(t) ⇔ t ≥ expires_at and Pending(t) ⇔ t < available_at: for whole-microsecond
	// columns the same as for floorMicro(t) (see instant.go).
	rows, err := s.db.Query(ctx, lySQLOutstanding, program, floorMicro(asOf))
	if err != nil {
		return nil, dbError("outstanding", err)
	}
	var out []loyalty.Outstanding
	err = lyCollectSums(rows, "outstanding", func(pt string, sums []int64) {
		out = append(out, loyalty.Outstanding{PointType: pt, Available: sums[0], Pending: sums[1], Debt: sums[2]})
	}, 3)
	return out, err
}

// Flows implements loyalty.Totals with one aggregate over the programme's entries of the
// period.
func (s *LoyaltyStore) Flows(ctx context.Context, program string, from, to time.Time) ([]loyalty.Flow, error) {
	// Bounds are moved to whole microseconds (see ceilMicro), so they compare exactly.
	rows, err := s.db.Query(ctx, lySQLFlows, program, ceilMicro(from), ceilMicro(to))
	if err != nil {
		return nil, dbError("flows", err)
	}
	var out []loyalty.Flow
	err = lyCollectSums(rows, "flows", func(pt string, sums []int64) {
		out = append(out, loyalty.Flow{PointType: pt, Earned: sums[0], Expired: sums[1]})
	}, 2)
	return out, err
}

// lyCollectSums calls f with the point type and the n numeric sums of each row, each
// checked to fit an int64, and closes rows.
func lyCollectSums(rows pgx.Rows, op string, f func(pointType string, sums []int64), n int) error {
	defer rows.Close()
	var pt string
	nums := make([]pgtype.Numeric, n)
	dst := []any{&pt}
	for i := range nums {
		dst = append(dst, &nums[i])
	}
	sums := make([]int64, n)
	for rows.Next() {
		if err := rows.Scan(dst...); err != nil {
			return dbError(op, err)
		}
		for i := range nums {
			v, err := nums[i].Int64Value()
			if err != nil || !v.Valid {
				return fmt.Errorf("postgres: %s of %s: the sum of points overflows an int64", op, pt)
			}
			sums[i] = v.Int64
		}
		f(pt, sums)
	}
	return dbError(op, rows.Err())
}
