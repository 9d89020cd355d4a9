package loyalty_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/loyalty"
)

// These tests play a host that forwards whatever a client app sends to the loyalty API:
// zero values, nil programmes and slices, extreme numbers and instants, IDs that do not
// exist, cursors from elsewhere, and commands in orders no well-behaved client sends.
// Every call must answer with a result or an error, never a panic.

// robustProgram has every feature a call can reach: two point types, tiers on a
// qualifying type, a partner, pools and transfers, event rules.
const robustProgram = `{
  "id": "robust", "version": 1, "name": "Robust", "time_zone": "Asia/Shanghai", "currency": "CNY",
  "point_types": [
    {"code": "points", "name": "Points", "kind": "spendable", "expiry": {"kind": "end_of_year", "years": 1},
     "value_per_point": "0.01", "pending_days": 7, "floor": -1000},
    {"code": "status", "name": "Status", "kind": "qualifying", "expiry": {"kind": "never"}}
  ],
  "earning": {
    "base": [{"point_type": "points", "points": 1, "per": "1"}, {"point_type": "status", "points": 1, "per": "1"}],
    "events": [{"id": "welcome", "event": "signup", "point_type": "points", "points": 100, "once": "ever"},
               {"id": "bday", "event": "birthday", "point_type": "points", "points": 50, "once": "year"}]
  },
  "transfers": {"max_per_transfer": 3000, "max_per_month": 5000, "max_pool_members": 2},
  "partners": [{"id": "hotel", "name": "Hotel", "point_type": "points", "in_rate": "0.5", "out_rate": "2",
                "min_points": 100, "max_per_day": 5000}],
  "tiers": {
    "levels": [{"code": "member", "name": "Member"}, {"code": "silver", "name": "Silver", "points": 1000},
               {"code": "gold", "name": "Gold", "points": 5000}],
    "qualifying_type": "status", "window": {"kind": "anniversary_year"}, "review": "anniversary", "max_drop": 1
  }
}`

var (
	robustStart    = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	robustStrings  = []string{"", " ", "\xff\xfe", strings.Repeat("x", 10_000), "kehu:reserved", "points", "status", "$spend", "a\x00b"}
	robustInt64s   = []int64{0, -1, 1, math.MaxInt64, math.MinInt64, 1 << 62}
	robustInts     = []int{0, -1, 1, math.MaxInt, math.MinInt}
	robustCustomer = []crm.CustomerID{{}, crm.CustomerIDFrom([16]byte{1}), crm.CustomerIDFrom([16]byte{2}), crm.CustomerIDFrom([16]byte{0xff})}
	robustTimes    = []time.Time{{}, robustStart.AddDate(-100, 0, 0), robustStart.Add(-time.Nanosecond), robustStart,
		robustStart.AddDate(0, 6, 0), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(200000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(math.MaxInt64/2, 0), time.Unix(math.MinInt64/2, 0)}
	robustLocs = []*time.Location{nil, time.UTC, time.FixedZone("far", 14*3600)}
)

type robustFixture struct {
	ctx    context.Context
	svc    *loyalty.Service
	p      *loyalty.Program
	clock  *kehu.Clock
	member crm.CustomerID
	entry  loyalty.Entry
	resv   *loyalty.Reservation
}

func newRobustFixture(t *testing.T) *robustFixture {
	t.Helper()
	p, err := loyalty.LoadProgram(strings.NewReader(robustProgram))
	require.NoError(t, err)
	opts, clock, _ := kehu.Deterministic(robustStart)
	f := &robustFixture{ctx: context.Background(), svc: loyalty.NewService(nil, opts), p: p, clock: clock,
		member: crm.CustomerIDFrom([16]byte{1})}
	m := loyalty.Member{CustomerID: f.member}
	_, err = f.svc.EarnOrder(f.ctx, p, order("SO-1", clock.Now(), "1500.00", "20.00"), m)
	require.NoError(t, err)
	clock.Advance(10 * 24 * time.Hour)
	f.entry, err = f.svc.Earn(f.ctx, p, loyalty.Points{Customer: f.member, PointType: "points", Points: 500, Key: "earn-1"})
	require.NoError(t, err)
	require.NoError(t, f.svc.PutReward(f.ctx, p, loyalty.Reward{ID: "mug", Name: "Mug", PointType: "points", Points: 10,
		Stock: loyalty.UnlimitedStock, Coupon: &loyalty.CouponSpec{Uses: 1, ValidDays: 30}}))
	f.resv, err = f.svc.Reserve(f.ctx, p, loyalty.Reserve{Customer: f.member, Reward: "mug", Units: 1, Key: "resv-1"})
	require.NoError(t, err)
	return f
}

// TestServiceHostileInput calls every Service method with the inputs a careless or
// hostile client could send.
func TestServiceHostileInput(t *testing.T) {
	t.Parallel()
	f := newRobustFixture(t)
	ctx, svc := f.ctx, f.svc
	programs := []*loyalty.Program{nil, {}, f.p}
	pointTypes := []string{"", "points", "status", "nope", "$spend", "$purchases"}
	for _, p := range programs {
		for _, c := range robustCustomer {
			for _, pt := range pointTypes {
				suite.NoPanic(t, "reads", func() {
					_, _ = svc.Balance(ctx, p, c, pt)
					_, _ = svc.Lots(ctx, p, c, pt)
					for _, tm := range robustTimes {
						_, _ = svc.AccountAsOf(ctx, p, c, pt, tm)
						for _, to := range robustTimes {
							_, _ = svc.Statement(ctx, p, c, pt, tm, to)
						}
					}
				})
			}
			suite.NoPanic(t, "member reads", func() {
				_, _ = svc.Standing(ctx, p, c)
				_, _ = svc.EvaluateTier(ctx, p, c)
				for _, joined := range robustTimes {
					for _, at := range robustTimes {
						_, _ = svc.Figures(ctx, p, c, joined, at)
					}
				}
				for _, tier := range []string{"", "gold", "nope", "member"} {
					for _, until := range robustTimes {
						for _, reason := range robustStrings {
							_, _ = svc.AssignTier(ctx, p, c, tier, until, reason)
						}
					}
				}
			})
		}
		suite.NoPanic(t, "programme reads", func() {
			for _, from := range robustTimes {
				_, _ = svc.Liability(ctx, p, from)
				_, _ = svc.ExpireDue(ctx, p, from, 0)
				for _, to := range robustTimes {
					_, _ = svc.Breakage(ctx, p, from, to)
					for _, partner := range []string{"", "hotel", "nope"} {
						_, _ = svc.PartnerSettlement(ctx, p, partner, from, to)
					}
				}
			}
			for _, b := range robustInts {
				_, _ = svc.ExpireDue(ctx, p, robustStart, b)
			}
			_, _ = svc.ReviewTiers(ctx, p)
			_, _ = svc.BackfillTierFigures(ctx, p)
		})
		suite.NoPanic(t, "pages", func() {
			for _, n := range robustInts {
				for _, after := range append(robustStrings, "0", "-1", "999999999999999999999", "mug", f.resv.ID) {
					pr := kehu.PageRequest{Limit: n, After: after}
					_, _ = svc.Rewards(ctx, p, pr)
					_, _ = svc.Reservations(ctx, p, loyalty.ReservationQuery{PageRequest: pr})
					_, _ = svc.Reservations(ctx, p, loyalty.ReservationQuery{Customer: f.member, Status: "nope", PageRequest: pr})
				}
			}
		})
		for _, s := range append(robustStrings, f.resv.ID, "mug") {
			suite.NoPanic(t, "by id "+clipName(s), func() {
				_, _ = svc.Reward(ctx, p, s)
				_, _ = svc.Reservation(ctx, p, s)
				_, _ = svc.Coupon(ctx, p, s)
				_, _ = svc.RedeemCoupon(ctx, p, loyalty.CouponUse{Code: s, Key: "use-" + clipName(s)})
				_, _ = svc.Confirm(ctx, p, s)
				_, _ = svc.Cancel(ctx, p, s, s)
				_, _ = svc.Release(ctx, p, f.member, "points", s)
				_, _ = svc.Release(ctx, p, crm.CustomerID{}, s, "SO-1")
			})
		}
		for _, id := range []loyalty.EntryID{{}, f.entry.ID, loyalty.EntryIDFrom([16]byte{9})} {
			for _, reason := range robustStrings {
				suite.NoPanic(t, "Reverse", func() { _, _ = svc.Reverse(ctx, p, id, reason) })
			}
		}
	}
}

// TestCommandsHostileInput sends each command with hostile fields.
func TestCommandsHostileInput(t *testing.T) {
	t.Parallel()
	f := newRobustFixture(t)
	ctx, svc, p := f.ctx, f.svc, f.p
	n := 0
	key := func() string { n++; return "k-" + decimal.NewFromInt(int64(n)).String() }
	for _, c := range robustCustomer {
		for _, pt := range []string{"", "points", "status", "nope", "$spend"} {
			for _, pts := range robustInt64s {
				suite.NoPanic(t, "points commands", func() {
					cmd := loyalty.Points{Customer: c, PointType: pt, Points: pts, Key: key(), Reason: "r"}
					_, _ = svc.Earn(ctx, p, cmd)
					cmd.Key = key()
					_, _ = svc.Redeem(ctx, p, cmd)
					cmd.Key = key()
					_, _ = svc.Adjust(ctx, p, cmd)
					cmd.Key = key()
					_, _ = svc.RedeemAcross(ctx, p, cmd)
					cmd.Key = key()
					_, _ = svc.RedeemFromPool(ctx, p, c, f.member, cmd)
					_, _ = svc.Transfer(ctx, p, loyalty.Transfer{From: f.member, To: c, PointType: pt, Points: pts, Key: key()})
					_, _ = svc.ContributeToPool(ctx, p, loyalty.Contribution{Pool: c, Member: f.member, PointType: pt, Points: pts, Key: key()})
					for _, partner := range []string{"", "hotel", "nope"} {
						_, _ = svc.ExchangeIn(ctx, p, loyalty.Exchange{Partner: partner, Customer: c, Points: pts, Ref: key()})
						_, _ = svc.ExchangeOut(ctx, p, loyalty.Exchange{Partner: partner, Customer: c, Points: pts, Ref: key()})
					}
					_, _ = svc.Reserve(ctx, p, loyalty.Reserve{Customer: c, Reward: "mug", Units: pts, Key: key()})
					_, _ = svc.Refund(ctx, p, loyalty.Refund{Customer: c, Order: "SO-1", Lines: []loyalty.RefundLine{{Line: "1", Quantity: pts}}, Key: key()})
				})
			}
		}
		suite.NoPanic(t, "pools", func() {
			for _, o := range robustCustomer {
				_, _ = svc.JoinPool(ctx, p, c, o)
			}
		})
	}
	for _, s := range robustStrings {
		suite.NoPanic(t, "string fields "+clipName(s), func() {
			_, _ = svc.Earn(ctx, p, loyalty.Points{Customer: f.member, PointType: "points", Points: 1, Key: s, Reason: s,
				Source: loyalty.Source{Type: s, Ref: s}})
			_, _ = svc.Refund(ctx, p, loyalty.Refund{Customer: f.member, Order: s, Key: s})
			_, _ = svc.Refund(ctx, p, loyalty.Refund{Customer: f.member, Order: "SO-1", Lines: []loyalty.RefundLine{{Line: s, Quantity: 1}, {Line: s, Quantity: 1}}, Key: "rf-" + clipName(s)})
			_, _ = svc.EarnEvent(ctx, p, loyalty.MemberEvent(s), loyalty.Member{CustomerID: f.member}, s)
			_, _ = svc.EarnEvent(ctx, p, loyalty.EventSignup, loyalty.Member{CustomerID: f.member, Tags: []string{s}}, s)
			_, _ = svc.ExchangeIn(ctx, p, loyalty.Exchange{Partner: "hotel", Customer: f.member, Points: 200, Ref: s})
			_ = svc.PutReward(ctx, p, loyalty.Reward{ID: s, Name: s, PointType: s, Points: 1, Tiers: []string{s}})
			_, _ = svc.Reserve(ctx, p, loyalty.Reserve{Customer: f.member, Reward: s, Units: 1, Key: s})
		})
	}
	orders := []kehu.Order{{}, {ID: "x"}, {ID: "x", Currency: "CNY"}, {ID: "SO-9", At: robustStart, Currency: "CNY", Lines: []kehu.OrderLine{{}}},
		{ID: "SO-10", At: time.Date(200000, 1, 1, 0, 0, 0, 0, time.UTC), Currency: "CNY", Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("10", "CNY")}}},
		{ID: "SO-11", At: time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC), Currency: "CNY", Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("10", "CNY")}}},
		{ID: "SO-12", At: robustStart, Currency: "CNY", Lines: []kehu.OrderLine{{ID: "1", Quantity: math.MaxInt64, Amount: kehu.MustMoney("1e29", "CNY")},
			{ID: "2", Quantity: math.MaxInt64, Amount: kehu.MustMoney("1e29", "CNY")}}},
		{ID: "SO-13", At: robustStart, Currency: "CNY", Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("-5", "CNY")}}},
		{ID: "SO-14", At: robustStart, Currency: "CNY", Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("0.001", "CNY")}}},
		{ID: "SO-15", At: robustStart, Currency: "CNY", Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("1", "USD")}}},
		{ID: "SO-1", At: robustStart, Currency: "CNY", Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("1", "CNY")}}},
	}
	members := []loyalty.Member{{}, {CustomerID: f.member}, {CustomerID: crm.CustomerIDFrom([16]byte{3}), BirthDate: kehu.Date{Year: 2023, Month: 2, Day: 30},
		JoinedAt: time.Date(200000, 1, 1, 0, 0, 0, 0, time.UTC), Attributes: map[string]any{"x": nil, "y": math.NaN(), "z": []any{nil}}}}
	for _, o := range orders {
		for _, m := range members {
			suite.NoPanic(t, "EarnOrder "+o.ID, func() {
				_, _ = svc.EarnOrder(ctx, p, o, m)
				for _, st := range []loyalty.Standing{{}, {Tier: "gold"}, {Tier: "nope"}} {
					_, _ = p.Preview(o, m, st, nil)
				}
			})
		}
	}
}

// TestProgramValuesHostileInput calls the methods of a compiled programme and its parts
// with hostile instants, locations and figures.
func TestProgramValuesHostileInput(t *testing.T) {
	t.Parallel()
	p, err := loyalty.LoadProgram(strings.NewReader(robustProgram))
	require.NoError(t, err)
	tiers := p.Tiers()
	for _, at := range robustTimes {
		for _, joined := range robustTimes {
			for _, loc := range robustLocs {
				suite.NoPanic(t, "tier windows", func() {
					_, _ = tiers.WindowAt(at, joined, loc)
					_, _ = tiers.ReviewWindow(at, joined, loc)
					_ = tiers.NextReview(at, joined, loc)
				})
			}
		}
		for _, loc := range robustLocs {
			for _, kind := range []loyalty.ExpiryKind{"", loyalty.NeverExpire, loyalty.ExpireAfter, loyalty.ExpireEndOfYear, loyalty.ExpireEndOfMonth} {
				for _, n := range robustInts {
					suite.NoPanic(t, "ExpiresAt", func() {
						_ = loyalty.ExpiryPolicy{Kind: kind, Years: n, Months: n, Days: n}.ExpiresAt(at, loc)
					})
				}
			}
		}
		for _, ev := range []loyalty.MemberEvent{"", loyalty.EventSignup, loyalty.EventBirthday, "nope"} {
			suite.NoPanic(t, "EventAwards", func() {
				_, _, _ = p.EventAwards(ev, at, loyalty.Member{}, loyalty.Standing{}, nil)
			})
		}
	}
	for _, n := range robustInt64s {
		for _, minor := range []int32{0, 2, -1, math.MaxInt32, math.MinInt32} {
			suite.NoPanic(t, "Qualify", func() { _ = tiers.Qualify(loyalty.Figures{Spend: n, Points: n, Purchases: n}, minor) })
		}
	}
	suite.NoPanic(t, "programme accessors", func() {
		_ = tiers.Level("")
		_, _ = p.PointType("")
		_, _ = p.Partner("")
		_ = p.Spec()
		_, _ = p.MarshalJSON()
		_, _ = loyalty.Compile(loyalty.ProgramSpec{})
		_, _ = loyalty.LoadProgram(strings.NewReader(""))
	})
	suite.NoPanic(t, "Replay of nil programmes", func() { _, _ = loyalty.Replay(nil, nil, nil) })
	suite.NoPanic(t, "Replay of a nil history", func() { _, _ = loyalty.Replay(p, p, nil) })
	for _, a := range []loyalty.Activity{{}, {Order: &kehu.Order{}}, {Event: "nope"}, {Member: loyalty.Member{CustomerID: robustCustomer[1]}},
		{Event: loyalty.EventSignup, At: time.Date(200000, 1, 1, 0, 0, 0, 0, time.UTC), Member: loyalty.Member{CustomerID: robustCustomer[1]}},
		{Event: loyalty.EventBirthday, At: time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC), Member: loyalty.Member{CustomerID: robustCustomer[1]}},
		{Order: &kehu.Order{ID: "x", CustomerID: robustCustomer[1], Currency: "CNY", At: time.Date(200000, 1, 1, 0, 0, 0, 0, time.UTC),
			Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("10", "CNY")}}}}} {
		suite.NoPanic(t, "Replay", func() {
			_, _ = loyalty.Replay(p, p, slices.Values([]loyalty.Activity{a, a, a}))
		})
	}
	for _, s := range robustStrings {
		suite.NoPanic(t, "parsers", func() {
			_, _ = loyalty.ParseCouponCode(s)
			_ = loyalty.ReservationID(s, s)
			_, _ = loyalty.ParseEntryID(s)
			_, _ = loyalty.ParseExpiryKind(s)
			_, _ = loyalty.ParseLimitPeriod(s)
			_, _ = loyalty.ParseMemberEvent(s)
			_, _ = loyalty.ParsePointKind(s)
			_, _ = loyalty.ParseReservationStatus(s)
			_, _ = loyalty.ParseReturnMode(s)
			_, _ = loyalty.ParseSpendPolicy(s)
			_ = loyalty.IsCounterAccount(s)
			_ = loyalty.IsInternalAccount(s)
		})
	}
	suite.NoPanic(t, "zero values", func() {
		var a loyalty.Account
		for _, tm := range robustTimes {
			_ = a.BalanceAt(tm)
			var ms loyalty.MemberState
			_ = ms.TierAt(tm)
			var l loyalty.Lot
			_ = l.Expired(tm)
			_ = l.Pending(tm)
			_ = l.Spendable(tm)
			var r loyalty.Reward
			_ = r.AvailableAt(tm)
			var c loyalty.Coupon
			_ = c.ValidAt(tm)
		}
		_ = a.Book()
		_ = a.NextExpiry()
		_ = a.Clone()
		var r loyalty.Reward
		_ = r.Validate(nil)
		_ = r.Validate(p)
		_ = r.OpenTo("")
		var e loyalty.Earning
		_ = e.Awards()
		_ = e.Explanation()
		_ = e.Total("")
		_, _ = e.MarshalJSON()
		_ = e.UnmarshalJSON([]byte("null"))
		_ = e.UnmarshalJSON([]byte("{}"))
	})
}

func clipName(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}

// oddUsage is a RuleUsage that reports whatever it is told to.
type oddUsage int64

func (u oddUsage) Awarded(string, time.Time, time.Time) int64 { return int64(u) }

// TestRuleUsageHostileAnswers previews with a RuleUsage that answers negative or huge
// amounts: caps must hold without a panic.
func TestRuleUsageHostileAnswers(t *testing.T) {
	t.Parallel()
	p, err := loyalty.LoadProgram(strings.NewReader(earnProgramJSON(`{"base": [{"point_type": "points", "points": 1, "per": "1"}],
	  "rules": [{"id": "cap", "name": "Capped", "effect": {"point_type": "points", "multiplier": "2"},
	             "caps": {"per_day": 100, "per_period": 1000, "period": "month", "per_order": 50}}],
	  "events": [{"id": "bday", "event": "birthday", "point_type": "points", "points": 50, "once": "year"}]}`)))
	require.NoError(t, err)
	o := order("SO-1", robustStart, "1000.00", "20.00")
	for _, n := range robustInt64s {
		suite.NoPanic(t, "Preview with odd usage", func() {
			_, _ = p.Preview(o, loyalty.Member{}, loyalty.Standing{}, oddUsage(n))
			_, _, _ = p.EventAwards(loyalty.EventBirthday, robustStart, loyalty.Member{}, loyalty.Standing{}, oddUsage(n))
		})
	}
}

// A nil location is UTC, as ExpiryPolicy.ExpiresAt takes it: the tier windows of a host
// that passes no zone are UTC's, not a crash.
func TestTierWindowsTakeANilLocationAsUTC(t *testing.T) {
	t.Parallel()
	windows := map[string]loyalty.TierWindow{"rolling": {Kind: loyalty.WindowRollingMonths, Months: 12},
		"calendar year": {Kind: loyalty.WindowCalendarYear}, "membership year": {Kind: loyalty.WindowAnniversaryYear}}
	for name, window := range windows {
		for _, review := range []string{loyalty.ReviewCalendarYear, loyalty.ReviewAnniversary} {
			spec := earnLoad(t, withTiers(earnProgramJSON(`{"base": []}`))).Spec()
			spec.Tiers.Window, spec.Tiers.Review = window, review
			p, err := loyalty.Compile(spec)
			require.NoError(t, err)
			tiers := p.Tiers()
			joined, at := time.Date(2024, 2, 29, 23, 30, 0, 0, time.UTC), time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
			t.Run(name+", "+review+" review", func(t *testing.T) {
				from, to := tiers.WindowAt(at, joined, nil)
				wantFrom, wantTo := tiers.WindowAt(at, joined, time.UTC)
				assert.True(t, from.Equal(wantFrom) && to.Equal(wantTo), "WindowAt: %v–%v, want %v–%v", from, to, wantFrom, wantTo)
				from, to = tiers.ReviewWindow(at, joined, nil)
				wantFrom, wantTo = tiers.ReviewWindow(at, joined, time.UTC)
				assert.True(t, from.Equal(wantFrom) && to.Equal(wantTo), "ReviewWindow: %v–%v, want %v–%v", from, to, wantFrom, wantTo)
				next, want := tiers.NextReview(at, joined, nil), tiers.NextReview(at, joined, time.UTC)
				assert.True(t, next.Equal(want), "NextReview: %v, want %v", next, want)
			})
		}
	}
}

// A nil activity is an empty history: Replay compares nobody, as it does for an empty
// slice, rather than calling the nil iterator.
func TestReplayOfANilHistoryIsEmpty(t *testing.T) {
	t.Parallel()
	p, err := loyalty.LoadProgram(strings.NewReader(robustProgram))
	require.NoError(t, err)
	diffs, err := loyalty.Replay(p, p, nil)
	require.NoError(t, err)
	assert.Empty(t, diffs)
	none, err := loyalty.Replay(p, p, slices.Values([]loyalty.Activity(nil)))
	require.NoError(t, err)
	assert.Equal(t, none, diffs)
}
