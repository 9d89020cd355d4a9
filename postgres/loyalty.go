package postgres

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// LoyaltyStore is a loyalty.Store kept in PostgreSQL: accounts, their lots, entries,
// command records, member states, rewards, reservations and coupons, in the tables of
// migrations 0002_loyalty and 0007_loyalty_lots (see Migrate). It is safe for concurrent
// use. It implements loyalty.Totals too, as SQL aggregates.
//
// Each record is stored as a JSONB document, so it comes back as it was given (times as
// instants: a time's location becomes its offset), beside the columns its queries select
// and order on; time columns hold the instants exactly, which the services give as whole
// microseconds (see loyalty.Store). Lots are the exception: an account's document holds
// the account without its lots, and each lot is a row of loyalty_lots, a column per field
// (its instants come back in UTC), numbered by seq in the order added. Indexes over the
// open lots (remaining > 0) find an Update's working set (loyalty.Need) — the lots due to
// expire, the pending ones, the first spendable ones in the spend order until they hold the
// spend, the named ones — and the account row keeps what all its lots hold (held), so an
// Update reads and writes a few rows however many lots the account has. Text PostgreSQL
// cannot hold, such as a NUL character, is refused with kehu.ErrInvalid. Every change is
// one transaction that locks the rows it changes with SELECT … FOR UPDATE, in key order,
// so that concurrent writers of one account, member, reward or coupon are serialised
// rather than refused; a deadlock or serialisation failure the server reports anyway is
// returned as kehu.ErrConflict.
type LoyaltyStore struct {
	db DB
}

var (
	_ loyalty.Store      = (*LoyaltyStore)(nil)
	_ loyalty.OpenReader = (*LoyaltyStore)(nil)
)

// NewLoyaltyStore returns a store over db: a pool, or a transaction the host began (see
// DB). Migrate must have created the schema.
func NewLoyaltyStore(db DB) *LoyaltyStore {
	return &LoyaltyStore{db: db}
}

// Analyze brings the planner's statistics of the ledger's tables up to date. PostgreSQL's
// autovacuum does so in time; a host that has just loaded many lots or entries (an import,
// a migration) calls it so that the first commands after the load already read only their
// working sets through the indexes.
func (s *LoyaltyStore) Analyze(ctx context.Context) error {
	_, err := s.db.Exec(ctx, `ANALYZE loyalty_accounts, loyalty_lots, loyalty_entries`)
	return dbError("analyze", err)
}

// ---- helpers shared by the loyalty files ----

// lyTstz is t, or NULL for the zero time.
func lyTstz(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

// lyUUID is the 16 bytes of an ID, as the uuid columns take them.
func lyUUID[K kehu.Kind](id kehu.ID[K]) [16]byte { return id.UUID() }

// lyNilUUID is the text of the zero ID in cursors (kehu.ID.String gives "" for it).
const lyNilUUID = "00000000-0000-0000-0000-000000000000"

// lyCustomerCursor is a customer ID as cursors spell it.
func lyCustomerCursor(c crm.CustomerID) string {
	if c.IsZero() {
		return lyNilUUID
	}
	return c.String()
}

// lyParseCustomerCursor reads what lyCustomerCursor wrote.
func lyParseCustomerCursor(s string) (crm.CustomerID, bool) {
	if s == lyNilUUID {
		return crm.CustomerID{}, true
	}
	c, err := crm.ParseCustomerID(s)
	return c, err == nil
}

// lyBadCursor is the error for a cursor this store did not write.

// lyDecodeErr reports a stored document that does not decode.
func lyDecodeErr(what string, err error) error {
	return fmt.Errorf("postgres: decoding stored %s: %w", what, err)
}

// lyGetDoc reads the JSONB document of the one row that row selects into a new T; what
// names the record in errors, which wrap kehu.ErrNotFound when there is no such row.
func lyGetDoc[T any](row pgx.Row, what string) (*T, error) {
	var doc []byte
	err := row.Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: %s: %w", what, kehu.ErrNotFound)
	}
	if err != nil {
		return nil, dbError(what, err)
	}
	v := new(T)
	if err := json.Unmarshal(doc, v); err != nil {
		return nil, lyDecodeErr(what, err)
	}
	return v, nil
}

// ---- accounts and the ledger ----

const (
	// lySQLAccountsCreate inserts a placeholder (version 0) for every key not stored yet, in
	// key order. Together with lySQLAccountsLock it makes every Update take its locks in key
	// order: placeholders first, then row locks, so two updates never wait for each other
	// in a cycle.
	lySQLAccountsCreate = `INSERT INTO loyalty_accounts (program, customer, point_type, version, doc)
SELECT k.program, k.customer, k.point_type, 0, '{}'::jsonb
FROM unnest($1::text[], $2::uuid[], $3::text[]) WITH ORDINALITY AS k(program, customer, point_type, n)
ORDER BY k.n
ON CONFLICT DO NOTHING`
	//
	// Each account is locked by its own lookup of the primary key, in the order of the keys
	// given: a lateral subquery that locks rows is never merged into a join, so the plan
	// is an index lookup per key whatever the server believes about the table's size (a
	// join may be planned as a scan of the whole table, and a plan made while the table
	// was small is kept for the connection's life when statistics are not refreshed).
	lySQLAccountsLock = `SELECT a.program, a.customer, a.point_type, a.version, a.doc, a.held, a.lots
FROM unnest($1::text[], $2::uuid[], $3::text[]) WITH ORDINALITY AS k(program, customer, point_type, n)
CROSS JOIN LATERAL (
    SELECT * FROM loyalty_accounts a
    WHERE a.program = k.program AND a.customer = k.customer AND a.point_type = k.point_type
    FOR UPDATE
) a
ORDER BY k.n`
	// lySQLPicks reads the lots of each account's working set that are not chosen by a
	// running sum: every lot of the accounts marked every ($4); of the others, the open lots
	// past their expiry at $5, the open lots pending at $5, and the lots named in $6. A lot
	// may come twice. A lot pending at $5 is either held back past the instant it was
	// earned, and in loyalty_lots_pending's range after $5, or earned after $5, and in
	// loyalty_lots_oldest's range after $5 (see 0011_held_back_lots). Each branch reads
	// only the rows it returns, whatever the account holds and whichever plan the server
	// keeps: the due lots are read only when the account's next_due (the earliest expiry
	// of its open lots) says there are some, and then in the order of loyalty_lots_expiry,
	// which makes that index, bounded by $5, the cheapest way to them with or without
	// statistics; each named lot is looked up by its whole key, in a lateral subquery
	// fenced by OFFSET 0 so that it is never planned as a join. (Left to
	// choose, a generic plan made without statistics read the due lots through
	// loyalty_lots_pending and the named ones through the account's range of the primary
	// key, filtering every open lot, and every lot, of the account: 5.6 ms at 10,000 lots
	// against 0.2 ms.)
	lySQLPicks = `SELECT k.n, ` + lyLotCols + `
FROM unnest($1::text[], $2::uuid[], $3::text[], $4::bool[]) WITH ORDINALITY AS k(program, customer, point_type, every, n)
CROSS JOIN LATERAL (
    SELECT l.* FROM loyalty_lots l
    WHERE k.every AND l.program = k.program AND l.customer = k.customer AND l.point_type = k.point_type
  UNION ALL
    (SELECT l.* FROM loyalty_accounts a
    JOIN loyalty_lots l ON l.program = a.program AND l.customer = a.customer AND l.point_type = a.point_type
    WHERE NOT k.every AND a.program = k.program AND a.customer = k.customer AND a.point_type = k.point_type
      AND a.next_due <= $5 AND l.remaining > 0 AND l.expires_at <= $5
    ORDER BY l.expires_at, l.earned_at, l.id)
  UNION ALL
    SELECT l.* FROM loyalty_lots l
    WHERE NOT k.every AND l.program = k.program AND l.customer = k.customer AND l.point_type = k.point_type
      AND l.remaining > 0 AND l.available_at > l.earned_at AND l.available_at > $5
  UNION ALL
    SELECT l.* FROM loyalty_lots l
    WHERE NOT k.every AND l.program = k.program AND l.customer = k.customer AND l.point_type = k.point_type
      AND l.remaining > 0 AND l.earned_at > $5 AND l.available_at > $5
  UNION ALL
    SELECT l.* FROM unnest($6::uuid[]) AS named(id)
    CROSS JOIN LATERAL (
        SELECT l.* FROM loyalty_lots l
        WHERE l.program = k.program AND l.customer = k.customer AND l.point_type = k.point_type AND l.id = named.id
        OFFSET 0) l
    WHERE NOT k.every
) l`
	// lySQLSpend reads, per account, the first $6 lots spendable at $4 in the spend order
	// (%[1]s, an index's order), keeping those whose preceding running sum is below $5: the
	// prefix a spend of $5 draws on. The scan stops after $6 lots, so it reads no further
	// than the spend needs, whatever the account holds.
	lySQLSpend = `SELECT k.n, ` + lyLotCols + `
FROM unnest($1::text[], $2::uuid[], $3::text[]) WITH ORDINALITY AS k(program, customer, point_type, n)
CROSS JOIN LATERAL (
    SELECT l.*, sum(l.remaining) OVER (ORDER BY %[1]s ROWS UNBOUNDED PRECEDING) - l.remaining AS before
    FROM loyalty_lots l
    WHERE l.program = k.program AND l.customer = k.customer AND l.point_type = k.point_type
      AND l.remaining > 0 AND l.available_at <= $4 AND (l.expires_at IS NULL OR l.expires_at > $4)
    ORDER BY %[1]s
    LIMIT $6
) l
WHERE l.before < $5`
	// lySQLWrite writes the lots an Update changed or added and the accounts, in one
	// statement: w holds the lots (by ID, an upsert: a lot of an ID the account has replaces
	// it), old what the lots they replace held (each found by its own lookup, fenced by
	// OFFSET 0 so that it is never planned as a join). The statement modifies each table
	// once: CockroachDB refuses a statement with two modifications of one table unless all
	// are plain inserts, so the lots are not split into an insert of the new IDs and an
	// upsert of the stored ones (which would spare an earn's new lots their speculative
	// insertion, a WAL record each, for no measurable time). Every subquery sees the lots
	// as they were before the statement, so held moves by what the written lots hold less
	// what the lots they replace held, and next_due is the earliest of the written lots'
	// expiries and of the other open lots' (the first of loyalty_lots_expiry not written).
	// The written lots are summed per account once (ws, os) and joined to the accounts: a
	// subquery over w per account would read every written lot for each account, a write
	// of n accounts costing n² (10,000 accounts opened in one update took 16.7 s).
	//
	// The accounts (locked, so present) are written by an upsert whose inserted row carries
	// the change to held: an upsert finds each row through its primary key, where an
	// UPDATE … FROM is a join the server may plan as a scan of the whole table (see
	// lySQLAccountsLock).
	lySQLWrite = `WITH a AS (
    SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
                         $7::timestamptz[], $8::jsonb[], $9::bigint[])
      WITH ORDINALITY AS a(program, customer, point_type, version, debt, forgiven, updated_at, doc, lots, n)
), w AS MATERIALIZED (
    SELECT a.program, a.customer, a.point_type, w.*
    FROM unnest($10::bigint[], $11::bigint[], $12::uuid[], $13::uuid[], $14::bigint[], $15::bigint[],
                $16::timestamptz[], $17::timestamptz[], $18::timestamptz[], $19::timestamptz[],
                $20::bigint[], $21::bigint[], $22::bigint[], $23::bigint[], $24::bigint[])
      AS w(n, seq, id, entry, points, remaining, earned_at, available_at, expires_at, expired_at,
           earned, returned, returned_qty, units, lapsed)
    JOIN a ON a.n = w.n
), old AS (
    SELECT w.n, l.remaining FROM w CROSS JOIN LATERAL (
        SELECT l.remaining FROM loyalty_lots l
        WHERE l.program = w.program AND l.customer = w.customer AND l.point_type = w.point_type AND l.id = w.id
        OFFSET 0) l
), put AS (
    INSERT INTO loyalty_lots (program, customer, point_type, seq, id, entry, points, remaining, earned_at,
                              available_at, expires_at, expired_at, earned, returned, returned_qty, units, lapsed)
    SELECT program, customer, point_type, seq, id, entry, points, remaining, earned_at,
           available_at, expires_at, expired_at, earned, returned, returned_qty, units, lapsed
    FROM w ORDER BY n, seq
    ON CONFLICT (program, customer, point_type, id) DO UPDATE
    SET entry = EXCLUDED.entry, points = EXCLUDED.points, remaining = EXCLUDED.remaining,
        earned_at = EXCLUDED.earned_at, available_at = EXCLUDED.available_at,
        expires_at = EXCLUDED.expires_at, expired_at = EXCLUDED.expired_at, earned = EXCLUDED.earned,
        returned = EXCLUDED.returned, returned_qty = EXCLUDED.returned_qty, units = EXCLUDED.units,
        lapsed = EXCLUDED.lapsed
), ws AS (
    SELECT w.n, sum(w.remaining) AS held, array_agg(w.id) AS ids,
           min(w.expires_at) FILTER (WHERE w.remaining > 0 AND w.expired_at IS NULL) AS due
    FROM w GROUP BY w.n
), os AS (
    SELECT old.n, sum(old.remaining) AS held FROM old GROUP BY old.n
)
INSERT INTO loyalty_accounts AS x (program, customer, point_type, version, debt, forgiven, updated_at, doc, lots, held, next_due)
SELECT a.program, a.customer, a.point_type, a.version, a.debt, a.forgiven, a.updated_at, a.doc, a.lots,
    COALESCE(ws.held, 0) - COALESCE(os.held, 0),
    LEAST(ws.due,
        (SELECT l.expires_at FROM loyalty_lots l
          WHERE l.program = a.program AND l.customer = a.customer AND l.point_type = a.point_type
            AND l.remaining > 0 AND l.expires_at IS NOT NULL AND l.expired_at IS NULL
            AND l.id <> ALL (COALESCE(ws.ids, '{}'))
          ORDER BY l.expires_at LIMIT 1))
FROM a LEFT JOIN ws ON ws.n = a.n LEFT JOIN os ON os.n = a.n
ORDER BY a.n
ON CONFLICT (program, customer, point_type) DO UPDATE
SET version = EXCLUDED.version, debt = EXCLUDED.debt, forgiven = EXCLUDED.forgiven,
    updated_at = EXCLUDED.updated_at, doc = EXCLUDED.doc, lots = EXCLUDED.lots,
    held = x.held + EXCLUDED.held, next_due = EXCLUDED.next_due`
	lySQLEntriesInsert = `INSERT INTO loyalty_entries (id, program, customer, point_type, at, source_type, source_ref, kind, points, doc)
SELECT e.id, e.program, e.customer, e.point_type, e.at, e.source_type, e.source_ref, e.kind, e.points, e.doc
FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::jsonb[])
  WITH ORDINALITY AS e(id, program, customer, point_type, at, source_type, source_ref, kind, points, doc, n)
ORDER BY e.n`
	lySQLEntryInsert = `INSERT INTO loyalty_entries (id, program, customer, point_type, at, source_type, source_ref, kind, points, doc)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	// lySQLCommandInsert stores a command's record: its entries ($5) by ID, in order (they
	// are rows of loyalty_entries written in the same transaction), the rest as a document.
	lySQLCommandInsert = `INSERT INTO loyalty_commands (program, key, digest, at, entries, doc)
VALUES ($1, $2, $3, $4, $5, $6)`
	// lySQLCommand reads a command's record and the documents of its entries, in the
	// record's order: the entries' IDs are NULL for a record whose document holds the
	// entries itself (one stored before 0009). Each entry is found by its ID alone (the
	// subquery, fenced by OFFSET 0, is planned on its own as a lookup of loyalty_entries_id)
	// and then checked to be the programme's; an entry that is not leaves the list short.
	lySQLCommand = `SELECT c.doc, c.entries, (
    SELECT array_agg(e.doc ORDER BY k.n)
    FROM unnest(c.entries) WITH ORDINALITY AS k(id, n)
    CROSS JOIN LATERAL (SELECT e.program, e.doc FROM loyalty_entries e WHERE e.id = k.id OFFSET 0) e
    WHERE e.program = c.program)
FROM loyalty_commands c WHERE c.program = $1 AND c.key = $2`
)

// lySpendChunk is how many spendable lots an Update reads per account in its first batch.
// A spend that needs more (many small lots) reads again, lySpendGrowth times as many each
// time, so that what it reads stays in proportion to what it draws on.
const (
	lySpendChunk  = 16
	lySpendGrowth = 8
)

// lySpendOrders are the columns of loyalty_lots_expiry and loyalty_lots_oldest after the
// account's: the orders NearestExpiryFirst (and TypePriority) and OldestFirst spend lots
// in (see loyalty's drawsBefore; NULL, never expiring, sorts last).
var lySpendOrders = map[bool]string{
	false: fmt.Sprintf(lySQLSpend, "l.expires_at, l.earned_at, l.id"),
	true:  fmt.Sprintf(lySQLSpend, "l.earned_at, l.id"),
}

// lyKeyColumns holds account keys as the columns of an unnest.
type lyKeyColumns struct {
	programs  []string
	customers [][16]byte
	types     []string
}

func (c *lyKeyColumns) add(k loyalty.AccountKey) {
	c.programs = append(c.programs, k.Program)
	c.customers = append(c.customers, lyUUID(k.Customer))
	c.types = append(c.types, k.PointType)
}

// lyLockedAccount is an account row read under lock — its version (0 for a placeholder),
// document, what its lots hold and the seq of its last lot — and the working set handed
// to fn, in seq order.
type lyLockedAccount struct {
	version int64
	doc     []byte
	held    int64
	lots    int64
	handed  []lyLotRow
	// spent is what the spendable lots read hold, and more whether the read stopped at its
	// limit (there may be more).
	spent int64
	more  bool
}

// Update implements loyalty.Store. fn gets each account's working set (see loyalty.Need):
// the lots of loyalty_lots the indexes over open lots pick out — due, pending, named, and
// the spendable prefix by a running sum in the policy's order — or every lot for Need.All
// and internal accounts; Outside is the account's held less what the handed lots hold.
//
// It is one transaction of two batches, whatever the accounts hold. The first creates
// placeholders (version 0) for the accounts not stored yet, locks every account in key
// order, and reads the working sets; fn then runs on the accounts decoded from them. The
// second records the command (first: a key already recorded for the programme, or recorded
// by a concurrent Update that commits first, rolls everything back with kehu.ErrDuplicate),
// writes the lots fn changed or added and the accounts in one statement, and inserts the
// entries. A spend that needs more than lySpendChunk lots of one account reads on before fn
// runs.
func (s *LoyaltyStore) Update(ctx context.Context, keys []loyalty.AccountKey, need loyalty.Need, fn func(accounts []*loyalty.Account) (*loyalty.Commit, error)) error {
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, loyalty.AccountKey.Compare)
	sorted = slices.Compact(sorted)
	_, hosts := s.db.(pgx.Tx)
	return inTx(ctx, s.db, "loyalty update", func(tx pgx.Tx) error {
		locked, err := lyLockAccounts(ctx, tx, sorted, &need, !hosts)
		if err != nil {
			return err
		}
		accts := make([]*loyalty.Account, len(keys))
		for i, k := range keys {
			a := &loyalty.Account{}
			r := locked[k]
			if r.version > 0 {
				if err := json.Unmarshal(r.doc, a); err != nil {
					return lyDecodeErr("account "+k.String(), err)
				}
				a.Version = r.version
			}
			a.Key = k
			a.Lots = make([]loyalty.Lot, len(r.handed), len(r.handed)+4)
			var in int64
			for j := range r.handed {
				a.Lots[j] = r.handed[j].lot
				in += r.handed[j].lot.Remaining
			}
			a.Outside = r.held - in
			accts[i] = a
		}
		commit, err := fn(accts)
		if err != nil {
			return err
		}
		if commit != nil && commit.Command != nil {
			if err := kehu.CheckKey("key", commit.Command.Key); err != nil {
				return err
			}
		}
		return lyWriteCommit(ctx, tx, keys, accts, locked, commit)
	})
}

// lySQLGenericPlans sets, for the rest of a transaction of the store's own, how the server
// plans its statements: once per connection rather than on every execution, and never as a
// sequential scan where an index serves. Left to itself the server plans each statement
// afresh (its estimated cost is lower with the arrays' contents known), and planning the
// working-set read, four index ranges, and the write, a statement of several parts, costs
// more than running them: with every statement of the update on its generic plan, 8 clients
// earn about a third more orders a second on the same server (BENCHMARKS.md). Every
// statement of an update finds its rows by key, so a scan of a whole table is never the
// plan it needs; but where the statistics say that one account holds most of the lots (a
// small programme, a heavy member) a generic plan would scan the table for the due and
// pending lots rather than take the indexes' ranges, since it cannot see the instant that
// bounds them. Disabling sequential scans keeps it to the indexes whatever the statistics.
const lySQLGenericPlans = `SELECT set_config('plan_cache_mode', 'force_generic_plan', true),
       set_config('enable_seqscan', 'off', true)`

// lyLockAccounts creates placeholders for the absent accounts, locks every account, in
// the order of sorted (distinct keys in key order), and reads their working sets for need.
// With generic set (a transaction of the store's own; a host's transaction keeps the
// settings the host chose) the transaction's statements run on generic plans (see
// lySQLGenericPlans).
func lyLockAccounts(ctx context.Context, tx pgx.Tx, sorted []loyalty.AccountKey, need *loyalty.Need, generic bool) (map[loyalty.AccountKey]*lyLockedAccount, error) {
	var cols, spenders lyKeyColumns
	every := make([]bool, len(sorted))
	for i, k := range sorted {
		cols.add(k)
		every[i] = need.All || loyalty.IsCounterAccount(k.PointType)
		if !every[i] && need.Spend > 0 {
			spenders.add(k)
		}
	}
	at := floorMicro(need.At) // at ≥ t ⇔ floorMicro(at) ≥ t for a column t: see instant.go
	named := make([][16]byte, len(need.Lots))
	for i, id := range need.Lots {
		named[i] = id.UUID()
	}
	b := &pgx.Batch{}
	if generic {
		b.Queue(lySQLGenericPlans)
	}
	b.Queue(lySQLAccountsCreate, cols.programs, cols.customers, cols.types)
	b.Queue(lySQLAccountsLock, cols.programs, cols.customers, cols.types)
	b.Queue(lySQLPicks, cols.programs, cols.customers, cols.types, every, at, named)
	spendSQL := lySpendOrders[need.Policy == loyalty.OldestFirst]
	if len(spenders.programs) > 0 {
		b.Queue(spendSQL, spenders.programs, spenders.customers, spenders.types, at, need.Spend, lySpendChunk)
	}
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	if generic {
		if _, err := br.Exec(); err != nil {
			return nil, dbError("loyalty update: plans", err)
		}
	}
	if _, err := br.Exec(); err != nil {
		return nil, dbError("loyalty update: create accounts", err)
	}
	locked, err := lyReadLocks(br, len(sorted))
	if err != nil {
		return nil, err
	}
	byN := func(n int64) *lyLockedAccount { return locked[sorted[n-1]] }
	if err := lyReadLots(br, byN, false); err != nil {
		return nil, err
	}

	if len(spenders.programs) > 0 {
		spenderByN := func(n int64) *lyLockedAccount {
			k := loyalty.AccountKey{Program: spenders.programs[n-1], Customer: crm.CustomerIDFrom(spenders.customers[n-1]), PointType: spenders.types[n-1]}
			return locked[k]
		}
		if err := lyReadLots(br, spenderByN, true); err != nil {
			return nil, err
		}
	}
	if err := br.Close(); err != nil {
		return nil, dbError("loyalty update: read lots", err)
	}
	// A spend of many small lots: read on, further each time, for the accounts whose
	// spendable lots read so far hold less than the spend and were cut at the limit.
	for limit := lySpendChunk * lySpendGrowth; ; limit *= lySpendGrowth {
		var short lyKeyColumns
		for _, k := range sorted {
			if r := locked[k]; r.more && r.spent < need.Spend {
				short.add(k)
				r.spent, r.more = 0, false
			}
		}
		if len(short.programs) == 0 {
			break
		}
		rows, err := tx.Query(ctx, spendSQL, short.programs, short.customers, short.types, at, need.Spend, limit)
		if err != nil {
			return nil, dbError("loyalty update: read lots", err)
		}
		err = lyCollectLots(rows, func(n int64) *lyLockedAccount {
			k := loyalty.AccountKey{Program: short.programs[n-1], Customer: crm.CustomerIDFrom(short.customers[n-1]), PointType: short.types[n-1]}
			return locked[k]
		}, true, limit)
		if err != nil {
			return nil, err
		}
	}
	for _, r := range locked {
		slices.SortFunc(r.handed, func(x, y lyLotRow) int { return cmp.Compare(x.seq, y.seq) })
		r.handed = slices.CompactFunc(r.handed, func(x, y lyLotRow) bool { return x.seq == y.seq })
	}
	return locked, nil
}

// lyReadLocks reads the rows lySQLAccountsLock locked.
func lyReadLocks(br pgx.BatchResults, n int) (map[loyalty.AccountKey]*lyLockedAccount, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, dbError("loyalty update: lock accounts", err)
	}
	defer rows.Close()
	locked := make(map[loyalty.AccountKey]*lyLockedAccount, n)
	for rows.Next() {
		var (
			k    loyalty.AccountKey
			cust [16]byte
			r    lyLockedAccount
		)
		if err := rows.Scan(&k.Program, &cust, &k.PointType, &r.version, &r.doc, &r.held, &r.lots); err != nil {
			return nil, dbError("loyalty update: lock accounts", err)
		}
		k.Customer = crm.CustomerIDFrom(cust)
		locked[k] = &r
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("loyalty update: lock accounts", err)
	}
	if len(locked) != n {
		return nil, fmt.Errorf("postgres: loyalty update: locked %d of %d accounts", len(locked), n)
	}
	return locked, nil
}

// lyReadLots reads the next result of br, lots of the accounts byN numbers, into their
// working sets; spend says it is lySQLSpend's, read with limit lySpendChunk.
func lyReadLots(br pgx.BatchResults, byN func(int64) *lyLockedAccount, spend bool) error {
	rows, err := br.Query()
	if err != nil {
		return dbError("loyalty update: read lots", err)
	}
	return lyCollectLots(rows, byN, spend, lySpendChunk)
}

// lyCollectLots adds the lots of rows (the account's number, then lyLotCols) to the
// working sets, and closes rows. For the rows of lySQLSpend read with limit, it counts
// what the lots hold and notes the accounts whose read stopped at the limit.
func lyCollectLots(rows pgx.Rows, byN func(int64) *lyLockedAccount, spend bool, limit int) error {
	defer rows.Close()
	var n int64
	sc := newLyLotScan(&n)
	counts := map[*lyLockedAccount]int{}
	for rows.Next() {
		lr, err := sc.scan(rows)
		if err != nil {
			return dbError("loyalty update: read lots", err)
		}
		r := byN(n)
		if r == nil {
			return fmt.Errorf("postgres: loyalty update: a lot of account %d, which was not asked for", n)
		}
		r.handed = append(r.handed, lr)
		if spend {
			r.spent = lySatAdd(r.spent, lr.lot.Remaining)
			counts[r]++
		}
	}
	if err := rows.Err(); err != nil {
		return dbError("loyalty update: read lots", err)
	}
	for r, c := range counts {
		r.more = c == limit
	}
	return nil
}

// lySatAdd is x + y for non-negative y, held at the largest int64 rather than past it.
func lySatAdd(x, y int64) int64 {
	if y > 0 && x > math.MaxInt64-y {
		return math.MaxInt64
	}
	return x + y
}

// lyWriteCommit stores the accounts fn left (the first copy of a key named twice), the
// lots they changed or added, the commit's entries and its command record. The command
// record goes first: if its key is taken, the server refuses it and skips the rest.
func lyWriteCommit(ctx context.Context, tx pgx.Tx, keys []loyalty.AccountKey, accts []*loyalty.Account,
	locked map[loyalty.AccountKey]*lyLockedAccount, commit *loyalty.Commit) error {
	b := &pgx.Batch{}
	var cmd *loyalty.Command
	if commit != nil {
		cmd = commit.Command
	}
	var entryDocs [][]byte
	if commit != nil {
		var err error
		if entryDocs, err = lyEntryDocs(commit.Entries); err != nil {
			return err
		}
	}
	if cmd != nil {
		ids, doc, err := lyCommandRecord(cmd, commit.Entries, entryDocs)
		if err != nil {
			return err
		}
		b.Queue(lySQLCommandInsert, cmd.Program, cmd.Key, cmd.Digest, cmd.At, ids, doc)
	}
	if err := lyQueueAccounts(b, keys, accts, locked); err != nil {
		return err
	}
	if commit != nil && len(commit.Entries) > 0 {
		lyQueueEntries(b, commit.Entries, entryDocs)
	}
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	for i := range b.Len() {
		_, err := br.Exec()
		switch {
		case err == nil:
		case i == 0 && cmd != nil && isUnique(err, "loyalty_commands_pkey"):
			return fmt.Errorf("command %q of %s: %w", cmd.Key, cmd.Program, kehu.ErrDuplicate)
		case isUnique(err, "loyalty_entries_id"):
			// Not the commit's command key (that is kehu.ErrDuplicate) but an ID source that
			// repeated itself: another attempt with fresh IDs can succeed.
			return fmt.Errorf("postgres: loyalty update: an entry ID is already stored: %w: %v", kehu.ErrConflict, err)
		default:
			return dbError("loyalty update: write", err)
		}
	}
	return dbError("loyalty update: write", br.Close())
}

// lyQueueAccounts queues the one statement that writes the accounts, each with the next
// version, and the lots fn changed or added: a handed lot fn changed is written under its
// seq, a lot of an ID the account was not handed gets the next seq (or, if the account has
// the ID after all, replaces that lot). Of a lot fn holds twice, the last copy is written.
func lyQueueAccounts(b *pgx.Batch, keys []loyalty.AccountKey, accts []*loyalty.Account, locked map[loyalty.AccountKey]*lyLockedAccount) error {
	var (
		cols                  lyKeyColumns
		versions, debts, forg []int64
		updated               []pgtype.Timestamptz
		docs                  [][]byte
		counts                []int64
		lots                  lyLotColumns
	)
	most := 0 // at most this many lots are written
	for _, a := range accts {
		most += len(a.Lots)
	}
	lots.grow(most)
	seen := make(map[loyalty.AccountKey]bool, len(keys))
	for i, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		r := locked[k]
		a := *accts[i] // a shallow copy: fn may keep its pointer
		a.Key, a.Version = k, r.version+1
		n := int64(len(versions) + 1)
		next := r.lots
		find := lyIndexByID(r.handed)
		for _, l := range lyFinalLots(a.Lots) {
			var seq int64
			if j := find(l.ID); j >= 0 {
				if lySameLot(&r.handed[j].lot, l) {
					continue
				}
				seq = r.handed[j].seq
			} else {
				next++
				seq = next
			}
			lots.add(n, seq, l)
		}
		a.Lots, a.Outside = nil, 0
		doc, err := json.Marshal(&a)
		if err != nil {
			return fmt.Errorf("postgres: loyalty update: encoding account %s: %w", k, err)
		}
		cols.add(k)
		versions = append(versions, a.Version)
		debts = append(debts, a.Debt)
		forg = append(forg, a.Forgiven)
		updated = append(updated, lyTstz(a.UpdatedAt))
		docs = append(docs, doc)
		counts = append(counts, next)
	}
	args := append([]any{cols.programs, cols.customers, cols.types, versions, debts, forg, updated, docs, counts}, lots.args()...)
	b.Queue(lySQLWrite, args...)
	return nil
}

// lyIndexByID returns a function that finds a lot among rows by ID (-1: none): a search for
// the few lots of a usual working set, a map for many.
func lyIndexByID(rows []lyLotRow) func(loyalty.LotID) int {
	if len(rows) <= 16 {
		return func(id loyalty.LotID) int {
			return slices.IndexFunc(rows, func(r lyLotRow) bool { return r.lot.ID == id })
		}
	}
	m := make(map[loyalty.LotID]int, len(rows))
	for i := range rows {
		if _, ok := m[rows[i].lot.ID]; !ok {
			m[rows[i].lot.ID] = i
		}
	}
	return func(id loyalty.LotID) int {
		if i, ok := m[id]; ok {
			return i
		}
		return -1
	}
}

// lyFinalLots returns the lots of an account fn left, one per ID: in the order their IDs
// first appear, each as its last copy (a later copy replaces an earlier one, as a lot
// replaces the stored lot of its ID).
func lyFinalLots(lots []loyalty.Lot) []*loyalty.Lot {
	out := make([]*loyalty.Lot, 0, len(lots))
	if len(lots) <= 16 {
		for i := range lots {
			l := &lots[i]
			if j := slices.IndexFunc(out, func(x *loyalty.Lot) bool { return x.ID == l.ID }); j >= 0 {
				out[j] = l
			} else {
				out = append(out, l)
			}
		}
		return out
	}
	at := make(map[loyalty.LotID]int, len(lots))
	for i := range lots {
		l := &lots[i]
		if j, ok := at[l.ID]; ok {
			out[j] = l
		} else {
			at[l.ID] = len(out)
			out = append(out, l)
		}
	}
	return out
}

// lyQueueEntries queues the insert of the entries, in the order given.
func lyQueueEntries(b *pgx.Batch, es []loyalty.Entry, docs [][]byte) {
	n := len(es)
	var (
		ids, custs        = make([][16]byte, n), make([][16]byte, n)
		progs, types      = make([]string, n), make([]string, n)
		ats               = make([]time.Time, n)
		srcTypes, srcRefs = make([]string, n), make([]string, n)
		kinds             = make([]string, n)
		points            = make([]int64, n)
	)
	for i := range es {
		e := &es[i]
		ids[i], custs[i] = lyUUID(e.ID), lyUUID(e.Account.Customer)
		progs[i], types[i] = e.Account.Program, e.Account.PointType
		ats[i] = e.At
		srcTypes[i], srcRefs[i] = e.Source.Type, e.Source.Ref
		kinds[i], points[i] = string(e.Kind), e.Points
	}
	if n == 1 {
		b.Queue(lySQLEntryInsert, ids[0], progs[0], custs[0], types[0], ats[0], srcTypes[0], srcRefs[0], kinds[0], points[0], docs[0])
		return
	}
	b.Queue(lySQLEntriesInsert, ids, progs, custs, types, ats, srcTypes, srcRefs, kinds, points, docs)
}

// lyEntryDocs encodes the entries' documents.
func lyEntryDocs(es []loyalty.Entry) ([][]byte, error) {
	docs := make([][]byte, len(es))
	for i := range es {
		doc, err := json.Marshal(&es[i])
		if err != nil {
			return nil, fmt.Errorf("postgres: loyalty update: encoding entry %s: %w", es[i].ID, err)
		}
		docs[i] = doc
	}
	return docs, nil
}

// Account implements loyalty.Store.
func (s *LoyaltyStore) Account(ctx context.Context, key loyalty.AccountKey) (*loyalty.Account, error) {
	return s.account(ctx, key, lySQLReadAccounts)
}

// OpenAccount implements loyalty.OpenReader: the account with its open lots, read from the
// indexes over them, so that a balance reads what the member holds and nothing they spent.
func (s *LoyaltyStore) OpenAccount(ctx context.Context, key loyalty.AccountKey) (*loyalty.Account, error) {
	return s.account(ctx, key, lySQLReadOpenAccounts)
}

// account reads one account with the lots tmpl reads (lySQLReadAccounts or
// lySQLReadOpenAccounts).
func (s *LoyaltyStore) account(ctx context.Context, key loyalty.AccountKey, tmpl string) (*loyalty.Account, error) {
	accts, err := lyReadAccounts(ctx, s.db, "account "+key.String(), tmpl, `SELECT program, customer, point_type, doc
FROM loyalty_accounts WHERE program = $1 AND customer = $2 AND point_type = $3 AND version > 0`,
		key.Program, lyUUID(key.Customer), key.PointType)
	if err != nil {
		return nil, err
	}
	if len(accts) == 0 {
		return nil, fmt.Errorf("postgres: account %s: %w", key, kehu.ErrNotFound)
	}
	return accts[0], nil
}

// MemberAccounts implements loyalty.Store.
func (s *LoyaltyStore) MemberAccounts(ctx context.Context, program string, customer crm.CustomerID) ([]*loyalty.Account, error) {
	return lyReadAccounts(ctx, s.db, "member accounts", lySQLReadAccounts, lySQLMemberAccounts, program, lyUUID(customer))
}

// lySQLMemberAccounts selects a member's accounts for lySQLReadAccounts.
const lySQLMemberAccounts = `SELECT program, customer, point_type, doc
FROM loyalty_accounts WHERE program = $1 AND customer = $2 AND version > 0`

// lySQLReadAccounts reads the accounts a query selects (%s: their program, customer,
// point_type and doc, of one programme) with every lot, in one statement, so that the lots
// are those of the versions read: first the accounts by customer and point type, then
// their lots, by account and seq. The account rows fill the lot columns with zeros.
// lySQLReadOpenAccounts reads them with their open lots alone (remaining > 0), which the
// indexes over open lots hold apart from the rest.
const (
	lySQLReadAccounts     = lySQLReadAccountsLots + "\n   ORDER BY l.customer, l.point_type, l.seq)"
	lySQLReadOpenAccounts = lySQLReadAccountsLots + "\n   WHERE l.remaining > 0 ORDER BY l.customer, l.point_type, l.seq)"
)

// lySQLReadAccountsLots is lySQLReadAccounts up to the lots' filter and order.
const lySQLReadAccountsLots = `WITH a AS MATERIALIZED (%s)
(SELECT 0 AS part, a.program, a.customer, a.point_type, a.doc,
        0::bigint, '00000000-0000-0000-0000-000000000000'::uuid, '00000000-0000-0000-0000-000000000000'::uuid,
        0::bigint, 0::bigint, 'epoch'::timestamptz, 'epoch'::timestamptz, NULL::timestamptz, NULL::timestamptz,
        0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint
   FROM a ORDER BY a.customer, a.point_type)
UNION ALL
(SELECT 1, l.program, l.customer, l.point_type, NULL::jsonb, ` + lyLotCols + `
   FROM a JOIN loyalty_lots l ON l.program = a.program AND l.customer = a.customer AND l.point_type = a.point_type`

// lyReadKeys returns the accounts a query of their keys selects (see lyScanAccountsQuery),
// each with its Key alone.
func lyReadKeys(ctx context.Context, db DB, sel string, args []any) ([]*loyalty.Account, error) {
	rows, err := db.Query(ctx, sel, args...)
	if err != nil {
		return nil, dbError("scan accounts", err)
	}
	defer rows.Close()
	var out []*loyalty.Account
	for rows.Next() {
		var (
			k    loyalty.AccountKey
			cust [16]byte
		)
		if err := rows.Scan(&k.Program, &cust, &k.PointType); err != nil {
			return nil, dbError("scan accounts", err)
		}
		k.Customer = crm.CustomerIDFrom(cust)
		out = append(out, &loyalty.Account{Key: k})
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("scan accounts", err)
	}
	return out, nil
}

// lyReadAccounts returns the accounts sel selects, by customer and point type, each with
// the lots tmpl reads (lySQLReadAccounts: every lot; lySQLReadOpenAccounts: the open ones)
// in the order added.
func lyReadAccounts(ctx context.Context, db DB, what, tmpl, sel string, args ...any) ([]*loyalty.Account, error) {
	rows, err := db.Query(ctx, fmt.Sprintf(tmpl, sel), args...)
	if err != nil {
		return nil, dbError(what, err)
	}
	defer rows.Close()
	var (
		part int
		k    loyalty.AccountKey
		cust [16]byte
		doc  []byte
		out  []*loyalty.Account
	)
	sc := newLyLotScan(&part, &k.Program, &cust, &k.PointType, &doc)
	byKey := map[loyalty.AccountKey]*loyalty.Account{}
	unordered := map[*loyalty.Account]bool{}
	seqs := map[*loyalty.Account]int64{}
	for rows.Next() {
		lr, err := sc.scan(rows)
		if err != nil {
			return nil, dbError(what, err)
		}
		k.Customer = crm.CustomerIDFrom(cust)
		if part == 0 {
			a := &loyalty.Account{}
			if err := json.Unmarshal(doc, a); err != nil {
				return nil, lyDecodeErr("account "+k.String(), err)
			}
			a.Key = k
			out = append(out, a)
			byKey[k] = a
			continue
		}
		a := byKey[k]
		if a == nil {
			return nil, fmt.Errorf("postgres: %s: a lot of account %s before the account", what, k)
		}
		if last, ok := seqs[a]; ok && last > lr.seq {
			unordered[a] = true
		}
		seqs[a] = lr.seq
		a.Lots = append(a.Lots, lr.lot)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(what, err)
	}
	if len(unordered) > 0 {
		return nil, fmt.Errorf("postgres: %s: lots read out of order", what)
	}
	return out, nil
}

// lyCollectDocs calls f with the one document column of every row, and closes rows. It
// returns f's first error as is, and the database's wrapped with op.
func lyCollectDocs(rows pgx.Rows, op string, f func(doc []byte) error) error {
	defer rows.Close()
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return dbError(op, err)
		}
		if err := f(doc); err != nil {
			return err
		}
	}
	return dbError(op, rows.Err())
}

// Entry implements loyalty.Store.
func (s *LoyaltyStore) Entry(ctx context.Context, id loyalty.EntryID) (*loyalty.Entry, error) {
	return lyGetDoc[loyalty.Entry](s.db.QueryRow(ctx, `SELECT doc FROM loyalty_entries WHERE id = $1`, lyUUID(id)),
		"entry "+id.String())
}

const lySQLEntries = `SELECT seq, doc FROM loyalty_entries
WHERE program = $1 AND customer = $2 AND point_type = $3 AND seq > $4
  AND ($5::timestamptz IS NULL OR at >= $5) AND ($6::timestamptz IS NULL OR at < $6)
ORDER BY seq LIMIT $7`

// Entries implements loyalty.Store. The cursor is the position of the page's last entry
// in the order of writing.
func (s *LoyaltyStore) Entries(ctx context.Context, key loyalty.AccountKey, q loyalty.EntryQuery) (kehu.Page[loyalty.Entry], error) {
	var after int64
	if q.After != "" {
		n, err := strconv.ParseInt(q.After, 10, 64)
		if err != nil || n < 0 {
			return kehu.Page[loyalty.Entry]{}, badCursor()
		}
		after = n
	}
	limit := q.Size()
	// Bounds are moved to whole microseconds (see ceilMicro), so they compare exactly.
	rows, err := s.db.Query(ctx, lySQLEntries, key.Program, lyUUID(key.Customer), key.PointType, after,
		lyTstz(ceilMicro(q.From)), lyTstz(ceilMicro(q.To)), limit+1)
	if err != nil {
		return kehu.Page[loyalty.Entry]{}, dbError("entries", err)
	}
	defer rows.Close()
	var (
		items []loyalty.Entry
		seqs  []int64
	)
	for rows.Next() {
		var (
			seq int64
			doc []byte
		)
		if err := rows.Scan(&seq, &doc); err != nil {
			return kehu.Page[loyalty.Entry]{}, dbError("entries", err)
		}
		var e loyalty.Entry
		if err := json.Unmarshal(doc, &e); err != nil {
			return kehu.Page[loyalty.Entry]{}, lyDecodeErr("entry", err)
		}
		items = append(items, e)
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return kehu.Page[loyalty.Entry]{}, dbError("entries", err)
	}
	var page kehu.Page[loyalty.Entry]
	if len(items) > limit {
		items = items[:limit]
		page.Next = strconv.FormatInt(seqs[limit-1], 10)
	}
	page.Items = items
	if len(items) == 0 {
		// An empty page: say whether the account exists at all.
		var exists bool
		err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM loyalty_accounts
WHERE program = $1 AND customer = $2 AND point_type = $3 AND version > 0)`,
			key.Program, lyUUID(key.Customer), key.PointType).Scan(&exists)
		if err != nil {
			return kehu.Page[loyalty.Entry]{}, dbError("entries", err)
		}
		if !exists {
			return kehu.Page[loyalty.Entry]{}, fmt.Errorf("account %s: %w", key, kehu.ErrNotFound)
		}
	}
	return page, nil
}

// EntriesBySource implements loyalty.Store. Entries are found by a source reference, so
// an empty ref matches none.
func (s *LoyaltyStore) EntriesBySource(ctx context.Context, program, sourceType, ref string) ([]loyalty.Entry, error) {
	if ref == "" {
		return nil, ctx.Err()
	}
	rows, err := s.db.Query(ctx, `SELECT doc FROM loyalty_entries
WHERE program = $1 AND source_type = $2 AND source_ref = $3 AND source_ref <> ''
ORDER BY seq`, program, sourceType, ref)
	if err != nil {
		return nil, dbError("entries by source", err)
	}
	var out []loyalty.Entry
	err = lyCollectDocs(rows, "entries by source", func(doc []byte) error {
		var e loyalty.Entry
		if err := json.Unmarshal(doc, &e); err != nil {
			return lyDecodeErr("entry", err)
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Command implements loyalty.Store.
func (s *LoyaltyStore) Command(ctx context.Context, program, key string) (*loyalty.Command, error) {
	what := "command " + strconv.Quote(key)
	var (
		doc  []byte
		ids  [][16]byte
		docs [][]byte
	)
	err := s.db.QueryRow(ctx, lySQLCommand, program, key).Scan(&doc, &ids, &docs)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: %s: %w", what, kehu.ErrNotFound)
	}
	if err != nil {
		return nil, dbError(what, err)
	}
	cmd := new(loyalty.Command)
	if err := json.Unmarshal(doc, cmd); err != nil {
		return nil, lyDecodeErr(what, err)
	}
	if ids == nil {
		return cmd, nil
	}
	cmd.Entries = make([]loyalty.Entry, len(ids))
	for i, id := range ids {
		if i >= len(docs) {
			return nil, fmt.Errorf("postgres: %s: entry %s of the record is missing", what, uuid.UUID(id))
		}
		if err := json.Unmarshal(docs[i], &cmd.Entries[i]); err != nil {
			return nil, lyDecodeErr(what, err)
		}
		if cmd.Entries[i].ID.UUID() != id {
			return nil, fmt.Errorf("postgres: %s: entry %s of the record is missing", what, uuid.UUID(id))
		}
	}
	return cmd, nil
}

// lyCommandRecord returns how a command's record is stored: when each of its entries is an
// entry of the commit, as written (the service's commands always are), their IDs in order
// and a document without them, so that nothing is stored twice; otherwise no IDs (NULL)
// and a document holding the entries as given.
func lyCommandRecord(cmd *loyalty.Command, written []loyalty.Entry, docs [][]byte) ([][16]byte, []byte, error) {
	bare := *cmd
	bare.Entries = nil
	var ids [][16]byte
	if cmd.Entries != nil {
		ids = make([][16]byte, len(cmd.Entries))
		for i := range cmd.Entries {
			e := &cmd.Entries[i]
			j := slices.IndexFunc(written, func(x loyalty.Entry) bool { return x.ID == e.ID })
			if j >= 0 {
				doc, err := json.Marshal(e)
				if err != nil {
					return nil, nil, fmt.Errorf("postgres: loyalty update: encoding command %q: %w", cmd.Key, err)
				}
				if !bytes.Equal(doc, docs[j]) {
					j = -1
				}
			}
			if j < 0 {
				ids, bare.Entries = nil, cmd.Entries
				break
			}
			ids[i] = lyUUID(e.ID)
		}
	}
	doc, err := json.Marshal(&bare)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: loyalty update: encoding command %q: %w", cmd.Key, err)
	}
	return ids, doc, nil
}

// lyScanAccountsQuery is the query of the accounts of one batch of ScanAccounts and its
// arguments: up to limit accounts of the programme past the key after (nil: from the
// start) whose next_due is at or before dueBy (zero: any), in key order. It selects their
// keys (program, customer, point_type) and, unless keysOnly, their documents.
func lyScanAccountsQuery(program string, limit int, after *loyalty.AccountKey, dueBy time.Time, keysOnly bool) (string, []any) {
	var b strings.Builder
	args := []any{program, limit}
	b.WriteString(`SELECT program, customer, point_type`)
	if !keysOnly {
		b.WriteString(`, doc`)
	}
	b.WriteString(` FROM loyalty_accounts WHERE program = $1 AND version > 0`)
	if after != nil {
		args = append(args, lyUUID(after.Customer), after.PointType)
		fmt.Fprintf(&b, ` AND (customer, point_type) > ($%d, $%d)`, len(args)-1, len(args))
	}
	if !dueBy.IsZero() {
		args = append(args, floorMicro(dueBy)) // at ≤ DueBy exactly: see floorMicro
		fmt.Fprintf(&b, ` AND next_due <= $%d`, len(args))
	}
	b.WriteString(` ORDER BY customer, point_type LIMIT $2`)
	return b.String(), args
}

// ScanAccounts implements loyalty.Store. With DueBy set it selects on the accounts'
// next_due column (Account.NextExpiry). The page's accounts and their lots are read in one
// statement. The cursor is the last key of the page.
func (s *LoyaltyStore) ScanAccounts(ctx context.Context, program string, q loyalty.ScanQuery) (kehu.Page[*loyalty.Account], error) {
	var after *loyalty.AccountKey
	if q.After != "" {
		id, typ, ok := strings.Cut(q.After, "/")
		c, okID := lyParseCustomerCursor(id)
		if !ok || !okID {
			return kehu.Page[*loyalty.Account]{}, badCursor()
		}
		after = &loyalty.AccountKey{Program: program, Customer: c, PointType: typ}
	}
	limit := q.Size()
	sel, args := lyScanAccountsQuery(program, limit+1, after, q.DueBy, q.KeysOnly)
	var items []*loyalty.Account
	var err error
	if q.KeysOnly {
		items, err = lyReadKeys(ctx, s.db, sel, args)
	} else {
		items, err = lyReadAccounts(ctx, s.db, "scan accounts", lySQLReadAccounts, sel, args...)
	}
	if err != nil {
		return kehu.Page[*loyalty.Account]{}, err
	}
	var page kehu.Page[*loyalty.Account]
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1].Key
		page.Next = lyCustomerCursor(last.Customer) + "/" + last.PointType
	}
	page.Items = items
	return page, nil
}
