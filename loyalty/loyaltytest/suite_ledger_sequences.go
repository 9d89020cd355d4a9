package loyaltytest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/loyalty"
)

// sequenceTests run random sequences of commands through loyalty.Service over the store
// under test and, side by side, over the memory store, and require the two to agree on
// everything a host can see. A store may hand an Update more lots than loyalty.Need asks
// for, never fewer, and what the ledger decides must not depend on which it hands: so a
// store that leaves out a lot it owes (a pending lot, a due one, one a refund names), or
// hands one wrong, answers some command differently, and the first step where it does is
// reported with the seed that replays it.
func sequenceTests() []test {
	return []test{{Name: "SameAsMemoryStore", Run: testSequencesSameAsMemory}}
}

func testSequencesSameAsMemory(t *testing.T, h *harness) {
	suite.Sequences(t, "KEHU_SEQ", 6, 60, 20261205, func(t *testing.T, seed uint64, steps int, stats map[string]int) {
		// Each sequence on empty stores, released when it ends: the IDs of each start again.
		under := h.newStore(t)
		require.NotNil(t, under, "newStore returned a nil loyalty.Store")
		runPairedSequence(t, h, under, seed, steps, stats)
	})
}

// pairedWorld is one sequence's two services, over the store under test and over a
// memory store, on clocks and ID sources that move together.
type pairedWorld struct {
	t        *testing.T
	ctx      context.Context
	p        *loyalty.Program
	svcs     [2]*loyalty.Service // the store under test's, the memory store's
	stores   [2]loyalty.Store
	clocks   suite.Clocks
	members  []crm.CustomerID
	types    []string
	rewards  []loyalty.Reward
	where    string
	commands int
}

// pairedCommand is one command, run on each service in turn.
type pairedCommand struct {
	name string
	run  func(svc *loyalty.Service) (any, error)
}

// sequenceOrder is an order a sequence earned on, with what its refunds have taken.
type sequenceOrder struct {
	id       string
	customer crm.CustomerID
	units    map[string]int64 // line → units
	refunded map[string]int64
}

func runPairedSequence(t *testing.T, h *harness, under loyalty.Store, seed uint64, steps int, stats map[string]int) {
	rng := rand.New(rand.NewPCG(seed, seed*17+3))
	w := &pairedWorld{t: t, ctx: t.Context(), types: []string{points, status}}
	w.p = sequenceProgram(t, rng, "seq-"+strconv.FormatUint(seed, 10))
	start := h.clock.Now()
	for i, s := range []loyalty.Store{under, loyalty.NewMemoryStore()} {
		opts, clock, _ := kehu.Deterministic(start)
		w.svcs[i], w.stores[i], w.clocks[i] = loyalty.NewService(s, opts), s, clock
	}
	for range 3 {
		w.members = append(w.members, h.customer())
	}
	w.rewards = sequenceRewards()
	for _, svc := range w.svcs {
		for _, r := range w.rewards {
			require.NoError(t, svc.PutReward(w.ctx, w.p, r), "PutReward %s", r.ID)
		}
	}
	member := func() crm.CustomerID { return w.members[rng.IntN(len(w.members))] }
	var (
		done         []pairedCommand // commands that succeeded, for replays
		spends       []loyalty.EntryID
		orders       []*sequenceOrder
		reservations []string
		n            int
	)
	next := func(prefix string) string { n++; return fmt.Sprintf("%s-%d", prefix, n) }
	for step := range steps {
		w.where = fmt.Sprintf("seed %d, step %d", seed, step)
		var (
			c       pairedCommand
			applied func() // what a command that succeeds changes in the sequence's books
		)
		switch op := rng.IntN(100); {
		case op < 26: // an order of one to three lines, placed up to two days ago
			o := &sequenceOrder{id: next("SO"), customer: member(), units: map[string]int64{}, refunded: map[string]int64{}}
			order := kehu.Order{ID: o.id, At: w.clocks.Now().Add(-time.Duration(rng.Int64N(int64(48 * time.Hour)))), Currency: "CNY"}
			for l := range 1 + rng.IntN(3) {
				line := "L" + strconv.Itoa(l)
				o.units[line] = 1 + rng.Int64N(4)
				amount, err := kehu.NewMoneyFromMinor(500+rng.Int64N(30000), "CNY") // ¥5.00 to ¥304.99
				require.NoError(t, err)
				order.Lines = append(order.Lines, kehu.OrderLine{ID: line, SKU: "SKU-" + line, Category: "general",
					Quantity: o.units[line], Amount: amount})
			}
			orders = append(orders, o)
			m := loyalty.Member{CustomerID: o.customer}
			c = pairedCommand{"earn " + o.id, func(svc *loyalty.Service) (any, error) {
				r, err := svc.EarnOrder(w.ctx, w.p, order, m)
				if err != nil {
					return nil, err
				}
				tier, err := w.tierAsStored(svc, r.Tier, "earn "+o.id)
				return []any{canonEntries(r.Entries), tier}, err
			}}
		case op < 42:
			pc := loyalty.Points{Customer: member(), PointType: points, Points: 1 + rng.Int64N(400), Key: next("redeem")}
			c = pairedCommand{"redeem " + pc.Key, func(svc *loyalty.Service) (any, error) {
				e, err := svc.Redeem(w.ctx, w.p, pc)
				return canonEntry(e), err
			}}
		case op < 51 && len(orders) > 0:
			o := orders[rng.IntN(len(orders))]
			var lines []loyalty.RefundLine
			for _, line := range slices.Sorted(maps.Keys(o.units)) {
				if left := o.units[line] - o.refunded[line]; left > 0 && rng.IntN(2) == 0 {
					lines = append(lines, loyalty.RefundLine{Line: line, Quantity: 1 + rng.Int64N(left)})
				}
			}
			if len(lines) == 0 {
				continue
			}
			r := loyalty.Refund{Customer: o.customer, Order: o.id, Lines: lines, Key: next("refund")}
			c = pairedCommand{"refund " + r.Key, func(svc *loyalty.Service) (any, error) {
				es, err := svc.Refund(w.ctx, w.p, r)
				return canonEntries(es), err
			}}
			applied = func() {
				for _, l := range lines {
					o.refunded[l.Line] += l.Quantity
				}
			}
		case op < 56 && len(spends) > 0:
			id := spends[rng.IntN(len(spends))]
			c = pairedCommand{"cancel " + id.String(), func(svc *loyalty.Service) (any, error) {
				es, err := svc.Reverse(w.ctx, w.p, id, "cancelled")
				return canonEntries(es), err
			}}
		case op < 62:
			from, to := member(), member()
			if from == to {
				continue
			}
			tr := loyalty.Transfer{From: from, To: to, PointType: points, Points: 1 + rng.Int64N(200), Key: next("transfer")}
			c = pairedCommand{"transfer " + tr.Key, func(svc *loyalty.Service) (any, error) {
				es, err := svc.Transfer(w.ctx, w.p, tr)
				return canonEntries(es), err
			}}
		case op < 66 && len(reservations) > 0:
			id := reservations[rng.IntN(len(reservations))]
			if rng.IntN(2) == 0 {
				c = pairedCommand{"confirm " + id, func(svc *loyalty.Service) (any, error) {
					r, err := svc.Confirm(w.ctx, w.p, id)
					return canonReservationOrNil(r), err
				}}
			} else {
				c = pairedCommand{"cancel reservation " + id, func(svc *loyalty.Service) (any, error) {
					r, err := svc.Cancel(w.ctx, w.p, id, "changed mind")
					return canonReservationOrNil(r), err
				}}
			}
		case op < 70:
			rv := loyalty.Reserve{Customer: member(), Reward: w.rewards[rng.IntN(len(w.rewards))].ID,
				Units: 1 + rng.Int64N(2), Key: next("checkout")}
			c = pairedCommand{"reserve " + rv.Key, func(svc *loyalty.Service) (any, error) {
				r, err := svc.Reserve(w.ctx, w.p, rv)
				return canonReservationOrNil(r), err
			}}
			applied = func() { reservations = append(reservations, loyalty.ReservationID(w.p.ID(), rv.Key)) }
		case op < 75:
			pc := loyalty.Points{Customer: member(), PointType: points, Points: rng.Int64N(300) - 150, Reason: "service recovery", Key: next("adjust")}
			if pc.Points == 0 {
				continue
			}
			c = pairedCommand{"adjust " + pc.Key, func(svc *loyalty.Service) (any, error) {
				e, err := svc.Adjust(w.ctx, w.p, pc)
				return canonEntry(e), err
			}}
		case op < 79 && w.p.Tiers() != nil:
			if rng.IntN(3) == 0 {
				c = pairedCommand{"review", func(svc *loyalty.Service) (any, error) { return svc.ReviewTiers(w.ctx, w.p) }}
				break
			}
			m := member()
			c = pairedCommand{"evaluate " + m.String(), func(svc *loyalty.Service) (any, error) {
				st, err := svc.EvaluateTier(w.ctx, w.p, m)
				if err != nil {
					return nil, err
				}
				return w.tierAsStored(svc, st, "evaluate "+m.String())
			}}
		case op < 84:
			batch := 1 + rng.IntN(3)
			c = pairedCommand{"expire", func(svc *loyalty.Service) (any, error) {
				return svc.ExpireDue(w.ctx, w.p, w.clocks.Now(), batch)
			}}
		case op < 91: // time passes
			w.clocks.Advance(time.Duration(rng.Int64N(int64(60 * 24 * time.Hour))))
			w.compare("after the clock moved on")
			stats["clock"]++
			continue
		case op < 94: // a clock behind another's: commands dated before earlier ones
			w.clocks.Advance(-time.Duration(1 + rng.Int64N(int64(48*time.Hour))))
			w.compare("after the clock moved back")
			stats["clock back"]++
			continue
		default:
			if len(done) == 0 {
				continue
			}
			c = done[rng.IntN(len(done))]
			c.name = "replay of " + c.name
		}
		res, err := w.run(c)
		kind, _, _ := strings.Cut(c.name, " ")
		if err != nil {
			kind += " refused"
		}
		stats[kind]++
		if err == nil && !strings.HasPrefix(c.name, "replay") {
			if applied != nil {
				applied()
			}
			done = append(done, c)
			if e, ok := res.(loyalty.Entry); ok && e.Kind == loyalty.KindRedeem {
				spends = append(spends, e.ID)
			}
		}
		if t.Failed() {
			return
		}
	}
	w.where = fmt.Sprintf("seed %d, at the end", seed)
	w.compareTotals(start, rng)
}

// sequenceProgram varies, by rng, what changes the ledger's decisions: the spend order,
// what a refund of spent points does, the expiry, a holding period, a floor, and tiers by
// the calendar year's spend.
func sequenceProgram(t *testing.T, rng *rand.Rand, id string) *loyalty.Program {
	t.Helper()
	spec := loyalty.ProgramSpec{
		ID: id, Version: 1, Name: "sequences", TimeZone: "Asia/Shanghai", Currency: "CNY",
		SpendPolicy: []loyalty.SpendPolicy{loyalty.NearestExpiryFirst, loyalty.OldestFirst}[rng.IntN(2)],
		Returns:     []loyalty.ReturnMode{loyalty.ReturnDebt, loyalty.ReturnNegative, loyalty.ReturnForgive}[rng.IntN(3)],
		PointTypes: []loyalty.PointType{
			{Code: points, Name: "Points", Kind: loyalty.Spendable, Expiry: []loyalty.ExpiryPolicy{
				{Kind: loyalty.ExpireEndOfYear, Years: 1},
				{Kind: loyalty.ExpireAfter, Months: 3},
				{Kind: loyalty.ExpireAfter, Days: 30},
				{Kind: loyalty.NeverExpire},
			}[rng.IntN(4)], PendingDays: rng.IntN(2) * 7, Floor: -int64(rng.IntN(2)) * 300},
			{Code: status, Name: "Status", Kind: loyalty.Qualifying, Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}},
		},
		Earning: loyalty.EarningRules{
			Base: []loyalty.BaseRate{
				{PointType: points, Points: 1, Per: decimal.NewFromInt(1)},
				{PointType: status, Points: 1, Per: decimal.NewFromInt(10)},
			},
			Rules: []loyalty.Rule{{ID: "big-order", Name: "big order bonus", Priority: 1, When: `order.total >= 200`,
				Effect: loyalty.Effect{PointType: points, Bonus: 50}}},
		},
	}
	if rng.IntN(2) == 0 {
		spec.Tiers = &loyalty.Tiers{
			Levels: []loyalty.TierLevel{{Code: "member", Name: "Member"},
				{Code: "silver", Name: "Silver", Spend: decimal.NewFromInt(500)},
				{Code: "gold", Name: "Gold", Spend: decimal.NewFromInt(2000)}},
			QualifyingType: status, Window: loyalty.TierWindow{Kind: loyalty.WindowCalendarYear}, Review: loyalty.ReviewCalendarYear,
		}
	}
	p, err := loyalty.Compile(spec)
	require.NoError(t, err, "suite bug: the sequences' programme does not validate")
	return p
}

// run runs c on both services and requires the same answer, then the same ledger.
func (w *pairedWorld) run(c pairedCommand) (any, error) {
	w.t.Helper()
	w.commands++
	res, err := suite.Paired(w.t, w.where+", "+c.name, errText, func(i int) (any, error) { return c.run(w.svcs[i]) })
	w.compare("after " + c.name)
	return res, err
}

// tierAsStored requires the member state a tier evaluation returned to be the one svc's
// store holds after it, and returns the status as canonical JSON ("" for none).
func (w *pairedWorld) tierAsStored(svc *loyalty.Service, st *loyalty.TierStatus, command string) (string, error) {
	w.t.Helper()
	if st == nil {
		return "", nil
	}
	store := w.stores[slices.Index(w.svcs[:], svc)]
	held, err := store.Member(w.ctx, w.p.ID(), st.State.Customer)
	require.NoError(w.t, err, "%s, %s: the member the evaluation returned", w.where, command)
	require.Equal(w.t, canonMember(held), canonMember(st.State), "%s, %s: the evaluation returned another state than the store holds", w.where, command)
	c := *st
	c.State = canonMember(st.State)
	b, err := json.Marshal(c)
	return string(b), err
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// compare requires both stores to hold the same accounts and member states, the service
// to give the same balances over both, and the store under test to keep the ledger's
// invariants.
func (w *pairedWorld) compare(when string) {
	w.t.Helper()
	for _, m := range w.members {
		var (
			accts  [2][]*loyalty.Account
			states [2]*loyalty.MemberState
			bals   [2][]loyalty.Balance
			stands [2]string
		)
		for i, s := range w.stores {
			as, err := s.MemberAccounts(w.ctx, w.p.ID(), m)
			require.NoError(w.t, err, "%s, %s: MemberAccounts", w.where, when)
			for _, a := range as {
				accts[i] = append(accts[i], canonAccount(a))
			}
			st, err := s.Member(w.ctx, w.p.ID(), m)
			if err == nil {
				states[i] = canonMember(st)
			} else {
				require.ErrorIs(w.t, err, kehu.ErrNotFound, "%s, %s: Member", w.where, when)
			}
			for _, typ := range w.types {
				b, err := w.svcs[i].Balance(w.ctx, w.p, m, typ)
				require.NoError(w.t, err, "%s, %s: Balance", w.where, when)
				bals[i] = append(bals[i], canonBalance(b))
			}
			stand, err := w.svcs[i].Standing(w.ctx, w.p, m)
			stands[i] = fmt.Sprintf("%+v %v", stand, err)
		}
		require.Equal(w.t, accts[1], accts[0], "%s, %s: the accounts of member %s differ from the memory store's", w.where, when, m)
		require.Equal(w.t, states[1], states[0], "%s, %s: the member state of %s differs from the memory store's", w.where, when, m)
		require.Equal(w.t, bals[1], bals[0], "%s, %s: the balances of member %s differ from the memory store's", w.where, when, m)
		require.Equal(w.t, stands[1], stands[0], "%s, %s: the standing of member %s differs from the memory store's", w.where, when, m)
		for _, a := range accts[0] {
			require.NoError(w.t, CheckInvariants(w.ctx, w.stores[0], a.Key), "%s, %s", w.where, when)
		}
	}
	var rewards [2][]*loyalty.Reward
	var reservations [2][]*loyalty.Reservation
	for i, svc := range w.svcs {
		for _, r := range w.rewards {
			got, err := svc.Reward(w.ctx, w.p, r.ID)
			require.NoError(w.t, err, "%s, %s: Reward %s", w.where, when, r.ID)
			rewards[i] = append(rewards[i], canonReward(got))
		}
		all, _, err := suite.Pages(func(after string) (kehu.Page[*loyalty.Reservation], error) {
			return svc.Reservations(w.ctx, w.p, loyalty.ReservationQuery{PageRequest: kehu.PageRequest{Limit: 7, After: after}})
		})
		require.NoError(w.t, err, "%s, %s: Reservations", w.where, when)
		for _, r := range all {
			reservations[i] = append(reservations[i], canonReservation(r))
		}
	}
	require.Equal(w.t, rewards[1], rewards[0], "%s, %s: the rewards differ from the memory store's", w.where, when)
	require.Equal(w.t, reservations[1], reservations[0], "%s, %s: the reservations differ from the memory store's", w.where, when)
}

// sequenceRewards is the sequences' catalogue: a reward each member may take twice, from
// a small stock, and a dearer one.
func sequenceRewards() []loyalty.Reward {
	return []loyalty.Reward{
		{ID: "mug", Name: "Mug", PointType: points, Points: 120, Stock: 5, PerCustomer: 2},
		{ID: "bag", Name: "Bag", PointType: points, Points: 300, Stock: 3},
	}
}

func canonReservationOrNil(r *loyalty.Reservation) *loyalty.Reservation {
	if r == nil {
		return nil
	}
	return canonReservation(r)
}

// compareTotals requires the same answers from both services to the questions asked of a
// whole programme or history: the liability now and the breakage since the start (over a
// store that sums its lots and entries itself, loyalty.Totals, its sums against the memory
// store's reading of every account and entry), and each member's statement and accounts
// as of instants of the sequence.
func (w *pairedWorld) compareTotals(start time.Time, rng *rand.Rand) {
	w.t.Helper()
	end := w.clocks.Now()
	if !end.After(start) {
		end = start.Add(time.Microsecond)
	}
	asks := []struct {
		name string
		ask  func(svc *loyalty.Service) (any, error)
	}{
		{"Liability", func(svc *loyalty.Service) (any, error) { return svc.Liability(w.ctx, w.p, w.clocks.Now()) }},
		{"Breakage", func(svc *loyalty.Service) (any, error) { return svc.Breakage(w.ctx, w.p, start, end) }},
	}
	for _, m := range w.members {
		for _, typ := range w.types {
			at := start.Add(time.Duration(rng.Int64N(int64(end.Sub(start)) + 1)))
			asks = append(asks, struct {
				name string
				ask  func(svc *loyalty.Service) (any, error)
			}{fmt.Sprintf("Statement and AccountAsOf(%s) of %s in %s", at, m, typ), func(svc *loyalty.Service) (any, error) {
				st, err := svc.Statement(w.ctx, w.p, m, typ, start, end)
				if err != nil {
					return nil, err
				}
				st.Entries = canonEntries(st.Entries)
				a, err := svc.AccountAsOf(w.ctx, w.p, m, typ, at)
				if err != nil {
					return st, err
				}
				return []any{st, canonAccount(a)}, nil
			}})
		}
	}
	for _, q := range asks {
		var got [2]string
		for i, svc := range w.svcs {
			v, err := q.ask(svc)
			b, jerr := json.Marshal(v)
			require.NoError(w.t, jerr)
			got[i] = fmt.Sprintf("%s %v", b, err)
		}
		require.Equal(w.t, got[1], got[0], "%s: %s differs from the memory store's", w.where, q.name)
	}
}
