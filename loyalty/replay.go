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
// a time, with the member as they were then.
type Activity struct {
	// Order is set for an order.
	Order *Order
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
	// CurrentTier and CandidateTier are the levels the member's figures reach at their last
	// activity, when the programmes have tiers.
	CurrentTier   string `json:"current_tier,omitempty"`
	CandidateTier string `json:"candidate_tier,omitempty"`
}

// Changed reports whether the member's points or tier differ.
func (d ReplayDiff) Changed() bool { return len(d.Delta) > 0 || d.CurrentTier != d.CandidateTier }

// Replay re-runs a candidate programme version over a history of orders and events and
// returns, per member, the points and tier under the current version and the candidate,
// without writing anything. Activities must come in time order; caps and once-only event
// rules count the awards of the replay itself. Members are returned in ID order.
func Replay(current, candidate *Program, activity iter.Seq[Activity]) ([]ReplayDiff, error) {
	for _, p := range []*Program{current, candidate} {
		if !p.validated() {
			return nil, kehu.Invalid("program", "required", "both programmes must be validated")
		}
	}
	type side struct {
		points map[string]int64
		usage  *replayUsage
		figs   []tierFact
	}
	type member struct {
		sides [2]*side
		last  time.Time
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
				m.sides[i] = &side{points: map[string]int64{}, usage: &replayUsage{}}
			}
			members[customer] = m
		}
		for i, p := range progs {
			sd := m.sides[i]
			var awards []Award
			var at time.Time
			switch {
			case a.Order != nil:
				e, err := p.Preview(*a.Order, a.Member, sd.usage)
				if err != nil {
					return nil, fmt.Errorf("activity %d (order %s) under version %d: %w", n-1, a.Order.ID, p.Version, err)
				}
				awards, at = e.Awards(), a.Order.At
				if p.Tiers != nil {
					sd.figs = append(sd.figs, orderFact(*a.Order, at))
				}
			default:
				aw, _, err := p.EventAwards(a.Event, a.At, a.Member, sd.usage)
				if err != nil {
					return nil, fmt.Errorf("activity %d (event %s) under version %d: %w", n-1, a.Event, p.Version, err)
				}
				awards, at = aw, a.At
			}
			for _, aw := range awards {
				sd.points[aw.PointType] += aw.Points
				sd.usage.add(aw.RuleID, at, aw.Points)
				if p.Tiers != nil && aw.PointType == p.Tiers.QualifyingType {
					sd.figs = append(sd.figs, tierFact{at: at, points: aw.Points})
				}
			}
			if at.After(m.last) {
				m.last = at
			}
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
		d.CurrentTier = replayTier(current, m.sides[0].figs, m.last)
		d.CandidateTier = replayTier(candidate, m.sides[1].figs, m.last)
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

func orderFact(o Order, at time.Time) tierFact {
	f := tierFact{at: at, purchase: 1}
	for _, a := range qualifyingAwards(o) {
		if a.PointType == spendAccount {
			f.spend += a.Points
		}
	}
	return f
}

// replayTier is the level the facts reach in the window that counts at t (a member is
// taken to have joined at their first fact).
func replayTier(p *Program, facts []tierFact, t time.Time) string {
	if p.Tiers == nil || len(facts) == 0 {
		return ""
	}
	from, to := p.Tiers.WindowAt(t, facts[0].at, p.Location())
	var f Figures
	for _, x := range facts {
		if !x.at.Before(from) && x.at.Before(to) {
			f.Spend += x.spend
			f.Points += x.points
			f.Purchases += x.purchase
		}
	}
	return p.Tiers.Levels[p.Tiers.Qualify(f, int32(kehu.Currency(p.Currency).MinorUnits()))].Code
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
