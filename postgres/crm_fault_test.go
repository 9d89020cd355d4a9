package postgres_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
)

// TestCRMKilledConnection terminates the server backend of an UpdateCustomer while fn
// runs, when its transaction holds the customer's row lock. The update returns an error
// (not a success, not a panic) and writes nothing — not the customer, its index rows or
// its tags, nor the history entry, whose key stays free — and the store works again on the
// same pool.
func TestCRMKilledConnection(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate)
	opts, clock, ids := kehu.Deterministic(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	store := postgres.NewCRMStore(pool)
	w := &crmWorld{ctx: t.Context(), store: store, svc: crm.NewService(store, opts), clock: clock, ids: ids}
	c := w.create(t, "Kept Customer", "")
	history := func() []crm.Change {
		p, err := w.store.History(w.ctx, c.ID, kehu.PageRequest{Limit: 1000})
		require.NoError(t, err)
		return p.Items
	}
	before := history()

	const changeKey = "rename-1"
	update := func(kill bool) error {
		return w.store.UpdateCustomer(w.ctx, c.ID, func(cur *crm.Customer) (*crm.Change, error) {
			if kill {
				pgtest.Terminate(t, pool, pgtest.LockHolder(t, pool, "crm_customers"))
			}
			cur.Name.Display = "Renamed Customer"
			cur.Tags = []string{"vip"}
			cur.Emails = []crm.Email{{Address: "renamed@example.com"}}
			return &crm.Change{ID: crm.ChangeIDFrom(w.ids.NewID()), CustomerID: c.ID, Version: cur.Version + 1,
				At: w.clock.Now(), Actor: "test", Action: crm.ActionUpdate, Key: changeKey}, nil
		})
	}
	err := update(true)
	require.Error(t, err, "an UpdateCustomer whose backend was terminated")
	assert.NotErrorIs(t, err, kehu.ErrDuplicate)
	t.Logf("UpdateCustomer whose backend was terminated: %v", err)

	got, err := w.store.GetCustomer(w.ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, got, "the broken update left the customer as it was")
	assert.Equal(t, before, history(), "the broken update appended no history entry")
	found, err := w.store.LookupCustomers(w.ctx, crm.LookupEmail, "renamed@example.com")
	require.NoError(t, err)
	assert.Empty(t, found, "the broken update wrote no index row")
	assert.Empty(t, w.search(t, crm.SearchQuery{Tags: []string{"vip"}}), "the broken update wrote no tag")

	require.NoError(t, update(false), "the store works again on the same pool, and the change key is free")
	got, err = w.store.GetCustomer(w.ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "Renamed Customer", got.Name.Display)
	assert.Equal(t, c.Version+1, got.Version)
	assert.Len(t, history(), len(before)+1)
}
