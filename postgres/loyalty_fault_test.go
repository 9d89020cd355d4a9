package postgres_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
)

// TestLoyaltyKilledConnection terminates the server backend of an Update while fn runs,
// when its transaction has created the new account's placeholder and holds both accounts'
// row locks. The Update returns an error (not a success, not a panic), writes nothing —
// no account, entry or command record, and no placeholder — and the store works again on
// the same pool: the same Update then succeeds, its command key free.
func TestLoyaltyKilledConnection(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate)
	w := &lyWorld{t: t, ctx: t.Context(), s: postgres.NewLoyaltyStore(pool), ids: kehu.NewSeqIDs()}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	k, fresh := w.key(), w.key()
	w.write([]loyalty.AccountKey{k}, func(accts []*loyalty.Account) *loyalty.Commit {
		return &loyalty.Commit{Entries: []loyalty.Entry{w.earn(accts[0], 10, at, time.Time{}, "SO-1")}}
	})
	before, err := w.s.Account(w.ctx, k)
	require.NoError(t, err)

	const cmdKey = "SO-2:base"
	update := func(kill bool) ([]loyalty.Entry, error) {
		var es []loyalty.Entry
		err := w.s.Update(w.ctx, []loyalty.AccountKey{k, fresh}, loyalty.Need{All: true}, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
			if kill {
				pgtest.Terminate(t, pool, pgtest.LockHolder(t, pool, "loyalty_accounts"))
			}
			es = nil
			for _, a := range accts {
				es = append(es, w.earn(a, 5, at, time.Time{}, "SO-2"))
			}
			return &loyalty.Commit{Entries: es,
				Command: &loyalty.Command{Program: k.Program, Key: cmdKey, Digest: "d", At: at, Entries: es}}, nil
		})
		return es, err
	}
	lost, err := update(true)
	require.Error(t, err, "an Update whose backend was terminated")
	assert.NotErrorIs(t, err, kehu.ErrDuplicate)
	t.Logf("Update whose backend was terminated: %v", err)

	got, err := w.s.Account(w.ctx, k)
	require.NoError(t, err)
	assert.Equal(t, before, got, "the broken Update left the account as it was")
	_, err = w.s.Account(w.ctx, fresh)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "the broken Update created no account")
	accts, err := w.s.MemberAccounts(w.ctx, fresh.Program, fresh.Customer)
	require.NoError(t, err)
	assert.Empty(t, accts, "the broken Update left no placeholder behind")
	for _, e := range lost {
		_, err := w.s.Entry(w.ctx, e.ID)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "the broken Update stored no entry")
	}
	_, err = w.s.Command(w.ctx, k.Program, cmdKey)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "the broken Update recorded no command")
	assert.Equal(t, 2, count(t, pool, "loyalty_accounts")+count(t, pool, "loyalty_entries"),
		"the first Update's account and entry are the only rows of the accounts and entries")

	_, err = update(false)
	require.NoError(t, err, "the store works again on the same pool, and the command key is free")
	got, err = w.s.Account(w.ctx, k)
	require.NoError(t, err)
	assert.EqualValues(t, before.Version+1, got.Version)
	_, err = w.s.Command(w.ctx, k.Program, cmdKey)
	assert.NoError(t, err)
}
