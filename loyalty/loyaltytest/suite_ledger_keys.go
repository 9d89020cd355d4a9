package loyaltytest

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/loyalty"
)

func keyTests() []test {
	return []test{
		{Name: "RacingRetriesAnswerFirst", Run: testRacingRetries},
		{Name: "RacingTransferRetries", Run: testRacingTransferRetries},
		{Name: "RetryQueuedBehindFirstAttempt", Run: testRetryQueuedBehindFirstAttempt},
		{Name: "RacingReserveRetries", Run: testRacingReserveRetries},
		{Name: "KeyRequired", Run: testKeyRequired},
		{Name: "BadKeysRefused", Run: testBadKeysRefused},
		{Name: "LibraryNamespace", Run: testLibraryNamespace},
		{Name: "StoreRefusesBadKeys", Run: testStoreRefusesBadKeys},
	}
}

// testRacingRetries plays a checkout that retries a redeem after a timeout while the first
// attempt is still running: the member has exactly the points for one redeem, and every
// copy of the command must get the first result, never ErrInsufficientPoints.
func testRacingRetries(t *testing.T, h *harness) {
	const copies = 8
	l := h.ledger()
	c := l.member(l.retail)
	l.earn(l.retail, c, points, 100, orderSource("SO-1", "L1"), "")
	cmd := loyalty.Points{Customer: c, PointType: points, Points: 100, Key: "checkout-7"}
	got := make([]loyalty.Entry, copies)
	errs := suite.Parallel(copies, func(i int) (err error) {
		got[i], err = retryLost(func() (loyalty.Entry, error) { return l.svc.Redeem(h.ctx, l.retail, cmd) })
		return err
	})
	l.check("racing redeems")
	for i, err := range errs {
		require.NoError(t, err, "copy %d of a redeem racing its first attempt must get the first result", i)
		assertEntry(t, got[0], got[i], "copy %d must return the entry the first attempt wrote", i)
	}
	assert.EqualValues(t, 0, l.available(l.retail, c), "the points are spent once")
}

// testRacingTransferRetries is testRacingRetries for a transfer of the sender's whole
// balance.
func testRacingTransferRetries(t *testing.T, h *harness) {
	const copies = 6
	l := h.ledger()
	from, to := l.member(l.retail), l.member(l.retail)
	l.earn(l.retail, from, points, 50, orderSource("SO-1", "L1"), "")
	l.acct(l.retail, to, points)
	tr := loyalty.Transfer{From: from, To: to, PointType: points, Points: 50, Key: "gift-9"}
	got := make([][]loyalty.Entry, copies)
	errs := suite.Parallel(copies, func(i int) (err error) {
		got[i], err = retryLost(func() ([]loyalty.Entry, error) { return l.svc.Transfer(h.ctx, l.retail, tr) })
		return err
	})
	l.check("racing transfers")
	for i, err := range errs {
		require.NoError(t, err, "copy %d of a transfer racing its first attempt must get the first result", i)
		require.Len(t, got[i], 2, "copy %d", i)
		assertEntry(t, got[0][0], got[i][0], "copy %d must return the first attempt's entries", i)
	}
	assert.EqualValues(t, 0, l.available(l.retail, from), "the sender pays once")
	assert.EqualValues(t, 50, l.available(l.retail, to), "the receiver gets the points once")
}

// testKeyRequired checks that every command that moves points refuses to run without a
// key, and writes nothing.
func testKeyRequired(t *testing.T, h *harness) {
	l := h.ledger()
	c, other := l.member(l.retail), l.member(l.retail)
	l.earn(l.retail, c, points, 100, orderSource("SO-1", "L1"), "")
	k := l.acct(l.retail, c, points)
	before := l.snap(k)
	cmds := []struct {
		what string
		run  func() error
	}{
		{"Earn", func() error {
			_, err := l.svc.Earn(h.ctx, l.retail, loyalty.Points{Customer: c, PointType: points, Points: 1})
			return err
		}},
		{"Redeem", func() error {
			_, err := l.svc.Redeem(h.ctx, l.retail, loyalty.Points{Customer: c, PointType: points, Points: 1})
			return err
		}},
		{"Adjust", func() error {
			_, err := l.svc.Adjust(h.ctx, l.retail, loyalty.Points{Customer: c, PointType: points, Points: -1, Reason: "fix"})
			return err
		}},
		{"Transfer", func() error {
			_, err := l.svc.Transfer(h.ctx, l.retail, loyalty.Transfer{From: c, To: other, PointType: points, Points: 1})
			return err
		}},
		{"Refund", func() error {
			_, err := l.svc.Refund(h.ctx, l.retail, loyalty.Refund{Customer: c, Order: "SO-1"})
			return err
		}},
	}
	for _, cmd := range cmds {
		suite.RequireBadKey(t, cmd.run(), "required", cmd.what+" without a key")
	}
	l.check("commands without keys")
	l.assertSame(before, "commands without keys must write nothing")
}

// testBadKeysRefused checks that keys kehu.CheckKey refuses are refused before anything is
// written, and that the longest valid key works and comes back unaltered.
func testBadKeysRefused(t *testing.T, h *harness) {
	l := h.ledger()
	c := l.member(l.retail)
	l.earn(l.retail, c, points, 100, orderSource("SO-1", "L1"), "")
	k := l.acct(l.retail, c, points)
	before := l.snap(k)
	for _, bk := range suite.BadKeys() {
		_, err := l.svc.Redeem(h.ctx, l.retail, loyalty.Points{Customer: c, PointType: points, Points: 1, Key: bk.Key})
		suite.RequireBadKey(t, err, bk.Rule, fmt.Sprintf("Redeem with key %q", bk.Key))
	}
	l.assertSame(before, "refused keys must write nothing")
	longest := strings.Repeat("長", kehu.MaxKeyLen/3) // 3 bytes each: within MaxKeyLen
	e, err := l.svc.Redeem(h.ctx, l.retail, loyalty.Points{Customer: c, PointType: points, Points: 1, Key: " " + longest[:len(longest)-3]})
	require.NoError(t, err, "Redeem with a long key of multi-byte runes and a leading space")
	got, err := h.s.Entry(h.ctx, e.ID)
	require.NoError(t, err, "Store.Entry")
	assert.Equal(t, " "+longest[:len(longest)-3], got.Key, "a key is stored byte for byte, never trimmed")
}

// testLibraryNamespace checks that no host key can take a key the library makes for itself:
// a host redeem keyed like an order does not stop the order from earning, and host keys in
// the library's namespace are refused.
func testLibraryNamespace(t *testing.T, h *harness) {
	l := h.ledger()
	p := cappedProgram(t)
	c := l.member(p)
	l.earn(p, c, points, 100, orderSource("SO-0", "L1"), "")
	_, err := l.svc.Redeem(h.ctx, p, loyalty.Points{Customer: c, PointType: points, Points: 10, Key: "order:SO-9"})
	require.NoError(t, err, "a host key shaped like an order key is the host's own")
	o := kehu.Order{ID: "SO-9", CustomerID: c, At: l.clock.Now(), Currency: "CNY",
		Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("10", "CNY")}}}
	res, err := l.svc.EarnOrder(h.ctx, p, o, loyalty.Member{})
	require.NoError(t, err, "EarnOrder(SO-9) after a host redeem keyed order:SO-9")
	require.NotEmpty(t, res.Entries, "the order earns")
	_, err = l.svc.Redeem(h.ctx, p, loyalty.Points{Customer: c, PointType: points, Points: 1, Key: kehu.LibraryKey("order", "SO-10")})
	suite.RequireBadKey(t, err, "reserved", "Redeem with a key in the library's namespace")
	l.check("library namespace")
}

// testStoreRefusesBadKeys checks that Store.Update refuses a command record whose key
// kehu.CheckKey refuses, with its error, and writes nothing.
func testStoreRefusesBadKeys(t *testing.T, h *harness) {
	for _, bk := range append([]suite.BadKey{{Key: "", Rule: "required"}}, suite.BadKeys()...) {
		a := h.key(progA, typePoints)
		var e loyalty.Entry
		err := h.s.Update(h.ctx, []loyalty.AccountKey{a}, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
			e = h.earn(accts[0], 10, time.Time{}, loyalty.Source{Type: "manual"})
			return &loyalty.Commit{Entries: []loyalty.Entry{e}, Command: h.command(progA, bk.Key, e)}, nil
		})
		suite.RequireBadKey(t, err, bk.Rule, fmt.Sprintf("Store.Update with command key %q", bk.Key))
		h.assertAbsent(a, "Update with a refused command key must write nothing")
		h.assertNoEntry(e.ID, "Update with a refused command key must write nothing")
	}
}

// testRacingReserveRetries plays a checkout that retries a reservation while the first
// attempt runs: the member has exactly the points, and the units reach the per-customer
// limit, so a retry that were checked against the first attempt's effects would be refused.
// Every copy must get the first reservation, and stock, limit and points move once.
func testRacingReserveRetries(t *testing.T, h *harness) {
	const copies = 6
	l, c := h.rewardLedger(nil)
	l.earn(l.retail, c, points, 600, loyalty.Source{}, "")
	cmd := loyalty.Reserve{Customer: c, Reward: "coffee", Units: 2, Key: "checkout-race"}
	got := make([]*loyalty.Reservation, copies)
	errs := suite.Parallel(copies, func(i int) (err error) {
		got[i], err = retryLost(func() (*loyalty.Reservation, error) {
			return l.svc.Reserve(h.ctx, l.retail, cmd)
		})
		return err
	})
	l.check("racing reservations")
	for i, err := range errs {
		require.NoError(t, err, "copy %d of a Reserve racing its first attempt must get the first result", i)
		assert.Equal(t, got[0].ID, got[i].ID, "copy %d must return the first reservation", i)
		assert.Equal(t, got[0].HoldEntry, got[i].HoldEntry, "copy %d must return the first hold", i)
	}
	assert.EqualValues(t, 1, h.getReward(l.retail.ID(), "coffee").Stock, "the units leave the stock once")
	assert.EqualValues(t, 0, l.available(l.retail, c), "the points are held once")
}

// holdingStore holds the first Update that writes a command record inside its function —
// with the store's locks taken — until release is closed, so that retries of the same
// command queue behind the first attempt instead of finding its record.
type holdingStore struct {
	loyalty.Store
	held    atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (s *holdingStore) Update(ctx context.Context, keys []loyalty.AccountKey, need loyalty.Need, fn func([]*loyalty.Account) (*loyalty.Commit, error)) error {
	return s.Store.Update(ctx, keys, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
		commit, err := fn(accts)
		if err == nil && commit != nil && commit.Command != nil && s.held.CompareAndSwap(false, true) {
			close(s.entered)
			<-s.release
		}
		return commit, err
	})
}

// testRetryQueuedBehindFirstAttempt plays the race the way it happens in production: the
// first attempt of a redeem holds the account inside the store's atomic update when its
// retries arrive, so they find no record, wait for the account, and then see it spent. The
// retries must still get the first result, not ErrInsufficientPoints.
func testRetryQueuedBehindFirstAttempt(t *testing.T, h *harness) {
	const retries = 6
	hs := &holdingStore{Store: h.s, entered: make(chan struct{}), release: make(chan struct{})}
	svc := loyalty.NewService(hs, &kehu.Options{Now: h.clock.Now, NewID: h.ids.NewID})
	l := h.ledger()
	c := l.member(l.retail)
	l.earn(l.retail, c, points, 100, orderSource("SO-1", "L1"), "")
	cmd := loyalty.Points{Customer: c, PointType: points, Points: 100, Key: "checkout-slow"}
	var first loyalty.Entry
	firstErr := make(chan error, 1)
	go func() {
		var err error
		first, err = svc.Redeem(h.ctx, l.retail, cmd)
		firstErr <- err
	}()
	<-hs.entered
	got := make([]loyalty.Entry, retries)
	done := make(chan []error, 1)
	go func() {
		done <- suite.Parallel(retries, func(i int) (err error) {
			got[i], err = retryLost(func() (loyalty.Entry, error) { return svc.Redeem(h.ctx, l.retail, cmd) })
			return err
		})
	}()
	time.Sleep(100 * time.Millisecond) // let the retries reach the held account
	close(hs.release)
	require.NoError(t, <-firstErr, "the first attempt")
	errs := <-done
	l.check("retries queued behind the first attempt")
	for i, err := range errs {
		require.NoError(t, err, "retry %d queued behind its first attempt must get the first result", i)
		assertEntry(t, first, got[i], "retry %d must return the entry the first attempt wrote", i)
	}
	assert.EqualValues(t, 0, l.available(l.retail, c), "the points are spent once")
}
