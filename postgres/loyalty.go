package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// LoyaltyStore is a loyalty.Store kept in PostgreSQL: accounts, entries, command records,
// member states, rewards, reservations and coupons, in the tables of migration
// 0002_loyalty (see Migrate). It is safe for concurrent use.
//
// Each record is stored as a JSONB document, so it comes back as it was given (times as
// instants: a time's location becomes its offset), beside the columns its queries select
// and order on; time columns hold the instants exactly, which the services give as whole
// microseconds (see loyalty.Store). Text PostgreSQL cannot hold, such as a NUL character,
// is refused with kehu.ErrInvalid. Every change is one transaction that locks the rows it
// changes with SELECT … FOR UPDATE, in key order, so that concurrent writers of one
// account, member, reward or coupon are serialised rather than refused; a deadlock or
// serialisation failure the server reports anyway is returned as kehu.ErrConflict.
type LoyaltyStore struct {
	db DB
}

var _ loyalty.Store = (*LoyaltyStore)(nil)

// NewLoyaltyStore returns a store over db: a pool, or a transaction the host began (see
// DB). Migrate must have created the schema.
func NewLoyaltyStore(db DB) *LoyaltyStore {
	return &LoyaltyStore{db: db}
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
	lySQLAccountsLock = `SELECT a.program, a.customer, a.point_type, a.version, a.doc
FROM loyalty_accounts a
JOIN unnest($1::text[], $2::uuid[], $3::text[]) AS k(program, customer, point_type)
  ON a.program = k.program AND a.customer = k.customer AND a.point_type = k.point_type
ORDER BY a.program, a.customer, a.point_type
FOR UPDATE OF a`
	lySQLAccountCreate = `INSERT INTO loyalty_accounts (program, customer, point_type, version, doc)
VALUES ($1, $2, $3, 0, '{}'::jsonb) ON CONFLICT DO NOTHING`
	lySQLAccountLock = `SELECT program, customer, point_type, version, doc FROM loyalty_accounts
WHERE program = $1 AND customer = $2 AND point_type = $3 FOR UPDATE`
	lySQLAccountsWrite = `UPDATE loyalty_accounts a
SET version = u.version, next_due = u.next_due, doc = u.doc
FROM unnest($1::text[], $2::uuid[], $3::text[], $4::bigint[], $5::timestamptz[], $6::jsonb[])
  AS u(program, customer, point_type, version, next_due, doc)
WHERE a.program = u.program AND a.customer = u.customer AND a.point_type = u.point_type`
	lySQLAccountWrite = `UPDATE loyalty_accounts SET version = $4, next_due = $5, doc = $6
WHERE program = $1 AND customer = $2 AND point_type = $3`
	lySQLEntriesInsert = `INSERT INTO loyalty_entries (id, program, customer, point_type, at, source_type, source_ref, doc)
SELECT e.id, e.program, e.customer, e.point_type, e.at, e.source_type, e.source_ref, e.doc
FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::jsonb[])
  WITH ORDINALITY AS e(id, program, customer, point_type, at, source_type, source_ref, doc, n)
ORDER BY e.n`
	lySQLEntryInsert = `INSERT INTO loyalty_entries (id, program, customer, point_type, at, source_type, source_ref, doc)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	lySQLCommandInsert = `INSERT INTO loyalty_commands (program, key, digest, at, doc)
VALUES ($1, $2, $3, $4, $5)`
)

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

// lyLockedAccount is a row read under lock: its version (0 for a placeholder) and document.
type lyLockedAccount struct {
	version int64
	doc     []byte
}

// Update implements loyalty.Store. It hands fn every lot of each account (the account is
// one document), whatever need asks for, which the Store contract allows. It is one
// transaction: the first batch creates
// placeholders (version 0) for the accounts not stored yet and locks every account, in key
// order; fn then runs on copies decoded from the locked rows; the second batch records the
// command and writes the accounts and entries. A command key already recorded for the
// programme, or recorded by a concurrent Update that commits first, rolls everything back
// with kehu.ErrDuplicate.
func (s *LoyaltyStore) Update(ctx context.Context, keys []loyalty.AccountKey, need loyalty.Need, fn func(accounts []*loyalty.Account) (*loyalty.Commit, error)) error {
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, loyalty.AccountKey.Compare)
	sorted = slices.Compact(sorted)
	return inTx(ctx, s.db, "loyalty update", func(tx pgx.Tx) error {
		locked, err := lyLockAccounts(ctx, tx, sorted)
		if err != nil {
			return err
		}
		accts := make([]*loyalty.Account, len(keys))
		for i, k := range keys {
			a := &loyalty.Account{}
			if r := locked[k]; r.version > 0 {
				if err := json.Unmarshal(r.doc, a); err != nil {
					return lyDecodeErr("account "+k.String(), err)
				}
				a.Version = r.version
			}
			a.Key = k
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

// lyLockAccounts creates placeholders for the absent accounts and locks every account, in
// the order of sorted (distinct keys in key order).
func lyLockAccounts(ctx context.Context, tx pgx.Tx, sorted []loyalty.AccountKey) (map[loyalty.AccountKey]lyLockedAccount, error) {
	b := &pgx.Batch{}
	if len(sorted) == 1 {
		k := sorted[0]
		b.Queue(lySQLAccountCreate, k.Program, lyUUID(k.Customer), k.PointType)
		b.Queue(lySQLAccountLock, k.Program, lyUUID(k.Customer), k.PointType)
	} else {
		var cols lyKeyColumns
		for _, k := range sorted {
			cols.add(k)
		}
		b.Queue(lySQLAccountsCreate, cols.programs, cols.customers, cols.types)
		b.Queue(lySQLAccountsLock, cols.programs, cols.customers, cols.types)
	}
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, dbError("loyalty update: create accounts", err)
	}
	rows, err := br.Query()
	if err != nil {
		return nil, dbError("loyalty update: lock accounts", err)
	}
	locked := make(map[loyalty.AccountKey]lyLockedAccount, len(sorted))
	for rows.Next() {
		var (
			k    loyalty.AccountKey
			cust [16]byte
			r    lyLockedAccount
		)
		if err := rows.Scan(&k.Program, &cust, &k.PointType, &r.version, &r.doc); err != nil {
			rows.Close()
			return nil, dbError("loyalty update: lock accounts", err)
		}
		k.Customer = crm.CustomerIDFrom(cust)
		locked[k] = r
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("loyalty update: lock accounts", err)
	}
	if err := br.Close(); err != nil {
		return nil, dbError("loyalty update: lock accounts", err)
	}
	if len(locked) != len(sorted) {
		return nil, fmt.Errorf("postgres: loyalty update: locked %d of %d accounts", len(locked), len(sorted))
	}
	return locked, nil
}

// lyWriteCommit stores the accounts fn left (the first copy of a key named twice), the
// commit's entries and its command record. The command record goes first: if its key is
// taken, the server refuses it and skips the rest.
func lyWriteCommit(ctx context.Context, tx pgx.Tx, keys []loyalty.AccountKey, accts []*loyalty.Account,
	locked map[loyalty.AccountKey]lyLockedAccount, commit *loyalty.Commit) error {
	b := &pgx.Batch{}
	var cmd *loyalty.Command
	if commit != nil {
		cmd = commit.Command
	}
	if cmd != nil {
		doc, err := json.Marshal(cmd)
		if err != nil {
			return fmt.Errorf("postgres: loyalty update: encoding command %q: %w", cmd.Key, err)
		}
		b.Queue(lySQLCommandInsert, cmd.Program, cmd.Key, cmd.Digest, cmd.At, doc)
	}
	if err := lyQueueAccounts(b, keys, accts, locked); err != nil {
		return err
	}
	if commit != nil && len(commit.Entries) > 0 {
		if err := lyQueueEntries(b, commit.Entries); err != nil {
			return err
		}
	}
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	for i := range b.Len() {
		_, err := br.Exec()
		switch {
		case err == nil:
		case i == 0 && cmd != nil && isUnique(err, "loyalty_commands_pkey"):
			return fmt.Errorf("command %q of %s: %w", cmd.Key, cmd.Program, kehu.ErrDuplicate)
		case isUnique(err, "loyalty_entries_pkey"):
			// Not the commit's command key (that is kehu.ErrDuplicate) but an ID source that
			// repeated itself: another attempt with fresh IDs can succeed.
			return fmt.Errorf("postgres: loyalty update: an entry ID is already stored: %w: %v", kehu.ErrConflict, err)
		default:
			return dbError("loyalty update: write", err)
		}
	}
	return dbError("loyalty update: write", br.Close())
}

// lyQueueAccounts queues the writes of the accounts, each with the next version.
func lyQueueAccounts(b *pgx.Batch, keys []loyalty.AccountKey, accts []*loyalty.Account, locked map[loyalty.AccountKey]lyLockedAccount) error {
	var (
		cols     lyKeyColumns
		versions []int64
		dues     []pgtype.Timestamptz
		docs     [][]byte
	)
	seen := make(map[loyalty.AccountKey]bool, len(keys))
	for i, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		a := *accts[i] // a shallow copy: fn may keep its pointer
		a.Key, a.Version = k, locked[k].version+1
		doc, err := json.Marshal(&a)
		if err != nil {
			return fmt.Errorf("postgres: loyalty update: encoding account %s: %w", k, err)
		}
		cols.add(k)
		versions = append(versions, a.Version)
		dues = append(dues, lyTstz(a.NextExpiry()))
		docs = append(docs, doc)
	}
	if len(docs) == 1 {
		b.Queue(lySQLAccountWrite, cols.programs[0], cols.customers[0], cols.types[0], versions[0], dues[0], docs[0])
		return nil
	}
	b.Queue(lySQLAccountsWrite, cols.programs, cols.customers, cols.types, versions, dues, docs)
	return nil
}

// lyQueueEntries queues the insert of the entries, in the order given.
func lyQueueEntries(b *pgx.Batch, es []loyalty.Entry) error {
	n := len(es)
	var (
		ids, custs        = make([][16]byte, n), make([][16]byte, n)
		progs, types      = make([]string, n), make([]string, n)
		ats               = make([]time.Time, n)
		srcTypes, srcRefs = make([]string, n), make([]string, n)
		docs              = make([][]byte, n)
	)
	for i := range es {
		e := &es[i]
		doc, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("postgres: loyalty update: encoding entry %s: %w", e.ID, err)
		}
		ids[i], custs[i] = lyUUID(e.ID), lyUUID(e.Account.Customer)
		progs[i], types[i] = e.Account.Program, e.Account.PointType
		ats[i] = e.At
		srcTypes[i], srcRefs[i] = e.Source.Type, e.Source.Ref
		docs[i] = doc
	}
	if n == 1 {
		b.Queue(lySQLEntryInsert, ids[0], progs[0], custs[0], types[0], ats[0], srcTypes[0], srcRefs[0], docs[0])
		return nil
	}
	b.Queue(lySQLEntriesInsert, ids, progs, custs, types, ats, srcTypes, srcRefs, docs)
	return nil
}

// Account implements loyalty.Store.
func (s *LoyaltyStore) Account(ctx context.Context, key loyalty.AccountKey) (*loyalty.Account, error) {
	return lyGetDoc[loyalty.Account](s.db.QueryRow(ctx, `SELECT doc FROM loyalty_accounts
WHERE program = $1 AND customer = $2 AND point_type = $3 AND version > 0`,
		key.Program, lyUUID(key.Customer), key.PointType), "account "+key.String())
}

// MemberAccounts implements loyalty.Store.
func (s *LoyaltyStore) MemberAccounts(ctx context.Context, program string, customer crm.CustomerID) ([]*loyalty.Account, error) {
	rows, err := s.db.Query(ctx, `SELECT doc FROM loyalty_accounts
WHERE program = $1 AND customer = $2 AND version > 0 ORDER BY point_type`, program, lyUUID(customer))
	if err != nil {
		return nil, dbError("member accounts", err)
	}
	var out []*loyalty.Account
	err = lyCollectDocs(rows, "member accounts", func(doc []byte) error {
		a := &loyalty.Account{}
		if err := json.Unmarshal(doc, a); err != nil {
			return lyDecodeErr("account", err)
		}
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, err
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
	return lyGetDoc[loyalty.Command](s.db.QueryRow(ctx, `SELECT doc FROM loyalty_commands WHERE program = $1 AND key = $2`,
		program, key), "command "+strconv.Quote(key))
}

// lyScanAccountsQuery is the query of one batch of ScanAccounts and its arguments: up to
// limit accounts of the programme past the key after (nil: from the start) whose next_due
// is at or before dueBy (zero: any).
func lyScanAccountsQuery(program string, limit int, after *loyalty.AccountKey, dueBy time.Time) (string, []any) {
	var b strings.Builder
	args := []any{program, limit}
	b.WriteString(`SELECT doc FROM loyalty_accounts WHERE program = $1 AND version > 0`)
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
// next_due column (Account.NextExpiry). The cursor is the last key of the page.
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
	sql, args := lyScanAccountsQuery(program, limit+1, after, q.DueBy)
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return kehu.Page[*loyalty.Account]{}, dbError("scan accounts", err)
	}
	var items []*loyalty.Account
	err = lyCollectDocs(rows, "scan accounts", func(doc []byte) error {
		a := &loyalty.Account{}
		if err := json.Unmarshal(doc, a); err != nil {
			return lyDecodeErr("account", err)
		}
		items = append(items, a)
		return nil
	})
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
