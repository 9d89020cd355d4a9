package crm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/shopspring/decimal"
)

// AttrKind is the type of a custom attribute value.
type AttrKind string

// Attribute kinds.
const (
	AttrString AttrKind = "string"
	AttrNumber AttrKind = "number"
	AttrBool   AttrKind = "bool"
	AttrDate   AttrKind = "date"
	AttrMoney  AttrKind = "money"
)

// Valid reports whether k is a known kind.
func (k AttrKind) Valid() bool {
	switch k {
	case AttrString, AttrNumber, AttrBool, AttrDate, AttrMoney:
		return true
	}
	return false
}

// AttrValue is a typed custom attribute value: a string, a decimal number, a bool, a civil
// date or an amount of money. Build one with StringAttr, NumberAttr, BoolAttr, DateAttr or
// MoneyAttr. In JSON it is {"type":"number","value":"12.5"}.
type AttrValue struct {
	kind AttrKind
	s    string
	n    decimal.Decimal
	b    bool
	d    kehu.Date
	m    kehu.Money
}

// StringAttr returns a string attribute.
func StringAttr(s string) AttrValue { return AttrValue{kind: AttrString, s: s} }

// NumberAttr returns a number attribute.
func NumberAttr(n decimal.Decimal) AttrValue { return AttrValue{kind: AttrNumber, n: n} }

// BoolAttr returns a bool attribute.
func BoolAttr(b bool) AttrValue { return AttrValue{kind: AttrBool, b: b} }

// DateAttr returns a civil date attribute.
func DateAttr(d kehu.Date) AttrValue { return AttrValue{kind: AttrDate, d: d} }

// MoneyAttr returns a money attribute.
func MoneyAttr(m kehu.Money) AttrValue { return AttrValue{kind: AttrMoney, m: m} }

// Kind returns the value's type; "" for the zero AttrValue.
func (v AttrValue) Kind() AttrKind { return v.kind }

// Str returns the string and whether v is a string.
func (v AttrValue) Str() (string, bool) { return v.s, v.kind == AttrString }

// Number returns the number and whether v is a number.
func (v AttrValue) Number() (decimal.Decimal, bool) { return v.n, v.kind == AttrNumber }

// Bool returns the bool and whether v is a bool.
func (v AttrValue) Bool() (bool, bool) { return v.b, v.kind == AttrBool }

// Date returns the date and whether v is a date.
func (v AttrValue) Date() (kehu.Date, bool) { return v.d, v.kind == AttrDate }

// Money returns the amount and whether v is money.
func (v AttrValue) Money() (kehu.Money, bool) { return v.m, v.kind == AttrMoney }

// Equal reports whether two values have the same kind and value (numbers compare by value).
func (v AttrValue) Equal(o AttrValue) bool {
	if v.kind != o.kind {
		return false
	}
	switch v.kind {
	case AttrString:
		return v.s == o.s
	case AttrNumber:
		return v.n.Equal(o.n)
	case AttrBool:
		return v.b == o.b
	case AttrDate:
		return v.d == o.d
	case AttrMoney:
		return v.m.Equal(o.m)
	}
	return true
}

// String renders the value for display and audit history.
func (v AttrValue) String() string {
	switch v.kind {
	case AttrString:
		return v.s
	case AttrNumber:
		return v.n.String()
	case AttrBool:
		return fmt.Sprint(v.b)
	case AttrDate:
		return v.d.String()
	case AttrMoney:
		return v.m.String()
	}
	return ""
}

func (v AttrValue) validate(field string, p *kehu.Problems) {
	switch v.kind {
	case AttrString:
		checkLen(p, field, v.s, maxLongText)
	case AttrNumber:
		if v.n.Exponent() < -12 || v.n.NumDigits() > 42 {
			p.Add(field, "range", "number is out of range (at most 30 integer and 12 fractional digits)")
		}
	case AttrDate:
		if !v.d.IsValid() {
			p.Add(field, "format", "is not a valid date")
		}
	case AttrMoney:
		if !v.m.Currency().Valid() {
			p.Add(field, "unknown_currency", "money attribute has no valid currency")
		}
	case AttrBool:
	default:
		p.Add(field, "required", "attribute has no value")
	}
}

type attrJSON struct {
	Type  AttrKind        `json:"type"`
	Value json.RawMessage `json:"value"`
}

// MarshalJSON encodes the value as {"type":…,"value":…}; numbers are JSON strings.
func (v AttrValue) MarshalJSON() ([]byte, error) {
	var val any
	switch v.kind {
	case AttrString:
		val = v.s
	case AttrNumber:
		val = v.n.String()
	case AttrBool:
		val = v.b
	case AttrDate:
		val = v.d
	case AttrMoney:
		val = v.m
	default:
		return []byte("null"), nil
	}
	raw, err := json.Marshal(val)
	if err != nil {
		return nil, err
	}
	return json.Marshal(attrJSON{Type: v.kind, Value: raw})
}

var attrNumberRE = regexp.MustCompile(`^-?[0-9]{1,30}(\.[0-9]{1,12})?$`)

// UnmarshalJSON decodes {"type":…,"value":…} and rejects mismatched types.
func (v *AttrValue) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*v = AttrValue{}
		return nil
	}
	var j attrJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return kehu.Invalid("attribute", "format", err.Error())
	}
	bad := func(err error) error {
		return kehu.Invalid("attribute", "format", fmt.Sprintf("value is not a %s: %v", j.Type, err))
	}
	var out AttrValue
	switch j.Type {
	case AttrString:
		var s string
		if err := json.Unmarshal(j.Value, &s); err != nil {
			return bad(err)
		}
		out = StringAttr(s)
	case AttrNumber:
		var s string
		if err := json.Unmarshal(j.Value, &s); err != nil {
			s = string(bytes.TrimSpace(j.Value))
		}
		if !attrNumberRE.MatchString(s) {
			return bad(fmt.Errorf("%q", clip.String(s, 40)))
		}
		out = NumberAttr(decimal.RequireFromString(s))
	case AttrBool:
		var x bool
		if err := json.Unmarshal(j.Value, &x); err != nil {
			return bad(err)
		}
		out = BoolAttr(x)
	case AttrDate:
		var d kehu.Date
		if err := json.Unmarshal(j.Value, &d); err != nil {
			return bad(err)
		}
		out = DateAttr(d)
	case AttrMoney:
		var m kehu.Money
		if err := json.Unmarshal(j.Value, &m); err != nil {
			return bad(err)
		}
		out = MoneyAttr(m)
	default:
		return kehu.Invalid("attribute.type", "enum", fmt.Sprintf("%q is not an attribute type", clip.String(string(j.Type), 32)))
	}
	*v = out
	return nil
}
