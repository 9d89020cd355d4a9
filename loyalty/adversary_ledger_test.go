package loyalty_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/fingerprint"
	"github.com/kehu-crm/kehu/loyalty"
)

// The till and the web shop both send one refund under its ID, each listing its lines in
// its own way. A refund's lines are a set: listed in another order, or an empty list for
// none, it is the same refund, answered with its first result; other units are another.
func TestOneRefundSentByTwoSystemsUnderItsKey(t *testing.T) {
	a1b1 := []loyalty.RefundLine{{Line: "A", Quantity: 1}, {Line: "B", Quantity: 1}}
	b1a1 := []loyalty.RefundLine{{Line: "B", Quantity: 1}, {Line: "A", Quantity: 1}}
	tests := []struct {
		name          string
		first, repeat []loyalty.RefundLine
		same          bool
	}{
		{"the same lines", a1b1, a1b1, true},
		{"lines in another order", a1b1, b1a1, true},
		{"an empty list, then none", []loyalty.RefundLine{}, nil, true},
		{"none, then an empty list", nil, []loyalty.RefundLine{}, true},
		{"other units", a1b1, []loyalty.RefundLine{{Line: "B", Quantity: 1}, {Line: "A", Quantity: 2}}, false},
		{"a line fewer", a1b1, a1b1[:1], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRefundFixture(t, loyalty.ReturnDebt)
			f.earn(t)
			first := f.refund(t, "RF-1", tt.first...)
			book := f.book(t)
			again, err := f.svc.Refund(f.ctx, f.p, loyalty.Refund{Customer: f.member.CustomerID, Order: f.order.ID, Lines: tt.repeat, Key: "RF-1"})
			if !tt.same {
				require.ErrorIs(t, err, kehu.ErrKeyReused)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, first, again, "the first result")
			assert.Equal(t, book, f.book(t), "nothing more taken")
		})
	}
}

// A refund recorded when its digest read the lines in the order they were sent still
// answers a repeat that sends them so.
func TestARefundRecordedWithItsLinesAsSentReplays(t *testing.T) {
	f := newRefundFixture(t, loyalty.ReturnDebt)
	f.earn(t)
	lines := []loyalty.RefundLine{{Line: "B", Quantity: 1}, {Line: "A", Quantity: 1}}
	asSent := fingerprint.Of("refund", struct {
		Customer crm.CustomerID
		Order    string
		Lines    []loyalty.RefundLine
	}{f.member.CustomerID, f.order.ID, lines})
	err := f.store.Update(f.ctx, nil, loyalty.Need{}, func([]*loyalty.Account) (*loyalty.Commit, error) {
		return &loyalty.Commit{Command: &loyalty.Command{Program: f.p.ID(), Key: "RF-old", Digest: asSent}}, nil
	})
	require.NoError(t, err)
	out, err := f.svc.Refund(f.ctx, f.p, loyalty.Refund{Customer: f.member.CustomerID, Order: f.order.ID, Lines: lines, Key: "RF-old"})
	require.NoError(t, err, "the repeat is answered from the record")
	assert.Empty(t, out, "with its entries (none here)")
	assert.EqualValues(t, 300, f.book(t), "and takes nothing")
}
