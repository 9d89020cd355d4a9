package kehu

import (
	"time"

	"github.com/google/uuid"
)

// Precision is the resolution of every instant kehu records: a microsecond, what
// PostgreSQL's timestamptz keeps. Options.Resolved truncates the injected clock's readings
// to it, and services truncate the instants a host passes in (an order's time, an
// interaction's time), so every store returns exactly the times it was given.
const Precision = time.Microsecond

// Options carries what every service takes from its host: the clock, the ID source and
// the events publisher. A nil *Options, or a nil field, means the default. Settings that
// belong to one domain are arguments of that domain's constructors or methods, not fields
// here.
type Options struct {
	// Now returns the current time. Default: time.Now. Its readings are truncated to
	// Precision and lose any monotonic clock reading (see Resolved). Test harnesses pass a
	// fixed, steppable clock (Clock) to replay activity deterministically.
	Now func() time.Time
	// NewID returns a fresh, unique UUID. Default: UUIDv7, so IDs sort by creation time.
	// Harnesses pass SeqIDs for the same IDs on every run.
	NewID func() uuid.UUID
	// Events receives domain events after each successful change. Default: Discard.
	Events Publisher
}

// Resolved returns a copy of o with every unset field filled with its default, and with Now
// wrapped so that it reads whole microseconds (Truncate). It is safe to call on a nil
// *Options.
func (o *Options) Resolved() Options {
	var r Options
	if o != nil {
		r = *o
	}
	now := r.Now
	if now == nil {
		now = time.Now // default
	}
	r.Now = func() time.Time { return Truncate(now()) }
	if r.NewID == nil {
		r.NewID = newUUIDv7
	}
	if r.Events == nil {
		r.Events = Discard{}
	}
	return r
}

// Truncate returns t cut to Precision, without a monotonic clock reading; its location is
// kept. The zero time stays zero. Services apply it to every instant they record, so
// comparing a stored time with the one that went in needs no allowance for the store.
func Truncate(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Truncate(Precision)
}

func newUUIDv7() uuid.UUID {
	return uuid.Must(uuid.NewV7()) // default: fails only if the system random source fails
}

// Deterministic returns Options wired to a new Clock reading start and a new SeqIDs, and
// returns both so that a harness can move time and predict IDs. Events is left unset (its
// default drops events); set it on the returned options as needed.
//
//	opts, clock, ids := kehu.Deterministic(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
func Deterministic(start time.Time) (*Options, *Clock, *SeqIDs) {
	clock := NewClock(start)
	ids := NewSeqIDs()
	return &Options{Now: clock.Now, NewID: ids.NewID}, clock, ids
}
