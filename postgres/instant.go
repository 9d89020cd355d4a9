package postgres

import (
	"time"

	"github.com/kehu-crm/kehu"
)

// The instants a store keeps are whole microseconds (kehu.Precision): the services give it
// nothing finer. timestamptz keeps microseconds, so every time column holds its document's
// instant exactly. A query bound may be any instant, and compares with a column of whole
// microseconds exactly when it is moved to a whole microsecond first: for such a column
//
//	at ≥ t  ⇔  at ≥ ceilMicro(t)
//	at < t  ⇔  at < ceilMicro(t)
//	at ≤ t  ⇔  at ≤ floorMicro(t)
//
// so the store answers every query as a store comparing the instants themselves would.

// ceilMicro returns the first whole microsecond at or after t.
func ceilMicro(t time.Time) time.Time {
	u := kehu.Truncate(t)
	if u.Before(t) {
		u = u.Add(kehu.Precision)
	}
	return u
}

// floorMicro returns the last whole microsecond at or before t.
func floorMicro(t time.Time) time.Time { return kehu.Truncate(t) }
