package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// sqlArgs collects the arguments of a query built clause by clause.
type sqlArgs []any

// add appends v and returns its placeholder.
func (a *sqlArgs) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// ScanTimelines implements crm.Store: one query, its rows read as they arrive, each a
// customer with its interactions aggregated in (at, id) order through the index on
// (customer_id, at, id).
func (s *CRMStore) ScanTimelines(ctx context.Context, before time.Time, fn func(*crm.Customer, []*crm.Interaction) error) error {
	const what = "scan timelines"
	if err := ctx.Err(); err != nil {
		return err
	}
	var bound *time.Time
	if !before.IsZero() {
		b := ceilMicro(before)
		bound = &b
	}
	rows, err := s.db.Query(ctx, `SELECT c.doc, COALESCE((SELECT jsonb_agg(i.doc ORDER BY i.at, i.id) FROM crm_interactions i
		WHERE i.customer_id = c.id AND ($1::timestamptz IS NULL OR i.at < $1)), '[]'::jsonb)
		FROM crm_customers c WHERE NOT c.tombstone`, bound)
	if err != nil {
		return dbError(what, err)
	}
	defer rows.Close()
	for rows.Next() {
		var cdoc, idocs []byte
		if err := rows.Scan(&cdoc, &idocs); err != nil {
			return dbError(what, err)
		}
		c, err := decodeDoc[crm.Customer]("customer", cdoc)
		if err != nil {
			return dbError(what, err)
		}
		var raw []json.RawMessage
		if err := json.Unmarshal(idocs, &raw); err != nil {
			return dbError(what, err)
		}
		tl := make([]*crm.Interaction, len(raw))
		for k, r := range raw {
			if tl[k], err = decodeDoc[crm.Interaction]("interaction", r); err != nil {
				return dbError(what, err)
			}
		}
		if err := fn(c, tl); err != nil {
			return err
		}
	}
	return dbError(what, rows.Err())
}

// LookupCustomers implements crm.Store.
func (s *CRMStore) LookupCustomers(ctx context.Context, field crm.LookupField, value string) ([]*crm.Customer, error) {
	switch field {
	case crm.LookupEmail, crm.LookupNameKey:
	case crm.LookupPhone:
		if !isE164(value) {
			return []*crm.Customer{}, nil
		}
	default:
		return nil, kehu.Invalid("field", "enum", fmt.Sprintf("%q is not a lookup field", field))
	}
	if !storable(value) {
		return []*crm.Customer{}, nil
	}
	rows, err := s.db.Query(ctx, `SELECT c.doc FROM crm_customer_lookup l JOIN crm_customers c ON c.id = l.customer_id
		WHERE l.field = $1 AND l.value = $2 AND NOT c.tombstone ORDER BY c.id`, string(field), value)
	if err != nil {
		return nil, dbError("lookup customers", err)
	}
	cs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*crm.Customer, error) { return scanCustomer(row) })
	if err != nil {
		return nil, dbError("lookup customers", err)
	}
	return cs, nil
}

// SearchCustomers implements crm.Store. The Next cursor is the ID of the page's last
// customer, so customers created meanwhile never make a later page repeat or skip one.
func (s *CRMStore) SearchCustomers(ctx context.Context, q crm.SearchQuery) (kehu.Page[*crm.Customer], error) {
	var args sqlArgs
	var where []string
	if !q.IncludeTombstones {
		where = append(where, "NOT tombstone")
	}
	if len(q.Stages) > 0 {
		stages := make([]string, len(q.Stages))
		for i, st := range q.Stages {
			stages[i] = string(st)
		}
		where = append(where, "stage = ANY("+args.add(stages)+"::text[])")
	}
	if q.Owner != "" {
		if !storable(q.Owner) {
			return kehu.Page[*crm.Customer]{}, nil
		}
		where = append(where, "owner = "+args.add(q.Owner))
	}
	// Bounds are moved to whole microseconds (see ceilMicro), so they compare exactly.
	if !q.CreatedFrom.IsZero() {
		where = append(where, "created_at >= "+args.add(ceilMicro(q.CreatedFrom)))
	}
	if !q.CreatedTo.IsZero() {
		where = append(where, "created_at < "+args.add(ceilMicro(q.CreatedTo)))
	}
	if len(q.Tags) > 0 {
		tags := make([]string, len(q.Tags))
		for i, t := range q.Tags {
			tags[i] = strings.ToLower(strings.TrimSpace(t))
			if !storable(tags[i]) {
				return kehu.Page[*crm.Customer]{}, nil
			}
		}
		where = append(where, `NOT EXISTS (SELECT 1 FROM unnest(`+args.add(tags)+`::text[]) AS q(tag)
			WHERE NOT EXISTS (SELECT 1 FROM crm_customer_tags t WHERE t.customer_id = c.id AND t.tag = q.tag))`)
	}
	for _, term := range q.Terms {
		if !storable(term) {
			return kehu.Page[*crm.Customer]{}, nil
		}
		// One LIKE per term, with the pattern as a parameter: the form a trigram index serves.
		where = append(where, "search_text LIKE "+args.add(likeContains(term)))
	}
	if q.After != "" {
		after, err := crm.ParseCustomerID(q.After)
		if err != nil {
			return kehu.Page[*crm.Customer]{}, badCursor()
		}
		where = append(where, "id > "+args.add(after.UUID()))
	}
	limit := q.Size()
	sql := "SELECT doc FROM crm_customers c"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY id LIMIT " + args.add(limit+1)

	// An unnamed statement is planned for the values it is run with: a generic plan cannot
	// tell a rare term (use the trigram index) from a common one (walk the IDs in order).
	rows, err := s.db.Query(ctx, sql, append([]any{pgx.QueryExecModeCacheDescribe}, args...)...)
	if err != nil {
		return kehu.Page[*crm.Customer]{}, dbError("search customers", err)
	}
	cs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*crm.Customer, error) { return scanCustomer(row) })
	if err != nil {
		return kehu.Page[*crm.Customer]{}, dbError("search customers", err)
	}
	page := kehu.Page[*crm.Customer]{Items: cs}
	if len(cs) > limit {
		page.Items = cs[:limit]
		page.Next = cs[limit-1].ID.String()
	}
	return page, nil
}

// History implements crm.Store. The Next cursor is the position (seq) of the page's last
// entry; a customer's entries are appended under its row lock, so they commit in position
// order and a cursor never skips one.
func (s *CRMStore) History(ctx context.Context, id crm.CustomerID, page kehu.PageRequest) (kehu.Page[crm.Change], error) {
	var after int64
	if page.After != "" {
		n, err := strconv.ParseInt(page.After, 10, 64)
		if err != nil || n < 0 {
			return kehu.Page[crm.Change]{}, badCursor()
		}
		after = n
	}
	limit := page.Size()
	// One statement, so the existence check and the page read one snapshot: no row means
	// no customer, a row of NULLs a customer without (further) entries.
	rows, err := s.db.Query(ctx, `SELECT h.seq, h.doc FROM crm_customers c
		LEFT JOIN LATERAL (SELECT seq, doc FROM crm_history
			WHERE customer_id = c.id AND seq > $2 ORDER BY seq LIMIT $3) AS h ON true
		WHERE c.id = $1 ORDER BY h.seq`, id.UUID(), after, limit+1)
	if err != nil {
		return kehu.Page[crm.Change]{}, dbError("history of customer "+id.String(), err)
	}
	found := false
	var items []crm.Change
	var seqs []int64
	var seq *int64
	var doc []byte
	_, err = pgx.ForEachRow(rows, []any{&seq, &doc}, func() error {
		found = true
		if seq == nil {
			return nil
		}
		ch, err := decodeDoc[crm.Change]("history entry", doc)
		if err != nil {
			return err
		}
		items = append(items, *ch)
		seqs = append(seqs, *seq)
		return nil
	})
	if err != nil {
		return kehu.Page[crm.Change]{}, dbError("history of customer "+id.String(), err)
	}
	if !found {
		return kehu.Page[crm.Change]{}, fmt.Errorf("postgres: customer %s: %w", id, kehu.ErrNotFound)
	}
	out := kehu.Page[crm.Change]{Items: items}
	if len(items) > limit {
		out.Items = items[:limit]
		out.Next = strconv.FormatInt(seqs[limit-1], 10)
	}
	return out, nil
}

// RedactHistory implements crm.Store. It locks the customer's row, so that no entry is
// appended meanwhile, and rewrites the entries that redact changes in one statement.
func (s *CRMStore) RedactHistory(ctx context.Context, id crm.CustomerID, redact func(field string) bool) error {
	what := "redact history of customer " + id.String()
	return inTx(ctx, s.db, what, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM crm_customers WHERE id = $1 FOR NO KEY UPDATE`, id.UUID()).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: customer %s: %w", id, kehu.ErrNotFound)
		}
		if err != nil {
			return dbError(what, err)
		}
		rows, err := tx.Query(ctx, `SELECT seq, doc FROM crm_history WHERE customer_id = $1 ORDER BY seq`, id.UUID())
		if err != nil {
			return dbError(what, err)
		}
		var seqs []int64
		var docs []string
		var seq int64
		var doc []byte
		_, err = pgx.ForEachRow(rows, []any{&seq, &doc}, func() error {
			ch, err := decodeDoc[crm.Change]("history entry", doc)
			if err != nil {
				return err
			}
			changed := false
			for i := range ch.Fields {
				f := &ch.Fields[i]
				if redact(f.Field) && (f.Old != crm.Redacted || f.New != crm.Redacted) {
					f.Old, f.New = crm.Redacted, crm.Redacted
					changed = true
				}
			}
			if !changed {
				return nil
			}
			b, err := encodeDoc("history entry", ch)
			if err != nil {
				return err
			}
			seqs = append(seqs, seq)
			docs = append(docs, string(b))
			return nil
		})
		if err != nil {
			return dbError(what, err)
		}
		if len(seqs) == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE crm_history h SET doc = u.doc::jsonb
			FROM unnest($1::bigint[], $2::text[]) AS u(seq, doc) WHERE h.seq = u.seq`, seqs, docs)
		return dbError(what, err)
	})
}
