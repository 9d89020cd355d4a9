package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/loyalty/loyaltytest"
)

// TestRefundedOrderLeavesTheMemberNoBetterOff plays random sequences around one order —
// with points that never expire, or that lapse along the way —
// redemptions, line and whole refunds sent by two systems under their own keys, cancelled
// redemptions, transfers to another member and their reversals, earlier and later orders —
// under every return policy, with and without a floor. Throughout, the refunds of the
// order never take back more than it earned. At the end the order is wholly refunded and
// every redemption and transfer undone: then the member holds exactly what their other
// orders earned, as if the order had never been placed, and the other member holds
// nothing. Run it longer with
//
//	KEHU_PROP_SEQS=5000 go test ./loyalty -run TestRefundedOrderLeavesTheMemberNoBetterOff
func TestRefundedOrderLeavesTheMemberNoBetterOff(t *testing.T) {
	seqs := envInt("KEHU_PROP_SEQS", 300)
	seed := uint64(envInt("KEHU_PROP_SEED", 20261204))
	for i := range seqs {
		refundSequence(t, seed+uint64(i))
		if t.Failed() {
			t.Fatalf("sequence with seed %d failed; rerun with KEHU_PROP_SEED=%d KEHU_PROP_SEQS=1", seed+uint64(i), seed+uint64(i))
		}
	}
}

func refundSequence(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	mode := returnModes[rng.IntN(len(returnModes))]
	// With expiry, points the order earned may lapse in between: then the member ends with
	// less than the other orders earned, never more, and what expired is never collected.
	expires := rng.IntN(3) == 0
	expiry := loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}
	if expires {
		expiry = loyalty.ExpiryPolicy{Kind: loyalty.ExpireAfter, Days: 20}
	}
	spec := refundSpec(mode)
	spec.SpendPolicy = []loyalty.SpendPolicy{loyalty.NearestExpiryFirst, loyalty.OldestFirst}[rng.IntN(2)]
	spec.PointTypes[0].Expiry, spec.PointTypes[0].Floor = expiry, -int64(rng.IntN(3))*200
	p, err := loyalty.Compile(spec)
	require.NoError(t, err)
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 2, 1, 2, 0, 0, 0, time.UTC))
	store := loyalty.NewMemoryStore()
	svc := loyalty.NewService(store, opts)
	ctx := context.Background()
	me, other := crm.CustomerIDFrom([16]byte{1}), crm.CustomerIDFrom([16]byte{2})
	where := func(format string, args ...any) string {
		return fmt.Sprintf("seed %d (%s, expiring %v): ", seed, mode, expires) + fmt.Sprintf(format, args...)
	}

	n := 0
	newOrder := func() kehu.Order {
		n++
		o := kehu.Order{ID: fmt.Sprint("SO-", n), At: clock.Now(), Currency: "CNY"}
		for l := range 1 + rng.IntN(3) {
			cat := []string{"coffee", "tea"}[rng.IntN(2)]
			o.Lines = append(o.Lines, kehu.OrderLine{ID: fmt.Sprint("L", l), Category: cat, Quantity: 1 + rng.Int64N(3),
				Amount: kehu.MustMoney(fmt.Sprint(10+rng.IntN(150)), "CNY")})
		}
		return o
	}
	var baseline int64 // what the member's other orders earned
	earnOther := func() {
		res, err := svc.EarnOrder(ctx, p, newOrder(), loyalty.Member{CustomerID: me})
		require.NoError(t, err)
		for _, e := range res.Entries {
			baseline += e.Points
		}
	}

	earnOther()
	target := newOrder()
	res, err := svc.EarnOrder(ctx, p, target, loyalty.Member{CustomerID: me})
	require.NoError(t, err)
	var earned int64
	orderEntries := map[loyalty.EntryID]bool{}
	for _, e := range res.Entries {
		earned += e.Points
		orderEntries[e.ID] = true
	}

	var (
		redemptions, transfers []loyalty.EntryID
		taken                  int64 // by refunds of the target order
		k                      int
	)
	key := func(prefix string) string { k++; return fmt.Sprint(prefix, "-", k) }
	refund := func(lines []loyalty.RefundLine, system string) {
		out, err := svc.Refund(ctx, p, loyalty.Refund{Customer: me, Order: target.ID, Lines: lines, Key: key(system)})
		require.NoError(t, err, where("refund %v", lines))
		for _, e := range out {
			if orderEntries[e.Reverses] {
				taken -= e.Points
			}
		}
		require.LessOrEqual(t, taken, earned, where("the refunds took %d of an order that earned %d", taken, earned))
	}
	for range 4 + rng.IntN(20) {
		clock.Advance(time.Duration(rng.IntN(120)) * time.Hour)
		switch op := rng.IntN(10); {
		case op < 3:
			e, err := svc.Redeem(ctx, p, loyalty.Points{Customer: me, PointType: "points", Points: 1 + rng.Int64N(400), Key: key("redeem")})
			if err == nil {
				redemptions = append(redemptions, e.ID)
			} else {
				require.ErrorIs(t, err, loyalty.ErrInsufficientPoints, where("redeem"))
			}
		case op < 6:
			var lines []loyalty.RefundLine
			for _, l := range target.Lines {
				if rng.IntN(2) == 0 {
					lines = append(lines, loyalty.RefundLine{Line: l.ID, Quantity: 1 + rng.Int64N(l.Quantity)})
				}
			}
			refund(lines, []string{"till", "web"}[rng.IntN(2)]) // no lines: the whole order
		case op < 7 && len(redemptions) > 0:
			i := rng.IntN(len(redemptions))
			_, err := svc.Reverse(ctx, p, redemptions[i], "cancelled")
			require.NoError(t, err, where("cancel a redemption"))
			redemptions = append(redemptions[:i], redemptions[i+1:]...)
		case op < 8:
			out, err := svc.Transfer(ctx, p, loyalty.Transfer{From: me, To: other, PointType: "points", Points: 1 + rng.Int64N(300), Key: key("gift")})
			if err == nil {
				transfers = append(transfers, out[0].ID)
			} else {
				require.ErrorIs(t, err, loyalty.ErrInsufficientPoints, where("transfer"))
			}
		case op < 9 && len(transfers) > 0:
			i := rng.IntN(len(transfers))
			_, err := svc.Reverse(ctx, p, transfers[i], "sent by mistake")
			require.NoError(t, err, where("reverse a transfer"))
			transfers = append(transfers[:i], transfers[i+1:]...)
		default:
			earnOther()
		}
	}

	// Undo everything around the order, in a random order, and refund it wholly.
	var undo []func()
	undo = append(undo, func() { refund(nil, "final") })
	for _, id := range redemptions {
		undo = append(undo, func() {
			_, err := svc.Reverse(ctx, p, id, "cancelled")
			require.NoError(t, err, where("cancel a redemption"))
		})
	}
	for _, id := range transfers {
		undo = append(undo, func() {
			_, err := svc.Reverse(ctx, p, id, "sent by mistake")
			require.NoError(t, err, where("reverse a transfer"))
		})
	}
	rng.Shuffle(len(undo), func(i, j int) { undo[i], undo[j] = undo[j], undo[i] })
	for _, u := range undo {
		u()
	}

	book := func(c crm.CustomerID) int64 {
		a, err := store.Account(ctx, loyalty.AccountKey{Program: p.ID(), Customer: c, PointType: "points"})
		if errors.Is(err, kehu.ErrNotFound) {
			return 0
		}
		require.NoError(t, err)
		return a.Book()
	}
	require.NoError(t, loyaltytest.CheckInvariants(ctx, store, loyalty.AccountKey{Program: p.ID(), Customer: me, PointType: "points"}), where("invariants"))
	if expires {
		_, err := svc.ExpireDue(ctx, p, clock.Now(), 10)
		require.NoError(t, err)
		var lapsed int64 // what expiry took from the member
		page, err := store.Entries(ctx, loyalty.AccountKey{Program: p.ID(), Customer: me, PointType: "points"}, loyalty.EntryQuery{PageRequest: kehu.PageRequest{Limit: 1000}})
		require.NoError(t, err)
		for _, e := range page.Items {
			if e.Kind == loyalty.KindExpire {
				lapsed -= e.Points
			}
		}
		require.LessOrEqual(t, book(me), baseline, where("the member holds no more than the other orders earned"))
		require.GreaterOrEqual(t, book(me), baseline-lapsed-earned, where("nothing beyond what expired and what the order earned was taken"))
		return
	}
	if book(me) != baseline {
		dumpLedger(t, store, p, me, other)
	}
	require.Equal(t, baseline, book(me), where("the member holds what the other orders earned"))
	require.Zero(t, book(other), where("the other member holds nothing"))
	if mode == loyalty.ReturnDebt {
		require.Equal(t, earned, taken, where("a wholly refunded order gives back what it earned"))
	}
}

// dumpLedger logs the members' entries and lots, to explain a failed sequence.
func dumpLedger(t *testing.T, store loyalty.Store, p *loyalty.Program, members ...crm.CustomerID) {
	t.Helper()
	ctx := context.Background()
	for _, c := range members {
		key := loyalty.AccountKey{Program: p.ID(), Customer: c, PointType: "points"}
		page, err := store.Entries(ctx, key, loyalty.EntryQuery{PageRequest: kehu.PageRequest{Limit: 1000}})
		require.NoError(t, err)
		for _, e := range page.Items {
			t.Logf("%s %s %+d debt %+d lots %v source %v", c, e.Kind, e.Points, e.Debt, e.Lots, e.Source)
		}
		if a, err := store.Account(ctx, key); err == nil {
			for _, l := range a.Lots {
				t.Logf("lot %s earned %d remaining %d returned %d/%d units lapsed %d", l.ID, l.Earned, l.Remaining, l.ReturnedQty, l.Units, l.Lapsed)
			}
			t.Logf("debt %d forgiven %d", a.Debt, a.Forgiven)
		}
	}
}
