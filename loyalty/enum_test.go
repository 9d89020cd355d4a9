package loyalty_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/loyalty"
)

func TestParseEnums(t *testing.T) {
	tests := []struct {
		name  string
		parse func(string) (string, error)
		field string
		good  map[string]string // input → value
		bad   []string
	}{
		{"PointKind", wrap(loyalty.ParsePointKind), "kind",
			map[string]string{"spendable": "spendable", " Qualifying ": "qualifying"}, []string{"", "points", "spend able"}},
		{"ExpiryKind", wrap(loyalty.ParseExpiryKind), "kind",
			map[string]string{"never": "never", "AFTER": "after", "end_of_year": "end_of_year", "end_of_month": "end_of_month"},
			[]string{"", "end-of-year", "monthly"}},
		{"SpendPolicy", wrap(loyalty.ParseSpendPolicy), "spend_policy",
			map[string]string{"nearest_expiry": "nearest_expiry", "oldest_first": "oldest_first", " type_priority": "type_priority"},
			[]string{"", "fifo"}},
		{"ReturnMode", wrap(loyalty.ParseReturnMode), "returns",
			map[string]string{"debt": "debt", "Negative": "negative", "forgive": "forgive"}, []string{"", "refund"}},
		{"LimitPeriod", wrap(loyalty.ParseLimitPeriod), "period",
			map[string]string{"ever": "ever", "year": "year", "month": "month", "campaign": "campaign"}, []string{"", "week", "day"}},
		{"MemberEvent", wrap(loyalty.ParseMemberEvent), "event",
			map[string]string{"signup": "signup", "Birthday": "birthday", "referral_referee": "referral_referee"},
			[]string{"", "anniversary"}},
		{"ReservationStatus", wrap(loyalty.ParseReservationStatus), "status",
			map[string]string{"reserved": "reserved", " Confirmed ": "confirmed", "cancelled": "cancelled"},
			[]string{"", "pending"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for in, want := range tt.good {
				got, err := tt.parse(in)
				require.NoError(t, err, "%q", in)
				assert.Equal(t, want, got)
			}
			for _, in := range tt.bad {
				_, err := tt.parse(in)
				var verr *kehu.ValidationError
				require.ErrorAs(t, err, &verr, "%q", in)
				assert.ErrorIs(t, err, kehu.ErrInvalid)
				assert.True(t, verr.Has(tt.field, "enum"), "%q: %v", in, verr)
			}
		})
	}
}

func wrap[E ~string](parse func(string) (E, error)) func(string) (string, error) {
	return func(s string) (string, error) {
		e, err := parse(s)
		return string(e), err
	}
}

func TestReservationStatusJSONNamesTheField(t *testing.T) {
	var r struct {
		Status loyalty.ReservationStatus `json:"status"`
	}
	err := json.Unmarshal([]byte(`{"status": "pending"}`), &r)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("status", "enum"), "%v", verr)
	require.NoError(t, json.Unmarshal([]byte(`{"status": "CONFIRMED"}`), &r))
	assert.Equal(t, loyalty.Confirmed, r.Status)
}
