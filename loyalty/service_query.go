package loyalty

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/checked"
)

// ExpiryReport says what one ExpireDue run did.
type ExpiryReport struct {
	Accounts int   `json:"accounts"`
	Lots     int   `json:"lots"`
	Points   int64 `json:"points"`
}

// ExpireDue writes the expiry entries for the programme's lots whose points expired at or
// before asOf: it visits, batch at a time (0 means 1000), every account holding such a lot
// and expires there every lot past its expiry by the service's clock (which asOf may not
// be after). The report counts exactly the entries written. It is idempotent: a lot is
// expired once, and a second run finds nothing. Reads never need it: points past their
// expiry are never spendable, whether or not this has run.
func (s *Service) ExpireDue(ctx context.Context, p *Program, asOf time.Time, batch int) (ExpiryReport, error) {
	var rep ExpiryReport
	if !p.usable() {
		return rep, kehu.Invalid("program", "required", "a compiled programme is required (Compile or LoadProgram)")
	}
	if asOf.After(s.opts.Now()) {
		return rep, kehu.Invalid("as_of", "future", "cannot expire points ahead of the clock")
	}
	if batch < 0 {
		return rep, kehu.Invalid("batch", "range", "must not be negative")
	}
	if batch == 0 {
		batch = 1000
	}
	q := ScanQuery{DueBy: asOf, KeysOnly: true, PageRequest: kehu.PageRequest{Limit: batch}}
	for {
		page, err := s.store.ScanAccounts(ctx, p.spec.ID, q)
		if err != nil {
			return rep, err
		}
		for _, a := range page.Items {
			run, err := s.runAll(ctx, p, "", "", []AccountKey{a.Key}, Need{}, figureHint{}, func(*ledgerOp, []*Account) ([]Entry, error) {
				return nil, nil // runAll writes the expiry entries of every account it touches
			})
			if err != nil {
				return rep, fmt.Errorf("expire %s: %w", a.Key, err)
			}
			if len(run.all) > 0 {
				rep.Accounts++
			}
			for _, e := range run.all {
				rep.Lots += len(e.Lots)
				rep.Points -= e.Points
			}
		}
		if page.Next == "" {
			return rep, nil
		}
		q.After = page.Next
	}
}

// Balance returns a member's position in one point type now. A member with no account has
// a zero balance.
func (s *Service) Balance(ctx context.Context, p *Program, customer crm.CustomerID, pointType string) (Balance, error) {
	a, err := s.openAccount(ctx, p, customer, pointType)
	if err != nil {
		return Balance{}, err
	}
	return a.BalanceAt(s.opts.Now()), nil
}

// account reads the member's account with every lot (an empty account when the store has
// none).
func (s *Service) account(ctx context.Context, p *Program, customer crm.CustomerID, pointType string) (*Account, error) {
	return s.readAccount(ctx, p, customer, pointType, s.store.Account)
}

// openAccount reads the member's account with at least its open lots: through the store's
// OpenReader when it has one, which leaves the spent ones out.
func (s *Service) openAccount(ctx context.Context, p *Program, customer crm.CustomerID, pointType string) (*Account, error) {
	read := s.store.Account
	if o, ok := s.store.(OpenReader); ok {
		read = o.OpenAccount
	}
	return s.readAccount(ctx, p, customer, pointType, read)
}

// readAccount checks the member and point type and reads the account with read (an empty
// account when the store has none).
func (s *Service) readAccount(ctx context.Context, p *Program, customer crm.CustomerID, pointType string,
	read func(context.Context, AccountKey) (*Account, error)) (*Account, error) {
	var probs kehu.Problems
	checkMember(customer, &probs)
	pointType2(p, pointType, &probs)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	key := AccountKey{Program: p.spec.ID, Customer: customer, PointType: pointType}
	a, err := read(ctx, key)
	if errors.Is(err, kehu.ErrNotFound) {
		return &Account{Key: key}, nil
	}
	return a, err
}

func pointType2(p *Program, code string, probs *kehu.Problems) {
	if p == nil {
		probs.Add("program", "required", "is nil")
		return
	}
	pointType(p, "point_type", code, probs)
}

// AccountAsOf rebuilds a member's account as it stood at t from its entries: each lot's
// remainder and the debt as the entries up to t left them (lots created later are left
// out). Use BalanceAt(t) on the result for the balance as of t.
func (s *Service) AccountAsOf(ctx context.Context, p *Program, customer crm.CustomerID, pointType string, t time.Time) (*Account, error) {
	a, err := s.account(ctx, p, customer, pointType)
	if err != nil || a.Version == 0 {
		return a, err
	}
	remaining := map[LotID]int64{}
	var debt int64
	q := EntryQuery{To: t.Add(time.Nanosecond), PageRequest: kehu.PageRequest{Limit: 1000}}
	for {
		page, err := s.store.Entries(ctx, a.Key, q)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Items {
			for _, m := range e.Lots {
				remaining[m.Lot] += m.Points
			}
			debt += e.Debt
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	out := &Account{Key: a.Key, Version: a.Version, Debt: debt}
	for _, l := range a.Lots {
		if l.EarnedAt.After(t) {
			continue
		}
		l.Remaining = remaining[l.ID]
		if !l.ExpiredAt.IsZero() && l.ExpiredAt.After(t) {
			l.ExpiredAt = time.Time{}
		}
		out.Lots = append(out.Lots, l)
	}
	return out, nil
}

// Lots returns a member's lots in one point type, as stored.
func (s *Service) Lots(ctx context.Context, p *Program, customer crm.CustomerID, pointType string) ([]Lot, error) {
	a, err := s.account(ctx, p, customer, pointType)
	if err != nil {
		return nil, err
	}
	return a.Lots, nil
}

// Statement is an account's movements over a period.
type Statement struct {
	Account AccountKey `json:"account"`
	From    time.Time  `json:"from"`
	To      time.Time  `json:"to"`
	// Opening and Closing are book balances (lot remainders less debt) at From and To.
	Opening int64   `json:"opening"`
	Closing int64   `json:"closing"`
	Entries []Entry `json:"entries"`
	// Totals by entry kind over the period.
	Totals map[EntryKind]int64 `json:"totals"`
}

// Statement returns a member's entries in [from, to) with opening and closing balances;
// Opening + Σ entries = Closing.
func (s *Service) Statement(ctx context.Context, p *Program, customer crm.CustomerID, pointType string, from, to time.Time) (*Statement, error) {
	if !to.After(from) {
		return nil, kehu.Invalid("to", "range", "must be after from")
	}
	a, err := s.openAccount(ctx, p, customer, pointType) // for its key and version: the entries tell the rest
	if err != nil {
		return nil, err
	}
	st := &Statement{Account: a.Key, From: from, To: to, Entries: []Entry{}, Totals: map[EntryKind]int64{}}
	if a.Version == 0 {
		return st, nil
	}
	q := EntryQuery{To: to, PageRequest: kehu.PageRequest{Limit: 1000}}
	for {
		page, err := s.store.Entries(ctx, a.Key, q)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Items {
			if e.At.Before(from) {
				st.Opening += e.Points
				continue
			}
			st.Entries = append(st.Entries, e)
			st.Totals[e.Kind] += e.Points
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	st.Closing = st.Opening
	for _, e := range st.Entries {
		st.Closing += e.Points
	}
	return st, nil
}

// LiabilityLine is the outstanding points of one point type and what they are worth.
type LiabilityLine struct {
	PointType string `json:"point_type"`
	// Available and Pending are summed over members with positive balances; debts are
	// reported apart and not netted.
	Available int64      `json:"available"`
	Pending   int64      `json:"pending"`
	Debt      int64      `json:"debt"`
	Value     kehu.Money `json:"value"`
}

// Liability returns, per point type, the points outstanding at asOf (available and
// pending, never counting expired points) and their value at the point type's
// ValuePerPoint, rounded half-up to the currency's minor units. A store that implements
// Totals sums them itself; otherwise every account is read.
func (s *Service) Liability(ctx context.Context, p *Program, asOf time.Time) ([]LiabilityLine, error) {
	if !p.usable() {
		return nil, kehu.Invalid("program", "required", "a compiled programme is required (Compile or LoadProgram)")
	}
	var (
		totals []Outstanding
		err    error
	)
	if t, ok := s.store.(Totals); ok {
		totals, err = t.Outstanding(ctx, p.spec.ID, asOf)
	} else {
		totals, err = outstanding(ctx, s.store, p.spec.ID, asOf)
	}
	if err != nil {
		return nil, err
	}
	lines := make([]LiabilityLine, len(p.spec.PointTypes))
	for i, pt := range p.spec.PointTypes {
		lines[i].PointType = pt.Code
		for _, o := range totals {
			if o.PointType == pt.Code {
				lines[i].Available, lines[i].Pending, lines[i].Debt = o.Available, o.Pending, o.Debt
			}
		}
		n, ok := checked.Add(lines[i].Available, lines[i].Pending)
		if !ok {
			return nil, fmt.Errorf("loyalty: liability of %s: %w", pt.Code, errSumOverflow)
		}
		amount := pt.ValuePerPoint.Mul(decimal.NewFromInt(n))
		m, err := kehu.MoneyFromDecimal(amount, kehu.Currency(p.spec.Currency))
		if err != nil {
			return nil, err
		}
		lines[i].Value = m.Round(kehu.HalfUp)
	}
	return lines, nil
}

// errSumOverflow is the error of a sum of points past the range of an int64.
var errSumOverflow = errors.New("the sum of points overflows an int64")

// outstanding is Totals.Outstanding worked out from every account of the programme.
func outstanding(ctx context.Context, store Store, program string, asOf time.Time) ([]Outstanding, error) {
	var out []Outstanding
	idx := map[string]int{}
	q := ScanQuery{PageRequest: kehu.PageRequest{Limit: 1000}}
	for {
		page, err := store.ScanAccounts(ctx, program, q)
		if err != nil {
			return nil, err
		}
		for _, a := range page.Items {
			if IsInternalAccount(a.Key.PointType) {
				continue
			}
			i, ok := idx[a.Key.PointType]
			if !ok {
				i = len(out)
				idx[a.Key.PointType] = i
				out = append(out, Outstanding{PointType: a.Key.PointType})
			}
			b := a.BalanceAt(asOf)
			o := &out[i]
			var ok1, ok2, ok3 bool
			o.Available, ok1 = checked.Add(o.Available, max(b.Available, 0))
			o.Pending, ok2 = checked.Add(o.Pending, b.Pending)
			o.Debt, ok3 = checked.Add(o.Debt, b.Debt)
			if !ok1 || !ok2 || !ok3 {
				return nil, fmt.Errorf("loyalty: outstanding points of %s: %w", a.Key.PointType, errSumOverflow)
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	slices.SortFunc(out, func(a, b Outstanding) int { return strings.Compare(a.PointType, b.PointType) })
	return out, nil
}

// BreakageLine is how much of what was earned in a period expired.
type BreakageLine struct {
	PointType string `json:"point_type"`
	Earned    int64  `json:"earned"`
	Expired   int64  `json:"expired"`
	// Rate is Expired ÷ Earned to 4 decimal places (zero when nothing was earned).
	Rate decimal.Decimal `json:"rate"`
}

// Breakage returns, per point type, the points earned and the points expired by entries
// in [from, to), and their ratio. A store that implements Totals sums them itself;
// otherwise every entry of the period is read.
func (s *Service) Breakage(ctx context.Context, p *Program, from, to time.Time) ([]BreakageLine, error) {
	if !p.usable() {
		return nil, kehu.Invalid("program", "required", "a compiled programme is required (Compile or LoadProgram)")
	}
	if !to.After(from) {
		return nil, kehu.Invalid("to", "range", "must be after from")
	}
	var (
		flows []Flow
		err   error
	)
	if t, ok := s.store.(Totals); ok {
		flows, err = t.Flows(ctx, p.spec.ID, from, to)
	} else {
		flows, err = s.flows(ctx, p, from, to)
	}
	if err != nil {
		return nil, err
	}
	lines := make([]BreakageLine, len(p.spec.PointTypes))
	for i, pt := range p.spec.PointTypes {
		lines[i].PointType = pt.Code
		for _, f := range flows {
			if f.PointType == pt.Code {
				lines[i].Earned, lines[i].Expired = f.Earned, f.Expired
			}
		}
		if lines[i].Earned > 0 {
			lines[i].Rate = decimal.NewFromInt(lines[i].Expired).DivRound(decimal.NewFromInt(lines[i].Earned), 4)
		}
	}
	return lines, nil
}

// flows is Totals.Flows worked out from every entry of the period.
func (s *Service) flows(ctx context.Context, p *Program, from, to time.Time) ([]Flow, error) {
	var out []Flow
	idx := map[string]int{}
	var overflow bool
	err := s.eachEntry(ctx, p, from, to, func(e Entry) {
		if e.Kind != KindEarn && e.Kind != KindExpire {
			return
		}
		i, ok := idx[e.Account.PointType]
		if !ok {
			i = len(out)
			idx[e.Account.PointType] = i
			out = append(out, Flow{PointType: e.Account.PointType})
		}
		f := &out[i]
		if e.Kind == KindEarn {
			f.Earned, ok = checked.Add(f.Earned, e.Points)
		} else {
			f.Expired, ok = checked.Add(f.Expired, -e.Points)
		}
		overflow = overflow || !ok
	})
	if err != nil {
		return nil, err
	}
	if overflow {
		return nil, fmt.Errorf("loyalty: points earned or expired: %w", errSumOverflow)
	}
	slices.SortFunc(out, func(a, b Flow) int { return strings.Compare(a.PointType, b.PointType) })
	return out, nil
}
