package loyalty

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// TransferRules limit transfers between members and household pools.
type TransferRules struct {
	// MaxPerTransfer caps one transfer (0: no cap).
	MaxPerTransfer int64 `json:"max_per_transfer,omitempty"`
	// MaxPerMonth caps what one member sends per calendar month in the programme's zone,
	// pool contributions included (0: no cap). The month is the one the transfer is
	// written in; a reversal does not give the month's room back.
	MaxPerMonth int64 `json:"max_per_month,omitempty"`
	// MaxPoolMembers caps the members of a household pool (0: pools are closed).
	MaxPoolMembers int `json:"max_pool_members,omitempty"`
}

func (t TransferRules) validate(pr *programProblems) {
	if t.MaxPerTransfer < 0 || t.MaxPerMonth < 0 || t.MaxPoolMembers < 0 || t.MaxPoolMembers > 100 {
		pr.Add("transfers", "range", "limits must not be negative, and a pool has at most 100 members")
	}
}

// checkTransfer applies the programme's per-transfer cap.
func (t TransferRules) checkTransfer(points int64) error {
	if t.MaxPerTransfer > 0 && points > t.MaxPerTransfer {
		return kehu.Invalid("points", "max_per_transfer", fmt.Sprintf("%d is over the limit of %d per transfer", points, t.MaxPerTransfer))
	}
	return nil
}

// errPeriodTurned reports that the clock entered another day or month between naming a
// limit's counter and writing: the write is made again with the new period's counter.
var errPeriodTurned = errors.New("loyalty: the limit's period turned during the write")

// limited runs a command under a limit kept in a counter of the member's (see count):
// counter names the counter for an instant, and fn gets the command's accounts (keys)
// followed by the counter, all in one atomic write. The counter is named by the service's
// clock before the write and checked against the write's own instant, so a command at
// midnight counts in the day it is written in.
func (s *Service) limited(ctx context.Context, p *Program, key, dig string, keys []AccountKey, holder AccountKey, need Need,
	counter func(t time.Time) string, fn func(op *ledgerOp, accts []*Account, count *Account) ([]Entry, error)) ([]Entry, error) {
	var (
		out []Entry
		err error
	)
	for range maxAttempts {
		ck := holder
		ck.PointType = counter(s.opts.Now())
		all := append(slices.Clip(keys), ck)
		out, err = s.runNeed(ctx, p, key, dig, all, need, func(op *ledgerOp, accts []*Account) ([]Entry, error) {
			if counter(op.at) != ck.PointType {
				return nil, errPeriodTurned
			}
			return fn(op, accts[:len(keys)], accts[len(keys)])
		})
		if !errors.Is(err, errPeriodTurned) {
			return out, err
		}
	}
	return nil, fmt.Errorf("%w: %w", kehu.ErrConflict, err)
}

// A household pool is a shared account: its ID is a customer ID the host gives the
// household, its members contribute points to it by transfer, and any member may redeem
// from it. The pool's member list is kept in its MemberState.

// JoinPool adds a member to a household pool, up to the programme's MaxPoolMembers. The
// first member's join creates the pool, and only under an ID of its own: one with no
// ledger and no member state in the programme. An ID that has either is a member's, and
// making it a pool would let whoever joined spend that member's points: that join fails
// with a *kehu.ValidationError on "pool", rule "member", and changes nothing. So a host
// creates a household's pool before crediting it, under an ID it gives the household.
func (s *Service) JoinPool(ctx context.Context, p *Program, pool, member crm.CustomerID) (*MemberState, error) {
	var probs kehu.Problems
	if !p.usable() {
		return nil, kehu.Invalid("program", "required", "a compiled programme is required (Compile or LoadProgram)")
	}
	if pool.IsZero() || member.IsZero() || pool == member {
		probs.Add("pool", "required", "a pool and a distinct member are required")
	}
	if p.spec.Transfers.MaxPoolMembers == 0 {
		probs.Add("pool", "closed", "the programme has no household pools")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	accts, err := s.store.MemberAccounts(ctx, p.spec.ID, pool)
	if err != nil {
		return nil, err
	}
	err = s.store.UpdateMember(ctx, p.spec.ID, pool, func(m *MemberState) error {
		switch {
		case slices.Contains(m.PoolMembers, member):
			return nil
		case len(m.PoolMembers) == 0 && (m.Version > 0 || len(accts) > 0):
			return kehu.Invalid("pool", "member", fmt.Sprintf("%s has a ledger of its own in the programme: a pool is created under an ID of its own", pool))
		case len(m.PoolMembers) >= p.spec.Transfers.MaxPoolMembers:
			return kehu.Invalid("pool", "max_pool_members", fmt.Sprintf("the pool already has %d members", len(m.PoolMembers)))
		}
		if m.JoinedAt.IsZero() {
			m.JoinedAt = s.opts.Now()
		}
		m.PoolMembers = append(m.PoolMembers, member)
		slices.SortFunc(m.PoolMembers, crm.CustomerID.Compare)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.store.Member(ctx, p.spec.ID, pool)
}

func (s *Service) poolMember(ctx context.Context, p *Program, pool, member crm.CustomerID) error {
	st, err := s.store.Member(ctx, p.spec.ID, pool)
	if err != nil && ignoreNotFound(err) != nil {
		return err
	}
	if st == nil || !slices.Contains(st.PoolMembers, member) {
		return kehu.Invalid("member", "pool_member", fmt.Sprintf("%s is not a member of pool %s", member, pool))
	}
	return nil
}

// Contribution is a command that moves a member's points into their household pool.
type Contribution struct {
	Pool      crm.CustomerID `json:"pool"`
	Member    crm.CustomerID `json:"member"`
	PointType string         `json:"point_type"`
	Points    int64          `json:"points"`
	// Key is required and makes the contribution idempotent (see Points.Key).
	Key string `json:"-"`
}

// ContributeToPool moves a member's points into their household pool (a transfer, under
// the transfer limits).
func (s *Service) ContributeToPool(ctx context.Context, p *Program, c Contribution) ([]Entry, error) {
	if p.usable() {
		if err := s.poolMember(ctx, p, c.Pool, c.Member); err != nil {
			return nil, err
		}
	}
	return s.Transfer(ctx, p, Transfer{From: c.Member, To: c.Pool, PointType: c.PointType, Points: c.Points, Reason: "pool contribution", Key: c.Key})
}

// RedeemFromPool spends a pool's points on behalf of one of its members.
func (s *Service) RedeemFromPool(ctx context.Context, p *Program, pool, member crm.CustomerID, c Points) (Entry, error) {
	if p.usable() {
		if err := s.poolMember(ctx, p, pool, member); err != nil {
			return Entry{}, err
		}
	}
	c.Customer = pool
	if c.Reason == "" {
		c.Reason = "redeemed by " + member.String()
	}
	return s.Redeem(ctx, p, c)
}
