package kehu

import (
	"context"
	"sync"
	"time"
)

// Event is a domain event published after a change has been stored.
type Event interface {
	// EventName is a stable dotted name, e.g. "crm.customer_created".
	EventName() string
	// OccurredAt is when the change was made, by the service's clock.
	OccurredAt() time.Time
}

// Publisher receives domain events. Publish is called after the change is stored; an error
// from Publish is returned to the caller but does not undo the change (hosts that need
// exactly-once delivery use an outbox in their own store). A host whose stores write in its
// own database transaction can publish into an outbox table over that transaction: the
// events then commit or roll back with the change.
type Publisher interface {
	Publish(ctx context.Context, events ...Event) error
}

// Discard is the default Publisher: it drops every event.
type Discard struct{}

// Publish drops the events.
func (Discard) Publish(context.Context, ...Event) error { return nil }

// Recorder is an in-memory Publisher for tests: it keeps every event in order. It is safe for
// concurrent use.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

// Publish records the events.
func (r *Recorder) Publish(_ context.Context, events ...Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, events...)
	return nil
}

// Events returns a copy of the recorded events in publication order.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// Names returns the names of the recorded events in publication order.
func (r *Recorder) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, len(r.events))
	for i, e := range r.events {
		names[i] = e.EventName()
	}
	return names
}

// Reset forgets every recorded event.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = nil
}
