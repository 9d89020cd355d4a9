package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// lyMemberNextDue is the earliest of the member's NextReview, DowngradeAt and AssignedUntil
// that is set, or the zero time: the member has a tier event due by t exactly when it is
// set and not after t.
func lyMemberNextDue(m *loyalty.MemberState) time.Time {
	var next time.Time
	for _, t := range []time.Time{m.NextReview, m.DowngradeAt, m.AssignedUntil} {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next
}

// UpdateMember implements loyalty.MemberStore, in one transaction that creates the
// member's row (as a placeholder, if absent) and locks it while fn runs.
func (s *LoyaltyStore) UpdateMember(ctx context.Context, program string, customer crm.CustomerID, fn func(*loyalty.MemberState) error) error {
	return inTx(ctx, s.db, "update member", func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO loyalty_members (program, customer, version, doc)
VALUES ($1, $2, 0, '{}'::jsonb) ON CONFLICT DO NOTHING`, program, lyUUID(customer))
		b.Queue(`SELECT version, doc FROM loyalty_members WHERE program = $1 AND customer = $2 FOR UPDATE`,
			program, lyUUID(customer))
		br := tx.SendBatch(ctx, b)
		var (
			version int64
			doc     []byte
		)
		_, err := br.Exec()
		if err == nil {
			err = br.QueryRow().Scan(&version, &doc)
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return dbError("update member", err)
		}
		m := &loyalty.MemberState{}
		if version > 0 {
			if err := json.Unmarshal(doc, m); err != nil {
				return lyDecodeErr("member "+customer.String(), err)
			}
		}
		m.Program, m.Customer, m.Version = program, customer, version
		if err := fn(m); err != nil {
			return err
		}
		c := *m // a shallow copy: fn may keep its pointer
		c.Program, c.Customer, c.Version = program, customer, version+1
		doc, err = json.Marshal(&c)
		if err != nil {
			return fmt.Errorf("postgres: update member: encoding member %s: %w", customer, err)
		}
		_, err = tx.Exec(ctx, `UPDATE loyalty_members SET version = $3, next_due = $4, doc = $5
WHERE program = $1 AND customer = $2`, program, lyUUID(customer), c.Version, lyTstz(lyMemberNextDue(&c)), doc)
		return dbError("update member", err)
	})
}

// Member implements loyalty.MemberStore.
func (s *LoyaltyStore) Member(ctx context.Context, program string, customer crm.CustomerID) (*loyalty.MemberState, error) {
	return lyGetDoc[loyalty.MemberState](s.db.QueryRow(ctx, `SELECT doc FROM loyalty_members WHERE program = $1 AND customer = $2 AND version > 0`,
		program, lyUUID(customer)), "member "+customer.String()+" of "+program)
}

// ScanMembers implements loyalty.MemberStore. With DueBy set it selects on the members'
// next_due column (the earliest of NextReview, DowngradeAt and AssignedUntil). The cursor
// is the last customer of the page.
func (s *LoyaltyStore) ScanMembers(ctx context.Context, program string, q loyalty.ScanQuery) (kehu.Page[*loyalty.MemberState], error) {
	limit := q.Size()
	var b strings.Builder
	args := []any{program, limit + 1}
	b.WriteString(`SELECT doc FROM loyalty_members WHERE program = $1 AND version > 0`)
	if q.After != "" {
		c, ok := lyParseCustomerCursor(q.After)
		if !ok {
			return kehu.Page[*loyalty.MemberState]{}, badCursor()
		}
		args = append(args, lyUUID(c))
		fmt.Fprintf(&b, ` AND customer > $%d`, len(args))
	}
	if !q.DueBy.IsZero() {
		args = append(args, floorMicro(q.DueBy)) // at ≤ DueBy exactly: see floorMicro
		fmt.Fprintf(&b, ` AND next_due <= $%d`, len(args))
	}
	b.WriteString(` ORDER BY customer LIMIT $2`)
	rows, err := s.db.Query(ctx, b.String(), args...)
	if err != nil {
		return kehu.Page[*loyalty.MemberState]{}, dbError("scan members", err)
	}
	var items []*loyalty.MemberState
	err = lyCollectDocs(rows, "scan members", func(doc []byte) error {
		m := &loyalty.MemberState{}
		if err := json.Unmarshal(doc, m); err != nil {
			return lyDecodeErr("member", err)
		}
		items = append(items, m)
		return nil
	})
	if err != nil {
		return kehu.Page[*loyalty.MemberState]{}, err
	}
	var page kehu.Page[*loyalty.MemberState]
	if len(items) > limit {
		items = items[:limit]
		page.Next = lyCustomerCursor(items[limit-1].Customer)
	}
	page.Items = items
	return page, nil
}
