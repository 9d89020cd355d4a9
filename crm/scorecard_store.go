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

// StoreFacts reads a crm Store as the scorecard's customer and interaction sources, page
// by page, so that the customers and the timeline kept by the crm need no code of the
// host's: crm.StoreFacts{Store: svc.Store()}.
type StoreFacts struct {
	Store Store
}

// storePage is how many rows StoreFacts asks for at a time (a store's largest page).
const storePage = 1000

// CustomerFacts yields every customer that is not a tombstone, in ID order.
func (f StoreFacts) CustomerFacts(ctx context.Context) iter.Seq2[CustomerFact, error] {
	return func(yield func(CustomerFact, error) bool) {
		q := SearchQuery{PageRequest: kehu.PageRequest{Limit: storePage}}
		for {
			page, err := f.Store.SearchCustomers(ctx, q)
			if err != nil {
				yield(CustomerFact{}, err)
				return
			}
			for _, c := range page.Items {
				if cf, ok := CustomerFactOf(c); ok && !yield(cf, nil) {
					return
				}
			}
			if page.Next == "" {
				return
			}
			q.After = page.Next
		}
	}
}

// InteractionFacts yields the interactions with from ≤ At < to, in time order.
func (f StoreFacts) InteractionFacts(ctx context.Context, from, to time.Time) iter.Seq2[InteractionFact, error] {
	return func(yield func(InteractionFact, error) bool) {
		q := InteractionQuery{From: from, To: to, PageRequest: kehu.PageRequest{Limit: storePage}}
		for {
			page, err := f.Store.ListInteractions(ctx, q)
			if err != nil {
				yield(InteractionFact{}, err)
				return
			}
			for _, in := range page.Items {
				if !yield(InteractionFactOf(in), nil) {
					return
				}
			}
			if page.Next == "" {
				return
			}
			q.After = page.Next
		}
	}
}
