package crm

import (
	"context"
	"iter"
	"time"

	"github.com/kehu-crm/kehu"
)

// CustomerFactOf reads a customer of the crm as the scorecard sees it: first seen when the
// record was created; an email on file if it has one; identified if it has a name and a
// phone or an email, the way to recognise and reach them (an erased customer is neither
// identified nor has an email). It reports false for a tombstone of a merge, which the
// scorecard must not count: the surviving customer carries its history.
func CustomerFactOf(c *Customer) (CustomerFact, bool) {
	if c == nil || c.IsTombstone() {
		return CustomerFact{}, false
	}
	erased := !c.ErasedAt.IsZero()
	return CustomerFact{
		ID:         c.ID,
		FirstSeen:  c.CreatedAt,
		HasEmail:   !erased && len(c.Emails) > 0,
		Identified: !erased && c.Name.Display != "" && (len(c.Emails) > 0 || len(c.Phones) > 0),
	}, true
}

// StoreFacts reads a crm Store as the scorecard's customer and interaction sources, so
// that the customers and the timeline kept by the crm need no code of the host's:
// crm.StoreFacts{Store: svc.Store()}. Each source is one ScanTimelines of the store, its
// facts gathered first and handed out after, so nothing runs while the store is read.
// Without a Store, each source yields only a *kehu.ValidationError on "store".
type StoreFacts struct {
	Store Store
}

// errNoStore is what the sources of a StoreFacts without a Store yield.
func errNoStore() error {
	return kehu.Invalid("store", "required", "StoreFacts has no store: crm.StoreFacts{Store: svc.Store()}")
}

// CustomerFacts yields every customer that is not a tombstone, in no set order.
func (f StoreFacts) CustomerFacts(ctx context.Context) iter.Seq2[CustomerFact, error] {
	return func(yield func(CustomerFact, error) bool) {
		if f.Store == nil {
			yield(CustomerFact{}, errNoStore())
			return
		}
		var facts []CustomerFact
		err := f.Store.ScanTimelines(ctx, time.Time{}, func(c *Customer, _ []*Interaction) error {
			if cf, ok := CustomerFactOf(c); ok {
				facts = append(facts, cf)
			}
			return nil
		})
		if err != nil {
			yield(CustomerFact{}, err)
			return
		}
		for _, cf := range facts {
			if !yield(cf, nil) {
				return
			}
		}
	}
}

// InteractionFacts yields the interactions with from ≤ At < to, customer by customer, in
// time order within each.
func (f StoreFacts) InteractionFacts(ctx context.Context, from, to time.Time) iter.Seq2[InteractionFact, error] {
	return func(yield func(InteractionFact, error) bool) {
		if f.Store == nil {
			yield(InteractionFact{}, errNoStore())
			return
		}
		var facts []InteractionFact
		err := f.Store.ScanTimelines(ctx, to, func(_ *Customer, tl []*Interaction) error {
			for _, in := range tl {
				if !in.At.Before(from) {
					facts = append(facts, InteractionFactOf(in))
				}
			}
			return nil
		})
		if err != nil {
			yield(InteractionFact{}, err)
			return
		}
		for _, f := range facts {
			if !yield(f, nil) {
				return
			}
		}
	}
}
