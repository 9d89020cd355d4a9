package postgres

import (
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kehu-crm/kehu/loyalty"
)

// An account's lots are rows of loyalty_lots (migration 0007_loyalty_lots), one column per
// field of loyalty.Lot, numbered by seq in the order they were added.

// lyLotCols are the columns of a lot, in the order lyScanLot reads them, for a table
// aliased l.
const lyLotCols = `l.seq, l.id, l.entry, l.points, l.remaining, l.earned_at, l.available_at, l.expires_at,
l.expired_at, l.earned, l.returned, l.returned_qty, l.units, l.lapsed`

// lyLotRow is a lot as read, with its seq.
type lyLotRow struct {
	seq int64
	lot loyalty.Lot
}

// lyLotScan holds the scan targets of one lot row.
type lyLotScan struct {
	row               lyLotRow
	id, entry         [16]byte
	earned, available time.Time
	expires, expired  pgtype.Timestamptz
	dst               []any
}

// newLyLotScan returns the targets of a row whose first columns are read into head and
// whose lot columns (lyLotCols) follow.
func newLyLotScan(head ...any) *lyLotScan {
	s := &lyLotScan{}
	l := &s.row.lot
	s.dst = append(head, &s.row.seq, &s.id, &s.entry, &l.Points, &l.Remaining, &s.earned, &s.available,
		&s.expires, &s.expired, &l.Earned, &l.Returned, &l.ReturnedQty, &l.Units, &l.Lapsed)
	return s
}

// scan reads one row and returns its lot. Instants come back in UTC; NULL instants are
// the zero time.
func (s *lyLotScan) scan(rows pgx.Rows) (lyLotRow, error) {
	if err := rows.Scan(s.dst...); err != nil {
		return lyLotRow{}, err
	}
	r := s.row
	l := &r.lot
	l.ID, l.Entry = loyalty.LotIDFrom(s.id), loyalty.EntryIDFrom(s.entry)
	l.EarnedAt, l.AvailableAt = s.earned.UTC(), s.available.UTC()
	l.ExpiresAt, l.ExpiredAt = lyTime(s.expires), lyTime(s.expired)
	return r, nil
}

// lyTime is the instant of a nullable column, in UTC, or the zero time.
func lyTime(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// lySameLot reports whether two lots hold the same values, instants compared as instants:
// a lot fn handed back unchanged needs no write.
func lySameLot(x, y *loyalty.Lot) bool {
	return x.ID == y.ID && x.Entry == y.Entry && x.Points == y.Points && x.Remaining == y.Remaining &&
		x.EarnedAt.Equal(y.EarnedAt) && x.AvailableAt.Equal(y.AvailableAt) && x.ExpiresAt.Equal(y.ExpiresAt) &&
		x.ExpiredAt.Equal(y.ExpiredAt) && x.Earned == y.Earned && x.Returned == y.Returned &&
		x.ReturnedQty == y.ReturnedQty && x.Units == y.Units && x.Lapsed == y.Lapsed
}

// lyLotColumns holds the lots an Update writes as the columns of an unnest: n is the
// account's number in the write (1, 2, …), seq the lot's.
type lyLotColumns struct {
	n, seq                                          []int64
	ids, entries                                    [][16]byte
	points, remaining                               []int64
	earned, available                               []time.Time
	expires, expired                                []pgtype.Timestamptz
	earnedPts, returned, returnedQty, units, lapsed []int64
}

// grow makes room for n lots in every column, in one allocation per column type, so that
// adding them allocates nothing more.
func (c *lyLotColumns) grow(n int) {
	ints := make([]int64, 0, 9*n)
	col := func(i int) []int64 { return ints[i*n : i*n : (i+1)*n] }
	c.n, c.seq, c.points, c.remaining = col(0), col(1), col(2), col(3)
	c.earnedPts, c.returned, c.returnedQty, c.units, c.lapsed = col(4), col(5), col(6), col(7), col(8)
	ids := make([][16]byte, 0, 2*n)
	c.ids, c.entries = ids[:0:n], ids[n:n:2*n]
	times := make([]time.Time, 0, 2*n)
	c.earned, c.available = times[:0:n], times[n:n:2*n]
	tstz := make([]pgtype.Timestamptz, 0, 2*n)
	c.expires, c.expired = tstz[:0:n], tstz[n:n:2*n]
}

func (c *lyLotColumns) add(n, seq int64, l *loyalty.Lot) {
	c.n = append(c.n, n)
	c.seq = append(c.seq, seq)
	c.ids = append(c.ids, l.ID.UUID())
	c.entries = append(c.entries, l.Entry.UUID())
	c.points = append(c.points, l.Points)
	c.remaining = append(c.remaining, l.Remaining)
	c.earned = append(c.earned, l.EarnedAt)
	c.available = append(c.available, l.AvailableAt)
	c.expires = append(c.expires, lyTstz(l.ExpiresAt))
	c.expired = append(c.expired, lyTstz(l.ExpiredAt))
	c.earnedPts = append(c.earnedPts, l.Earned)
	c.returned = append(c.returned, l.Returned)
	c.returnedQty = append(c.returnedQty, l.ReturnedQty)
	c.units = append(c.units, l.Units)
	c.lapsed = append(c.lapsed, l.Lapsed)
}

func (c *lyLotColumns) args() []any {
	return []any{c.n, c.seq, c.ids, c.entries, c.points, c.remaining, c.earned, c.available, c.expires, c.expired,
		c.earnedPts, c.returned, c.returnedQty, c.units, c.lapsed}
}
