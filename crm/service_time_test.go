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
