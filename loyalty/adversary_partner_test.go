package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// These tests play partners, transfers and reservations the way that pays best: a partner
// that resends an exchange after the programme changed, a rate that multiplies past what a
// command may move, and a host that tags its own entries as the library's.

var pxStart = time.Date(2026, 6, 10, 2, 0, 0, 0, time.UTC)

// pxService is a Service over a memory store at pxStart, with the airline programme
// (partner_test.go) as JSON, edited by the replacements old → new.
func pxService(t *testing.T, edits ...string) (*loyalty.Service, *loyalty.Program) {
	t.Helper()
	p, err := loyalty.LoadProgram(strings.NewReader(strings.NewReplacer(edits...).Replace(airline)))
	require.NoError(t, err)
	opts, _, _ := kehu.Deterministic(pxStart)
	return loyalty.NewService(loyalty.NewMemoryStore(), opts), p
}

// A partner resends an exchange, a host repeats a transfer, after the programme's next
// version lowered a limit or raised a minimum: the repeat is answered from its record,
// never refused for a rule the first attempt met (a host told "refused" would send it
// again under a new key, and it would apply twice).
func TestRepeatsAfterTheProgrammeChangedReplay(t *testing.T) {
	ctx := context.Background()
	a, b := crm.CustomerIDFrom([16]byte{1}), crm.CustomerIDFrom([16]byte{2})
	withTransfers := func(limits string) []string {
		return []string{`"partners"`, `"transfers": ` + limits + `, "partners"`}
	}
	svc, v1 := pxService(t, withTransfers(`{"max_per_transfer": 3000}`)...)
	_, v2 := pxService(t, append(withTransfers(`{"max_per_transfer": 1000}`), `"version": 1`, `"version": 2`, `"min_points": 100`, `"min_points": 500`)...)
	_, err := svc.Earn(ctx, v1, loyalty.Points{Customer: a, PointType: "award", Points: 10000, Key: "stock"})
	require.NoError(t, err)

	sent, err := svc.Transfer(ctx, v1, loyalty.Transfer{From: a, To: b, PointType: "award", Points: 3000, Key: "t1"})
	require.NoError(t, err)
	again, err := svc.Transfer(ctx, v2, loyalty.Transfer{From: a, To: b, PointType: "award", Points: 3000, Key: "t1"})
	require.NoError(t, err, "over v2's limit, but made under v1")
	assert.Equal(t, sent, again)
	_, err = svc.Transfer(ctx, v2, loyalty.Transfer{From: a, To: b, PointType: "award", Points: 3000, Key: "t2"})
	assert.ErrorIs(t, err, kehu.ErrInvalid, "a new transfer meets v2's limit")
	_, err = svc.Transfer(ctx, v2, loyalty.Transfer{From: a, To: b, PointType: "award", Points: 2000, Key: "t1"})
	assert.ErrorIs(t, err, kehu.ErrKeyReused, "another transfer under the key")

	in, err := svc.ExchangeIn(ctx, v1, loyalty.Exchange{Partner: "grand-hotels", Customer: a, Points: 400, Ref: "GH-1"})
	require.NoError(t, err)
	resent, err := svc.ExchangeIn(ctx, v2, loyalty.Exchange{Partner: "grand-hotels", Customer: a, Points: 400, Ref: "GH-1"})
	require.NoError(t, err, "worth 200, under v2's minimum of 500, but credited under v1")
	assert.Equal(t, in, resent)
	_, err = svc.ExchangeIn(ctx, v2, loyalty.Exchange{Partner: "grand-hotels", Customer: a, Points: 400, Ref: "GH-2"})
	assert.ErrorIs(t, err, kehu.ErrInvalid, "a new exchange meets v2's minimum")

	bal, err := svc.Balance(ctx, v2, a, "award")
	require.NoError(t, err)
	assert.EqualValues(t, 10000-3000+200, bal.Available, "each applied once")
}

// A partner's rate multiplies its points into more than one command may move, or past
// what an int64 holds: the exchange is refused, never credited a wrapped amount.
func TestExchangeInNeverCreditsMoreThanMaxPoints(t *testing.T) {
	for _, tt := range []struct {
		rate   string
		points int64
	}{
		{"1000", loyalty.MaxPoints},
		{"999999999", 18446744093}, // × 999,999,999 = 2⁶⁴ + 843,704,291
	} {
		t.Run(tt.rate, func(t *testing.T) {
			svc, p := pxService(t, `"in_rate": "0.5"`, `"in_rate": "`+tt.rate+`"`, `"max_per_day": 5000`, `"max_per_day": 0`)
			m := crm.CustomerIDFrom([16]byte{3})
			_, err := svc.ExchangeIn(context.Background(), p, loyalty.Exchange{Partner: "grand-hotels", Customer: m, Points: tt.points, Ref: "big"})
			var ve *kehu.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.True(t, ve.Has("points", "max_points"), "%v", err)
			bal, err := svc.Balance(context.Background(), p, m, "award")
			require.NoError(t, err)
			assert.Zero(t, bal.Available)
		})
	}
}

// A host's own entries may not claim the source types the library finds entries by: a
// partner's invoice would bill them, a reservation would take one as its hold, a transfer's
// reversal would pull one in. Nor may a source's fields carry unbounded text.
func TestHostEntriesCannotClaimTheLibrarysSources(t *testing.T) {
	svc, p := pxService(t)
	ctx := context.Background()
	m := crm.CustomerIDFrom([16]byte{4})
	_, err := svc.ExchangeIn(ctx, p, loyalty.Exchange{Partner: "grand-hotels", Customer: m, Points: 1000, Ref: "GH-1"})
	require.NoError(t, err)
	for i, src := range []loyalty.Source{{Type: "partner:grand-hotels", Ref: "fake"}, {Type: "reservation", Ref: "r-1"},
		{Type: "transfer", Ref: "t-1"}, {Type: "expiry"}, {Type: "counter"}} {
		for _, cmd := range []string{"earn", "redeem"} {
			pts := loyalty.Points{Customer: m, PointType: "award", Points: 10, Source: src, Key: fmt.Sprint(cmd, i)}
			if cmd == "earn" {
				_, err = svc.Earn(ctx, p, pts)
			} else {
				_, err = svc.Redeem(ctx, p, pts)
			}
			var ve *kehu.ValidationError
			require.True(t, errors.As(err, &ve), "%s under %q: %v", cmd, src.Type, err)
			assert.True(t, ve.Has("source.type", "reserved"), "%s under %q: %v", cmd, src.Type, err)
		}
	}
	_, err = svc.Earn(ctx, p, loyalty.Points{Customer: m, PointType: "award", Points: 10,
		Source: loyalty.Source{Type: strings.Repeat("x", 1<<20)}, Key: "big-source"})
	var ve *kehu.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("source.type", "max_length"), "%v", err)

	st, err := svc.PartnerSettlement(ctx, p, "grand-hotels", pxStart.Add(-time.Hour), pxStart.Add(time.Hour))
	require.NoError(t, err)
	assert.EqualValues(t, 500, st.PointsIn, "only the exchange is on the partner's invoice")
	assert.Zero(t, st.PointsOut)
	assert.Len(t, st.Entries, 1)
}

// A member names another member's ID as a household pool to join: the victim's own
// account would become a pool the attacker may spend from. A pool is created only under
// an ID with no ledger and no member state of its own, and an ID that has one is refused.
func TestAPoolCannotBeMadeOfAMembersOwnAccount(t *testing.T) {
	ctx := context.Background()
	svc, p := pxService(t, `"partners"`, `"transfers": {"max_pool_members": 4}, "partners"`)
	victim, attacker := crm.CustomerIDFrom([16]byte{5}), crm.CustomerIDFrom([16]byte{6})
	_, err := svc.Earn(ctx, p, loyalty.Points{Customer: victim, PointType: "award", Points: 10000, Key: "victim-earn"})
	require.NoError(t, err)

	_, err = svc.JoinPool(ctx, p, victim, attacker)
	var ve *kehu.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("pool", "member"), "%v", err)
	_, err = svc.RedeemFromPool(ctx, p, victim, attacker, loyalty.Points{PointType: "award", Points: 10000, Key: "steal"})
	assert.ErrorIs(t, err, kehu.ErrInvalid, "not a member of a pool")
	bal, err := svc.Balance(ctx, p, victim, "award")
	require.NoError(t, err)
	assert.EqualValues(t, 10000, bal.Available, "the victim's points are untouched")

	// A household's own ID makes a pool, which takes members after it holds points.
	household, second := crm.CustomerIDFrom([16]byte{7}), crm.CustomerIDFrom([16]byte{8})
	_, err = svc.JoinPool(ctx, p, household, victim)
	require.NoError(t, err)
	_, err = svc.ContributeToPool(ctx, p, loyalty.Contribution{Pool: household, Member: victim, PointType: "award", Points: 500, Key: "give"})
	require.NoError(t, err)
	st, err := svc.JoinPool(ctx, p, household, second)
	require.NoError(t, err)
	assert.Len(t, st.PoolMembers, 2)
}
