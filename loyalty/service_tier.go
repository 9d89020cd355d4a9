package loyalty

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	// Spent is Figures.Spend as money: what the member spent in the window in progress, in
	// the programme's currency (Figures keeps it in minor units, as the ledger counts it).
	Spent kehu.Money `json:"spent"`
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
	if !p.usable() {
		return nil, kehu.Invalid("program", "required", "a compiled programme is required (Compile or LoadProgram)")
	}
	if p.spec.Tiers == nil {
		return nil, kehu.Invalid("tiers", "required", fmt.Sprintf("programme %s has no tiers", p.spec.ID))
	}
	return p.spec.Tiers, nil
}

// Figures returns a member's qualifying figures in the tier window that counts at t (see
// Tiers.WindowAt): what the earnings written in the window credited, less what refunds and
// reversals have taken back of those same earnings since, whenever they came. They are
// read from running counters the ledger keeps per year, month and day (see
// BackfillTierFigures): one or two account reads however long the member's history.
func (s *Service) Figures(ctx context.Context, p *Program, customer crm.CustomerID, joined, t time.Time) (Figures, error) {
	tiers, err := tiersOf(p)
	if err != nil {
		return Figures{}, err
	}
	from, to := tiers.WindowAt(t, joined, p.Location())
	return s.figuresIn(ctx, nil, p, tiers, customer, from, to, nil)
}

// figuresIn returns a member's qualifying figures over [from, to): what the earnings and
// adjustments written in the window credited, less what refunds and reversals have taken
// back of those same earnings since, whenever they happened. So a refund lowers the figures
// of the window in which the purchase counted, and never those of a later one. With read
// set, it records there the version of every counter it read (0 for one that does not
// exist).
func (s *Service) figuresIn(ctx context.Context, rd *accountReads, p *Program, tiers *Tiers, customer crm.CustomerID, from, to time.Time,
	read map[AccountKey]int64) (Figures, error) {
	if read == nil {
		read = map[AccountKey]int64{}
	}
	keys := make([]AccountKey, 0, 3)
	for _, pt := range []string{spendAccount, purchasesAccount, tiers.QualifyingType} {
		keys = append(keys, AccountKey{Program: p.spec.ID, Customer: customer, PointType: pt})
	}
	n, err := s.figures(ctx, rd, keys, from, to, read)
	if err != nil {
		return Figures{}, err
	}
	return Figures{Spend: n[0], Purchases: n[1], Points: n[2]}, nil
}

// EvaluateTier brings a member's tier up to date at the service's clock and returns where
// they stand. It enrols a member seen for the first time (at the entry level, joined now),
// and then, in the order they fell due, holds every review — at a review a member keeps the
// highest level their figures in the window just judged reach (Tiers.ReviewWindow),
// dropping at most Tiers.MaxDrop levels, after Tiers.GraceDays — applies a downgrade whose
// grace period is over and ends a manual assignment whose time is up; last it upgrades at
// once when the figures of the window in progress reach a higher level. Each change lands
// in the member's history dated at the instant it took effect (the review, the end of the
// grace period, the end of the assignment), however late it is evaluated; an upgrade is
// dated now. When nothing changes nothing is written.
func (s *Service) EvaluateTier(ctx context.Context, p *Program, customer crm.CustomerID) (*TierStatus, error) {
	return s.evaluateTier(ctx, p, customer, true)
}

// evaluateTier is EvaluateTier; with write false it stores nothing and publishes nothing,
// and returns where the member would stand once evaluated (a member not yet stored at the
// entry level, joined now).
func (s *Service) evaluateTier(ctx context.Context, p *Program, customer crm.CustomerID, write bool) (*TierStatus, error) {
	st, _, _, err := s.evaluate(ctx, p, customer, write, evalFrom{})
	return st, err
}

// evalFrom is where an evaluation starts.
type evalFrom struct {
	// prior, when set, is what an evaluation before read (see tierRead): the first attempt
	// starts from it to find out whether anything changes, and reads afresh before it
	// writes a change.
	prior *tierRead
	// member, when set (and prior is not), is the member's state as a scan read it: the
	// first attempt starts from it, and the write of a change checks its version.
	member *MemberState
	// joined is when a member not yet stored joins: the instant of the write that credited
	// their first points, so that those points count in their first membership year; zero
	// (or an instant after now) for now.
	joined time.Time
}

// tierRead is what an evaluation read: the member's state as stored (a new one when none
// is), the counters of their figures, and the version of every counter the figures of the
// window in progress were read from (see figuresIn).
type tierRead struct {
	member *MemberState
	reads  *accountReads
	read   map[AccountKey]int64
}

// evaluate is evaluateTier that also returns what it read and the changes of the tier in
// force it recorded (none when write is false), starting from from. With from.prior, its
// first attempt starts from that member state and those counters rather than reading
// them: an evaluation right after an order's write passes what the evaluation before it
// read, brought past the write (see accountReads.after). When they show that nothing
// changes, only the member's version is read to confirm it, and the status answered holds
// the figures as they stood when the order was credited; a change is decided again on
// fresh reads, so that no upgrade rests on figures a command has changed since.
func (s *Service) evaluate(ctx context.Context, p *Program, customer crm.CustomerID, write bool, from evalFrom) (*TierStatus, *tierRead, []TierChange, error) {
	tiers, err := tiersOf(p)
	if err != nil {
		return nil, nil, nil, err
	}
	if customer.IsZero() {
		return nil, nil, nil, kehu.Invalid("customer", "required", "is empty")
	}
	if write {
		if err := checkActor(ctx); err != nil {
			return nil, nil, nil, err
		}
	}
	minor := int32(kehu.Currency(p.spec.Currency).MinorUnits())
	loc := p.Location()
	for attempt := range maxAttempts {
		now := s.opts.Now()
		var cur *MemberState
		rd := newAccountReads() // the windows below share their counters' reads
		carried := attempt == 0 && from.prior != nil
		switch {
		case carried:
			cur, rd = from.prior.member, from.prior.reads
		case attempt == 0 && from.member != nil:
			cur = from.member
		default:
			var err error
			cur, err = s.store.Member(ctx, p.spec.ID, customer)
			if errors.Is(err, kehu.ErrNotFound) {
				cur = &MemberState{Program: p.spec.ID, Customer: customer}
			} else if err != nil {
				return nil, nil, nil, err
			}
		}
		if carried && write && (cur.Version == 0 || memberDue(cur, now)) {
			continue // an enrolment or a change due: decided on fresh reads (see below)
		}
		joined := cur.JoinedAt
		if joined.IsZero() {
			joined = now
			if !from.joined.IsZero() && !from.joined.After(now) {
				joined = kehu.Truncate(from.joined)
			}
		}
		// Figures are read before the write; the write checks the state did not move.
		var reviews []tierReview
		next := tiers.placedReview(cur.NextReview, joined, loc)
		if next.IsZero() {
			next = tiers.NextReview(joined, joined, loc)
		}
		for i := 0; !next.After(now) && i < 100; i++ {
			from, to := tiers.ReviewWindow(next, joined, loc)
			f, err := s.figuresIn(ctx, rd, p, tiers, customer, from, to, nil)
			if err != nil {
				return nil, nil, nil, err
			}
			reviews = append(reviews, tierReview{at: next, qualified: tiers.Qualify(f, minor)})
			next = tiers.NextReview(next, joined, loc)
		}
		read := map[AccountKey]int64{}
		from, to := tiers.WindowAt(now, joined, loc)
		figs, err := s.figuresIn(ctx, rd, p, tiers, customer, from, to, read)
		if err != nil {
			return nil, nil, nil, err
		}
		qualified := tiers.Qualify(figs, minor)

		var changes []TierChange
		actor := kehu.ActorFrom(ctx)
		clk := tierClock{joined: joined, now: now, next: next, loc: loc}
		if !write {
			m := cur.Clone()
			tiers.advance(m, clk, reviews, qualified, actor)
			return s.status(p, tiers, m, figs, minor), &tierRead{member: cur, reads: rd, read: read}, nil, nil
		}
		if cur.Version > 0 && !tiers.wouldChange(cur, clk, reviews, qualified) {
			// Most evaluations change nothing: that is found out without the write's lock,
			// and only a check that the member did not move while the figures were read
			// remains (if it did, evaluate again, as the write would).
			again, err := s.store.Member(ctx, p.spec.ID, customer)
			if err != nil && !errors.Is(err, kehu.ErrNotFound) {
				return nil, nil, nil, err
			}
			if err == nil && again.Version == cur.Version {
				return s.status(p, tiers, cur, figs, minor), nil, nil, nil
			}
			continue
		}
		if carried {
			continue // decide the change on fresh reads
		}
		st := cur
		err = s.store.UpdateMember(ctx, p.spec.ID, customer, func(m *MemberState) error {
			if m.Version != cur.Version {
				return errMoved
			}
			before := *m
			changes = tiers.advance(m, clk, reviews, qualified, actor)
			m.truncateTimes()
			if len(changes) == 0 && sameStanding(&before, m) {
				return errUnchanged
			}
			st = m.Clone() // what the store keeps (see MemberStore.UpdateMember)
			st.Version++
			return nil
		})
		if errors.Is(err, errMoved) {
			continue
		}
		switch {
		case errors.Is(err, errUnchanged):
			st = cur
		case err != nil:
			return nil, nil, nil, err
		}
		if err := s.publishTier(ctx, p, customer, changes); err != nil {
			return nil, nil, nil, err
		}
		return s.status(p, tiers, st, figs, minor), nil, changes, nil
	}
	return nil, nil, nil, fmt.Errorf("member %s: %w", customer, kehu.ErrConflict)
}

// tierReview is a review due, with the level the figures of the window it judges reach.
type tierReview struct {
	at        time.Time
	qualified int
}

// tierClock is what advance needs to know of time: when the member joined (for one seen
// for the first time), now, the next review after now, and the programme's zone.
type tierClock struct {
	joined, now, next time.Time
	loc               *time.Location
}

// advance brings m up to date at c.now: enrolment, then the reviews, grace downgrades and
// the end of an assignment in the order they fell due, each dated when it took effect, then
// an upgrade to qualified (the level the figures of the window in progress reach). It
// returns the changes of the tier in force, also appended to m.History, which stays sorted
// by At. It is pure: the Service and Replay share it.
func (t *Tiers) advance(m *MemberState, c tierClock, reviews []tierReview, qualified int, actor string) []TierChange {
	var changes []TierChange
	set := func(to, reason string, at time.Time) {
		if m.Tier != to {
			changes = append(changes, TierChange{From: m.Tier, To: to, At: at, Reason: reason, Actor: actor})
			m.Tier = to
		}
	}
	level := func(code string) int { return max(t.Level(code), 0) }
	// inForce sets the tier in force at the instant: the earned level, or an assignment
	// above it while it lasts.
	inForce := func(at time.Time, reason string) {
		to := m.Earned
		if m.Assigned != "" && at.Before(m.AssignedUntil) && level(m.Assigned) > level(to) {
			to, reason = m.Assigned, TierAssigned+": "+m.AssignedReason
		}
		set(to, reason, at)
	}
	if m.JoinedAt.IsZero() {
		m.JoinedAt = c.joined
		m.Earned = t.Levels[0].Code
		set(m.Earned, TierJoined, c.joined)
	}
	due := func(x time.Time) bool { return !x.IsZero() && !x.After(c.now) }
	for ri := 0; ; {
		// The earliest event due: a grace downgrade, the end of an assignment, a review.
		// At one instant, a downgrade comes before a review, as it was decided earlier.
		var at time.Time
		earliest := func(x time.Time) {
			if due(x) && (at.IsZero() || x.Before(at)) {
				at = x
			}
		}
		earliest(m.DowngradeAt)
		if m.Assigned != "" {
			earliest(m.AssignedUntil)
		}
		if ri < len(reviews) {
			earliest(reviews[ri].at)
		}
		if at.IsZero() {
			break
		}
		if m.DowngradeAt.Equal(at) {
			m.Earned, m.DowngradeTo, m.DowngradeAt = m.DowngradeTo, "", time.Time{}
			inForce(at, TierReviewed)
		}
		if m.Assigned != "" && m.AssignedUntil.Equal(at) {
			inForce(at, TierAssignmentEnds)
			m.Assigned, m.AssignedUntil, m.AssignedReason = "", time.Time{}, ""
		}
		if ri < len(reviews) && reviews[ri].at.Equal(at) {
			earned := level(m.Earned)
			keep := reviews[ri].qualified
			if t.MaxDrop > 0 {
				keep = max(keep, earned-t.MaxDrop)
			}
			if keep < earned {
				if t.GraceDays > 0 {
					m.DowngradeTo, m.DowngradeAt = t.Levels[keep].Code, wallLater(at, c.loc, 0, t.GraceDays)
				} else {
					m.Earned = t.Levels[keep].Code
				}
			}
			inForce(at, TierReviewed)
			ri++
		}
	}
	m.NextReview = c.next
	if qualified > level(m.Earned) {
		m.Earned = t.Levels[qualified].Code
		m.DowngradeTo, m.DowngradeAt = "", time.Time{} // qualifying again cancels a pending drop
	}
	inForce(c.now, TierQualified)
	if len(changes) > 0 {
		m.History = append(m.History, changes...)
		slices.SortStableFunc(m.History, func(a, b TierChange) int { return a.At.Compare(b.At) })
	}
	return changes
}

// wouldChange reports whether advance would change the stored state cur (see sameStanding).
func (t *Tiers) wouldChange(cur *MemberState, c tierClock, reviews []tierReview, qualified int) bool {
	m := cur.Clone()
	if len(t.advance(m, c, reviews, qualified, "")) > 0 {
		return true
	}
	m.truncateTimes()
	return !sameStanding(cur, m)
}

// sameStanding reports whether advance left a member's state as it was.
func sameStanding(a, b *MemberState) bool {
	return a.JoinedAt.Equal(b.JoinedAt) && a.Tier == b.Tier && a.Earned == b.Earned && a.Assigned == b.Assigned &&
		a.AssignedUntil.Equal(b.AssignedUntil) && a.AssignedReason == b.AssignedReason &&
		a.DowngradeTo == b.DowngradeTo && a.DowngradeAt.Equal(b.DowngradeAt) && a.NextReview.Equal(b.NextReview) &&
		len(a.History) == len(b.History)
}

var errMoved = errors.New("member state moved")

func (s *Service) publishTier(ctx context.Context, p *Program, customer crm.CustomerID, changes []TierChange) error {
	if len(changes) == 0 {
		return nil
	}
	events := make([]kehu.Event, len(changes))
	for i, c := range changes {
		events[i] = TierEvent{Program: p.spec.ID, Customer: customer, Change: c}
	}
	if err := s.opts.Events.Publish(ctx, events...); err != nil {
		return fmt.Errorf("tier stored, but publishing events failed: %w", err)
	}
	return nil
}

func (s *Service) status(p *Program, tiers *Tiers, m *MemberState, f Figures, minor int32) *TierStatus {
	spent := decimal.New(f.Spend, -minor)
	st := &TierStatus{State: m, Figures: f}
	st.Spent, _ = kehu.MoneyFromDecimal(spent, kehu.Currency(p.spec.Currency)) // a compiled programme's currency is valid
	if i := tiers.Level(m.Tier); i >= 0 {
		st.Level = tiers.Levels[i]
	}
	up := tiers.Level(m.Earned) + 1
	if up <= 0 || up >= len(tiers.Levels) {
		return st
	}
	l := tiers.Levels[up]
	need := decimal.Max(l.Spend.Sub(spent), decimal.Zero)
	if l.Spend.IsZero() {
		need = decimal.Zero
	}
	money, _ := kehu.MoneyFromDecimal(need, kehu.Currency(p.spec.Currency))
	by := m.NextReview
	if tiers.Window.Kind != WindowRollingMonths {
		// The window restarts at the next calendar or membership year.
		_, to := tiers.WindowAt(s.opts.Now(), m.JoinedAt, p.Location())
		next := tiers.NextReview(to.Add(-time.Nanosecond), m.JoinedAt, p.Location())
		if tiers.Window.Kind == WindowCalendarYear {
			local := to.In(p.Location())
			next = newYear(local.Year()+1, p.Location())
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
		probs.Addf("tier", "unknown_tier", "%q is not a level of programme %s", tier, p.spec.ID)
	}
	if !until.After(s.opts.Now()) {
		probs.Add("until", "future", "an assignment must end in the future")
	}
	if reason == "" {
		probs.Add("reason", "required", "say why the level is assigned")
	}
	checkText(&probs, "reason", reason, 500)
	probs.Merge("", checkActor(ctx))
	if err := probs.Err(); err != nil {
		return nil, err
	}
	if _, err := s.EvaluateTier(ctx, p, customer); err != nil { // enrol and bring up to date
		return nil, err
	}
	err = s.store.UpdateMember(ctx, p.spec.ID, customer, func(m *MemberState) error {
		m.Assigned, m.AssignedUntil, m.AssignedReason = tier, kehu.Truncate(until), reason
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
		page, err := s.store.ScanMembers(ctx, p.spec.ID, q)
		if err != nil {
			return n, err
		}
		for _, m := range page.Items {
			// The scan read the member: the evaluation starts from that state (and checks
			// it is still the stored one before it writes or answers).
			if _, _, _, err := s.evaluate(ctx, p, m.Customer, true, evalFrom{member: m}); err != nil {
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

// Standing returns what the ledger holds for the member now: the tier in force as
// EvaluateTier would leave it (reviews, grace downgrades and assignments due by now
// applied; the entry level for a member not yet enrolled), writing nothing. For a
// programme without tiers it is the zero Standing. Pass it to Program.Preview or
// Program.EventAwards to show a member what they would earn; the Service's own commands
// read it themselves.
func (s *Service) Standing(ctx context.Context, p *Program, customer crm.CustomerID) (Standing, error) {
	if !p.usable() {
		return Standing{}, kehu.Invalid("program", "required", "a compiled programme is required (Compile or LoadProgram)")
	}
	if p.spec.Tiers == nil {
		return Standing{}, nil
	}
	st, err := s.evaluateTier(ctx, p, customer, false)
	if err != nil {
		return Standing{}, err
	}
	return Standing{Tier: st.State.Tier}, nil
}

// tierInputs is what an order's earning needs to know of the member's standing: their
// state brought up to date (see evaluateTier), the figures of the window in progress, and
// what the evaluation read (see tierRead).
type tierInputs struct {
	held *MemberState
	figs Figures
	seen *tierRead // nil for a programme without tiers
}

// tierInputs reads what previewOrder needs, writing nothing; for a programme without
// tiers it is empty.
func (s *Service) tierInputs(ctx context.Context, p *Program, customer crm.CustomerID) (tierInputs, error) {
	t := tierInputs{held: &MemberState{Customer: customer}}
	if p.spec.Tiers == nil {
		return t, nil
	}
	st, seen, _, err := s.evaluate(ctx, p, customer, false, evalFrom{}) // nothing is written before the order is
	if err != nil {
		return t, err
	}
	t.held, t.figs, t.seen = st.State, st.Figures, seen
	return t, nil
}

// previewOrder works out what an order earns for a member whose standing is t: at the tier
// in force after the upgrade the order itself causes (see Program.previewAfterUpgrade). It
// reads nothing, so it may run inside the atomic write.
func (p *Program) previewOrder(o kehu.Order, m Member, t tierInputs, u RuleUsage) (*Earning, error) {
	if p.spec.Tiers == nil {
		return p.Preview(o, m, Standing{}, u)
	}
	return p.previewAfterUpgrade(o, m, t.held.Tier, t.figs, u)
}
