package postgres_test

import (
	"context"
	"testing"

	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/crm/crmtest"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
)

func crmStore(b *testing.B) crm.Store { return postgres.NewCRMStore(pgtest.Pool(b, postgres.Migrate)) }

// BenchmarkCRMCreateCustomer creates customers through the service: normalise, validate,
// diff, then one transaction writing the document, its index rows and its first history
// entry.
func BenchmarkCRMCreateCustomer(b *testing.B) { crmtest.BenchCreateCustomer(b, crmStore) }

// BenchmarkCRMGetCustomer reads customers by ID among 2,000 through the service: one
// query and the decoding of the document.
func BenchmarkCRMGetCustomer(b *testing.B) { crmtest.BenchGetCustomer(b, crmStore, 2_000) }

// BenchmarkCRMSearchKeyword runs keyword searches among 2,000 customers through the
// service, first page of 50.
func BenchmarkCRMSearchKeyword(b *testing.B) {
	svc, _ := crmtest.BenchService(b, crmStore, 2_000)
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
