package complaint_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

func TestAssess(t *testing.T) {
	tests := []struct {
		triage complaint.Triage
		want   complaint.Assessment
	}{
		{complaint.Triage{Severity: complaint.Minor, Urgency: complaint.Low, Value: complaint.Standard}, complaint.Assessment{Priority: complaint.P4, Score: 1}},
		{complaint.Triage{Severity: complaint.Moderate, Urgency: complaint.Normal, Value: complaint.Standard}, complaint.Assessment{Priority: complaint.P3, Score: 4}},
		{complaint.Triage{Severity: complaint.Major, Urgency: complaint.High, Value: complaint.Valued}, complaint.Assessment{Priority: complaint.P2, Score: 18}},
		{complaint.Triage{Severity: complaint.Major, Urgency: complaint.High, Value: complaint.Key}, complaint.Assessment{Priority: complaint.P1, Score: 27}},
		{complaint.Triage{Severity: complaint.Critical, Urgency: complaint.Low, Value: complaint.Standard}, complaint.Assessment{Priority: complaint.P2, Score: 4}},
		{complaint.Triage{Severity: complaint.Critical, Urgency: complaint.Immediate, Value: complaint.Key}, complaint.Assessment{Priority: complaint.P1, Score: 48}},
		{complaint.Triage{Severity: complaint.Minor, Urgency: complaint.Low, Value: complaint.Standard, MediaExposure: true}, complaint.Assessment{Priority: complaint.P1, Score: 1, Crisis: true}},
		{complaint.Triage{Severity: complaint.Minor, Urgency: complaint.Immediate, Value: complaint.Key}, complaint.Assessment{Priority: complaint.P2, Score: 12}},
		{complaint.Triage{Severity: complaint.Moderate, Urgency: complaint.Low, Value: complaint.Standard}, complaint.Assessment{Priority: complaint.P4, Score: 2}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v", tc.triage), func(t *testing.T) {
			got, err := complaint.Assess(tc.triage)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// Raising any factor never lowers the priority, and media exposure always makes a crisis.
func TestAssessIsMonotone(t *testing.T) {
	sev := []complaint.Severity{complaint.Minor, complaint.Moderate, complaint.Major, complaint.Critical}
	urg := []complaint.Urgency{complaint.Low, complaint.Normal, complaint.High, complaint.Immediate}
	val := []complaint.ValueBand{complaint.Standard, complaint.Valued, complaint.Key}
	prio := func(s, u, v int) complaint.Priority {
		a, err := complaint.Assess(complaint.Triage{Severity: sev[s], Urgency: urg[u], Value: val[v]})
		require.NoError(t, err)
		return a.Priority
	}
	for s := range sev {
		for u := range urg {
			for v := range val {
				p := prio(s, u, v)
				if s+1 < len(sev) {
					assert.LessOrEqual(t, prio(s+1, u, v), p, "more severe")
				}
				if u+1 < len(urg) {
					assert.LessOrEqual(t, prio(s, u+1, v), p, "more urgent")
				}
				if v+1 < len(val) {
					assert.LessOrEqual(t, prio(s, u, v+1), p, "more valuable")
				}
				a, err := complaint.Assess(complaint.Triage{Severity: sev[s], Urgency: urg[u], Value: val[v], MediaExposure: true})
				require.NoError(t, err)
				assert.Equal(t, complaint.P1, a.Priority)
				assert.True(t, a.Crisis)
			}
		}
	}
}

func TestAssessRefusesUnknownValues(t *testing.T) {
	_, err := complaint.Assess(complaint.Triage{Severity: "bad", Urgency: "soon", Value: "gold"})
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	for _, f := range []string{"severity", "urgency", "value"} {
		assert.True(t, verr.Has(f, "enum"), f)
	}
	s, err := complaint.ParseSeverity(" Major ")
	require.NoError(t, err)
	assert.Equal(t, complaint.Major, s)
	_, err = complaint.ParseUrgency("soon")
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = complaint.ParseValueBand("gold")
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	assert.Equal(t, "P2", complaint.P2.String())
}
