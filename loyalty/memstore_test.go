package loyalty_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/loyalty/loyaltytest"
)

func TestMemoryStoreConformance(t *testing.T) {
	loyaltytest.Run(t, func(t *testing.T) loyalty.Store { return loyalty.NewMemoryStore() })
}

// TestZeroMemoryStore checks that a zero MemoryStore is an empty store, ready to use.
func TestZeroMemoryStore(t *testing.T) {
	loyaltytest.Run(t, func(t *testing.T) loyalty.Store { return &loyalty.MemoryStore{} })
}

// TestMemoryStoreLargeAccounts checks the memory store's handling of large accounts, which
// keep their lots as Lots rather than in the small form: updates of large and small
// accounts interleaved, failed updates and scribbles on what fn was given leave every
// account exactly as the ledger says.
func TestMemoryStoreLargeAccounts(t *testing.T) {
	ctx := context.Background()
	p := loyaltytest.BenchSpendProgram(t)
	store := loyalty.NewMemoryStore()
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(store, opts)
	big := []crm.CustomerID{crm.CustomerIDFrom([16]byte{1}), crm.CustomerIDFrom([16]byte{2})}
	small := crm.CustomerIDFrom([16]byte{3})
	for i := range 150 {
		for _, c := range big {
			_, err := svc.Earn(ctx, p, loyalty.Points{Customer: c, PointType: "points", Points: 10, Key: uuid.NewString()})
			require.NoError(t, err)
		}
		if i%10 == 0 {
			_, err := svc.Earn(ctx, p, loyalty.Points{Customer: small, PointType: "points", Points: 10, Key: uuid.NewString()})
			require.NoError(t, err)
		}
		clock.Advance(time.Minute)
	}
	want := map[crm.CustomerID]int64{big[0]: 1500, big[1]: 1500, small: 150}
	boom := errors.New("boom")
	for i := range 300 {
		c := []crm.CustomerID{big[0], small, big[1]}[i%3]
		if want[c] >= 3 {
			_, err := svc.Redeem(ctx, p, loyalty.Points{Customer: c, PointType: "points", Points: 3, Key: uuid.NewString()})
			require.NoError(t, err)
			want[c] -= 3
		}
		// A failed update that scribbles on its copy changes nothing.
		key := loyalty.AccountKey{Program: p.ID(), Customer: c, PointType: "points"}
		err := store.Update(ctx, []loyalty.AccountKey{key}, loyalty.Need{All: true}, func(as []*loyalty.Account) (*loyalty.Commit, error) {
			for j := range as[0].Lots {
				as[0].Lots[j].Remaining = -1
			}
			return nil, boom
		})
		require.ErrorIs(t, err, boom)
	}
	for c, n := range want {
		key := loyalty.AccountKey{Program: p.ID(), Customer: c, PointType: "points"}
		require.NoError(t, loyaltytest.CheckInvariants(ctx, store, key))
		b, err := svc.Balance(ctx, p, c, "points")
		require.NoError(t, err)
		assert.Equal(t, n, b.Available, "balance of %s", c)
	}
}
