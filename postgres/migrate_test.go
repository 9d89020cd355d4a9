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
	"github.com/kehu-crm/kehu/complaint"
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
	// The rows as the store wrote them then: the entry and the command record (the test
	// reads nothing else).
	write := func(key string) loyalty.Entry {
		t.Helper()
		lot := loyalty.LotIDFrom(ids.NewID())
		e := loyalty.Entry{ID: loyalty.EntryIDFrom(ids.NewID()), Account: acct, Kind: loyalty.KindEarn,
			Points: 10, At: at, Key: key, Source: loyalty.Source{Type: "order", Ref: "SO-9"},
			Lots: []loyalty.LotMove{{Lot: lot, Points: 10}}}
		cmd := loyalty.Command{Program: "retail", Key: key, Digest: "d-" + key, At: at, Entries: []loyalty.Entry{e}}
		edoc, err := json.Marshal(e)
		require.NoError(t, err)
		cdoc, err := json.Marshal(cmd)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, `INSERT INTO loyalty_entries (id, program, customer, point_type, at, source_type, source_ref, doc)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, e.ID.UUID(), acct.Program, acct.Customer.UUID(), acct.PointType, at,
			e.Source.Type, e.Source.Ref, edoc)
		require.NoError(t, err, "entry under key %q", key)
		_, err = pool.Exec(ctx, `INSERT INTO loyalty_commands (program, key, digest, at, doc) VALUES ($1, $2, $3, $4, $5)`,
			cmd.Program, cmd.Key, cmd.Digest, at, cdoc)
		require.NoError(t, err, "command under key %q", key)
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

// TestMigrateLoyaltyLots upgrades a database whose accounts keep their lots in their
// documents (0002–0006) to lots as rows (0007): every account reads back as it was
// written, its lots in their order; what the lots hold and the seq of the last are on the
// account row; the documents keep no lots; entries have their kind and points as columns;
// and the next Update hands a working set and appends after the moved lots.
func TestMigrateLoyaltyLots(t *testing.T) {
	pool := pgtest.Pool(t, migrateTo(6))
	ctx := t.Context()
	ids := kehu.NewSeqIDs()
	at := time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)
	day := 24 * time.Hour
	key := func() loyalty.AccountKey {
		return loyalty.AccountKey{Program: "retail", Customer: crm.CustomerIDFrom(ids.NewID()), PointType: "points"}
	}
	lot := func(remaining int64, earned, expires time.Time) loyalty.Lot {
		return loyalty.Lot{ID: loyalty.LotIDFrom(ids.NewID()), Entry: loyalty.EntryIDFrom(ids.NewID()), Points: 100,
			Remaining: remaining, EarnedAt: earned, AvailableAt: earned.Add(day), ExpiresAt: expires, Earned: 120,
			Returned: 20, ReturnedQty: 2, Units: 5}
	}
	full := &loyalty.Account{Key: key(), Version: 4, Debt: 17, Forgiven: 6, UpdatedAt: at, Lots: []loyalty.Lot{
		lot(60, at.Add(-40*day), at.Add(300*day)),
		lot(0, at.Add(-400*day), at.Add(-30*day)), // expired by its entry
		lot(70, at.Add(-20*day), time.Time{}),     // never expires
		lot(25, at.Add(-10*day), at.Add(100*day)),
		{}, // a lot with nothing set
	}}
	full.Lots[1].ExpiredAt, full.Lots[1].Lapsed = at.Add(-30*day), 80
	// Listed out of spend order on purpose: the rows keep the order the lots were added.
	full.Lots[0], full.Lots[3] = full.Lots[3], full.Lots[0]
	empty := &loyalty.Account{Key: key(), Version: 1, UpdatedAt: at}
	internal := &loyalty.Account{Key: loyalty.AccountKey{Program: "retail", Customer: full.Key.Customer, PointType: "$counter:x"},
		Version: 2, Lots: []loyalty.Lot{lot(9, at, time.Time{})}}
	for _, a := range []*loyalty.Account{full, empty, internal} {
		doc, err := json.Marshal(a)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, `INSERT INTO loyalty_accounts (program, customer, point_type, version, next_due, doc)
			VALUES ($1, $2, $3, $4, $5, $6)`, a.Key.Program, a.Key.Customer.UUID(), a.Key.PointType, a.Version,
			nullTime(a.NextExpiry()), doc)
		require.NoError(t, err)
	}
	earn := loyalty.Entry{ID: loyalty.EntryIDFrom(ids.NewID()), Account: full.Key, Kind: loyalty.KindEarn, At: at, Points: 60}
	expire := loyalty.Entry{ID: loyalty.EntryIDFrom(ids.NewID()), Account: full.Key, Kind: loyalty.KindExpire, At: at, Points: -80}
	for _, e := range []loyalty.Entry{earn, expire} {
		doc, err := json.Marshal(e)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, `INSERT INTO loyalty_entries (id, program, customer, point_type, at, source_type, source_ref, doc)
			VALUES ($1, $2, $3, $4, $5, '', '', $6)`, e.ID.UUID(), e.Account.Program, e.Account.Customer.UUID(), e.Account.PointType, e.At, doc)
		require.NoError(t, err)
	}

	require.NoError(t, postgres.Migrate(ctx, pool))
	store := postgres.NewLoyaltyStore(pool)
	for _, want := range []*loyalty.Account{full, empty, internal} {
		got, err := store.Account(ctx, want.Key)
		require.NoError(t, err, "Account %s", want.Key)
		assert.Equal(t, want, got, "account %s reads back as it was written", want.Key)
		var held, lots int64
		var hasLots bool
		require.NoError(t, pool.QueryRow(ctx, `SELECT held, lots, doc ? 'lots' FROM loyalty_accounts
			WHERE program = $1 AND customer = $2 AND point_type = $3`, want.Key.Program, want.Key.Customer.UUID(), want.Key.PointType).
			Scan(&held, &lots, &hasLots))
		assert.Equal(t, want.Book()+want.Debt, held, "held is what the lots of %s hold", want.Key)
		assert.EqualValues(t, len(want.Lots), lots, "lots is the seq of the last lot of %s", want.Key)
		assert.False(t, hasLots, "the document of %s keeps no lots", want.Key)
	}
	ms, err := store.MemberAccounts(ctx, "retail", full.Key.Customer)
	require.NoError(t, err)
	assert.Equal(t, []*loyalty.Account{internal, full}, ms, "MemberAccounts reads the moved lots")
	page, err := store.ScanAccounts(ctx, "retail", loyalty.ScanQuery{DueBy: at.Add(200 * day)})
	require.NoError(t, err)
	assert.Equal(t, []*loyalty.Account{full}, page.Items, "ScanAccounts finds the account due by its next_due")
	var kinds []string
	var points []int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT array_agg(kind ORDER BY seq), array_agg(points ORDER BY seq) FROM loyalty_entries`).
		Scan(&kinds, &points))
	assert.Equal(t, []string{"earn", "expire"}, kinds, "entries have their kind as a column")
	assert.Equal(t, []int64{60, -80}, points, "entries have their points as a column")

	// A spend of 30 at at is handed the lots of the nearest expiry until they hold 30 (the
	// lot of 25, then the lot of 60), in the order added; Outside is the never-expiring 70.
	added := lot(5, at, time.Time{})
	require.NoError(t, store.Update(ctx, []loyalty.AccountKey{full.Key}, loyalty.Need{At: at, Spend: 30, Policy: loyalty.NearestExpiryFirst},
		func(accts []*loyalty.Account) (*loyalty.Commit, error) {
			a := accts[0]
			var handed []loyalty.LotID
			for _, l := range a.Lots {
				handed = append(handed, l.ID)
			}
			assert.Equal(t, []loyalty.LotID{full.Lots[0].ID, full.Lots[3].ID}, handed, "the working set after the migration, in the order added")
			assert.EqualValues(t, 70, a.Outside, "Outside after the migration")
			a.Lots[0].Remaining = 0
			a.Lots = append(a.Lots, added)
			return nil, nil
		}))
	want := full.Clone()
	want.Version++
	want.Lots[0].Remaining = 0
	want.Lots = append(want.Lots, added)
	got, err := store.Account(ctx, full.Key)
	require.NoError(t, err)
	assert.Equal(t, want, got, "the Update changed one moved lot and appended one after them")
}

// nullTime is t, or nil for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// TestMigrateDistributionKeys upgrades a database whose create, interaction and case keys
// are columns of the keyed tables (the layout before 0008): each key moves to its table,
// the keyed rows are found by it as before, and a second use of it is still refused.
func TestMigrateDistributionKeys(t *testing.T) {
	pool := pgtest.Pool(t, migrateTo(7))
	ctx := t.Context()
	ids := kehu.NewSeqIDs()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	c := &crm.Customer{ID: crm.CustomerIDFrom(ids.NewID()), Version: 1, CreatedAt: at, UpdatedAt: at,
		Profile: crm.Profile{Kind: crm.Person, Name: crm.Name{Display: "王小明"}}, Stage: crm.StageIntent}
	doc, err := json.Marshal(c)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO crm_customers (id, version, stage, owner, created_at, tombstone, create_key, search_text, doc)
		VALUES ($1, 1, $2, '', $3, false, 'signup-1', '', $4)`, c.ID.UUID(), string(c.Stage), at, doc)
	require.NoError(t, err)
	in := &crm.Interaction{ID: crm.InteractionIDFrom(ids.NewID()), CustomerID: c.ID, Channel: crm.ChannelPhone,
		Direction: crm.Inbound, Purpose: crm.PurposeService, At: at, Subject: "call", Urgency: crm.UrgencyNormal,
		CreatedAt: at, Key: "call-1"}
	doc, err = json.Marshal(in)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO crm_interactions (id, customer_id, at, key, replied, doc)
		VALUES ($1, $2, $3, 'call-1', false, $4)`, in.ID.UUID(), c.ID.UUID(), at, doc)
	require.NoError(t, err)
	cs := &complaint.Case{ID: complaint.CaseIDFrom(ids.NewID()), Customer: c.ID, Status: complaint.Received,
		Version: 1, Key: "open-1"}
	doc, err = json.Marshal(cs)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO complaint_case_positions (only_row, last) VALUES (true, 1)`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO complaint_cases (id, seq, key, customer, status, version, doc)
		VALUES ($1, 1, 'open-1', $2, $3, 1, $4)`, cs.ID.UUID(), c.ID.UUID(), string(cs.Status), doc)
	require.NoError(t, err)

	require.NoError(t, postgres.Migrate(ctx, pool))
	crmStore, cases := postgres.NewCRMStore(pool), postgres.NewComplaintStore(pool)
	gotC, err := crmStore.GetCustomerByKey(ctx, "signup-1")
	require.NoError(t, err, "the customer is found by its create key")
	assert.Equal(t, c.ID, gotC.ID)
	gotIn, err := crmStore.GetInteractionByKey(ctx, "call-1")
	require.NoError(t, err, "the interaction is found by its key")
	assert.Equal(t, in.ID, gotIn.ID)
	gotCase, err := cases.CaseByKey(ctx, "open-1")
	require.NoError(t, err, "the case is found by its key")
	assert.Equal(t, cs.ID, gotCase.ID)

	again := c.Clone()
	again.ID = crm.CustomerIDFrom(ids.NewID())
	err = crmStore.CreateCustomer(ctx, again, &crm.Change{ID: crm.ChangeIDFrom(ids.NewID()), At: at, Key: "signup-1"})
	assert.ErrorIs(t, err, kehu.ErrDuplicate, "a moved create key is still taken")
	other := in.Clone()
	other.ID = crm.InteractionIDFrom(ids.NewID())
	assert.ErrorIs(t, crmStore.CreateInteraction(ctx, other), kehu.ErrDuplicate, "a moved interaction key is still taken")
	otherCase := *cs
	otherCase.ID = complaint.CaseIDFrom(ids.NewID())
	assert.ErrorIs(t, cases.CreateCase(ctx, &otherCase), kehu.ErrDuplicate, "a moved case key is still taken")
}

// TestNoIndexCoversAnother checks that no index of the schema is redundant: every write
// maintains every index of its table, so an index whose key columns begin another's, with
// no predicate and no uniqueness of its own to enforce, costs each insert for nothing.
// (Migration 0008 dropped two such: crm_history_customer and loyalty_entries_account,
// left by primary keys that came to start with the same columns.) It also checks that the
// check finds one.
func TestNoIndexCoversAnother(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate)
	ctx := t.Context()
	found, err := redundantIndexes(ctx, pool)
	require.NoError(t, err)
	assert.Empty(t, found)

	_, err = pool.Exec(ctx, `CREATE INDEX crm_history_again ON crm_history (customer_id)`)
	require.NoError(t, err)
	found, err = redundantIndexes(ctx, pool)
	require.NoError(t, err)
	assert.Equal(t, []string{"crm_history: crm_history_again is covered by crm_history_key",
		"crm_history: crm_history_again is covered by crm_history_pkey"}, found)
}

// redundantIndexes lists the indexes of the connection's schema that another index of the
// same table and kind covers: not unique, without a predicate or an expression, and with
// key columns that begin the other's (which has no predicate either).
func redundantIndexes(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	return schemaStrings(ctx, pool, `
SELECT c.relname || ': ' || a.relname || ' is covered by ' || b.relname
FROM pg_index x JOIN pg_index y ON y.indrelid = x.indrelid AND y.indexrelid <> x.indexrelid
JOIN pg_class a ON a.oid = x.indexrelid JOIN pg_class b ON b.oid = y.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
WHERE c.relnamespace = current_schema()::regnamespace
  AND NOT x.indisunique AND x.indpred IS NULL AND x.indexprs IS NULL AND y.indpred IS NULL
  AND a.relam = b.relam AND x.indnkeyatts <= y.indnkeyatts
  AND (x.indkey::int2[])[0:x.indnkeyatts - 1] = (y.indkey::int2[])[0:x.indnkeyatts - 1]
ORDER BY 1`)
}
