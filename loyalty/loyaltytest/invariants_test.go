package loyaltytest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/loyalty/loyaltytest"
)

// TestCheckInvariants writes one sound ledger (an earning of 100, a spend of 30) and then
// breaks it in one way per case, checking that CheckInvariants names the broken rule.
func TestCheckInvariants(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		mutate func(a *loyalty.Account, es []loyalty.Entry)
		want   []string // fragments of the error; none for a sound ledger
	}{
		{"sound", func(*loyalty.Account, []loyalty.Entry) {}, nil},
		{"negative debt", func(a *loyalty.Account, es []loyalty.Entry) {
			a.Debt = -5
			es[1].Debt, es[1].Points = -5, -25
		}, []string{"debt -5 is negative"}},
		{"lot below zero", func(a *loyalty.Account, es []loyalty.Entry) {
			a.Lots[0].Remaining = -10
			es[1].Lots[0].Points, es[1].Points = -110, -110
		}, []string{"Remaining -10, below zero"}},
		{"lot above its points", func(a *loyalty.Account, es []loyalty.Entry) {
			a.Lots[0].Remaining = 120
			es[1].Lots[0].Points, es[1].Points = 20, 20
		}, []string{"Remaining 120, more than its Points 100"}},
		{"expired with points left", func(a *loyalty.Account, _ []loyalty.Entry) {
			a.Lots[0].ExpiredAt = a.Lots[0].ExpiresAt
		}, []string{"but has 70 points left"}},
		{"expired early", func(a *loyalty.Account, es []loyalty.Entry) {
			a.Lots[0].ExpiredAt, a.Lots[0].Remaining = at, 0
			es[1].Lots[0].Points, es[1].Points = -100, -100
		}, []string{"before its ExpiresAt"}},
		{"entry does not add up", func(_ *loyalty.Account, es []loyalty.Entry) {
			es[1].Points = -31
		}, []string{"has Points -31, but Σ Lots -30 − Debt 0 = -30", "Σ entries' Points = 69"}},
		{"lot changed without an entry", func(a *loyalty.Account, _ []loyalty.Entry) {
			a.Lots[0].Remaining = 75
		}, []string{"= 75 − 0 = 75, but Σ entries' Points = 70", "Remaining 75, but Σ entries' moves on it = 70"}},
		{"debt without an entry", func(a *loyalty.Account, _ []loyalty.Entry) {
			a.Debt = 10
		}, []string{"= 70 − 10 = 60, but Σ entries' Points = 70", "debt 10, but Σ entries' Debt = 0"}},
		{"move on an unknown lot", func(_ *loyalty.Account, es []loyalty.Entry) {
			es[1].Lots = append(es[1].Lots, loyalty.LotMove{Lot: loyalty.LotIDFrom(kehu.NewSeqIDsIn(9).NewID()), Points: 0})
		}, []string{"which the account does not hold"}},
		{"lot of no entry", func(a *loyalty.Account, _ []loyalty.Entry) {
			a.Lots[0].Entry = loyalty.EntryIDFrom(kehu.NewSeqIDsIn(9).NewID())
		}, []string{"which is not an entry of the account"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			ids := kehu.NewSeqIDs()
			s := loyalty.NewMemoryStore()
			key := loyalty.AccountKey{Program: "retail", Customer: crm.CustomerIDFrom(ids.NewID()), PointType: "points"}
			err := s.Update(ctx, []loyalty.AccountKey{key}, loyalty.Need{All: true}, func(as []*loyalty.Account) (*loyalty.Commit, error) {
				a := as[0]
				earn, lot := loyalty.EntryIDFrom(ids.NewID()), loyalty.LotIDFrom(ids.NewID())
				a.Lots = []loyalty.Lot{{ID: lot, Entry: earn, Points: 100, Remaining: 70, Earned: 100, EarnedAt: at,
					AvailableAt: at, ExpiresAt: at.AddDate(1, 0, 0)}}
				es := []loyalty.Entry{
					{ID: earn, Account: key, Kind: loyalty.KindEarn, At: at, Points: 100, Lots: []loyalty.LotMove{{Lot: lot, Points: 100}}},
					{ID: loyalty.EntryIDFrom(ids.NewID()), Account: key, Kind: loyalty.KindRedeem, At: at, Points: -30,
						Lots: []loyalty.LotMove{{Lot: lot, Points: -30}}},
				}
				c.mutate(a, es)
				return &loyalty.Commit{Entries: es}, nil
			})
			require.NoError(t, err, "Update")
			err = loyaltytest.CheckInvariants(ctx, s, key)
			if len(c.want) == 0 {
				assert.NoError(t, err, "CheckInvariants of a sound ledger")
				return
			}
			require.Error(t, err, "CheckInvariants must report the broken invariant")
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w, "CheckInvariants must name the broken invariant")
			}
		})
	}
	err := loyaltytest.CheckInvariants(context.Background(), loyalty.NewMemoryStore(),
		loyalty.AccountKey{Program: "retail", Customer: crm.CustomerIDFrom(kehu.NewSeqIDs().NewID()), PointType: "points"})
	assert.NoError(t, err, "CheckInvariants of an account that does not exist: it holds nothing")
}
