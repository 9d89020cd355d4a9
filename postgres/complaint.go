package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

// ComplaintStore is a complaint.Store kept in PostgreSQL, in the tables of migration
// 0006_complaint (apply it with Migrate). It is safe for concurrent use by many goroutines
// and processes.
//
// A case is stored as a JSONB document (its encoding/json form) without its steps, beside
// the columns its queries select and order on. Its steps, the append-only audit trail,
// are rows of their own, one JSONB document per step keyed by the case and the step's
// position: an update writes the case's row and inserts the one step it appends, and no
// statement ever changes or deletes a step. So an update costs the same whatever the
// length of the history (a long-running case is not re-encoded in full for each note), a
// step once written cannot be lost by a later write, and the primary key refuses a second
// step at a position that is taken. Reads put the steps back in order, in the same
// statement that reads the case.
//
// UpdateCase is one transaction: it locks the case's row (SELECT … FOR UPDATE), reads the
// steps, runs fn on the copy decoded from them, and writes the case and the new step.
// Concurrent updates of one case wait for each other rather than fail; a deadlock or
// serialisation failure the server reports anyway is returned as kehu.ErrConflict.
//
// Cases are listed in the order they were opened. Each case takes the next position in
// the statement that inserts it, by updating one row that it holds until it commits; so
// cases commit in the order of their positions, and a listing's cursor (the last position
// read) never skips a case committed after the page was read. The cost is that cases are
// opened one at a time, each waiting for the one before it to commit (over a host's
// transaction, until the host commits); updates of cases do not take that row.
//
// Strings must be what PostgreSQL text holds, valid UTF-8 without NUL characters: a write
// carrying any other string fails with kehu.ErrInvalid and writes nothing, and a read for
// such a value (a key) finds nothing. A case or step that its own types would refuse to
// decode (an unknown status, say) is refused with kehu.ErrInvalid too.
//
//	svc := complaint.NewService(postgres.NewComplaintStore(pool), nil)
type ComplaintStore struct {
	db DB
}

var _ complaint.Store = (*ComplaintStore)(nil)

// NewComplaintStore returns a store over db: a pool, or a transaction the host began (see
// DB). The database must have been migrated with Migrate; the store uses the tables in the
// connection's search_path.
func NewComplaintStore(db DB) *ComplaintStore {
	return &ComplaintStore{db: db}
}

// SQL of the complaint store.
const (
	// sqlInsertCase takes the next position and inserts the case at it, in one statement:
	// the position's row stays locked until the case commits.
	sqlInsertCase = `WITH pos AS (
	INSERT INTO complaint_case_positions AS p (only_row, last) VALUES (true, 1)
	ON CONFLICT (only_row) DO UPDATE SET last = p.last + 1
	RETURNING last)
INSERT INTO complaint_cases (id, seq, customer, status, version, doc)
SELECT $1, pos.last, $2, $3, $4, $5 FROM pos`
	// sqlInsertCaseKey records the key a case was opened with, in a table of its own so that
	// the cases can be spread by case while a key stays unique store-wide.
	sqlInsertCaseKey = `INSERT INTO complaint_case_keys (key, case_id) VALUES ($1, $2)`
	// sqlInsertSteps appends steps at positions $2, $2+1, …, in the order given.
	sqlInsertSteps = `INSERT INTO complaint_steps (case_id, seq, doc)
SELECT $1, $2 + s.n - 1, s.doc FROM unnest($3::jsonb[]) WITH ORDINALITY AS s(doc, n)`
	sqlInsertStep  = `INSERT INTO complaint_steps (case_id, seq, doc) VALUES ($1, $2, $3)`
	sqlUpdateCase  = `UPDATE complaint_cases SET customer = $2, status = $3, version = $4, doc = $5 WHERE id = $1`
	sqlLockCase    = `SELECT doc FROM complaint_cases WHERE id = $1 FOR UPDATE`
	sqlLockedSteps = `SELECT doc FROM complaint_steps WHERE case_id = $1 ORDER BY seq`
	// sqlSelectCases is the start of the queries that read whole cases: each case's
	// document and its steps' documents as one JSON array, NULL when it has none.
	sqlSelectCases = `SELECT c.seq, c.doc,
	(SELECT jsonb_agg(s.doc ORDER BY s.seq) FROM complaint_steps s WHERE s.case_id = c.id)
FROM complaint_cases c`
)

// encodeCase returns the document of c without its steps. It keeps whether Steps was nil
// (null) or not ([]), so that a case without steps reads back as it was given.
func encodeCase(c *complaint.Case) ([]byte, error) {
	bare := *c
	bare.Steps = c.Steps[:0:0]
	return encodeDoc("case", &bare)
}

// encodeSteps returns the documents of steps, the first of which is at position first.
func encodeSteps(steps []complaint.Step, first int) ([][]byte, error) {
	docs := make([][]byte, len(steps))
	for i := range steps {
		var err error
		if docs[i], err = encodeDoc(fmt.Sprintf("steps[%d]", first+i), &steps[i]); err != nil {
			return nil, err
		}
	}
	return docs, nil
}

// decodeCase reads a case's document and its steps (a JSON array of step documents, or
// nil when the case has none).
func decodeCase(doc, steps []byte) (*complaint.Case, error) {
	c, err := decodeDoc[complaint.Case]("case", doc)
	if err != nil {
		return nil, err
	}
	if steps != nil {
		if err := json.Unmarshal(steps, &c.Steps); err != nil {
			return nil, fmt.Errorf("postgres: stored steps of case %s: %w", c.ID, err)
		}
	}
	return c, nil
}

// CreateCase implements complaint.Store. The case and its steps are written in one
// transaction; a second create with the ID or key waits for the first to commit and then
// fails with kehu.ErrDuplicate.
func (s *ComplaintStore) CreateCase(ctx context.Context, c *complaint.Case) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c == nil {
		return kehu.Invalid("case", "required", "is nil")
	}
	if err := kehu.CheckKey("key", c.Key); err != nil {
		return err
	}
	what := "create case " + c.ID.String()
	doc, err := encodeCase(c)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	stepDocs, err := encodeSteps(c.Steps, 0)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	id := c.ID.UUID()
	steps := []crmStep{{
		sql:  sqlInsertCase,
		args: []any{id, c.Customer.UUID(), string(c.Status), c.Version, doc},
		fail: func(err error) error {
			if isUnique(err, "complaint_cases_pkey") {
				return fmt.Errorf("postgres: case %s: %w", c.ID, kehu.ErrDuplicate)
			}
			return dbError(what, err)
		},
	}, {
		sql:  sqlInsertCaseKey,
		args: []any{c.Key, id},
		fail: func(err error) error {
			if isUnique(err, "complaint_case_keys_pkey") {
				return fmt.Errorf("postgres: case key %q: %w", c.Key, kehu.ErrDuplicate)
			}
			return dbError(what, err)
		},
	}}
	if len(stepDocs) > 0 {
		steps = append(steps, crmStep{
			sql:  sqlInsertSteps,
			args: []any{id, 0, stepDocs},
			fail: func(err error) error { return dbError(what+": steps", err) },
		})
	}
	return atomically(ctx, s.db, what, func(db DB) error { return runSteps(ctx, db, steps) })
}

// Case implements complaint.Store.
func (s *ComplaintStore) Case(ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
	return s.oneCase(ctx, "case "+id.String(), sqlSelectCases+` WHERE c.id = $1`, id.UUID())
}

// CaseByKey implements complaint.Store.
func (s *ComplaintStore) CaseByKey(ctx context.Context, key string) (*complaint.Case, error) {
	what := fmt.Sprintf("case key %q", key)
	if !storable(key) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("postgres: %s: %w", what, kehu.ErrNotFound)
	}
	return s.oneCase(ctx, what, sqlSelectCases+` WHERE c.id = (SELECT case_id FROM complaint_case_keys WHERE key = $1)`, key)
}

func (s *ComplaintStore) oneCase(ctx context.Context, what, sql string, args ...any) (*complaint.Case, error) {
	var (
		seq        int64
		doc, steps []byte
	)
	err := s.db.QueryRow(ctx, sql, args...).Scan(&seq, &doc, &steps)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("postgres: %s: %w", what, kehu.ErrNotFound)
	case err != nil:
		return nil, dbError("get "+what, err)
	}
	return decodeCase(doc, steps)
}

// UpdateCase implements complaint.Store. It locks the case's row, reads the steps (in a
// statement of their own, after the lock is granted, so that it sees every step committed
// before), runs fn on the case decoded from them, and writes the case and the step fn
// returns, all in one transaction. fn's changes to ID, Key, Version and Steps are not kept.
func (s *ComplaintStore) UpdateCase(ctx context.Context, id complaint.CaseID, fn func(*complaint.Case) (*complaint.Step, error)) error {
	what := "update case " + id.String()
	return inTx(ctx, s.db, what, func(tx pgx.Tx) error {
		cur, err := lockCase(ctx, tx, id)
		if err != nil {
			return err
		}
		return writeCase(ctx, tx, what, cur, fn)
	})
}

// UpdateCaseWith implements complaint.Store: UpdateCase that first locks the row of the
// case other too, the two in the order of their IDs (so that two updates that each read
// the case the other writes wait for each other rather than deadlock), and hands fn other
// as it stands under the lock.
func (s *ComplaintStore) UpdateCaseWith(ctx context.Context, id, other complaint.CaseID, fn func(c, other *complaint.Case) (*complaint.Step, error)) error {
	if other == id {
		return kehu.Invalid("other", "distinct", "is the case updated")
	}
	what := "update case " + id.String()
	return inTx(ctx, s.db, what, func(tx pgx.Tx) error {
		first, second := id, other
		if second.Compare(first) < 0 {
			first, second = second, first
		}
		locked := map[complaint.CaseID]*complaint.Case{}
		for _, k := range []complaint.CaseID{first, second} {
			c, err := lockCase(ctx, tx, k)
			if err != nil {
				return err
			}
			locked[k] = c
		}
		return writeCase(ctx, tx, what, locked[id], func(c *complaint.Case) (*complaint.Step, error) {
			return fn(c, locked[other])
		})
	})
}

// writeCase runs fn on a copy of cur, a case locked in tx, and writes the case and the
// step fn returns. fn's changes to ID, Key, Version and Steps are not kept.
func writeCase(ctx context.Context, tx pgx.Tx, what string, cur *complaint.Case, fn func(*complaint.Case) (*complaint.Step, error)) error {
	work := cur.Clone()
	step, err := fn(work)
	if err != nil {
		return err
	}
	// Only the new step is encoded: the stored ones stay as they are.
	work.ID, work.Key, work.Version, work.Steps = cur.ID, cur.Key, cur.Version+1, cur.Steps
	doc, err := encodeCase(work)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	steps := []crmStep{{
		sql:  sqlUpdateCase,
		args: []any{work.ID.UUID(), work.Customer.UUID(), string(work.Status), work.Version, doc},
		fail: func(err error) error { return dbError(what, err) },
	}}
	if step != nil {
		stepDoc, err := encodeSteps([]complaint.Step{*step}, len(cur.Steps))
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", what, err)
		}
		steps = append(steps, crmStep{
			sql:  sqlInsertStep,
			args: []any{work.ID.UUID(), len(cur.Steps), stepDoc[0]},
			fail: func(err error) error { return dbError(what+": append step", err) },
		})
	}
	return runSteps(ctx, tx, steps)
}

// lockCase locks the row of case id and reads the case with its steps. The steps are read
// by the batch's second statement, which in READ COMMITTED takes a snapshot of its own
// after the lock is granted: a snapshot taken with the lock's statement would miss the
// step of an update that committed while this one waited for the lock.
func lockCase(ctx context.Context, tx pgx.Tx, id complaint.CaseID) (*complaint.Case, error) {
	what := "lock case " + id.String()
	b := &pgx.Batch{}
	b.Queue(sqlLockCase, id.UUID())
	b.Queue(sqlLockedSteps, id.UUID())
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	var doc []byte
	err := br.QueryRow().Scan(&doc)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("postgres: case %s: %w", id, kehu.ErrNotFound)
	case err != nil:
		return nil, dbError(what, err)
	}
	rows, err := br.Query()
	if err != nil {
		return nil, dbError(what, err)
	}
	var steps []complaint.Step
	err = lyCollectDocs(rows, what, func(doc []byte) error {
		var st complaint.Step
		if err := json.Unmarshal(doc, &st); err != nil {
			return fmt.Errorf("postgres: stored step of case %s: %w", id, err)
		}
		steps = append(steps, st)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := br.Close(); err != nil {
		return nil, dbError(what, err)
	}
	c, err := decodeDoc[complaint.Case]("case", doc)
	if err != nil {
		return nil, err
	}
	if steps != nil {
		c.Steps = steps
	}
	return c, nil
}

// ListCases implements complaint.Store. The cursor is the position of the page's last case
// in the order opened.
func (s *ComplaintStore) ListCases(ctx context.Context, q complaint.CaseQuery) (kehu.Page[*complaint.Case], error) {
	after, err := parseSeqCursor(q.After)
	if err != nil {
		return kehu.Page[*complaint.Case]{}, err
	}
	limit := q.Size()
	var args sqlArgs
	where := []string{"c.seq > " + args.add(after)}
	if !q.Customer.IsZero() {
		where = append(where, "c.customer = "+args.add(q.Customer.UUID()))
	}
	if len(q.Statuses) > 0 {
		// A status PostgreSQL text cannot hold is no case's.
		var statuses []string
		for _, st := range q.Statuses {
			if storable(string(st)) {
				statuses = append(statuses, string(st))
			}
		}
		if len(statuses) == 0 {
			return kehu.Page[*complaint.Case]{}, ctx.Err()
		}
		where = append(where, "c.status = ANY("+args.add(statuses)+"::text[])")
	}
	sql := sqlSelectCases + " WHERE " + strings.Join(where, " AND ") + " ORDER BY c.seq LIMIT " + args.add(limit+1)
	const what = "list cases"
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return kehu.Page[*complaint.Case]{}, dbError(what, err)
	}
	defer rows.Close()
	var (
		page kehu.Page[*complaint.Case]
		last int64
	)
	for rows.Next() {
		if len(page.Items) == limit {
			page.Next = strconv.FormatInt(last, 10)
			break
		}
		var doc, steps []byte
		if err := rows.Scan(&last, &doc, &steps); err != nil {
			return kehu.Page[*complaint.Case]{}, dbError(what, err)
		}
		c, err := decodeCase(doc, steps)
		if err != nil {
			return kehu.Page[*complaint.Case]{}, err
		}
		page.Items = append(page.Items, c)
	}
	if err := rows.Err(); err != nil {
		return kehu.Page[*complaint.Case]{}, dbError(what, err)
	}
	return page, nil
}
