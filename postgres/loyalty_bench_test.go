package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/loyalty/loyaltytest"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
)

// The loyalty benchmarks run the workloads of loyaltytest, as the memory store's do, over a
// LoyaltyStore in a fresh schema.

func loyaltyStore(b *testing.B) loyalty.Store {
	return postgres.NewLoyaltyStore(pgtest.Pool(b, postgres.Migrate))
}

// BenchmarkLoyaltyEarn earns on an order of 5 lines against a programme of 20 rules, each
// for a new member: the command record checked, the account created, and the entries and
// command record written.
func BenchmarkLoyaltyEarn(b *testing.B) { loyaltytest.BenchEarn(b, loyaltyStore) }

// BenchmarkPostgresRedeem spends one point at a time from an account holding 10 to 10,000
// lots: the cost of a spend must not grow with the lots it does not draw on.
func BenchmarkPostgresRedeem(b *testing.B) {
	for _, lots := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("lots=%d", lots), func(b *testing.B) { loyaltytest.BenchRedeem(b, loyaltyStore, lots) })
	}
}

// BenchmarkPostgresBalance reads the balance of a member who earned 10 to 10,000 lots and
// spent all but 10: the cost of a balance must not grow with the lots spent.
func BenchmarkPostgresBalance(b *testing.B) {
	for _, lots := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("lots=%d", lots), func(b *testing.B) { loyaltytest.BenchBalance(b, loyaltyStore, lots) })
	}
}

// BenchmarkLoyaltyConcurrentSpend redeems in parallel from 100 members' balances, so that
// spenders of one member wait for each other's row lock.
func BenchmarkLoyaltyConcurrentSpend(b *testing.B) {
	loyaltytest.BenchConcurrentSpend(b, loyaltyStore, 100)
}

// BenchmarkLoyaltyEarnCapped earns one more order for a member with 1,000 prior orders this
// month, under a programme of 3 rules capped per day and per month.
func BenchmarkLoyaltyEarnCapped(b *testing.B) { loyaltytest.BenchEarnCapped(b, loyaltyStore, 1000) }

// BenchmarkPostgresScanDue reads one page of 100 accounts due to expire, each of 500 lots
// of which one is due and the rest spent, as the expiry sweep's scan does: with every lot
// (keysOnly=false) and with the keys alone (keysOnly=true), which is what ExpireDue asks
// for before it updates each account.
func BenchmarkPostgresScanDue(b *testing.B) {
	store := postgres.NewLoyaltyStore(pgtest.Pool(b, postgres.Migrate))
	ctx := b.Context()
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	keys := make([]loyalty.AccountKey, 100)
	for c := range keys {
		keys[c] = loyalty.AccountKey{Program: "p", Customer: crm.CustomerIDFrom([16]byte{14: byte(c), 15: 3}), PointType: "points"}
	}
	err := store.Update(ctx, keys, loyalty.Need{All: true}, func(as []*loyalty.Account) (*loyalty.Commit, error) {
		for _, a := range as {
			for i := range 500 {
				earned := at.Add(-time.Duration(i) * time.Hour)
				l := loyalty.Lot{ID: loyalty.LotIDFrom(uuid.New()), Entry: loyalty.EntryIDFrom(uuid.New()),
					Points: 10, Returned: 10, Earned: 10, EarnedAt: earned, AvailableAt: earned, ExpiresAt: earned.AddDate(1, 0, 0)}
				if i == 0 {
					l.Remaining, l.Returned, l.ExpiresAt = 10, 0, at
				}
				a.Lots = append(a.Lots, l)
			}
		}
		return nil, nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := store.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	for _, keysOnly := range []bool{false, true} {
		b.Run(fmt.Sprintf("keysOnly=%t", keysOnly), func(b *testing.B) {
			q := loyalty.ScanQuery{DueBy: at, KeysOnly: keysOnly, PageRequest: kehu.PageRequest{Limit: 100}}
			b.ReportAllocs()
			for b.Loop() {
				page, err := store.ScanAccounts(ctx, "p", q)
				if err != nil || len(page.Items) != 100 {
					b.Fatalf("%d accounts, %v", len(page.Items), err)
				}
			}
		})
	}
}
