package loyalty_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
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

// A host forwards the line IDs a client app made up. The ledger keeps a line's ID with
// its lots and a refund names it byte for byte, so an ID a store cannot keep as sent (a
// PostgreSQL store turns invalid UTF-8 into U+FFFD in the lots' document and refuses NUL)
// would leave the line's points beyond every refund of the line. Such an order is refused,
// naming the line, and nothing is written.
func TestOrderLineIDsAreText(t *testing.T) {
	tests := []struct {
		name, id, rule string
	}{
		{"invalid UTF-8", "A\xff", "encoding"},
		{"NUL", "A\x00", "control_char"},
		{"a newline", "A\nB", "control_char"},
		{"longer than 200 bytes", strings.Repeat("行", 67), "max_length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRefundFixture(t, "")
			f.order.Lines[1].ID = tt.id
			_, err := f.svc.EarnOrder(f.ctx, f.p, f.order, f.member)
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.Equal(t, "order.lines[1].id", verr.Fields[0].Field)
			assert.Equal(t, tt.rule, verr.Fields[0].Rule)
			_, err = f.store.Account(f.ctx, f.key)
			assert.ErrorIs(t, err, kehu.ErrNotFound, "nothing was credited")
		})
	}
	f := newRefundFixture(t, "")
	f.order.Lines[1].ID = strings.Repeat("行", 66) + "é" // 200 bytes
	f.earn(t)
	f.refund(t, "RF", loyalty.RefundLine{Line: f.order.Lines[1].ID, Quantity: 1})
	assert.EqualValues(t, 200, f.book(t), "a line named in any script is refunded by its ID")
}

// Text a host forwards into the ledger — a reason, a source — is kept as given by every
// store or refused up front, naming the field: invalid UTF-8 and NUL, which a PostgreSQL
// store cannot keep, are refused whatever the store.
func TestHostTextIsKeptAsGivenOrRefused(t *testing.T) {
	f := newRefundFixture(t, "")
	earned := f.earn(t)
	c := f.member.CustomerID
	for _, bad := range []struct{ text, rule string }{{"gift \xff", "encoding"}, {"gift\x00", "control_char"}} {
		commands := map[string]func() error{
			"reason": func() error {
				_, err := f.svc.Redeem(f.ctx, f.p, loyalty.Points{Customer: c, PointType: "points", Points: 1, Reason: bad.text, Key: "r"})
				return err
			},
			"source.ref": func() error {
				_, err := f.svc.Earn(f.ctx, f.p, loyalty.Points{Customer: c, PointType: "points", Points: 1, Source: loyalty.Source{Ref: bad.text}, Key: "e"})
				return err
			},
			"order": func() error {
				_, err := f.svc.Refund(f.ctx, f.p, loyalty.Refund{Customer: c, Order: bad.text, Key: "rf"})
				return err
			},
			"reverse reason": func() error {
				_, err := f.svc.Reverse(f.ctx, f.p, earned.ID, bad.text)
				return err
			},
		}
		for field, run := range commands {
			err := run()
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr, "%s %q", field, bad.text)
			assert.Equal(t, strings.TrimPrefix(field, "reverse "), verr.Fields[0].Field)
			assert.Equal(t, bad.rule, verr.Fields[0].Rule)
		}
	}
	assert.EqualValues(t, 300, f.book(t), "nothing was written")
}

// A member splits a purchase into many small orders, hoping each rounds in their favour.
// Base points round down per line by default, and a multiplier multiplies whole base
// points and rounds down too, so the parts of an amount never earn more than the whole.
func TestSplittingAnOrderNeverEarnsMore(t *testing.T) {
	p, err := loyalty.Compile(loyalty.ProgramSpec{
		ID: "split", Version: 1, Name: "split", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{{Code: "points", Name: "Points", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}}},
		Earning: loyalty.EarningRules{
			Base: []loyalty.BaseRate{{PointType: "points", Points: 3, Per: decimal.RequireFromString("2.5")}},
			Rules: []loyalty.Rule{{ID: "more", Priority: 1, PerLine: true, When: `line.category == "coffee"`,
				Effect: loyalty.Effect{PointType: "points", Multiplier: decimal.RequireFromString("1.35")}}},
		},
	})
	require.NoError(t, err)
	earn := func(minor int64) int64 {
		o := kehu.Order{ID: "O", At: time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC), Currency: "CNY", Lines: []kehu.OrderLine{
			{ID: "1", Category: "coffee", Quantity: 1, Amount: kehu.MustMoney(decimal.New(minor, -2).String(), "CNY")}}}
		e, err := p.Preview(o, loyalty.Member{}, loyalty.Standing{}, nil)
		require.NoError(t, err)
		return e.Total("points")
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for range 2000 {
		whole := rng.Int64N(100_000) + 1
		var parts int64
		for left := whole; left > 0; {
			part := min(left, rng.Int64N(max(whole/3, 1))+1)
			parts += earn(part)
			left -= part
		}
		require.LessOrEqual(t, parts, earn(whole), "¥%s split", decimal.New(whole, -2))
	}
}

// TestTheActorIsCheckedBeforeAnythingIsWritten: the actor a host puts in the context
// (kehu.WithActor), often the name a client app sent, is recorded on every entry and tier
// change; one that is not UTF-8 or holds a control character is refused on "actor" before
// anything is written, as crm and complaint refuse it.
func TestTheActorIsCheckedBeforeAnythingIsWritten(t *testing.T) {
	p, err := loyalty.LoadProgram(strings.NewReader(retailTiers))
	require.NoError(t, err)
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	member := crm.CustomerIDFrom([16]byte{3})
	for _, actor := range []string{"agent\x00", "agent\xff", "agent\nroot"} {
		ctx := kehu.WithActor(context.Background(), actor)
		for name, call := range map[string]func() error{
			"earn order": func() error {
				_, err := svc.EarnOrder(ctx, p, order("SO-1", clock.Now(), "100.00"), loyalty.Member{CustomerID: member})
				return err
			},
			"earn": func() error {
				_, err := svc.Earn(ctx, p, loyalty.Points{Customer: member, PointType: "points", Points: 5, Key: "k1",
					Source: loyalty.Source{Type: "goodwill"}})
				return err
			},
			"assign tier": func() error {
				_, err := svc.AssignTier(ctx, p, member, "gold", clock.Now().AddDate(0, 1, 0), "status match")
				return err
			},
		} {
			var verr *kehu.ValidationError
			require.ErrorAs(t, call(), &verr, "%s by %q", name, actor)
			assert.True(t, verr.Has("actor", ""), "%s by %q: %v", name, actor, verr)
		}
	}
	bal, err := svc.Balance(context.Background(), p, member, "points")
	require.NoError(t, err)
	assert.Zero(t, bal.Available, "nothing was written")
	st, err := svc.Standing(context.Background(), p, member)
	require.NoError(t, err)
	assert.Equal(t, "member", st.Tier, "no tier was assigned")
}
