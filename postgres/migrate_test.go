package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
)

// TestMigrate checks that migrating a migrated database changes nothing, that processes
// migrating at once apply each migration once, and that every migration is recorded.
func TestMigrate(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate) // migrated once already
	ctx := context.Background()
	var before int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM kehu_migrations`).Scan(&before))
	require.Positive(t, before)

	migrateConcurrently(t, pool, 4)
	var after int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM kehu_migrations`).Scan(&after))
	assert.Equal(t, before, after, "a repeated migration records nothing new")

	var versions []int
	rows, err := pool.Query(ctx, `SELECT version FROM kehu_migrations ORDER BY version`)
	require.NoError(t, err)
	for rows.Next() {
		var v int
		require.NoError(t, rows.Scan(&v))
		versions = append(versions, v)
	}
	require.NoError(t, rows.Err())
	for i, v := range versions {
		assert.Equal(t, i+1, v, "migrations are numbered 1, 2, … without gaps")
	}
}

// TestMigrateFreshSchemaConcurrently checks that several processes migrating an empty
// schema at the same moment leave one complete schema.
func TestMigrateFreshSchemaConcurrently(t *testing.T) {
	pool := pgtest.Pool(t, func(context.Context, *pgxpool.Pool) error { return nil })
	ctx := context.Background()
	migrateConcurrently(t, pool, 4)
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(DISTINCT version) FROM kehu_migrations`).Scan(&n))
	var total int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM kehu_migrations`).Scan(&total))
	assert.Equal(t, n, total, "each migration recorded once")
	assert.Positive(t, n)
}

// migrateConcurrently runs Migrate from n goroutines at once; each must succeed.
func migrateConcurrently(t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range errs {
		wg.Go(func() { errs[i] = postgres.Migrate(context.Background(), pool) })
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "Migrate from goroutine %d", i)
	}
}

// migrateTo applies the first n migrations, recorded as Migrate records them: a database
// that an earlier release of this package migrated.
func migrateTo(n int) func(context.Context, *pgxpool.Pool) error {
	return func(ctx context.Context, pool *pgxpool.Pool) error {
		ms, err := postgres.Migrations()
		if err != nil {
			return err
		}
		if _, err := pool.Exec(ctx, `CREATE TABLE kehu_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		for _, m := range ms[:n] {
			if _, err := pool.Exec(ctx, m.SQL); err != nil {
				return err
			}
			if _, err := pool.Exec(ctx, `INSERT INTO kehu_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
				return err
			}
		}
		return nil
	}
}

// TestMigrateMicrosecondTimes upgrades a database holding customers and interactions in
// the layout of 0001_crm, whose nanosecond columns 0003 drops: the rows read back as
// stored and queries still find and order them.
func TestMigrateMicrosecondTimes(t *testing.T) {
	pool := pgtest.Pool(t, migrateTo(2))
	ctx := t.Context()
	ids := kehu.NewSeqIDs()
	at := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC) // written by a clock that read nanoseconds
	c := &crm.Customer{ID: crm.CustomerIDFrom(ids.NewID()), Version: 1, CreatedAt: at, UpdatedAt: at,
		Profile: crm.Profile{Kind: crm.Person, Name: crm.Name{Display: "王小明"}}, Stage: crm.StageIntent}
	doc, err := json.Marshal(c)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO crm_customers
		(id, version, stage, owner, created_at, created_ns, tombstone, search_text, doc)
		VALUES ($1, 1, $2, '', $3, 789, false, '', $4)`, c.ID.UUID(), string(c.Stage), at.Truncate(time.Microsecond), doc)
	require.NoError(t, err)
	var ins []*crm.Interaction
	for i, d := range []time.Duration{2 * time.Microsecond, 0} { // the second is the earlier
		in := &crm.Interaction{ID: crm.InteractionIDFrom(ids.NewID()), CustomerID: c.ID, Channel: crm.ChannelPhone,
			Direction: crm.Inbound, Purpose: crm.PurposeService, At: at.Add(d), Subject: fmt.Sprint("call ", i),
			Urgency: crm.UrgencyNormal, ReplyBy: at.Add(d + time.Hour), CreatedAt: at.Add(d)}
		doc, err := json.Marshal(in)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, `INSERT INTO crm_interactions
			(id, customer_id, at, at_ns, reply_by, reply_by_ns, replied, doc)
			VALUES ($1, $2, $3, 789, $4, 789, false, $5)`,
			in.ID.UUID(), c.ID.UUID(), in.At.Truncate(time.Microsecond), in.ReplyBy.Truncate(time.Microsecond), doc)
		require.NoError(t, err)
		ins = append(ins, in)
	}

	require.NoError(t, postgres.Migrate(ctx, pool))
	var left int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name IN ('created_ns', 'at_ns', 'reply_by_ns')`).Scan(&left))
	assert.Zero(t, left, "the nanosecond columns are dropped")

	store := postgres.NewCRMStore(pool)
	got, err := store.GetCustomer(ctx, c.ID)
	require.NoError(t, err)
	assert.True(t, got.CreatedAt.Equal(at), "a stored document reads back as it was written: %s", got.CreatedAt)
	found, err := store.SearchCustomers(ctx, crm.SearchQuery{CreatedFrom: at.Truncate(time.Microsecond), CreatedTo: at.Add(time.Microsecond)})
	require.NoError(t, err)
	assert.Len(t, found.Items, 1, "the customer is found by its creation time")
	page, err := store.ListInteractions(ctx, crm.InteractionQuery{CustomerID: c.ID, OverdueAt: at.Add(2 * time.Hour)})
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	assert.Equal(t, []crm.InteractionID{ins[1].ID, ins[0].ID}, []crm.InteractionID{page.Items[0].ID, page.Items[1].ID},
		"interactions are listed by At")

	// New rows go into the new layout beside the old ones.
	svc := crm.NewService(store, &kehu.Options{Now: func() time.Time { return at.Add(time.Minute) }, NewID: ids.NewID})
	_, err = svc.RecordInteraction(ctx, crm.InteractionInput{CustomerID: c.ID, Channel: crm.ChannelEmail,
		Direction: crm.Inbound, Subject: "a question"})
	require.NoError(t, err)
	page, err = store.ListInteractions(ctx, crm.InteractionQuery{CustomerID: c.ID})
	require.NoError(t, err)
	assert.Len(t, page.Items, 3)
}

// TestMigrateLibraryKeys checks that 0004 moves the keys the library made for itself under
// the earlier rule ("order:SO-9") to the library's namespace, in command records and in
// entries, and leaves a host's keys alone.
func TestMigrateLibraryKeys(t *testing.T) {
	pool := pgtest.Pool(t, migrateTo(3))
	ctx := t.Context()
	store := postgres.NewLoyaltyStore(pool)
	ids := kehu.NewSeqIDs()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	acct := loyalty.AccountKey{Program: "retail", Customer: crm.CustomerIDFrom(ids.NewID()), PointType: "points"}
	write := func(key string) loyalty.Entry {
		t.Helper()
		lot := loyalty.LotIDFrom(ids.NewID())
		e := loyalty.Entry{ID: loyalty.EntryIDFrom(ids.NewID()), Account: acct, Kind: loyalty.KindEarn,
			Points: 10, At: at, Key: key, Source: loyalty.Source{Type: "order", Ref: "SO-9"},
			Lots: []loyalty.LotMove{{Lot: lot, Points: 10}}}
		err := store.Update(ctx, []loyalty.AccountKey{acct}, loyalty.Need{All: true}, func(a []*loyalty.Account) (*loyalty.Commit, error) {
			a[0].Lots = append(a[0].Lots, loyalty.Lot{ID: lot, Entry: e.ID, Points: 10, Remaining: 10, Earned: 10, EarnedAt: at, AvailableAt: at})
			return &loyalty.Commit{Entries: []loyalty.Entry{e},
				Command: &loyalty.Command{Program: "retail", Key: key, Digest: "d-" + key, At: at, Entries: []loyalty.Entry{e}}}, nil
		})
		require.NoError(t, err, "Update under key %q", key)
		return e
	}
	order, host := write("order:SO-9"), write("checkout-1")

	require.NoError(t, postgres.Migrate(ctx, pool))
	cmd, err := store.Command(ctx, "retail", "kehu:order:SO-9")
	require.NoError(t, err, "the order's record is found under the library's key")
	assert.Equal(t, "kehu:order:SO-9", cmd.Key)
	require.Len(t, cmd.Entries, 1)
	assert.Equal(t, "kehu:order:SO-9", cmd.Entries[0].Key, "the record's entries carry the new key")
	_, err = store.Command(ctx, "retail", "order:SO-9")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "the old key is free for a host")
	e, err := store.Entry(ctx, order.ID)
	require.NoError(t, err)
	assert.Equal(t, "kehu:order:SO-9", e.Key, "the entry carries the new key")
	kept, err := store.Command(ctx, "retail", "checkout-1")
	require.NoError(t, err, "a host's key is left alone")
	assert.Equal(t, "checkout-1", kept.Entries[0].Key)
	e, err = store.Entry(ctx, host.ID)
	require.NoError(t, err)
	assert.Equal(t, "checkout-1", e.Key)
}
