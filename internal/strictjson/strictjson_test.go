package strictjson_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/enum"
	"github.com/kehu-crm/kehu/internal/strictjson"
)

// kind is an enum whose UnmarshalText refuses an unknown value with a
// *kehu.ValidationError on "kind", rule "enum".
type kind string

func (k kind) Valid() bool                   { return k == "a" || k == "b" }
func (k *kind) UnmarshalText(b []byte) error { return enum.Unmarshal("kind", k, b) }

// Rule is embedded in item: its fields are item's own in JSON.
type Rule struct {
	Owner  string `json:"owner,omitempty"`
	Weight int    `json:"weight,omitempty"`
}

type item struct {
	Name  string `json:"name"`
	Kind  kind   `json:"kind,omitempty"`
	Tags  []kind `json:"tags,omitempty"`
	Count int    `json:"count,omitempty"`
	Rule
}

type limits struct {
	Max  *int             `json:"max,omitempty"`
	Rate *decimal.Decimal `json:"rate,omitempty"`
}

type doc struct {
	ID     string            `json:"id"`
	Items  []item            `json:"items"`
	Labels map[string]string `json:"labels,omitempty"`
	Points map[int]item      `json:"points,omitempty"`
	ByKind map[kind]int      `json:"by_kind,omitempty"`
	Limits *limits           `json:"limits,omitempty"`
	Price  *kehu.Money       `json:"price,omitempty"`
	Grid   [2][]int          `json:"grid,omitzero"`
	Extra  any               `json:"extra,omitempty"`
	On     bool              `json:"on,omitempty"`
}

var testDoc = strictjson.Doc{Root: "doc", Object: "the document", Reading: "test: reading the document", Limit: 1 << 10}

// problem is one expected problem: its field and rule, and a part of its message.
type problem struct{ field, rule, says string }

func TestDecodeNamesTheFullPath(t *testing.T) {
	tests := []struct {
		name string
		json string
		want []problem
	}{
		{"unknown top-level field", `{"id": "x", "itemz": []}`,
			[]problem{{"itemz", "unknown_field", `unknown field; did you mean "items"?`}}},
		{"unknown field at depth", `{"id": "x", "items": [{"name": "a"}, {"name": "b"}, {"name": "c", "cout": 2}]}`,
			[]problem{{"items[2].cout", "unknown_field", `did you mean "count"?`}}},
		{"unknown field, nothing near", `{"id": "x", "limits": {"colour": "red"}}`,
			[]problem{{"limits.colour", "unknown_field", `unknown field; the fields here are "max", "rate"`}}},
		{"a field of an embedded struct", `{"id": "x", "items": [{"name": "a", "owner": "ann", "wieght": 2}]}`,
			[]problem{{"items[0].wieght", "unknown_field", `did you mean "weight"?`}}},
		{"a wrong type in an embedded struct", `{"id": "x", "items": [{"name": "a", "weight": "2"}]}`,
			[]problem{{"items[0].weight", "type", "cannot hold a JSON string; want an integer"}}},
		{"a value its own decoder refuses", `{"id": "x", "items": [{"name": "a"}, {"name": "b"}, {"name": "c", "kind": "z"}]}`,
			[]problem{{"items[2].kind", "enum", `"z" is not a known value`}}},
		{"in an array of enums", `{"id": "x", "items": [{"name": "a", "tags": ["a", "q", "b", "r"]}]}`,
			[]problem{{"items[0].tags[1]", "enum", `"q"`}, {"items[0].tags[3]", "enum", `"r"`}}},
		{"a number for a text value", `{"id": "x", "items": [{"name": "a", "kind": 3}]}`,
			[]problem{{"items[0].kind", "type", "cannot hold a JSON number; want a string"}}},
		{"a number for a string", `{"id": 7}`,
			[]problem{{"id", "type", "cannot hold a JSON number; want a string"}}},
		{"a string for a bool", `{"id": "x", "on": "yes"}`,
			[]problem{{"on", "type", "cannot hold a JSON string; want true or false"}}},
		{"an object for an array", `{"id": "x", "items": {}}`,
			[]problem{{"items", "type", "cannot hold a JSON object; want an array"}}},
		{"an array for an object", `{"id": "x", "items": [[]]}`,
			[]problem{{"items[0]", "type", "cannot hold a JSON array; want an object"}}},
		{"integer overflow", `{"id": "x", "items": [{"name": "a", "count": 1e30}]}`,
			[]problem{{"items[0].count", "type", "want an integer"}}},
		{"a fixed-length array", `{"id": "x", "grid": [[1], [2, "3"]]}`,
			[]problem{{"grid[1][1]", "type", "want an integer"}}},
		{"a map value", `{"id": "x", "labels": {"en": "a", "zh": 2}}`,
			[]problem{{"labels.zh", "type", "cannot hold a JSON number; want a string"}}},
		{"a struct in a map", `{"id": "x", "points": {"1": {"name": "a"}, "5": {"nme": "b"}}}`,
			[]problem{{"points.5.nme", "unknown_field", `did you mean "name"?`}}},
		{"a map key that is not an integer", `{"id": "x", "points": {"one": {"name": "a"}}}`,
			[]problem{{"points.one", "type", `"one" is not a key here; want an integer`}}},
		{"a map key its own decoder refuses", `{"id": "x", "by_kind": {"a": 1, "z": 2}}`,
			[]problem{{"by_kind.z", "enum", `"z" is not a known value`}}},
		{"a pointer to a struct", `{"id": "x", "limits": {"max": "ten"}}`,
			[]problem{{"limits.max", "type", "cannot hold a JSON string; want an integer"}}},
		{"a decimal that does not parse", `{"id": "x", "limits": {"rate": "abc"}}`,
			[]problem{{"limits.rate", "format", `"abc" is not a decimal number such as "1" or "0.01"`}}},
		{"a member its own decoder names", `{"id": "x", "price": {"amount": "x", "currency": "CNY"}}`,
			[]problem{{"price.amount", "format", ""}}},
		{"an unknown member its own decoder names", `{"id": "x", "price": {"amount": "1", "currency": "CNY", "note": "n"}}`,
			[]problem{{"price.note", "unknown_field", ""}}},
		{"any value for an interface", `{"id": "x", "extra": {"anything": [1, "two"]}, "itemz": 1}`,
			[]problem{{"itemz", "unknown_field", ""}}},
		{"a key differing in case is the field", `{"ID": "x", "Items": [{"NAME": "a", "Kind": "z"}]}`,
			[]problem{{"items[0].kind", "enum", ""}}},
		{"every problem, in document order", `{"id": "x", "items": [{"nam": "a", "count": "1"}, {"name": "b", "kind": "c"}], "on": 1}`,
			[]problem{{"items[0].nam", "unknown_field", ""}, {"items[0].count", "type", ""}, {"items[1].kind", "enum", ""}, {"on", "type", ""}}},
		{"not an object", `[]`,
			[]problem{{"doc", "type", "cannot hold a JSON array; want an object"}}},
		{"a syntax error", `{"id": "x",, "items": []}`,
			[]problem{{"doc", "syntax", "is not valid JSON at byte 12"}}},
		{"cut short", `{"id": "x", "items": [`,
			[]problem{{"doc", "syntax", "ends before the document is complete"}}},
		{"trailing data", `{"id": "x"} {}`,
			[]problem{{"doc", "syntax", "has data after the document, at byte 13"}}},
		{"trailing garbage", `{"id": "x"} x`,
			[]problem{{"doc", "syntax", "has data after the document"}}},
		{"empty", "",
			[]problem{{"doc", "required", "is empty"}}},
		{"only spaces", " \n\t ",
			[]problem{{"doc", "required", "is empty"}}},
		{"too long", `{"id": "` + strings.Repeat("x", 1<<10) + `"}`,
			[]problem{{"doc", "max_length", "is longer than 1024 bytes"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			err := strictjson.Decode(strings.NewReader(tt.json), testDoc, &d)
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.ErrorIs(t, err, kehu.ErrInvalid)
			require.Len(t, verr.Fields, len(tt.want), "%v", err)
			for i, w := range tt.want {
				f := verr.Fields[i]
				assert.Equal(t, w.field, f.Field, "%v", err)
				assert.Equal(t, w.rule, f.Rule, "%v", err)
				assert.Contains(t, f.Message, w.says)
			}
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	var d doc
	require.NoError(t, strictjson.Decode(strings.NewReader(`{"id": "x", "items": [{"name": "a", "kind": "B", "owner": "ann", "weight": 2}],
		"labels": {"en": "A"}, "points": {"3": {"name": "c"}}, "by_kind": {"a": 1}, "limits": {"max": 3, "rate": "0.5"},
		"price": {"amount": "1.50", "currency": "CNY"}, "grid": [[1], [2, 3]], "extra": [1], "on": true, "ID": "y"} `), testDoc, &d))
	assert.Equal(t, "y", d.ID, "a key differing in case decodes into the field, the last one winning")
	assert.Equal(t, kind("b"), d.Items[0].Kind)
	assert.Equal(t, Rule{Owner: "ann", Weight: 2}, d.Items[0].Rule)
	assert.Equal(t, 3, *d.Limits.Max)
	assert.Equal(t, "1.50 CNY", d.Price.String())
	assert.Equal(t, [2][]int{{1}, {2, 3}}, d.Grid)

	var null doc
	require.NoError(t, strictjson.Decode(strings.NewReader(`null`), testDoc, &null), "null leaves the value as it is")
	assert.Equal(t, doc{}, null)
}

func TestDecodeReader(t *testing.T) {
	var d doc
	err := strictjson.Decode(nil, testDoc, &d)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("doc", "required"), "%v", err)

	broken := errors.New("disk on fire")
	err = strictjson.Decode(iotest.ErrReader(broken), testDoc, &d)
	assert.ErrorIs(t, err, broken)
	assert.NotErrorIs(t, err, kehu.ErrInvalid, "a reader's error is not the document's")
	assert.Equal(t, "test: reading the document: disk on fire", err.Error())

	// Exactly the limit is read; one byte more is too long.
	exact := `{"id": "` + strings.Repeat("x", testDoc.Limit-10) + `"}`
	require.Len(t, exact, testDoc.Limit)
	require.NoError(t, strictjson.Decode(strings.NewReader(exact), testDoc, &d))
	err = strictjson.Decode(io.MultiReader(strings.NewReader(exact), strings.NewReader(" ")), testDoc, &d)
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("doc", "max_length"), "%v", err)
}

func TestDecodeDefaults(t *testing.T) {
	plain := strictjson.Doc{Root: "thing", Limit: 100}
	var d doc
	err := strictjson.Decode(strings.NewReader(`{"id": "x"} 1`), plain, &d)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "has data after the thing object")
	err = strictjson.Decode(iotest.ErrReader(io.ErrClosedPipe), plain, &d)
	assert.Equal(t, "reading the thing: io: read/write on closed pipe", err.Error())
}

func TestDecodeBoundsTheProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"id": "x", "items": [`)
	for i := range 80 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"name": "n", "kind": "z%d"}`, i)
	}
	b.WriteString(`]}`)
	var d doc
	err := strictjson.Decode(strings.NewReader(b.String()), strictjson.Doc{Root: "doc", Limit: 1 << 20}, &d)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.Len(t, verr.Fields, strictjson.MaxProblems)
	assert.Equal(t, "items[49].kind", verr.Fields[strictjson.MaxProblems-1].Field)
}

// An embedded struct of the module itself: crm.ContactRule's fields are crm.CadenceSpec's
// own in JSON, at the parent's level.
func TestDecodeEmbeddedContactRule(t *testing.T) {
	tests := []struct {
		json string
		want problem
	}{
		{`{"cadences": [{"name": "a", "every_days": 1}, {"name": "b", "every_days": 1, "chanels": ["phone"]}]}`,
			problem{"cadences[1].chanels", "unknown_field", `did you mean "channels"?`}},
		{`{"cadences": [{"name": "a", "every_days": 1, "channels": ["phone", "fax"]}]}`,
			problem{"cadences[0].channels[1]", "enum", `"fax"`}},
		{`{"cadences": [{"name": "a", "every_days": 1, "purpose": "sales"}]}`,
			problem{"cadences[0].purpose", "enum", `"sales"`}},
		{`{"cadences": [{"name": "a", "every_days": 1, "outbound_only": "yes"}]}`,
			problem{"cadences[0].outbound_only", "type", "want true or false"}},
		{`{"follow_ups": [{"name": "a", "after": "order", "days": 1, "counts": ["sms", "pigeon"]}]}`,
			problem{"follow_ups[0].counts[1]", "enum", `"pigeon"`}},
		{`{"cadences": [{"name": "a", "stages": ["vip"]}]}`,
			problem{"cadences[0].stages[0]", "enum", `"vip"`}},
	}
	for _, tt := range tests {
		var spec crm.ContactPlanSpec
		err := strictjson.Decode(strings.NewReader(tt.json), strictjson.Doc{Root: "plan", Limit: 1 << 16}, &spec)
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr, tt.json)
		require.Len(t, verr.Fields, 1, "%v", err)
		f := verr.Fields[0]
		assert.Equal(t, tt.want, problem{f.Field, f.Rule, tt.want.says}, "%v", err)
		assert.Contains(t, f.Message, tt.want.says)
	}
}
