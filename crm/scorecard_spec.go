package crm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // scorecard time zones load on any machine, with or without a zoneinfo database

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/suggest"
)

// ScorecardSpec is a customer scorecard as a host writes it, in Go or strict JSON: the
// currency, the time zone its periods are read in, how values are rounded for display, and
// the targets. CompileScorecard turns it into a *ScorecardDefinition.
//
//	{
//	  "currency": "CNY",
//	  "time_zone": "Asia/Shanghai",
//	  "rounding": {"places": 1, "mode": "half_up"},
//	  "targets": {
//	    "satisfaction_rate": {"at_least": "90%"},
//	    "churn_rate": {"at_most": "5%"},
//	    "nps": {"at_least": "30"},
//	    "average_order_value": {"at_least": "120.00"}
//	  }
//	}
type ScorecardSpec struct {
	// Currency is the ISO 4217 code of every amount: orders in another currency are an
	// error. Required.
	Currency string `json:"currency"`
	// TimeZone is the IANA time zone in which a period's days begin and end; empty means
	// UTC.
	TimeZone string `json:"time_zone,omitempty"`
	// Rounding is how values are shown; the values themselves stay exact.
	Rounding ScorecardRounding `json:"rounding,omitzero"`
	// Targets sets a target for any KPI.
	Targets map[KPIName]ScorecardTarget `json:"targets,omitempty"`
}

// ScorecardRounding is how a scorecard shows its values: rates in per cent and scores to
// Places decimal places, amounts to the currency's minor units, each with Mode.
type ScorecardRounding struct {
	// Places is 0 to 6; nil means 1 (92.3 %).
	Places *int `json:"places,omitempty"`
	// Mode is the rounding mode; the zero value is kehu.HalfUp.
	Mode kehu.RoundingMode `json:"mode,omitzero"`
}

// ScorecardTarget is a target for one KPI: exactly one of AtLeast and AtMost, written in
// the KPI's unit as a decimal: a rate as a fraction ("0.9") or in per cent ("90%"), from 0
// to 1; an NPS in points, from −100 to 100; a count as a whole number; an amount of the
// scorecard's currency ("120.00") with at most its minor units. Neither value may be
// negative except an NPS.
type ScorecardTarget struct {
	AtLeast string `json:"at_least,omitempty"`
	AtMost  string `json:"at_most,omitempty"`
}

// ScorecardDefinition is a compiled scorecard: currency, time zone, rounding and targets,
// all checked. CompileScorecard and LoadScorecard are the only ways to get one, so a
// *ScorecardDefinition is always valid. It is immutable and safe for concurrent use.
type ScorecardDefinition struct {
	spec     ScorecardSpec
	currency kehu.Currency
	loc      *time.Location
	places   int32
	mode     kehu.RoundingMode
	targets  map[KPIName]scoreTarget
}

type scoreTarget struct {
	op    TargetOp
	value decimal.Decimal
}

// MaxScorecardSpecBytes is the longest JSON scorecard definition LoadScorecard reads.
const MaxScorecardSpecBytes = 64 << 10

// CompileScorecard checks a scorecard definition and compiles it. Every problem is listed
// at once in a *kehu.ValidationError: "currency" (rule "required" or the kernel's rule for
// an unknown code), "time_zone" ("unknown_zone"; "Local" is refused, as it differs from
// machine to machine), "rounding.places" ("range"), "rounding.mode" ("enum"),
// "targets.<kpi>" ("unknown_kpi", "required" for neither bound, "exclusive" for both) and
// "targets.<kpi>.at_least" or ".at_most" ("format", "range", "whole", "precision").
func CompileScorecard(spec ScorecardSpec) (*ScorecardDefinition, error) {
	var p kehu.Problems
	d := &ScorecardDefinition{spec: spec.clone(), places: 1, loc: time.UTC, targets: map[KPIName]scoreTarget{}}
	if spec.Currency == "" {
		p.Add("currency", "required", "is empty")
	} else if c, err := kehu.ParseCurrency(spec.Currency); err != nil {
		p.Merge("", err)
	} else {
		d.currency = c
	}
	switch tz := spec.TimeZone; {
	case tz == "":
	case tz == "Local":
		p.Add("time_zone", "unknown_zone", `"Local" differs from machine to machine; name the zone, e.g. "Asia/Shanghai"`)
	default:
		loc, err := time.LoadLocation(tz)
		if err != nil || len(tz) > 64 {
			p.Addf("time_zone", "unknown_zone", "%s is not an IANA time zone", clip.Quote(tz))
		} else {
			d.loc = loc
		}
	}
	if pl := spec.Rounding.Places; pl != nil {
		if *pl < 0 || *pl > 6 {
			p.Addf("rounding.places", "range", "%d is outside 0–6", *pl)
		} else {
			d.places = int32(*pl)
		}
	}
	if !spec.Rounding.Mode.Valid() {
		p.Addf("rounding.mode", "enum", "%v is not a rounding mode", spec.Rounding.Mode)
	}
	d.mode = spec.Rounding.Mode
	names := make([]string, len(kpiCatalogue))
	for i, k := range kpiCatalogue {
		names[i] = string(k.name)
	}
	for _, name := range slices.Sorted(maps.Keys(spec.Targets)) {
		t := spec.Targets[name]
		path := "targets." + clip.String(string(name), 64)
		i, ok := kpiIndex[name]
		if !ok {
			msg := fmt.Sprintf("%s is not a KPI", clip.Quote(string(name)))
			if near, ok := suggest.Nearest(string(name), names); ok {
				msg += fmt.Sprintf("; did you mean %q?", near)
			}
			p.Add(path, "unknown_kpi", msg)
			continue
		}
		switch {
		case t.AtLeast == "" && t.AtMost == "":
			p.Add(path, "required", "sets neither at_least nor at_most")
			continue
		case t.AtLeast != "" && t.AtMost != "":
			p.Add(path, "exclusive", "sets both at_least and at_most")
			continue
		}
		op, text, field := AtLeast, t.AtLeast, path+".at_least"
		if t.AtMost != "" {
			op, text, field = AtMost, t.AtMost, path+".at_most"
		}
		if v, ok := parseTarget(&p, field, text, kpiCatalogue[i].unit, d.currency); ok {
			d.targets[name] = scoreTarget{op: op, value: v}
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return d, nil
}

var targetPattern = regexp.MustCompile(`^[+-]?[0-9]{1,30}(\.[0-9]{1,12})?%?$`)

// parseTarget reads a target value in the KPI's unit.
func parseTarget(p *kehu.Problems, field, text string, unit KPIUnit, cur kehu.Currency) (decimal.Decimal, bool) {
	s := strings.TrimSpace(text)
	if !targetPattern.MatchString(s) {
		p.Addf(field, "format", "%s is not a decimal such as 0.9, 90%% or 120.00", clip.Quote(text))
		return decimal.Decimal{}, false
	}
	percent := strings.HasSuffix(s, "%")
	v, err := decimal.NewFromString(strings.TrimSuffix(s, "%"))
	if err != nil {
		p.Addf(field, "format", "%s is not a decimal", clip.Quote(text))
		return decimal.Decimal{}, false
	}
	if percent {
		if unit != UnitRate {
			p.Add(field, "format", "a per cent sign belongs to rates only")
			return decimal.Decimal{}, false
		}
		v = v.Shift(-2)
	}
	switch unit {
	case UnitRate:
		if v.Sign() < 0 || v.GreaterThan(one) {
			p.Addf(field, "range", "%s is outside 0–1 (0 %%–100 %%)", clip.Quote(text))
			return decimal.Decimal{}, false
		}
	case UnitScore:
		if v.Abs().GreaterThan(decimal.NewFromInt(100)) {
			p.Addf(field, "range", "%s is outside −100–100", clip.Quote(text))
			return decimal.Decimal{}, false
		}
	case UnitCount:
		if v.Sign() < 0 {
			p.Addf(field, "range", "%s is negative", clip.Quote(text))
			return decimal.Decimal{}, false
		}
		if !v.IsInteger() {
			p.Addf(field, "whole", "%s is not a whole number", clip.Quote(text))
			return decimal.Decimal{}, false
		}
	case UnitMoney:
		if v.Sign() < 0 {
			p.Addf(field, "range", "%s is negative", clip.Quote(text))
			return decimal.Decimal{}, false
		}
		if cur != "" && !v.Equal(v.Truncate(int32(cur.MinorUnits()))) {
			p.Addf(field, "precision", "%s has more decimal places than %s (%d)", clip.Quote(text), cur, cur.MinorUnits())
			return decimal.Decimal{}, false
		}
	}
	return v, true
}

func (s ScorecardSpec) clone() ScorecardSpec {
	if s.Rounding.Places != nil {
		pl := *s.Rounding.Places
		s.Rounding.Places = &pl
	}
	if s.Targets != nil {
		s.Targets = maps.Clone(s.Targets)
	}
	return s
}

// Spec returns a deep copy of the definition the scorecard was compiled from.
func (d *ScorecardDefinition) Spec() ScorecardSpec { return d.spec.clone() }

// Currency returns the scorecard's currency.
func (d *ScorecardDefinition) Currency() kehu.Currency { return d.currency }

// Location returns the time zone the periods are read in.
func (d *ScorecardDefinition) Location() *time.Location { return d.loc }

// Target returns the KPI's target, exactly, in the KPI's unit (a rate as a fraction);
// false when the definition sets none.
func (d *ScorecardDefinition) Target(name KPIName) (TargetOp, decimal.Decimal, bool) {
	t, ok := d.targets[name]
	return t.op, t.value, ok
}

// MarshalJSON writes the definition the scorecard was compiled from, the JSON
// LoadScorecard reads.
func (d *ScorecardDefinition) MarshalJSON() ([]byte, error) { return json.Marshal(d.spec) }

// LoadScorecard reads a scorecard definition from strict JSON and compiles it. An unknown
// field is an error on its full path ("targets.nps.at_leest", rule "unknown_field", with
// the nearest known name), as is a value of the wrong JSON type ("rounding.places", rule
// "type"); target values may be JSON strings or numbers. A syntax error, data after the
// object, an empty input or one longer than MaxScorecardSpecBytes is an error on
// "scorecard". A definition that decodes is compiled, and every problem is listed at once.
func LoadScorecard(r io.Reader) (*ScorecardDefinition, error) {
	if r == nil {
		return nil, kehu.Invalid("scorecard", "required", "no reader")
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxScorecardSpecBytes+1))
	if err != nil {
		return nil, fmt.Errorf("crm: reading the scorecard definition: %w", err)
	}
	if len(data) > MaxScorecardSpecBytes {
		return nil, kehu.Invalid("scorecard", "max_length", fmt.Sprintf("is longer than %d bytes", MaxScorecardSpecBytes))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, kehu.Invalid("scorecard", "required", "is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, kehu.Invalid("scorecard", "syntax", clip.String(err.Error(), 200))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, kehu.Invalid("scorecard", "syntax", fmt.Sprintf("has data after the scorecard object, at byte %d", dec.InputOffset()))
	}
	var (
		p    kehu.Problems
		spec ScorecardSpec
	)
	top, ok := jsonObject(&p, "scorecard", raw, "currency", "time_zone", "rounding", "targets")
	if !ok {
		return nil, p.Err()
	}
	jsonString(&p, "currency", top["currency"], &spec.Currency)
	jsonString(&p, "time_zone", top["time_zone"], &spec.TimeZone)
	if v, ok := top["rounding"]; ok {
		if rd, ok := jsonObject(&p, "rounding", v, "places", "mode"); ok {
			if v, ok := rd["places"]; ok && !isNull(v) {
				var n int
				if json.Unmarshal(v, &n) != nil {
					p.Add("rounding.places", "type", "is not a whole number")
				} else {
					spec.Rounding.Places = &n
				}
			}
			var mode string
			if jsonString(&p, "rounding.mode", rd["mode"], &mode) && mode != "" {
				m, err := kehu.ParseRoundingMode(mode)
				if err != nil {
					p.Addf("rounding.mode", "enum", "%s is not half_up, half_even, half_down, down, up, floor or ceiling", clip.Quote(mode))
				} else {
					spec.Rounding.Mode = m
				}
			}
		}
	}
	if v, ok := top["targets"]; ok && !isNull(v) {
		var targets map[string]json.RawMessage
		if json.Unmarshal(v, &targets) != nil {
			p.Add("targets", "type", "is not an object")
		} else {
			spec.Targets = make(map[KPIName]ScorecardTarget, len(targets))
			for _, name := range slices.Sorted(maps.Keys(targets)) {
				path := "targets." + clip.String(name, 64)
				obj, ok := jsonObject(&p, path, targets[name], "at_least", "at_most")
				if !ok {
					continue
				}
				var t ScorecardTarget
				jsonDecimal(&p, path+".at_least", obj["at_least"], &t.AtLeast)
				jsonDecimal(&p, path+".at_most", obj["at_most"], &t.AtMost)
				spec.Targets[KPIName(name)] = t
			}
		}
	}
	if p.Len() > 0 {
		return nil, p.Err()
	}
	return CompileScorecard(spec)
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

// jsonObject reads an object, naming each unknown member by its path; false when v is not
// an object.
func jsonObject(p *kehu.Problems, path string, v json.RawMessage, known ...string) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if t := bytes.TrimSpace(v); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &m) != nil {
		p.Add(path, "type", "is not an object")
		return nil, false
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if slices.Contains(known, k) {
			continue
		}
		field := clip.String(k, 64)
		if path != "scorecard" {
			field = path + "." + field
		}
		msg := "unknown field"
		if near, ok := suggest.Nearest(k, known); ok {
			msg += fmt.Sprintf("; did you mean %q?", near)
		}
		p.Add(field, "unknown_field", msg)
	}
	return m, true
}

// jsonString reads an optional string; false when it is absent or not a string.
func jsonString(p *kehu.Problems, path string, v json.RawMessage, dst *string) bool {
	if v == nil || isNull(v) {
		return false
	}
	if json.Unmarshal(v, dst) != nil {
		p.Add(path, "type", "is not a string")
		return false
	}
	return true
}

// jsonDecimal reads a target value written as a string or a number.
func jsonDecimal(p *kehu.Problems, path string, v json.RawMessage, dst *string) {
	if v == nil || isNull(v) {
		return
	}
	t := bytes.TrimSpace(v)
	if len(t) > 0 && (t[0] == '-' || t[0] >= '0' && t[0] <= '9') {
		var n json.Number
		if json.Unmarshal(t, &n) == nil {
			*dst = n.String()
			return
		}
	}
	if json.Unmarshal(t, dst) != nil {
		p.Add(path, "type", "is not a decimal string or number")
	}
}
