package postgres_test

import (
	"context"
	"testing"

	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/crm/fake"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
)

// benchCRMService returns a service over a fresh PostgreSQL store holding n generated
// customers, and their IDs.
func benchCRMService(b *testing.B, n int) (*crm.Service, []crm.CustomerID) {
	b.Helper()
	svc := crm.NewService(postgres.NewCRMStore(pgtest.Pool(b, postgres.Migrate)), nil)
	gen := fake.MustNew(3, nil)
	ctx := context.Background()
	ids := make([]crm.CustomerID, n)
	for i := range n {
		c, err := svc.CreateCustomer(ctx, gen.Profile(i), nil)
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = c.ID
	}
	return svc, ids
}

// BenchmarkCRMCreateCustomer creates customers through the service: normalise, validate,
// diff, then one transaction writing the document, its index rows and its first history
// entry.
func BenchmarkCRMCreateCustomer(b *testing.B) {
	svc, _ := benchCRMService(b, 0)
	profiles := fake.MustNew(2, nil).Profiles(10_000)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := svc.CreateCustomer(ctx, profiles[i%len(profiles)], nil); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkCRMGetCustomer reads customers by ID among 2,000 through the service: one
// query and the decoding of the document.
func BenchmarkCRMGetCustomer(b *testing.B) {
	svc, ids := benchCRMService(b, 2_000)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := svc.GetCustomer(ctx, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i += 7
	}
}

// BenchmarkCRMSearchKeyword runs keyword searches among 2,000 customers through the
// service, first page of 50.
func BenchmarkCRMSearchKeyword(b *testing.B) {
	svc, _ := benchCRMService(b, 2_000)
	ctx := context.Background()
	for _, kw := range []string{"zzzz-no-match", "wang", "13800", "smith gmail"} {
		b.Run(kw, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Search(ctx, crm.Query{Keyword: kw}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
