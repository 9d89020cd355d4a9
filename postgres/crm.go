package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// CRMStore is a crm.Store kept in PostgreSQL, in the tables of migrations 0001_crm and
// 0003_microsecond_times (apply them with Migrate). It is safe for concurrent use by many goroutines and processes.
//
// Each customer, history entry and interaction is stored whole as a JSONB document (its
// encoding/json form), beside the columns that queries select and order on. Time columns
// hold the documents' instants exactly: the services give whole microseconds (see
// crm.Store), which is what timestamptz keeps. The exact-match indexes (emails, E.164
// phones, name keys) and the tags live in side tables kept in step with the document in
// the same transaction. Keyword terms are matched as substrings of crm.SearchText, served
// by a trigram index where the server has pg_trgm.
//
// Every atomic update is one transaction that locks the rows it changes (SELECT … FOR NO
// KEY UPDATE, the row lock an UPDATE that keeps the key takes; it does not block the
// foreign-key checks of new history entries and interactions). Concurrent updates of one
// customer or interaction therefore wait for each other and never conflict; a merge locks
// its two customers in ID order. A deadlock or serialisation failure reported by the
// server is returned as kehu.ErrConflict.
//
// Strings must be what PostgreSQL text holds, valid UTF-8 without NUL characters: a write
// carrying any other string fails with kehu.ErrInvalid and writes nothing, and a read for
// such a value (a key, an email, a search term) finds nothing. A document that its own types
// would refuse to decode (an unknown enum value, say) is refused with kehu.ErrInvalid too.
//
// A host migrates the database at start-up and hands the store to the service:
//
//	pool, err := pgxpool.New(ctx, "postgres://app@db/crm")
//	if err != nil {
//		return err
//	}
//	defer pool.Close()
//	if err := postgres.Migrate(ctx, pool); err != nil {
//		return err
//	}
//	svc := crm.NewService(postgres.NewCRMStore(pool), nil)
//	c, err := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "王小明"}}, nil)
type CRMStore struct {
	db DB
}

var _ crm.Store = (*CRMStore)(nil)

// NewCRMStore returns a store over db: a pool, or a transaction the host began (see DB).
// The database must have been migrated with Migrate; the store uses the tables in the
// connection's search_path.
func NewCRMStore(db DB) *CRMStore {
	return &CRMStore{db: db}
}

// SQL of the customer writes.
const (
	sqlInsertCustomer = `INSERT INTO crm_customers
		(id, version, stage, owner, created_at, tombstone, search_text, doc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	// sqlInsertCreateKey records a customer's create key, in a table of its own so that the
	// customers' tables can be spread by customer while a key stays unique store-wide.
	sqlInsertCreateKey = `INSERT INTO crm_customer_keys (key, customer_id) VALUES ($1, $2)`
	sqlUpdateCustomer  = `UPDATE crm_customers SET version = $2, stage = $3, owner = $4, created_at = $5,
		tombstone = $6, search_text = $7, doc = $8 WHERE id = $1`
	sqlDeleteLookup = `DELETE FROM crm_customer_lookup WHERE customer_id = $1`
	sqlInsertLookup = `INSERT INTO crm_customer_lookup (customer_id, field, value)
		SELECT $1, u.field, u.value FROM unnest($2::text[], $3::text[]) AS u(field, value)`
	sqlDeleteTags   = `DELETE FROM crm_customer_tags WHERE customer_id = $1`
	sqlInsertTags   = `INSERT INTO crm_customer_tags (customer_id, tag) SELECT $1, unnest($2::text[])`
	sqlInsertChange = `INSERT INTO crm_history (customer_id, change_id, key, doc) VALUES ($1, $2, NULLIF($3, ''), $4)`
	// sqlCopyHistory appends copies of the duplicate's ($2) entries, in order, to the
	// survivor's ($1) history: From set to the duplicate ($3) unless a copy already names
	// the customer it came from, and no key or digest (keys are unique per customer).
	sqlCopyHistory = `INSERT INTO crm_history (customer_id, change_id, key, doc)
		SELECT $1, d.change_id, NULL,
		       (CASE WHEN d.doc ? 'from' THEN d.doc ELSE jsonb_set(d.doc, '{from}', to_jsonb($3::text)) END) - 'key' - 'digest'
		  FROM (SELECT change_id, doc FROM crm_history WHERE customer_id = $2 ORDER BY seq) AS d`
	// sqlCopyInteractions and sqlDeleteInteractions move the duplicate's ($2) interactions
	// to the survivor ($1): as an insert and a delete rather than an update, because the
	// customer is the column a distributed table places its rows by, and such a column
	// cannot be updated; and as two statements, because CockroachDB refuses a statement
	// that modifies one table twice (unless only by plain inserts).
	sqlCopyInteractions = `INSERT INTO crm_interactions (id, customer_id, at, reply_by, replied, doc)
	SELECT id, $1, at, reply_by, replied, jsonb_set(doc, '{customer_id}', to_jsonb($3::text))
	FROM crm_interactions WHERE customer_id = $2`
	sqlDeleteInteractions  = `DELETE FROM crm_interactions WHERE customer_id = $1`
	sqlMoveInteractionKeys = `UPDATE crm_interaction_keys SET customer_id = $1 WHERE customer_id = $2`
)

// CreateCustomer implements crm.Store. The customer, its index rows and its first history
// entry are written in one transaction; a second create with the same ID or create key
// waits for the first to commit and then fails with kehu.ErrDuplicate.
func (s *CRMStore) CreateCustomer(ctx context.Context, c *crm.Customer, first *crm.Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if first != nil {
		if err := kehu.CheckOptionalKey("key", first.Key); err != nil {
			return err
		}
	}
	row, err := newCustRow(c)
	if err != nil {
		return fmt.Errorf("postgres: create customer %s: %w", c.ID, err)
	}
	var key string
	var firstDoc []byte
	if first != nil {
		key = first.Key
		if firstDoc, err = encodeDoc("history entry", first); err != nil {
			return fmt.Errorf("postgres: create customer %s: %w", c.ID, err)
		}
	}
	id := c.ID.UUID()
	steps := []crmStep{{
		sql: sqlInsertCustomer,
		args: []any{id, c.Version, string(c.Stage), c.Owner, row.createdAt, row.tombstone,
			row.search, row.doc},
		fail: func(err error) error {
			if isUnique(err, "crm_customers_pkey") {
				return fmt.Errorf("postgres: customer %s: %w", c.ID, kehu.ErrDuplicate)
			}
			return dbError("create customer "+c.ID.String(), err)
		},
	}}
	if key != "" {
		steps = append(steps, crmStep{
			sql:  sqlInsertCreateKey,
			args: []any{key, id},
			fail: func(err error) error {
				if isUnique(err, "crm_customer_keys_pkey") {
					return fmt.Errorf("postgres: customer with create key %q: %w", key, kehu.ErrDuplicate)
				}
				return dbError("create customer "+c.ID.String(), err)
			},
		})
	}
	steps = append(steps, row.indexSteps(id, nil)...)
	if first != nil {
		steps = append(steps, changeStep(c.ID, first, firstDoc))
	}
	return atomically(ctx, s.db, "create customer", func(db DB) error { return runSteps(ctx, db, steps) })
}

// GetCustomer implements crm.Store.
func (s *CRMStore) GetCustomer(ctx context.Context, id crm.CustomerID) (*crm.Customer, error) {
	c, err := scanCustomer(s.db.QueryRow(ctx, `SELECT doc FROM crm_customers WHERE id = $1`, id.UUID()))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: customer %s: %w", id, kehu.ErrNotFound)
	}
	if err != nil {
		return nil, dbError("get customer "+id.String(), err)
	}
	return c, nil
}

// GetCustomerByKey implements crm.Store.
func (s *CRMStore) GetCustomerByKey(ctx context.Context, key string) (*crm.Customer, error) {
	notFound := fmt.Errorf("postgres: customer with create key %q: %w", key, kehu.ErrNotFound)
	if key == "" || !storable(key) {
		return nil, notFound
	}
	c, err := scanCustomer(s.db.QueryRow(ctx, `SELECT doc FROM crm_customers
		WHERE id = (SELECT customer_id FROM crm_customer_keys WHERE key = $1)`, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, dbError(fmt.Sprintf("get customer by create key %q", key), err)
	}
	return c, nil
}

// UpdateCustomer implements crm.Store. It locks the customer's row, runs fn on a copy of
// the stored customer and writes the result, its index rows and the Change in the same
// transaction; concurrent updates of one customer wait for each other.
func (s *CRMStore) UpdateCustomer(ctx context.Context, id crm.CustomerID, fn func(*crm.Customer) (*crm.Change, error)) error {
	what := "update customer " + id.String()
	return inTx(ctx, s.db, what, func(tx pgx.Tx) error {
		locked, err := lockCustomers(ctx, tx, id)
		if err != nil {
			return err
		}
		cur := locked[id]
		if cur == nil {
			return fmt.Errorf("postgres: customer %s: %w", id, kehu.ErrNotFound)
		}
		c := cur.Clone()
		ch, err := fn(c)
		if err != nil {
			return err
		}
		if ch != nil {
			if err := kehu.CheckOptionalKey("key", ch.Key); err != nil {
				return err
			}
		}
		c.ID, c.Version = id, cur.Version+1
		steps, err := customerSteps(cur, c, ch)
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", what, err)
		}
		return runSteps(ctx, tx, steps)
	})
}

// MergeCustomers implements crm.Store. It locks both customers' rows in ID order (so that
// concurrent merges of the same pair cannot deadlock), runs fn, and in the same
// transaction stores both customers, copies the duplicate's history to the survivor's,
// appends both Changes and moves the duplicate's interactions to the survivor.
func (s *CRMStore) MergeCustomers(ctx context.Context, survivor, duplicate crm.CustomerID,
	fn func(survivor, duplicate *crm.Customer) (*crm.Change, *crm.Change, error)) error {
	what := fmt.Sprintf("merge customer %s into %s", duplicate, survivor)
	return inTx(ctx, s.db, what, func(tx pgx.Tx) error {
		locked, err := lockCustomers(ctx, tx, survivor, duplicate)
		if err != nil {
			return err
		}
		curS, curD := locked[survivor], locked[duplicate]
		switch {
		case curS == nil:
			return fmt.Errorf("postgres: customer %s: %w", survivor, kehu.ErrNotFound)
		case curD == nil:
			return fmt.Errorf("postgres: customer %s: %w", duplicate, kehu.ErrNotFound)
		case survivor == duplicate:
			return fmt.Errorf("postgres: merge customer %s into itself: %w", survivor, kehu.ErrConflict)
		}
		cs, cd := curS.Clone(), curD.Clone()
		chs, chd, err := fn(cs, cd)
		if err != nil {
			return err
		}
		for _, ch := range []*crm.Change{chs, chd} {
			if ch != nil {
				if err := kehu.CheckOptionalKey("key", ch.Key); err != nil {
					return err
				}
			}
		}
		cs.ID, cs.Version = survivor, curS.Version+1
		cd.ID, cd.Version = duplicate, curD.Version+1
		// The copies are taken before the duplicate's merge Change is appended: they are the
		// entries it had when it was merged.
		stepsD, err := customerSteps(curD, cd, nil)
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", what, err)
		}
		stepsS, err := customerSteps(curS, cs, nil)
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", what, err)
		}
		steps := append(stepsD, stepsS...)
		steps = append(steps, crmStep{
			sql:  sqlCopyHistory,
			args: []any{survivor.UUID(), duplicate.UUID(), duplicate.String()},
			fail: func(err error) error { return dbError(what+": copy history", err) },
		})
		for _, x := range []struct {
			id crm.CustomerID
			ch *crm.Change
		}{{duplicate, chd}, {survivor, chs}} {
			if x.ch == nil {
				continue
			}
			doc, err := encodeDoc("history entry", x.ch)
			if err != nil {
				return fmt.Errorf("postgres: %s: %w", what, err)
			}
			steps = append(steps, changeStep(x.id, x.ch, doc))
		}
		steps = append(steps, crmStep{
			sql:  sqlCopyInteractions,
			args: []any{survivor.UUID(), duplicate.UUID(), survivor.String()},
			fail: func(err error) error { return dbError(what+": move interactions", err) },
		}, crmStep{
			sql:  sqlDeleteInteractions,
			args: []any{duplicate.UUID()},
			fail: func(err error) error { return dbError(what+": move interactions", err) },
		}, crmStep{
			sql:  sqlMoveInteractionKeys,
			args: []any{survivor.UUID(), duplicate.UUID()},
			fail: func(err error) error { return dbError(what+": move interaction keys", err) },
		})
		return runSteps(ctx, tx, steps)
	})
}

// lockCustomers reads and locks the rows of the customers that exist among ids, in ID
// order, and returns them by ID.
func lockCustomers(ctx context.Context, tx pgx.Tx, ids ...crm.CustomerID) (map[crm.CustomerID]*crm.Customer, error) {
	keys := make([][16]byte, len(ids))
	for i, id := range ids {
		keys[i] = id.UUID()
	}
	rows, err := tx.Query(ctx, `SELECT doc FROM crm_customers WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`, keys)
	if err != nil {
		return nil, dbError("lock customers", err)
	}
	cs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*crm.Customer, error) { return scanCustomer(row) })
	if err != nil {
		return nil, dbError("lock customers", err)
	}
	out := make(map[crm.CustomerID]*crm.Customer, len(cs))
	for _, c := range cs {
		out[c.ID] = c
	}
	return out, nil
}

// customerSteps returns the writes that replace the stored customer old by c, appending
// ch, if not nil, first (a repeated change key then fails before anything else is sent).
// Index rows are rewritten only when they differ.
func customerSteps(old, c *crm.Customer, ch *crm.Change) ([]crmStep, error) {
	row, err := newCustRow(c)
	if err != nil {
		return nil, err
	}
	var steps []crmStep
	if ch != nil {
		doc, err := encodeDoc("history entry", ch)
		if err != nil {
			return nil, err
		}
		steps = append(steps, changeStep(c.ID, ch, doc))
	}
	id := c.ID.UUID()
	steps = append(steps, crmStep{
		sql: sqlUpdateCustomer,
		args: []any{id, c.Version, string(c.Stage), c.Owner, row.createdAt, row.tombstone,
			row.search, row.doc},
		fail: func(err error) error { return dbError("update customer "+c.ID.String(), err) },
	})
	oldRow := indexRowsOf(old)
	return append(steps, row.indexSteps(id, &oldRow)...), nil
}

// changeStep appends ch (encoded as doc) to the customer's history.
func changeStep(id crm.CustomerID, ch *crm.Change, doc []byte) crmStep {
	key := ch.Key
	return crmStep{
		sql:  sqlInsertChange,
		args: []any{id.UUID(), ch.ID.UUID(), key, doc},
		fail: func(err error) error {
			if isUnique(err, "crm_history_key") {
				return fmt.Errorf("postgres: customer %s change key %q: %w", id, key, kehu.ErrDuplicate)
			}
			return dbError("append history entry of customer "+id.String(), err)
		},
	}
}

// crmStep is one statement of a transaction's batch, with the translation of its error.
type crmStep struct {
	sql  string
	args []any
	fail func(error) error
}

// runSteps sends the statements in one batch, in order, and returns the translated error of
// the first that fails.
func runSteps(ctx context.Context, db DB, steps []crmStep) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := &pgx.Batch{}
	for _, st := range steps {
		b.Queue(st.sql, st.args...)
	}
	br := db.SendBatch(ctx, b)
	for _, st := range steps {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return st.fail(err)
		}
	}
	if err := br.Close(); err != nil {
		return dbError("batch", err)
	}
	return nil
}
