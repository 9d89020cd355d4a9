package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/loyalty"
)

// PutReward implements loyalty.RewardStore: one statement that inserts a reward given with
// Version 0, or replaces the stored one whose version is r.Version.
func (s *LoyaltyStore) PutReward(ctx context.Context, r loyalty.Reward) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	given := r.Version
	r.Version++
	doc, err := json.Marshal(&r)
	if err != nil {
		return fmt.Errorf("postgres: put reward: encoding reward %s/%s: %w", r.Program, r.ID, err)
	}
	var sql string
	if given == 0 {
		sql = `INSERT INTO loyalty_rewards (program, id, version, doc) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`
	} else {
		sql = `UPDATE loyalty_rewards SET version = $3, doc = $4 WHERE program = $1 AND id = $2 AND version = $3 - 1`
	}
	tag, err := s.db.Exec(ctx, sql, r.Program, r.ID, r.Version, doc)
	if err != nil {
		return dbError("put reward", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("reward %s/%s: version %d given is not the stored version: %w", r.Program, r.ID, given, kehu.ErrConflict)
	}
	return nil
}

// Reward implements loyalty.RewardStore.
func (s *LoyaltyStore) Reward(ctx context.Context, program, id string) (*loyalty.Reward, error) {
	return lyGetDoc[loyalty.Reward](s.db.QueryRow(ctx, `SELECT doc FROM loyalty_rewards WHERE program = $1 AND id = $2`,
		program, id), "reward "+program+"/"+id)
}

// Rewards implements loyalty.RewardStore. The cursor is the last ID of the page.
func (s *LoyaltyStore) Rewards(ctx context.Context, program string, pr kehu.PageRequest) (kehu.Page[*loyalty.Reward], error) {
	limit := pr.Size()
	rows, err := s.db.Query(ctx, `SELECT id, doc FROM loyalty_rewards WHERE program = $1 AND id > $2
ORDER BY id LIMIT $3`, program, pr.After, limit+1)
	if err != nil {
		return kehu.Page[*loyalty.Reward]{}, dbError("rewards", err)
	}
	return lyCollectPage(rows, limit, "rewards", func(doc []byte) (*loyalty.Reward, error) {
		r := &loyalty.Reward{}
		return r, json.Unmarshal(doc, r)
	})
}

// lyCollectPage reads rows of (id, doc), at most limit+1 of them, into a page whose Next is
// the ID of its last item when there was one more row.
func lyCollectPage[T any](rows pgx.Rows, limit int, op string, decode func(doc []byte) (T, error)) (kehu.Page[T], error) {
	defer rows.Close()
	var (
		page kehu.Page[T]
		last string
	)
	for rows.Next() {
		var (
			id  string
			doc []byte
		)
		if err := rows.Scan(&id, &doc); err != nil {
			return kehu.Page[T]{}, dbError(op, err)
		}
		if len(page.Items) == limit {
			page.Next = last
			break
		}
		item, err := decode(doc)
		if err != nil {
			return kehu.Page[T]{}, lyDecodeErr(op+" "+id, err)
		}
		page.Items = append(page.Items, item)
		last = id
	}
	if err := rows.Err(); err != nil {
		return kehu.Page[T]{}, dbError(op, err)
	}
	return page, nil
}

// lyLockReward locks and reads a reward; found is false when there is none.
func lyLockReward(ctx context.Context, tx pgx.Tx, program, id string) (*loyalty.Reward, bool, error) {
	var doc []byte
	err := tx.QueryRow(ctx, `SELECT doc FROM loyalty_rewards WHERE program = $1 AND id = $2 FOR UPDATE`,
		program, id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	r := &loyalty.Reward{}
	if err := json.Unmarshal(doc, r); err != nil {
		return nil, false, lyDecodeErr("reward "+program+"/"+id, err)
	}
	return r, true, nil
}

// lyWriteReward stores fn's copy of a stored reward with the next version.
func lyWriteReward(ctx context.Context, tx pgx.Tx, stored, changed *loyalty.Reward) error {
	c := *changed // a shallow copy: fn may keep its pointer
	c.ID, c.Program, c.Version = stored.ID, stored.Program, stored.Version+1
	doc, err := json.Marshal(&c)
	if err != nil {
		return fmt.Errorf("postgres: encoding reward %s/%s: %w", c.Program, c.ID, err)
	}
	_, err = tx.Exec(ctx, `UPDATE loyalty_rewards SET version = $3, doc = $4 WHERE program = $1 AND id = $2`,
		c.Program, c.ID, c.Version, doc)
	return err
}

// lyReservationArgs are the columns of a reservation and its document, as the statements
// that store a reservation take them.
func lyReservationArgs(r *loyalty.Reservation) ([]any, error) {
	doc, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("postgres: encoding reservation %s/%s: %w", r.Program, r.ID, err)
	}
	return []any{r.Program, r.ID, lyUUID(r.Customer), r.Reward, string(r.Status), r.Units, doc}, nil
}

// Reserve implements loyalty.RewardStore, in one transaction that locks the reward, so that
// reservations of one reward (and the active units they count) are serialised.
func (s *LoyaltyStore) Reserve(ctx context.Context, r loyalty.Reservation, fn func(r *loyalty.Reservation, reward *loyalty.Reward, activeUnits int64) error) error {
	if err := kehu.CheckKey("key", r.Key); err != nil {
		return err
	}
	return inTx(ctx, s.db, "reserve", func(tx pgx.Tx) error {
		stored, ok, err := lyLockReward(ctx, tx, r.Program, r.Reward)
		if err != nil {
			return dbError("reserve", err)
		}
		if !ok {
			return fmt.Errorf("reward %s/%s: %w", r.Program, r.Reward, kehu.ErrNotFound)
		}
		var (
			dup    bool
			active int64
		)
		err = tx.QueryRow(ctx, `SELECT
  EXISTS (SELECT 1 FROM loyalty_reservations WHERE program = $1 AND id = $2),
  (SELECT COALESCE(sum(units), 0)::bigint FROM loyalty_reservations
    WHERE program = $1 AND reward = $3 AND customer = $4 AND status IN ('reserved', 'confirmed'))`,
			r.Program, r.ID, r.Reward, lyUUID(r.Customer)).Scan(&dup, &active)
		if err != nil {
			return dbError("reserve", err)
		}
		if dup {
			return fmt.Errorf("reservation %s/%s: %w", r.Program, r.ID, kehu.ErrDuplicate)
		}
		res, rw := r.Clone(), stored.Clone()
		if err := fn(res, rw, active); err != nil {
			return err
		}
		c := *res
		c.ID, c.Program, c.Customer, c.Reward = r.ID, r.Program, r.Customer, r.Reward
		args, err := lyReservationArgs(&c)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO loyalty_reservations (program, id, customer, reward, status, units, doc)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, args...)
		if isUnique(err, "") {
			return fmt.Errorf("reservation %s/%s: %w", r.Program, r.ID, kehu.ErrDuplicate)
		}
		if err != nil {
			return dbError("reserve", err)
		}
		return dbError("reserve", lyWriteReward(ctx, tx, stored, rw))
	})
}

// Reservation implements loyalty.RewardStore.
func (s *LoyaltyStore) Reservation(ctx context.Context, program, id string) (*loyalty.Reservation, error) {
	return lyGetDoc[loyalty.Reservation](s.db.QueryRow(ctx, `SELECT doc FROM loyalty_reservations WHERE program = $1 AND id = $2`,
		program, id), "reservation "+program+"/"+id)
}

// Reservations implements loyalty.RewardStore. The cursor is the last ID of the page.
func (s *LoyaltyStore) Reservations(ctx context.Context, program string, q loyalty.ReservationQuery) (kehu.Page[*loyalty.Reservation], error) {
	limit := q.Size()
	var b strings.Builder
	args := []any{program, q.After, limit + 1}
	b.WriteString(`SELECT id, doc FROM loyalty_reservations WHERE program = $1 AND id > $2`)
	if !q.Customer.IsZero() {
		args = append(args, lyUUID(q.Customer))
		fmt.Fprintf(&b, ` AND customer = $%d`, len(args))
	}
	if q.Status != "" {
		args = append(args, string(q.Status))
		fmt.Fprintf(&b, ` AND status = $%d`, len(args))
	}
	b.WriteString(` ORDER BY id LIMIT $3`)
	rows, err := s.db.Query(ctx, b.String(), args...)
	if err != nil {
		return kehu.Page[*loyalty.Reservation]{}, dbError("reservations", err)
	}
	return lyCollectPage(rows, limit, "reservations", func(doc []byte) (*loyalty.Reservation, error) {
		r := &loyalty.Reservation{}
		return r, json.Unmarshal(doc, r)
	})
}

// UpdateReservation implements loyalty.RewardStore.
func (s *LoyaltyStore) UpdateReservation(ctx context.Context, program, id string, fn func(r *loyalty.Reservation, reward *loyalty.Reward) error) error {
	return s.changeReservation(ctx, "update reservation", program, id, false, fn)
}

// DropReservation implements loyalty.RewardStore.
func (s *LoyaltyStore) DropReservation(ctx context.Context, program, id string, fn func(r *loyalty.Reservation, reward *loyalty.Reward) error) error {
	return s.changeReservation(ctx, "drop reservation", program, id, true, fn)
}

// changeReservation updates or deletes a reservation together with its reward, in one
// transaction that locks the reward first (as Reserve does), then reads the reservation.
func (s *LoyaltyStore) changeReservation(ctx context.Context, op, program, id string, drop bool,
	fn func(*loyalty.Reservation, *loyalty.Reward) error) error {
	return inTx(ctx, s.db, op, func(tx pgx.Tx) error {
		// The reward of a reservation never changes, so it can be read before the lock.
		var reward string
		err := tx.QueryRow(ctx, `SELECT reward FROM loyalty_reservations WHERE program = $1 AND id = $2`,
			program, id).Scan(&reward)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("reservation %s/%s: %w", program, id, kehu.ErrNotFound)
		}
		if err != nil {
			return dbError(op, err)
		}
		stored, ok, err := lyLockReward(ctx, tx, program, reward)
		if err != nil {
			return dbError(op, err)
		}
		if !ok {
			return fmt.Errorf("reward %s/%s of reservation %s: %w", program, reward, id, kehu.ErrNotFound)
		}
		// Read again under the reward's lock: a concurrent change may have dropped it.
		var doc []byte
		err = tx.QueryRow(ctx, `SELECT doc FROM loyalty_reservations WHERE program = $1 AND id = $2 FOR UPDATE`,
			program, id).Scan(&doc)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("reservation %s/%s: %w", program, id, kehu.ErrNotFound)
		}
		if err != nil {
			return dbError(op, err)
		}
		old := &loyalty.Reservation{}
		if err := json.Unmarshal(doc, old); err != nil {
			return lyDecodeErr("reservation "+program+"/"+id, err)
		}
		res, rw := old.Clone(), stored.Clone()
		if err := fn(res, rw); err != nil {
			return err
		}
		if drop {
			_, err = tx.Exec(ctx, `DELETE FROM loyalty_reservations WHERE program = $1 AND id = $2`, program, id)
		} else {
			c := *res
			c.ID, c.Program, c.Customer, c.Reward = old.ID, old.Program, old.Customer, old.Reward
			args, aerr := lyReservationArgs(&c)
			if aerr != nil {
				return aerr
			}
			_, err = tx.Exec(ctx, `UPDATE loyalty_reservations SET customer = $3, reward = $4, status = $5, units = $6, doc = $7
WHERE program = $1 AND id = $2`, args...)
		}
		if err != nil {
			return dbError(op, err)
		}
		return dbError(op, lyWriteReward(ctx, tx, stored, rw))
	})
}

// CreateCoupon implements loyalty.RewardStore.
func (s *LoyaltyStore) CreateCoupon(ctx context.Context, c loyalty.Coupon) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	doc, err := json.Marshal(&c)
	if err != nil {
		return fmt.Errorf("postgres: create coupon: encoding coupon %s/%s: %w", c.Program, c.Code, err)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO loyalty_coupons (program, code, doc) VALUES ($1, $2, $3)`, c.Program, c.Code, doc)
	if isUnique(err, "") {
		return fmt.Errorf("coupon %s/%s: %w", c.Program, c.Code, kehu.ErrDuplicate)
	}
	return dbError("create coupon", err)
}

// Coupon implements loyalty.RewardStore.
func (s *LoyaltyStore) Coupon(ctx context.Context, program, code string) (*loyalty.Coupon, error) {
	return lyGetDoc[loyalty.Coupon](s.db.QueryRow(ctx, `SELECT doc FROM loyalty_coupons WHERE program = $1 AND code = $2`,
		program, code), "coupon "+program+"/"+code)
}

// UseCoupon implements loyalty.RewardStore, in one transaction that locks the coupon while
// fn runs.
func (s *LoyaltyStore) UseCoupon(ctx context.Context, program, code string, fn func(c *loyalty.Coupon) error) error {
	return inTx(ctx, s.db, "use coupon", func(tx pgx.Tx) error {
		var doc []byte
		err := tx.QueryRow(ctx, `SELECT doc FROM loyalty_coupons WHERE program = $1 AND code = $2 FOR UPDATE`,
			program, code).Scan(&doc)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("coupon %s/%s: %w", program, code, kehu.ErrNotFound)
		}
		if err != nil {
			return dbError("use coupon", err)
		}
		c := &loyalty.Coupon{}
		if err := json.Unmarshal(doc, c); err != nil {
			return lyDecodeErr("coupon "+program+"/"+code, err)
		}
		if err := fn(c); err != nil {
			return err
		}
		d := *c // a shallow copy: fn may keep its pointer
		d.Code, d.Program = code, program
		doc, err = json.Marshal(&d)
		if err != nil {
			return fmt.Errorf("postgres: use coupon: encoding coupon %s/%s: %w", program, code, err)
		}
		_, err = tx.Exec(ctx, `UPDATE loyalty_coupons SET doc = $3 WHERE program = $1 AND code = $2`, program, code, doc)
		return dbError("use coupon", err)
	})
}
