package crm

import (
	"context"
	"time"
)

// channels lists the known channels in the order of their bits in a kindMask.
var channels = [...]Channel{ChannelPhone, ChannelEmail, ChannelSMS, ChannelWeb, ChannelVisit, ChannelSocial, ChannelLetter}

// contactKinds is the number of (channel, direction) pairs.
const contactKinds = 2 * len(channels)

// contactKind returns the index of an interaction's (channel, direction) pair, and false for
// a channel or direction the store does not know.
func contactKind(ch Channel, d Direction) (int, bool) {
	for i, c := range channels {
		if c == ch {
			switch d {
			case Inbound:
				return 2 * i, true
			case Outbound:
				return 2*i + 1, true
			}
		}
	}
	return 0, false
}

// latestContacts is a customer's latest interaction of each (channel, direction) pair, kept
// by the memory store beside the timeline so that a contact plan reads one record per
// customer instead of reaching into the interactions.
type latestContacts struct {
	// exact is false when some interaction has a channel or direction contactKind does not
	// know, or an instant that is not whole microseconds in UTC: readers then use the
	// timeline.
	exact bool
	has   uint16
	at    [contactKinds]int64 // Unix microseconds
}

// note takes an interaction into account.
func (l *latestContacts) note(in *Interaction) {
	k, ok := contactKind(in.Channel, in.Direction)
	if !ok || in.At.Location() != time.UTC || in.At.Nanosecond()%1000 != 0 {
		l.exact = false
		return
	}
	us := in.At.UnixMicro()
	if l.has&(1<<k) == 0 || us > l.at[k] {
		l.at[k] = us
	}
	l.has |= 1 << k
}

// latestOf computes the latest contacts of a timeline.
func latestOf(tl []*Interaction) latestContacts {
	l := latestContacts{exact: true}
	for _, in := range tl {
		l.note(in)
	}
	return l
}

// last returns the latest instant among the pairs in mask, and false if there is none.
func (l *latestContacts) last(mask uint16) (time.Time, bool) {
	m := l.has & mask
	if m == 0 {
		return time.Time{}, false
	}
	var best int64
	first := true
	for k := range contactKinds {
		if m&(1<<k) != 0 && (first || l.at[k] > best) {
			best, first = l.at[k], false
		}
	}
	return time.UnixMicro(best).UTC(), true
}

// kindMask returns the (channel, direction) pairs that count as a contact under the rule.
func (r *contactRule) kindMask() uint16 {
	var m uint16
	for _, ch := range channels {
		for _, d := range [...]Direction{Inbound, Outbound} {
			if r.isContact(&Interaction{Channel: ch, Direction: d}) {
				k, _ := contactKind(ch, d)
				m |= 1 << k
			}
		}
	}
	return m
}

// latestScanner is implemented by a store that keeps latestContacts: DueContacts then reads
// those instead of the timelines. scanLatest is ScanTimelines split into at most parts
// parts scanned at once: fn is called from one goroutine per part, with the part's number.
// fn gets latest == nil where it cannot answer (the timeline reaches the bound, or latest
// is not exact) and must read the timeline.
type latestScanner interface {
	scanLatest(ctx context.Context, before time.Time, parts int,
		fn func(part int, c *Customer, latest *latestContacts, timeline []*Interaction) error) error
}
