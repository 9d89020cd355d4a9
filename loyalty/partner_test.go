package loyalty_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

const airline = `{
  "id": "skymiles", "version": 1, "name": "Sky Miles", "time_zone": "Asia/Shanghai", "currency": "CNY",
  "point_types": [
    {"code": "award", "name": "Award miles", "kind": "spendable", "expiry": {"kind": "after", "months": 36}, "value_per_point": "0.05"},
    {"code": "status", "name": "Status miles", "kind": "qualifying", "expiry": {"kind": "never"}}
  ],
  "earning": {"base": [
    {"point_type": "award", "points": 5, "per": "1"},
    {"point_type": "status", "points": 1, "per": "1"}
  ]},
  "partners": [
    {"id": "grand-hotels", "name": "Grand Hotels", "point_type": "award", "in_rate": "0.5", "out_rate": "2", "min_points": 100, "max_per_day": 5000}
  ]
}`

func TestPartnerExchange(t *testing.T) {
	p, err := loyalty.LoadProgram(strings.NewReader(airline))
	require.NoError(t, err)
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	m := crm.CustomerIDFrom([16]byte{9})

	e, err := svc.ExchangeIn(ctx, p, loyalty.Exchange{Partner: "grand-hotels", Customer: m, Points: 3001, Ref: "GH-1"})
	require.NoError(t, err)
	assert.Equal(t, int64(1500), e.Points, "3,001 hotel points × 0.5, rounded down")
	again, err := svc.ExchangeIn(ctx, p, loyalty.Exchange{Partner: "grand-hotels", Customer: m, Points: 3001, Ref: "GH-1"})
	require.NoError(t, err)
	assert.Equal(t, e.ID, again.ID, "the partner's reference makes it idempotent")

	_, err = svc.ExchangeIn(ctx, p, loyalty.Exchange{Partner: "grand-hotels", Customer: m, Points: 150, Ref: "GH-2"})
	assert.ErrorIs(t, err, kehu.ErrInvalid, "75 points is under the minimum of 100")
	_, err = svc.ExchangeIn(ctx, p, loyalty.Exchange{Partner: "grand-hotels", Customer: m, Points: 8000, Ref: "GH-3"})
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("points", "daily_limit"), "1,500 + 4,000 is over 5,000 a day")
	clock.Advance(24 * time.Hour)
	_, err = svc.ExchangeIn(ctx, p, loyalty.Exchange{Partner: "grand-hotels", Customer: m, Points: 8000, Ref: "GH-3"})
	require.NoError(t, err, "a new day in Shanghai")

	out, err := svc.ExchangeOut(ctx, p, loyalty.Exchange{Partner: "grand-hotels", Customer: m, Points: 1000, Ref: "GH-4"})
	require.NoError(t, err)
	assert.Equal(t, int64(-1000), out.Points)
	clock.Advance(24 * time.Hour)
	_, err = svc.ExchangeOut(ctx, p, loyalty.Exchange{Partner: "grand-hotels", Customer: m, Points: 4999, Ref: "GH-5"})
	assert.ErrorIs(t, err, loyalty.ErrInsufficientPoints, "4,500 miles left")
	_, err = svc.ExchangeIn(ctx, p, loyalty.Exchange{Partner: "nobody", Customer: m, Points: 1000, Ref: "X"})
	assert.ErrorIs(t, err, kehu.ErrInvalid)

	st, err := svc.PartnerSettlement(ctx, p, "grand-hotels", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), clock.Now().Add(time.Second))
	require.NoError(t, err)
	assert.Equal(t, int64(5500), st.PointsIn)
	assert.Equal(t, int64(1000), st.PointsOut)
	assert.Len(t, st.Entries, 3)
}

func TestReplay(t *testing.T) {
	v1 := loyalty.MustLoadProgram(retailTiers)
	v2json := strings.Replace(retailTiers, `"version": 1`, `"version": 2`, 1)
	v2json = strings.Replace(v2json, `"points": 1, "per": "1"`, `"points": 2, "per": "1"`, 1)
	v2json = strings.Replace(v2json, `"spend": "8000"`, `"spend": "5000"`, 1)
	v2 := loyalty.MustLoadProgram(v2json)

	a, b := crm.CustomerIDFrom([16]byte{1}), crm.CustomerIDFrom([16]byte{2})
	at := time.Date(2026, 5, 1, 3, 0, 0, 0, time.UTC)
	o1 := order("A-1", at, "6000.00")
	o2 := order("B-1", at.Add(time.Hour), "100.50")
	acts := []loyalty.Activity{
		{Order: &o1, Member: loyalty.Member{CustomerID: a}},
		{Order: &o2, Member: loyalty.Member{CustomerID: b}},
	}
	diffs, err := loyalty.Replay(v1, v2, slices.Values(acts))
	require.NoError(t, err)
	require.Len(t, diffs, 2)
	assert.Equal(t, a, diffs[0].Customer)
	assert.Equal(t, map[string]int64{"points": 6000}, diffs[0].Delta)
	assert.Equal(t, "silver", diffs[0].CurrentTier)
	assert.Equal(t, "gold", diffs[0].CandidateTier, "gold needs ¥5,000 under version 2")
	assert.Equal(t, int64(100), diffs[1].Current["points"])
	assert.Equal(t, int64(201), diffs[1].Candidate["points"], "¥100.50 × 2, rounded down once")
	assert.True(t, diffs[1].Changed())
}

func TestTransferLimitsAndPools(t *testing.T) {
	json := strings.Replace(airline, `"partners"`, `"transfers": {"max_per_transfer": 3000, "max_per_month": 5000, "max_pool_members": 2}, "partners"`, 1)
	p, err := loyalty.LoadProgram(strings.NewReader(json))
	require.NoError(t, err)
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	ann, bob, cat := crm.CustomerIDFrom([16]byte{1}), crm.CustomerIDFrom([16]byte{2}), crm.CustomerIDFrom([16]byte{3})
	home := crm.CustomerIDFrom([16]byte{0xff})
	for _, m := range []crm.CustomerID{ann, bob, cat} {
		_, err := svc.Earn(ctx, p, loyalty.Points{Customer: m, PointType: "award", Points: 20000, Key: uuid.NewString()})
		require.NoError(t, err)
	}

	_, err = svc.Transfer(ctx, p, loyalty.Transfer{From: ann, To: bob, PointType: "award", Points: 3001, Key: "t-3001"})
	assert.ErrorIs(t, err, kehu.ErrInvalid, "over the per-transfer cap")
	_, err = svc.Transfer(ctx, p, loyalty.Transfer{From: ann, To: bob, PointType: "award", Points: 3000, Key: "t1"})
	require.NoError(t, err)
	_, err = svc.Transfer(ctx, p, loyalty.Transfer{From: ann, To: bob, PointType: "award", Points: 2001, Key: "t-2001"})
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("points", "max_per_month"))
	_, err = svc.Transfer(ctx, p, loyalty.Transfer{From: ann, To: bob, PointType: "award", Points: 3000, Key: "t1"})
	require.NoError(t, err, "a retry is answered from the first result, not re-checked")

	_, err = svc.JoinPool(ctx, p, home, ann)
	require.NoError(t, err)
	_, err = svc.JoinPool(ctx, p, home, bob)
	require.NoError(t, err)
	_, err = svc.JoinPool(ctx, p, home, cat)
	assert.ErrorIs(t, err, kehu.ErrInvalid, "a pool of at most 2")
	_, err = svc.ContributeToPool(ctx, p, loyalty.Contribution{Pool: home, Member: cat, PointType: "award", Points: 100, Key: "pool-c1"})
	assert.ErrorIs(t, err, kehu.ErrInvalid, "not a member")
	_, err = svc.ContributeToPool(ctx, p, loyalty.Contribution{Pool: home, Member: bob, PointType: "award", Points: 2500, Key: "pool-c2"})
	require.NoError(t, err)
	_, err = svc.RedeemFromPool(ctx, p, home, ann, loyalty.Points{PointType: "award", Points: 2000, Key: "pool-r1"})
	require.NoError(t, err)
	b, err := svc.Balance(ctx, p, home, "award")
	require.NoError(t, err)
	assert.Equal(t, int64(500), b.Available)
	clock.AddDate(0, 1, 0)
	_, err = svc.Transfer(ctx, p, loyalty.Transfer{From: ann, To: bob, PointType: "award", Points: 2001, Key: "t-2001-next-month"})
	assert.NoError(t, err, "a new month")
}

func TestNilProgrammeIsBadInputNotAPanic(t *testing.T) {
	svc := loyalty.NewService(nil, nil)
	ctx := context.Background()
	m := crm.CustomerIDFrom([16]byte{1})
	pc := loyalty.Points{Customer: m, PointType: "points", Points: 1, Key: "p-1"}
	_, err := svc.Earn(ctx, nil, pc)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = svc.Redeem(ctx, nil, pc)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = svc.Adjust(ctx, nil, pc)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = svc.Refund(ctx, nil, loyalty.Refund{Customer: m, Order: "SO-1", Key: "k"})
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = svc.Reverse(ctx, nil, loyalty.EntryIDFrom([16]byte{1}), "")
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = svc.Transfer(ctx, nil, loyalty.Transfer{From: m, To: crm.CustomerIDFrom([16]byte{2}), PointType: "points", Points: 1, Key: "t-nil"})
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = svc.EarnOrder(ctx, nil, kehu.Order{}, loyalty.Member{})
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = svc.EvaluateTier(ctx, nil, m)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = svc.ExpireDue(ctx, nil, time.Now(), 0)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = svc.Balance(ctx, nil, m, "points")
	assert.ErrorIs(t, err, kehu.ErrInvalid)
}

func TestRedeemAcrossPointTypesByPriority(t *testing.T) {
	p, err := loyalty.Compile(loyalty.ProgramSpec{ID: "bonus", Version: 1, Name: "Bonus", TimeZone: "UTC", Currency: "USD",
		SpendPolicy: loyalty.TypePriority,
		PointTypes: []loyalty.PointType{
			{Code: "base", Name: "Base", Kind: loyalty.Spendable, Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}, Priority: 2},
			{Code: "bonus", Name: "Bonus", Kind: loyalty.Spendable, Expiry: loyalty.ExpiryPolicy{Kind: loyalty.ExpireAfter, Months: 1}, Priority: 1},
			{Code: "status", Name: "Status", Kind: loyalty.Qualifying, Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}},
		}})
	require.NoError(t, err)
	svc := loyalty.NewService(nil, nil)
	ctx := context.Background()
	m := crm.CustomerIDFrom([16]byte{5})
	for typ, n := range map[string]int64{"base": 500, "bonus": 300, "status": 1000} {
		_, err := svc.Earn(ctx, p, loyalty.Points{Customer: m, PointType: typ, Points: n, Key: uuid.NewString()})
		require.NoError(t, err)
	}
	_, err = svc.RedeemAcross(ctx, p, loyalty.Points{Customer: m, Points: 900, Key: "across-900"})
	assert.ErrorIs(t, err, loyalty.ErrInsufficientPoints, "status points never count")
	es, err := svc.RedeemAcross(ctx, p, loyalty.Points{Customer: m, Points: 450, Key: "r1"})
	require.NoError(t, err)
	require.Len(t, es, 2)
	assert.Equal(t, "bonus", es[0].Account.PointType, "bonus points go first (priority 1)")
	assert.Equal(t, int64(-300), es[0].Points)
	assert.Equal(t, int64(-150), es[1].Points)
	b, _ := svc.Balance(ctx, p, m, "base")
	assert.Equal(t, int64(350), b.Available)

	// Its source is checked as Redeem's is: none of the library's own types.
	_, err = svc.RedeemAcross(ctx, p, loyalty.Points{Customer: m, Points: 10, Key: "r2", Source: loyalty.Source{Type: "reservation", Ref: "r-1"}})
	var ve *kehu.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("source.type", "reserved"), "%v", err)
}
