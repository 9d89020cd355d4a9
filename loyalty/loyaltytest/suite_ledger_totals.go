package loyaltytest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/loyalty"
)

// totalsTests check that a store implementing loyalty.Totals sums what the service works
// out from its accounts and entries. A store without Totals passes them trivially.
func totalsTests() []test {
	return []test{
		{Name: "LiabilityAndBreakage", Run: testTotals},
	}
}

// scanOnly hides a store's Totals, so that the service reads every account and entry.
type scanOnly struct{ loyalty.Store }

func testTotals(t *testing.T, h *harness) {
	l := h.ledger()
	start := l.clock.Now()
	// A member with points available, one with points pending, one in debt after a
	// refund of spent points, and one whose points expired; counters of caps and limits
	// are internal and never counted.
	a := l.member(l.returns)
	l.earn(l.returns, a, points, 700, orderSource("SO-A", "L1"), "")
	l.earn(l.returns, a, status, 90, orderSource("SO-A", "L1"), "")
	k, _ := l.spentOrder(300, 250)
	l.refund(l.returns, k, "SO-1", "RF-1")
	b := l.member(l.retail)
	l.earn(l.retail, b, points, 120, orderSource("SO-B", "L1"), "")
	l.clock.AddDate(2, 0, 0)
	_, err := l.svc.ExpireDue(l.ctx, l.retail, l.clock.Now(), 100)
	require.NoError(t, err, "ExpireDue")
	c := l.member(l.returns)
	l.earn(l.returns, c, points, 55, orderSource("SO-C", "L1"), "")
	end := l.clock.Now().Add(time.Hour)

	ref := loyalty.NewService(scanOnly{h.s}, &kehu.Options{Now: h.clock.Now, NewID: h.ids.NewID})
	for _, p := range []*loyalty.Program{l.returns, l.retail} {
		for _, at := range []time.Time{start, start.AddDate(0, 0, 20), end} {
			want, err := ref.Liability(l.ctx, p, at)
			require.NoError(t, err, "Liability from the accounts")
			got, err := l.svc.Liability(l.ctx, p, at)
			require.NoError(t, err, "Liability")
			assert.Equal(t, want, got, "Totals.Outstanding of %s at %s must sum what the accounts hold", p.ID(), at)
		}
		want, err := ref.Breakage(l.ctx, p, start.Add(-time.Hour), end)
		require.NoError(t, err, "Breakage from the entries")
		got, err := l.svc.Breakage(l.ctx, p, start.Add(-time.Hour), end)
		require.NoError(t, err, "Breakage")
		assert.Equal(t, want, got, "Totals.Flows of %s must sum the entries", p.ID())
	}
}
