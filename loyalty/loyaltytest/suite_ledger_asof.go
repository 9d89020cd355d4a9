package loyaltytest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/loyalty"
)

func asOfTests() []test {
	return []test{
		{Name: "MatchesObservedBalances", Run: testAsOfMatchesObserved},
	}
}

// observation is a member's position as read at one instant during a scenario.
type observation struct {
	step    string
	at      time.Time
	balance loyalty.Balance
	book    int64
	lots    map[loyalty.LotID]int64 // remainders
}

func testAsOfMatchesObserved(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	start := h.clock.Now()
	var seen []observation
	observe := func(step string) {
		t.Helper()
		l.check("%s", step)
		o := observation{step: step, at: h.clock.Now(), balance: canonBalance(l.balance(l.retail, c, points)), lots: map[loyalty.LotID]int64{}}
		if a, err := l.s.Account(h.ctx, k); err == nil {
			o.book = a.Book()
			for _, lot := range a.Lots {
				o.lots[lot.ID] = lot.Remaining
			}
		}
		seen = append(seen, o)
		h.clock.AddDate(0, 0, 10)
	}

	observe("before the first entry")
	l.earn(l.retail, c, points, 100, orderSource("SO-A", "L1"), "SO-A:L1:base")
	observe("earn 100")
	l.earn(l.retail, c, points, 50, loyalty.Source{}, "")
	observe("earn 50")
	r := l.mustRedeem(l.retail, c, 120, "")
	observe("redeem 120")
	_, err := l.svc.Reverse(h.ctx, l.retail, r.ID, "cancelled")
	require.NoError(t, err, "Reverse")
	observe("reverse the redemption")
	l.mustRedeem(l.retail, c, 30, "")
	observe("redeem 30")
	h.clock.Set(yearEnd(l.retail, 2027).Add(-time.Second))
	observe("a second before the 2026 points expire")
	h.clock.Set(yearEnd(l.retail, 2027))
	observe("the instant the 2026 points expire, before any expiry entry")
	l.earn(l.retail, c, points, 20, loyalty.Source{}, "")
	observe("earn 20, writing the expiry")
	l.mustRedeem(l.retail, c, 15, "")
	observe("redeem 15")
	l.refund(l.retail, k, "SO-A", "RF-A")
	observe("refund SO-A, whose lot expired: debt")
	l.earn(l.retail, c, points, 200, loyalty.Source{}, "")
	observe("earn 200, paying the debt")
	_, err = l.svc.ExpireDue(h.ctx, l.retail, h.clock.Now(), 0)
	require.NoError(t, err, "ExpireDue")
	observe("ExpireDue")

	for _, o := range seen {
		a, err := l.svc.AccountAsOf(h.ctx, l.retail, c, points, o.at)
		if !assert.NoError(t, err, "AccountAsOf(%s)", o.step) {
			continue
		}
		what := fmt.Sprintf("AccountAsOf(%s, after %q)", o.at.Format(time.RFC3339), o.step)
		assert.Equal(t, o.balance, canonBalance(a.BalanceAt(o.at)), "%s.BalanceAt must match the balance observed then", what)
		assert.Equal(t, o.book, a.Book(), "%s.Book must match the book balance observed then", what)
		got := map[loyalty.LotID]int64{}
		for _, lot := range a.Lots {
			got[lot.ID] = lot.Remaining
		}
		assert.Equal(t, o.lots, got, "%s: the lots and their remainders must match those observed then", what)
	}
	a, err := l.svc.AccountAsOf(h.ctx, l.retail, c, points, start.Add(-time.Hour))
	require.NoError(t, err, "AccountAsOf before the account existed")
	assert.Equal(t, loyalty.Balance{}, a.BalanceAt(start.Add(-time.Hour)), "AccountAsOf before the first entry holds nothing")
}

// canonBalance drops the location of NextExpiry, so that balances compare by instant.
func canonBalance(b loyalty.Balance) loyalty.Balance {
	b.NextExpiry = suite.UTC(b.NextExpiry)
	return b
}
