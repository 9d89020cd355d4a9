package loyaltytest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/loyalty"
)

// The programmes and point types the store layer writes under. The store holds no rules,
// so these need not be defined anywhere: the store only keeps what it is given.
const (
	progA      = "prog-a"
	progB      = "prog-b"
	typePoints = "points"
	typeStatus = "status"
	typeMiles  = "miles"
)

// cst is China Standard Time as a fixed zone, so that the store layer needs no time zone
// database. The suite writes times in it to check that a store compares instants, not
// locations.
var cst = time.FixedZone("CST", 8*60*60)

// harness is one subtest's world: a fresh store, a clock and an ID source. The ledger
// layer adds a service over the same store (see ledger).
type harness struct {
	t     *testing.T
	ctx   context.Context
	s     loyalty.Store
	clock *kehu.Clock
	ids   *kehu.SeqIDs
	// newStore makes another empty store, for a test that needs more than s.
	newStore func(t *testing.T) loyalty.Store
}

func newHarness(t *testing.T, newStore func(t *testing.T) loyalty.Store) *harness {
	t.Helper()
	s := newStore(t)
	require.NotNil(t, s, "newStore returned a nil loyalty.Store")
	return &harness{t: t, ctx: t.Context(), s: s, clock: kehu.NewClock(suite.Start()), ids: kehu.NewSeqIDs(), newStore: newStore}
}

func (h *harness) customer() crm.CustomerID { return crm.CustomerIDFrom(h.ids.NewID()) }
func (h *harness) entryID() loyalty.EntryID { return loyalty.EntryIDFrom(h.ids.NewID()) }
func (h *harness) lotID() loyalty.LotID     { return loyalty.LotIDFrom(h.ids.NewID()) }

// key names the account of a new customer in the programme with the point type.
func (h *harness) key(program, pointType string) loyalty.AccountKey {
	return loyalty.AccountKey{Program: program, Customer: h.customer(), PointType: pointType}
}

// entry returns a new entry of the account at the clock's time, with every descriptive
// field set, so that a store that drops one is caught by a round trip.
func (h *harness) entry(a *loyalty.Account, kind loyalty.EntryKind, src loyalty.Source) loyalty.Entry {
	return loyalty.Entry{
		ID: h.entryID(), Account: a.Key, Kind: kind, At: h.clock.Now().In(cst),
		ProgramVersion: 3, Source: src, Reason: "suite " + string(kind), Actor: "loyaltytest",
	}
}

// earn adds a new lot of points earned now to a, expiring at exp (zero: never), and
// returns the entry that records it.
func (h *harness) earn(a *loyalty.Account, points int64, exp time.Time, src loyalty.Source) loyalty.Entry {
	e := h.entry(a, loyalty.KindEarn, src)
	now := h.clock.Now().In(cst)
	l := loyalty.Lot{ID: h.lotID(), Entry: e.ID, Points: points, Remaining: points, Earned: points,
		EarnedAt: now, AvailableAt: now, ExpiresAt: exp}
	a.Lots = append(a.Lots, l)
	a.UpdatedAt = now
	e.Points = points
	e.Lots = []loyalty.LotMove{{Lot: l.ID, Points: points, Line: src.Line}} // the move's line must be kept too
	if src.Rule != "" {
		e.Awards = []loyalty.RuleAward{{Rule: src.Rule, Points: points}} // and the awards, which caps count
	}
	return e
}

// spend draws points from a's lots in order and returns the entry that records it. It does
// not check that there are enough.
func (h *harness) spend(a *loyalty.Account, points int64, src loyalty.Source) loyalty.Entry {
	e := h.entry(a, loyalty.KindRedeem, src)
	for i := range a.Lots {
		l := &a.Lots[i]
		n := min(l.Remaining, points+e.Points)
		if n <= 0 {
			continue
		}
		l.Remaining -= n
		e.Points -= n
		e.Lots = append(e.Lots, loyalty.LotMove{Lot: l.ID, Points: -n})
	}
	a.UpdatedAt = h.clock.Now().In(cst)
	return e
}

// command returns the record of a command with the key that produced es.
func (h *harness) command(program, key string, es ...loyalty.Entry) *loyalty.Command {
	return &loyalty.Command{Program: program, Key: key, Digest: "digest-of-" + key, At: h.clock.Now().In(cst),
		Entries: cloneEntries(es)}
}

// write moves the clock on a minute and runs one Update over keys that must succeed; fn
// builds the commit from the accounts it is given. It returns deep copies of the accounts
// as fn left them and of the commit.
func (h *harness) write(keys []loyalty.AccountKey, fn func(accts []*loyalty.Account) *loyalty.Commit) ([]*loyalty.Account, *loyalty.Commit) {
	h.t.Helper()
	h.clock.Advance(time.Minute)
	var after []*loyalty.Account
	var commit *loyalty.Commit
	err := h.s.Update(h.ctx, keys, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
		c := fn(accts)
		after, commit = cloneAccounts(accts), cloneCommit(c)
		return c, nil
	})
	require.NoError(h.t, err, "Update of accounts %v must succeed", keys)
	return after, commit
}

// write1 is write over one account.
func (h *harness) write1(key loyalty.AccountKey, fn func(a *loyalty.Account) *loyalty.Commit) (*loyalty.Account, *loyalty.Commit) {
	h.t.Helper()
	accts, c := h.write([]loyalty.AccountKey{key}, func(accts []*loyalty.Account) *loyalty.Commit { return fn(accts[0]) })
	return accts[0], c
}

// earnTo writes one earning of points to the account, expiring at exp, with a command
// record when cmdKey is not empty. It returns the entry.
func (h *harness) earnTo(key loyalty.AccountKey, points int64, exp time.Time, cmdKey string) loyalty.Entry {
	h.t.Helper()
	var e loyalty.Entry
	h.write1(key, func(a *loyalty.Account) *loyalty.Commit {
		e = h.earn(a, points, exp, loyalty.Source{Type: "order", Ref: "SO-" + key.Customer.String(), Line: "1", Rule: "base"})
		c := &loyalty.Commit{Entries: []loyalty.Entry{e}}
		if cmdKey != "" {
			c.Command = h.command(key.Program, cmdKey, e)
		}
		return c
	})
	return e
}

// account reads an account that must exist.
func (h *harness) account(key loyalty.AccountKey) *loyalty.Account {
	h.t.Helper()
	a, err := h.s.Account(h.ctx, key)
	require.NoError(h.t, err, "Account of stored account %s", key)
	require.NotNil(h.t, a, "Account returned nil and no error")
	return a
}

// entries reads every entry of an account that must exist, in pages of 1000.
func (h *harness) entries(key loyalty.AccountKey) []loyalty.Entry {
	h.t.Helper()
	return allEntries(h.t, h.ctx, h.s, key, loyalty.EntryQuery{})
}

func allEntries(t *testing.T, ctx context.Context, s loyalty.Store, key loyalty.AccountKey, q loyalty.EntryQuery) []loyalty.Entry {
	t.Helper()
	var all []loyalty.Entry
	q.Limit = 1000
	for pages := 1; ; pages++ {
		p, err := s.Entries(ctx, key, q)
		require.NoError(t, err, "Entries of account %s (page %d)", key, pages)
		all = append(all, p.Items...)
		if p.Next == "" {
			return all
		}
		require.Less(t, pages, 1000, "Entries of account %s: Next is still not empty after %d pages", key, pages)
		q.After = p.Next
	}
}

// assertAbsent checks that nothing is stored under the account key: Account fails with
// kehu.ErrNotFound and Entries lists nothing (an empty page or kehu.ErrNotFound).
func (h *harness) assertAbsent(key loyalty.AccountKey, contract string, args ...any) bool {
	h.t.Helper()
	msg := fmt.Sprintf(contract, args...)
	_, err := h.s.Account(h.ctx, key)
	ok := assert.ErrorIs(h.t, err, kehu.ErrNotFound, "%s: Account %s must not exist", msg, key)
	p, err := h.s.Entries(h.ctx, key, loyalty.EntryQuery{})
	if err != nil {
		return assert.ErrorIs(h.t, err, kehu.ErrNotFound, "%s: Entries of account %s", msg, key) && ok
	}
	return assert.Empty(h.t, entryIDs(p.Items), "%s: account %s must have no entries", msg, key) && ok
}

// assertUnchanged checks that an account and its entries are as they were read before.
func (h *harness) assertUnchanged(before *loyalty.Account, entries []loyalty.Entry, contract string, args ...any) bool {
	h.t.Helper()
	msg := fmt.Sprintf(contract, args...)
	ok := assertAccount(h.t, before, h.account(before.Key), "%s", msg)
	return assertEntries(h.t, entries, h.entries(before.Key), "%s: entries of account %s", msg, before.Key) && ok
}

// assertNoEntry checks that no entry with the ID is stored.
func (h *harness) assertNoEntry(id loyalty.EntryID, contract string, args ...any) bool {
	h.t.Helper()
	_, err := h.s.Entry(h.ctx, id)
	return assert.ErrorIs(h.t, err, kehu.ErrNotFound, "%s: Entry %s must not be stored", fmt.Sprintf(contract, args...), id)
}

// assertNoCommand checks that no command is recorded under the key.
func (h *harness) assertNoCommand(program, key string, contract string, args ...any) bool {
	h.t.Helper()
	_, err := h.s.Command(h.ctx, program, key)
	return assert.ErrorIs(h.t, err, kehu.ErrNotFound, "%s: command %q of programme %s must not be recorded",
		fmt.Sprintf(contract, args...), key, program)
}

// ---- copies ----

func cloneEntry(e loyalty.Entry) loyalty.Entry {
	e.Lots = slices.Clone(e.Lots)
	e.Awards = slices.Clone(e.Awards)
	return e
}

func cloneEntries(es []loyalty.Entry) []loyalty.Entry {
	if es == nil {
		return nil
	}
	out := make([]loyalty.Entry, len(es))
	for i, e := range es {
		out[i] = cloneEntry(e)
	}
	return out
}

func cloneAccounts(as []*loyalty.Account) []*loyalty.Account {
	out := make([]*loyalty.Account, len(as))
	for i, a := range as {
		out[i] = a.Clone()
	}
	return out
}

func cloneCommand(c *loyalty.Command) *loyalty.Command {
	if c == nil {
		return nil
	}
	d := *c
	d.Entries = cloneEntries(c.Entries)
	return &d
}

func cloneCommit(c *loyalty.Commit) *loyalty.Commit {
	if c == nil {
		return nil
	}
	return &loyalty.Commit{Entries: cloneEntries(c.Entries), Command: cloneCommand(c.Command)}
}

// ---- comparisons ----

// canonAccount returns a deep copy of a with times in UTC and an empty lot list nil.
func canonAccount(a *loyalty.Account) *loyalty.Account {
	d := a.Clone()
	d.UpdatedAt = suite.UTC(d.UpdatedAt)
	d.Lots = suite.NilIfEmpty(d.Lots)
	for i := range d.Lots {
		l := &d.Lots[i]
		l.EarnedAt, l.AvailableAt, l.ExpiresAt, l.ExpiredAt = suite.UTC(l.EarnedAt), suite.UTC(l.AvailableAt), suite.UTC(l.ExpiresAt), suite.UTC(l.ExpiredAt)
	}
	return d
}

func canonEntry(e loyalty.Entry) loyalty.Entry {
	e.At = suite.UTC(e.At)
	e.Lots = suite.NilIfEmpty(slices.Clone(e.Lots))
	if len(e.Awards) == 0 {
		e.Awards = nil
	}
	return e
}

func canonEntries(es []loyalty.Entry) []loyalty.Entry {
	if len(es) == 0 {
		return nil
	}
	out := make([]loyalty.Entry, len(es))
	for i, e := range es {
		out[i] = canonEntry(e)
	}
	return out
}

func canonCommand(c *loyalty.Command) *loyalty.Command {
	d := cloneCommand(c)
	d.At = suite.UTC(d.At)
	d.Entries = canonEntries(d.Entries)
	return d
}

// assertAccount checks that got holds the same data as want: times compared as instants,
// an empty list the same as a nil one.
func assertAccount(t *testing.T, want, got *loyalty.Account, contract string, args ...any) bool {
	t.Helper()
	msg := fmt.Sprintf(contract, args...)
	if !assert.NotNil(t, got, "%s: got a nil account", msg) {
		return false
	}
	return assert.Equal(t, canonAccount(want), canonAccount(got), "%s: account %s differs", msg, want.Key)
}

// assertEntry checks one entry field by field.
func assertEntry(t *testing.T, want, got loyalty.Entry, contract string, args ...any) bool {
	t.Helper()
	return assert.Equal(t, canonEntry(want), canonEntry(got), "%s: entry %s differs", fmt.Sprintf(contract, args...), want.ID)
}

// assertEntries checks a list of entries, in order, field by field.
func assertEntries(t *testing.T, want, got []loyalty.Entry, contract string, args ...any) bool {
	t.Helper()
	msg := fmt.Sprintf(contract, args...)
	if !assert.Equal(t, entryIDs(want), entryIDs(got), "%s: entry IDs, in order", msg) {
		return false
	}
	return assert.Equal(t, canonEntries(want), canonEntries(got), "%s", msg)
}

func assertCommand(t *testing.T, want, got *loyalty.Command, contract string, args ...any) bool {
	t.Helper()
	msg := fmt.Sprintf(contract, args...)
	if !assert.NotNil(t, got, "%s: got a nil command", msg) {
		return false
	}
	return assert.Equal(t, canonCommand(want), canonCommand(got), "%s: command %q differs", msg, want.Key)
}

func entryIDs(es []loyalty.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID.String()
	}
	return out
}

func accountKeys(as []*loyalty.Account) []string {
	out := make([]string, len(as))
	for i, a := range as {
		if a == nil {
			out[i] = "<nil>"
			continue
		}
		out[i] = a.Key.String()
	}
	return out
}

func keyStrings(ks []loyalty.AccountKey) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.String()
	}
	return out
}

func lotIDs(ls []loyalty.Lot) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.ID.String()
	}
	return out
}

// ---- concurrency ----

// retryConflicts is suite.RetryConflicts for the ledger: loyalty.ErrAlreadyReversed
// matches kehu.ErrConflict too, but is a final answer.
func retryConflicts(f func() error) error {
	return suite.RetryConflicts(f, loyalty.ErrAlreadyReversed)
}
