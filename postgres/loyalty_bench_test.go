package postgres_test

import (
	"fmt"
	"testing"

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
