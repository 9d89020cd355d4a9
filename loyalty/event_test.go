package loyalty_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// A member event's ref names an occurrence of that member's event: many members share
// refs such as "first-order" or a birthday's year, and each is credited on their own,
// once.
func TestEarnEventIsOncePerMemberNotPerProgramme(t *testing.T) {
	p := earnLoad(t, earnProgramJSON(`{"events": [
		{"id": "welcome", "event": "signup", "point_type": "points", "points": 100, "once": "ever"},
		{"id": "bday", "event": "birthday", "point_type": "points", "points": 200, "once": "year"}]}`))
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	ann := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{1})}
	bob := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{2})}

	tests := []struct {
		name   string
		m      loyalty.Member
		event  loyalty.MemberEvent
		ref    string
		points int64 // what the call's entries credit
		ann    int64 // the members' balances after it
		bob    int64
	}{
		{"ann signs up", ann, loyalty.EventSignup, "first-order", 100, 100, 0},
		{"bob signs up with the same ref", bob, loyalty.EventSignup, "first-order", 100, 100, 100},
		{"ann's sign-up sent again", ann, loyalty.EventSignup, "first-order", 100, 100, 100},
		{"bob's sign-up sent again", bob, loyalty.EventSignup, "first-order", 100, 100, 100},
		{"ann signs up again under another ref: once ever", ann, loyalty.EventSignup, "again", 0, 100, 100},
		{"ann's birthday this year", ann, loyalty.EventBirthday, "2026", 200, 300, 100},
		{"bob's birthday this year", bob, loyalty.EventBirthday, "2026", 200, 300, 300},
	}
	for _, tc := range tests {
		res, err := svc.EarnEvent(ctx, p, tc.event, tc.m, tc.ref)
		require.NoError(t, err, tc.name)
		var credited int64 // what the result's entries credit: a replay's are the first call's
		for _, e := range res.Entries {
			assert.Equal(t, tc.m.CustomerID, e.Account.Customer, "%s: a result of the member's own", tc.name)
			credited += e.Points
		}
		assert.Equal(t, tc.points, credited, tc.name)
		for _, b := range []struct {
			m    loyalty.Member
			want int64
		}{{ann, tc.ann}, {bob, tc.bob}} {
			bal, err := svc.Balance(ctx, p, b.m.CustomerID, "points")
			require.NoError(t, err)
			assert.Equal(t, b.want, bal.Available, "%s: balance of %s", tc.name, b.m.CustomerID)
		}
		clock.Advance(time.Hour)
	}
}

func TestEarnEventRefLength(t *testing.T) {
	p := earnLoad(t, earnProgramJSON(`{"events": [{"id": "r", "event": "referral_referrer", "point_type": "points", "points": 5}]}`))
	opts, _, _ := kehu.Deterministic(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	m := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{3})}
	// The longest ref, with the longest event name, still makes a valid key.
	_, err := svc.EarnEvent(context.Background(), p, loyalty.EventReferralReferrer, m, strings.Repeat("r", 160))
	require.NoError(t, err)
	_, err = svc.EarnEvent(context.Background(), p, loyalty.EventReferralReferrer, m, strings.Repeat("r", 161))
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.Equal(t, "ref", verr.Fields[0].Field)
	assert.Equal(t, "max_length", verr.Fields[0].Rule)
}

// A command that earned nothing was still applied: sent again after the member changed
// (a tag added, a tier reached), it answers as the first time and credits nothing. A host
// that forwards whatever a client sends cannot turn a zero earning into points by
// retrying it later.
func TestNothingEarnedIsStillAppliedOnce(t *testing.T) {
	p := earnLoad(t, earnProgramJSON(`{
		"rules": [{"id": "vip", "name": "VIP bonus", "priority": 1, "when": "hasTag(\"vip\")", "effect": {"point_type": "points", "bonus": 500}}],
		"events": [{"id": "vip-review", "event": "review", "when": "hasTag(\"vip\")", "point_type": "points", "points": 50}]}`))
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	plain := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{4})}
	vip := plain
	vip.Tags = []string{"vip"}

	placed := clock.Now()
	first, err := svc.EarnOrder(ctx, p, order("SO-1", placed, "100.00"), plain)
	require.NoError(t, err)
	require.Empty(t, first.Entries, "no base rate and no tag: nothing earned")
	ev, err := svc.EarnEvent(ctx, p, loyalty.EventReview, plain, "review-1")
	require.NoError(t, err)
	require.Empty(t, ev.Entries)

	clock.Advance(time.Hour)
	again, err := svc.EarnOrder(ctx, p, order("SO-1", placed, "100.00"), vip)
	require.NoError(t, err)
	assert.Empty(t, again.Entries, "the order was applied once, earning nothing")
	assert.True(t, again.Replayed)
	evAgain, err := svc.EarnEvent(ctx, p, loyalty.EventReview, vip, "review-1")
	require.NoError(t, err)
	assert.Empty(t, evAgain.Entries, "the review was applied once, earning nothing")
	assert.True(t, evAgain.Replayed)

	bal, err := svc.Balance(ctx, p, plain.CustomerID, "points")
	require.NoError(t, err)
	assert.Zero(t, bal.Available)

	// A new order of the tagged member earns, as it should.
	fresh, err := svc.EarnOrder(ctx, p, order("SO-2", clock.Now(), "100.00"), vip)
	require.NoError(t, err)
	assert.Equal(t, int64(500), fresh.Earning.Total("points"))
}
