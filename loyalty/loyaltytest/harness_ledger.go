package loyaltytest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// Point type codes of the suite's programmes.
const (
	points = "points" // spendable
	status = "status" // qualifying, never expires
)

// retailProgram is the programme of most ledger tests: Asia/Shanghai, CNY, spendable
// points that expire at the end of the year after the year earned, and status points that
// never expire. Returns are left to the default (debt).
func retailProgram() loyalty.ProgramSpec {
	return loyalty.ProgramSpec{
		ID: "retail", Version: 1, Name: "Retail Club", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{
			{Code: points, Name: "Points", Kind: loyalty.Spendable,
				Expiry:        loyalty.ExpiryPolicy{Kind: loyalty.ExpireEndOfYear, Years: 1},
				ValuePerPoint: decimal.RequireFromString("0.01")},
			{Code: status, Name: "Status points", Kind: loyalty.Qualifying,
				Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}},
		},
	}
}

// returnsProgram holds new points for a 14-day return window and lets refunds take an
// account into debt down to −500.
func returnsProgram() loyalty.ProgramSpec {
	p := retailProgram()
	p.ID, p.Name, p.Returns = "returns", "Returns Club", loyalty.ReturnNegative
	p.PointTypes = append([]loyalty.PointType(nil), p.PointTypes...)
	p.PointTypes[0].PendingDays = 14
	p.PointTypes[0].Floor = -500
	return p
}

// ledger is a harness with a service over the store under test. Every account the test
// touches through it is checked with CheckInvariants after every step.
type ledger struct {
	*harness
	svc     *loyalty.Service
	retail  *loyalty.Program
	returns *loyalty.Program
	watched map[loyalty.AccountKey]bool
	keys    int
}

// keyOr returns key, or a fresh key for a command the test does not repeat.
func (l *ledger) keyOr(key string) string {
	if key != "" {
		return key
	}
	l.keys++
	return fmt.Sprintf("suite-%d", l.keys)
}

// program validates a programme definition; the suite's own definitions must validate.
func (h *harness) program(def loyalty.ProgramSpec) *loyalty.Program {
	h.t.Helper()
	p, err := loyalty.Compile(def)
	require.NoError(h.t, err, "suite bug: programme %s does not validate", def.ID)
	return p
}

func (h *harness) ledger() *ledger {
	h.t.Helper()
	opts := &kehu.Options{Now: h.clock.Now, NewID: h.ids.NewID}
	return &ledger{harness: h, svc: loyalty.NewService(h.s, opts),
		retail: h.program(retailProgram()), returns: h.program(returnsProgram()),
		watched: map[loyalty.AccountKey]bool{}}
}

// acct names a member's account of a point type in the programme, and watches it.
func (l *ledger) acct(p *loyalty.Program, c crm.CustomerID, pointType string) loyalty.AccountKey {
	k := loyalty.AccountKey{Program: p.ID(), Customer: c, PointType: pointType}
	l.watched[k] = true
	return k
}

// member returns a new customer and watches their accounts in p.
func (l *ledger) member(p *loyalty.Program) crm.CustomerID {
	c := l.customer()
	for _, pt := range p.PointTypes() {
		l.acct(p, c, pt.Code)
	}
	return c
}

// check runs CheckInvariants on every watched account; step names what just happened.
func (l *ledger) check(step string, args ...any) {
	l.t.Helper()
	for k := range l.watched {
		if err := CheckInvariants(l.ctx, l.s, k); err != nil {
			l.t.Errorf("after %s: the ledger's invariants are broken:\n%v", fmt.Sprintf(step, args...), err)
		}
	}
}

// earn credits points to a member and must succeed.
func (l *ledger) earn(p *loyalty.Program, c crm.CustomerID, pointType string, n int64, src loyalty.Source, key string) loyalty.Entry {
	l.t.Helper()
	l.acct(p, c, pointType)
	e, err := l.svc.Earn(l.ctx, p, loyalty.Points{Customer: c, PointType: pointType, Points: n, Source: src, Key: l.keyOr(key)})
	require.NoError(l.t, err, "Service.Earn of %d %s", n, pointType)
	l.check("Earn of %d %s", n, pointType)
	return e
}

// redeem spends points; the caller checks the error.
func (l *ledger) redeem(p *loyalty.Program, c crm.CustomerID, n int64, key string) (loyalty.Entry, error) {
	l.t.Helper()
	l.acct(p, c, points)
	e, err := l.svc.Redeem(l.ctx, p, loyalty.Points{Customer: c, PointType: points, Points: n, Key: l.keyOr(key)})
	l.check("Redeem of %d (err %v)", n, err)
	return e, err
}

// mustRedeem spends points and must succeed.
func (l *ledger) mustRedeem(p *loyalty.Program, c crm.CustomerID, n int64, key string) loyalty.Entry {
	l.t.Helper()
	e, err := l.redeem(p, c, n, key)
	require.NoError(l.t, err, "Service.Redeem of %d points", n)
	return e
}

// balance is the member's position now.
func (l *ledger) balance(p *loyalty.Program, c crm.CustomerID, pointType string) loyalty.Balance {
	l.t.Helper()
	b, err := l.svc.Balance(l.ctx, p, c, pointType)
	require.NoError(l.t, err, "Service.Balance")
	return b
}

// available is what the member can spend now.
func (l *ledger) available(p *loyalty.Program, c crm.CustomerID) int64 {
	l.t.Helper()
	return l.balance(p, c, points).Available
}

// snapshot is an account and its entries as stored, or nil for an account not stored.
type snapshot struct {
	key     loyalty.AccountKey
	account *loyalty.Account
	entries []loyalty.Entry
}

func (l *ledger) snap(k loyalty.AccountKey) snapshot {
	l.t.Helper()
	a, err := l.s.Account(l.ctx, k)
	if errors.Is(err, kehu.ErrNotFound) {
		return snapshot{key: k}
	}
	require.NoError(l.t, err, "Account")
	return snapshot{key: k, account: a, entries: l.entries(k)}
}

// assertSame checks that nothing was written to the account since the snapshot.
func (l *ledger) assertSame(s snapshot, contract string, args ...any) bool {
	l.t.Helper()
	if s.account == nil {
		return l.assertAbsent(s.key, contract, args...)
	}
	return l.assertUnchanged(s.account, s.entries, contract, args...)
}

// lot returns the account's lot with the ID.
func (l *ledger) lot(k loyalty.AccountKey, id loyalty.LotID) loyalty.Lot {
	l.t.Helper()
	for _, lot := range l.account(k).Lots {
		if lot.ID == id {
			return lot
		}
	}
	require.Failf(l.t, "lot not found", "account %s holds no lot %s", k, id)
	return loyalty.Lot{}
}

// lotOf is the lot an earning created.
func lotOf(e loyalty.Entry) loyalty.LotID {
	if len(e.Lots) == 0 {
		return loyalty.LotID{}
	}
	return e.Lots[0].Lot
}

// yearEnd is the first instant of the year after year, in the programme's zone: when
// points of an end_of_year policy run out.
func yearEnd(p *loyalty.Program, year int) time.Time {
	return time.Date(year+1, time.January, 1, 0, 0, 0, 0, p.Location())
}

// assertMoves checks an entry's lot moves, in order.
func assertMoves(t *testing.T, want []loyalty.LotMove, e loyalty.Entry, contract string, args ...any) bool {
	t.Helper()
	return assert.Equal(t, want, e.Lots, "%s: entry %s (%s) must record exactly these lot moves", fmt.Sprintf(contract, args...), e.ID, e.Kind)
}

// orderSource is the source of an order line's base points.
func orderSource(order, line string) loyalty.Source {
	return loyalty.Source{Type: "order", Ref: order, Line: line, Rule: "base"}
}

// retryLost retries a service command after kehu.ErrConflict (a store that answers races
// with conflicts may exhaust the service's own retries under heavy contention).
func retryLost[T any](f func() (T, error)) (T, error) {
	var out T
	err := retryConflicts(func() error {
		var err error
		out, err = f()
		return err
	})
	return out, err
}
