package loyalty_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/loyalty"
)

// The instants a host passes in are kept to the microsecond: the service truncates them,
// so the store is given, and returns, whole microseconds.
func TestServiceTruncatesHostInstants(t *testing.T) {
	e := newRwEnv(t)
	now := e.clock.Now()

	// A reward's validity window.
	r := coffee()
	r.ValidFrom, r.ValidTo = now.Add(-time.Hour+123456789), now.Add(24*time.Hour+999)
	require.NoError(t, e.svc.PutReward(e.ctx, e.p, r))
	stored, err := e.store.Reward(e.ctx, e.p.ID(), r.ID)
	require.NoError(t, err)
	assert.Equal(t, now.Add(-time.Hour+123456000), stored.ValidFrom, "Reward.ValidFrom stored")
	assert.Equal(t, now.Add(24*time.Hour), stored.ValidTo, "Reward.ValidTo stored")
	require.NoError(t, e.svc.PutReward(e.ctx, e.p, r), "putting the same terms again changes nothing")

	// The end of an assigned tier.
	c := e.member()
	until := now.AddDate(0, 0, 60).Add(999)
	_, err = e.svc.AssignTier(e.ctx, e.p, c, "gold", until, "status match")
	require.NoError(t, err)
	m, err := e.store.Member(e.ctx, e.p.ID(), c)
	require.NoError(t, err)
	assert.Equal(t, now.AddDate(0, 0, 60), m.AssignedUntil, "MemberState.AssignedUntil stored")

	// An order's time: orders a nanosecond apart within one microsecond are the same order.
	o := order("SO-1", now.Add(-time.Minute+123456789), "100.00")
	first, err := e.svc.EarnOrder(e.ctx, e.p, o, loyalty.Member{CustomerID: c})
	require.NoError(t, err)
	require.NotEmpty(t, first.Entries)
	o.At = o.At.Add(1)
	again, err := e.svc.EarnOrder(e.ctx, e.p, o, loyalty.Member{CustomerID: c})
	require.NoError(t, err, "the same order, its time given to the nanosecond")
	assert.Equal(t, first.Entries, again.Entries, "a repeat returns the first result")
	o.At = o.At.Add(time.Microsecond)
	_, err = e.svc.EarnOrder(e.ctx, e.p, o, loyalty.Member{CustomerID: c})
	assert.ErrorIs(t, err, kehu.ErrKeyReused, "an order a microsecond later is another order")
}
