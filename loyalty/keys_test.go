package loyalty_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/loyalty"
)

// Commands whose key is derived from a natural identifier refuse an identifier that makes
// no valid key, naming the identifier, before anything is written.
func TestDerivedKeysNameTheirIdentifier(t *testing.T) {
	e := newRwEnv(t)
	c := e.member()
	tests := []struct {
		name, id, field, rule string
	}{
		{"empty order ID", "", "order.id", "required"},
		{"order ID with a control character", "SO-1\n", "order.id", "control_char"},
		{"order ID too long for a key", strings.Repeat("9", kehu.MaxKeyLen), "order.id", "max_length"},
		{"order ID that is not UTF-8", "SO-\xff", "order.id", "encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := order(tt.id, e.clock.Now(), "100.00")
			o.CustomerID = c
			_, err := e.svc.EarnOrder(e.ctx, e.p, o, loyalty.Member{CustomerID: c})
			var verr *kehu.ValidationError
			require.True(t, errors.As(err, &verr), "%v", err)
			assert.True(t, verr.Has(tt.field, tt.rule), "%v", err)
			b, err := e.svc.Balance(e.ctx, e.p, c, "points")
			require.NoError(t, err)
			assert.Zero(t, b.Available, "a refused order earns nothing")
		})
	}
}
