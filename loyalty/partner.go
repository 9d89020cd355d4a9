package loyalty

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/fingerprint"
)

// Partner is a coalition partner (an airline's hotel or car-rental partner, a co-branded
// shop) whose points members exchange for the programme's, and back.
type Partner struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// PointType is the programme's spendable point type exchanged.
	PointType string `json:"point_type"`
	// InRate is how many of our points one partner point buys (e.g. "0.5": 2 hotel points
	// make 1 mile); OutRate is how many partner points one of our points buys. Zero means
	// that direction is closed. Results round down.
	InRate  decimal.Decimal `json:"in_rate,omitzero"`
	OutRate decimal.Decimal `json:"out_rate,omitzero"`
	// MinPoints is the smallest exchange, in our points; MaxPerDay the most of our points a
	// member may exchange with the partner, both directions together, per calendar day in
	// the programme's zone (0: no limit). The day is the one the exchange is written in; a
	// reversal does not give the day's room back.
	MinPoints int64 `json:"min_points,omitempty"`
	MaxPerDay int64 `json:"max_per_day,omitempty"`
}

func (p *Program) validatePartners(pr *programProblems) {
	seen := map[string]bool{}
	for i, x := range p.spec.Partners {
		f := fmt.Sprintf("partners[%d]", i)
		if !programIDPattern.MatchString(x.ID) || seen[x.ID] {
			pr.Addf(f+".id", "format", "%s is empty, malformed or used twice", clip.Quote(x.ID))
		}
		seen[x.ID] = true
		pr.name(f+".name", x.Name)
		if pt, ok := p.PointType(x.PointType); !ok || pt.Kind != Spendable {
			pr.Addf(f+".point_type", "unknown_point_type", "%s is not a spendable point type of the programme", clip.Quote(x.PointType))
		}
		if x.InRate.Sign() < 0 || x.OutRate.Sign() < 0 || (x.InRate.IsZero() && x.OutRate.IsZero()) {
			pr.Add(f, "rate", "rates must not be negative and at least one direction must be open")
		}
		pr.decimal(f+".in_rate", x.InRate, 9, 6)
		pr.decimal(f+".out_rate", x.OutRate, 9, 6)
		if x.MinPoints < 0 || x.MaxPerDay < 0 {
			pr.Add(f, "range", "limits must not be negative")
		}
	}
}

// Partner returns the partner with the ID.
func (p *Program) Partner(id string) (Partner, bool) {
	for _, x := range p.spec.Partners {
		if x.ID == id {
			return x, true
		}
	}
	return Partner{}, false
}

// Exchange is a member's exchange of points with a partner.
type Exchange struct {
	Partner  string         `json:"partner"`
	Customer crm.CustomerID `json:"customer"`
	// Points is, for ExchangeIn, the partner's points handed in; for ExchangeOut, our
	// points handed out.
	Points int64 `json:"points"`
	// Ref is the partner's transaction reference, kept for settlement; it also makes the
	// exchange idempotent.
	Ref string `json:"ref"`
}

func (s *Service) checkExchange(p *Program, x Exchange, in bool) (Partner, error) {
	var probs kehu.Problems
	if !p.usable() {
		return Partner{}, kehu.Invalid("program", "required", "a compiled programme is required (Compile or LoadProgram)")
	}
	partner, ok := p.Partner(x.Partner)
	switch {
	case !ok:
		probs.Addf("partner", "unknown_partner", "%q is not a partner of programme %s", x.Partner, p.spec.ID)
	case in && partner.InRate.IsZero(), !in && partner.OutRate.IsZero():
		probs.Addf("partner", "closed", "exchanges with %s are closed in this direction", x.Partner)
	}
	checkMember(x.Customer, &probs)
	if x.Points <= 0 || x.Points > MaxPoints {
		probs.Addf("points", "range", "must be between 1 and %d", int64(MaxPoints))
	}
	if x.Ref == "" {
		probs.Add("ref", "required", "the partner's reference is needed for settlement")
	}
	checkText(&probs, "ref", x.Ref, 200)
	return partner, probs.Err()
}

// ExchangeIn converts a partner's points into the programme's: the member receives
// Points × InRate (rounded down) as a new lot. The exchange is recorded with Source type
// "partner:<id>" and the partner's reference, for settlement.
func (s *Service) ExchangeIn(ctx context.Context, p *Program, x Exchange) (Entry, error) {
	partner, err := s.checkExchange(p, x, true)
	if err != nil {
		return s.exchangeRefused(ctx, p, x, true, err)
	}
	worth := decimal.NewFromInt(x.Points).Mul(partner.InRate).Floor()
	if worth.GreaterThan(decimal.NewFromInt(MaxPoints)) {
		return s.exchangeRefused(ctx, p, x, true, kehu.Invalid("points", "max_points",
			fmt.Sprintf("the exchange is worth %s points, more than one command may move (%d)", worth, int64(MaxPoints))))
	}
	return s.exchange(ctx, p, partner, x, worth.IntPart(), true)
}

// exchangeKey is the command key and digest of an exchange (see ExchangeIn).
func exchangeKey(x Exchange, in bool) (key, dig string) {
	dir := "out"
	if in {
		dir = "in"
	}
	return kehu.LibraryKey("partner", x.Partner, dir, x.Ref), fingerprint.Of("exchange", x)
}

// exchangeRefused answers an exchange a rule refused (err) from its record, if the
// partner's reference was recorded: the partner's resend gets the first result, also
// under a programme version that changed since.
func (s *Service) exchangeRefused(ctx context.Context, p *Program, x Exchange, in bool, err error) (Entry, error) {
	if !p.usable() || x.Ref == "" {
		return Entry{}, err
	}
	key, dig := exchangeKey(x, in)
	return first(s.refusedOrReplayed(ctx, p, key, dig, err))
}

// ExchangeOut converts the member's points into a partner's: Points of ours are spent and
// the partner owes the member Points × OutRate (rounded down), which the host passes on.
func (s *Service) ExchangeOut(ctx context.Context, p *Program, x Exchange) (Entry, error) {
	partner, err := s.checkExchange(p, x, false)
	if err != nil {
		return s.exchangeRefused(ctx, p, x, false, err)
	}
	return s.exchange(ctx, p, partner, x, x.Points, false)
}

func (s *Service) exchange(ctx context.Context, p *Program, partner Partner, x Exchange, ours int64, in bool) (Entry, error) {
	if ours < max(partner.MinPoints, 1) {
		return s.exchangeRefused(ctx, p, x, in, kehu.Invalid("points", "min",
			fmt.Sprintf("the exchange is worth %d points, less than the minimum of %d", ours, max(partner.MinPoints, 1))))
	}
	key := AccountKey{Program: p.spec.ID, Customer: x.Customer, PointType: partner.PointType}
	src := Source{Type: "partner:" + partner.ID, Ref: x.Ref}
	cmdKey, dig := exchangeKey(x, in)
	if err := kehu.CheckKey("ref", cmdKey); err != nil {
		return Entry{}, err
	}
	pt, _ := p.PointType(partner.PointType)
	move := func(op *ledgerOp, a []*Account) ([]Entry, error) {
		if in {
			return []Entry{op.credit(a[0], KindEarn, pt, p.Location(), ours, src, "partner exchange in")}, nil
		}
		e, err := op.debit(a[0], KindRedeem, p.Spend(), ours, src, "partner exchange out")
		return []Entry{e}, err
	}
	need := Need{Policy: p.Spend()}
	if !in {
		need.Spend = ours
	}
	if partner.MaxPerDay == 0 {
		return first(s.runNeed(ctx, p, cmdKey, dig, []AccountKey{key}, need, move))
	}
	// What the member exchanged with the partner today (either way) is a counter of theirs,
	// read and added to in the same atomic write as the exchange: concurrent exchanges never
	// pass the daily limit together. A repeat returns its first result before the limit is
	// looked at, which its own first attempt used.
	counter := func(at time.Time) string {
		return dayCounter(limitCounterPrefix+"partner:"+partner.ID, at, p.Location())
	}
	return first(s.limited(ctx, p, cmdKey, dig, []AccountKey{key}, key, need, counter, func(op *ledgerOp, a []*Account, today *Account) ([]Entry, error) {
		if used := counted(today); used+ours > partner.MaxPerDay {
			return nil, kehu.Invalid("points", "daily_limit", fmt.Sprintf("%d points exchanged with %s today; the limit is %d", used, partner.ID, partner.MaxPerDay))
		}
		es, err := move(op, a)
		if err == nil {
			op.count(today, ours, Source{Type: counterSource, Ref: x.Ref})
		}
		return es, err
	}))
}

// Settlement is what passed between the programme and one partner over a period: the
// points members brought in and took out, and every exchange, for the partners' invoice.
type Settlement struct {
	Partner   string    `json:"partner"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	PointsIn  int64     `json:"points_in"`
	PointsOut int64     `json:"points_out"`
	Entries   []Entry   `json:"entries"`
}

// PartnerSettlement lists a partner's exchanges with entries in [from, to).
func (s *Service) PartnerSettlement(ctx context.Context, p *Program, partner string, from, to time.Time) (*Settlement, error) {
	if !p.usable() {
		return nil, kehu.Invalid("program", "required", "a compiled programme is required (Compile or LoadProgram)")
	}
	if _, ok := p.Partner(partner); !ok {
		return nil, kehu.Invalid("partner", "unknown_partner", fmt.Sprintf("%q is not a partner of programme %s", partner, p.spec.ID))
	}
	if !to.After(from) {
		return nil, kehu.Invalid("to", "range", "must be after from")
	}
	st := &Settlement{Partner: partner, From: from, To: to, Entries: []Entry{}}
	srcType := "partner:" + partner
	err := s.eachEntry(ctx, p, from, to, func(e Entry) {
		if e.Source.Type != srcType {
			return
		}
		st.Entries = append(st.Entries, e)
		if e.Points > 0 {
			st.PointsIn += e.Points
		} else {
			st.PointsOut -= e.Points
		}
	})
	return st, err
}

// eachEntry calls fn for every entry of the programme's point type accounts (internal
// accounts left out) with From ≤ At < To.
func (s *Service) eachEntry(ctx context.Context, p *Program, from, to time.Time, fn func(Entry)) error {
	q := ScanQuery{KeysOnly: true, PageRequest: kehu.PageRequest{Limit: 1000}}
	for {
		page, err := s.store.ScanAccounts(ctx, p.spec.ID, q)
		if err != nil {
			return err
		}
		for _, a := range page.Items {
			if IsInternalAccount(a.Key.PointType) {
				continue // tier figures and counters: no points of the programme's
			}
			eq := EntryQuery{From: from, To: to, PageRequest: kehu.PageRequest{Limit: 1000}}
			for {
				es, err := s.store.Entries(ctx, a.Key, eq)
				if err != nil {
					return err
				}
				for _, e := range es.Items {
					fn(e)
				}
				if es.Next == "" {
					break
				}
				eq.After = es.Next
			}
		}
		if page.Next == "" {
			return nil
		}
		q.After = page.Next
	}
}
