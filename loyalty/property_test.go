package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// envInt reads a tuning knob for the property test from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestLedgerProperties runs random sequences of earn, spend, refund, cancel, transfer,
// expire and clock jumps against the memory store, checking every ledger invariant after
// every step, and that replaying any earlier command changes nothing. CI runs a fixed
// seed; run it longer with
//
//	KEHU_PROP_SEQS=5000 KEHU_PROP_SEED=7 go test ./loyalty -run TestLedgerProperties
func TestLedgerProperties(t *testing.T) {
	seqs := envInt("KEHU_PROP_SEQS", 150)
	steps := envInt("KEHU_PROP_STEPS", 80)
	seed := uint64(envInt("KEHU_PROP_SEED", 20261123))
	stats := map[string]int{}
	defer func() { t.Logf("outcomes over %d sequences: %v", seqs, stats) }()
	for i := range seqs {
		runSequence(t, seed+uint64(i), steps, stats)
		if t.Failed() {
			t.Fatalf("sequence with seed %d failed; rerun with KEHU_PROP_SEED=%d KEHU_PROP_SEQS=1", seed+uint64(i), seed+uint64(i))
		}
	}
}

type command struct {
	name string
	run  func() ([]loyalty.Entry, error)
}

func runSequence(t *testing.T, seed uint64, steps int, stats map[string]int) {
	rng := rand.New(rand.NewPCG(seed, seed*31+7))
	p := propertyProgram(t, rng)
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	store := loyalty.NewMemoryStore()
	svc := loyalty.NewService(store, opts)
	ctx := context.Background()
	members := []crm.CustomerID{crm.CustomerIDFrom([16]byte{1}), crm.CustomerIDFrom([16]byte{2}), crm.CustomerIDFrom([16]byte{3})}
	member := func() crm.CustomerID { return members[rng.IntN(len(members))] }
	types := []string{"points", "status"}

	var done []command // commands that succeeded, for replay
	var spends []loyalty.EntryID
	type order struct {
		id       string
		customer crm.CustomerID
		lines    map[string]int64 // line → units
		refunded map[string]int64
	}
	var orders []*order
	n := 0
	next := func(prefix string) string { n++; return fmt.Sprintf("%s-%d", prefix, n) }

	for step := range steps {
		var c command
		switch op := rng.IntN(100); {
		case op < 25: // an order earns on each line, in both point types
			o := &order{id: next("SO"), customer: member(), lines: map[string]int64{}, refunded: map[string]int64{}}
			var cmds []command
			for l := range 1 + rng.IntN(3) {
				line := fmt.Sprintf("L%d", l)
				o.lines[line] = 1 + rng.Int64N(4)
				for _, typ := range types {
					pc := loyalty.Points{Customer: o.customer, PointType: typ, Points: 1 + rng.Int64N(300),
						Source: loyalty.Source{Type: "order", Ref: o.id, Line: line, Rule: "base"},
						Key:    o.id + "/" + line + "/" + typ}
					cmds = append(cmds, command{"earn " + pc.Key, func() ([]loyalty.Entry, error) {
						e, err := svc.Earn(ctx, p, pc)
						return []loyalty.Entry{e}, err
					}})
				}
			}
			orders = append(orders, o)
			for _, cm := range cmds[:len(cmds)-1] {
				_, err := cm.run()
				require.NoError(t, err, cm.name)
				done = append(done, cm)
			}
			c = cmds[len(cmds)-1]
		case op < 45:
			pc := loyalty.Points{Customer: member(), PointType: "points", Points: 1 + rng.Int64N(400), Key: next("redeem")}
			c = command{"redeem " + pc.Key, func() ([]loyalty.Entry, error) {
				e, err := svc.Redeem(ctx, p, pc)
				if err == nil {
					spends = append(spends, e.ID)
				}
				return []loyalty.Entry{e}, err
			}}
		case op < 55 && len(orders) > 0:
			o := orders[rng.IntN(len(orders))]
			var lines []loyalty.RefundLine
			for line, units := range o.lines {
				if left := units - o.refunded[line]; left > 0 && rng.IntN(2) == 0 {
					q := 1 + rng.Int64N(left)
					lines = append(lines, loyalty.RefundLine{Line: line, Quantity: q})
				}
			}
			if len(lines) == 0 {
				continue
			}
			key := next("refund")
			applied := false
			c = command{"refund " + key, func() ([]loyalty.Entry, error) {
				es, err := svc.Refund(ctx, p, loyalty.Refund{Customer: o.customer, Order: o.id, Lines: lines, Key: key})
				if err == nil && !applied {
					applied = true
					for _, l := range lines {
						o.refunded[l.Line] += l.Quantity
					}
				}
				return es, err
			}}
		case op < 62 && len(spends) > 0:
			id := spends[rng.IntN(len(spends))]
			c = command{"cancel " + id.String(), func() ([]loyalty.Entry, error) { return svc.Reverse(ctx, p, id, "cancelled") }}
		case op < 72:
			from, to := member(), member()
			if from == to {
				continue
			}
			tr := loyalty.Transfer{From: from, To: to, PointType: "points", Points: 1 + rng.Int64N(200), Key: next("transfer")}
			c = command{"transfer " + tr.Key, func() ([]loyalty.Entry, error) { return svc.Transfer(ctx, p, tr) }}
		case op < 80:
			pc := loyalty.Points{Customer: member(), PointType: "points", Points: rng.Int64N(300) - 150, Reason: "service recovery", Key: next("adjust")}
			if pc.Points == 0 {
				continue
			}
			c = command{"adjust " + pc.Key, func() ([]loyalty.Entry, error) {
				e, err := svc.Adjust(ctx, p, pc)
				return []loyalty.Entry{e}, err
			}}
		case op < 86:
			c = command{"expire", func() ([]loyalty.Entry, error) {
				_, err := svc.ExpireDue(ctx, p, clock.Now(), 1+rng.IntN(3))
				return nil, err
			}}
		case op < 95:
			d := time.Duration(rng.Int64N(int64(120 * 24 * time.Hour)))
			clock.Advance(d)
			checkAll(t, svc, store, p, members, types, clock.Now(), fmt.Sprintf("seed %d step %d after clock +%v", seed, step, d))
			continue
		default:
			if len(done) == 0 {
				continue
			}
			// Replaying an earlier command must return its first result and change nothing.
			cm := done[rng.IntN(len(done))]
			before := snapshot(t, store, p, members, types)
			_, err := cm.run()
			require.NoError(t, err, "seed %d step %d: replay of %s", seed, step, cm.name)
			require.Equal(t, before, snapshot(t, store, p, members, types), "seed %d step %d: replay of %s changed the ledger", seed, step, cm.name)
			stats["replay"]++
			continue
		}
		before := snapshot(t, store, p, members, types)
		_, err := c.run()
		kind, _, _ := strings.Cut(c.name, " ")
		if err != nil {
			kind += " refused"
		}
		stats[kind]++
		switch {
		case err == nil:
			if c.name != "expire" && !isCancel(c.name) {
				done = append(done, c)
			}
		case errors.Is(err, loyalty.ErrInsufficientPoints):
			require.Equal(t, before, snapshot(t, store, p, members, types), "seed %d step %d: failed %s wrote something", seed, step, c.name)
		default:
			require.NoError(t, err, "seed %d step %d: %s", seed, step, c.name)
		}
		checkAll(t, svc, store, p, members, types, clock.Now(), fmt.Sprintf("seed %d step %d after %s", seed, step, c.name))
		if t.Failed() {
			return
		}
	}
}

func isCancel(name string) bool { return len(name) > 7 && name[:7] == "cancel " }

// propertyProgram varies the rules that change the ledger's behaviour between sequences.
func propertyProgram(t *testing.T, rng *rand.Rand) *loyalty.Program {
	t.Helper()
	returns := []loyalty.ReturnMode{loyalty.ReturnDebt, loyalty.ReturnNegative, loyalty.ReturnForgive}[rng.IntN(3)]
	spend := []loyalty.SpendPolicy{loyalty.NearestExpiryFirst, loyalty.OldestFirst}[rng.IntN(2)]
	expiry := []loyalty.ExpiryPolicy{
		{Kind: loyalty.ExpireEndOfYear, Years: 1},
		{Kind: loyalty.ExpireAfter, Months: 3},
		{Kind: loyalty.ExpireAfter, Days: 45},
		{Kind: loyalty.NeverExpire},
	}[rng.IntN(4)]
	p, err := loyalty.Compile(loyalty.ProgramSpec{
		ID: "prop", Version: 1, Name: "property", TimeZone: "Asia/Shanghai", Currency: "CNY",
		SpendPolicy: spend, Returns: returns,
		PointTypes: []loyalty.PointType{
			{Code: "points", Name: "Points", Kind: loyalty.Spendable, Expiry: expiry, PendingDays: rng.IntN(2) * 14, Floor: -int64(rng.IntN(2)) * 300},
			{Code: "status", Name: "Status", Kind: loyalty.Qualifying, Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}},
		},
	})
	require.NoError(t, err)
	return p
}

// snapshot is every account of the members, for checking that nothing changed.
func snapshot(t *testing.T, store loyalty.Store, p *loyalty.Program, members []crm.CustomerID, types []string) map[string]*loyalty.Account {
	t.Helper()
	out := map[string]*loyalty.Account{}
	for _, m := range members {
		accts, err := store.MemberAccounts(context.Background(), p.ID(), m)
		require.NoError(t, err)
		for _, a := range accts {
			out[a.Key.String()] = a
		}
	}
	return out
}

// checkAll checks every ledger invariant on every account.
func checkAll(t *testing.T, svc *loyalty.Service, store loyalty.Store, p *loyalty.Program, members []crm.CustomerID, types []string, now time.Time, where string) {
	t.Helper()
	ctx := context.Background()
	for _, m := range members {
		for _, typ := range types {
			key := loyalty.AccountKey{Program: p.ID(), Customer: m, PointType: typ}
			a, err := store.Account(ctx, key)
			if errors.Is(err, kehu.ErrNotFound) {
				continue
			}
			require.NoError(t, err)
			var sumEntries int64
			lots := map[loyalty.LotID]loyalty.Lot{}
			for _, l := range a.Lots {
				lots[l.ID] = l
				if l.Remaining < 0 || l.Remaining > l.Points {
					t.Errorf("%s: lot %s remaining %d outside [0, %d]", where, l.ID, l.Remaining, l.Points)
				}
				if l.Returned < 0 || l.Returned > l.Earned {
					t.Errorf("%s: lot %s returned %d outside [0, %d]", where, l.ID, l.Returned, l.Earned)
				}
			}
			q := loyalty.EntryQuery{PageRequest: kehu.PageRequest{Limit: 1000}}
			for {
				page, err := store.Entries(ctx, key, q)
				require.NoError(t, err)
				for _, e := range page.Items {
					sumEntries += e.Points
					var moved int64
					for _, mv := range e.Lots {
						moved += mv.Points
						l, ok := lots[mv.Lot]
						if !ok {
							t.Errorf("%s: entry %s moves unknown lot %s", where, e.ID, mv.Lot)
							continue
						}
						if (e.Kind == loyalty.KindRedeem || e.Kind == loyalty.KindTransferOut) &&
							(l.Pending(e.At) || l.Expired(e.At)) {
							t.Errorf("%s: %s entry %s drew on lot %s that was pending or expired at %s", where, e.Kind, e.ID, l.ID, e.At)
						}
					}
					if e.Points != moved-e.Debt {
						t.Errorf("%s: entry %s points %d != lot moves %d − debt %d", where, e.ID, e.Points, moved, e.Debt)
					}
				}
				if page.Next == "" {
					break
				}
				q.After = page.Next
			}
			if a.Debt < 0 {
				t.Errorf("%s: %s debt %d < 0", where, key, a.Debt)
			}
			if a.Book() != sumEntries {
				t.Errorf("%s: %s book balance %d != sum of entries %d", where, key, a.Book(), sumEntries)
			}
			b, err := svc.Balance(ctx, p, m, typ)
			require.NoError(t, err)
			pt, _ := p.PointType(typ)
			if b.Available < pt.Floor && p.ReturnPolicy() != loyalty.ReturnDebt {
				t.Errorf("%s: %s available %d below the floor %d", where, key, b.Available, pt.Floor)
			}
			var want int64
			for _, l := range a.Lots {
				if l.Spendable(now) {
					want += l.Remaining
				}
			}
			if b.Available != want-a.Debt {
				t.Errorf("%s: %s available %d != spendable lots %d − debt %d", where, key, b.Available, want, a.Debt)
			}
		}
	}
}
