package kehu_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

// mdProblem checks that err is a *kehu.ValidationError (so also kehu.ErrInvalid) naming the
// field and rule.
func mdProblem(t *testing.T, err error, field, rule string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.Truef(t, verr.Has(field, rule), "want %s (%s) in %v", field, rule, err)
}

func mdDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestParseCurrency(t *testing.T) {
	ok := []struct {
		in   string
		want kehu.Currency
	}{
		{"CNY", "CNY"},
		{" usd ", "USD"},
		{"jpy", "JPY"},
		{"Bhd", "BHD"},
		{"XCG", "XCG"}, // Caribbean guilder, 2025
		{"ZWG", "ZWG"}, // Zimbabwe Gold, 2024
		{"CLF", "CLF"},
	}
	for _, tc := range ok {
		t.Run(tc.in, func(t *testing.T) {
			c, err := kehu.ParseCurrency(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, c)
			assert.True(t, c.Valid())
			assert.Equal(t, string(tc.want), c.String())
		})
	}
	bad := []struct {
		in, rule string
	}{
		{"", "required"},
		{"   ", "required"},
		{"US", "format"},
		{"USDX", "format"},
		{"U$D", "format"},
		{"12A", "format"},
		{"ÉUR", "format"},
		{"XAU", "unknown_currency"}, // gold has no minor unit
		{"XXX", "unknown_currency"},
		{"XTS", "unknown_currency"},
		{"XDR", "unknown_currency"},
		{"HRK", "unknown_currency"}, // withdrawn 2023
		{"BGN", "unknown_currency"}, // withdrawn 2026
		{"ZWL", "unknown_currency"}, // replaced by ZWG
		{"ABC", "unknown_currency"},
	}
	for _, tc := range bad {
		t.Run("bad/"+tc.in, func(t *testing.T) {
			_, err := kehu.ParseCurrency(tc.in)
			mdProblem(t, err, "currency", tc.rule)
		})
	}
}

func TestCurrencyMinorUnits(t *testing.T) {
	tests := []struct {
		c    kehu.Currency
		want int
	}{
		{"CNY", 2}, {"USD", 2}, {"EUR", 2}, {"HKD", 2}, {"TWD", 2}, {"GBP", 2}, {"IDR", 2},
		{"JPY", 0}, {"KRW", 0}, {"VND", 0}, {"ISK", 0}, {"CLP", 0}, {"XOF", 0}, {"UYI", 0},
		{"BHD", 3}, {"KWD", 3}, {"TND", 3}, {"IQD", 3}, {"JOD", 3}, {"LYD", 3}, {"OMR", 3},
		{"CLF", 4}, {"UYW", 4},
		{"", 0}, {"XXX", 0}, {"cny", 0},
	}
	for _, tc := range tests {
		t.Run(string(tc.c), func(t *testing.T) {
			assert.Equal(t, tc.want, tc.c.MinorUnits())
		})
	}
}

func TestCurrencies(t *testing.T) {
	all := kehu.Currencies()
	assert.Len(t, all, 165, "ISO 4217 List One of 2026-01-01 less the 13 codes without minor units")
	assert.True(t, slices.IsSorted(all))
	for _, c := range all {
		assert.True(t, c.Valid(), c)
		assert.Contains(t, []int{0, 2, 3, 4}, c.MinorUnits(), c)
		p, err := kehu.ParseCurrency(string(c))
		require.NoError(t, err)
		assert.Equal(t, c, p)
	}
	// The list is a copy: changing it changes nothing.
	all[0] = "ZZZ"
	assert.False(t, kehu.Currency("ZZZ").Valid())
}

func TestCurrencyText(t *testing.T) {
	var v struct {
		C kehu.Currency `json:"c"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"c":"cny"}`), &v))
	assert.Equal(t, kehu.Currency("CNY"), v.C)
	b, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, `{"c":"CNY"}`, string(b))

	mdProblem(t, json.Unmarshal([]byte(`{"c":"ABC"}`), &v), "currency", "unknown_currency")
	_, err = json.Marshal(struct{ C kehu.Currency }{"abc"})
	var verr *kehu.ValidationError
	assert.ErrorAs(t, err, &verr)
}

func TestNewMoney(t *testing.T) {
	tests := []struct {
		amount, currency string
		want             string // String()
	}{
		{"12.34", "CNY", "12.34 CNY"},
		{"12.3", "CNY", "12.30 CNY"},
		{"12.345", "CNY", "12.345 CNY"},
		{"12.3400000000000000000000", "CNY", "12.34 CNY"},
		{"1000", "JPY", "1000 JPY"},
		{"1000.5", "JPY", "1000.5 JPY"},
		{"-0.5", "USD", "-0.50 USD"},
		{"1.5", "BHD", "1.500 BHD"},
		{"0.0001", "CLF", "0.0001 CLF"},
		{"+7", "EUR", "7.00 EUR"},
		{" 12.34 ", " cny ", "12.34 CNY"},
		{"-0", "CNY", "0.00 CNY"},
		{"000123.10", "CNY", "123.10 CNY"},
		{"1.5e2", "CNY", "150.00 CNY"},
		{"15E-1", "CNY", "1.50 CNY"},
		{"0e999999999", "CNY", "0.00 CNY"},
		{"0.000000000001", "USD", "0.000000000001 USD"},
		{"123456789012345678901234567890", "KRW", "123456789012345678901234567890 KRW"},
		{"-123456789012345678901234567890.123456789012", "USD", "-123456789012345678901234567890.123456789012 USD"},
	}
	for _, tc := range tests {
		t.Run(tc.amount+"_"+tc.currency, func(t *testing.T) {
			m, err := kehu.NewMoney(tc.amount, tc.currency)
			require.NoError(t, err)
			assert.Equal(t, tc.want, m.String())
			again, err := kehu.ParseMoney(m.String())
			require.NoError(t, err)
			assert.True(t, again.Equal(m))
		})
	}
}

func TestNewMoneyInvalid(t *testing.T) {
	tests := []struct {
		amount, currency string
		field, rule      string
	}{
		{"", "CNY", "amount", "required"},
		{"  ", "CNY", "amount", "required"},
		{"abc", "CNY", "amount", "format"},
		{"12.34.5", "CNY", "amount", "format"},
		{"1,000", "CNY", "amount", "format"},
		{".5", "CNY", "amount", "format"},
		{"5.", "CNY", "amount", "format"},
		{"- 5", "CNY", "amount", "format"},
		{"--5", "CNY", "amount", "format"},
		{"0x10", "CNY", "amount", "format"},
		{"NaN", "CNY", "amount", "format"},
		{"Inf", "CNY", "amount", "format"},
		{"1e", "CNY", "amount", "format"},
		{"1e+", "CNY", "amount", "format"},
		{"12 CNY", "CNY", "amount", "format"},
		{"１２", "CNY", "amount", "format"}, // full-width digits
		{"1e999999999", "CNY", "amount", "range"},
		{"1e30", "CNY", "amount", "range"},
		{"1234567890123456789012345678901", "CNY", "amount", "range"},
		{"1e-999999999", "CNY", "amount", "precision"},
		{"0.0000000000001", "CNY", "amount", "precision"},
		{"12.34", "", "currency", "required"},
		{"12.34", "RMB", "currency", "unknown_currency"},
		{"12.34", "12", "currency", "format"},
	}
	for _, tc := range tests {
		t.Run(tc.amount+"_"+tc.currency, func(t *testing.T) {
			m, err := kehu.NewMoney(tc.amount, tc.currency)
			mdProblem(t, err, tc.field, tc.rule)
			assert.Equal(t, kehu.Money{}, m)
		})
	}

	t.Run("both fields at once", func(t *testing.T) {
		_, err := kehu.NewMoney("abc", "XYZ")
		mdProblem(t, err, "amount", "format")
		mdProblem(t, err, "currency", "unknown_currency")
	})
	t.Run("very long input", func(t *testing.T) {
		long := "1" + string(make([]byte, 300))
		_, err := kehu.NewMoney(long, "CNY")
		mdProblem(t, err, "amount", "format")
	})
}

func TestNewMoneyFromMinor(t *testing.T) {
	tests := []struct {
		minor    int64
		currency string
		want     string
	}{
		{1234, "CNY", "12.34 CNY"},
		{1234, "JPY", "1234 JPY"},
		{1234, "BHD", "1.234 BHD"},
		{1234, "CLF", "0.1234 CLF"},
		{-5, "USD", "-0.05 USD"},
		{0, "EUR", "0.00 EUR"},
		{math.MaxInt64, "USD", "92233720368547758.07 USD"},
		{math.MinInt64, "USD", "-92233720368547758.08 USD"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			m, err := kehu.NewMoneyFromMinor(tc.minor, tc.currency)
			require.NoError(t, err)
			assert.Equal(t, tc.want, m.String())
			back, err := m.MinorUnits()
			require.NoError(t, err)
			assert.Equal(t, tc.minor, back)
		})
	}
	_, err := kehu.NewMoneyFromMinor(1, "XAU")
	mdProblem(t, err, "currency", "unknown_currency")
}

func TestMoneyFromDecimal(t *testing.T) {
	m, err := kehu.MoneyFromDecimal(mdDec("12.50"), "usd")
	require.NoError(t, err)
	assert.Equal(t, "12.50 USD", m.String())
	assert.True(t, m.Amount().Equal(mdDec("12.5")))

	big30, err := kehu.MoneyFromDecimal(decimal.New(1, 29), "CNY")
	require.NoError(t, err)
	assert.Equal(t, "100000000000000000000000000000.00 CNY", big30.String())

	bad := []struct {
		name        string
		d           decimal.Decimal
		c           kehu.Currency
		field, rule string
	}{
		{"31 integer digits", decimal.New(1, 30), "CNY", "amount", "range"},
		{"13 decimals", decimal.New(1, -13), "CNY", "amount", "precision"},
		{"huge exponent", decimal.New(1, math.MaxInt32), "CNY", "amount", "range"},
		{"tiny exponent", decimal.New(1, math.MinInt32), "CNY", "amount", "precision"},
		{"no currency", mdDec("1"), "", "currency", "required"},
		{"unknown currency", mdDec("1"), "ABC", "currency", "unknown_currency"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := kehu.MoneyFromDecimal(tc.d, tc.c)
			mdProblem(t, err, tc.field, tc.rule)
		})
	}
}

func TestZeroMoney(t *testing.T) {
	z := kehu.ZeroMoney("JPY")
	assert.Equal(t, "0 JPY", z.String())
	assert.Equal(t, kehu.Currency("JPY"), z.Currency())
	assert.True(t, z.IsZero())
	assert.Equal(t, kehu.Money{}, kehu.ZeroMoney("nope"))
	assert.Equal(t, "0", kehu.Money{}.String())
	assert.Equal(t, kehu.Currency(""), kehu.Money{}.Currency())
}

func TestMoneySign(t *testing.T) {
	tests := []struct {
		amount        string
		sign          int
		zero, neg, po bool
	}{
		{"-0.01", -1, false, true, false},
		{"0.00", 0, true, false, false},
		{"0.01", 1, false, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.amount, func(t *testing.T) {
			m := kehu.MustMoney(tc.amount, "CNY")
			assert.Equal(t, tc.sign, m.Sign())
			assert.Equal(t, tc.zero, m.IsZero())
			assert.Equal(t, tc.neg, m.IsNegative())
			assert.Equal(t, tc.po, m.IsPositive())
		})
	}
	assert.True(t, kehu.Money{}.IsZero())
	assert.Zero(t, kehu.Money{}.Sign())
}

func TestMustMoneyPanics(t *testing.T) {
	assert.Panics(t, func() { kehu.MustMoney("x", "CNY") })
	assert.NotPanics(t, func() { kehu.MustMoney("1", "CNY") })
}

func TestMoneyArithmetic(t *testing.T) {
	a := kehu.MustMoney("12.34", "CNY")
	b := kehu.MustMoney("0.66", "CNY")

	sum, err := a.Add(b)
	require.NoError(t, err)
	assert.Equal(t, "13.00 CNY", sum.String())

	diff, err := b.Sub(a)
	require.NoError(t, err)
	assert.Equal(t, "-11.68 CNY", diff.String())

	c, err := a.Cmp(b)
	require.NoError(t, err)
	assert.Equal(t, 1, c)
	c, err = b.Cmp(a)
	require.NoError(t, err)
	assert.Equal(t, -1, c)
	c, err = a.Cmp(kehu.MustMoney("12.340", "CNY"))
	require.NoError(t, err)
	assert.Equal(t, 0, c)

	assert.True(t, kehu.MustMoney("1.5", "CNY").Equal(kehu.MustMoney("1.50", "CNY")))
	assert.False(t, kehu.MustMoney("1.5", "CNY").Equal(kehu.MustMoney("1.5", "USD")))
	assert.False(t, kehu.MustMoney("1.5", "CNY").Equal(kehu.MustMoney("1.51", "CNY")))
	assert.True(t, kehu.Money{}.Equal(kehu.Money{}))

	assert.Equal(t, "-12.34 CNY", a.Neg().String())
	assert.Equal(t, "12.34 CNY", a.Neg().Abs().String())
	assert.Equal(t, "12.34 CNY", a.Abs().String())

	// Mul is exact: 12.34 × 0.15 = 1.851, not rounded.
	assert.Equal(t, "1.851 CNY", a.Mul(mdDec("0.15")).String())
	assert.True(t, a.Mul(mdDec("0.15")).Amount().Equal(mdDec("1.851")))
	assert.Equal(t, "-37.02 CNY", a.MulInt(-3).String())
	assert.Equal(t, "0 JPY", kehu.MustMoney("5", "JPY").MulInt(0).String())

	// The zero value is its own identity.
	z, err := kehu.Money{}.Add(kehu.Money{})
	require.NoError(t, err)
	assert.Equal(t, kehu.Money{}.String(), z.String())
}

func TestMoneyCurrencyMismatch(t *testing.T) {
	cny := kehu.MustMoney("1", "CNY")
	usd := kehu.MustMoney("1", "USD")
	ops := []struct {
		name string
		a, b kehu.Money
		run  func(a, b kehu.Money) error
	}{
		{"add", cny, usd, func(a, b kehu.Money) error { _, err := a.Add(b); return err }},
		{"sub", cny, usd, func(a, b kehu.Money) error { _, err := a.Sub(b); return err }},
		{"cmp", cny, usd, func(a, b kehu.Money) error { _, err := a.Cmp(b); return err }},
		{"add zero value", cny, kehu.Money{}, func(a, b kehu.Money) error { _, err := a.Add(b); return err }},
		{"zero value sub", kehu.Money{}, cny, func(a, b kehu.Money) error { _, err := a.Sub(b); return err }},
		{"cmp zero value", kehu.Money{}, usd, func(a, b kehu.Money) error { _, err := a.Cmp(b); return err }},
	}
	for _, tc := range ops {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run(tc.a, tc.b)
			require.Error(t, err)
			assert.ErrorIs(t, err, kehu.ErrCurrencyMismatch)
			assert.ErrorIs(t, err, kehu.ErrInvalid)
			assert.NotErrorIs(t, err, kehu.ErrNotFound)
			mdProblem(t, err, "currency", "currency_mismatch")
		})
	}
	assert.ErrorIs(t, kehu.ErrCurrencyMismatch, kehu.ErrInvalid)
	_, err := cny.Add(usd)
	assert.Contains(t, err.Error(), "CNY")
	assert.Contains(t, err.Error(), "USD")
}

// mdRefRound rounds x to places decimals by mode with big.Rat, independently of decimal's
// rounding methods.
func mdRefRound(x *big.Rat, places int, mode kehu.RoundingMode) *big.Rat {
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(mdAbs(places))), nil))
	s := new(big.Rat).Set(x)
	if places >= 0 {
		s.Mul(s, scale)
	} else {
		s.Quo(s, scale)
	}
	// floor of s
	fl := new(big.Int).Div(s.Num(), s.Denom()) // Euclidean division: floor for positive denominators
	frac := new(big.Rat).Sub(s, new(big.Rat).SetInt(fl))
	half := big.NewRat(1, 2)
	ceil := new(big.Int).Set(fl)
	if frac.Sign() != 0 {
		ceil.Add(ceil, big.NewInt(1))
	}
	neg := x.Sign() < 0
	towardZero, awayZero := fl, ceil
	if neg {
		towardZero, awayZero = ceil, fl
	}
	var r *big.Int
	if frac.Sign() == 0 {
		r = fl
	} else {
		// distance from floor is frac; nearer to floor if frac < 1/2
		c := frac.Cmp(half)
		nearest := func(tie *big.Int) *big.Int {
			switch {
			case c < 0:
				return fl
			case c > 0:
				return ceil
			}
			return tie
		}
		switch mode {
		case kehu.HalfUp:
			r = nearest(awayZero)
		case kehu.HalfDown:
			r = nearest(towardZero)
		case kehu.HalfEven:
			even := fl
			if fl.Bit(0) != 0 {
				even = ceil
			}
			r = nearest(even)
		case kehu.Down:
			r = towardZero
		case kehu.Up:
			r = awayZero
		case kehu.Floor:
			r = fl
		case kehu.Ceiling:
			r = ceil
		}
	}
	out := new(big.Rat).SetInt(r)
	if places >= 0 {
		return out.Quo(out, scale)
	}
	return out.Mul(out, scale)
}

func mdAbs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

var mdAllModes = []kehu.RoundingMode{kehu.HalfUp, kehu.HalfEven, kehu.HalfDown, kehu.Down, kehu.Up, kehu.Floor, kehu.Ceiling}

func TestRoundDecimal(t *testing.T) {
	// Rounded to an integer, one column per mode:
	// HalfUp, HalfEven, HalfDown, Down, Up, Floor, Ceiling.
	table := []struct {
		in   string
		want [7]string
	}{
		{"2.5", [7]string{"3", "2", "2", "2", "3", "2", "3"}},
		{"-2.5", [7]string{"-3", "-2", "-2", "-2", "-3", "-3", "-2"}},
		{"3.5", [7]string{"4", "4", "3", "3", "4", "3", "4"}},
		{"-3.5", [7]string{"-4", "-4", "-3", "-3", "-4", "-4", "-3"}},
		{"2.1", [7]string{"2", "2", "2", "2", "3", "2", "3"}},
		{"-2.1", [7]string{"-2", "-2", "-2", "-2", "-3", "-3", "-2"}},
		{"2.9", [7]string{"3", "3", "3", "2", "3", "2", "3"}},
		{"-2.9", [7]string{"-3", "-3", "-3", "-2", "-3", "-3", "-2"}},
		{"2.51", [7]string{"3", "3", "3", "2", "3", "2", "3"}},
		{"-2.51", [7]string{"-3", "-3", "-3", "-2", "-3", "-3", "-2"}},
		{"2.49", [7]string{"2", "2", "2", "2", "3", "2", "3"}},
		{"-2.49", [7]string{"-2", "-2", "-2", "-2", "-3", "-3", "-2"}},
		{"0.5", [7]string{"1", "0", "0", "0", "1", "0", "1"}},
		{"-0.5", [7]string{"-1", "0", "0", "0", "-1", "-1", "0"}},
		{"2", [7]string{"2", "2", "2", "2", "2", "2", "2"}},
		{"-2", [7]string{"-2", "-2", "-2", "-2", "-2", "-2", "-2"}},
		{"0", [7]string{"0", "0", "0", "0", "0", "0", "0"}},
		{"0.0000001", [7]string{"0", "0", "0", "0", "1", "0", "1"}},
		{"-0.0000001", [7]string{"0", "0", "0", "0", "-1", "-1", "0"}},
	}
	for _, tc := range table {
		for i, mode := range mdAllModes {
			t.Run(tc.in+"/"+mode.String(), func(t *testing.T) {
				got := kehu.RoundDecimal(mdDec(tc.in), 0, mode)
				assert.Truef(t, got.Equal(mdDec(tc.want[i])), "got %s want %s", got, tc.want[i])
			})
		}
	}

	other := []struct {
		in     string
		places int32
		mode   kehu.RoundingMode
		want   string
	}{
		{"1.005", 2, kehu.HalfUp, "1.01"},
		{"1.005", 2, kehu.HalfEven, "1.00"},
		{"1.015", 2, kehu.HalfEven, "1.02"},
		{"1.005", 2, kehu.HalfDown, "1.00"},
		{"-1.005", 2, kehu.HalfUp, "-1.01"},
		{"-1.005", 2, kehu.HalfDown, "-1.00"},
		{"-1.0051", 2, kehu.HalfDown, "-1.01"},
		{"1250", -2, kehu.HalfUp, "1300"},
		{"1250", -2, kehu.HalfEven, "1200"},
		{"1350", -2, kehu.HalfEven, "1400"},
		{"1250", -2, kehu.HalfDown, "1200"},
		{"-1250", -2, kehu.HalfUp, "-1300"},
		{"-1250", -2, kehu.Floor, "-1300"},
		{"-1250", -2, kehu.Ceiling, "-1200"},
		{"0.004", 2, kehu.Up, "0.01"},
		{"-0.004", 2, kehu.Floor, "-0.01"},
		{"0.004", 2, kehu.Ceiling, "0.01"},
		{"0.004", 2, kehu.HalfUp, "0"},
		{"12.3", 5, kehu.HalfUp, "12.3"},
		{"12.3", math.MaxInt32, kehu.Floor, "12.3"},
		{"12.3", math.MinInt32, kehu.Down, "0"},
		{"12.3", -1000000000, kehu.HalfUp, "0"},
	}
	for _, tc := range other {
		t.Run(tc.in+"/"+tc.mode.String(), func(t *testing.T) {
			got := kehu.RoundDecimal(mdDec(tc.in), tc.places, tc.mode)
			assert.Truef(t, got.Equal(mdDec(tc.want)), "got %s want %s", got, tc.want)
		})
	}

	t.Run("result has places decimals", func(t *testing.T) {
		for _, mode := range mdAllModes {
			assert.Equal(t, int32(-2), kehu.RoundDecimal(mdDec("1.2049"), 2, mode).Exponent())
		}
	})
	t.Run("absurd places stay cheap", func(t *testing.T) {
		got := kehu.RoundDecimal(mdDec("12.3"), -1000000000, kehu.Up)
		assert.Equal(t, int32(1000000000), got.Exponent())
		assert.Equal(t, int64(1), got.CoefficientInt64())
		got = kehu.RoundDecimal(mdDec("-12.3"), -1000000000, kehu.Floor)
		assert.Equal(t, int64(-1), got.CoefficientInt64())
	})
	t.Run("invalid mode rounds half up", func(t *testing.T) {
		assert.True(t, kehu.RoundDecimal(mdDec("2.5"), 0, kehu.RoundingMode(99)).Equal(mdDec("3")))
	})
}

// TestRoundDecimalAgainstRat checks every mode against an independent big.Rat rounding on
// a grid of values, places and signs.
func TestRoundDecimalAgainstRat(t *testing.T) {
	for n := int64(-2100); n <= 2100; n += 7 {
		for _, exp := range []int32{-4, -3, -1, 0, 2} {
			d := decimal.New(n, exp)
			x := d.Rat()
			for places := -3; places <= 4; places++ {
				for _, mode := range mdAllModes {
					got := kehu.RoundDecimal(d, int32(places), mode)
					want := mdRefRound(x, places, mode)
					if got.Rat().Cmp(want) != 0 {
						t.Fatalf("RoundDecimal(%s, %d, %s) = %s, want %s", d, places, mode, got, want.FloatString(6))
					}
				}
			}
		}
	}
}

func TestRoundingModeText(t *testing.T) {
	names := []string{"half_up", "half_even", "half_down", "down", "up", "floor", "ceiling"}
	for i, mode := range mdAllModes {
		t.Run(names[i], func(t *testing.T) {
			assert.Equal(t, names[i], mode.String())
			assert.True(t, mode.Valid())
			p, err := kehu.ParseRoundingMode(names[i])
			require.NoError(t, err)
			assert.Equal(t, mode, p)
			b, err := mode.MarshalText()
			require.NoError(t, err)
			assert.Equal(t, names[i], string(b))
			var back kehu.RoundingMode
			require.NoError(t, back.UnmarshalText(b))
			assert.Equal(t, mode, back)
		})
	}
	p, err := kehu.ParseRoundingMode("  HALF_EVEN ")
	require.NoError(t, err)
	assert.Equal(t, kehu.HalfEven, p)

	_, err = kehu.ParseRoundingMode("")
	mdProblem(t, err, "rounding_mode", "required")
	_, err = kehu.ParseRoundingMode("bankers")
	mdProblem(t, err, "rounding_mode", "unknown_rounding_mode")
	_, err = kehu.RoundingMode(42).MarshalText()
	mdProblem(t, err, "rounding_mode", "unknown_rounding_mode")
	assert.Equal(t, "RoundingMode(42)", kehu.RoundingMode(42).String())
	assert.False(t, kehu.RoundingMode(-1).Valid())

	var cfg struct {
		Mode kehu.RoundingMode `json:"mode"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"mode":"floor"}`), &cfg))
	assert.Equal(t, kehu.Floor, cfg.Mode)
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	assert.JSONEq(t, `{"mode":"floor"}`, string(b))
	mdProblem(t, json.Unmarshal([]byte(`{"mode":"nearest"}`), &cfg), "rounding_mode", "unknown_rounding_mode")
}

func TestMoneyRound(t *testing.T) {
	tests := []struct {
		amount, currency string
		mode             kehu.RoundingMode
		want             string
	}{
		{"12.345", "CNY", kehu.HalfUp, "12.35 CNY"},
		{"12.345", "CNY", kehu.HalfEven, "12.34 CNY"},
		{"12.355", "CNY", kehu.HalfEven, "12.36 CNY"},
		{"-12.345", "CNY", kehu.HalfUp, "-12.35 CNY"},
		{"-12.345", "CNY", kehu.HalfDown, "-12.34 CNY"},
		{"-12.341", "CNY", kehu.Floor, "-12.35 CNY"},
		{"-12.349", "CNY", kehu.Ceiling, "-12.34 CNY"},
		{"-12.349", "CNY", kehu.Down, "-12.34 CNY"},
		{"-12.341", "CNY", kehu.Up, "-12.35 CNY"},
		{"1234.5", "JPY", kehu.HalfUp, "1235 JPY"},
		{"1234.5", "JPY", kehu.HalfEven, "1234 JPY"},
		{"1235.5", "JPY", kehu.HalfEven, "1236 JPY"},
		{"-1234.5", "JPY", kehu.HalfDown, "-1234 JPY"},
		{"1234.01", "JPY", kehu.Up, "1235 JPY"},
		{"1.2345", "BHD", kehu.HalfUp, "1.235 BHD"},
		{"1.2345", "BHD", kehu.HalfEven, "1.234 BHD"},
		{"1.2345", "BHD", kehu.Down, "1.234 BHD"},
		{"-1.2341", "BHD", kehu.Floor, "-1.235 BHD"},
		{"12.3", "CNY", kehu.HalfUp, "12.30 CNY"},
		{"0.12345", "CLF", kehu.HalfEven, "0.1234 CLF"},
	}
	for _, tc := range tests {
		t.Run(tc.amount+"_"+tc.currency+"_"+tc.mode.String(), func(t *testing.T) {
			m := kehu.MustMoney(tc.amount, tc.currency)
			got := m.Round(tc.mode)
			assert.Equal(t, tc.want, got.String())
			assert.Equal(t, m.Currency(), got.Currency())
			_, err := got.MinorUnits()
			assert.NoError(t, err, "a rounded amount has whole minor units")
		})
	}
	assert.Equal(t, "12.40 CNY", kehu.MustMoney("12.34", "CNY").RoundTo(1, kehu.Ceiling).String())
	assert.Equal(t, "100 JPY", kehu.MustMoney("149", "JPY").RoundTo(-2, kehu.HalfUp).String())
	assert.Equal(t, "0", kehu.Money{}.Round(kehu.HalfUp).String())
}

func TestMoneyMinorUnits(t *testing.T) {
	ok := []struct {
		amount, currency string
		want             int64
	}{
		{"12.34", "CNY", 1234},
		{"12.3", "CNY", 1230},
		{"-0.01", "USD", -1},
		{"1234", "JPY", 1234},
		{"1.234", "BHD", 1234},
		{"1.2340", "BHD", 1234},
		{"0", "CNY", 0},
		{"92233720368547758.07", "USD", math.MaxInt64},
	}
	for _, tc := range ok {
		t.Run(tc.amount+"_"+tc.currency, func(t *testing.T) {
			got, err := kehu.MustMoney(tc.amount, tc.currency).MinorUnits()
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	bad := []struct {
		amount, currency, rule string
	}{
		{"12.345", "CNY", "precision"},
		{"1234.5", "JPY", "precision"},
		{"1.2345", "BHD", "precision"},
		{"92233720368547758.08", "USD", "range"},
		{"123456789012345678901234567890", "USD", "range"},
	}
	for _, tc := range bad {
		t.Run("bad/"+tc.amount+"_"+tc.currency, func(t *testing.T) {
			_, err := kehu.MustMoney(tc.amount, tc.currency).MinorUnits()
			mdProblem(t, err, "amount", tc.rule)
		})
	}
	n, err := kehu.Money{}.MinorUnits()
	require.NoError(t, err)
	assert.Zero(t, n)
}

func TestMoneyAllocate(t *testing.T) {
	tests := []struct {
		amount, currency string
		ratios           []int64
		want             []string
	}{
		{"100.00", "CNY", []int64{1, 1, 1}, []string{"33.34", "33.33", "33.33"}},
		{"-100.00", "CNY", []int64{1, 1, 1}, []string{"-33.34", "-33.33", "-33.33"}},
		{"100", "JPY", []int64{1, 1, 1}, []string{"34", "33", "33"}},
		{"1.000", "BHD", []int64{1, 2}, []string{"0.334", "0.666"}},
		{"0.05", "CNY", []int64{3, 7}, []string{"0.02", "0.03"}},
		{"0.05", "CNY", []int64{30, 70}, []string{"0.02", "0.03"}},
		{"10.00", "USD", []int64{70, 20, 10}, []string{"7.00", "2.00", "1.00"}},
		{"1.00", "CNY", []int64{0, 1, 1}, []string{"0", "0.50", "0.50"}},
		{"0.01", "CNY", []int64{0, 1, 1}, []string{"0", "0.01", "0"}},
		{"0.02", "CNY", []int64{1, 1, 1, 1}, []string{"0.01", "0.01", "0", "0"}},
		{"12.34", "CNY", []int64{5}, []string{"12.34"}},
		{"0", "CNY", []int64{1, 2}, []string{"0", "0"}},
		{"1.00", "CNY", []int64{math.MaxInt64, math.MaxInt64}, []string{"0.50", "0.50"}},
		{"1.01", "CNY", []int64{math.MaxInt64, math.MaxInt64}, []string{"0.51", "0.50"}},
		{"12.30", "CNY", []int64{1, 1}, []string{"6.15", "6.15"}},
	}
	for _, tc := range tests {
		t.Run(tc.amount+"_"+tc.currency, func(t *testing.T) {
			m := kehu.MustMoney(tc.amount, tc.currency)
			parts, err := m.Allocate(tc.ratios...)
			require.NoError(t, err)
			require.Len(t, parts, len(tc.want))
			sum := kehu.ZeroMoney(m.Currency())
			for i, p := range parts {
				assert.Truef(t, p.Amount().Equal(mdDec(tc.want[i])), "part %d: got %s want %s", i, p, tc.want[i])
				assert.Equal(t, m.Currency(), p.Currency())
				sum, err = sum.Add(p)
				require.NoError(t, err)
			}
			assert.True(t, sum.Equal(m), "parts sum to %s, want %s", sum, m)
		})
	}

	bad := []struct {
		name        string
		m           kehu.Money
		ratios      []int64
		field, rule string
	}{
		{"no ratios", kehu.MustMoney("1", "CNY"), nil, "ratios", "required"},
		{"negative", kehu.MustMoney("1", "CNY"), []int64{1, 2, -1}, "ratios[2]", "range"},
		{"all zero", kehu.MustMoney("1", "CNY"), []int64{0, 0}, "ratios", "range"},
		{"sub-minor amount", kehu.MustMoney("12.345", "CNY"), []int64{1, 1}, "amount", "precision"},
		{"sub-minor JPY", kehu.MustMoney("0.5", "JPY"), []int64{1, 1}, "amount", "precision"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			parts, err := tc.m.Allocate(tc.ratios...)
			mdProblem(t, err, tc.field, tc.rule)
			assert.Nil(t, parts)
		})
	}
	t.Run("every negative ratio is named", func(t *testing.T) {
		_, err := kehu.MustMoney("1", "CNY").Allocate(-1, 1, -3)
		mdProblem(t, err, "ratios[0]", "range")
		mdProblem(t, err, "ratios[2]", "range")
	})
}

// TestMoneyAllocateSums checks on random inputs that the parts always add up exactly, are
// never further than one minor unit from the exact proportional share, and that zero ratios
// get nothing.
func TestMoneyAllocateSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, cur := range []string{"CNY", "JPY", "BHD", "CLF"} {
		for range 300 {
			minor := rng.Int64N(2_000_000) - 1_000_000
			m, err := kehu.NewMoneyFromMinor(minor, cur)
			require.NoError(t, err)
			ratios := make([]int64, 1+rng.IntN(7))
			var total int64
			for i := range ratios {
				ratios[i] = rng.Int64N(5)
				total += ratios[i]
			}
			if total == 0 {
				ratios[0], total = 1, 1
			}
			parts, err := m.Allocate(ratios...)
			require.NoError(t, err)
			sum := kehu.ZeroMoney(m.Currency())
			unit := decimal.New(1, -int32(m.Currency().MinorUnits()))
			for i, p := range parts {
				sum, err = sum.Add(p)
				require.NoError(t, err)
				exact := m.Amount().Mul(decimal.NewFromInt(ratios[i])).Div(decimal.NewFromInt(total))
				assert.True(t, p.Amount().Sub(exact).Abs().LessThanOrEqual(unit), "%s × %d/%d gave %s", m, ratios[i], total, p)
				if ratios[i] == 0 {
					assert.True(t, p.IsZero())
				}
			}
			require.True(t, sum.Equal(m), "%s split %v sums to %s", m, ratios, sum)
		}
	}
}

func TestMoneyString(t *testing.T) {
	tests := []struct {
		m    kehu.Money
		want string
	}{
		{kehu.Money{}, "0"},
		{kehu.MustMoney("12.3", "CNY"), "12.30 CNY"},
		{kehu.MustMoney("12", "CNY"), "12.00 CNY"},
		{kehu.MustMoney("12.345", "CNY"), "12.345 CNY"},
		{kehu.MustMoney("-0.5", "CNY"), "-0.50 CNY"},
		{kehu.MustMoney("1234", "JPY"), "1234 JPY"},
		{kehu.MustMoney("1.5", "BHD"), "1.500 BHD"},
		{kehu.MustMoney("1e5", "KWD"), "100000.000 KWD"},
		{kehu.MustMoney("12.34", "CNY").Mul(mdDec("100")), "1234.00 CNY"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.m.String())
		})
	}
}

func TestParseMoney(t *testing.T) {
	m, err := kehu.ParseMoney("  12.34\tcny ")
	require.NoError(t, err)
	assert.Equal(t, "12.34 CNY", m.String())

	bad := []struct {
		in, field, rule string
	}{
		{"", "money", "required"},
		{"12.34", "currency", "required"},
		{"12.34 CNY extra", "money", "format"},
		{"CNY 12.34", "amount", "format"},
		{"12,34 CNY", "amount", "format"},
	}
	for _, tc := range bad {
		t.Run(tc.in, func(t *testing.T) {
			_, err := kehu.ParseMoney(tc.in)
			mdProblem(t, err, tc.field, tc.rule)
		})
	}
}

type moneyOrder struct {
	Total    kehu.Money  `json:"total"`
	Discount kehu.Money  `json:"discount"`
	Tip      *kehu.Money `json:"tip,omitempty"`
}

func TestMoneyJSON(t *testing.T) {
	t.Run("marshal", func(t *testing.T) {
		tests := []struct {
			m    kehu.Money
			want string
		}{
			{kehu.MustMoney("12.34", "CNY"), `{"amount":"12.34","currency":"CNY"}`},
			{kehu.MustMoney("12.3", "CNY"), `{"amount":"12.30","currency":"CNY"}`},
			{kehu.MustMoney("-1234", "JPY"), `{"amount":"-1234","currency":"JPY"}`},
			{kehu.MustMoney("1.5", "BHD"), `{"amount":"1.500","currency":"BHD"}`},
			{kehu.Money{}, `null`},
		}
		for _, tc := range tests {
			b, err := json.Marshal(tc.m)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(b))
		}
	})

	t.Run("round trip", func(t *testing.T) {
		in := moneyOrder{Total: kehu.MustMoney("99.99", "USD")}
		b, err := json.Marshal(in)
		require.NoError(t, err)
		assert.JSONEq(t, `{"total":{"amount":"99.99","currency":"USD"},"discount":null}`, string(b))
		var out moneyOrder
		require.NoError(t, json.Unmarshal(b, &out))
		assert.True(t, out.Total.Equal(in.Total))
		assert.Equal(t, kehu.Money{}, out.Discount)
		assert.Nil(t, out.Tip)
	})

	t.Run("unmarshal", func(t *testing.T) {
		tests := []struct {
			in   string
			want string
		}{
			{`{"amount":"12.34","currency":"CNY"}`, "12.34 CNY"},
			{`{"currency":"cny","amount":"12.3"}`, "12.30 CNY"},
			{`{"amount":12.345678901234,"currency":"USD"}`, "12.345678901234 USD"},
			{`{"amount":0.1,"currency":"USD"}`, "0.10 USD"},
			{`{"amount":-1.5e2,"currency":"JPY"}`, "-150 JPY"},
			{`{"amount":123456789012345678901234567890,"currency":"KRW"}`, "123456789012345678901234567890 KRW"},
			{` {"amount":"1","currency":"EUR"} `, "1.00 EUR"},
		}
		for _, tc := range tests {
			t.Run(tc.in, func(t *testing.T) {
				var m kehu.Money
				require.NoError(t, json.Unmarshal([]byte(tc.in), &m))
				assert.Equal(t, tc.want, m.String())
			})
		}
		m := kehu.MustMoney("1", "CNY")
		require.NoError(t, json.Unmarshal([]byte(`null`), &m))
		assert.Equal(t, kehu.Money{}, m)
	})

	t.Run("unmarshal invalid", func(t *testing.T) {
		tests := []struct {
			in, field, rule string
		}{
			{`{"currency":"CNY"}`, "amount", "required"},
			{`{"amount":null,"currency":"CNY"}`, "amount", "required"},
			{`{"amount":"12.34"}`, "currency", "required"},
			{`{"amount":"","currency":"CNY"}`, "amount", "required"},
			{`{"amount":"abc","currency":"CNY"}`, "amount", "format"},
			{`{"amount":true,"currency":"CNY"}`, "amount", "format"},
			{`{"amount":["1"],"currency":"CNY"}`, "amount", "format"},
			{`{"amount":"1","currency":5}`, "currency", "format"},
			{`{"amount":"1","currency":"XYZ"}`, "currency", "unknown_currency"},
			{`{"amount":"1","currency":"CNY","note":"x"}`, "note", "unknown_field"},
			{`{"amount":1e999999999,"currency":"CNY"}`, "amount", "range"},
			{`{"amount":"0.0000000000001","currency":"CNY"}`, "amount", "precision"},
			{`"12.34 CNY"`, "money", "format"},
			{`[1]`, "money", "format"},
			{`12`, "money", "format"},
		}
		for _, tc := range tests {
			t.Run(tc.in, func(t *testing.T) {
				m := kehu.MustMoney("7", "USD")
				err := json.Unmarshal([]byte(tc.in), &m)
				mdProblem(t, err, tc.field, tc.rule)
				assert.Equal(t, "7.00 USD", m.String(), "a failed decode leaves the value alone")
			})
		}
		var m kehu.Money
		mdProblem(t, m.UnmarshalJSON([]byte(`{"amount":"1","currency":"CNY"} {}`)), "money", "format")
		mdProblem(t, m.UnmarshalJSON([]byte(`{"amount":"1"`)), "money", "format")
	})

	t.Run("marshal out of bounds", func(t *testing.T) {
		tiny := kehu.MustMoney("1", "CNY").Mul(decimal.New(1, -20))
		_, err := json.Marshal(tiny)
		mdProblem(t, err, "amount", "precision")
		b, err := json.Marshal(tiny.Round(kehu.HalfUp))
		require.NoError(t, err)
		assert.JSONEq(t, `{"amount":"0.00","currency":"CNY"}`, string(b))
	})
}

func TestMoneySQL(t *testing.T) {
	t.Run("value", func(t *testing.T) {
		v, err := kehu.MustMoney("12.3", "CNY").Value()
		require.NoError(t, err)
		assert.Equal(t, "12.30 CNY", v)
		v, err = kehu.Money{}.Value()
		require.NoError(t, err)
		assert.Nil(t, v)
		_, err = kehu.MustMoney("1", "CNY").Mul(decimal.New(1, 40)).Value()
		mdProblem(t, err, "amount", "range")
	})
	t.Run("round trip", func(t *testing.T) {
		for _, in := range []kehu.Money{
			kehu.MustMoney("12.34", "CNY"), kehu.MustMoney("-1234", "JPY"), kehu.MustMoney("0.001", "BHD"),
			kehu.MustMoney("12.345", "CNY"), kehu.Money{},
		} {
			v, err := in.Value()
			require.NoError(t, err)
			var out kehu.Money
			require.NoError(t, out.Scan(v))
			assert.True(t, out.Equal(in), "%s → %v → %s", in, v, out)
			if s, ok := v.(string); ok {
				var fromBytes kehu.Money
				require.NoError(t, fromBytes.Scan([]byte(s)))
				assert.True(t, fromBytes.Equal(in))
			}
		}
	})
	t.Run("scan invalid", func(t *testing.T) {
		tests := []struct {
			name        string
			src         any
			field, rule string
		}{
			{"int", 42, "money", "type"},
			{"float", 12.34, "money", "type"},
			{"empty", "", "money", "required"},
			{"no currency", "12.34", "currency", "required"},
			{"bad amount", "x CNY", "amount", "format"},
			{"bad currency", []byte("1 ABC"), "currency", "unknown_currency"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				m := kehu.MustMoney("5", "USD")
				err := m.Scan(tc.src)
				mdProblem(t, err, tc.field, tc.rule)
				assert.Equal(t, "5.00 USD", m.String())
			})
		}
	})
}

func TestMoneyErrorsAreValidationErrors(t *testing.T) {
	// Every failure path returns something errors.As can read.
	errs := []error{
		func() error { _, err := kehu.NewMoney("x", "CNY"); return err }(),
		func() error { _, err := kehu.NewMoneyFromMinor(1, ""); return err }(),
		func() error { _, err := kehu.MoneyFromDecimal(decimal.New(1, 40), "CNY"); return err }(),
		func() error { _, err := kehu.MustMoney("1.234", "CNY").MinorUnits(); return err }(),
		func() error { _, err := kehu.MustMoney("1", "CNY").Allocate(); return err }(),
		func() error { _, err := kehu.MustMoney("1", "CNY").Add(kehu.MustMoney("1", "USD")); return err }(),
		func() error { var m kehu.Money; return m.Scan(1) }(),
	}
	for i, err := range errs {
		var verr *kehu.ValidationError
		assert.Truef(t, errors.As(err, &verr), "error %d: %v", i, err)
		assert.ErrorIs(t, err, kehu.ErrInvalid)
	}
}
