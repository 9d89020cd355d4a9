package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// interRow is what the columns of crm_interactions hold for one interaction.
type interRow struct {
	doc     []byte
	at      time.Time
	replyBy *time.Time // nil when no reply is due
	replied bool
}

func newInterRow(in *crm.Interaction) (interRow, error) {
	doc, err := encodeDoc("interaction", in)
	if err != nil {
		return interRow{}, err
	}
	r := interRow{doc: doc, at: in.At, replied: !in.RepliedAt.IsZero()}
	if !in.ReplyBy.IsZero() {
		replyBy := in.ReplyBy
		r.replyBy = &replyBy
	}
	return r, nil
}

// scanInteraction reads a row whose one column is an interaction document.
func scanInteraction(row pgx.Row) (*crm.Interaction, error) {
	var doc []byte
	if err := row.Scan(&doc); err != nil {
		return nil, err
	}
	return decodeDoc[crm.Interaction]("interaction", doc)
}

// CreateInteraction implements crm.Store.
func (s *CRMStore) CreateInteraction(ctx context.Context, in *crm.Interaction) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := kehu.CheckOptionalKey("key", in.Key); err != nil {
		return err
	}
	r, err := newInterRow(in)
	if err != nil {
		return fmt.Errorf("postgres: create interaction %s: %w", in.ID, err)
	}
	id := in.ID.UUID()
	steps := []crmStep{{
		sql: `INSERT INTO crm_interactions (id, customer_id, at, reply_by, replied, doc)
			VALUES ($1, $2, $3, $4, $5, $6)`,
		args: []any{id, in.CustomerID.UUID(), r.at, r.replyBy, r.replied, r.doc},
		fail: func(err error) error {
			switch {
			case isUnique(err, "crm_interactions_pkey"):
				return fmt.Errorf("postgres: interaction %s: %w", in.ID, kehu.ErrDuplicate)
			case isForeignKey(err, "crm_interactions_customer"):
				return fmt.Errorf("postgres: customer %s: %w", in.CustomerID, kehu.ErrNotFound)
			}
			return dbError("create interaction "+in.ID.String(), err)
		},
	}}
	if in.Key != "" {
		// The key has a table of its own, so that it is unique store-wide while the
		// interactions are placed by customer.
		steps = append(steps, crmStep{
			sql:  `INSERT INTO crm_interaction_keys (key, customer_id, interaction_id) VALUES ($1, $2, $3)`,
			args: []any{in.Key, in.CustomerID.UUID(), id},
			fail: func(err error) error {
				if isUnique(err, "crm_interaction_keys_pkey") {
					return fmt.Errorf("postgres: interaction with key %q: %w", in.Key, kehu.ErrDuplicate)
				}
				return dbError("create interaction "+in.ID.String(), err)
			},
		})
	}
	return atomically(ctx, s.db, "create interaction", func(db DB) error { return runSteps(ctx, db, steps) })
}

// GetInteraction implements crm.Store.
func (s *CRMStore) GetInteraction(ctx context.Context, id crm.InteractionID) (*crm.Interaction, error) {
	in, err := scanInteraction(s.db.QueryRow(ctx, `SELECT doc FROM crm_interactions WHERE id = $1`, id.UUID()))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: interaction %s: %w", id, kehu.ErrNotFound)
	}
	if err != nil {
		return nil, dbError("get interaction "+id.String(), err)
	}
	return in, nil
}

// GetInteractionByKey implements crm.Store.
func (s *CRMStore) GetInteractionByKey(ctx context.Context, key string) (*crm.Interaction, error) {
	notFound := fmt.Errorf("postgres: interaction with key %q: %w", key, kehu.ErrNotFound)
	if key == "" || !storable(key) {
		return nil, notFound
	}
	in, err := scanInteraction(s.db.QueryRow(ctx, `SELECT doc FROM crm_interactions
		WHERE (customer_id, id) = (SELECT customer_id, interaction_id FROM crm_interaction_keys WHERE key = $1)`, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, dbError(fmt.Sprintf("get interaction by key %q", key), err)
	}
	return in, nil
}

// UpdateInteraction implements crm.Store. It locks the interaction's row, runs fn on a
// copy and writes the result in the same transaction. The ID, customer and key are the
// store's: what fn does to them is not stored.
func (s *CRMStore) UpdateInteraction(ctx context.Context, id crm.InteractionID, fn func(*crm.Interaction) error) error {
	what := "update interaction " + id.String()
	return inTx(ctx, s.db, what, func(tx pgx.Tx) error {
		cur, err := scanInteraction(tx.QueryRow(ctx, `SELECT doc FROM crm_interactions WHERE id = $1 FOR NO KEY UPDATE`, id.UUID()))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: interaction %s: %w", id, kehu.ErrNotFound)
		}
		if err != nil {
			return dbError(what, err)
		}
		in := cur.Clone()
		if err := fn(in); err != nil {
			return err
		}
		in.ID, in.CustomerID, in.Key = cur.ID, cur.CustomerID, cur.Key
		r, err := newInterRow(in)
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", what, err)
		}
		_, err = tx.Exec(ctx, `UPDATE crm_interactions
			SET at = $2, reply_by = $3, replied = $4, doc = $5 WHERE id = $1`,
			id.UUID(), r.at, r.replyBy, r.replied, r.doc)
		return dbError(what, err)
	})
}

// ListInteractions implements crm.Store. The Next cursor holds the (At, ID) of the page's
// last interaction, so interactions created meanwhile never make a later page repeat or
// skip one.
func (s *CRMStore) ListInteractions(ctx context.Context, q crm.InteractionQuery) (kehu.Page[*crm.Interaction], error) {
	var args sqlArgs
	var where []string
	if !q.CustomerID.IsZero() {
		where = append(where, "customer_id = "+args.add(q.CustomerID.UUID()))
	}
	// Bounds are moved to whole microseconds (see ceilMicro), so they compare exactly.
	if !q.From.IsZero() {
		where = append(where, "at >= "+args.add(ceilMicro(q.From)))
	}
	if !q.To.IsZero() {
		where = append(where, "at < "+args.add(ceilMicro(q.To)))
	}
	if !q.OverdueAt.IsZero() {
		where = append(where, "reply_by IS NOT NULL AND NOT replied AND reply_by < "+args.add(ceilMicro(q.OverdueAt)))
	}
	if q.After != "" {
		afterAt, afterID, err := parseInteractionCursor(q.After)
		if err != nil {
			return kehu.Page[*crm.Interaction]{}, err
		}
		where = append(where, fmt.Sprintf("(at, id) > (%s::timestamptz, %s::uuid)", args.add(afterAt), args.add(afterID.UUID())))
	}
	limit := q.Size()
	sql := "SELECT doc FROM crm_interactions"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY at, id LIMIT " + args.add(limit+1)

	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return kehu.Page[*crm.Interaction]{}, dbError("list interactions", err)
	}
	ins, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*crm.Interaction, error) { return scanInteraction(row) })
	if err != nil {
		return kehu.Page[*crm.Interaction]{}, dbError("list interactions", err)
	}
	page := kehu.Page[*crm.Interaction]{Items: ins}
	if len(ins) > limit {
		last := ins[limit-1]
		page.Items = ins[:limit]
		page.Next = interactionCursor(last.At, last.ID)
	}
	return page, nil
}

// interactionCursor returns the Next cursor after the interaction (at, id):
// "<Unix seconds>.<nanoseconds>|<ID>", exact for every time.
func interactionCursor(at time.Time, id crm.InteractionID) string {
	return fmt.Sprintf("%d.%09d|%s", at.Unix(), at.Nanosecond(), id)
}

// parseInteractionCursor reads a cursor made by interactionCursor.
func parseInteractionCursor(s string) (time.Time, crm.InteractionID, error) {
	ts, ids, ok := strings.Cut(s, "|")
	secs, nanos, ok2 := strings.Cut(ts, ".")
	if !ok || !ok2 || len(nanos) != 9 {
		return time.Time{}, crm.InteractionID{}, badCursor()
	}
	sec, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return time.Time{}, crm.InteractionID{}, badCursor()
	}
	nsec, err := strconv.ParseUint(nanos, 10, 32)
	if err != nil {
		return time.Time{}, crm.InteractionID{}, badCursor()
	}
	id, err := crm.ParseInteractionID(ids)
	if err != nil {
		return time.Time{}, crm.InteractionID{}, badCursor()
	}
	return time.Unix(sec, int64(nsec)), id, nil
}
