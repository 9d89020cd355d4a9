package kehu_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/kehu-crm/kehu"
)

// FuzzParseMoney checks that reading an amount never panics, and that every amount it
// accepts survives the text, JSON and SQL forms unchanged.
func FuzzParseMoney(f *testing.F) {
	seeds := []struct{ amount, currency string }{
		{"12.34", "CNY"}, {"-0.5", "USD"}, {"1000", "JPY"}, {"1.234", "BHD"}, {"0.0001", "CLF"},
		{"+7", "eur"}, {" 12.30 ", " hkd "}, {"0", "TWD"}, {"-0", "KRW"}, {"1.5e2", "KWD"},
		{"15E-1", "TND"}, {"1e30", "CNY"}, {"1e-13", "CNY"}, {"1e999999999", "CNY"},
		{"0e-999999999", "USD"}, {"123456789012345678901234567890.123456789012", "USD"},
		{"1234567890123456789012345678901", "USD"}, {"0.0000000000001", "USD"},
		{"", ""}, {"abc", "XYZ"}, {".5", "CNY"}, {"5.", "CNY"}, {"1,000", "CNY"},
		{"NaN", "USD"}, {"--1", "USD"}, {"1e", "USD"}, {"１２", "CNY"}, {"12", "ＣＮＹ"},
		{`{"amount":"12.34","currency":"CNY"}`, "CNY"}, {`{"amount":1e2,"currency":"JPY"}`, ""},
		{"null", "XAU"},
	}
	for _, s := range seeds {
		f.Add(s.amount, s.currency)
	}
	f.Fuzz(func(t *testing.T, amount, currency string) {
		// Other readers of untrusted text must not panic either.
		_, _ = kehu.ParseMoney(amount + " " + currency)
		_, _ = kehu.ParseCurrency(currency)
		var fromJSON kehu.Money
		_ = fromJSON.UnmarshalJSON([]byte(amount))
		_ = fromJSON.Scan(amount)

		m, err := kehu.NewMoney(amount, currency)
		if err != nil {
			if m != (kehu.Money{}) {
				t.Fatalf("NewMoney(%q, %q) failed but returned %v", amount, currency, m)
			}
			return
		}
		if !m.Currency().Valid() {
			t.Fatalf("NewMoney(%q, %q) = %v with an invalid currency", amount, currency, m)
		}

		s := m.String()
		back, err := kehu.ParseMoney(s)
		if err != nil {
			t.Fatalf("ParseMoney(%q) from NewMoney(%q, %q): %v", s, amount, currency, err)
		}
		if !back.Equal(m) || back.String() != s {
			t.Fatalf("text round trip: %v → %q → %v", m, s, back)
		}

		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("json.Marshal(%v): %v", m, err)
		}
		var fromJ kehu.Money
		if err := json.Unmarshal(b, &fromJ); err != nil {
			t.Fatalf("json.Unmarshal(%s): %v", b, err)
		}
		if !fromJ.Equal(m) {
			t.Fatalf("JSON round trip: %v → %s → %v", m, b, fromJ)
		}

		v, err := m.Value()
		if err != nil {
			t.Fatalf("Value(%v): %v", m, err)
		}
		var fromSQL kehu.Money
		if err := fromSQL.Scan(v); err != nil || !fromSQL.Equal(m) {
			t.Fatalf("SQL round trip: %v → %v → %v (%v)", m, v, fromSQL, err)
		}

		// Rounding to the currency always gives whole minor units, within one unit.
		for _, mode := range []kehu.RoundingMode{kehu.HalfUp, kehu.HalfEven, kehu.HalfDown, kehu.Down, kehu.Up, kehu.Floor, kehu.Ceiling} {
			r := m.Round(mode)
			if _, err := r.MinorUnits(); err != nil && !mdIsRangeErr(err) {
				t.Fatalf("%v rounded %s = %v: %v", m, mode, r, err)
			}
		}
	})
}

func mdIsRangeErr(err error) bool {
	var verr *kehu.ValidationError
	return errors.As(err, &verr) && verr.Has("amount", "range")
}
