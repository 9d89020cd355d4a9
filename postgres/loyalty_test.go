package postgres_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/loyalty/loyaltytest"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
)

func TestLoyaltyStore(t *testing.T) {
	loyaltytest.Run(t, func(t *testing.T) loyalty.Store {
		return postgres.NewLoyaltyStore(pgtest.Pool(t, postgres.Migrate))
	})
}

// lyWorld is a fresh store with a deterministic source of IDs.
type lyWorld struct {
	t   *testing.T
	ctx context.Context
	s   *postgres.LoyaltyStore
	ids *kehu.SeqIDs
}

func newLyWorld(t *testing.T) *lyWorld {
	t.Helper()
	return &lyWorld{t: t, ctx: t.Context(), s: postgres.NewLoyaltyStore(pgtest.Pool(t, postgres.Migrate)), ids: kehu.NewSeqIDs()}
}

func (w *lyWorld) key() loyalty.AccountKey {
	return loyalty.AccountKey{Program: "retail", Customer: crm.CustomerIDFrom(w.ids.NewID()), PointType: "points"}
}

// earn adds a lot of points to a, earned at at and expiring at exp, and returns its entry.
func (w *lyWorld) earn(a *loyalty.Account, points int64, at, exp time.Time, ref string) loyalty.Entry {
	e := loyalty.Entry{ID: loyalty.EntryIDFrom(w.ids.NewID()), Account: a.Key, Kind: loyalty.KindEarn, At: at,
		Points: points, ProgramVersion: 1, Source: loyalty.Source{Type: "order", Ref: ref}}
	l := loyalty.Lot{ID: loyalty.LotIDFrom(w.ids.NewID()), Entry: e.ID, Points: points, Remaining: points, Earned: points,
		EarnedAt: at, AvailableAt: at, ExpiresAt: exp}
	a.Lots = append(a.Lots, l)
	a.UpdatedAt = at
	e.Lots = []loyalty.LotMove{{Lot: l.ID, Points: points}}
	return e
}

// write runs one Update that must succeed.
func (w *lyWorld) write(keys []loyalty.AccountKey, fn func(accts []*loyalty.Account) *loyalty.Commit) {
	w.t.Helper()
	require.NoError(w.t, w.s.Update(w.ctx, keys, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
		return fn(accts), nil
	}))
}

func (w *lyWorld) allEntries(k loyalty.AccountKey, q loyalty.EntryQuery) []loyalty.Entry {
	w.t.Helper()
	var out []loyalty.Entry
	for {
		p, err := w.s.Entries(w.ctx, k, q)
		require.NoError(w.t, err)
		out = append(out, p.Items...)
		if p.Next == "" {
			return out
		}
		q.After = p.Next
	}
}

func (w *lyWorld) dueKeys(dueBy time.Time) []loyalty.AccountKey {
	w.t.Helper()
	p, err := w.s.ScanAccounts(w.ctx, "retail", loyalty.ScanQuery{DueBy: dueBy})
	require.NoError(w.t, err)
	out := []loyalty.AccountKey{}
	for _, a := range p.Items {
		out = append(out, a.Key)
	}
	return out
}

// lySameInstant checks that two times are the same instant.
func lySameInstant(t *testing.T, want, got time.Time, what string) {
	t.Helper()
	assert.True(t, want.Equal(got), "%s: want %s, got %s", what, want.Format(time.RFC3339Nano), got.Format(time.RFC3339Nano))
}

// TestLoyaltyTimesRoundTrip stores times with microseconds in zones other than UTC and
// reads them back as the same instants, in every kind of record.
func TestLoyaltyTimesRoundTrip(t *testing.T) {
	w := newLyWorld(t)
	nepal := time.FixedZone("NPT", 5*3600+45*60)
	west := time.FixedZone("HST", -10*3600)
	at := time.Date(2026, 3, 1, 9, 0, 0, 123456000, nepal)
	exp := time.Date(2027, 12, 31, 23, 59, 59, 999999000, west)
	k := w.key()
	var entry loyalty.Entry
	w.write([]loyalty.AccountKey{k}, func(accts []*loyalty.Account) *loyalty.Commit {
		entry = w.earn(accts[0], 10, at, exp, "SO-1")
		return &loyalty.Commit{Entries: []loyalty.Entry{entry},
			Command: &loyalty.Command{Program: k.Program, Key: "SO-1", Digest: "d", At: at, Entries: []loyalty.Entry{entry}}}
	})

	a, err := w.s.Account(w.ctx, k)
	require.NoError(t, err)
	require.Len(t, a.Lots, 1)
	lySameInstant(t, at, a.UpdatedAt, "Account.UpdatedAt")
	lySameInstant(t, at, a.Lots[0].EarnedAt, "Lot.EarnedAt")
	lySameInstant(t, exp, a.Lots[0].ExpiresAt, "Lot.ExpiresAt")
	lySameInstant(t, exp, a.NextExpiry(), "Account.NextExpiry")
	e, err := w.s.Entry(w.ctx, entry.ID)
	require.NoError(t, err)
	lySameInstant(t, at, e.At, "Entry.At")
	cmd, err := w.s.Command(w.ctx, k.Program, "SO-1")
	require.NoError(t, err)
	lySameInstant(t, at, cmd.At, "Command.At")
	lySameInstant(t, at, cmd.Entries[0].At, "Command.Entries[0].At")

	c := crm.CustomerIDFrom(w.ids.NewID())
	require.NoError(t, w.s.UpdateMember(w.ctx, "retail", c, func(m *loyalty.MemberState) error {
		m.JoinedAt, m.NextReview, m.AssignedUntil = at, exp, exp.Add(time.Microsecond)
		m.History = []loyalty.TierChange{{To: "member", At: at, Reason: loyalty.TierJoined}}
		return nil
	}))
	m, err := w.s.Member(w.ctx, "retail", c)
	require.NoError(t, err)
	lySameInstant(t, at, m.JoinedAt, "MemberState.JoinedAt")
	lySameInstant(t, exp, m.NextReview, "MemberState.NextReview")
	lySameInstant(t, exp.Add(time.Microsecond), m.AssignedUntil, "MemberState.AssignedUntil")
	lySameInstant(t, at, m.History[0].At, "TierChange.At")

	require.NoError(t, w.s.PutReward(w.ctx, loyalty.Reward{ID: "mug", Program: "retail", Name: "Mug", PointType: "points",
		Points: 10, Stock: 5, ValidFrom: at, ValidTo: exp, UpdatedAt: at}))
	rw, err := w.s.Reward(w.ctx, "retail", "mug")
	require.NoError(t, err)
	lySameInstant(t, at, rw.ValidFrom, "Reward.ValidFrom")
	lySameInstant(t, exp, rw.ValidTo, "Reward.ValidTo")

	require.NoError(t, w.s.CreateCoupon(w.ctx, loyalty.Coupon{Code: "C-1", Program: "retail", Uses: 1, UsesLeft: 1,
		ValidFrom: at, ValidTo: exp, Redemptions: []time.Time{at}, CreatedAt: at}))
	cp, err := w.s.Coupon(w.ctx, "retail", "C-1")
	require.NoError(t, err)
	lySameInstant(t, at, cp.ValidFrom, "Coupon.ValidFrom")
	lySameInstant(t, exp, cp.ValidTo, "Coupon.ValidTo")
	lySameInstant(t, at, cp.Redemptions[0], "Coupon.Redemptions[0]")
}

// TestLoyaltyEntriesBounds checks that Entries applies From and To exactly, with bounds
// on, between and beside the entries' microseconds: it answers as the memory store does.
func TestLoyaltyEntriesBounds(t *testing.T) {
	w := newLyWorld(t)
	mem := loyalty.NewMemoryStore()
	k := w.key()
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	const us = time.Microsecond
	var es []loyalty.Entry
	for _, d := range []time.Duration{0, 1 * us, 2 * us, 3 * us, 5 * us} {
		var e loyalty.Entry
		w.write([]loyalty.AccountKey{k}, func(accts []*loyalty.Account) *loyalty.Commit {
			e = w.earn(accts[0], 1, base.Add(d), time.Time{}, "")
			es = append(es, e)
			return &loyalty.Commit{Entries: []loyalty.Entry{e}}
		})
		require.NoError(t, mem.Update(w.ctx, []loyalty.AccountKey{k}, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
			a := accts[0]
			a.Lots = append(a.Lots, loyalty.Lot{ID: e.Lots[0].Lot, Entry: e.ID, Points: 1, Remaining: 1, Earned: 1,
				EarnedAt: e.At, AvailableAt: e.At})
			return &loyalty.Commit{Entries: []loyalty.Entry{e}}, nil
		}))
	}
	ids := func(es []loyalty.Entry) []loyalty.EntryID {
		out := []loyalty.EntryID{}
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	all := func(s loyalty.Store, q loyalty.EntryQuery) []loyalty.Entry {
		var out []loyalty.Entry
		for {
			p, err := s.Entries(w.ctx, k, q)
			require.NoError(t, err)
			out = append(out, p.Items...)
			if p.Next == "" {
				return out
			}
			q.After = p.Next
		}
	}
	for _, c := range []struct {
		from, to time.Duration
		want     []loyalty.Entry
	}{
		{1 * us, 3 * us, es[1:3]},
		{1*us + 1, 3*us + 1, es[2:4]},
		{1*us - 1, 3*us - 1, es[1:3]},
		{2*us + 500, 2*us + 501, nil},
		{3 * us, 6 * us, es[3:5]},
		{1, 1 * us, nil},
		{-1, 1, es[0:1]},
	} {
		for _, limit := range []int{1, 2, 50} {
			q := loyalty.EntryQuery{From: base.Add(c.from), To: base.Add(c.to).In(time.FixedZone("X", 3600)),
				PageRequest: kehu.PageRequest{Limit: limit}}
			assert.Equal(t, ids(c.want), ids(all(mem, q)), "memory store: Entries in [base%+v, base%+v) with Limit %d", c.from, c.to, limit)
			assert.Equal(t, ids(c.want), ids(all(w.s, q)), "Entries in [base%+v, base%+v) with Limit %d", c.from, c.to, limit)
		}
	}
}

// TestLoyaltyScanDueByBounds checks that ScanAccounts and ScanMembers with DueBy find a
// record due exactly at DueBy, and not one due a nanosecond after it.
func TestLoyaltyScanDueByBounds(t *testing.T) {
	w := newLyWorld(t)
	due := time.Date(2026, 12, 31, 16, 0, 0, 1000, time.UTC) // .000001
	k := w.key()
	w.write([]loyalty.AccountKey{k}, func(accts []*loyalty.Account) *loyalty.Commit {
		return &loyalty.Commit{Entries: []loyalty.Entry{w.earn(accts[0], 10, due.AddDate(-1, 0, 0), due, "")}}
	})
	assert.Equal(t, []loyalty.AccountKey{k}, w.dueKeys(due), "a lot expiring exactly at DueBy is due")
	assert.Equal(t, []loyalty.AccountKey{k}, w.dueKeys(due.In(time.FixedZone("CST", 8*3600))), "DueBy in another zone")
	assert.Equal(t, []loyalty.AccountKey{k}, w.dueKeys(due.Add(999)), "a lot expiring 999 ns before DueBy is due")
	assert.Empty(t, w.dueKeys(due.Add(-time.Nanosecond)), "a lot expiring a nanosecond after DueBy is not due")

	c := crm.CustomerIDFrom(w.ids.NewID())
	require.NoError(t, w.s.UpdateMember(w.ctx, "retail", c, func(m *loyalty.MemberState) error {
		m.DowngradeAt = due
		return nil
	}))
	scan := func(dueBy time.Time) int {
		p, err := w.s.ScanMembers(w.ctx, "retail", loyalty.ScanQuery{DueBy: dueBy})
		require.NoError(t, err)
		return len(p.Items)
	}
	assert.Equal(t, 1, scan(due), "a member whose downgrade falls exactly at DueBy is due")
	assert.Equal(t, 1, scan(due.Add(999)), "a member whose downgrade falls 999 ns before DueBy is due")
	assert.Equal(t, 0, scan(due.Add(-time.Nanosecond)), "a member whose downgrade falls a nanosecond after DueBy is not due")
}

// TestLoyaltyRetriedUpdateWritesNothing repeats an Update whose command key is recorded:
// it fails with kehu.ErrDuplicate and writes nothing, on the accounts it names or on a new
// one.
func TestLoyaltyRetriedUpdateWritesNothing(t *testing.T) {
	w := newLyWorld(t)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	k, other := w.key(), w.key()
	const cmdKey = "SO-1:base"
	run := func(keys ...loyalty.AccountKey) ([]loyalty.Entry, error) {
		var es []loyalty.Entry
		err := w.s.Update(w.ctx, keys, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
			es = nil
			for _, a := range accts {
				es = append(es, w.earn(a, 100, at, time.Time{}, "SO-1"))
			}
			return &loyalty.Commit{Entries: es,
				Command: &loyalty.Command{Program: k.Program, Key: cmdKey, Digest: "d", At: at, Entries: es[:1]}}, nil
		})
		return es, err
	}
	first, err := run(k, other)
	require.NoError(t, err)
	before := map[loyalty.AccountKey]*loyalty.Account{}
	for _, key := range []loyalty.AccountKey{k, other} {
		before[key], err = w.s.Account(w.ctx, key)
		require.NoError(t, err)
	}
	cmd, err := w.s.Command(w.ctx, k.Program, cmdKey)
	require.NoError(t, err)

	fresh := w.key()
	for _, keys := range [][]loyalty.AccountKey{{k, other}, {other}, {fresh}, {fresh, k}} {
		again, err := run(keys...)
		require.ErrorIs(t, err, kehu.ErrDuplicate, "a retried Update over %d accounts with a recorded command key", len(keys))
		for _, e := range again {
			_, err := w.s.Entry(w.ctx, e.ID)
			assert.ErrorIs(t, err, kehu.ErrNotFound, "a retried Update must store none of its entries")
		}
	}
	for key, a := range before {
		got, err := w.s.Account(w.ctx, key)
		require.NoError(t, err)
		assert.Equal(t, a, got, "a retried Update must leave the account as it was")
		assert.Len(t, w.allEntries(key, loyalty.EntryQuery{}), 1, "a retried Update must add no entry")
	}
	_, err = w.s.Account(w.ctx, fresh)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "a retried Update must not create the new account it names")
	accts, err := w.s.MemberAccounts(w.ctx, fresh.Program, fresh.Customer)
	require.NoError(t, err)
	assert.Empty(t, accts, "a retried Update must not create the new account it names")
	bySrc, err := w.s.EntriesBySource(w.ctx, k.Program, "order", "SO-1")
	require.NoError(t, err)
	assert.Len(t, bySrc, len(first), "a retried Update must add no entry of the source")
	got, err := w.s.Command(w.ctx, k.Program, cmdKey)
	require.NoError(t, err)
	assert.Equal(t, cmd, got, "a retried Update must keep the first command record")
}

// TestLoyaltyOppositeOrderUpdates runs many Updates over the same two accounts, half of
// them naming the accounts in the other order. None may hang: each succeeds, or reports a
// lost race as kehu.ErrConflict, and every success is stored.
func TestLoyaltyOppositeOrderUpdates(t *testing.T) {
	w := newLyWorld(t)
	a, b := w.key(), w.key()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	ctx, cancel := context.WithTimeout(w.ctx, 60*time.Second)
	defer cancel()
	const writers, rounds = 16, 5
	var (
		mu       sync.Mutex
		ok       int
		conflict int
		wg       sync.WaitGroup
	)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys := []loyalty.AccountKey{a, b}
			if i%2 == 1 {
				keys = []loyalty.AccountKey{b, a}
			}
			for range rounds {
				err := w.s.Update(ctx, keys, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
					time.Sleep(time.Millisecond) // hold both locks a while
					var es []loyalty.Entry
					for _, acct := range accts {
						e := loyalty.Entry{ID: loyalty.EntryIDFrom(w.ids.NewID()), Account: acct.Key, Kind: loyalty.KindAdjust,
							At: at, Points: 1, Debt: -1}
						es = append(es, e)
					}
					return &loyalty.Commit{Entries: es}, nil
				})
				mu.Lock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, kehu.ErrConflict):
					conflict++
				default:
					t.Errorf("Update of two accounts in opposite orders: %v", err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.NoError(t, ctx.Err(), "Updates of two accounts in opposite orders must not hang")
	assert.Zero(t, conflict, "Updates that lock in key order never deadlock, so none should lose a race")
	for _, k := range []loyalty.AccountKey{a, b} {
		acct, err := w.s.Account(w.ctx, k)
		require.NoError(t, err)
		assert.EqualValues(t, ok, acct.Version, "every successful Update must be stored once")
		assert.Len(t, w.allEntries(k, loyalty.EntryQuery{}), ok, "every successful Update must store its entries once")
	}
}

// TestLoyaltyConcurrentCreators has many writers create the same account at once: the
// store serialises them, so none fails.
func TestLoyaltyConcurrentCreators(t *testing.T) {
	w := newLyWorld(t)
	k := w.key()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	const writers = 12
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.s.Update(w.ctx, []loyalty.AccountKey{k}, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
				return &loyalty.Commit{Entries: []loyalty.Entry{w.earn(accts[0], 1, at, time.Time{}, "")}}, nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "concurrent creator %d", i)
	}
	a, err := w.s.Account(w.ctx, k)
	require.NoError(t, err)
	assert.EqualValues(t, writers, a.Version)
	assert.Len(t, a.Lots, writers, "no creator's lot may be lost")
}

// TestLoyaltyRefusedText checks that text PostgreSQL cannot store (a NUL character) is
// reported as kehu.ErrInvalid and writes nothing.
func TestLoyaltyRefusedText(t *testing.T) {
	w := newLyWorld(t)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		edit func(e *loyalty.Entry)
	}{
		{"reason", func(e *loyalty.Entry) { e.Reason = "bad\x00reason" }},
		{"source ref", func(e *loyalty.Entry) { e.Source.Ref = "SO\x00-1" }},
	} {
		k := w.key()
		err := w.s.Update(w.ctx, []loyalty.AccountKey{k}, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
			e := w.earn(accts[0], 1, at, time.Time{}, "SO-1")
			c.edit(&e)
			return &loyalty.Commit{Entries: []loyalty.Entry{e}}, nil
		})
		assert.ErrorIs(t, err, kehu.ErrInvalid, "an entry whose %s holds a NUL character", c.name)
		_, err = w.s.Account(w.ctx, k)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "a refused Update must write nothing")
	}
}

// TestLoyaltyCancelledContext checks that every kind of call honours its context.
func TestLoyaltyCancelledContext(t *testing.T) {
	w := newLyWorld(t)
	ctx, cancel := context.WithCancel(w.ctx)
	cancel()
	k := w.key()
	ran := false
	err := w.s.Update(ctx, []loyalty.AccountKey{k}, loyalty.Need{All: true}, func([]*loyalty.Account) (*loyalty.Commit, error) {
		ran = true
		return &loyalty.Commit{}, nil
	})
	assert.ErrorIs(t, err, context.Canceled, "Update")
	assert.False(t, ran, "Update must not run fn under a cancelled context")
	_, err = w.s.Account(ctx, k)
	assert.ErrorIs(t, err, context.Canceled, "Account")
	_, err = w.s.Entries(ctx, k, loyalty.EntryQuery{})
	assert.ErrorIs(t, err, context.Canceled, "Entries")
	_, err = w.s.ScanAccounts(ctx, k.Program, loyalty.ScanQuery{})
	assert.ErrorIs(t, err, context.Canceled, "ScanAccounts")
	err = w.s.UpdateMember(ctx, k.Program, k.Customer, func(*loyalty.MemberState) error { return nil })
	assert.ErrorIs(t, err, context.Canceled, "UpdateMember")
	err = w.s.PutReward(ctx, loyalty.Reward{ID: "r", Program: k.Program})
	assert.ErrorIs(t, err, context.Canceled, "PutReward")
	_, err = w.s.Rewards(ctx, k.Program, kehu.PageRequest{})
	assert.ErrorIs(t, err, context.Canceled, "Rewards")
	_, err = w.s.Account(w.ctx, k)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "nothing is written under a cancelled context")
}

// TestLoyaltyBadCursors checks that cursors this store did not write are refused with
// kehu.ErrInvalid.
func TestLoyaltyBadCursors(t *testing.T) {
	w := newLyWorld(t)
	k := w.key()
	w.write([]loyalty.AccountKey{k}, func(accts []*loyalty.Account) *loyalty.Commit {
		return &loyalty.Commit{Entries: []loyalty.Entry{w.earn(accts[0], 1, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), time.Time{}, "")}}
	})
	for _, bad := range []string{"x", "-1", "1.5"} {
		_, err := w.s.Entries(w.ctx, k, loyalty.EntryQuery{PageRequest: kehu.PageRequest{After: bad}})
		assert.ErrorIs(t, err, kehu.ErrInvalid, "Entries after %q", bad)
	}
	for _, bad := range []string{"x", "not-a-uuid/points", k.Customer.String()} {
		_, err := w.s.ScanAccounts(w.ctx, k.Program, loyalty.ScanQuery{PageRequest: kehu.PageRequest{After: bad}})
		assert.ErrorIs(t, err, kehu.ErrInvalid, "ScanAccounts after %q", bad)
	}
	_, err := w.s.ScanMembers(w.ctx, k.Program, loyalty.ScanQuery{PageRequest: kehu.PageRequest{After: "x"}})
	assert.ErrorIs(t, err, kehu.ErrInvalid, "ScanMembers after a bad cursor")
}

// TestLoyaltyUpdateKeyLists covers key lists the suite does not: none at all (the command
// record alone is written) and a key named twice (one account, stored from the first copy).
func TestLoyaltyUpdateKeyLists(t *testing.T) {
	w := newLyWorld(t)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	require.NoError(t, w.s.Update(w.ctx, nil, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
		assert.Empty(t, accts, "Update without keys passes no accounts")
		return &loyalty.Commit{Command: &loyalty.Command{Program: "retail", Key: "noop", Digest: "d", At: at}}, nil
	}))
	_, err := w.s.Command(w.ctx, "retail", "noop")
	assert.NoError(t, err, "Update without keys must still record its command")

	k := w.key()
	require.NoError(t, w.s.Update(w.ctx, []loyalty.AccountKey{k, k}, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
		require.Len(t, accts, 2)
		assert.NotSame(t, accts[0], accts[1], "a key named twice is passed as two copies")
		e := w.earn(accts[0], 7, at, time.Time{}, "")
		accts[1].Debt = 99 // the second copy is not stored
		return &loyalty.Commit{Entries: []loyalty.Entry{e}}, nil
	}))
	a, err := w.s.Account(w.ctx, k)
	require.NoError(t, err)
	assert.EqualValues(t, 1, a.Version, "a key named twice is stored once")
	assert.EqualValues(t, 7, a.Book(), "a key named twice is stored from its first copy")
}

// TestLoyaltyRepeatedEntryID checks that an entry ID the customer already has (an ID source
// that repeated itself) fails the Update with kehu.ErrConflict, so that the service tries
// again with fresh IDs, and writes nothing. (IDs are checked per customer, the column the
// entries can be spread by.)
func TestLoyaltyRepeatedEntryID(t *testing.T) {
	w := newLyWorld(t)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	k := w.key()
	var first loyalty.Entry
	w.write([]loyalty.AccountKey{k}, func(accts []*loyalty.Account) *loyalty.Commit {
		first = w.earn(accts[0], 10, at, time.Time{}, "")
		return &loyalty.Commit{Entries: []loyalty.Entry{first}}
	})
	other := k
	other.PointType = "miles"
	err := w.s.Update(w.ctx, []loyalty.AccountKey{k, other}, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
		e := w.earn(accts[1], 5, at, time.Time{}, "")
		e.ID = first.ID
		return &loyalty.Commit{Entries: []loyalty.Entry{e},
			Command: &loyalty.Command{Program: k.Program, Key: "repeat", Digest: "d", At: at}}, nil
	})
	assert.ErrorIs(t, err, kehu.ErrConflict, "an entry ID already stored")
	assert.NotErrorIs(t, err, kehu.ErrDuplicate, "an entry ID already stored is not a recorded command key")
	a, err := w.s.Account(w.ctx, k)
	require.NoError(t, err)
	assert.EqualValues(t, 1, a.Version, "a failed Update must not change the accounts it named")
	_, err = w.s.Account(w.ctx, other)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "a failed Update must not create accounts")
	_, err = w.s.Command(w.ctx, k.Program, "repeat")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "a failed Update must not record its command")
}

// TestLoyaltyTotalsOverflow checks that sums past the range of an int64, which PostgreSQL
// computes as numeric, are an error rather than a wrapped number.
func TestLoyaltyTotalsOverflow(t *testing.T) {
	w := newLyWorld(t)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for range 2 {
		w.write([]loyalty.AccountKey{w.key()}, func(accts []*loyalty.Account) *loyalty.Commit {
			e := w.earn(accts[0], math.MaxInt64, at, time.Time{}, "SO-1")
			return &loyalty.Commit{Entries: []loyalty.Entry{e}}
		})
	}
	_, err := w.s.Outstanding(w.ctx, "retail", at)
	assert.ErrorContains(t, err, "overflows an int64", "Outstanding of two accounts holding MaxInt64 each")
	_, err = w.s.Flows(w.ctx, "retail", at, at.Add(time.Hour))
	assert.ErrorContains(t, err, "overflows an int64", "Flows of two earnings of MaxInt64 each")
	out, err := w.s.Outstanding(w.ctx, "other", at)
	require.NoError(t, err)
	assert.Empty(t, out, "a programme without accounts")
}

// Analyze brings the statistics up to date: afterwards the planner knows the lots an
// account holds (pg_class.reltuples counts them).
func TestLoyaltyAnalyze(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate)
	s := postgres.NewLoyaltyStore(pool)
	w := &lyWorld{t: t, ctx: t.Context(), s: s, ids: kehu.NewSeqIDs()}
	key := w.key()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w.write([]loyalty.AccountKey{key}, func(accts []*loyalty.Account) *loyalty.Commit {
		var c loyalty.Commit
		for i := range 50 {
			c.Entries = append(c.Entries, w.earn(accts[0], 10, at.Add(time.Duration(i)*time.Hour), at.AddDate(1, 0, 0), "SO"))
		}
		return &c
	})
	require.NoError(t, s.Analyze(t.Context()))
	var tuples float64
	require.NoError(t, pool.QueryRow(t.Context(), `SELECT reltuples FROM pg_class WHERE oid = 'loyalty_lots'::regclass`).Scan(&tuples))
	assert.Equal(t, float64(50), tuples, "after Analyze the planner counts the 50 lots")
}

// TestLoyaltyCommandByReference checks that a command record whose entries are the
// commit's, as the service's always are, keeps them by ID rather than as a second copy,
// and that Command reads them back in the record's order, equal to the entries written.
func TestLoyaltyCommandByReference(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate)
	ctx := t.Context()
	store := postgres.NewLoyaltyStore(pool)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	ids := kehu.NewSeqIDs()
	k := loyalty.AccountKey{Program: "retail", Customer: crm.CustomerIDFrom(ids.NewID()), PointType: "points"}
	var es []loyalty.Entry
	require.NoError(t, store.Update(ctx, []loyalty.AccountKey{k}, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
		for i, ref := range []string{"SO-1", "SO-2", "SO-3"} {
			e := loyalty.Entry{ID: loyalty.EntryIDFrom(ids.NewID()), Account: k, Kind: loyalty.KindEarn, At: at,
				Points: int64(10 + i), ProgramVersion: 1, Source: loyalty.Source{Type: "order", Ref: ref}}
			es = append(es, e)
		}
		// The record lists them in another order than the commit.
		return &loyalty.Commit{Entries: es, Command: &loyalty.Command{Program: k.Program, Key: "by-ref", Digest: "d", At: at,
			Entries: []loyalty.Entry{es[2], es[0], es[1]}}}, nil
	}))
	var inDoc string
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT jsonb_typeof(doc->'entries'), cardinality(entries) FROM loyalty_commands WHERE key = 'by-ref'`).Scan(&inDoc, &n))
	assert.Equal(t, "null", inDoc, "the record's document holds no copy of the entries")
	assert.Equal(t, 3, n, "the record names its three entries")
	cmd, err := store.Command(ctx, k.Program, "by-ref")
	require.NoError(t, err)
	assert.Equal(t, []loyalty.Entry{es[2], es[0], es[1]}, cmd.Entries, "the entries read back in the record's order")
}
