package loyalty

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// TierEvent is published when a member's tier in force changes ("loyalty.tier_changed").
type TierEvent struct {
	Program  string         `json:"program"`
	Customer crm.CustomerID `json:"customer"`
	Change   TierChange     `json:"change"`
}

// EventName implements kehu.Event.
func (TierEvent) EventName() string { return "loyalty.tier_changed" }

// OccurredAt implements kehu.Event.
func (e TierEvent) OccurredAt() time.Time { return e.Change.At }

// TierStatus is where a member stands: the state, the figures counted now and the progress
// to the next level.
type TierStatus struct {
	State   *MemberState `json:"state"`
	Level   TierLevel    `json:"level"`
	Figures Figures      `json:"figures"`
	// Next is what the member still needs for the level above the earned one; nil at the
	// top.
	Next *TierProgress `json:"next,omitempty"`
}

// TierProgress is what a member still needs for a level ("spend ¥1,200 more by 31 Dec").
// Each figure the level measures is given; with Tiers.All false, meeting any one suffices.
type TierProgress struct {
	Tier      string     `json:"tier"`
	Spend     kehu.Money `json:"spend"`
	Points    int64      `json:"points,omitempty"`
	Purchases int64      `json:"purchases,omitempty"`
	// By is when the figures counted now start to fall out of the window: the end of the
	// calendar or membership year, or, for a rolling window, the next review.
	By time.Time `json:"by"`
}

func tiersOf(p *Program) (*Tiers, error) {
	if p == nil || p.loc == nil {
		return nil, kehu.Invalid("program", "required", "a validated programme is required")
	}
	if p.Tiers == nil {
		return nil, kehu.Invalid("tiers", "required", fmt.Sprintf("programme %s has no tiers", p.ID))
	}
	return p.Tiers, nil
}

// Figures returns a member's qualifying figures in the tier window that counts at t.
func (s *Service) Figures(ctx context.Context, p *Program, customer crm.CustomerID, joined, t time.Time) (Figures, error) {
	tiers, err := tiersOf(p)
	if err != nil {
		return Figures{}, err
	}
	from, to := tiers.WindowAt(t, joined, p.Location())
	sum := func(pointType string) (int64, error) {
		if pointType == "" {
			return 0, nil
		}
		key := AccountKey{Program: p.ID, Customer: customer, PointType: pointType}
		var n int64
		q := EntryQuery{From: from, To: to, PageRequest: kehu.PageRequest{Limit: 1000}}
		for {
			page, err := s.store.Entries(ctx, key, q)
			if errors.Is(err, kehu.ErrNotFound) {
				return 0, nil
			}
			if err != nil {
				return 0, err
			}
			for _, e := range page.Items {
				switch e.Kind {
				case KindEarn, KindReverse, KindAdjust:
					n += e.Points
				}
			}
			if page.Next == "" {
				return n, nil
			}
			q.After = page.Next
		}
	}
	var f Figures
	if f.Spend, err = sum(spendAccount); err != nil {
		return f, err
	}
	if f.Purchases, err = sum(purchasesAccount); err != nil {
		return f, err
	}
	f.Points, err = sum(tiers.QualifyingType)
	return f, err
}

// EvaluateTier brings a member's tier up to date at the service's clock and returns where
// they stand. It enrols a member seen for the first time (at the entry level, joined now),
// ends a manual assignment whose time is up, applies a downgrade whose grace period is
// over, holds every review that fell due — at a review a member keeps the highest level
// their figures reach, dropping at most Tiers.MaxDrop levels — and upgrades at once when
// the figures now reach a higher level. Each change lands in the member's history.
func (s *Service) EvaluateTier(ctx context.Context, p *Program, customer crm.CustomerID) (*TierStatus, error) {
	tiers, err := tiersOf(p)
	if err != nil {
		return nil, err
	}
	if customer.IsZero() {
		return nil, kehu.Invalid("customer", "required", "is empty")
	}
	minor := int32(kehu.Currency(p.Currency).MinorUnits())
	loc := p.Location()
	for range maxAttempts {
		now := s.opts.Now()
		cur, err := s.store.Member(ctx, p.ID, customer)
		if errors.Is(err, kehu.ErrNotFound) {
			cur = &MemberState{Program: p.ID, Customer: customer}
		} else if err != nil {
			return nil, err
		}
		joined := cur.JoinedAt
		if joined.IsZero() {
			joined = now
		}
		// Figures are read before the write; the write checks the state did not move.
		type review struct {
			at        time.Time
			qualified int
		}
		var reviews []review
		next := cur.NextReview
		if next.IsZero() {
			next = tiers.NextReview(joined, joined, loc)
		}
		for i := 0; !next.After(now) && i < 100; i++ {
			f, err := s.Figures(ctx, p, customer, joined, next)
			if err != nil {
				return nil, err
			}
			reviews = append(reviews, review{next, tiers.Qualify(f, minor)})
			next = tiers.NextReview(next, joined, loc)
		}
		figs, err := s.Figures(ctx, p, customer, joined, now)
		if err != nil {
			return nil, err
		}
		qualified := tiers.Qualify(figs, minor)

		var changes []TierChange
		actor := kehu.ActorFrom(ctx)
		err = s.store.UpdateMember(ctx, p.ID, customer, func(m *MemberState) error {
			if m.Version != cur.Version {
				return errMoved
			}
			changes = nil
			set := func(to, reason string, at time.Time) {
				if m.Tier != to {
					changes = append(changes, TierChange{From: m.Tier, To: to, At: at, Reason: reason, Actor: actor})
					m.Tier = to
				}
			}
			if m.JoinedAt.IsZero() {
				m.JoinedAt = joined
				m.Earned = tiers.Levels[0].Code
				set(m.Earned, TierJoined, now)
			}
			level := func(code string) int { return max(tiers.Level(code), 0) }
			inForce := func(at time.Time) {
				t := m.Earned
				if m.Assigned != "" && at.Before(m.AssignedUntil) && level(m.Assigned) > level(t) {
					t = m.Assigned
				}
				reason := TierReviewed
				switch {
				case t == m.Assigned:
					reason = TierAssigned + ": " + m.AssignedReason
				case m.Tier == m.Assigned && m.Assigned != "":
					reason = TierAssignmentEnds
				}
				set(t, reason, at)
			}
			for _, r := range reviews {
				if !m.DowngradeAt.IsZero() && !m.DowngradeAt.After(r.at) {
					m.Earned, m.DowngradeTo, m.DowngradeAt = m.DowngradeTo, "", time.Time{}
				}
				earned := level(m.Earned)
				keep := r.qualified
				if tiers.MaxDrop > 0 {
					keep = max(keep, earned-tiers.MaxDrop)
				}
				if keep < earned {
					if tiers.GraceDays > 0 {
						m.DowngradeTo, m.DowngradeAt = tiers.Levels[keep].Code, r.at.In(loc).AddDate(0, 0, tiers.GraceDays)
					} else {
						m.Earned = tiers.Levels[keep].Code
					}
				}
				inForce(r.at)
			}
			m.NextReview = next
			if !m.DowngradeAt.IsZero() && !m.DowngradeAt.After(now) {
				m.Earned, m.DowngradeTo, m.DowngradeAt = m.DowngradeTo, "", time.Time{}
			}
			if qualified > level(m.Earned) {
				m.Earned = tiers.Levels[qualified].Code
				if m.DowngradeTo != "" {
					m.DowngradeTo, m.DowngradeAt = "", time.Time{} // qualifying again cancels it
				}
				if level(m.Tier) < qualified {
					set(m.Earned, TierQualified, now)
				}
			}
			inForce(now)
			if m.Assigned != "" && !now.Before(m.AssignedUntil) {
				m.Assigned, m.AssignedUntil, m.AssignedReason = "", time.Time{}, ""
			}
			m.History = append(m.History, changes...)
			return nil
		})
		if errors.Is(err, errMoved) {
			continue
		}
		if err != nil {
			return nil, err
		}
		st, err := s.store.Member(ctx, p.ID, customer)
		if err != nil {
			return nil, err
		}
		if err := s.publishTier(ctx, p, customer, changes); err != nil {
			return nil, err
		}
		return s.status(p, tiers, st, figs, minor), nil
	}
	return nil, fmt.Errorf("member %s: %w", customer, kehu.ErrConflict)
}

var errMoved = errors.New("member state moved")

func (s *Service) publishTier(ctx context.Context, p *Program, customer crm.CustomerID, changes []TierChange) error {
	if len(changes) == 0 {
		return nil
	}
	events := make([]kehu.Event, len(changes))
	for i, c := range changes {
		events[i] = TierEvent{Program: p.ID, Customer: customer, Change: c}
	}
	if err := s.opts.Events.Publish(ctx, events...); err != nil {
		return fmt.Errorf("tier stored, but publishing events failed: %w", err)
	}
	return nil
}

func (s *Service) status(p *Program, tiers *Tiers, m *MemberState, f Figures, minor int32) *TierStatus {
	st := &TierStatus{State: m, Figures: f}
	if i := tiers.Level(m.Tier); i >= 0 {
		st.Level = tiers.Levels[i]
	}
	up := tiers.Level(m.Earned) + 1
	if up <= 0 || up >= len(tiers.Levels) {
		return st
	}
	l := tiers.Levels[up]
	spent := decimal.New(f.Spend, -minor)
	need := decimal.Max(l.Spend.Sub(spent), decimal.Zero)
	if l.Spend.IsZero() {
		need = decimal.Zero
	}
	money, _ := kehu.MoneyFromDecimal(need, kehu.Currency(p.Currency))
	by := m.NextReview
	if tiers.Window.Kind != WindowRollingMonths {
		// The window restarts at the next calendar or membership year.
		_, to := tiers.WindowAt(s.opts.Now(), m.JoinedAt, p.Location())
		next := tiers.NextReview(to.Add(-time.Nanosecond), m.JoinedAt, p.Location())
		if tiers.Window.Kind == WindowCalendarYear {
			local := to.In(p.Location())
			next = time.Date(local.Year()+1, time.January, 1, 0, 0, 0, 0, p.Location())
		}
		by = next
	}
	st.Next = &TierProgress{Tier: l.Code, Spend: money, Points: max(l.Points-f.Points, 0),
		Purchases: max(l.Purchases-f.Purchases, 0), By: by}
	return st
}

// AssignTier gives a member a level until a time (a status match, or a goodwill upgrade),
// whatever their figures. The assignment is no floor: when it ends the member is back at
// the level they earned. A reason is required.
func (s *Service) AssignTier(ctx context.Context, p *Program, customer crm.CustomerID, tier string, until time.Time, reason string) (*TierStatus, error) {
	tiers, err := tiersOf(p)
	if err != nil {
		return nil, err
	}
	until = kehu.Truncate(until)
	var probs kehu.Problems
	checkMember(customer, &probs)
	if tiers.Level(tier) < 0 {
		probs.Addf("tier", "unknown_tier", "%q is not a level of programme %s", tier, p.ID)
	}
	if !until.After(s.opts.Now()) {
		probs.Add("until", "future", "an assignment must end in the future")
	}
	if reason == "" {
		probs.Add("reason", "required", "say why the level is assigned")
	}
	checkText(&probs, "reason", reason, 500)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	if _, err := s.EvaluateTier(ctx, p, customer); err != nil { // enrol and bring up to date
		return nil, err
	}
	err = s.store.UpdateMember(ctx, p.ID, customer, func(m *MemberState) error {
		m.Assigned, m.AssignedUntil, m.AssignedReason = tier, until, reason
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.EvaluateTier(ctx, p, customer)
}

// ReviewTiers brings up to date every member of the programme with a review, a delayed
// downgrade or the end of an assignment due by the service's clock, and returns how many
// it visited.
func (s *Service) ReviewTiers(ctx context.Context, p *Program) (int, error) {
	if _, err := tiersOf(p); err != nil {
		return 0, err
	}
	n := 0
	q := ScanQuery{DueBy: s.opts.Now(), PageRequest: kehu.PageRequest{Limit: 1000}}
	for {
		page, err := s.store.ScanMembers(ctx, p.ID, q)
		if err != nil {
			return n, err
		}
		for _, m := range page.Items {
			if _, err := s.EvaluateTier(ctx, p, m.Customer); err != nil {
				return n, fmt.Errorf("review %s: %w", m.Customer, err)
			}
			n++
		}
		if page.Next == "" {
			return n, nil
		}
		q.After = page.Next
	}
}
