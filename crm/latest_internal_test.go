package crm

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

// timelinesOnly hides the memory store's latest contacts, so that DueContacts reads the
// timelines: the simple reference the fast path is held to.
type timelinesOnly struct{ Store }

// TestDueContactsLatestMatchesTimelines holds DueContacts over the memory store's latest
// contacts equal to DueContacts over the timelines alone, on a store of random customers
// and interactions: on every channel and direction, some with a channel the store does not
// know, some at instants in another zone or with nanoseconds, some after asOf, some moved
// by updates and some moved by merges.
func TestDueContactsLatestMatchesTimelines(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 15))
	store := NewMemoryStore()
	ids := kehu.NewSeqIDs()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	classes := []string{"A", "B", "C", ""}
	stages := []Stage{StageActive, StageActive, StagePotential, StageTerminated}
	var cids []CustomerID
	for i := range 400 {
		c := &Customer{ID: kehu.CustomerIDFrom(ids.NewID()), Version: 1, CreatedAt: start.AddDate(0, 0, rng.IntN(200)),
			Stage: stages[i%len(stages)],
			Profile: Profile{Name: Name{Display: "c"}, Attributes: map[string]AttrValue{"class": StringAttr(classes[rng.IntN(len(classes))])},
				Preferences: Preferences{TimeZone: []string{"", "Asia/Shanghai", "America/New_York"}[rng.IntN(3)]}}}
		c.UpdatedAt = c.CreatedAt
		require.NoError(t, store.CreateCustomer(ctx, c, nil))
		cids = append(cids, c.ID)
	}
	chans := append(channels[:], Channel("fax"))
	var inters []InteractionID
	for range 4000 {
		at := start.Add(time.Duration(rng.Int64N(int64(400 * 24 * time.Hour)))).Truncate(time.Microsecond)
		switch rng.IntN(20) {
		case 0:
			at = at.In(ny)
		case 1:
			at = at.Add(123 * time.Nanosecond)
		}
		dir := Outbound
		if rng.IntN(3) == 0 {
			dir = Inbound
		}
		in := &Interaction{ID: InteractionIDFrom(ids.NewID()), CustomerID: cids[rng.IntN(len(cids))],
			Channel: chans[rng.IntN(len(chans))], Direction: dir, Purpose: PurposeService, At: at, Subject: "s",
			Urgency: UrgencyNormal, CreatedAt: at}
		require.NoError(t, store.CreateInteraction(ctx, in))
		inters = append(inters, in.ID)
	}
	for range 300 {
		id := inters[rng.IntN(len(inters))]
		require.NoError(t, store.UpdateInteraction(ctx, id, func(in *Interaction) error {
			in.Channel = channels[rng.IntN(len(channels))]
			in.At = in.At.Add(-time.Duration(rng.IntN(100)) * 24 * time.Hour)
			return nil
		}))
	}
	for k := 0; k < 40; k += 2 {
		require.NoError(t, store.MergeCustomers(ctx, cids[k], cids[k+1], func(s, d *Customer) (*Change, *Change, error) {
			d.MergedInto = s.ID
			return nil, nil, nil
		}))
	}

	plan, err := CompileContactPlan(ContactPlanSpec{ID: "p", TimeZone: "Asia/Shanghai", ClassAttribute: "class",
		Cadences: []CadenceSpec{
			{Name: "A", Classes: []string{"A"}, EveryMonths: 1, ContactRule: ContactRule{Channels: []Channel{ChannelVisit, ChannelPhone}}},
			{Name: "B", Classes: []string{"B"}, EveryMonths: 3, ContactRule: ContactRule{Counts: []Channel{ChannelPhone, ChannelVisit}, OutboundOnly: true}},
			{Name: "C", Classes: []string{"C"}, EveryDays: 45, ContactRule: ContactRule{Counts: []Channel{ChannelEmail}}},
			{Name: "rest", EveryDays: 20, ContactRule: ContactRule{OutboundOnly: true}},
		},
		FollowUps: []FollowUpSpec{{Name: "after order", After: "order", Days: 3, ContactRule: ContactRule{Counts: []Channel{ChannelPhone}}}},
	})
	require.NoError(t, err)
	fast, ref := NewService(store, nil), NewService(timelinesOnly{store}, nil)
	events := func(yield func(FollowUpEvent) bool) {
		for i, id := range cids[:100] {
			if !yield(FollowUpEvent{Customer: id, Kind: "order", Ref: "o", At: start.AddDate(0, 0, 150+i)}) {
				return
			}
		}
	}
	var checked int
	for _, asOf := range []time.Time{start.AddDate(0, 1, 0), start.AddDate(0, 6, 3), start.AddDate(0, 9, 0).Add(7 * time.Hour), start.AddDate(1, 1, 0)} {
		want, err := ref.DueContacts(ctx, plan, asOf, &DueOptions{Events: events})
		require.NoError(t, err)
		got, err := fast.DueContacts(ctx, plan, asOf, &DueOptions{Events: events})
		require.NoError(t, err)
		require.Equal(t, want, got, "as of %s", asOf)
		checked += len(want.Contacts) + len(want.Unreachable)
	}
	require.Greater(t, checked, 500, "the comparison must cover many due contacts")
}
