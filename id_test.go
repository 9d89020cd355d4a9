package kehu_test

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

// TestIDText checks an ID's text form, which every stored document holds: the canonical
// lower-case UUID (RFC 9562, section 4), the empty string for the zero ID, and a round
// trip through JSON for both.
func TestIDText(t *testing.T) {
	u := uuid.MustParse("0192F3A4-5B6C-7D8E-9FA0-B1C2D3E4F506")
	tests := []struct {
		name string
		id   kehu.CustomerID
		want string
	}{
		{"an ID", kehu.CustomerIDFrom(u), "0192f3a4-5b6c-7d8e-9fa0-b1c2d3e4f506"},
		{"the zero ID", kehu.CustomerID{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text, err := tc.id.MarshalText()
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(text))
			assert.Equal(t, tc.want, tc.id.String())
			doc, err := json.Marshal(struct{ ID kehu.CustomerID }{tc.id})
			require.NoError(t, err)
			assert.JSONEq(t, `{"ID": "`+tc.want+`"}`, string(doc))
			var back struct{ ID kehu.CustomerID }
			require.NoError(t, json.Unmarshal(doc, &back))
			assert.Equal(t, tc.id, back.ID)
		})
	}
}
