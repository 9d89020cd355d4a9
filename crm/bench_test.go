package crm_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/crm/crmtest"
	"github.com/kehu-crm/kehu/crm/fake"
)

// population is a memory store filled once per process with n generated customers, shared
// by the 1M benchmarks so the set-up is paid once.
type population struct {
	svc      *crm.Service
	ids      []crm.CustomerID // a random sample, small enough to stay in cache
	phones   []string         // the sample's phones
	bytesPer float64
}

var (
	popOnce sync.Once
	pop     *population
)

const popSize = 1_000_000

// benchScale is how much of n things the benchmarks of a million customers generate: all
// of them, or, under -short, a hundredth. CI runs every benchmark once under -short, so
// that none rots, without minutes of set-up; the figures in BENCHMARKS.md come from runs
// without it.
func benchScale(n int) int {
	if testing.Short() {
		return n / 100
	}
	return n
}

func loadPopulation(b *testing.B) *population {
	b.Helper()
	popOnce.Do(func() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		svc := crm.NewService(nil, nil)
		gen := fake.MustNew(1, nil)
		ctx := context.Background()
		p := &population{svc: svc}
		n := benchScale(popSize)
		for i := range n {
			c, err := svc.CreateCustomer(ctx, gen.Profile(i), nil)
			if err != nil {
				panic(fmt.Sprintf("generated profile %d: %v", i, err))
			}
			// Every 241st customer, so the sample spans the whole store.
			if i%241 == 0 {
				p.ids = append(p.ids, c.ID)
				p.phones = append(p.phones, c.PrimaryPhone())
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		p.bytesPer = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
		pop = p
	})
	return pop
}

func memoryStore(*testing.B) crm.Store { return crm.NewMemoryStore() }

// BenchmarkCreateCustomer creates generated customers in the memory store.
func BenchmarkCreateCustomer(b *testing.B) { crmtest.BenchCreateCustomer(b, memoryStore) }

// BenchmarkGetCustomer reads customers by ID among 100,000.
func BenchmarkGetCustomer(b *testing.B) { crmtest.BenchGetCustomer(b, memoryStore, 100_000) }

func BenchmarkLookupPhone1M(b *testing.B) {
	p := loadPopulation(b)
	ctx := context.Background()
	st := p.svc.Store()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		got, err := st.LookupCustomers(ctx, crm.LookupPhone, p.phones[i%len(p.phones)])
		if err != nil || len(got) == 0 {
			b.Fatal(err, len(got))
		}
		i += 7
	}
	// The live heap of the whole population: the memory target is 1M customers in 2 GiB.
	b.ReportMetric(p.bytesPer, "heapB/customer")
	b.ReportMetric(p.bytesPer*popSize/(1<<30), "GiB/1M")
}

func BenchmarkGetCustomer1M(b *testing.B) {
	p := loadPopulation(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := p.svc.GetCustomer(ctx, p.ids[i%len(p.ids)]); err != nil {
			b.Fatal(err)
		}
		i += 7
	}
}

// BenchmarkFindByPhone1M includes parsing what the user typed into E.164.
func BenchmarkFindByPhone1M(b *testing.B) {
	p := loadPopulation(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		got, err := p.svc.FindByPhone(ctx, p.phones[i%len(p.phones)])
		if err != nil || len(got) == 0 {
			b.Fatal(err, len(got))
		}
		i += 7
	}
}

func BenchmarkSearchKeyword1M(b *testing.B) {
	p := loadPopulation(b)
	ctx := context.Background()
	for _, kw := range []string{"zzzz-no-match", "wang", "13800", "smith gmail"} {
		b.Run(kw, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.svc.Search(ctx, crm.Query{Keyword: kw}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// Filters with no keyword that match few customers scan everything too.
	b.Run("filter-created-range", func(b *testing.B) {
		from := time.Now().Add(time.Hour)
		for b.Loop() {
			if _, err := p.svc.Search(ctx, crm.Query{CreatedFrom: from}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
