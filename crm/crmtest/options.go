package crmtest

import (
	"time"

	"github.com/kehu-crm/kehu/crm"
)

// Options returns crm.Options wired to a new Clock reading start and a new SeqIDs, and
// returns both so the test can move time and predict IDs. Events and DefaultRegion are
// left unset (their defaults: events are dropped, phones are read in "CN"); set them on
// the returned options as needed.
//
//	opts, clock, ids := crmtest.Options(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
func Options(start time.Time) (*crm.Options, *Clock, *SeqIDs) {
	clock := NewClock(start)
	ids := NewSeqIDs()
	return &crm.Options{Now: clock.Now, NewID: ids.NewID}, clock, ids
}
