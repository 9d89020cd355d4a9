package loyalty

import (
	"context"
	"fmt"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/fingerprint"
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
	if !p.usable() {
		return nil, kehu.Invalid("program", "required", "a compiled programme is required (Compile or LoadProgram)")
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
	dig := fingerprint.Of("transfer", t)
	err := probs.Err()
	if err == nil {
		err = p.spec.Transfers.checkTransfer(t.Points)
	}
	if err != nil {
		return s.refusedOrReplayed(ctx, p, t.Key, dig, err)
	}
	from := AccountKey{Program: p.spec.ID, Customer: t.From, PointType: t.PointType}
	to := AccountKey{Program: p.spec.ID, Customer: t.To, PointType: t.PointType}
	keys := []AccountKey{from, to}
	// Both sides share a reference, so that a reversal finds the other side.
	src := Source{Type: "transfer", Ref: t.Key}
	move := func(op *ledgerOp, a []*Account) ([]Entry, error) {
		out, err := op.debit(a[0], KindTransferOut, p.Spend(), t.Points, src, t.Reason)
		if err != nil {
			return nil, err
		}
		in := op.carry(a[1], KindTransferIn, a[0], out.Lots, src, t.Reason)
		return []Entry{out, in}, nil
	}
	limit := p.spec.Transfers.MaxPerMonth
	need := Need{Spend: t.Points, Policy: p.Spend()}
	if limit == 0 {
		return s.runNeed(ctx, p, t.Key, dig, keys, need, move)
	}
	// The month's transfers are a counter of the sender's, read and added to in the same
	// atomic write as the transfer: concurrent transfers by one sender never send more than
	// the monthly limit. A retry returns its first result before the limit is looked at.
	counter := func(at time.Time) string { return monthCounter(limitCounterPrefix+"transfer", at, p.Location()) }
	return s.limited(ctx, p, t.Key, dig, keys, from, need, counter, func(op *ledgerOp, a []*Account, sent *Account) ([]Entry, error) {
		if n := counted(sent); n+t.Points > limit {
			return nil, kehu.Invalid("points", "max_per_month", fmt.Sprintf("%d sent this month; %d more is over the limit of %d", n, t.Points, limit))
		}
		es, err := move(op, a)
		if err == nil {
			op.count(sent, t.Points, Source{Type: counterSource, Ref: t.Key})
		}
		return es, err
	})
}
