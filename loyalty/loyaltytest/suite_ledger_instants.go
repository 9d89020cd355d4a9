package loyaltytest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/loyalty"
)

func instantTests() []test {
	return []test{
		{Name: "InUTC", Run: testInstantsInUTC},
	}
}

// Whatever the zone of the clock and of the programme, the service records instants in UTC
// (kehu.Truncate) and the store returns them so: a host compares what it reads from one
// store with what it reads from another, or with what it wrote, with ==.
func testInstantsInUTC(t *testing.T, h *harness) {
	l := h.ledger()
	a, b := l.member(l.returns), l.member(l.returns)
	ka := l.acct(l.returns, a, points)
	l.earn(l.returns, a, points, 300, orderSource("SO-1", "L1"), "earn-1")
	h.clock.AddDate(0, 0, 20) // past the return window
	spend := l.mustRedeem(l.returns, a, 50, "spend-1")
	_, err := l.svc.Transfer(h.ctx, l.returns, loyalty.Transfer{From: a, To: b, PointType: points, Points: 70, Key: "gift-1"})
	require.NoError(t, err, "Transfer")
	_, err = l.svc.Reverse(h.ctx, l.returns, spend.ID, "cancelled")
	require.NoError(t, err, "Reverse")
	h.clock.AddDate(3, 0, 0)
	_, err = l.svc.ExpireDue(h.ctx, l.returns, h.clock.Now(), 10)
	require.NoError(t, err, "ExpireDue")
	l.check("the writes")

	for _, c := range []struct {
		name string
		get  func() (any, error)
	}{
		{"Account", func() (any, error) { return h.s.Account(h.ctx, ka) }},
		{"MemberAccounts", func() (any, error) { return h.s.MemberAccounts(h.ctx, l.returns.ID(), b) }},
		{"Entries", func() (any, error) {
			return h.s.Entries(h.ctx, ka, loyalty.EntryQuery{PageRequest: kehu.PageRequest{Limit: 100}})
		}},
		{"EntriesBySource", func() (any, error) { return h.s.EntriesBySource(h.ctx, l.returns.ID(), "transfer", "gift-1") }},
		{"Command", func() (any, error) { return h.s.Command(h.ctx, l.returns.ID(), "gift-1") }},
		{"Entry", func() (any, error) { return h.s.Entry(h.ctx, spend.ID) }},
		{"ScanAccounts", func() (any, error) {
			return h.s.ScanAccounts(h.ctx, l.returns.ID(), loyalty.ScanQuery{PageRequest: kehu.PageRequest{Limit: 10}})
		}},
	} {
		v, err := c.get()
		require.NoError(t, err, c.name)
		suite.RequireUTC(t, v, "%s returns what the service recorded", c.name)
	}
}
