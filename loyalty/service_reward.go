package loyalty

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/clip"
)

// RewardEvent is published when a reservation changes status: "loyalty.reward_reserved",
// "loyalty.reward_confirmed" or "loyalty.reward_cancelled". Repeats publish nothing.
type RewardEvent struct {
	Reservation Reservation `json:"reservation"`
}

// EventName implements kehu.Event.
func (e RewardEvent) EventName() string { return "loyalty.reward_" + string(e.Reservation.Status) }

// OccurredAt implements kehu.Event.
func (e RewardEvent) OccurredAt() time.Time { return e.Reservation.UpdatedAt }

// CouponEvent is published for every use of a coupon: "loyalty.coupon_redeemed".
type CouponEvent struct {
	Coupon Coupon    `json:"coupon"`
	At     time.Time `json:"at"`
}

// EventName implements kehu.Event.
func (CouponEvent) EventName() string { return "loyalty.coupon_redeemed" }

// OccurredAt implements kehu.Event.
func (e CouponEvent) OccurredAt() time.Time { return e.At }

// errUnchanged makes a store update function write nothing when there is nothing to change.
var errUnchanged = errors.New("unchanged")

// rewards returns the store's RewardStore side.
func (s *Service) rewards() (RewardStore, error) {
	rs, ok := s.store.(RewardStore)
	if !ok {
		return nil, fmt.Errorf("loyalty: store %T does not implement RewardStore: %w", s.store, errors.ErrUnsupported)
	}
	return rs, nil
}

// rewardsFor checks the programme and returns the RewardStore.
func (s *Service) rewardsFor(p *Program) (RewardStore, error) {
	if !p.usable() {
		return nil, kehu.Invalid("program", "required", "a compiled programme is required (Compile or LoadProgram)")
	}
	return s.rewards()
}

// PutReward validates the reward against the programme (see Reward.Validate; an empty
// Program is filled in) and stores it: a new reward with Version 0, or a change to a
// stored one with the Version it was read at — kehu.ErrConflict otherwise, as when a
// reservation changed its stock meanwhile: read it again and retry. Putting a reward with
// the terms already stored changes nothing and succeeds.
func (s *Service) PutReward(ctx context.Context, p *Program, r Reward) error {
	rs, err := s.rewardsFor(p)
	if err != nil {
		return err
	}
	if r.Program == "" {
		r.Program = p.spec.ID
	}
	r.ValidFrom, r.ValidTo = kehu.Truncate(r.ValidFrom), kehu.Truncate(r.ValidTo)
	if err := r.Validate(p); err != nil {
		return err
	}
	r.UpdatedAt = s.opts.Now()
	err = rs.PutReward(ctx, r)
	if errors.Is(err, kehu.ErrConflict) {
		if cur, gerr := rs.Reward(ctx, p.spec.ID, r.ID); gerr == nil && cur.sameTerms(&r) {
			return nil
		}
	}
	return err
}

// Reward returns a reward of the programme's catalogue, or kehu.ErrNotFound.
func (s *Service) Reward(ctx context.Context, p *Program, id string) (*Reward, error) {
	rs, err := s.rewardsFor(p)
	if err != nil {
		return nil, err
	}
	return rs.Reward(ctx, p.spec.ID, id)
}

// Rewards returns one page of the programme's catalogue, in ID order.
func (s *Service) Rewards(ctx context.Context, p *Program, pr kehu.PageRequest) (kehu.Page[*Reward], error) {
	rs, err := s.rewardsFor(p)
	if err != nil {
		return kehu.Page[*Reward]{}, err
	}
	return rs.Rewards(ctx, p.spec.ID, pr)
}

// Reservation returns a reservation, or kehu.ErrNotFound.
func (s *Service) Reservation(ctx context.Context, p *Program, id string) (*Reservation, error) {
	rs, err := s.rewardsFor(p)
	if err != nil {
		return nil, err
	}
	return rs.Reservation(ctx, p.spec.ID, id)
}

// Reservations returns one page of the programme's reservations in ID order, by member and
// status when q says so. A host finds abandoned checkouts with Status Reserved.
func (s *Service) Reservations(ctx context.Context, p *Program, q ReservationQuery) (kehu.Page[*Reservation], error) {
	rs, err := s.rewardsFor(p)
	if err != nil {
		return kehu.Page[*Reservation]{}, err
	}
	if q.Status != "" && !q.Status.Valid() {
		return kehu.Page[*Reservation]{}, kehu.Invalid("status", "enum", fmt.Sprintf("%s is not a reservation status", clip.Quote(string(q.Status))))
	}
	return rs.Reservations(ctx, p.spec.ID, q)
}

// Coupon returns a coupon by its code as typed (see ParseCouponCode), without using it.
func (s *Service) Coupon(ctx context.Context, p *Program, code string) (*Coupon, error) {
	rs, err := s.rewardsFor(p)
	if err != nil {
		return nil, err
	}
	canon, err := ParseCouponCode(code)
	if err != nil {
		return nil, err
	}
	return rs.Coupon(ctx, p.spec.ID, canon)
}

// reservationNamespace derives reservation IDs from idempotency keys (UUIDv5).
var reservationNamespace = uuid.MustParse("6f1c1b0e-8e55-5b7a-9a53-6b6568752d72")

// ReservationID returns the ID of the reservation that Reserve makes in the programme with
// the idempotency key: a name-based UUID (version 5) of both, so that a repeat finds it.
func ReservationID(program, key string) string {
	return uuid.NewSHA1(reservationNamespace, []byte(program+"\x00"+key)).String()
}

// holdKey is the idempotency key of the ledger command that holds a reservation's points.
func holdKey(reservation string) string { return kehu.LibraryKey("reservation", reservation) }

// holdSource is the ledger source of a reservation's points hold.
const holdSource = "reservation"

// Reserve is a command that reserves units of a reward for a member.
type Reserve struct {
	Customer crm.CustomerID `json:"customer"`
	// Reward is the reward's ID; Units how many of it.
	Reward string `json:"reward"`
	Units  int64  `json:"units"`
	// Key is required; the reservation's ID is derived from it (see ReservationID).
	Key string `json:"-"`
}

// Reserve takes units of a reward from stock and holds their points, so that the host's
// checkout can collect the cash part, if any, while the points cannot be spent elsewhere.
// It checks that the reward can be reserved now (validity window, the tier the ledger
// holds for the member — see Standing —, stock, the per-customer limit) and fails with ErrRewardUnavailable, ErrOutOfStock or
// ErrRewardLimit, writing nothing. The points are held by a ledger redeem (source type
// "reservation", reference the reservation ID); if the member has too few points Reserve
// fails with ErrInsufficientPoints and the reservation is removed and its units put back,
// so nothing is left behind.
//
// r.Key is required (e.g. the checkout's ID): the reservation's ID is derived from it (see
// ReservationID), so a repeat returns the first reservation, in whatever status it is now,
// and a repeat with a different member, reward or units fails with kehu.ErrKeyReused. A
// repeat also completes a reservation whose points hold was interrupted (by a crash or a
// store error) before it was recorded.
func (s *Service) Reserve(ctx context.Context, p *Program, r Reserve) (*Reservation, error) {
	rs, err := s.rewardsFor(p)
	if err != nil {
		return nil, err
	}
	customer, rewardID, units, key := r.Customer, r.Reward, r.Units, r.Key
	var probs kehu.Problems
	checkMember(customer, &probs)
	if rewardID == "" {
		probs.Add("reward", "required", "is empty")
	}
	checkText(&probs, "reward", rewardID, 64)
	if units <= 0 || units > maxUnits {
		probs.Addf("units", "range", "%d is not between 1 and %d", units, maxUnits)
	}
	probs.Merge("", checkKey(key, false))
	if err := probs.Err(); err != nil {
		return nil, err
	}
	id := ReservationID(p.spec.ID, key)
	var standing *Standing // read once, when a reward restricted to tiers needs it
	for range maxAttempts {
		prev, err := rs.Reservation(ctx, p.spec.ID, id)
		switch {
		case err == nil:
			return s.resume(ctx, p, rs, prev, customer, rewardID, units)
		case !errors.Is(err, kehu.ErrNotFound):
			return nil, err
		}
		now := s.opts.Now()
		res := Reservation{ID: id, Program: p.spec.ID, Customer: customer, Reward: rewardID, Units: units,
			Status: Reserved, Key: key, CreatedAt: now, UpdatedAt: now}
		err = rs.Reserve(ctx, res, func(r *Reservation, rw *Reward, active int64) error {
			return reserveRule(p, r, rw, active, standing, now)
		})
		switch {
		case errors.Is(err, errNeedStanding) && standing == nil:
			st, err := s.Standing(ctx, p, customer)
			if err != nil {
				return nil, err
			}
			standing = &st
			continue
		case errors.Is(err, kehu.ErrDuplicate):
			continue // a concurrent repeat made it first: answer from it
		case err != nil:
			return nil, err
		}
		got, err := rs.Reservation(ctx, p.spec.ID, id)
		if err != nil {
			return nil, err
		}
		return s.hold(ctx, p, rs, got)
	}
	return nil, fmt.Errorf("reservation %s: %w", id, kehu.ErrConflict)
}

// errNeedStanding asks Reserve to read the member's standing: the reward is restricted to
// tiers.
var errNeedStanding = errors.New("the reward is restricted to tiers: the member's standing is needed")

// reserveRule decides a new reservation against the reward as stored: it fixes the
// reservation's terms from the reward and takes the units from stock. st is what the
// ledger holds for the member, nil when not read yet: a reward restricted to tiers then
// fails with errNeedStanding.
func reserveRule(p *Program, r *Reservation, rw *Reward, active int64, st *Standing, now time.Time) error {
	switch {
	case len(rw.Tiers) > 0 && st == nil && rw.AvailableAt(now):
		return errNeedStanding
	case !rw.AvailableAt(now):
		return fmt.Errorf("reward %s is not available at %s: %w", rw.ID, now.In(p.Location()).Format(time.RFC3339), ErrRewardUnavailable)
	case len(rw.Tiers) > 0 && !rw.OpenTo(st.Tier):
		return fmt.Errorf("reward %s is not open to tier %s: %w", rw.ID, clip.Quote(st.Tier), ErrRewardUnavailable)
	}
	if pt, ok := p.PointType(rw.PointType); !ok || pt.Kind != Spendable {
		return fmt.Errorf("reward %s is priced in %s, not a spendable point type of programme %s version %d: %w",
			rw.ID, clip.Quote(rw.PointType), p.spec.ID, p.spec.Version, ErrRewardUnavailable)
	}
	price := rw.Points * r.Units // both bounded: no overflow
	if rw.Points <= 0 || price > MaxPoints {
		return kehu.Invalid("units", "range", fmt.Sprintf("%d units of %d points exceed %d points", r.Units, rw.Points, int64(MaxPoints)))
	}
	if rw.PerCustomer > 0 && active+r.Units > int64(rw.PerCustomer) {
		return fmt.Errorf("reward %s: %d units held, %d asked, at most %d per customer: %w", rw.ID, active, r.Units, rw.PerCustomer, ErrRewardLimit)
	}
	if !rw.Unlimited() {
		if rw.Stock < r.Units {
			return fmt.Errorf("reward %s: %d units left, %d asked: %w", rw.ID, rw.Stock, r.Units, ErrOutOfStock)
		}
		rw.Stock -= r.Units
	}
	r.PointType, r.Points = rw.PointType, price
	if rw.Cash != nil {
		cash := rw.Cash.MulInt(r.Units)
		r.Cash = &cash
	}
	if rw.Coupon != nil {
		spec := *rw.Coupon
		r.CouponSpec = &spec
	}
	rw.UpdatedAt = now
	return nil
}

// resume answers a repeated Reserve from the reservation its key made.
func (s *Service) resume(ctx context.Context, p *Program, rs RewardStore, prev *Reservation, customer crm.CustomerID, rewardID string, units int64) (*Reservation, error) {
	if prev.Customer != customer || prev.Reward != rewardID || prev.Units != units {
		return nil, fmt.Errorf("reservation %s (key %q): %w", prev.ID, prev.Key, kehu.ErrKeyReused)
	}
	if prev.Status == Reserved && prev.HoldEntry.IsZero() {
		return s.hold(ctx, p, rs, prev)
	}
	return prev, nil
}

// hold holds a reservation's points and records the ledger entry on it. If the ledger
// wrote nothing (too few points, or the programme refuses the redeem), the reservation is
// dropped and its units put back. If the reservation was cancelled or dropped while the
// points were being held, the hold is reversed. Other errors leave the reservation as it
// is, to be completed by a repeat of Reserve or released by Cancel.
func (s *Service) hold(ctx context.Context, p *Program, rs RewardStore, res *Reservation) (*Reservation, error) {
	entry, err := s.Redeem(ctx, p, Points{Customer: res.Customer, PointType: res.PointType, Points: res.Points,
		Source: Source{Type: holdSource, Ref: res.ID}, Reason: "reward " + res.Reward, Key: holdKey(res.ID), libraryKey: true})
	if err != nil {
		if !errors.Is(err, ErrInsufficientPoints) && !errors.Is(err, kehu.ErrInvalid) {
			return nil, fmt.Errorf("reservation %s: points not held (repeat Reserve with its key, or Cancel it): %w", res.ID, err)
		}
		derr := rs.DropReservation(ctx, p.spec.ID, res.ID, func(r *Reservation, rw *Reward) error {
			if r.Status != Reserved || !r.HoldEntry.IsZero() {
				return errUnchanged // completed or cancelled meanwhile: not ours to drop
			}
			if !rw.Unlimited() {
				rw.Stock += r.Units
			}
			rw.UpdatedAt = s.opts.Now()
			return nil
		})
		if derr != nil && !errors.Is(derr, errUnchanged) && !errors.Is(derr, kehu.ErrNotFound) {
			return nil, errors.Join(err, fmt.Errorf("reservation %s: putting its units back: %w", res.ID, derr))
		}
		return nil, err
	}
	var out *Reservation
	now := s.opts.Now()
	err = rs.UpdateReservation(ctx, p.spec.ID, res.ID, func(r *Reservation, _ *Reward) error {
		switch {
		case r.Status == Cancelled || r.Points != -entry.Points:
			return fmt.Errorf("reservation %s was cancelled while its points were held: %w", res.ID, kehu.ErrConflict)
		case !r.HoldEntry.IsZero():
			out = r.Clone()
			return errUnchanged
		}
		r.HoldEntry, r.UpdatedAt = entry.ID, now
		out = r.Clone()
		return nil
	})
	switch {
	case errors.Is(err, errUnchanged):
		return out, nil
	case errors.Is(err, kehu.ErrConflict) || errors.Is(err, kehu.ErrNotFound):
		if _, rerr := s.reverse(ctx, p, &entry, "reservation cancelled"); rerr != nil {
			return nil, errors.Join(err, fmt.Errorf("reservation %s: returning its points: %w", res.ID, rerr))
		}
		return nil, err
	case err != nil:
		return nil, err
	}
	return out, s.publishReward(ctx, out)
}

func (s *Service) publishReward(ctx context.Context, r *Reservation) error {
	if err := s.opts.Events.Publish(ctx, RewardEvent{Reservation: *r.Clone()}); err != nil {
		return fmt.Errorf("reservation stored, but publishing events failed: %w", err)
	}
	return nil
}

// holdOf finds the ledger entry that holds a reservation's points — HoldEntry, or, for a
// reservation whose hold was written but not recorded, the redeem entry with the
// reservation as its source — and whether it was reversed. It returns the zero ID if the
// points are not held.
func (s *Service) holdOf(ctx context.Context, p *Program, r *Reservation) (EntryID, bool, error) {
	es, err := s.store.EntriesBySource(ctx, p.spec.ID, holdSource, r.ID)
	if err != nil {
		return EntryID{}, false, err
	}
	hold := r.HoldEntry
	if hold.IsZero() {
		for _, e := range es {
			if e.Kind == KindRedeem && e.Account.Customer == r.Customer && e.Key == holdKey(r.ID) {
				hold = e.ID
				break
			}
		}
	}
	reversed := false
	for _, e := range es {
		if e.Kind == KindReverse && !hold.IsZero() && e.Reverses == hold {
			reversed = true
		}
	}
	return hold, reversed, nil
}

// Confirm makes a reservation final: its points stay spent and its units stay taken. For a
// reward with a coupon it issues one, with a fresh unguessable code (see ParseCouponCode),
// valid from now for the coupon's ValidDays in the programme's zone. Confirming a cancelled
// reservation, or one whose points are not held (or whose hold was reversed), fails with
// kehu.ErrConflict. A repeat returns the confirmed reservation and the same coupon, and
// completes the coupon's issue if it was interrupted.
func (s *Service) Confirm(ctx context.Context, p *Program, reservationID string) (*Reservation, error) {
	rs, err := s.rewardsFor(p)
	if err != nil {
		return nil, err
	}
	if reservationID == "" {
		return nil, kehu.Invalid("reservation", "required", "is empty")
	}
	res, err := rs.Reservation(ctx, p.spec.ID, reservationID)
	if err != nil {
		return nil, err
	}
	if res.Status == Confirmed {
		return s.issueCoupon(ctx, p, rs, res)
	}
	if res.Status == Cancelled {
		return nil, fmt.Errorf("reservation %s is cancelled and cannot be confirmed: %w", res.ID, kehu.ErrConflict)
	}
	hold, reversed, err := s.holdOf(ctx, p, res)
	switch {
	case err != nil:
		return nil, err
	case hold.IsZero():
		return nil, fmt.Errorf("reservation %s holds no points yet (repeat Reserve with its key, or Cancel it): %w", res.ID, kehu.ErrConflict)
	case reversed:
		return nil, fmt.Errorf("reservation %s: its points hold %s was reversed: %w", res.ID, hold, kehu.ErrConflict)
	}
	code := ""
	if res.CouponSpec != nil {
		if code, err = newCouponCode(s.opts.Random, res.CouponSpec.Prefix); err != nil {
			return nil, err
		}
	}
	now := s.opts.Now()
	var out *Reservation
	changed := false
	err = rs.UpdateReservation(ctx, p.spec.ID, res.ID, func(r *Reservation, _ *Reward) error {
		switch r.Status {
		case Cancelled:
			return fmt.Errorf("reservation %s is cancelled and cannot be confirmed: %w", r.ID, kehu.ErrConflict)
		case Confirmed:
			out = r.Clone()
			return errUnchanged
		}
		r.Status, r.HoldEntry, r.UpdatedAt = Confirmed, hold, now
		if r.CouponSpec != nil {
			r.Coupon = code
		}
		out, changed = r.Clone(), true
		return nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return nil, err
	}
	out, err = s.issueCoupon(ctx, p, rs, out)
	if err != nil || !changed {
		return out, err
	}
	return out, s.publishReward(ctx, out)
}

// maxCodeAttempts bounds the fresh codes tried after a collision (with 80 random bits, one
// collision is already beyond belief).
const maxCodeAttempts = 8

// issueCoupon makes sure the coupon a confirmed reservation names exists, choosing a new
// code if the one it names belongs to another reservation.
func (s *Service) issueCoupon(ctx context.Context, p *Program, rs RewardStore, r *Reservation) (*Reservation, error) {
	for range maxCodeAttempts {
		if r.Coupon == "" || r.CouponSpec == nil {
			return r, nil
		}
		spec := r.CouponSpec
		c := Coupon{Code: r.Coupon, Program: p.spec.ID, Customer: r.Customer, Reward: r.Reward, Reservation: r.ID,
			Uses: spec.Uses, UsesLeft: spec.Uses, ValidFrom: r.UpdatedAt, CreatedAt: s.opts.Now()}
		if spec.ValidDays > 0 {
			c.ValidTo = kehu.Truncate(wallLater(r.UpdatedAt, p.Location(), 0, spec.ValidDays))
		}
		err := rs.CreateCoupon(ctx, c)
		if !errors.Is(err, kehu.ErrDuplicate) {
			return r, err
		}
		have, err := rs.Coupon(ctx, p.spec.ID, r.Coupon)
		if err != nil {
			return nil, err
		}
		if have.Reservation == r.ID {
			return r, nil // issued before: a repeat
		}
		// The code is another reservation's: name a fresh one.
		code, err := newCouponCode(s.opts.Random, spec.Prefix)
		if err != nil {
			return nil, err
		}
		old := r.Coupon
		err = rs.UpdateReservation(ctx, p.spec.ID, r.ID, func(x *Reservation, _ *Reward) error {
			if x.Coupon == old {
				x.Coupon = code
			}
			r = x.Clone()
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("reservation %s: no free coupon code after %d attempts: %w", r.ID, maxCodeAttempts, kehu.ErrConflict)
}

// Cancel calls a reservation off: its units go back to stock and its points hold is
// reversed (Service.Reverse), so the points return to the very lots they came from, with
// their original expiry. Cancelling a confirmed reservation fails with kehu.ErrConflict. A
// repeat returns the cancelled reservation; it also finishes returning the points if an
// earlier Cancel failed after the reservation was marked cancelled.
func (s *Service) Cancel(ctx context.Context, p *Program, reservationID, reason string) (*Reservation, error) {
	rs, err := s.rewardsFor(p)
	if err != nil {
		return nil, err
	}
	var probs kehu.Problems
	if reservationID == "" {
		probs.Add("reservation", "required", "is empty")
	}
	checkText(&probs, "reason", reason, reservationMaxReason)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	now := s.opts.Now()
	var out *Reservation
	changed := false
	err = rs.UpdateReservation(ctx, p.spec.ID, reservationID, func(r *Reservation, rw *Reward) error {
		switch r.Status {
		case Confirmed:
			return fmt.Errorf("reservation %s is confirmed and cannot be cancelled: %w", r.ID, kehu.ErrConflict)
		case Cancelled:
			out = r.Clone()
			return errUnchanged
		}
		r.Status, r.Reason, r.UpdatedAt = Cancelled, reason, now
		if !rw.Unlimited() {
			rw.Stock += r.Units
		}
		rw.UpdatedAt = now
		out, changed = r.Clone(), true
		return nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return nil, err
	}
	// The reservation is cancelled before its points return: a concurrent Confirm can no
	// longer succeed, and a repeat of Cancel finishes the return if this one stops here.
	hold, _, err := s.holdOf(ctx, p, out)
	if err != nil {
		return nil, err
	}
	if !hold.IsZero() {
		why := reason
		if why == "" {
			why = "reservation cancelled"
		}
		if _, err := s.reverseHold(ctx, p, hold, why); err != nil {
			return nil, fmt.Errorf("reservation %s is cancelled, but returning its points failed (repeat Cancel): %w", out.ID, err)
		}
	}
	if !changed {
		return out, nil
	}
	return out, s.publishReward(ctx, out)
}

// errCouponRepeat aborts a coupon use that repeats a key already used: nothing is written.
var errCouponRepeat = errors.New("coupon already used with this key")

// CouponUse is a command that uses a coupon once.
type CouponUse struct {
	// Code is the coupon's code as the member typed it (see ParseCouponCode).
	Code string `json:"code"`
	// Key is required and makes the use idempotent.
	Key string `json:"-"`
}

// RedeemCoupon uses a coupon once, at the service's clock. The code is read as a member
// may type it (see ParseCouponCode): a code that cannot be read or whose check symbol does
// not match is a *kehu.ValidationError on "code"; a well-formed code that was never issued
// is kehu.ErrNotFound. A coupon outside its validity window fails with ErrCouponExpired, one
// with no uses left with ErrCouponUsedUp; both write nothing. Concurrent uses never use a
// coupon more times than it has.
//
// u.Key is required and makes the use idempotent (the checkout's order ID, say): a use
// repeated with a key the coupon has already been used with returns the coupon as it is and
// uses nothing — before any check of its validity or uses left — so a retried checkout
// never spends a multi-use coupon twice.
func (s *Service) RedeemCoupon(ctx context.Context, p *Program, u CouponUse) (*Coupon, error) {
	rs, err := s.rewardsFor(p)
	if err != nil {
		return nil, err
	}
	key := u.Key
	var probs kehu.Problems
	canon, err := ParseCouponCode(u.Code)
	probs.Merge("", err)
	probs.Merge("", checkKey(key, false))
	if err := probs.Err(); err != nil {
		return nil, err
	}
	now := s.opts.Now()
	var out *Coupon
	repeated := false
	err = rs.UseCoupon(ctx, p.spec.ID, canon, func(c *Coupon) error {
		if slices.Contains(c.RedemptionKeys, key) {
			repeated, out = true, c.Clone()
			return errCouponRepeat // nothing to write
		}
		switch {
		case !c.ValidAt(now):
			return fmt.Errorf("coupon %s is valid from %s to %s: %w", c.Code, c.ValidFrom.Format(time.RFC3339),
				c.ValidTo.Format(time.RFC3339), ErrCouponExpired)
		case c.UsesLeft <= 0:
			return fmt.Errorf("coupon %s was used %d times: %w", c.Code, c.Uses, ErrCouponUsedUp)
		}
		c.UsesLeft--
		c.Redemptions = append(c.Redemptions, now)
		c.RedemptionKeys = append(c.RedemptionKeys, key)
		out = c.Clone()
		return nil
	})
	if repeated {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	if err := s.opts.Events.Publish(ctx, CouponEvent{Coupon: *out.Clone(), At: now}); err != nil {
		return out, fmt.Errorf("coupon used, but publishing events failed: %w", err)
	}
	return out, nil
}
