package crm

import (
	"time"

	"github.com/google/uuid"
)

// Options carries what a service takes from its host: the clock, the ID source and the
// events publisher. A nil *Options, or a nil field, means the default.
type Options struct {
	// Now returns the current time. Default: time.Now. Test harnesses pass a fixed,
	// steppable clock (crmtest.Clock) to replay activity deterministically.
	Now func() time.Time
	// NewID returns a fresh, unique UUID. Default: UUIDv7, so IDs sort by creation time.
	NewID func() uuid.UUID
	// Events receives domain events after each successful change. Default: Discard.
	Events Publisher
	// DefaultRegion is the ISO 3166-1 region used to read phone numbers typed without a
	// country code, e.g. "CN" or "US". Default: "CN".
	DefaultRegion string
}

// Resolved returns a copy of o with every unset field filled with its default. It is safe
// to call on a nil *Options.
func (o *Options) Resolved() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Now == nil {
		r.Now = time.Now // default
	}
	if r.NewID == nil {
		r.NewID = newUUIDv7
	}
	if r.Events == nil {
		r.Events = Discard{}
	}
	if r.DefaultRegion == "" {
		r.DefaultRegion = "CN"
	}
	return r
}

func newUUIDv7() uuid.UUID {
	return uuid.Must(uuid.NewV7()) // default: fails only if the system random source fails
}
