package loyalty

import (
	"context"
	"errors"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// Transfer is a command that moves points from one member to another.
type Transfer struct {
	From      crm.CustomerID `json:"from"`
	To        crm.CustomerID `json:"to"`
	PointType string         `json:"point_type"`
	Points    int64          `json:"points"`
	Reason    string         `json:"reason,omitempty"`
	// Key is required and makes the transfer idempotent (see Points.Key); both sides of the
	// transfer carry it as their Source.Ref, so that a reversal finds the other side.
	Key string `json:"-"`
}

// Transfer moves points between two members in one atomic step: the sender spends them
// from what is available (transfer_out, by the spend policy) and the receiver gets them
// (transfer_in) in new lots that keep the expiry of the lots they came from, so that
// passing points from member to member and back never renews them. Transferred points are
// available to the receiver at once (they were available to the sender: no pending
// period applies), and pay off the receiver's debt first. Only spendable point types move.
func (s *Service) Transfer(ctx context.Context, p *Program, t Transfer) ([]Entry, error) {
	if p == nil || p.loc == nil {
		return nil, kehu.Invalid("program", "required", "a validated programme is required")
	}
	var probs kehu.Problems
	if t.From.IsZero() {
		probs.Add("from", "required", "is empty")
	}
	if t.To.IsZero() {
		probs.Add("to", "required", "is empty")
	}
	if !t.From.IsZero() && t.From == t.To {
		probs.Add("to", "distinct", "cannot transfer to the same member")
	}
	pt := pointType(p, "point_type", t.PointType, &probs)
	if pt.Code != "" && pt.Kind != Spendable {
		probs.Addf("point_type", "spendable", "%s points are not spendable and cannot be transferred", pt.Code)
	}
	if t.Points <= 0 || t.Points > MaxPoints {
		probs.Addf("points", "range", "must be between 1 and %d", int64(MaxPoints))
	}
	checkText(&probs, "reason", t.Reason, 500)
	probs.Merge("", checkKey(t.Key, false))
	if err := probs.Err(); err != nil {
		return nil, err
	}
	dig := digest("transfer", t)
	// A retry returns the first result whatever has been sent since, before any limit.
	if out, done, err := s.replay(ctx, p, t.Key, dig); done || err != nil {
		return out, err
	}
	from := AccountKey{Program: p.ID, Customer: t.From, PointType: t.PointType}
	to := AccountKey{Program: p.ID, Customer: t.To, PointType: t.PointType}
	keys := []AccountKey{from, to}
	// Both sides share a reference, so that a reversal finds the other side.
	src := Source{Type: "transfer", Ref: t.Key}
	var (
		out []Entry
		err error
	)
	for range maxAttempts {
		// The month's transfers are counted before the write, which goes ahead only if the
		// sender's account has not changed since: concurrent transfers by one sender never
		// send more than the monthly limit.
		var read map[AccountKey]int64
		if read, err = s.checkTransferLimits(ctx, p, from, t.Points); err != nil {
			if out, done, rerr := s.replay(ctx, p, t.Key, dig); done || rerr != nil {
				return out, rerr // the first attempt committed meanwhile
			}
			return nil, err
		}
		out, err = s.run(ctx, p, t.Key, dig, keys, func(op *ledgerOp, a []*Account) ([]Entry, error) {
			if err := unchanged(read, keys, a); err != nil {
				return nil, err
			}
			out, err := op.debit(a[0], KindTransferOut, p.Spend(), t.Points, src, t.Reason)
			if err != nil {
				return nil, err
			}
			in := op.carry(a[1], KindTransferIn, a[0], out.Lots, src, t.Reason)
			return []Entry{out, in}, nil
		})
		if !errors.Is(err, errUsageChanged) {
			break
		}
	}
	return out, err
}
