package crm_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

const scorecardJSON = `{
  "currency": "CNY",
  "time_zone": "Asia/Shanghai",
  "rounding": {"places": 2, "mode": "half_even"},
  "targets": {
    "satisfaction_rate": {"at_least": "90%"},
    "churn_rate": {"at_most": 0.05},
    "nps": {"at_least": "30"},
    "average_order_value": {"at_least": "120.00"},
    "complaints_received": {"at_most": "40"}
  }
}`

func TestLoadScorecard(t *testing.T) {
	def, err := crm.LoadScorecard(strings.NewReader(scorecardJSON))
	require.NoError(t, err)
	assert.Equal(t, kehu.Currency("CNY"), def.Currency())
	assert.Equal(t, "Asia/Shanghai", def.Location().String())
	for _, tt := range []struct {
		kpi   crm.KPIName
		op    crm.TargetOp
		value string
	}{
		{crm.KPISatisfactionRate, crm.AtLeast, "0.9"}, // 90% is the fraction 0.9
		{crm.KPIChurnRate, crm.AtMost, "0.05"},        // a JSON number
		{crm.KPINPS, crm.AtLeast, "30"},
		{crm.KPIAverageOrderValue, crm.AtLeast, "120"},
		{crm.KPIComplaintsReceived, crm.AtMost, "40"},
	} {
		op, v, ok := def.Target(tt.kpi)
		require.True(t, ok, tt.kpi)
		assert.Equal(t, tt.op, op)
		assert.Equal(t, tt.value, v.String())
	}
	_, _, ok := def.Target(crm.KPIRetentionRate)
	assert.False(t, ok)

	// MarshalJSON writes what LoadScorecard reads.
	b, err := json.Marshal(def)
	require.NoError(t, err)
	again, err := crm.LoadScorecard(strings.NewReader(string(b)))
	require.NoError(t, err)
	assert.Equal(t, def.Spec(), again.Spec())

	// Spec is a copy.
	s := def.Spec()
	*s.Rounding.Places = 5
	s.Targets[crm.KPINPS] = crm.ScorecardTarget{AtLeast: "99"}
	assert.Equal(t, 2, *def.Spec().Rounding.Places)
	_, v, _ := def.Target(crm.KPINPS)
	assert.Equal(t, "30", v.String())
}

func TestLoadScorecardErrors(t *testing.T) {
	tests := []struct {
		name, json  string
		field, rule string
	}{
		{"empty", "  ", "scorecard", "required"},
		{"syntax", `{"currency": "CNY",}`, "scorecard", "syntax"},
		{"trailing data", `{"currency": "CNY"} {}`, "scorecard", "syntax"},
		{"not an object", `["CNY"]`, "scorecard", "type"},
		{"unknown top field", `{"currency": "CNY", "curency": "USD"}`, "curency", "unknown_field"},
		{"unknown nested field", `{"currency": "CNY", "rounding": {"place": 1}}`, "rounding.place", "unknown_field"},
		{"unknown target field", `{"currency": "CNY", "targets": {"nps": {"at_leest": "30"}}}`, "targets.nps.at_leest", "unknown_field"},
		{"wrong type", `{"currency": 156}`, "currency", "type"},
		{"places not a number", `{"currency": "CNY", "rounding": {"places": "one"}}`, "rounding.places", "type"},
		{"target not an object", `{"currency": "CNY", "targets": {"nps": "30"}}`, "targets.nps", "type"},
		{"targets not an object", `{"currency": "CNY", "targets": []}`, "targets", "type"},
		{"target value wrong type", `{"currency": "CNY", "targets": {"nps": {"at_least": true}}}`, "targets.nps.at_least", "type"},
		{"bad mode", `{"currency": "CNY", "rounding": {"mode": "bankers"}}`, "rounding.mode", "enum"},
		{"no currency", `{}`, "currency", "required"},
		{"unknown currency", `{"currency": "XYZ"}`, "currency", "unknown_currency"},
		{"unknown zone", `{"currency": "CNY", "time_zone": "Mars/Olympus"}`, "time_zone", "unknown_zone"},
		{"local zone", `{"currency": "CNY", "time_zone": "Local"}`, "time_zone", "unknown_zone"},
		{"places out of range", `{"currency": "CNY", "rounding": {"places": 7}}`, "rounding.places", "range"},
		{"unknown kpi", `{"currency": "CNY", "targets": {"satisfaction": {"at_least": "0.9"}}}`, "targets.satisfaction", "unknown_kpi"},
		{"no bound", `{"currency": "CNY", "targets": {"nps": {}}}`, "targets.nps", "required"},
		{"both bounds", `{"currency": "CNY", "targets": {"nps": {"at_least": "1", "at_most": "2"}}}`, "targets.nps", "exclusive"},
		{"rate above 100%", `{"currency": "CNY", "targets": {"satisfaction_rate": {"at_least": "120%"}}}`, "targets.satisfaction_rate.at_least", "range"},
		{"rate above 1", `{"currency": "CNY", "targets": {"churn_rate": {"at_most": "5"}}}`, "targets.churn_rate.at_most", "range"},
		{"nps beyond 100", `{"currency": "CNY", "targets": {"nps": {"at_least": "-101"}}}`, "targets.nps.at_least", "range"},
		{"per cent on a score", `{"currency": "CNY", "targets": {"nps": {"at_least": "30%"}}}`, "targets.nps.at_least", "format"},
		{"count not whole", `{"currency": "CNY", "targets": {"new_customers": {"at_least": "10.5"}}}`, "targets.new_customers.at_least", "whole"},
		{"money too precise", `{"currency": "CNY", "targets": {"average_order_value": {"at_least": "1.001"}}}`, "targets.average_order_value.at_least", "precision"},
		{"money negative", `{"currency": "CNY", "targets": {"average_order_value": {"at_least": "-1"}}}`, "targets.average_order_value.at_least", "range"},
		{"exponent", `{"currency": "CNY", "targets": {"nps": {"at_least": 1e999999999}}}`, "targets.nps.at_least", "format"},
		{"not a number", `{"currency": "CNY", "targets": {"nps": {"at_least": "thirty"}}}`, "targets.nps.at_least", "format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := crm.LoadScorecard(strings.NewReader(tt.json))
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tt.field, tt.rule), "%v", err)
			assert.ErrorIs(t, err, kehu.ErrInvalid)
		})
	}

	// Every problem at once, with the nearest names.
	_, err := crm.LoadScorecard(strings.NewReader(`{"currency": "CNY", "targets": {"nsp": {"at_least": "30"}, "churn_rate": {"at_mots": "0.1"}}}`))
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("targets.churn_rate.at_mots", "unknown_field"), err)
	assert.Contains(t, err.Error(), `did you mean "at_most"?`)

	_, err = crm.LoadScorecard(strings.NewReader(`{"currency": "CNY", "targets": {"npss": {"at_least": "30"}, "churn_rate": {"at_most": "2"}}}`))
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("targets.npss", "unknown_kpi"), err)
	assert.True(t, verr.Has("targets.churn_rate.at_most", "range"), err)
	assert.Contains(t, err.Error(), `did you mean "nps"?`)

	_, err = crm.LoadScorecard(nil)
	require.ErrorAs(t, err, &verr)
	_, err = crm.LoadScorecard(strings.NewReader(`{"currency": "CNY", "time_zone": "` + strings.Repeat("x", crm.MaxScorecardSpecBytes) + `"}`))
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("scorecard", "max_length"))
	_, err = crm.LoadScorecard(errReader{})
	require.Error(t, err)
	assert.False(t, errors.As(err, &verr), "a reader's failure is not bad input")
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestCompileScorecardInGo(t *testing.T) {
	places := 0
	def, err := crm.CompileScorecard(crm.ScorecardSpec{
		Currency: "jpy",
		Rounding: crm.ScorecardRounding{Places: &places, Mode: kehu.Floor},
		Targets:  map[crm.KPIName]crm.ScorecardTarget{crm.KPIAverageOrderValue: {AtLeast: "3500"}},
	})
	require.NoError(t, err)
	assert.Equal(t, kehu.Currency("JPY"), def.Currency())
	assert.Equal(t, "UTC", def.Location().String())

	_, err = crm.CompileScorecard(crm.ScorecardSpec{Currency: "CNY", Rounding: crm.ScorecardRounding{Mode: kehu.RoundingMode(42)}})
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("rounding.mode", "enum"))

	// A yen amount has no minor units: a target of 3500.5 JPY is too precise.
	_, err = crm.CompileScorecard(crm.ScorecardSpec{Currency: "JPY", Targets: map[crm.KPIName]crm.ScorecardTarget{
		crm.KPIAverageOrderValue: {AtLeast: "3500.5"},
	}})
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("targets.average_order_value.at_least", "precision"))
}

func TestKPINames(t *testing.T) {
	names := crm.KPINames()
	require.Len(t, names, 16)
	for _, n := range names {
		def, unit, better, ok := crm.KPIDefinition(n)
		require.True(t, ok, n)
		assert.NotEmpty(t, def)
		assert.NotEmpty(t, unit)
		assert.NotEmpty(t, better)
		p, err := crm.ParseKPIName(" " + strings.ToUpper(string(n)) + " ")
		require.NoError(t, err)
		assert.Equal(t, n, p)
	}
	_, _, _, ok := crm.KPIDefinition("happiness")
	assert.False(t, ok)
	_, err := crm.ParseKPIName("happiness")
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("kpi", "enum"))
	var k crm.KPIName
	require.NoError(t, k.UnmarshalText([]byte("nps")))
	assert.Equal(t, crm.KPINPS, k)
	_, _, better, _ := crm.KPIDefinition(crm.KPIChurnRate)
	assert.Equal(t, crm.LowerIsBetter, better)
}

// FuzzLoadScorecard: any input either loads or fails with a *kehu.ValidationError, never
// a panic; what loads marshals to JSON that loads to the same definition.
func FuzzLoadScorecard(f *testing.F) {
	f.Add(scorecardJSON)
	f.Add(`{"currency": "CNY", "targets": {"nps": {"at_least": -100}}}`)
	f.Add(`{"currency": "JPY", "rounding": {"places": 0, "mode": "ceiling"}}`)
	f.Add(`{"currency": "CNY", "targets": {"x": null}}`)
	f.Fuzz(func(t *testing.T, s string) {
		def, err := crm.LoadScorecard(strings.NewReader(s))
		if err != nil {
			var verr *kehu.ValidationError
			if !errors.As(err, &verr) || len(verr.Fields) == 0 {
				t.Fatalf("%q: %v is not a validation error", s, err)
			}
			return
		}
		b, err := json.Marshal(def)
		if err != nil {
			t.Fatal(err)
		}
		again, err := crm.LoadScorecard(strings.NewReader(string(b)))
		if err != nil {
			t.Fatalf("%s does not load again: %v", b, err)
		}
		for _, n := range crm.KPINames() {
			op1, v1, ok1 := def.Target(n)
			op2, v2, ok2 := again.Target(n)
			if op1 != op2 || ok1 != ok2 || !v1.Equal(v2) {
				t.Fatalf("%s: target of %s changed", b, n)
			}
		}
	})
}
