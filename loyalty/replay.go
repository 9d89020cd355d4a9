package loyalty

import (
	"fmt"
	"iter"
	"maps"
	"slices"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// Activity is one thing that earned points, as it happened: an order, or a member event at
// a time, with what the host knew of the member then (the tier is not the host's: Replay
// works it out under each programme, as the ledger would have).
type Activity struct {
	// Order is set for an order.
	Order *kehu.Order
	// Event and At are set for a member event.
	Event  MemberEvent
	At     time.Time
	Member Member
}

// ReplayDiff is how one member fares under a candidate programme version compared with the
// current one.
type ReplayDiff struct {
	Customer crm.CustomerID `json:"customer"`
	// Current and Candidate are the points earned per point type.
	Current   map[string]int64 `json:"current"`
	Candidate map[string]int64 `json:"candidate"`
	// Delta is Candidate − Current per point type, non-zero entries only.
	Delta map[string]int64 `json:"delta,omitempty"`
	// CurrentTier and CandidateTier are the tiers in force after the member's last activity
	// under each programme, when it has tiers.
	CurrentTier   string `json:"current_tier,omitempty"`
	CandidateTier string `json:"candidate_tier,omitempty"`
}

// Changed reports whether the member's points or tier differ.
func (d ReplayDiff) Changed() bool { return len(d.Delta) > 0 || d.CurrentTier != d.CandidateTier }

// Replay re-runs a candidate programme version over a history of orders and events and
// returns, per member, the points and tier under the current version and the candidate,
// without writing anything. Activities must come in time order; caps and once-only event
// rules count the awards of the replay itself. Members are returned in ID order. A nil
// activity is an empty history, which changes nothing.
//
// Under each programme with tiers, a member joins at their first activity and moves as the
// Service would move them (see Service.EvaluateTier): the replay's own orders and
// qualifying points make the figures, reviews fall due between activities, and every rule
// reads the tier in force at the activity — for an order, after the upgrade the order
// itself causes, as EarnOrder does.
func Replay(current, candidate *Program, activity iter.Seq[Activity]) ([]ReplayDiff, error) {
	for _, p := range []*Program{current, candidate} {
		if !p.usable() {
			return nil, kehu.Invalid("program", "required", "both programmes must be compiled (Compile or LoadProgram)")
		}
	}
	if activity == nil {
		activity = func(func(Activity) bool) {}
	}
	type side struct {
		points map[string]int64
		usage  *replayUsage
		tiers  replayTiers
	}
	type member struct {
		sides [2]*side
	}
	members := map[crm.CustomerID]*member{}
	progs := [2]*Program{current, candidate}
	n := 0
	for a := range activity {
		n++
		customer := a.Member.CustomerID
		if a.Order != nil && !a.Order.CustomerID.IsZero() {
			customer = a.Order.CustomerID
		}
		if customer.IsZero() {
			return nil, kehu.Invalid(fmt.Sprintf("activity[%d].member.customer_id", n-1), "required", "is empty")
		}
		m := members[customer]
		if m == nil {
			m = &member{}
			for i := range m.sides {
				m.sides[i] = &side{points: map[string]int64{}, usage: &replayUsage{}, tiers: replayTiers{p: progs[i], customer: customer}}
			}
			members[customer] = m
		}
		for i, p := range progs {
			sd := m.sides[i]
			var awards []Award
			var at time.Time
			switch {
			case a.Order != nil:
				at = a.Order.At
				held, figs := sd.tiers.advance(at)
				var e *Earning
				var err error
				if p.spec.Tiers != nil {
					e, err = p.previewAfterUpgrade(*a.Order, a.Member, held, figs, sd.usage)
				} else {
					e, err = p.Preview(*a.Order, a.Member, Standing{}, sd.usage)
				}
				if err != nil {
					return nil, fmt.Errorf("activity %d (order %s) under version %d: %w", n-1, a.Order.ID, p.spec.Version, err)
				}
				awards = e.Awards()
				if p.spec.Tiers != nil {
					sd.tiers.facts = append(sd.tiers.facts, orderFact(p.spec.Tiers, *a.Order, at))
				}
			default:
				at = a.At
				held, _ := sd.tiers.advance(at)
				aw, _, err := p.EventAwards(a.Event, a.At, a.Member, Standing{Tier: held}, sd.usage)
				if err != nil {
					return nil, fmt.Errorf("activity %d (event %s) under version %d: %w", n-1, a.Event, p.spec.Version, err)
				}
				awards = aw
			}
			for _, aw := range awards {
				sd.points[aw.PointType] += aw.Points
				sd.usage.add(aw.RuleID, at, aw.Points)
				if p.spec.Tiers != nil && aw.PointType == p.spec.Tiers.QualifyingType {
					sd.tiers.facts = append(sd.tiers.facts, tierFact{at: at, points: aw.Points})
				}
			}
			sd.tiers.advance(at) // the upgrade the activity caused
		}
	}
	out := make([]ReplayDiff, 0, len(members))
	for _, id := range slices.SortedFunc(maps.Keys(members), crm.CustomerID.Compare) {
		m := members[id]
		d := ReplayDiff{Customer: id, Current: m.sides[0].points, Candidate: m.sides[1].points}
		for _, typ := range slices.Sorted(maps.Keys(union(d.Current, d.Candidate))) {
			if delta := d.Candidate[typ] - d.Current[typ]; delta != 0 {
				if d.Delta == nil {
					d.Delta = map[string]int64{}
				}
				d.Delta[typ] = delta
			}
		}
		d.CurrentTier, d.CandidateTier = m.sides[0].tiers.state.Tier, m.sides[1].tiers.state.Tier
		out = append(out, d)
	}
	return out, nil
}

func union(a, b map[string]int64) map[string]int64 {
	u := maps.Clone(a)
	maps.Copy(u, b)
	return u
}

// tierFact is one contribution to a member's tier figures.
type tierFact struct {
	at                      time.Time
	spend, points, purchase int64
}

func orderFact(t *Tiers, o kehu.Order, at time.Time) tierFact {
	f := tierFact{at: at}
	for _, a := range t.qualifyingAwards(o) {
		switch a.PointType {
		case spendAccount:
			f.spend = saturatingAdd(f.spend, a.Points)
		case purchasesAccount:
			f.purchase += a.Points
		}
	}
	return f
}

// replayTiers is a member's tier state under one programme in a replay, moved as the
// Service moves it, with the replay's own figures.
type replayTiers struct {
	p        *Program
	customer crm.CustomerID
	state    MemberState
	facts    []tierFact
}

// advance brings the state up to date at the instant (enrolling the member at their first
// activity) and returns the tier in force and the figures of the window in progress; both
// are zero for a programme without tiers.
func (r *replayTiers) advance(at time.Time) (string, Figures) {
	t := r.p.spec.Tiers
	if t == nil {
		return "", Figures{}
	}
	loc := r.p.Location()
	minor := int32(kehu.Currency(r.p.spec.Currency).MinorUnits())
	joined := r.state.JoinedAt
	if joined.IsZero() {
		joined = at
	}
	next := r.state.NextReview
	if next.IsZero() {
		next = t.NextReview(joined, joined, loc)
	}
	var reviews []tierReview
	for i := 0; !next.After(at) && i < 100; i++ {
		reviews = append(reviews, tierReview{at: next, qualified: t.Qualify(r.figures(t.ReviewWindow(next, joined, loc)), minor)})
		next = t.NextReview(next, joined, loc)
	}
	figs := r.figures(t.WindowAt(at, joined, loc))
	r.state.Customer = r.customer
	t.advance(&r.state, tierClock{joined: joined, now: at, next: next, loc: loc}, reviews, t.Qualify(figs, minor), "")
	return r.state.Tier, figs
}

// figures sums the facts in [from, to).
func (r *replayTiers) figures(from, to time.Time) Figures {
	var f Figures
	for _, x := range r.facts {
		if !x.at.Before(from) && x.at.Before(to) {
			f.Spend = saturatingAdd(f.Spend, x.spend)
			f.Points = saturatingAdd(f.Points, x.points)
			f.Purchases = saturatingAdd(f.Purchases, x.purchase)
		}
	}
	return f
}

// replayUsage answers RuleUsage from the replay's own awards.
type replayUsage struct {
	awards []struct {
		rule   string
		at     time.Time
		points int64
	}
}

func (u *replayUsage) add(rule string, at time.Time, points int64) {
	u.awards = append(u.awards, struct {
		rule   string
		at     time.Time
		points int64
	}{rule, at, points})
}

// Awarded implements RuleUsage.
func (u *replayUsage) Awarded(rule string, from, to time.Time) int64 {
	var n int64
	for _, a := range u.awards {
		if a.rule == rule && !a.at.Before(from) && a.at.Before(to) {
			n += a.points
		}
	}
	return n
}
