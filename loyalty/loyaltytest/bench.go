package loyaltytest

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// The benchmark workloads (see the package documentation) each call newStore once, for an
// empty store, before the timer starts.

// BenchSpendProgram is the programme of the spending benchmarks: one spendable point type
// whose points expire 12 months after they were earned.
func BenchSpendProgram(tb testing.TB) *loyalty.Program {
	tb.Helper()
	p, err := loyalty.Compile(loyalty.ProgramSpec{
		ID: "bench", Version: 1, Name: "bench", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{{Code: "points", Name: "Points", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.ExpireAfter, Months: 12}}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchEarnProgram is the programme of the earning benchmark: a base rate of 1 point per
// ¥1 and 20 rules — 4 per line, 16 per order, with conditions on the order, the member
// and the date (eight distinct ones among the per-order rules), some capped.
func BenchEarnProgram(tb testing.TB) *loyalty.Program {
	tb.Helper()
	conds := []string{
		`order.total > 100`, `member.birthday_month`, `hasTag("vip")`, `date.weekend`,
		`order.total_minor >= 50000`, `member.tier == "gold"`, `inSegment("champions")`, `date.month == 11`,
	}
	rules := make([]loyalty.Rule, 0, 20)
	for i := range 20 {
		r := loyalty.Rule{ID: fmt.Sprintf("r%02d", i), Name: fmt.Sprintf("rule %d", i), Priority: i + 1,
			When: conds[i%len(conds)], Effect: loyalty.Effect{PointType: "points", Bonus: int64(10 + i)}}
		if i < 4 {
			r.PerLine = true
			r.When = `line.amount > 10 && hasCategory("coffee")`
			r.Effect = loyalty.Effect{PointType: "points", Multiplier: decimal.NewFromInt(2)}
		}
		if i%5 == 4 {
			r.Caps = loyalty.Caps{PerOrder: 100}
		}
		rules = append(rules, r)
	}
	p, err := loyalty.Compile(loyalty.ProgramSpec{
		ID: "bench-earn", Version: 1, Name: "bench", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{{Code: "points", Name: "Points", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.ExpireEndOfYear, Years: 1}}},
		Earning: loyalty.EarningRules{
			Base:  []loyalty.BaseRate{{PointType: "points", Points: 1, Per: decimal.NewFromInt(1)}},
			Rules: rules,
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchOrder is the earning benchmark's order: 5 lines of ¥128.50 (coffee, tea, homeware,
// coffee, tea) placed at at.
func BenchOrder(id string, at time.Time) kehu.Order {
	o := kehu.Order{ID: id, At: at, Currency: "CNY"}
	for l := range 5 {
		o.Lines = append(o.Lines, kehu.OrderLine{ID: strconv.Itoa(l), SKU: "SKU-" + strconv.Itoa(l),
			Category: []string{"coffee", "tea", "homeware"}[l%3], Quantity: 1, Amount: kehu.MustMoney("128.50", "CNY")})
	}
	return o
}

// BenchMember is the earning benchmark's member, without a customer ID: a VIP in the
// "champions" segment whose birthday month is the order's. The programme has no tiers, so
// member.tier is "" (the ledger's standing, never the host's).
func BenchMember() loyalty.Member {
	return loyalty.Member{Tags: []string{"vip"}, Segments: []string{"champions"},
		BirthDate: kehu.MustDate(1990, time.November, 2)}
}

// benchCustomer is the i-th benchmark member's ID (tag separates the workloads).
func benchCustomer(i int, tag byte) crm.CustomerID {
	return crm.CustomerIDFrom([16]byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i), tag})
}

// BenchEarn earns on BenchOrder under BenchEarnProgram, each order for a new member:
// Preview, the digest and the idempotency check, and one entry with a lot per line (and
// one for the order's bonuses) written with the command record. The host builds the
// order; only its ID changes.
func BenchEarn(b *testing.B, newStore func(b *testing.B) loyalty.Store) {
	p := BenchEarnProgram(b)
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 11, 14, 3, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(newStore(b), opts)
	ctx := context.Background()
	m := BenchMember()
	o := BenchOrder("", clock.Now())
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		m.CustomerID = benchCustomer(i, 4)
		o.ID = "SO-" + strconv.Itoa(i)
		if _, err := svc.EarnOrder(ctx, p, o, m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchRedeem spends one point at a time from an account holding lots lots, earned an hour
// apart (so the spend picks the nearest expiry among them). The lots and their earn
// entries are written in one Update, as a data load would, so that the set-up of 10,000
// lots takes one transaction rather than 10,000.
func BenchRedeem(b *testing.B, newStore func(b *testing.B) loyalty.Store, lots int) {
	svc, p, member := benchLoaded(b, newStore, 1, lots, lots)
	ctx := context.Background()
	var keys benchKeys
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Redeem(ctx, p, loyalty.Points{Customer: member, PointType: "points", Points: 1, Key: keys.next()}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchBalance reads the balance of a member who earned lots lots, an hour apart, and
// spent all but the last 10 of them, as a long-standing member has: the cost of a balance
// must not grow with the lots spent.
func BenchBalance(b *testing.B, newStore func(b *testing.B) loyalty.Store, lots int) {
	svc, p, member := benchLoaded(b, newStore, 3, lots, min(lots, 10))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		bal, err := svc.Balance(ctx, p, member, "points")
		if err != nil {
			b.Fatal(err)
		}
		if want := int64(min(lots, 10)) * 1_000_000; bal.Available != want {
			b.Fatalf("balance %d, want %d", bal.Available, want)
		}
	}
}

// benchLoaded returns a service over a new store, under BenchSpendProgram, in which a
// member (benchCustomer(1, tag)) holds lots lots of 1,000,000 points in "points", earned an
// hour apart, each with its earn entry, and one redeem entry that spends every lot but the
// last open ones; the clock stands an hour after the last. They are written in one
// Update, as a data load would (10,000 lots take one transaction rather than 10,000), and
// a store with planner statistics then brings them up to date, as a database's own
// maintenance would before long.
func benchLoaded(b *testing.B, newStore func(b *testing.B) loyalty.Store, tag byte, lots, open int) (*loyalty.Service, *loyalty.Program, crm.CustomerID) {
	b.Helper()
	p := BenchSpendProgram(b)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	opts, clock, _ := kehu.Deterministic(start)
	store := newStore(b)
	member := benchCustomer(1, tag)
	ctx := context.Background()
	key := loyalty.AccountKey{Program: p.ID(), Customer: member, PointType: "points"}
	pt, _ := p.PointType("points")
	err := store.Update(ctx, []loyalty.AccountKey{key}, loyalty.Need{All: true}, func(a []*loyalty.Account) (*loyalty.Commit, error) {
		c := &loyalty.Commit{}
		last := start.Add(time.Duration(lots-1) * time.Hour)
		spend := loyalty.Entry{ID: loyalty.EntryIDFrom(opts.NewID()), Account: key, Kind: loyalty.KindRedeem, At: last,
			ProgramVersion: p.Version(), Source: loyalty.Source{Type: "load", Ref: "spent"}}
		for i := range lots {
			at := start.Add(time.Duration(i) * time.Hour)
			e := loyalty.Entry{ID: loyalty.EntryIDFrom(opts.NewID()), Account: key, Kind: loyalty.KindEarn, At: at,
				Points: 1_000_000, ProgramVersion: p.Version(), Source: loyalty.Source{Type: "load", Ref: strconv.Itoa(i)}}
			l := loyalty.Lot{ID: loyalty.LotIDFrom(opts.NewID()), Entry: e.ID, Points: 1_000_000, Remaining: 1_000_000,
				Earned: 1_000_000, EarnedAt: at, AvailableAt: at, ExpiresAt: kehu.Truncate(pt.Expiry.ExpiresAt(at, p.Location()))}
			e.Lots = []loyalty.LotMove{{Lot: l.ID, Points: l.Points}}
			if i < lots-open {
				l.Remaining = 0
				spend.Points -= l.Points
				spend.Lots = append(spend.Lots, loyalty.LotMove{Lot: l.ID, Points: -l.Points})
			}
			a[0].Lots = append(a[0].Lots, l)
			c.Entries = append(c.Entries, e)
		}
		if len(spend.Lots) > 0 {
			c.Entries = append(c.Entries, spend)
		}
		a[0].UpdatedAt = last
		return c, nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if a, ok := store.(interface{ Analyze(context.Context) error }); ok {
		if err := a.Analyze(ctx); err != nil {
			b.Fatal(err)
		}
	}
	clock.Set(start.Add(time.Duration(lots) * time.Hour))
	return loyalty.NewService(store, opts), p, member
}

// BenchConcurrentSpend redeems in parallel (b.RunParallel) from members' balances of 5 lots
// each, so spenders of one member contend for its account.
func BenchConcurrentSpend(b *testing.B, newStore func(b *testing.B) loyalty.Store, members int) {
	p := BenchSpendProgram(b)
	opts, _, _ := kehu.Deterministic(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(newStore(b), opts)
	ctx := context.Background()
	ids := make([]crm.CustomerID, members)
	var keys benchKeys
	for m := range members {
		ids[m] = benchCustomer(m, 2)
		for range 5 {
			if _, err := svc.Earn(ctx, p, loyalty.Points{Customer: ids[m], PointType: "points", Points: 100_000_000_000, Key: keys.next()}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			m := ids[(i*7919)%members]
			if _, err := svc.Redeem(ctx, p, loyalty.Points{Customer: m, PointType: "points", Points: 1, Key: keys.next()}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchKeys hands out a fresh idempotency key per command, safe for concurrent use.
type benchKeys struct{ n atomic.Int64 }

func (k *benchKeys) next() string { return "bench-" + strconv.FormatInt(k.n.Add(1), 10) }
