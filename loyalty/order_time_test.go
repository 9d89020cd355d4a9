package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// datedProgram is a programme whose rules read an order's time: a birthday bonus, a
// campaign for the week of 11 November, and a bonus capped at one a day.
func datedProgram(t *testing.T, lateDays int) *loyalty.Program {
	t.Helper()
	p, err := loyalty.Compile(loyalty.ProgramSpec{
		ID: "dated", Version: 1, Name: "Dated", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{{Code: "points", Name: "Points", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}, ValuePerPoint: decimal.RequireFromString("0.01")}},
		Earning: loyalty.EarningRules{
			Base: []loyalty.BaseRate{{PointType: "points", Points: 1, Per: decimal.NewFromInt(1)}},
			Rules: []loyalty.Rule{
				{ID: "birthday", Priority: 1, When: "member.birthday", Effect: loyalty.Effect{PointType: "points", Bonus: 500}},
				{ID: "double11", Priority: 2, From: "2026-11-11T00:00", To: "2026-11-18T00:00", Effect: loyalty.Effect{PointType: "points", Bonus: 300}},
				{ID: "daily", Priority: 3, Effect: loyalty.Effect{PointType: "points", Bonus: 20}, Caps: loyalty.Caps{PerDay: 20}},
			},
			LateDays: lateDays,
		},
	})
	require.NoError(t, err)
	return p
}

// A host that forwards the time a client app puts on an order lets the member date it.
// Every rule that reads the order's time would pay for a date chosen for it: the birthday
// bonus on any order, a campaign that has ended or not begun, a fresh daily cap on each day
// of the past. EarnOrder credits an order only within the programme's bounds — placed no
// more than LateDays before the service's clock, and no later than OrderClockSkew after
// it — and refuses the rest, changing nothing. A late order within the bounds (a nightly
// batch) is credited as of when it was placed.
func TestOrdersDatedOutsideTheirTimeEarnNothing(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	at := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, sh) }
	now := at(time.December, 20, 12) // the service's clock: 20 December 2026, noon
	member := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{0xd1}), BirthDate: kehu.Date{Year: 1990, Month: time.March, Day: 3}}
	order := func(id string, placed time.Time) kehu.Order {
		return kehu.Order{ID: id, CustomerID: member.CustomerID, At: placed, Currency: "CNY",
			Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("10", "CNY")}}}
	}
	tests := []struct {
		name     string
		lateDays int
		placed   time.Time
		rule     string // the field's rule of the refusal; "" for an order credited
		earned   int64
	}{
		{"on the member's birthday, nine months ago", 0, at(time.March, 3, 10), "late", 0},
		{"inside a campaign that ended a month ago", 0, at(time.November, 12, 10), "late", 0},
		{"on a day of the past whose cap is unused", 0, at(time.October, 1, 10), "late", 0},
		{"inside next year's campaign", 0, time.Date(2027, time.November, 12, 10, 0, 0, 0, sh), "future", 0},
		{"an hour from now", 0, now.Add(time.Hour), "future", 0},
		{"a minute past the clock skew", 0, now.Add(loyalty.OrderClockSkew + time.Minute), "future", 0},
		{"a minute ahead, a till's clock that runs fast", 0, now.Add(time.Minute), "", 10 + 20},
		{"yesterday, a nightly batch", 0, now.Add(-24 * time.Hour), "", 10 + 20},
		{"the last instant of the default window", 0, now.Add(-loyalty.DefaultLateDays * 24 * time.Hour), "", 10 + 20},
		{"a microsecond before it", 0, now.Add(-loyalty.DefaultLateDays*24*time.Hour - time.Microsecond), "late", 0},
		{"inside the campaign, under a programme that takes claims for 60 days", 60, at(time.November, 12, 10), "", 10 + 300 + 20},
		{"on the birthday, under a programme that imports a year", 366, at(time.March, 3, 10), "", 10 + 500 + 20},
		{"the year 1", 366, time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC), "late", 0},
		{"the year 9999", maxLateDays, time.Date(9999, time.December, 31, 0, 0, 0, 0, time.UTC), "future", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			opts, _, _ := kehu.Deterministic(now)
			store := loyalty.NewMemoryStore()
			svc := loyalty.NewService(store, opts)
			p := datedProgram(t, tt.lateDays)
			res, err := svc.EarnOrder(ctx, p, order("SO-1", tt.placed), member)
			if tt.rule != "" {
				var ve *kehu.ValidationError
				require.ErrorAs(t, err, &ve)
				require.Len(t, ve.Fields, 1)
				assert.Equal(t, "order.at", ve.Fields[0].Field)
				assert.Equal(t, tt.rule, ve.Fields[0].Rule)
				assert.Nil(t, res)
				accts, err := store.MemberAccounts(ctx, p.ID(), member.CustomerID)
				require.NoError(t, err)
				assert.Empty(t, accts, "a refused order writes nothing")
				_, err = store.Command(ctx, p.ID(), kehu.LibraryKey("order", "SO-1"))
				assert.ErrorIs(t, err, kehu.ErrNotFound, "and records no command")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.earned, res.Earning.Total("points"))
			b, err := svc.Balance(ctx, p, member.CustomerID, "points")
			require.NoError(t, err)
			assert.Equal(t, tt.earned, b.Available)
		})
	}
}

// maxLateDays is the largest EarningRules.LateDays.
const maxLateDays = 36_525

// An order credited in time and repeated after the window closed answers with its first
// result: the key was applied once, and a repeat is never refused for coming late. The
// same order ID for another order is still a reused key, not a late order.
func TestALateRepeatOfAnOrderCreditedInTimeReplays(t *testing.T) {
	ctx := context.Background()
	sh, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	placed := time.Date(2026, time.November, 12, 10, 0, 0, 0, sh)
	opts, clock, _ := kehu.Deterministic(placed.Add(time.Hour))
	svc := loyalty.NewService(loyalty.NewMemoryStore(), opts)
	p := datedProgram(t, 0)
	c := crm.CustomerIDFrom([16]byte{0xd2})
	o := kehu.Order{ID: "SO-9", CustomerID: c, At: placed, Currency: "CNY",
		Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("10", "CNY")}}}
	first, err := svc.EarnOrder(ctx, p, o, loyalty.Member{})
	require.NoError(t, err)
	require.EqualValues(t, 10+300+20, first.Earning.Total("points"))

	clock.Set(placed.AddDate(0, 3, 0)) // three months on, long past the 30 days
	again, err := svc.EarnOrder(ctx, p, o, loyalty.Member{})
	require.NoError(t, err)
	assert.True(t, again.Replayed)
	assert.Equal(t, first.Entries, again.Entries)
	assert.EqualValues(t, 10+300+20, again.Earning.Total("points"))
	b, err := svc.Balance(ctx, p, c, "points")
	require.NoError(t, err)
	assert.EqualValues(t, 330, b.Available, "credited once")

	other := o
	other.Lines = []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("99", "CNY")}}
	_, err = svc.EarnOrder(ctx, p, other, loyalty.Member{})
	assert.ErrorIs(t, err, kehu.ErrKeyReused)

	never := o
	never.ID = "SO-10"
	_, err = svc.EarnOrder(ctx, p, never, loyalty.Member{})
	var ve *kehu.ValidationError
	require.True(t, errors.As(err, &ve), "an order never credited is late: %v", err)
	assert.Equal(t, "late", ve.Fields[0].Rule)
}

// A programme's window is 1 to 36,525 days; 0 is the default. In JSON it is
// "earning.late_days".
func TestLateDaysRange(t *testing.T) {
	program := func(days string) string {
		return `{"id": "t", "version": 1, "name": "T", "time_zone": "Asia/Shanghai", "currency": "CNY",
		  "point_types": [{"code": "points", "name": "Points", "kind": "spendable", "expiry": {"kind": "never"}}],
		  "earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}], "late_days": ` + days + `}}`
	}
	p, err := loyalty.LoadProgram(strings.NewReader(program("90")))
	require.NoError(t, err)
	assert.Equal(t, 90, p.Earning().LateDays)
	_, err = loyalty.LoadProgram(strings.NewReader(program("-3")))
	var ve *kehu.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "earning.late_days", ve.Fields[0].Field)
	assert.Equal(t, "range", ve.Fields[0].Rule)

	for _, days := range []int{-1, maxLateDays + 1} {
		spec := datedProgram(t, 0).Spec()
		spec.Earning.LateDays = days
		_, err := loyalty.Compile(spec)
		var ve *kehu.ValidationError
		require.ErrorAs(t, err, &ve, "late_days %d", days)
		assert.Equal(t, "earning.late_days", ve.Fields[0].Field)
		assert.Equal(t, "range", ve.Fields[0].Rule)
	}
	for _, days := range []int{0, 1, maxLateDays} {
		spec := datedProgram(t, 0).Spec()
		spec.Earning.LateDays = days
		_, err := loyalty.Compile(spec)
		assert.NoError(t, err, "late_days %d", days)
	}
}

// A member whose app lets them change their birth date sets it to today before every
// order. The programme cannot tell a true birthday from a made-up one (the member's data
// is the host's), so a birthday bonus paid on every order pays every day; a yearly cap on
// the rule pays it once a year however often the date changes.
func TestABirthdayChangedBeforeEveryOrder(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	for _, tt := range []struct {
		name string
		caps loyalty.Caps
		want []int64 // the birthday bonus of each order
	}{
		{"uncapped: paid on every order", loyalty.Caps{}, []int64{500, 500, 500, 500, 500}},
		{"capped at 500 a year: paid once a year", loyalty.Caps{PerPeriod: 500, Period: loyalty.LimitYear}, []int64{500, 0, 0, 0, 500}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			spec := datedProgram(t, 0).Spec()
			spec.Earning.Rules = []loyalty.Rule{{ID: "birthday", Priority: 1, When: "member.birthday",
				Effect: loyalty.Effect{PointType: "points", Bonus: 500}, Caps: tt.caps}}
			p, err := loyalty.Compile(spec)
			require.NoError(t, err)
			days := []time.Time{
				time.Date(2026, time.December, 27, 10, 0, 0, 0, sh), time.Date(2026, time.December, 28, 10, 0, 0, 0, sh),
				time.Date(2026, time.December, 29, 10, 0, 0, 0, sh), time.Date(2026, time.December, 31, 23, 0, 0, 0, sh),
				time.Date(2027, time.January, 1, 1, 0, 0, 0, sh), // a new year in the programme's zone
			}
			opts, clock, _ := kehu.Deterministic(days[0])
			svc := loyalty.NewService(loyalty.NewMemoryStore(), opts)
			c := crm.CustomerIDFrom([16]byte{0xd3})
			var got []int64
			for i, day := range days {
				clock.Set(day)
				local := day.In(sh)
				m := loyalty.Member{CustomerID: c, BirthDate: kehu.Date{Year: 1990, Month: local.Month(), Day: local.Day()}}
				o := kehu.Order{ID: fmt.Sprint("SO-", i), CustomerID: c, At: day, Currency: "CNY",
					Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("10", "CNY")}}}
				res, err := svc.EarnOrder(context.Background(), p, o, m)
				require.NoError(t, err)
				got = append(got, res.Earning.Total("points")-10)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
