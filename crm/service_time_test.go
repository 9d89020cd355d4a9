package crm_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// The instants a host passes in are kept to the microsecond: the service truncates them,
// so the store is given, and returns, whole microseconds.
func TestServiceTruncatesHostInstants(t *testing.T) {
	store := crm.NewMemoryStore()
	opts, clock, _ := kehu.Deterministic(t0)
	svc := crm.NewService(store, opts)
	ctx := context.Background()
	c, err := svc.CreateCustomer(ctx, wang(), nil)
	require.NoError(t, err)

	at := clock.Now().Add(-time.Hour + 123456789)   // nanoseconds: ….123456789
	want := clock.Now().Add(-time.Hour + 123456000) // ….123456
	replyBy := clock.Now().Add(time.Hour + 999)     // 999 ns past a whole second
	wantReplyBy := clock.Now().Add(time.Hour)
	in, err := svc.RecordInteraction(ctx, crm.InteractionInput{CustomerID: c.ID, Channel: crm.ChannelPhone,
		Direction: crm.Inbound, Subject: "a call", At: at, ReplyBy: replyBy, Key: "call-1"})
	require.NoError(t, err)
	assert.Equal(t, want, in.At, "At returned")
	assert.Equal(t, wantReplyBy, in.ReplyBy, "ReplyBy returned")
	stored, err := store.GetInteraction(ctx, in.ID)
	require.NoError(t, err)
	assert.Equal(t, want, stored.At, "At stored")
	assert.Equal(t, wantReplyBy, stored.ReplyBy, "ReplyBy stored")

	again, err := svc.RecordInteraction(ctx, crm.InteractionInput{CustomerID: c.ID, Channel: crm.ChannelPhone,
		Direction: crm.Inbound, Subject: "a call", At: at.Add(1), ReplyBy: replyBy, Key: "call-1"})
	require.NoError(t, err, "a repeat with an At in the same microsecond is the same interaction")
	assert.Equal(t, in.ID, again.ID)

	replied, err := svc.RecordReply(ctx, in.ID, at.Add(time.Minute), "called back")
	require.NoError(t, err)
	assert.Equal(t, want.Add(time.Minute), replied.RepliedAt, "RepliedAt returned")
	stored, err = store.GetInteraction(ctx, in.ID)
	require.NoError(t, err)
	assert.Equal(t, want.Add(time.Minute), stored.RepliedAt, "RepliedAt stored")

	_, err = svc.RecordConsent(ctx, c.ID, crm.ConsentInput{Channel: crm.ConsentEmail, Purpose: crm.PurposeMarketing,
		Granted: true, Source: "web-form", At: at}, nil)
	require.NoError(t, err)
	got, err := store.GetCustomer(ctx, c.ID)
	require.NoError(t, err)
	k, ok := got.Consent(crm.ConsentEmail, crm.PurposeMarketing)
	require.True(t, ok)
	assert.Equal(t, want, k.At, "Consent.At stored")
}

func TestRecordInteractionRefusesFutureAt(t *testing.T) {
	tests := []struct {
		name   string
		at     time.Duration // from the service's clock; a zero At when zeroAt
		zeroAt bool
		future bool
	}{
		{"an hour ahead", time.Hour, false, true},
		{"a microsecond ahead", time.Microsecond, false, true},
		{"a nanosecond ahead, within the microsecond", time.Nanosecond, false, false},
		{"now", 0, false, false},
		{"an hour ago", -time.Hour, false, false},
		{"not given", 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			c := f.create(t, wang())
			f.events.Reset()
			var at time.Time
			if !tt.zeroAt {
				at = f.clock.Now().Add(tt.at)
			}
			in, err := f.svc.RecordInteraction(f.ctx, crm.InteractionInput{CustomerID: c.ID, Channel: crm.ChannelVisit,
				Direction: crm.Inbound, Subject: "a visit", At: at, Key: "visit-1"})
			tl, terr := f.svc.Timeline(f.ctx, c.ID, time.Time{}, time.Time{}, kehu.PageRequest{})
			require.NoError(t, terr)
			if !tt.future {
				require.NoError(t, err)
				assert.False(t, in.At.After(f.clock.Now()))
				assert.Len(t, tl.Items, 1)
				return
			}
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has("at", "future"), "%v", err)
			assert.Nil(t, in)
			assert.Empty(t, tl.Items, "nothing is written")
			assert.Empty(t, f.events.Names(), "nothing is published")
		})
	}
}
