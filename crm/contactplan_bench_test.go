package crm_test

import (
	"context"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// contactBase is a memory store of 1,000,000 customers (classes A, B and C in the ratio
// 1:3:6, a tenth of them potential customers) and 10,000,000 interactions spread over the
// year before 2025-01-01, written straight to the store (the service's validation is not
// what is measured) once per process.
var contactBase = sync.OnceValue(func() *crm.Service {
	customers, interactions := benchScale(1_000_000), benchScale(10_000_000)
	store := crm.NewMemoryStore()
	ctx := context.Background()
	ids := kehu.NewSeqIDs()
	rng := rand.New(rand.NewPCG(15, 1))
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	classes := []string{"A", "B", "B", "B", "C", "C", "C", "C", "C", "C"}
	cids := make([]crm.CustomerID, customers)
	for i := range cids {
		stage := crm.StageActive
		if i%10 == 9 {
			stage = crm.StagePotential
		}
		c := &crm.Customer{ID: kehu.CustomerIDFrom(ids.NewID()), Version: 1, CreatedAt: start, UpdatedAt: start, Stage: stage,
			Profile: crm.Profile{Name: crm.Name{Display: "customer"}, Owner: "am-" + classes[i%10],
				Attributes: map[string]crm.AttrValue{"class": crm.StringAttr(classes[i%10])}}}
		if err := store.CreateCustomer(ctx, c, nil); err != nil {
			panic(err)
		}
		cids[i] = c.ID
	}
	channels := []crm.Channel{crm.ChannelPhone, crm.ChannelVisit, crm.ChannelEmail, crm.ChannelWeb}
	// The instants are drawn first and stored in order, as a live store receives them.
	offsets := make([]int64, interactions)
	for i := range offsets {
		offsets[i] = rng.Int64N(int64(366 * 24 * time.Hour))
	}
	slices.Sort(offsets)
	for _, off := range offsets {
		at := start.Add(time.Duration(off)).Truncate(time.Microsecond)
		in := &crm.Interaction{ID: crm.InteractionIDFrom(ids.NewID()), CustomerID: cids[rng.IntN(customers)],
			Channel: channels[rng.IntN(len(channels))], Direction: crm.Outbound, Purpose: crm.PurposeService, At: at,
			Subject: "visit", Urgency: crm.UrgencyNormal, CreatedAt: at}
		if err := store.CreateInteraction(ctx, in); err != nil {
			panic(err)
		}
	}
	// The set-up's garbage is collected before any timing, so that the collector's
	// marking of a heap of millions of records does not run during the scans measured.
	runtime.GC()
	return crm.NewService(store, nil)
})

// BenchmarkDueContacts1M: who is due under the account-care plan among 1,000,000 customers
// with 10,000,000 interactions, with the follow-ups of 100,000 orders. Besides the wall
// time it reports the process's CPU time per list (cpu-s/op), which varies less on a
// shared machine.
func BenchmarkDueContacts1M(b *testing.B) {
	svc := contactBase()
	plan := mustPlan(b, accountCare)
	asOf := time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC)
	var events []crm.FollowUpEvent
	var ids []crm.CustomerID
	if err := svc.Store().ScanTimelines(b.Context(), time.Time{}, func(c *crm.Customer, _ []*crm.Interaction) error {
		if len(ids) < benchScale(100_000) {
			ids = append(ids, c.ID)
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	for i, id := range ids {
		events = append(events, crm.FollowUpEvent{Customer: id, Kind: "order", Ref: "SO", At: asOf.Add(-time.Duration(i%240) * time.Hour)})
	}
	b.ReportAllocs()
	var n, runs int
	cpu := processCPU()
	for b.Loop() {
		runs++
		due, err := svc.DueContacts(b.Context(), plan, asOf, &crm.DueOptions{Events: func(yield func(crm.FollowUpEvent) bool) {
			for _, e := range events {
				if !yield(e) {
					return
				}
			}
		}})
		if err != nil {
			b.Fatal(err)
		}
		n = len(due.Contacts)
	}
	b.ReportMetric(float64(n), "due")
	if cpu > 0 {
		b.ReportMetric(float64(processCPU()-cpu)/float64(runs)/1e9, "cpu-s/op")
	}
}
