package kehu

import (
	"crypto/rand"
	"io"
	mathrand "math/rand/v2"
	"sync"
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
	// Random is the source of the secrets a service makes, such as coupon codes. Default:
	// crypto/rand. It must be safe for concurrent use. Harnesses pass a seeded source
	// (NewSeededRandom) so that a run is reproducible end to end; a production host keeps
	// the default, since codes drawn from a known seed can be guessed.
	Random io.Reader
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
	if r.Random == nil {
		r.Random = rand.Reader // default
	}
	return r
}

// NewSeededRandom returns a reader of pseudo-random bytes determined by seed (ChaCha8),
// safe for concurrent use, for Options.Random in harnesses: the same seed gives the same
// bytes in the same order. Its output is predictable by anyone who knows the seed; never
// use it for codes a real customer receives.
func NewSeededRandom(seed uint64) io.Reader {
	var key [32]byte
	for i := range 8 {
		key[i] = byte(seed >> (8 * i))
	}
	return &seededRandom{src: mathrand.NewChaCha8(key)}
}

type seededRandom struct {
	mu  sync.Mutex
	src *mathrand.ChaCha8
}

func (r *seededRandom) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.src.Read(p)
}

// Truncate returns t cut to Precision, in UTC, without a monotonic clock reading. The zero
// time stays zero. Services apply it to every instant they record, so every store returns
// exactly the instant that went in, in the same location, and a time read back compares
// equal to the one written with == as well as with Equal.
func Truncate(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Truncate(Precision).UTC()
}

func newUUIDv7() uuid.UUID {
	return uuid.Must(uuid.NewV7()) // default: fails only if the system random source fails
}

// Deterministic returns Options wired to a new Clock reading start, a new SeqIDs and a
// source of random bytes seeded from start (NewSeededRandom), and returns the clock and
// the IDs so that a harness can move time and predict IDs. Events is left unset (its
// default drops events); set it on the returned options as needed.
//
//	opts, clock, ids := kehu.Deterministic(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
func Deterministic(start time.Time) (*Options, *Clock, *SeqIDs) {
	clock := NewClock(start)
	ids := NewSeqIDs()
	return &Options{Now: clock.Now, NewID: ids.NewID, Random: NewSeededRandom(uint64(start.UnixNano()))}, clock, ids
}
