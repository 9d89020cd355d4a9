package loyalty

import (
	"context"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/enum"
)

// ReservationStatus is where a reservation stands: reserved (points held, stock taken),
// confirmed (points spent for good) or cancelled (points and stock given back).
type ReservationStatus string

// Reservation statuses.
const (
	Reserved  ReservationStatus = "reserved"
	Confirmed ReservationStatus = "confirmed"
	Cancelled ReservationStatus = "cancelled"
)

// Valid reports whether s is one of the declared statuses.
func (s ReservationStatus) Valid() bool { return s == Reserved || s == Confirmed || s == Cancelled }

// Active reports whether the reservation counts against the reward's per-customer limit:
// reserved or confirmed.
func (s ReservationStatus) Active() bool { return s == Reserved || s == Confirmed }

// ParseReservationStatus parses "reserved", "confirmed" or "cancelled" (case and
// surrounding spaces ignored); anything else is a *kehu.ValidationError on field "status",
// rule "enum".
func ParseReservationStatus(s string) (ReservationStatus, error) {
	return enum.Parse[ReservationStatus]("status", s)
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseReservationStatus; empty
// text is the unset status.
func (s *ReservationStatus) UnmarshalText(b []byte) error { return enum.Unmarshal("status", s, b) }

// Reservation is one member's redemption of a reward: units taken from stock and points
// held in the ledger while the host's checkout runs, then confirmed or cancelled. Its terms
// (price, cash part, coupon) are those of the reward when it was reserved.
type Reservation struct {
	// ID is derived from the programme and the idempotency key given to Reserve, so that a
	// repeat finds it.
	ID       string         `json:"id"`
	Program  string         `json:"program"`
	Customer crm.CustomerID `json:"customer"`
	Reward   string         `json:"reward"`
	Units    int64          `json:"units"`
	// PointType and Points are what the reservation holds: Units × the reward's price.
	PointType string `json:"point_type"`
	Points    int64  `json:"points"`
	// Cash is the cash part the host's checkout collects (Units × the reward's Cash), or nil.
	Cash   *kehu.Money       `json:"cash,omitempty"`
	Status ReservationStatus `json:"status"`
	// HoldEntry is the ledger's redeem entry that holds the points (source type
	// "reservation", reference ID); zero until the points are held.
	HoldEntry EntryID `json:"hold_entry,omitzero"`
	// CouponSpec is the reward's coupon when it was reserved; Coupon is the code issued on
	// confirmation.
	CouponSpec *CouponSpec `json:"coupon_spec,omitempty"`
	Coupon     string      `json:"coupon,omitempty"`
	// Key is the idempotency key the reservation was made with; Reason is why it was
	// cancelled.
	Key       string    `json:"key"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Clone returns a deep copy.
func (r *Reservation) Clone() *Reservation {
	if r == nil {
		return nil
	}
	c := *r
	if r.Cash != nil {
		m := *r.Cash
		c.Cash = &m
	}
	if r.CouponSpec != nil {
		s := *r.CouponSpec
		c.CouponSpec = &s
	}
	return &c
}

// ReservationQuery selects a programme's reservations.
type ReservationQuery struct {
	// Customer, when set, keeps the member's reservations.
	Customer crm.CustomerID
	// Status, when set, keeps reservations in that status.
	Status ReservationStatus
	kehu.PageRequest
}

// RewardStore persists the rewards catalogue, reservations and coupons. Like Store it holds
// no rules: the Service decides every change and the store applies it atomically. Every
// method that takes a function runs it on copies of the current records; if the function
// returns an error nothing is written and the error is returned as is. Changes of one
// reward (and its reservations) are serialised, or all but one fail with kehu.ErrConflict.
// A store never keeps a pointer it was given nor returns one it keeps. loyaltytest.Run
// checks every contract written here.
type RewardStore interface {
	// PutReward creates or replaces a reward, versioned: r.Version must be the stored
	// version (0 for a reward not stored yet), or PutReward fails with kehu.ErrConflict and
	// writes nothing. The reward is stored with Version increased by one.
	PutReward(ctx context.Context, r Reward) error
	// Reward returns the reward, or kehu.ErrNotFound.
	Reward(ctx context.Context, program, id string) (*Reward, error)
	// Rewards returns one page of a programme's rewards in ID order.
	Rewards(ctx context.Context, program string, pr kehu.PageRequest) (kehu.Page[*Reward], error)

	// Reserve stores a new reservation together with a change to its reward, in one
	// atomic step. It reads the reward r.Program/r.Reward (kehu.ErrNotFound if there is none)
	// and the number of units of r.Customer's active (reserved or confirmed) reservations of
	// that reward, and runs fn on copies of r and the reward. Unless fn fails, the
	// reservation is stored as fn left it (with ID, Program, Customer and Reward as given)
	// and the reward as fn left it with Version increased by one. If a reservation with
	// r.ID exists in the programme, Reserve fails with kehu.ErrDuplicate before fn runs, and
	// writes nothing: a repeat is told it is one before any rule of fn judges it against
	// the first attempt's effects.
	Reserve(ctx context.Context, r Reservation, fn func(r *Reservation, reward *Reward, activeUnits int64) error) error
	// Reservation returns the reservation, or kehu.ErrNotFound.
	Reservation(ctx context.Context, program, id string) (*Reservation, error)
	// Reservations returns one page of a programme's reservations in ID order, filtered by
	// q's customer and status when set.
	Reservations(ctx context.Context, program string, q ReservationQuery) (kehu.Page[*Reservation], error)
	// UpdateReservation runs fn on copies of the reservation and its reward (kehu.ErrNotFound
	// if the reservation does not exist) and stores both as fn left them, the reward with
	// Version increased by one, in one atomic step. The reservation keeps its ID, Program,
	// Customer and Reward.
	UpdateReservation(ctx context.Context, program, id string, fn func(r *Reservation, reward *Reward) error) error
	// DropReservation deletes a reservation that never took effect, in one atomic step with
	// fn's change to its reward (typically the units put back), stored with Version
	// increased by one. It fails with kehu.ErrNotFound if there is no such reservation.
	// Afterwards Reservation answers kehu.ErrNotFound and the ID may be used again.
	DropReservation(ctx context.Context, program, id string, fn func(r *Reservation, reward *Reward) error) error

	// CreateCoupon stores a new coupon. A coupon with the same code in the programme makes
	// it fail with kehu.ErrDuplicate, writing nothing.
	CreateCoupon(ctx context.Context, c Coupon) error
	// Coupon returns the coupon with the code, or kehu.ErrNotFound. Codes are matched
	// exactly; Service.RedeemCoupon normalises what members type.
	Coupon(ctx context.Context, program, code string) (*Coupon, error)
	// UseCoupon runs fn on a copy of the coupon (kehu.ErrNotFound if there is none) and
	// stores it as fn left it (with Code and Program unchanged), atomically: concurrent
	// uses of one coupon are serialised or all but one fail with kehu.ErrConflict.
	UseCoupon(ctx context.Context, program, code string, fn func(c *Coupon) error) error
}
