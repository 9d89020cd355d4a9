package crm_test

import (
	"database/sql/driver"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

func TestCustomerID(t *testing.T) {
	u := uuid.MustParse("01890a5d-ac96-774b-bcce-b302099a8057")
	id := crm.CustomerIDFrom(u)
	assert.Equal(t, u.String(), id.String())

	parsed, err := crm.ParseCustomerID(u.String())
	require.NoError(t, err)
	assert.Equal(t, id, parsed)

	for _, bad := range []string{"", "nope", "00000000-0000-0000-0000-000000000000", u.String() + "x"} {
		_, err := crm.ParseCustomerID(bad)
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr, bad)
		assert.True(t, verr.Has("customer_id", ""), bad)
	}

	raw, err := json.Marshal(struct{ ID crm.CustomerID }{id})
	require.NoError(t, err)
	assert.JSONEq(t, `{"ID":"01890a5d-ac96-774b-bcce-b302099a8057"}`, string(raw))
	var back struct{ ID crm.CustomerID }
	require.NoError(t, json.Unmarshal(raw, &back))
	assert.Equal(t, id, back.ID)
	assert.Error(t, json.Unmarshal([]byte(`{"ID":"zzz"}`), &back))

	v, err := id.Value()
	require.NoError(t, err)
	assert.Equal(t, driver.Value(u.String()), v)
	var scanned crm.CustomerID
	require.NoError(t, scanned.Scan(u.String()))
	assert.Equal(t, id, scanned)
	require.NoError(t, scanned.Scan(u[:]))
	assert.Equal(t, id, scanned, "16-byte binary form")
	require.NoError(t, scanned.Scan(nil))
	assert.True(t, scanned.IsZero())
	assert.Error(t, scanned.Scan(42))
	zv, err := crm.CustomerID{}.Value()
	require.NoError(t, err)
	assert.Nil(t, zv, "zero ID is NULL")

	// UUIDv7 IDs sort by creation time.
	a := crm.CustomerIDFrom(uuid.MustParse("01890a5d-ac96-774b-bcce-b302099a8057"))
	b := crm.CustomerIDFrom(uuid.MustParse("01890a5d-ac97-774b-bcce-b302099a8057"))
	assert.Equal(t, -1, a.Compare(b))
	assert.Equal(t, 1, b.Compare(a))
	assert.Equal(t, 0, a.Compare(a))
}

func TestEnumsRejectUnknownText(t *testing.T) {
	var p crm.Profile
	err := json.Unmarshal([]byte(`{"kind":"robot"}`), &p)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	err = json.Unmarshal([]byte(`{"disc":"x"}`), &p)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	st, err := crm.ParseStage(" KEY ")
	require.NoError(t, err)
	assert.Equal(t, crm.StageKey, st)
	_, err = crm.ParseStage("vip")
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	d, err := crm.ParseDISC("C")
	require.NoError(t, err)
	assert.Equal(t, crm.DISCConscientiousness, d)
	for _, s := range crm.Stages() {
		got, err := crm.ParseStage(string(s))
		require.NoError(t, err)
		assert.Equal(t, s, got)
	}
}

// A host that stores customers as JSON documents gets every typed field back.
func TestCustomerJSONRoundTrip(t *testing.T) {
	f := newFixture(t)
	p := wang()
	p.Demographics = crm.Demographics{BirthDate: kehu.MustDate(1992, time.February, 29), Gender: crm.GenderMale,
		Occupation: "teacher", IncomeBand: "100k-200k CNY", Education: crm.EducationBachelor}
	p.DISC = crm.DISCSteadiness
	p.Addresses = []crm.Address{{Country: "CN", Region: "广东省", City: "深圳市", District: "南山区", Street: "科技园路1号", PostalCode: "518057"}}
	p.Attributes = map[string]crm.AttrValue{
		"shoe_size":    crm.NumberAttr(decimal.RequireFromString("42.5")),
		"newsletter":   crm.BoolAttr(true),
		"member_since": crm.DateAttr(kehu.MustDate(2015, time.June, 1)),
		"credit_limit": crm.MoneyAttr(kehu.MustMoney("5000.00", "CNY")),
		"nickname":     crm.StringAttr("小明"),
	}
	c := f.create(t, p)
	_, err := f.svc.RecordConsent(f.ctx, c.ID, crm.ConsentInput{Channel: crm.ConsentSMS, Purpose: crm.PurposeMarketing,
		Granted: true, Source: "store:042"}, nil)
	require.NoError(t, err)
	c, err = f.svc.GetCustomer(f.ctx, c.ID)
	require.NoError(t, err)

	raw, err := json.Marshal(c)
	require.NoError(t, err)
	var back crm.Customer
	require.NoError(t, json.Unmarshal(raw, &back))
	assert.Equal(t, c.ID, back.ID)
	assert.Equal(t, c.Demographics, back.Demographics)
	assert.Equal(t, c.Addresses, back.Addresses)
	require.Len(t, back.Attributes, 5)
	for k, v := range c.Attributes {
		assert.True(t, v.Equal(back.Attributes[k]), "%s: %v != %v", k, v, back.Attributes[k])
	}
	assert.Equal(t, crm.AttrMoney, back.Attributes["credit_limit"].Kind())
	assert.Empty(t, crm.Diff(c, &back), "a JSON round trip changes no audited field")
	assert.True(t, back.MayContact(crm.ChannelSMS, crm.PurposeMarketing))

	var bad crm.AttrValue
	assert.Error(t, json.Unmarshal([]byte(`{"type":"number","value":"1e9999"}`), &bad))
	assert.Error(t, json.Unmarshal([]byte(`{"type":"bool","value":"yes"}`), &bad))
	assert.Error(t, json.Unmarshal([]byte(`{"type":"colour","value":"red"}`), &bad))
}

func TestNameKeys(t *testing.T) {
	tests := []struct {
		name crm.Name
		want []string
	}{
		{crm.Name{Display: "John Smith"}, []string{"johnsmith"}},
		{crm.Name{Display: "Smith, John"}, []string{"johnsmith"}},
		{crm.Name{Display: "王 小明"}, []string{"王小明"}},
		{crm.Name{Display: "王小明", Phonetic: "Wang Xiaoming"}, []string{"王小明", "wangxiaoming"}},
		{crm.Name{Family: "Nguyễn", Given: "An", FamilyFirst: true}, []string{"annguyễn"}},
		{crm.Name{}, nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, crm.NameKeys(tt.name), "%+v", tt.name)
	}
}

func TestParseKeyword(t *testing.T) {
	tests := []struct {
		q    string
		want []string
	}{
		{"Wang", []string{"wang"}},
		{"  smith   JOHN ", []string{"john", "smith"}},
		{"+86 138-0013-8000", []string{"8613800138000"}},
		{"0086 138 0013 8000", []string{"8613800138000"}},
		{"020 7946 0958", []string{"2079460958"}},
		{"smith 415-555-2671", []string{"4155552671", "smith"}},
		{"王小明，李华", []string{"李华", "王小明"}},
		{"", nil},
		{"007", []string{"007"}}, // too short to be a phone: kept as typed
	}
	for _, tt := range tests {
		got, err := crm.ParseKeyword(tt.q)
		require.NoError(t, err, tt.q)
		assert.Equal(t, tt.want, got, tt.q)
	}
}
