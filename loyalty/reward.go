package loyalty

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
)

// Redemption errors. None of them matches kehu.ErrConflict: they are answers, not lost
// races, and retrying does not change them.
var (
	// ErrOutOfStock reports a reservation of more units than the reward has left.
	ErrOutOfStock = errors.New("reward out of stock")
	// ErrRewardLimit reports a reservation that would take a member past the reward's
	// per-customer limit.
	ErrRewardLimit = errors.New("reward limit per customer reached")
	// ErrRewardUnavailable reports a reward outside its validity window, or closed to the
	// member's tier.
	ErrRewardUnavailable = errors.New("reward not available")
	// ErrCouponExpired reports a coupon used outside its validity window.
	ErrCouponExpired = errors.New("coupon not valid at this time")
	// ErrCouponUsedUp reports a coupon with no uses left.
	ErrCouponUsedUp = errors.New("coupon has no uses left")
)

// UnlimitedStock is the Stock of a reward that never runs out.
const UnlimitedStock = -1

// Bounds on rewards.
const (
	rewardMaxStock       = 1_000_000_000_000
	rewardMaxTiers       = 64
	rewardMaxName        = 200
	couponMaxUses        = 1_000_000
	couponMaxValidDays   = 36500
	couponMaxPrefixLen   = 16
	reservationMaxReason = 500
)

var (
	rewardIDPattern     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	couponPrefixPattern = regexp.MustCompile(`^[A-Z0-9]*$`)
)

// Reward is one entry of a programme's catalogue: what a member gets for points (and,
// optionally, a cash part paid through the host's checkout), how many are left, and who may
// have it when.
type Reward struct {
	// ID identifies the reward in its programme: 1 to 64 of A-Z, a-z, 0-9, '_', '.', '-',
	// starting with a letter or digit.
	ID string `json:"id"`
	// Program is the programme's ID; Service.PutReward fills it in when empty.
	Program string `json:"program"`
	Name    string `json:"name"`
	// PointType is the spendable point type the reward is priced in.
	PointType string `json:"point_type"`
	// Points is the price of one unit, more than zero.
	Points int64 `json:"points"`
	// Cash is an optional cash part per unit, in the programme's currency, that the host's
	// checkout collects; the ledger never touches it.
	Cash *kehu.Money `json:"cash,omitempty"`
	// Stock is the number of units left; UnlimitedStock (-1) for a reward that never runs
	// out. Reservations take units; cancellations put them back.
	Stock int64 `json:"stock"`
	// PerCustomer is the most units one member may hold in reserved and confirmed
	// reservations together; 0 means no limit.
	PerCustomer int `json:"per_customer,omitempty"`
	// ValidFrom and ValidTo bound when the reward can be reserved: ValidFrom ≤ t < ValidTo;
	// a zero bound is open.
	ValidFrom time.Time `json:"valid_from,omitzero"`
	ValidTo   time.Time `json:"valid_to,omitzero"`
	// Tiers lists the tier codes whose members may reserve the reward — the tier in force as
	// the ledger holds it (see Standing), an assignment included; empty means all.
	Tiers []string `json:"tiers,omitempty"`
	// Coupon, when set, makes confirming a reservation issue a coupon code.
	Coupon *CouponSpec `json:"coupon,omitempty"`
	// Version increases by one with every stored change, reservations and cancellations
	// included (they change Stock). PutReward writes only over the version it was given.
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// CouponSpec says what coupon a confirmed reservation of the reward issues.
type CouponSpec struct {
	// Prefix starts every code, e.g. "SPRING": up to 16 of A-Z and 0-9; it may be empty.
	Prefix string `json:"prefix,omitempty"`
	// Uses is how many times a code can be used: 1 for a single-use coupon.
	Uses int `json:"uses"`
	// ValidDays is how many days after confirmation a code stays valid, counted in the
	// programme's time zone; 0 means it never expires.
	ValidDays int `json:"valid_days,omitempty"`
}

// Clone returns a deep copy.
func (r *Reward) Clone() *Reward {
	if r == nil {
		return nil
	}
	c := *r
	if r.Cash != nil {
		m := *r.Cash
		c.Cash = &m
	}
	c.Tiers = slices.Clone(r.Tiers)
	if r.Coupon != nil {
		s := *r.Coupon
		c.Coupon = &s
	}
	return &c
}

// AvailableAt reports whether t is inside the reward's validity window [ValidFrom, ValidTo).
func (r *Reward) AvailableAt(t time.Time) bool {
	return (r.ValidFrom.IsZero() || !t.Before(r.ValidFrom)) && (r.ValidTo.IsZero() || t.Before(r.ValidTo))
}

// OpenTo reports whether members of the tier may reserve the reward.
func (r *Reward) OpenTo(tier string) bool {
	return len(r.Tiers) == 0 || slices.Contains(r.Tiers, tier)
}

// Unlimited reports whether the reward never runs out.
func (r *Reward) Unlimited() bool { return r.Stock == UnlimitedStock }

// Validate checks the reward against the programme and reports every problem at once in a
// *kehu.ValidationError:
//
//   - id: required, 1 to 64 of A-Z, a-z, 0-9, '_', '.', '-', starting with a letter or
//     digit; program: the programme's ID; name: required, at most 200 bytes;
//   - point_type: a point type of the programme, and a spendable one; points: 1 to
//     MaxPoints;
//   - cash: when set, more than zero, in the programme's currency;
//   - stock: UnlimitedStock (-1), or 0 to 10¹²; per_customer: 0 (no limit) to 1,000,000;
//   - valid_to: after valid_from when both are set;
//   - tiers: codes that are not empty, not repeated and, when the programme defines tiers,
//     levels of it (a reward cannot name tiers in a programme without them);
//   - coupon: prefix up to 16 of A-Z and 0-9; uses 1 to 1,000,000; valid_days 0 to 36,500.
func (r *Reward) Validate(p *Program) error {
	if r == nil {
		return kehu.Invalid("reward", "required", "is nil")
	}
	if !p.usable() {
		return kehu.Invalid("program", "required", "a compiled programme is required (Compile or LoadProgram)")
	}
	var probs kehu.Problems
	switch {
	case r.ID == "":
		probs.Add("id", "required", "is empty")
	case !rewardIDPattern.MatchString(r.ID):
		probs.Addf("id", "format", "%s is not 1 to 64 of A-Z, a-z, 0-9, '_', '.', '-' starting with a letter or digit", clip.Quote(r.ID))
	}
	if r.Program != p.spec.ID {
		probs.Addf("program", "mismatch", "%s is not the programme %s", clip.Quote(r.Program), p.spec.ID)
	}
	switch {
	case strings.TrimSpace(r.Name) == "":
		probs.Add("name", "required", "is empty")
	case len(r.Name) > rewardMaxName:
		probs.Addf("name", "max_length", "is longer than %d bytes", rewardMaxName)
	}
	if r.PointType == "" {
		probs.Add("point_type", "required", "is empty")
	} else if pt := pointType(p, "point_type", r.PointType, &probs); pt.Code != "" && pt.Kind != Spendable {
		probs.Addf("point_type", "spendable", "%s points measure status and cannot be spent", pt.Code)
	}
	if r.Points <= 0 || r.Points > MaxPoints {
		probs.Addf("points", "range", "%d is not between 1 and %d", r.Points, int64(MaxPoints))
	}
	if r.Cash != nil {
		if cur, _ := kehu.ParseCurrency(p.spec.Currency); r.Cash.Currency() != cur {
			probs.Addf("cash", "currency", "is in %s, not the programme's currency %s", clip.Quote(string(r.Cash.Currency())), p.spec.Currency)
		}
		if !r.Cash.IsPositive() {
			probs.Add("cash", "positive", "must be more than zero; leave it out for a reward paid in points only")
		}
	}
	if r.Stock < UnlimitedStock || r.Stock > rewardMaxStock {
		probs.Addf("stock", "range", "%d is not -1 (unlimited) or between 0 and %d", r.Stock, int64(rewardMaxStock))
	}
	if r.PerCustomer < 0 || r.PerCustomer > maxUnits {
		probs.Addf("per_customer", "range", "%d is not between 0 (no limit) and %d", r.PerCustomer, maxUnits)
	}
	if !r.ValidFrom.IsZero() && !r.ValidTo.IsZero() && !r.ValidTo.After(r.ValidFrom) {
		probs.Add("valid_to", "after", "must be after valid_from")
	}
	r.validateTiers(p, &probs)
	if c := r.Coupon; c != nil {
		switch {
		case len(c.Prefix) > couponMaxPrefixLen:
			probs.Addf("coupon.prefix", "max_length", "is longer than %d characters", couponMaxPrefixLen)
		case !couponPrefixPattern.MatchString(c.Prefix):
			probs.Addf("coupon.prefix", "format", "%s is not made of A-Z and 0-9", clip.Quote(c.Prefix))
		}
		if c.Uses < 1 || c.Uses > couponMaxUses {
			probs.Addf("coupon.uses", "range", "%d is not between 1 and %d", c.Uses, couponMaxUses)
		}
		if c.ValidDays < 0 || c.ValidDays > couponMaxValidDays {
			probs.Addf("coupon.valid_days", "range", "%d is not between 0 (never expires) and %d", c.ValidDays, couponMaxValidDays)
		}
	}
	return probs.Err()
}

func (r *Reward) validateTiers(p *Program, probs *kehu.Problems) {
	if len(r.Tiers) == 0 {
		return
	}
	if len(r.Tiers) > rewardMaxTiers {
		probs.Addf("tiers", "max_items", "has %d tiers, more than %d", len(r.Tiers), rewardMaxTiers)
		return
	}
	if p.spec.Tiers == nil {
		probs.Add("tiers", "unknown_tier", "the programme defines no tiers")
		return
	}
	seen := map[string]bool{}
	for i, code := range r.Tiers {
		f := fmt.Sprintf("tiers[%d]", i)
		switch {
		case code == "":
			probs.Add(f, "required", "is empty")
		case seen[code]:
			probs.Addf(f, "unique", "%s is listed twice", clip.Quote(code))
		case p.spec.Tiers.Level(code) < 0:
			probs.Addf(f, "unknown_tier", "%s is not a tier of programme %s", clip.Quote(code), p.spec.ID)
		}
		seen[code] = true
	}
}

// sameTerms reports whether two rewards say the same, Version and UpdatedAt aside.
func (r *Reward) sameTerms(o *Reward) bool {
	cashEq := (r.Cash == nil) == (o.Cash == nil) && (r.Cash == nil || r.Cash.Equal(*o.Cash))
	couponEq := (r.Coupon == nil) == (o.Coupon == nil) && (r.Coupon == nil || *r.Coupon == *o.Coupon)
	return r.ID == o.ID && r.Program == o.Program && r.Name == o.Name && r.PointType == o.PointType &&
		r.Points == o.Points && cashEq && r.Stock == o.Stock && r.PerCustomer == o.PerCustomer &&
		r.ValidFrom.Equal(o.ValidFrom) && r.ValidTo.Equal(o.ValidTo) && slices.Equal(r.Tiers, o.Tiers) && couponEq
}
