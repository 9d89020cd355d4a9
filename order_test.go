package kehu_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

func TestOrderTotal(t *testing.T) {
	line := func(id, amount, cur string) kehu.OrderLine {
		return kehu.OrderLine{ID: id, Quantity: 1, Amount: kehu.MustMoney(amount, cur)}
	}
	tests := []struct {
		name  string
		order kehu.Order
		want  string
		field string // of the error, if any
	}{
		{"no lines", kehu.Order{Currency: "CNY"}, "0.00", ""},
		{"exact sum", kehu.Order{Currency: "CNY", Lines: []kehu.OrderLine{line("1", "0.10", "CNY"), line("2", "0.20", "CNY")}}, "0.30", ""},
		{"a line in another currency", kehu.Order{Currency: "CNY", Lines: []kehu.OrderLine{line("1", "1", "CNY"), line("2", "1", "USD")}}, "", "lines[1].amount"},
		{"no currency", kehu.Order{Lines: []kehu.OrderLine{line("1", "1", "CNY")}}, "", "currency"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.order.Total()
			if tc.field != "" {
				var verr *kehu.ValidationError
				require.ErrorAs(t, err, &verr)
				assert.Equal(t, tc.field, verr.Fields[0].Field)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.Amount().StringFixed(2))
			assert.Equal(t, tc.order.Currency, string(got.Currency()))
		})
	}
}

func TestCustomerIDIsOneType(t *testing.T) {
	id, err := kehu.ParseCustomerID("0190f3a2-0000-7000-8000-000000000001")
	require.NoError(t, err)
	assert.Equal(t, id, kehu.CustomerIDFrom(id.UUID()))
	_, err = kehu.ParseCustomerID("not-a-uuid")
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.Equal(t, "customer_id", verr.Fields[0].Field)
}
