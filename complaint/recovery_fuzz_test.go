package complaint_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

// FuzzLoadEmpowerment: any input is a policy or a *kehu.ValidationError, never a panic, and
// a policy's spec written as JSON loads back to the same policy.
func FuzzLoadEmpowerment(f *testing.F) {
	f.Add(policyJSON)
	f.Add(`{"roles": [{"role": "a", "ceilings": [{"value": "key", "money": [{"amount": "1e3", "currency": "JPY"}], "points": 9223372036854775807}]}]}`)
	f.Add(`{"roles": [{"role": "a"}, {"role": "a"}]}`)
	f.Add(`{"roles": [{"role": "a", "ceilings": [{"value": "gold"}]}]} []`)
	f.Fuzz(func(t *testing.T, in string) {
		e, err := complaint.LoadEmpowerment(strings.NewReader(in))
		if err != nil {
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			return
		}
		data, err := json.Marshal(e.Spec())
		require.NoError(t, err)
		again, err := complaint.LoadEmpowerment(strings.NewReader(string(data)))
		require.NoError(t, err, "%s", data)
		require.Equal(t, e.Roles(), again.Roles())
		for _, role := range e.Roles() {
			for _, band := range []complaint.ValueBand{complaint.Standard, complaint.Valued, complaint.Key} {
				m1, p1 := e.Ceiling(role, band)
				m2, p2 := again.Ceiling(role, band)
				require.Equal(t, p1, p2)
				require.Len(t, m2, len(m1))
				for i := range m1 {
					require.True(t, m1[i].Equal(m2[i]), "%s %s: %s and %s", role, band, m1[i], m2[i])
				}
			}
		}
	})
}

// FuzzReasonMap: any input is a reason map or a *kehu.ValidationError; a map classifies
// any reasons without panicking, and every code it declares classifies as its own type.
func FuzzReasonMap(f *testing.F) {
	f.Add(reasonsJSON, "late_delivery,cheaper_elsewhere")
	f.Add(`{"reasons": [{"code": "a", "type": "moved_away"}], "precedence": ["moved_away"]}`, "a")
	f.Add(`{"reasons": [{"code": "a", "type": "moved_away"}, {"code": "a", "type": "pulled_away"}]}`, "")
	f.Fuzz(func(t *testing.T, in, reasons string) {
		m, err := complaint.LoadReasonMap(strings.NewReader(in))
		if err != nil {
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			return
		}
		if _, err := m.Classify(strings.Split(reasons, ",")); err != nil {
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
		}
		for _, r := range m.Spec().Reasons {
			got, err := m.Classify([]string{r.Code})
			require.NoError(t, err)
			require.Equal(t, r.Type, got.Type)
		}
	})
}
