package kehu_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/suite"
)

// These tests play a host that forwards whatever a client sends to the kernel's values:
// zero values, extreme numbers and instants, text that is not UTF-8. Every call must
// answer, never panic.

var (
	hostileStrings = []string{"", " ", "\t\n", "\xff\xfe", strings.Repeat("9", 10_000), "NaN", "-Inf", "1e-2147483648",
		"0x10", "１２", "\x00", "-", "+", "1 2 3", "12.34 CNY EUR", "CNY", " 1 ", "1e2147483647"}
	extremeInts   = []int{0, -1, 1, math.MaxInt, math.MinInt, math.MaxInt32, math.MinInt32}
	extremeInt64s = []int64{0, -1, 1, math.MaxInt64, math.MinInt64}
	extremeTimes  = []time.Time{{}, time.Unix(0, 0), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(-50000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(math.MaxInt64/2, 0), time.Unix(math.MinInt64/2, 0)}
	extremeDates = []kehu.Date{{}, {Year: 2024, Month: 2, Day: 29}, {Year: 2023, Month: 2, Day: 30},
		{Year: math.MaxInt, Month: 12, Day: 31}, {Year: math.MinInt, Month: 1, Day: 1}, {Year: 1, Month: 0, Day: 0},
		{Year: 9999, Month: 12, Day: 31}, {Year: 0, Month: 13, Day: 40}, {Year: -1, Month: -5, Day: -9},
		{Year: 2000, Month: math.MaxInt, Day: math.MinInt}, {Year: 10000, Month: 1, Day: 1}}
)

func TestMoneyHostileInput(t *testing.T) {
	t.Parallel()
	decimals := []decimal.Decimal{{}, decimal.New(1, math.MaxInt32), decimal.New(1, math.MinInt32),
		decimal.New(-7, 30), decimal.NewFromFloat(0.1), decimal.New(math.MaxInt64, -12)}
	var amounts []kehu.Money
	amounts = append(amounts, kehu.Money{}, kehu.ZeroMoney("CNY"), kehu.ZeroMoney("nope"), kehu.MustMoney("12.345", "CNY"),
		kehu.MustMoney("-0.01", "BHD"), kehu.MustMoney("1e29", "JPY"))
	for _, s := range hostileStrings {
		for _, c := range append(hostileStrings, "CNY", "cny", "XAU", "CLF") {
			suite.NoPanic(t, "NewMoney", func() {
				m, err := kehu.NewMoney(s, c)
				if err == nil {
					amounts = append(amounts, m)
				}
			})
			suite.NoPanic(t, "ParseMoney", func() { _, _ = kehu.ParseMoney(s + " " + c) })
		}
		suite.NoPanic(t, "ParseCurrency", func() { _, _ = kehu.ParseCurrency(s) })
		suite.NoPanic(t, "ParseRoundingMode", func() { _, _ = kehu.ParseRoundingMode(s) })
		suite.NoPanic(t, "Money.UnmarshalJSON", func() {
			var m kehu.Money
			_ = m.UnmarshalJSON([]byte(s))
			_ = m.UnmarshalJSON([]byte(`{"amount":` + s + `,"currency":"CNY"}`))
			_ = m.Scan(s)
			_ = m.Scan([]byte(s))
		})
	}
	for _, n := range extremeInt64s {
		for _, c := range []string{"CNY", "JPY", "CLF", "", "nope"} {
			suite.NoPanic(t, "NewMoneyFromMinor", func() {
				m, err := kehu.NewMoneyFromMinor(n, c)
				if err == nil {
					amounts = append(amounts, m)
				}
			})
		}
	}
	for _, d := range decimals {
		for _, c := range []kehu.Currency{"", "CNY", "nope"} {
			suite.NoPanic(t, "MoneyFromDecimal", func() { _, _ = kehu.MoneyFromDecimal(d, c) })
		}
	}
	for _, m := range amounts {
		suite.NoPanic(t, "Money methods "+m.String(), func() {
			_ = m.Abs()
			_ = m.Neg()
			_ = m.String()
			_, _ = m.MarshalJSON()
			_, _ = m.Value()
			_, _ = m.MinorUnits()
			for _, mode := range []kehu.RoundingMode{-1, kehu.HalfUp, kehu.HalfEven, kehu.HalfDown, kehu.Down, kehu.Up,
				kehu.Floor, kehu.Ceiling, 99} {
				_ = m.Round(mode)
				for _, places := range []int32{0, -1, 2, math.MaxInt32, math.MinInt32, 30, -30} {
					_ = m.RoundTo(places, mode)
				}
				_ = mode.String()
				_, _ = mode.MarshalText()
				_ = mode.Valid()
			}
			for _, n := range extremeInt64s {
				_ = m.MulInt(n)
			}
			for _, o := range amounts {
				_, _ = m.Add(o)
				_, _ = m.Sub(o)
				_, _ = m.Cmp(o)
				_ = m.Equal(o)
			}
			for _, ratios := range [][]int64{nil, {}, {0}, {0, 0}, {-1, 1}, {math.MaxInt64, math.MaxInt64},
				{1, 0, math.MaxInt64}, {math.MinInt64}, {1, 1, 1}} {
				_, _ = m.Allocate(ratios...)
			}
		})
	}
}

func TestDateHostileInput(t *testing.T) {
	t.Parallel()
	for _, s := range append(hostileStrings, "2024-02-29", "0000-00-00", "9999-99-99", "2024-02-3\xff") {
		suite.NoPanic(t, "ParseDate "+s, func() {
			_, _ = kehu.ParseDate(s)
			var d kehu.Date
			_ = d.UnmarshalText([]byte(s))
			_ = d.UnmarshalJSON([]byte(s))
			_ = d.UnmarshalJSON([]byte(`"` + s + `"`))
			_ = d.Scan(s)
			_ = d.Scan([]byte(s))
		})
	}
	for _, y := range extremeInts {
		for _, m := range extremeInts {
			for _, d := range extremeInts {
				suite.NoPanic(t, "NewDate", func() { _, _ = kehu.NewDate(y, time.Month(m), d) })
			}
		}
	}
	for _, tm := range extremeTimes {
		suite.NoPanic(t, "DateOf", func() {
			_ = kehu.DateOf(tm)
			var d kehu.Date
			_ = d.Scan(tm)
		})
	}
	for _, d := range extremeDates {
		suite.NoPanic(t, "Date methods "+d.String(), func() {
			_ = d.String()
			_ = d.IsValid()
			_ = d.Weekday()
			_, _ = d.MarshalText()
			_, _ = d.MarshalJSON()
			_, _ = d.Value()
			for _, loc := range []*time.Location{nil, time.UTC, time.FixedZone("odd", -12*3600)} {
				_ = d.In(loc)
			}
			for _, n := range extremeInts {
				_ = d.AddDays(n)
				_ = d.AddMonths(n)
				_ = d.AnniversaryIn(n)
			}
			for _, o := range extremeDates {
				_ = d.Compare(o)
				_ = d.DaysSince(o)
				_ = d.NextAnniversary(o)
				_, _ = d.AgeOn(o)
			}
		})
	}
}

func TestKernelHostileInput(t *testing.T) {
	t.Parallel()
	for _, s := range append(hostileStrings, "kehu:x", "00000000-0000-0000-0000-000000000000",
		"{00000000-0000-0000-0000-000000000001}", "urn:uuid:00000000-0000-0000-0000-000000000001") {
		suite.NoPanic(t, "keys and IDs", func() {
			_ = kehu.CheckKey("key", s)
			_ = kehu.CheckHostKey("key", s)
			_ = kehu.CheckOptionalKey("key", s)
			_ = kehu.LibraryKey(s, s, s)
			_, _ = kehu.ParseCustomerID(s)
			var id kehu.CustomerID
			_ = id.UnmarshalText([]byte(s))
			_ = id.Scan(s)
			_ = id.Scan([]byte(s))
			_ = id.Scan(make([]byte, 16))
			_ = id.Scan(42)
			_ = kehu.ActorFrom(kehu.WithActor(context.Background(), s))
		})
	}
	suite.NoPanic(t, "zero values", func() {
		var o *kehu.Options
		r := o.Resolved()
		_ = r.Now()
		_ = r.NewID()
		var v *kehu.ValidationError
		_ = v.Error()
		_ = v.Has("x", "")
		var p kehu.Problems
		p.Merge("x", nil)
		p.Merge("", context.Canceled)
		_ = p.Err()
		_ = kehu.Truncate(time.Time{})
		_ = kehu.ActorFrom(context.Background())
	})
	for _, n := range extremeInts {
		suite.NoPanic(t, "PageRequest.Size", func() { _ = kehu.PageRequest{Limit: n}.Size() })
	}
	for _, tm := range extremeTimes {
		suite.NoPanic(t, "Clock", func() {
			opts, c, ids := kehu.Deterministic(tm)
			_ = opts.Resolved().Now()
			_ = ids.NewID()
			c.Set(tm)
			_ = c.Advance(math.MaxInt64)
			_ = c.Advance(math.MinInt64)
			for _, n := range extremeInts {
				_ = c.AddDate(n, n, n)
			}
		})
	}
	orders := []kehu.Order{{}, {Currency: "nope"}, {Currency: "CNY", Lines: []kehu.OrderLine{{}}},
		{Currency: "CNY", Lines: []kehu.OrderLine{{Amount: kehu.MustMoney("1", "USD")}}},
		{Currency: "CNY", Lines: []kehu.OrderLine{{Amount: kehu.MustMoney("1e29", "CNY")}, {Amount: kehu.MustMoney("1e29", "CNY")}}}}
	for _, o := range orders {
		suite.NoPanic(t, "Order.Total", func() { _, _ = o.Total() })
	}
	for _, places := range []int32{0, math.MaxInt32, math.MinInt32} {
		for _, d := range []decimal.Decimal{{}, decimal.New(1, math.MaxInt32), decimal.New(-1, math.MinInt32)} {
			suite.NoPanic(t, "RoundDecimal", func() { _ = kehu.RoundDecimal(d, places, 99) })
		}
	}
}
