package crm

import (
	"context"
	"iter"
	"time"
)

// ScorecardData holds a scorecard's facts in memory and serves them as every source: a
// host with its data at hand (a test, a small shop, a nightly export) fills the slices
// and calls Input. The sources that take a range yield the rows within it, in slice
// order.
type ScorecardData struct {
	Customers    []CustomerFact
	Orders       []OrderFact
	Interactions []InteractionFact
	Members      []MemberFact
	Complaints   []ComplaintFact
	Surveys      []SurveyFact
}

// Input returns the input for period p with d as every source whose slice is not nil; a
// nil slice leaves its source out, so that its KPIs show no data rather than zero.
func (d *ScorecardData) Input(p Period) ScorecardInput {
	in := ScorecardInput{Period: p, Customers: d}
	if d.Orders != nil {
		in.Orders = d
	}
	if d.Interactions != nil {
		in.Interactions = d
	}
	if d.Members != nil {
		in.Members = d
	}
	if d.Complaints != nil {
		in.Complaints = d
	}
	if d.Surveys != nil {
		in.Surveys = d
	}
	return in
}

// CustomerFacts yields every customer.
func (d *ScorecardData) CustomerFacts(context.Context) iter.Seq2[CustomerFact, error] {
	return all(d.Customers)
}

// CustomerCount returns the number of customers, so that the scorecard sizes its index
// once (see CustomerCounter).
func (d *ScorecardData) CustomerCount() int { return len(d.Customers) }

// MemberFacts yields every member.
func (d *ScorecardData) MemberFacts(context.Context) iter.Seq2[MemberFact, error] {
	return all(d.Members)
}

// OrderFacts yields the orders placed in [from, to).
func (d *ScorecardData) OrderFacts(_ context.Context, from, to time.Time) iter.Seq2[OrderFact, error] {
	return within(d.Orders, from, to, func(o *OrderFact) time.Time { return o.At })
}

// InteractionFacts yields the interactions in [from, to).
func (d *ScorecardData) InteractionFacts(_ context.Context, from, to time.Time) iter.Seq2[InteractionFact, error] {
	return within(d.Interactions, from, to, func(i *InteractionFact) time.Time { return i.At })
}

// ComplaintFacts yields the complaints received in [from, to).
func (d *ScorecardData) ComplaintFacts(_ context.Context, from, to time.Time) iter.Seq2[ComplaintFact, error] {
	return within(d.Complaints, from, to, func(c *ComplaintFact) time.Time { return c.ReceivedAt })
}

// SurveyFacts yields the answers given in [from, to).
func (d *ScorecardData) SurveyFacts(_ context.Context, from, to time.Time) iter.Seq2[SurveyFact, error] {
	return within(d.Surveys, from, to, func(s *SurveyFact) time.Time { return s.At })
}

func all[T any](xs []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for i := range xs {
			if !yield(xs[i], nil) {
				return
			}
		}
	}
}

// within yields the rows whose time is in [from, to); rows without a time are yielded
// too, so that the computation reports them.
func within[T any](xs []T, from, to time.Time, at func(*T) time.Time) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for i := range xs {
			t := at(&xs[i])
			if !t.IsZero() && (t.Before(from) || !t.Before(to)) {
				continue
			}
			if !yield(xs[i], nil) {
				return
			}
		}
	}
}
