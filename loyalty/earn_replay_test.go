package loyalty_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// replayFixture is a service with its clock and one member.
type replayFixture struct {
	t     *testing.T
	ctx   context.Context
	p     *loyalty.Program
	svc   *loyalty.Service
	clock *kehu.Clock
	m     loyalty.Member
}

func newReplayFixture(t *testing.T, p *loyalty.Program) *replayFixture {
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
	return &replayFixture{t: t, ctx: context.Background(), p: p, svc: loyalty.NewService(nil, opts), clock: clock,
		m: loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{21})}}
}

func (f *replayFixture) order(o kehu.Order) (*loyalty.EarnResult, error) {
	return f.svc.EarnOrder(f.ctx, f.p, o, f.m)
}

func (f *replayFixture) mustOrder(o kehu.Order) *loyalty.EarnResult {
	f.t.Helper()
	res, err := f.order(o)
	require.NoError(f.t, err, "order %s", o.ID)
	return res
}

// credited sums what entries credit per point type of the programme (the ledger's internal
// accounts, such as tier figures, are not part of an earning).
func credited(entries []loyalty.Entry) map[string]int64 {
	out := map[string]int64{}
	for _, e := range entries {
		if e.Kind == loyalty.KindEarn && !loyalty.IsInternalAccount(e.Account.PointType) {
			out[e.Account.PointType] += e.Points
		}
	}
	return out
}

// requireSameEarning checks a repeat's result against the first call's: the same entries,
// and an earning whose awards are the first call's and whose totals are what the entries
// credit.
func requireSameEarning(t *testing.T, p *loyalty.Program, first, again *loyalty.EarnResult) {
	t.Helper()
	require.NotNil(t, again)
	assert.Equal(t, first.Entries, again.Entries, "a repeat returns the first call's entries")
	assert.Equal(t, first.Earning.Awards(), again.Earning.Awards(), "a repeat's awards are the first call's")
	sums := credited(again.Entries)
	for _, pt := range p.PointTypes() {
		assert.Equal(t, sums[pt.Code], again.Earning.Total(pt.Code), "the earning totals what the entries credit (%s)", pt.Code)
		assert.Equal(t, first.Earning.Total(pt.Code), again.Earning.Total(pt.Code), "the first call's total (%s)", pt.Code)
	}
}

// statusTiers is the retail programme with tiers by status points, earned 1 per ¥1 beside
// the spendable points; gold members earn 100 more status points per order.
func statusTiers(t *testing.T) *loyalty.Program {
	t.Helper()
	json := strings.Replace(retailTiers, `"value_per_point": "0.01"}`,
		`"value_per_point": "0.01"}, {"code": "status", "name": "定级积分", "kind": "qualifying", "expiry": {"kind": "never"}}`, 1)
	json = strings.Replace(json, `"earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}]}`,
		`"earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}, {"point_type": "status", "points": 1, "per": "1"}],
		 "rules": [{"id": "gold-status", "name": "Gold status bonus", "priority": 1, "when": "member.tier == \"gold\"", "effect": {"point_type": "status", "bonus": 100}}]}`, 1)
	json = strings.NewReplacer(`"spend": "2000"`, `"points": 2000`, `"spend": "8000"`, `"points": 8000`, `"spend": "20000"`, `"points": 20000`,
		`"window"`, `"qualifying_type": "status", "window"`).Replace(json)
	p, err := loyalty.LoadProgram(strings.NewReader(json))
	require.NoError(t, err)
	return p
}

// A repeated EarnOrder or EarnEvent reports the earning its entries credit — the first
// call's — however the member's tier, a cap's room or a once-only rule's use changed since:
// a host that shows "you earned N points" shows the same N on every retry.
func TestEarnReplayReportsTheFirstEarning(t *testing.T) {
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	events := earnProgramJSON(`{"base": [{"point_type": "points", "points": 1, "per": "1"}],
		"events": [{"id": "welcome", "name": "Welcome", "event": "signup", "point_type": "points", "points": 100, "once": "ever"}]}`)
	tests := []struct {
		name    string
		program func(t *testing.T) *loyalty.Program
		// call is the command, sent twice; meanwhile what happens between the two.
		call      func(f *replayFixture) (*loyalty.EarnResult, error)
		meanwhile func(f *replayFixture)
		// fresh is the same command under another identity, sent after meanwhile: it
		// shows that working the earning out again at the retry would give another answer.
		fresh func(f *replayFixture) (*loyalty.EarnResult, error)
		// points is what the first call credits, now what the fresh command does.
		points, now int64
	}{{
		name:      "an order replayed after the member turned gold",
		program:   tierRules,
		call:      func(f *replayFixture) (*loyalty.EarnResult, error) { return f.order(order("SO-1", at, "100.00")) },
		meanwhile: func(f *replayFixture) { f.mustOrder(order("SO-2", at, "8000.00")) },
		fresh:     func(f *replayFixture) (*loyalty.EarnResult, error) { return f.order(order("SO-3", at, "100.00")) },
		points:    100, now: 150, // a gold multiplier of 1.5
	}, {
		name:    "a two-line order replayed after the member turned gold",
		program: tierRules,
		call: func(f *replayFixture) (*loyalty.EarnResult, error) {
			return f.order(order("SO-1", at, "60.00", "40.00"))
		},
		meanwhile: func(f *replayFixture) { f.mustOrder(order("SO-2", at, "8000.00")) },
		fresh: func(f *replayFixture) (*loyalty.EarnResult, error) {
			return f.order(order("SO-3", at, "60.00", "40.00"))
		},
		points: 100, now: 150,
	}, {
		name:    "an order of two point types replayed after the member turned gold",
		program: statusTiers,
		call: func(f *replayFixture) (*loyalty.EarnResult, error) {
			return f.order(order("SO-1", at, "60.00", "40.00"))
		},
		meanwhile: func(f *replayFixture) { f.mustOrder(order("SO-2", at, "8000.00")) },
		fresh: func(f *replayFixture) (*loyalty.EarnResult, error) {
			return f.order(order("SO-3", at, "60.00", "40.00"))
		},
		points: 200, now: 300, // 100 points and 100 status points; gold adds 100 status points
	}, {
		name:    "a sign-up replayed after its once-only rule was used",
		program: func(t *testing.T) *loyalty.Program { return earnLoad(t, events) },
		call: func(f *replayFixture) (*loyalty.EarnResult, error) {
			return f.svc.EarnEvent(f.ctx, f.p, loyalty.EventSignup, f.m, "first")
		},
		meanwhile: func(*replayFixture) {}, // the first call used it
		fresh: func(f *replayFixture) (*loyalty.EarnResult, error) {
			return f.svc.EarnEvent(f.ctx, f.p, loyalty.EventSignup, f.m, "second")
		},
		points: 100, now: 0,
	}, {
		name:    "an order with a capped bonus replayed after other orders used the cap",
		program: capsProgram, // 1 point per ¥1, a bonus of 100 per order, at most 250 a day
		call:    func(f *replayFixture) (*loyalty.EarnResult, error) { return f.order(order("SO-1", at, "10")) },
		meanwhile: func(f *replayFixture) {
			f.mustOrder(order("SO-2", at, "10"))
			f.mustOrder(order("SO-3", at, "10"))
		},
		fresh:  func(f *replayFixture) (*loyalty.EarnResult, error) { return f.order(order("SO-4", at, "10")) },
		points: 110, now: 10,
	}, {
		name:    "a two-line order with a capped bonus replayed after other orders used the cap",
		program: capsProgram,
		call: func(f *replayFixture) (*loyalty.EarnResult, error) {
			return f.order(order("SO-1", at, "10", "20"))
		},
		meanwhile: func(f *replayFixture) {
			f.mustOrder(order("SO-2", at, "10"))
			f.mustOrder(order("SO-3", at, "10"))
		},
		fresh:  func(f *replayFixture) (*loyalty.EarnResult, error) { return f.order(order("SO-4", at, "10", "20")) },
		points: 130, now: 30,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.program(t)
			f := newReplayFixture(t, p)
			first, err := tc.call(f)
			require.NoError(t, err)
			total := func(r *loyalty.EarnResult) (n int64) {
				for _, pt := range p.PointTypes() {
					n += r.Earning.Total(pt.Code)
				}
				return n
			}
			require.Equal(t, tc.points, total(first))
			assert.False(t, first.Replayed, "a first call")
			assert.NotEmpty(t, first.Earning.Explanation(), "a first call explains its earning")
			f.clock.Advance(time.Minute)
			tc.meanwhile(f)
			f.clock.Advance(time.Minute)
			again, err := tc.call(f)
			require.NoError(t, err)
			requireSameEarning(t, p, first, again)
			assert.True(t, again.Replayed, "a retry")
			assert.Empty(t, again.Earning.Explanation(), "a retry's explanation is not stored")

			other, err := tc.fresh(f)
			require.NoError(t, err)
			assert.Equal(t, tc.now, total(other), "the same command under another identity earns otherwise now")
		})
	}
}

// A retry that races its first attempt is answered from the first attempt's record: both
// callers get the same entries and the same earning, whichever ran first. The member has
// used most of a daily cap, so the earning worked out again inside the retry's write (the
// cap now used up) or before it (the cap assumed unused) would differ from the first.
func TestEarnReplayRacingTheFirstAttempt(t *testing.T) {
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	for run := range 20 {
		f := newReplayFixture(t, capsProgram(t))
		f.mustOrder(order("SO-A", at, "10"))
		f.mustOrder(order("SO-B", at, "10")) // 200 of the day's 250 used
		o := order("SO-1", at, "10", "5")
		results := make([]*loyalty.EarnResult, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = f.order(o)
			}()
		}
		wg.Wait()
		for i := range results {
			require.NoError(t, errs[i], "run %d", run)
		}
		assert.Equal(t, int64(15+50), results[0].Earning.Total("points"), "run %d: the bonus cut to the cap's last 50", run)
		requireSameEarning(t, f.p, results[0], results[1])
		requireSameEarning(t, f.p, results[1], results[0])
		assert.NotEqual(t, results[0].Replayed, results[1].Replayed, "run %d: one call credits, the other is answered from its record", run)
		bal, err := f.svc.Balance(f.ctx, f.p, f.m.CustomerID, "points")
		require.NoError(t, err)
		assert.Equal(t, int64(110+110+65), bal.Available, "run %d: credited once", run)
	}
}

// The same order ID with other contents is another order, refused with kehu.ErrKeyReused
// also once the member's tier or a cap has changed since the first.
func TestEarnReplayOfAnotherOrderUnderTheSameID(t *testing.T) {
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		program func(t *testing.T) *loyalty.Program
		first   kehu.Order
		// meanwhile changes the member's standing or usage; then other is sent.
		meanwhile kehu.Order
		other     func(o kehu.Order) kehu.Order
	}{
		{"another amount after a tier change", tierRules, order("SO-1", at, "100.00"), order("SO-2", at, "8000.00"),
			func(o kehu.Order) kehu.Order { o.Lines[0].Amount = kehu.MustMoney("100.01", "CNY"); return o }},
		{"another line after a tier change", tierRules, order("SO-1", at, "100.00"), order("SO-2", at, "8000.00"),
			func(o kehu.Order) kehu.Order { return order(o.ID, o.At, "100.00", "1.00") }},
		{"another time after the cap was used", capsProgram, order("SO-1", at, "10"), order("SO-2", at, "10"),
			func(o kehu.Order) kehu.Order { o.At = o.At.Add(time.Hour); return o }},
		{"another line ID after the cap was used", capsProgram, order("SO-1", at, "10"), order("SO-2", at, "10"),
			func(o kehu.Order) kehu.Order { o.Lines[0].ID = "9"; return o }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newReplayFixture(t, tc.program(t))
			f.mustOrder(tc.first)
			f.mustOrder(tc.meanwhile)
			before, err := f.svc.Balance(f.ctx, f.p, f.m.CustomerID, "points")
			require.NoError(t, err)
			o := tc.first
			o.Lines = slices.Clone(o.Lines)
			res, err := f.order(tc.other(o))
			require.ErrorIs(t, err, kehu.ErrKeyReused)
			assert.Nil(t, res)
			after, err := f.svc.Balance(f.ctx, f.p, f.m.CustomerID, "points")
			require.NoError(t, err)
			assert.Equal(t, before, after, "nothing written")
			again, err := f.order(tc.first)
			require.NoError(t, err, "the first order itself is still answered")
			assert.True(t, again.Replayed)
			assert.Equal(t, credited(again.Entries)["points"], again.Earning.Total("points"))
		})
	}
}

// Where one entry spreads several rules over several lines (a gold member's two-line order:
// base points and the tier multiplier on each line), the entries record each rule's points
// and each line's, not which rule gave which line: a repeat's earning has each rule's
// points as one award with no line, and the same totals.
func TestEarnReplayOfRulesSpreadOverLines(t *testing.T) {
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	f := newReplayFixture(t, tierRules(t))
	f.mustOrder(order("SO-1", at, "8000.00")) // gold
	o := order("SO-2", at, "60.00", "40.00")
	first := f.mustOrder(o)
	require.Equal(t, []loyalty.Award{
		{PointType: "points", Points: 60, LineID: "1", RuleID: loyalty.BaseRuleID},
		{PointType: "points", Points: 40, LineID: "2", RuleID: loyalty.BaseRuleID},
		{PointType: "points", Points: 30, LineID: "1", RuleID: "tier-mult"},
		{PointType: "points", Points: 20, LineID: "2", RuleID: "tier-mult"},
	}, first.Earning.Awards())
	again := f.mustOrder(o)
	assert.True(t, again.Replayed)
	assert.Equal(t, []loyalty.Award{
		{PointType: "points", Points: 100, RuleID: loyalty.BaseRuleID},
		{PointType: "points", Points: 50, RuleID: "tier-mult"},
	}, again.Earning.Awards())
	assert.Equal(t, int64(150), again.Earning.Total("points"))
	assert.Equal(t, credited(again.Entries)["points"], again.Earning.Total("points"))
}

// TestEarnReplayOverRandomHistories earns random orders for one member under a programme
// with tiers, a tier multiplier, a per-line rule, an order bonus and a capped daily bonus,
// with negative adjustments that leave debt for the next earnings to pay, and sends earlier
// orders again at random. Every repeat reports the entries' totals and the first call's
// points per point type and rule; an award it places on a line is the first call's award
// of that line and rule; and most repeats give the first call's awards exactly.
func TestEarnReplayOverRandomHistories(t *testing.T) {
	json := strings.Replace(retailTiers, `"value_per_point": "0.01"}`, `"value_per_point": "0.01", "floor": -100000}`, 1)
	json = strings.Replace(json, `{"code": "gold", "name": "金卡", "spend": "8000", "perks": ["free-delivery"]}`,
		`{"code": "gold", "name": "金卡", "spend": "8000", "multiplier": "1.5", "perks": ["free-delivery"]}`, 1)
	json = strings.Replace(json, `"earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}]}`,
		`"earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}],
		 "rules": [
		   {"id": "silver-bonus", "priority": 1, "when": "member.tier == \"silver\"", "effect": {"point_type": "points", "bonus": 100}},
		   {"id": "tier-mult", "priority": 2, "effect": {"point_type": "points", "tier_multiplier": true}},
		   {"id": "coffee", "priority": 3, "per_line": true, "when": "line.category == \"coffee\"", "effect": {"point_type": "points", "multiplier": "2"}},
		   {"id": "daily", "priority": 4, "effect": {"point_type": "points", "bonus": 80}, "caps": {"per_day": 200}}]}`, 1)
	p, err := loyalty.LoadProgram(strings.NewReader(json))
	require.NoError(t, err)
	f := newReplayFixture(t, p)
	rng := rand.New(rand.NewPCG(3, 5))
	type sent struct {
		o     kehu.Order
		first *loyalty.EarnResult
	}
	var orders []sent
	byRule := func(awards []loyalty.Award) map[[2]string]int64 {
		out := map[[2]string]int64{}
		for _, a := range awards {
			out[[2]string{a.PointType, a.RuleID}] += a.Points
		}
		return out
	}
	var replays, exact, debts int
	for step := range 400 {
		switch op := rng.IntN(10); {
		case op < 5:
			o := kehu.Order{ID: fmt.Sprint("SO-", step), At: f.clock.Now(), Currency: "CNY"}
			for l := range 1 + rng.IntN(3) {
				o.Lines = append(o.Lines, kehu.OrderLine{ID: fmt.Sprint(l + 1), SKU: "SKU",
					Category: []string{"coffee", "general"}[rng.IntN(2)], Quantity: 1 + rng.Int64N(3),
					Amount: kehu.MustMoney(fmt.Sprint(1+rng.IntN(1500)), "CNY")})
			}
			res := f.mustOrder(o)
			assert.False(t, res.Replayed)
			for _, e := range res.Entries {
				if e.Debt < 0 && !loyalty.IsInternalAccount(e.Account.PointType) {
					debts++
				}
			}
			orders = append(orders, sent{o, res})
		case op < 8 && len(orders) > 0:
			s := orders[rng.IntN(len(orders))]
			again := f.mustOrder(s.o)
			replays++
			require.True(t, again.Replayed, "step %d: %s", step, s.o.ID)
			require.Equal(t, s.first.Entries, again.Entries, "step %d: %s", step, s.o.ID)
			sums := credited(again.Entries)
			assert.Equal(t, sums["points"], again.Earning.Total("points"), "step %d: %s", step, s.o.ID)
			assert.Equal(t, s.first.Earning.Total("points"), again.Earning.Total("points"), "step %d: %s", step, s.o.ID)
			assert.Equal(t, byRule(s.first.Earning.Awards()), byRule(again.Earning.Awards()), "step %d: %s", step, s.o.ID)
			firstAwards := s.first.Earning.Awards()
			for _, a := range again.Earning.Awards() {
				if a.LineID != "" {
					assert.Contains(t, firstAwards, a, "step %d: %s: an award placed on a line is the first call's", step, s.o.ID)
				}
			}
			if assert.ObjectsAreEqual(firstAwards, again.Earning.Awards()) {
				exact++
			}
		case op < 9:
			// Take the balance below zero: the next orders pay the debt off first.
			bal, err := f.svc.Balance(f.ctx, p, f.m.CustomerID, "points")
			require.NoError(t, err)
			c := loyalty.Points{Customer: f.m.CustomerID, PointType: "points", Points: -(max(bal.Available, 0) + 1 + rng.Int64N(2000)),
				Reason: "correction", Key: fmt.Sprint("adjust-", step)}
			_, err = f.svc.Adjust(f.ctx, p, c)
			require.NoError(t, err, "step %d", step)
		default:
			f.clock.Advance(time.Duration(1+rng.IntN(48)) * time.Hour)
		}
	}
	t.Logf("%d repeats, %d with the first call's awards exactly; %d orders paid debt off", replays, exact, debts)
	assert.Greater(t, replays, 50)
	assert.Greater(t, exact, replays/3, "most repeats give the first call's awards exactly")
	assert.Greater(t, debts, 5, "orders pay debt off")
}
