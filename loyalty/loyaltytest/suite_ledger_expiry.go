package loyaltytest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

func expiryTests() []test {
	return []test{
		{Name: "NotSpendableAtTheInstant", Run: testNotSpendableAtExpiry},
		{Name: "ExpireDueOnceAndIdempotent", Run: testExpireDueIdempotent},
		{Name: "ExpireDueInBatches", Run: testExpireDueBatches},
		{Name: "CommandsExpireFirst", Run: testCommandsExpireFirst},
		{Name: "ReportMatchesEntriesWritten", Run: testExpireDueReport},
	}
}

func testNotSpendableAtExpiry(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	e := l.earn(l.retail, c, points, 100, loyalty.Source{}, "")
	l.earn(l.retail, c, status, 70, loyalty.Source{}, "")
	exp := l.lot(k, lotOf(e)).ExpiresAt
	require.True(t, exp.Equal(yearEnd(l.retail, 2027)), "points earned in 2026 expire at 2028-01-01 00:00 Asia/Shanghai, got %s", exp)

	h.clock.Set(exp.Add(-time.Second))
	assert.EqualValues(t, 100, l.available(l.retail, c), "one second before ExpiresAt the points are still spendable")
	l.mustRedeem(l.retail, c, 1, "")

	h.clock.Set(exp)
	bal := l.balance(l.retail, c, points)
	assert.EqualValues(t, 0, bal.Available, "at ExpiresAt the points are no longer available, even before ExpireDue runs")
	assert.True(t, bal.NextExpiry.IsZero(), "at ExpiresAt there is no next expiry")
	before := l.snap(k)
	_, err := l.redeem(l.retail, c, 1, "")
	assert.ErrorIs(t, err, loyalty.ErrInsufficientPoints,
		"Redeem at the instant of expiry must fail with ErrInsufficientPoints, even before ExpireDue runs")
	l.assertSame(before, "Redeem that failed at the instant of expiry must write nothing (not even the expiry)")
	_, err = l.svc.Transfer(h.ctx, l.retail, loyalty.Transfer{From: c, To: l.member(l.retail), PointType: points, Points: 1, Key: "expired-transfer"})
	assert.ErrorIs(t, err, loyalty.ErrInsufficientPoints, "Transfer at the instant of expiry must fail with ErrInsufficientPoints")
	assert.EqualValues(t, 70, l.balance(l.retail, c, status).Available, "status points never expire")
}

func testExpireDueIdempotent(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	e := l.earn(l.retail, c, points, 100, loyalty.Source{}, "")
	l.earn(l.retail, c, status, 70, loyalty.Source{}, "")
	h.clock.AddDate(0, 6, 0)
	l.mustRedeem(l.retail, c, 40, "")
	h.clock.AddDate(1, 0, 0)
	later := l.earn(l.retail, c, points, 25, loyalty.Source{}, "") // 2027: expires a year later
	exp := l.lot(k, lotOf(e)).ExpiresAt

	h.clock.Set(exp)
	before := l.account(k)
	rep, err := l.svc.ExpireDue(h.ctx, l.retail, exp, 0)
	require.NoError(t, err, "ExpireDue")
	l.check("ExpireDue")
	assert.Equal(t, loyalty.ExpiryReport{Accounts: 1, Lots: 1, Points: 60}, rep, "ExpireDue must report the one lot of 60 points due")
	es := l.entries(k)
	last := es[len(es)-1]
	assert.Equal(t, loyalty.KindExpire, last.Kind, "ExpireDue must write an expiry entry")
	assert.EqualValues(t, -60, last.Points, "the expiry entry takes the points left")
	assertMoves(t, []loyalty.LotMove{{Lot: lotOf(e), Points: -60}}, last, "the expiry entry names the lot it expired")
	assert.True(t, last.At.Equal(exp), "the expiry entry is written at the clock's time")
	lot := l.lot(k, lotOf(e))
	assert.EqualValues(t, 0, lot.Remaining, "an expired lot has nothing left")
	assert.True(t, lot.ExpiredAt.Equal(exp), "an expired lot records when its expiry entry was written")
	assert.EqualValues(t, 25, l.lot(k, lotOf(later)).Remaining, "ExpireDue must not touch lots not yet due")
	assert.Equal(t, before.Version+1, l.account(k).Version, "ExpireDue writes the account once")
	assert.EqualValues(t, 25, l.available(l.retail, c), "available after expiry")

	h.clock.Advance(time.Hour)
	after := l.snap(k)
	rep, err = l.svc.ExpireDue(h.ctx, l.retail, h.clock.Now(), 0)
	require.NoError(t, err, "ExpireDue run twice")
	assert.Equal(t, loyalty.ExpiryReport{}, rep, "ExpireDue run a second time must find nothing")
	l.assertSame(after, "ExpireDue is idempotent: a second run must write nothing")
	l.check("second ExpireDue")
}

func testExpireDueBatches(t *testing.T, h *harness) {
	l := h.ledger()
	var due, notDue []crm.CustomerID
	for i := range 9 {
		c := l.member(l.retail)
		l.earn(l.retail, c, points, int64(10+i), loyalty.Source{}, "")
		l.earn(l.retail, c, status, 5, loyalty.Source{}, "")
		due = append(due, c)
	}
	h.clock.AddDate(1, 0, 0) // 2027: these expire at the end of 2028
	for range 4 {
		c := l.member(l.retail)
		l.earn(l.retail, c, points, 10, loyalty.Source{}, "")
		notDue = append(notDue, c)
	}
	asOf := yearEnd(l.retail, 2027)
	h.clock.Set(asOf.Add(time.Minute))
	rep, err := l.svc.ExpireDue(h.ctx, l.retail, asOf, 2)
	require.NoError(t, err, "ExpireDue in batches of 2")
	l.check("ExpireDue in batches")
	var pts int64
	for i := range due {
		pts += int64(10 + i)
	}
	assert.Equal(t, loyalty.ExpiryReport{Accounts: len(due), Lots: len(due), Points: pts}, rep,
		"ExpireDue in batches of 2 must visit every due account once")
	for _, c := range due {
		k := l.acct(l.retail, c, points)
		es := l.entries(k)
		assert.Len(t, es, 2, "each due account gets one expiry entry")
		assert.Equal(t, loyalty.KindExpire, es[len(es)-1].Kind, "each due account gets one expiry entry")
	}
	for _, c := range notDue {
		assert.Len(t, l.entries(l.acct(l.retail, c, points)), 1, "ExpireDue must not write to accounts with nothing due")
	}
	rep, err = l.svc.ExpireDue(h.ctx, l.retail, asOf, 2)
	require.NoError(t, err, "ExpireDue run twice")
	assert.Equal(t, loyalty.ExpiryReport{}, rep, "ExpireDue run a second time must find nothing")
}

func testCommandsExpireFirst(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	e := l.earn(l.retail, c, points, 100, loyalty.Source{}, "")
	exp := l.lot(k, lotOf(e)).ExpiresAt
	h.clock.Set(exp.Add(24 * time.Hour))
	l.earn(l.retail, c, points, 30, loyalty.Source{}, "")
	es := l.entries(k)
	require.Len(t, es, 3, "a command on an account with points past expiry writes their expiry entry with its own")
	assert.Equal(t, []loyalty.EntryKind{loyalty.KindEarn, loyalty.KindExpire, loyalty.KindEarn},
		[]loyalty.EntryKind{es[0].Kind, es[1].Kind, es[2].Kind}, "the expiry comes before the command's entry")
	assert.True(t, l.lot(k, lotOf(e)).ExpiredAt.Equal(h.clock.Now()), "the lot is expired when the command ran")
	rep, err := l.svc.ExpireDue(h.ctx, l.retail, h.clock.Now(), 0)
	require.NoError(t, err, "ExpireDue")
	assert.Equal(t, loyalty.ExpiryReport{}, rep, "ExpireDue after a command expired the lot must find nothing")
	assert.EqualValues(t, 30, l.available(l.retail, c), "available after expiry and a new earning")
}

// ExpireDue's report must say what the run wrote, also when asOf is earlier than the clock
// (a nightly batch that runs late) and an account holds lots due by asOf and lots due
// only since.
func testExpireDueReport(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	k := l.acct(l.retail, c, points)
	l.earn(l.retail, c, points, 10, loyalty.Source{}, "") // 2026: expires 2028-01-01
	h.clock.AddDate(1, 0, 0)
	l.earn(l.retail, c, points, 20, loyalty.Source{}, "") // 2027: expires 2029-01-01
	asOf := yearEnd(l.retail, 2027).Add(time.Hour)
	h.clock.Set(yearEnd(l.retail, 2028).Add(time.Hour))
	n := len(l.entries(k))

	rep, err := l.svc.ExpireDue(h.ctx, l.retail, asOf, 0)
	require.NoError(t, err, "ExpireDue")
	l.check("ExpireDue with asOf before the clock")
	var lots int
	var pts int64
	for _, e := range l.entries(k)[n:] {
		if e.Kind == loyalty.KindExpire {
			lots += len(e.Lots)
			pts -= e.Points
		}
	}
	assert.Equal(t, loyalty.ExpiryReport{Accounts: 1, Lots: lots, Points: pts}, rep,
		"ExpireDue(asOf %s) at %s: the report must count the lots and points its expiry entries took", asOf, h.clock.Now())
}
