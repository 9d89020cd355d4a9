package kehu

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/shopspring/decimal"
)

// Bounds on the amounts that Money accepts from outside: from strings, JSON, SQL and
// decimals. They keep a short hostile input such as "1e999999999" from costing memory or
// time, and they are generous for any real amount of money.
const (
	// MaxIntegerDigits is the largest number of digits before the decimal point.
	MaxIntegerDigits = 30
	// MaxFractionDigits is the largest number of significant digits after the decimal point
	// (trailing zeros do not count: "1.50000000000000000" is fine).
	MaxFractionDigits = 12
	// maxAmountText is the longest amount text that is parsed at all.
	maxAmountText = 256
)

// ErrCurrencyMismatch reports an operation on two amounts of different currencies. It is
// also ErrInvalid. The errors returned by Money's arithmetic match both with errors.Is,
// and a *ValidationError naming field "currency" with rule "currency_mismatch" with
// errors.As.
var ErrCurrencyMismatch = fmt.Errorf("%w: currency mismatch", ErrInvalid)

// currencyMismatchError is returned by Add, Sub and Cmp for amounts in different currencies.
type currencyMismatchError struct {
	op   string
	a, b Currency
	verr *ValidationError
}

func newCurrencyMismatch(op string, a, b Currency) error {
	msg := fmt.Sprintf("cannot %s %s and %s", op, currencyLabel(a), currencyLabel(b))
	return &currencyMismatchError{
		op: op, a: a, b: b,
		verr: &ValidationError{Fields: []FieldError{{Field: "currency", Rule: "currency_mismatch", Message: msg}}},
	}
}

func (e *currencyMismatchError) Error() string {
	return fmt.Sprintf("crm: cannot %s %s and %s: %v", e.op, currencyLabel(e.a), currencyLabel(e.b), ErrCurrencyMismatch)
}

// Unwrap lets errors.Is find ErrCurrencyMismatch (and so ErrInvalid) and errors.As find the
// *ValidationError.
func (e *currencyMismatchError) Unwrap() []error { return []error{ErrCurrencyMismatch, e.verr} }

func currencyLabel(c Currency) string {
	if c == "" {
		return "no currency"
	}
	return string(c)
}

// Money is an exact amount of one currency: a decimal.Decimal paired with an ISO 4217
// code. Amounts are built from strings or integer minor units, never from floats.
//
// The zero value Money{} has no currency (Currency() == "") and an amount of zero. It is
// the "no amount" of optional fields: it prints as "0", encodes as JSON null and as SQL
// NULL. It is not a wildcard: adding it to, subtracting it from or comparing it with an
// amount that has a currency is a currency mismatch.
//
// Money is a small immutable value; copy it freely and compare it with Equal, not ==.
type Money struct {
	amount   decimal.Decimal
	currency Currency
}

// NewMoney parses an amount such as "12.34", "-0.5", "1000" or "+7" (spaces around it are
// trimmed; exponent notation such as "1.5e2" is accepted) in the given currency (see
// ParseCurrency). The amount may have at most MaxIntegerDigits digits before the point and
// MaxFractionDigits significant digits after it. It may have more decimal places than the
// currency's minor units ("12.345 CNY"); round it with Round when needed.
//
// Errors are a *ValidationError naming field "amount" (rules "required", "format",
// "range", "precision") and field "currency" (see ParseCurrency), both at once when both
// are bad.
func NewMoney(amount, currency string) (Money, error) {
	var p Problems
	d, _ := parseAmount(amount, &p)
	c, err := ParseCurrency(currency)
	p.Merge("", err)
	if err := p.Err(); err != nil {
		return Money{}, err
	}
	return Money{amount: d, currency: c}, nil
}

// NewMoneyFromMinor returns the amount of minor units of the currency: 1234 CNY is 12.34
// CNY, 1234 JPY is 1234 JPY and 1234 BHD is 1.234 BHD.
func NewMoneyFromMinor(minor int64, currency string) (Money, error) {
	c, err := ParseCurrency(currency)
	if err != nil {
		return Money{}, err
	}
	return Money{amount: decimal.New(minor, -int32(c.MinorUnits())), currency: c}, nil
}

// MustMoney is NewMoney that panics on error. It is meant for tests, examples and
// constants written in the source, never for input.
func MustMoney(amount, currency string) Money {
	m, err := NewMoney(amount, currency)
	if err != nil {
		panic(err) // MustMoney: a bad constant in the source
	}
	return m
}

// ZeroMoney returns zero in currency c. If c is not Valid it returns the zero value
// Money{}, which has no currency.
func ZeroMoney(c Currency) Money {
	if !c.Valid() {
		return Money{}
	}
	return Money{amount: decimal.Zero, currency: c}
}

// MoneyFromDecimal pairs an exact decimal with a currency, with the same bounds and errors
// as NewMoney. The currency is read as ParseCurrency reads it.
func MoneyFromDecimal(d decimal.Decimal, c Currency) (Money, error) {
	var p Problems
	amount, _ := checkAmount(d, &p)
	cur, err := ParseCurrency(string(c))
	p.Merge("", err)
	if err := p.Err(); err != nil {
		return Money{}, err
	}
	return Money{amount: amount, currency: cur}, nil
}

// ParseMoney parses the text form that String writes: an amount and a currency code
// separated by white space, e.g. "12.34 CNY". The parts follow the rules of NewMoney; text
// that is not two parts is rule "format" (or "required" when empty) on field "money".
func ParseMoney(s string) (Money, error) {
	f := strings.Fields(s)
	switch len(f) {
	case 0:
		return Money{}, Invalid("money", "required", "is empty")
	case 1:
		return NewMoney(f[0], "")
	case 2:
		return NewMoney(f[0], f[1])
	default:
		return Money{}, Invalid("money", "format", fmt.Sprintf(`%s is not "<amount> <currency>"`, clip.Quote(s)))
	}
}

// Amount returns the exact amount.
func (m Money) Amount() decimal.Decimal { return m.amount }

// Currency returns the currency; it is "" for the zero value Money{}.
func (m Money) Currency() Currency { return m.currency }

// IsZero reports whether the amount is zero, in any currency. (Note that encoding/json's
// omitzero option calls IsZero, so it omits 0 CNY as well as Money{}.)
func (m Money) IsZero() bool { return m.amount.Sign() == 0 }

// Sign returns -1, 0 or +1 as the amount is negative, zero or positive.
func (m Money) Sign() int { return m.amount.Sign() }

// IsNegative reports whether the amount is below zero.
func (m Money) IsNegative() bool { return m.amount.Sign() < 0 }

// IsPositive reports whether the amount is above zero.
func (m Money) IsPositive() bool { return m.amount.Sign() > 0 }

// Add returns m + o. Amounts of different currencies are an error matching
// ErrCurrencyMismatch.
func (m Money) Add(o Money) (Money, error) {
	if m.currency != o.currency {
		return Money{}, newCurrencyMismatch("add", m.currency, o.currency)
	}
	return Money{amount: m.amount.Add(o.amount), currency: m.currency}, nil
}

// Sub returns m - o. Amounts of different currencies are an error matching
// ErrCurrencyMismatch.
func (m Money) Sub(o Money) (Money, error) {
	if m.currency != o.currency {
		return Money{}, newCurrencyMismatch("subtract", m.currency, o.currency)
	}
	return Money{amount: m.amount.Sub(o.amount), currency: m.currency}, nil
}

// Cmp returns -1, 0 or +1 as m is less than, equal to or greater than o. Amounts of
// different currencies are an error matching ErrCurrencyMismatch.
func (m Money) Cmp(o Money) (int, error) {
	if m.currency != o.currency {
		return 0, newCurrencyMismatch("compare", m.currency, o.currency)
	}
	return m.amount.Cmp(o.amount), nil
}

// Equal reports whether m and o have the same currency and numerically equal amounts:
// 1.5 CNY equals 1.50 CNY, and 1 CNY does not equal 1 USD.
func (m Money) Equal(o Money) bool {
	return m.currency == o.currency && m.amount.Equal(o.amount)
}

// Neg returns -m.
func (m Money) Neg() Money { return Money{amount: m.amount.Neg(), currency: m.currency} }

// Abs returns |m|.
func (m Money) Abs() Money { return Money{amount: m.amount.Abs(), currency: m.currency} }

// Mul returns m × d exactly, with no rounding: 12.34 CNY × 0.15 is 1.851 CNY. Round the
// result (Round, RoundTo) before storing or showing it. Like decimal.Decimal.Mul it panics
// only if the product's exponent overflows an int32, which needs a factor with an exponent
// beyond ±2,000,000,000.
func (m Money) Mul(d decimal.Decimal) Money {
	return Money{amount: m.amount.Mul(d), currency: m.currency}
}

// MulInt returns m × n exactly.
func (m Money) MulInt(n int64) Money {
	return Money{amount: m.amount.Mul(decimal.NewFromInt(n)), currency: m.currency}
}

// Round rounds the amount to the currency's minor units with the given mode: 2 decimal
// places for CNY, 0 for JPY, 3 for BHD.
func (m Money) Round(mode RoundingMode) Money {
	return m.RoundTo(int32(m.currency.MinorUnits()), mode)
}

// RoundTo rounds the amount to places decimal places with the given mode (see
// RoundDecimal). A negative places rounds to tens, hundreds, and so on.
func (m Money) RoundTo(places int32, mode RoundingMode) Money {
	return Money{amount: RoundDecimal(m.amount, places, mode), currency: m.currency}
}

// MinorUnits returns the amount as an exact integer number of the currency's minor units:
// 12.34 CNY is 1234 and 1234 JPY is 1234. An amount with more decimal places than the
// currency has (12.345 CNY) is an error with rule "precision", and one that does not fit in
// an int64 is rule "range", both on field "amount". Round first to get a count anyway.
func (m Money) MinorUnits() (int64, error) {
	v, err := m.minorBig(19)
	if err != nil {
		return 0, err
	}
	if !v.IsInt64() {
		return 0, Invalid("amount", "range", "in minor units does not fit in an int64")
	}
	return v.Int64(), nil
}

// minorBig returns the amount in minor units, refusing sub-minor precision and results
// with more than maxDigits digits. Its messages never print the amount, which after Mul
// may be too long to print.
func (m Money) minorBig(maxDigits int64) (*big.Int, error) {
	if m.amount.Sign() == 0 {
		return new(big.Int), nil
	}
	n := m.amount.Normalize()
	e := int64(n.Exponent()) + int64(m.currency.MinorUnits())
	if e < 0 {
		return nil, Invalid("amount", "precision", fmt.Sprintf("has more decimal places than the %d of %s",
			m.currency.MinorUnits(), currencyLabel(m.currency)))
	}
	if int64(n.NumDigits())+e > maxDigits {
		return nil, Invalid("amount", "range", fmt.Sprintf("has more than %d digits in minor units", maxDigits))
	}
	v := n.Coefficient()
	return v.Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(e), nil)), nil
}

// Allocate splits m into len(ratios) parts proportional to the ratios, without losing or
// creating a single minor unit: the parts always sum exactly to m. Each part first gets its
// proportional share of m's minor units, truncated toward zero; the minor units left over
// are then handed out one at a time to the first parts whose ratio is not zero. So 100.00
// CNY split 1:1:1 is 33.34, 33.33 and 33.33, and -100.00 CNY split 1:1:1 is -33.34, -33.33
// and -33.33. A part with ratio 0 is always zero.
//
// It fails with a *ValidationError for no ratios ("ratios", "required"), a negative ratio
// ("ratios[i]", "range"), ratios that are all zero ("ratios", "range"), or an amount with
// more decimal places than the currency's minor units ("amount", "precision").
func (m Money) Allocate(ratios ...int64) ([]Money, error) {
	var p Problems
	if len(ratios) == 0 {
		p.Add("ratios", "required", "no ratios given")
	}
	total := new(big.Int)
	for i, r := range ratios {
		if r < 0 {
			p.Addf(fmt.Sprintf("ratios[%d]", i), "range", "is negative (%d)", r)
			continue
		}
		total.Add(total, big.NewInt(r))
	}
	if len(ratios) > 0 && p.Len() == 0 && total.Sign() == 0 {
		p.Add("ratios", "range", "are all zero")
	}
	whole, err := m.minorBig(MaxIntegerDigits + MaxFractionDigits + 20)
	p.Merge("", err)
	if err := p.Err(); err != nil {
		return nil, err
	}

	shares := make([]*big.Int, len(ratios))
	left := new(big.Int).Set(whole)
	for i, r := range ratios {
		s := new(big.Int).Mul(whole, big.NewInt(r))
		s.Quo(s, total) // truncates toward zero, so every share has the sign of whole
		shares[i] = s
		left.Sub(left, s)
	}
	// Each truncation lost less than one unit, so |left| is less than the number of
	// non-zero ratios and one pass over them hands it all out.
	step := big.NewInt(int64(left.Sign()))
	for i := 0; left.Sign() != 0; i = (i + 1) % len(ratios) {
		if ratios[i] == 0 {
			continue
		}
		shares[i].Add(shares[i], step)
		left.Sub(left, step)
	}

	exp := -int32(m.currency.MinorUnits())
	parts := make([]Money, len(ratios))
	for i, s := range shares {
		parts[i] = Money{amount: decimal.NewFromBigInt(s, exp), currency: m.currency}
	}
	return parts, nil
}

// String returns the amount and the currency code, e.g. "12.34 CNY". The amount shows at
// least the currency's minor units ("12.30 CNY", "1234 JPY", "1.500 BHD") and keeps any
// extra precision ("12.345 CNY"). The zero value Money{} prints "0".
func (m Money) String() string {
	if m.currency == "" {
		return "0"
	}
	return formatAmount(m.amount, m.currency.MinorUnits()) + " " + string(m.currency)
}

// formatAmount writes d in plain notation with at least minDecimals decimal places and no
// trailing zeros beyond them. It does not depend on decimal's package-level settings.
func formatAmount(d decimal.Decimal, minDecimals int) string {
	n := d.Normalize()
	places := int32(minDecimals)
	if e := n.Exponent(); e < 0 && -e > places {
		places = -e
	}
	return n.StringFixed(places) // exact: no digit beyond places is non-zero
}

// moneyJSON is the wire form of Money in JSON.
type moneyJSON struct {
	Amount   json.RawMessage `json:"amount"`
	Currency json.RawMessage `json:"currency"`
}

// MarshalJSON encodes m as {"amount":"12.34","currency":"CNY"}, the amount as a JSON
// string formatted as in String. The zero value Money{} encodes as null. An amount beyond
// the bounds of NewMoney (possible after Mul) is an error: round it first.
func (m Money) MarshalJSON() ([]byte, error) {
	if m.currency == "" {
		return []byte("null"), nil
	}
	if err := m.checkStorable(); err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		Amount   string `json:"amount"`
		Currency string `json:"currency"`
	}{formatAmount(m.amount, m.currency.MinorUnits()), string(m.currency)})
}

// UnmarshalJSON decodes {"amount":"12.34","currency":"CNY"}. The amount may also be a JSON
// number ({"amount":12.34,...}); it is read exactly from its text, never through float64.
// Both fields are required, unknown fields are refused (rule "unknown_field"), and the
// rules of NewMoney apply. JSON null decodes to the zero value Money{}.
func (m *Money) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		*m = Money{}
		return nil
	}
	var raw moneyJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			if field, uerr := strconv.Unquote(name); uerr == nil {
				return Invalid(field, "unknown_field", "is not a field of a money amount")
			}
		}
		return Invalid("money", "format", fmt.Sprintf(`want {"amount":"12.34","currency":"CNY"}: %v`, err))
	}
	if dec.More() {
		return Invalid("money", "format", "has data after the JSON object")
	}

	var p Problems
	var amount decimal.Decimal
	switch a := raw.Amount; {
	case len(a) == 0 || string(a) == "null":
		p.Add("amount", "required", "is missing")
	case a[0] == '"':
		var s string
		if err := json.Unmarshal(a, &s); err != nil {
			p.Add("amount", "format", "is not a valid JSON string")
			break
		}
		amount, _ = parseAmount(s, &p)
	case a[0] == '-' || (a[0] >= '0' && a[0] <= '9'):
		amount, _ = parseAmount(string(a), &p)
	default:
		p.Add("amount", "format", "must be a string or a number")
	}

	var cur Currency
	switch c := raw.Currency; {
	case len(c) == 0 || string(c) == "null":
		p.Add("currency", "required", "is missing")
	case c[0] == '"':
		var s string
		if err := json.Unmarshal(c, &s); err != nil {
			p.Add("currency", "format", "is not a valid JSON string")
			break
		}
		v, err := ParseCurrency(s)
		p.Merge("", err)
		cur = v
	default:
		p.Add("currency", "format", "must be a string")
	}

	if err := p.Err(); err != nil {
		return err
	}
	*m = Money{amount: amount, currency: cur}
	return nil
}

// Value implements driver.Valuer: the text form of String ("12.34 CNY"), or NULL for the
// zero value Money{}. An amount beyond the bounds of NewMoney is an error.
func (m Money) Value() (driver.Value, error) {
	if m.currency == "" {
		return nil, nil
	}
	if err := m.checkStorable(); err != nil {
		return nil, err
	}
	return m.String(), nil
}

// Scan implements sql.Scanner for the text form written by Value (string or []byte, read
// by ParseMoney) and NULL, which gives the zero value Money{}. Other types are rule "type"
// on field "money".
func (m *Money) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		*m = Money{}
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return Invalid("money", "type", fmt.Sprintf("cannot scan %T into a money amount", src))
	}
	v, err := ParseMoney(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// checkStorable reports an amount that NewMoney would not read back.
func (m Money) checkStorable() error {
	var p Problems
	checkAmount(m.amount, &p)
	return p.Err()
}

// parseAmount reads a decimal amount:
//
//	[+-] digits [ . digits ] [ (e|E) [+-] digits ]
//
// after trimming spaces, and checks it against the bounds. Problems go to p on field
// "amount".
func parseAmount(s string, p *Problems) (decimal.Decimal, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		p.Add("amount", "required", "is empty")
		return decimal.Decimal{}, false
	}
	if len(t) > maxAmountText {
		p.Addf("amount", "format", "is longer than %d characters", maxAmountText)
		return decimal.Decimal{}, false
	}
	bad := func() (decimal.Decimal, bool) {
		p.Addf("amount", "format", "%s is not a decimal number such as 12.34", clip.Quote(s))
		return decimal.Decimal{}, false
	}
	i := 0
	neg := false
	if t[0] == '+' || t[0] == '-' {
		neg = t[0] == '-'
		i++
	}
	start := i
	for i < len(t) && isDigit(t[i]) {
		i++
	}
	intDigits := t[start:i]
	fracDigits := ""
	if i < len(t) && t[i] == '.' {
		i++
		start = i
		for i < len(t) && isDigit(t[i]) {
			i++
		}
		fracDigits = t[start:i]
		if fracDigits == "" {
			return bad()
		}
	}
	if intDigits == "" {
		return bad()
	}
	exp := 0
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		expNeg := false
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			expNeg = t[i] == '-'
			i++
		}
		start = i
		for i < len(t) && isDigit(t[i]) {
			i++
		}
		digits := t[start:i]
		if digits == "" {
			return bad()
		}
		digits = strings.TrimLeft(digits, "0")
		if len(digits) > 5 {
			// Far beyond the bounds either way: with at most maxAmountText digits, no
			// trailing zeros can bring it back.
			exp = 100000
		} else if digits != "" {
			exp, _ = strconv.Atoi(digits)
		}
		if expNeg {
			exp = -exp
		}
	}
	if i != len(t) {
		return bad()
	}
	coef := strings.TrimLeft(intDigits+fracDigits, "0")
	if coef == "" {
		return decimal.Zero, true
	}
	if neg {
		coef = "-" + coef
	}
	v, ok := new(big.Int).SetString(coef, 10)
	if !ok {
		return bad()
	}
	return checkAmount(decimal.NewFromBigInt(v, int32(exp-len(fracDigits))), p)
}

// checkAmount checks d against MaxIntegerDigits and MaxFractionDigits and returns it in
// canonical form: no trailing zeros after the point, and a plain integer coefficient when
// it has none.
func checkAmount(d decimal.Decimal, p *Problems) (decimal.Decimal, bool) {
	if d.Sign() == 0 {
		return decimal.Zero, true
	}
	n := d.Normalize()
	e := int64(n.Exponent())
	ok := true
	if int64(n.NumDigits())+e > MaxIntegerDigits {
		p.Addf("amount", "range", "has more than %d digits before the decimal point", MaxIntegerDigits)
		ok = false
	}
	if -e > MaxFractionDigits {
		p.Addf("amount", "precision", "has more than %d decimal places", MaxFractionDigits)
		ok = false
	}
	if !ok {
		return decimal.Decimal{}, false
	}
	if e > 0 {
		n = n.RoundDown(0) // exact: only multiplies the coefficient by 10^e, e < 30
	}
	return n, true
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// RoundingMode chooses how a value is rounded to a number of decimal places. The zero
// value is HalfUp, the usual commercial rounding.
type RoundingMode int

// The rounding modes. Each is shown on 2.5, -2.5, 2.1 and -2.9 rounded to an integer.
const (
	// HalfUp rounds to the nearest value, ties away from zero: 3, -3, 2, -3.
	HalfUp RoundingMode = iota
	// HalfEven rounds to the nearest value, ties to the even neighbour (banker's
	// rounding): 2, -2, 2, -3.
	HalfEven
	// HalfDown rounds to the nearest value, ties toward zero: 2, -2, 2, -3.
	HalfDown
	// Down truncates toward zero: 2, -2, 2, -2.
	Down
	// Up rounds away from zero: 3, -3, 3, -3.
	Up
	// Floor rounds toward negative infinity: 2, -3, 2, -3.
	Floor
	// Ceiling rounds toward positive infinity: 3, -2, 3, -2.
	Ceiling
)

// String returns the text form: "half_up", "half_even", "half_down", "down", "up",
// "floor" or "ceiling"; or "RoundingMode(n)" for a value that is not a mode.
func (r RoundingMode) String() string {
	switch r {
	case HalfUp:
		return "half_up"
	case HalfEven:
		return "half_even"
	case HalfDown:
		return "half_down"
	case Down:
		return "down"
	case Up:
		return "up"
	case Floor:
		return "floor"
	case Ceiling:
		return "ceiling"
	}
	return "RoundingMode(" + strconv.Itoa(int(r)) + ")"
}

// Valid reports whether r is one of the declared modes.
func (r RoundingMode) Valid() bool { return r >= HalfUp && r <= Ceiling }

// ParseRoundingMode parses the text form written by String, ignoring case and surrounding
// spaces. It fails with a *ValidationError on field "rounding_mode": rule "required" when
// empty, "unknown_rounding_mode" otherwise.
func ParseRoundingMode(s string) (RoundingMode, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return 0, Invalid("rounding_mode", "required", "is empty")
	}
	for r := HalfUp; r <= Ceiling; r++ {
		if r.String() == t {
			return r, nil
		}
	}
	return 0, Invalid("rounding_mode", "unknown_rounding_mode",
		fmt.Sprintf("%s is not one of half_up, half_even, half_down, down, up, floor, ceiling", clip.Quote(s)))
}

// MarshalText implements encoding.TextMarshaler; a value that is not a mode is an error.
func (r RoundingMode) MarshalText() ([]byte, error) {
	if !r.Valid() {
		return nil, Invalid("rounding_mode", "unknown_rounding_mode", r.String()+" is not a rounding mode")
	}
	return []byte(r.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseRoundingMode.
func (r *RoundingMode) UnmarshalText(text []byte) error {
	v, err := ParseRoundingMode(string(text))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// RoundDecimal rounds d to places decimal places (to a multiple of 10^-places; a negative
// places rounds to tens, hundreds, ...) with the given mode. The result has exactly places
// decimal places in its representation, except that a d with no digit beyond places is
// returned unchanged. A mode that is not Valid rounds like HalfUp.
//
// It works for any decimal, and it is cheap even for absurd places: it never builds a
// power of ten larger than d itself.
func RoundDecimal(d decimal.Decimal, places int32, mode RoundingMode) decimal.Decimal {
	if places == -1<<31 {
		places++ // so that -places is an int32
	}
	dropped := -int64(places) - int64(d.Exponent()) // how many digits of d are cut
	if dropped <= 0 {
		return d
	}
	if dropped > int64(d.NumDigits())+1 {
		// |d| < 0.1 × 10^-places: every mode gives 0 or one unit of 10^-places.
		unit := int64(0)
		switch s := d.Sign(); {
		case s == 0:
		case mode == Up:
			unit = int64(s)
		case mode == Floor && s < 0:
			unit = -1
		case mode == Ceiling && s > 0:
			unit = 1
		}
		return decimal.New(unit, -places)
	}
	switch mode {
	case HalfEven:
		return d.RoundBank(places)
	case HalfDown:
		toward := d.RoundDown(places)
		away := d.RoundUp(places)
		// Go away from zero only when strictly nearer to that neighbour.
		if away.Sub(d).Abs().Cmp(d.Sub(toward).Abs()) < 0 {
			return away
		}
		return toward
	case Down:
		return d.RoundDown(places)
	case Up:
		return d.RoundUp(places)
	case Floor:
		return d.RoundFloor(places)
	case Ceiling:
		return d.RoundCeil(places)
	default: // HalfUp
		return d.Round(places)
	}
}
