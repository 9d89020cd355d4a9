package complaint_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

const standardPolicy = `{
  "id": "standard",
  "levels": [
    {"priority": "P1", "first_response": {"minutes": 30}, "resolution": {"hours": 8, "warn_percent": 75}},
    {"priority": "P3", "first_response": {"hours": 4, "warn_before_minutes": 60},
     "periodic_update": {"business_days": 1, "keep_running": true}, "resolution": {"business_days": 5}},
    {"priority": "p4", "resolution": {"hours": 72, "calendar_time": true}}
  ]
}`

func TestLoadPolicy(t *testing.T) {
	t.Parallel()
	cal := office("Europe/Paris", "")
	p, err := complaint.LoadPolicy(strings.NewReader(standardPolicy), cal)
	require.NoError(t, err)
	assert.Equal(t, "standard", p.ID())
	assert.Same(t, cal, p.Calendar())
	tgt, ok := p.Target(complaint.P1, complaint.Resolution)
	require.True(t, ok)
	assert.Equal(t, complaint.Target{Kind: complaint.Resolution, Within: 8 * time.Hour, WarnPercent: 75}, tgt)
	tgt, ok = p.Target(complaint.P3, complaint.PeriodicUpdate)
	require.True(t, ok)
	assert.Equal(t, complaint.Target{Kind: complaint.PeriodicUpdate, BusinessDays: 1, KeepRunning: true}, tgt)
	tgt, ok = p.Target(complaint.P4, complaint.Resolution)
	require.True(t, ok)
	assert.True(t, tgt.CalendarTime)
	_, ok = p.Target(complaint.P2, complaint.FirstResponse)
	assert.False(t, ok, "no level for P2")
	_, ok = p.Target(complaint.P1, complaint.NextReply)
	assert.False(t, ok)

	// the spec round-trips through JSON, and a copy cannot change the policy
	data, err := json.Marshal(p.Spec())
	require.NoError(t, err)
	again, err := complaint.LoadPolicy(strings.NewReader(string(data)), cal)
	require.NoError(t, err)
	assert.Equal(t, p.Spec(), again.Spec())
	spec := p.Spec()
	spec.Levels[0].Resolution.Hours = 1
	tgt, _ = p.Target(complaint.P1, complaint.Resolution)
	assert.Equal(t, 8*time.Hour, tgt.Within)
	assert.Equal(t, 8, p.Spec().Levels[0].Resolution.Hours)
}

func TestCompilePolicyErrors(t *testing.T) {
	t.Parallel()
	cal := office("Europe/Paris", "")
	tests := []struct {
		name  string
		json  string
		cal   *complaint.Calendar
		field string
		rule  string
	}{
		{"no id", `{"levels": []}`, cal, "id", "required"},
		{"spaced id", `{"id": " std"}`, cal, "id", "format"},
		{"no calendar", `{"id": "x"}`, nil, "calendar", "required"},
		{"unknown priority", `{"id": "x", "levels": [{"priority": "P9"}]}`, cal, "levels[0].priority", "enum"},
		{"missing priority", `{"id": "x", "levels": [{"resolution": {"hours": 1}}]}`, cal, "levels[0].priority", "enum"},
		{"twice", `{"id": "x", "levels": [{"priority": "P1", "resolution": {"hours": 1}}, {"priority": "P1", "resolution": {"hours": 2}}]}`, cal, "levels[1].priority", "duplicate"},
		{"no target", `{"id": "x", "levels": [{"priority": "P1"}]}`, cal, "levels[0]", "required"},
		{"empty target", `{"id": "x", "levels": [{"priority": "P1", "resolution": {}}]}`, cal, "levels[0].resolution", "required"},
		{"two units", `{"id": "x", "levels": [{"priority": "P1", "resolution": {"hours": 1, "minutes": 30}}]}`, cal, "levels[0].resolution.hours", "exclusive"},
		{"two units named", `{"id": "x", "levels": [{"priority": "P1", "resolution": {"hours": 1, "business_days": 2}}]}`, cal, "levels[0].resolution.business_days", "exclusive"},
		{"negative", `{"id": "x", "levels": [{"priority": "P1", "first_response": {"minutes": -5}}]}`, cal, "levels[0].first_response.minutes", "min"},
		{"too long", `{"id": "x", "levels": [{"priority": "P1", "resolution": {"business_days": 400}}]}`, cal, "levels[0].resolution.business_days", "max"},
		{"days in calendar time", `{"id": "x", "levels": [{"priority": "P1", "resolution": {"business_days": 2, "calendar_time": true}}]}`, cal, "levels[0].resolution.calendar_time", "conflict"},
		{"warn percent", `{"id": "x", "levels": [{"priority": "P1", "resolution": {"hours": 2, "warn_percent": 100}}]}`, cal, "levels[0].resolution.warn_percent", "range"},
		{"warn both", `{"id": "x", "levels": [{"priority": "P1", "resolution": {"hours": 2, "warn_percent": 50, "warn_before_minutes": 10}}]}`, cal, "levels[0].resolution.warn_before_minutes", "exclusive"},
		{"warn too early", `{"id": "x", "levels": [{"priority": "P1", "resolution": {"hours": 2, "warn_before_minutes": 120}}]}`, cal, "levels[0].resolution.warn_before_minutes", "max"},
		{"unknown field", `{"id": "x", "levels": [{"priority": "P1", "resolution": {"hour": 2}}]}`, cal, "levels[0].resolution.hour", "unknown_field"},
		{"trailing data", `{"id": "x"} {}`, cal, "policy", "syntax"},
		{"empty", ` `, cal, "policy", "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := complaint.LoadPolicy(strings.NewReader(tt.json), tt.cal)
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tt.field, tt.rule), "want %s (%s) in %v", tt.field, tt.rule, err)
		})
	}
	_, err := complaint.LoadPolicy(nil, cal)
	assertInvalid(t, err, "policy", "required")
	_, err = complaint.NewPolicies()
	assertInvalid(t, err, "policies", "required")
	p := policyOf(t, "x", cal, complaint.LevelSpec{Priority: complaint.P1, Resolution: hours(1)})
	_, err = complaint.NewPolicies(p, nil, p)
	assertInvalid(t, err, "policies[1]", "required")
	assertInvalid(t, err, "policies[2]", "duplicate")
}

func TestPriorityText(t *testing.T) {
	t.Parallel()
	for _, p := range []complaint.Priority{complaint.P1, complaint.P2, complaint.P3, complaint.P4} {
		b, err := p.MarshalText()
		require.NoError(t, err)
		var q complaint.Priority
		require.NoError(t, q.UnmarshalText(b))
		assert.Equal(t, p, q)
	}
	_, err := complaint.Priority(7).MarshalText()
	assert.Error(t, err)
	_, err = complaint.ParsePriority("P0")
	assertInvalid(t, err, "priority", "enum")
}
