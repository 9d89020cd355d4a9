package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
)

// A host that keeps an outbox beside its own tables writes kehu's rows in the transaction
// that writes its own: the stores are built over the host's pgx.Tx, and the services
// publish their events to a kehu.Publisher that inserts them into the outbox through the
// same transaction. Either everything commits, events included, or nothing does.

// sqlHostOutbox is the host's outbox table.
const sqlHostOutbox = `CREATE TABLE host_outbox (id bigserial PRIMARY KEY, topic text NOT NULL, payload jsonb NOT NULL)`

// outbox is a kehu.Publisher that writes every event it is given to the host's outbox, in
// the host's transaction.
type outbox struct{ tx pgx.Tx }

func (o outbox) Publish(ctx context.Context, events ...kehu.Event) error {
	for _, e := range events {
		if err := o.add(ctx, e.EventName(), e); err != nil {
			return err
		}
	}
	return nil
}

// add writes one row of the host's own to the outbox.
func (o outbox) add(ctx context.Context, topic string, payload any) error {
	doc, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("outbox %s: %w", topic, err)
	}
	_, err = o.tx.Exec(ctx, `INSERT INTO host_outbox (topic, payload) VALUES ($1, $2)`, topic, doc)
	return err
}

// hostServices returns kehu's services over the host's transaction, publishing to its
// outbox.
func hostServices(tx pgx.Tx) (*crm.Service, *loyalty.Service) {
	opts := &kehu.Options{Events: outbox{tx}}
	return crm.NewService(postgres.NewCRMStore(tx), opts), loyalty.NewService(postgres.NewLoyaltyStore(tx), opts)
}

// hostProgram is a programme with points and tiers, so that an order writes accounts,
// entries, the command record and the member's state.
func hostProgram(t *testing.T) *loyalty.Program {
	t.Helper()
	p, err := loyalty.LoadProgram(strings.NewReader(`{
  "id": "shop", "version": 1, "name": "Shop", "time_zone": "Asia/Shanghai", "currency": "CNY",
  "point_types": [{"code": "points", "name": "Points", "kind": "spendable",
                   "expiry": {"kind": "end_of_year", "years": 1}}],
  "earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}]},
  "tiers": {
    "levels": [{"code": "member", "name": "Member"}, {"code": "silver", "name": "Silver", "spend": "2000"}],
    "window": {"kind": "rolling_months", "months": 12}, "review": "anniversary"
  }
}`))
	require.NoError(t, err)
	return p
}

// hostDB is a fresh kehu schema with the host's outbox table beside kehu's.
func hostDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := pgtest.Pool(t, postgres.Migrate)
	_, err := pool.Exec(t.Context(), sqlHostOutbox)
	require.NoError(t, err)
	return pool
}

// hostOrder is an order of one ¥2,500 line, enough for the silver tier.
func hostOrder(id string) kehu.Order {
	return kehu.Order{ID: id, At: time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC), Currency: "CNY", Lines: []kehu.OrderLine{
		{ID: "1", SKU: "COAT-1", Quantity: 1, Amount: kehu.MustMoney("2500", "CNY")},
	}}
}

// checkout is the host's unit of work for a paid order from a new buyer: its own outbox
// row for the payment, the buyer as a crm customer and the order's points, all in tx.
func checkout(ctx context.Context, tx pgx.Tx, p *loyalty.Program, orderID, email string) (*crm.Customer, *loyalty.EarnResult, error) {
	if err := (outbox{tx}).add(ctx, "shop.order_paid", map[string]string{"order": orderID}); err != nil {
		return nil, nil, err
	}
	customers, ledger := hostServices(tx)
	c, err := customers.CreateCustomer(ctx, crm.Profile{
		Name:   crm.Name{Display: "Li Na"},
		Emails: []crm.Email{{Address: email, Primary: true}},
		Tags:   []string{"web"},
	}, &crm.CreateOptions{Key: "signup:" + email})
	if err != nil {
		return nil, nil, err
	}
	o := hostOrder(orderID)
	o.CustomerID = c.ID
	res, err := ledger.EarnOrder(ctx, p, o, loyalty.Member{CustomerID: c.ID})
	if err != nil {
		return nil, nil, err
	}
	return c, res, nil
}

// kehuTables are the tables a checkout writes to, the host's outbox last.
var kehuTables = []string{
	"crm_customers", "crm_customer_lookup", "crm_customer_tags", "crm_history",
	"loyalty_accounts", "loyalty_entries", "loyalty_commands", "loyalty_members",
	"host_outbox",
}

// rowCounts counts the rows of kehuTables as the pool sees them (committed rows only).
func rowCounts(t *testing.T, pool *pgxpool.Pool) map[string]int {
	t.Helper()
	out := make(map[string]int, len(kehuTables))
	for _, table := range kehuTables {
		var n int
		require.NoError(t, pool.QueryRow(t.Context(), "SELECT count(*) FROM "+table).Scan(&n), table)
		out[table] = n
	}
	return out
}

// outboxTopics lists the committed outbox rows' topics in the order they were written.
func outboxTopics(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(t.Context(), `SELECT topic FROM host_outbox ORDER BY id`)
	require.NoError(t, err)
	topics, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return topics
}

// TestHostTxRollback: a host transaction that rolls back takes kehu's rows and the outbox
// rows with it, though kehu's services saw their own writes inside it.
func TestHostTxRollback(t *testing.T) {
	pool := hostDB(t)
	p := hostProgram(t)
	ctx := t.Context()
	declined := errors.New("payment declined")
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		c, res, err := checkout(ctx, tx, p, "SO-1", "li.na@example.com")
		require.NoError(t, err)
		require.NotEmpty(t, res.Entries)

		// Inside the transaction the writes are visible; outside they are not yet.
		customers, ledger := hostServices(tx)
		_, err = customers.GetCustomer(ctx, c.ID)
		require.NoError(t, err, "the host's transaction sees the customer it created")
		b, err := ledger.Balance(ctx, p, c.ID, "points")
		require.NoError(t, err)
		assert.Equal(t, int64(2500), b.Available, "the host's transaction sees the points")
		_, err = crm.NewService(postgres.NewCRMStore(pool), nil).GetCustomer(ctx, c.ID)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "other connections do not see an uncommitted customer")
		return declined
	})
	require.ErrorIs(t, err, declined)
	for table, n := range rowCounts(t, pool) {
		assert.Zero(t, n, "%s after the host rolled back", table)
	}
}

// TestHostTxCommit: a host transaction that commits commits kehu's rows and the outbox
// events of every change with them.
func TestHostTxCommit(t *testing.T) {
	pool := hostDB(t)
	p := hostProgram(t)
	ctx := t.Context()
	var (
		c   *crm.Customer
		res *loyalty.EarnResult
	)
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var err error
		c, res, err = checkout(ctx, tx, p, "SO-1", "li.na@example.com")
		return err
	})
	require.NoError(t, err)

	counts := rowCounts(t, pool)
	for _, table := range kehuTables {
		assert.Positive(t, counts[table], "%s after the host committed", table)
	}
	assert.Equal(t, 1, counts["crm_customers"])
	assert.Equal(t, 1, counts["loyalty_commands"], "the order's command record")

	// What was committed is what the services over the pool read.
	customers := crm.NewService(postgres.NewCRMStore(pool), nil)
	ledger := loyalty.NewService(postgres.NewLoyaltyStore(pool), nil)
	got, err := customers.GetCustomer(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c.Profile.Emails, got.Profile.Emails)
	b, err := ledger.Balance(ctx, p, c.ID, "points")
	require.NoError(t, err)
	assert.Equal(t, int64(2500), b.Available)
	st, err := ledger.Standing(ctx, p, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "silver", st.Tier, "the order's tier upgrade committed with it")

	// The outbox holds the host's own row, then one row per event kehu published, in order:
	// the customer, the order's entries (its points and the tier figures it adds), and the
	// member's tier changes (joined, then upgraded).
	want := []string{"shop.order_paid", crm.EventCustomerCreated}
	for _, e := range res.Entries {
		want = append(want, loyalty.LedgerEvent{Entry: e}.EventName())
	}
	topics := outboxTopics(t, pool)
	require.Greater(t, len(topics), len(want))
	assert.Equal(t, want, topics[:len(want)])
	for _, topic := range topics[len(want):] {
		assert.Equal(t, tierTopic, topic)
	}

	// The earning's event names the entry that was committed.
	var entryID string
	require.NoError(t, pool.QueryRow(ctx, `SELECT payload->'entry'->>'id' FROM host_outbox
WHERE topic = $1 ORDER BY id LIMIT 1`, ledgerTopic(loyalty.KindEarn)).Scan(&entryID))
	e, err := ledger.Store().Entry(ctx, res.Entries[0].ID)
	require.NoError(t, err)
	assert.Equal(t, e.ID.String(), entryID)
}

// TestHostTxRefusedWrites: writes kehu refuses inside a host's transaction — by a rule of
// the service, by a unique index or by a value the server cannot hold — are undone alone.
// The host's transaction stays usable, and what the host and kehu wrote before and after
// commits.
func TestHostTxRefusedWrites(t *testing.T) {
	pool := hostDB(t)
	p := hostProgram(t)
	ctx := t.Context()
	var (
		c   *crm.Customer
		res *loyalty.EarnResult
	)
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var err error
		c, res, err = checkout(ctx, tx, p, "SO-1", "li.na@example.com")
		require.NoError(t, err)
		customers, ledger := hostServices(tx)

		// The signup key again, for another profile: the server refuses the row (a unique
		// index), the store's savepoint is rolled back and the service answers from the first
		// create.
		_, err = customers.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "Wang Wei"}},
			&crm.CreateOptions{Key: "signup:li.na@example.com"})
		assert.ErrorIs(t, err, kehu.ErrKeyReused, "a create key reused for another profile")

		// The order again: answered from its record, written earlier in this transaction.
		o := hostOrder("SO-1")
		o.CustomerID = c.ID
		again, err := ledger.EarnOrder(ctx, p, o, loyalty.Member{CustomerID: c.ID})
		require.NoError(t, err)
		assert.Equal(t, res.Entries[0].ID, again.Entries[0].ID, "a repeated order answers with its first entries")

		// The order again with other contents.
		o.Lines[0].Amount = kehu.MustMoney("10", "CNY")
		_, err = ledger.EarnOrder(ctx, p, o, loyalty.Member{CustomerID: c.ID})
		assert.ErrorIs(t, err, kehu.ErrKeyReused, "an order ID reused for another order")

		// Bad input, refused before anything is sent.
		_, err = ledger.EarnOrder(ctx, p, kehu.Order{CustomerID: c.ID, Currency: "CNY"}, loyalty.Member{})
		var verr *kehu.ValidationError
		assert.ErrorAs(t, err, &verr, "an order without an ID")

		// A rule of the service, refused after the account's row was locked.
		_, err = ledger.Redeem(ctx, p, loyalty.Points{Customer: c.ID, PointType: "points", Points: 1_000_000, Key: "redeem-1"})
		assert.ErrorIs(t, err, loyalty.ErrInsufficientPoints)

		// Text the server cannot hold (a NUL character in a JSON document): the statement
		// fails on the server, inside the store's savepoint.
		_, err = ledger.Earn(ctx, p, loyalty.Points{Customer: c.ID, PointType: "points", Points: 5,
			Reason: "bad\x00reason", Key: "bonus-1"})
		assert.ErrorIs(t, err, kehu.ErrInvalid, "a reason holding a NUL character")

		// The transaction is still usable: kehu and the host write on.
		_, err = ledger.Redeem(ctx, p, loyalty.Points{Customer: c.ID, PointType: "points", Points: 500, Key: "redeem-2"})
		require.NoError(t, err, "a spend after the refused writes")
		return (outbox{tx}).add(ctx, "shop.order_shipped", map[string]string{"order": "SO-1"})
	})
	require.NoError(t, err, "the host's transaction commits after kehu refused some writes")

	counts := rowCounts(t, pool)
	assert.Equal(t, 1, counts["crm_customers"], "the refused create wrote nothing")
	assert.Equal(t, 2, counts["loyalty_commands"], "the order and the spend that succeeded")
	ledger := loyalty.NewService(postgres.NewLoyaltyStore(pool), nil)
	b, err := ledger.Balance(ctx, p, c.ID, "points")
	require.NoError(t, err)
	assert.Equal(t, int64(2000), b.Available, "2,500 earned, 500 spent; nothing of the refused commands")
	for _, key := range []string{"redeem-1", "bonus-1"} {
		_, err := ledger.Store().Command(ctx, p.ID(), key)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "no record of the refused command %q", key)
	}

	topics := outboxTopics(t, pool)
	require.NotEmpty(t, topics)
	assert.Equal(t, "shop.order_paid", topics[0])
	assert.Equal(t, "shop.order_shipped", topics[len(topics)-1])
	tiers := occurrences(topics, tierTopic)
	assert.Len(t, topics, 2+1+len(res.Entries)+tiers+1, "host rows, the customer, the order's entries, the tier changes, the spend")
	assert.Equal(t, 1, occurrences(topics, crm.EventCustomerCreated), "the refused create published nothing")
	assert.Equal(t, len(res.Entries), occurrences(topics, ledgerTopic(loyalty.KindEarn)), "the refused earnings published nothing")
	assert.Equal(t, 1, occurrences(topics, ledgerTopic(loyalty.KindRedeem)), "the refused spend published nothing")
}

// ledgerTopic is the name of the event of an entry of the kind.
func ledgerTopic(kind loyalty.EntryKind) string {
	return loyalty.LedgerEvent{Entry: loyalty.Entry{Kind: kind}}.EventName()
}

// tierTopic is the name of the event of a tier change.
var tierTopic = loyalty.TierEvent{}.EventName()

func occurrences(xs []string, x string) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// TestHostTxConcurrentRepeat: two host transactions send one command (the same key) at
// once. The second waits for the first's row locks; when the first commits, the server
// refuses the second's command record (a unique index), the store rolls back its savepoint
// and the service answers from the first's record: the first's result for the same
// payload, kehu.ErrKeyReused for another. Either way the second host's transaction is
// still usable and commits its own rows.
func TestHostTxConcurrentRepeat(t *testing.T) {
	for _, c := range []struct {
		name    string
		points  int64 // the second command's points; the first's are 100
		wantErr error
	}{
		{"same payload", 100, nil},
		{"other payload", 200, kehu.ErrKeyReused},
	} {
		t.Run(c.name, func(t *testing.T) {
			pool := hostDB(t)
			p := hostProgram(t)
			ctx := t.Context()
			member := crm.CustomerIDFrom(kehu.NewSeqIDs().NewID())
			cmd := loyalty.Points{Customer: member, PointType: "points", Points: 100, Key: "welcome:1"}

			txA, err := pool.Begin(ctx)
			require.NoError(t, err)
			defer func() { _ = txA.Rollback(context.WithoutCancel(ctx)) }()
			_, ledgerA := hostServices(txA)
			first, err := ledgerA.Earn(ctx, p, cmd)
			require.NoError(t, err)

			txB, err := pool.Begin(ctx)
			require.NoError(t, err)
			defer func() { _ = txB.Rollback(context.WithoutCancel(ctx)) }()
			var pidB int32
			require.NoError(t, txB.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pidB))
			type result struct {
				e   loyalty.Entry
				err error
			}
			done := make(chan result, 1)
			go func() {
				_, ledgerB := hostServices(txB)
				again := cmd
				again.Points = c.points
				e, err := ledgerB.Earn(ctx, p, again)
				done <- result{e, err}
			}()
			require.Eventually(t, func() bool {
				var waiting bool
				err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted)`, pidB).Scan(&waiting)
				return err == nil && waiting
			}, 10*time.Second, 5*time.Millisecond, "the second transaction waits for the first's locks")

			require.NoError(t, (outbox{txA}).add(ctx, "host.a", nil))
			require.NoError(t, txA.Commit(ctx))
			r := <-done
			if c.wantErr == nil {
				require.NoError(t, r.err)
				assert.Equal(t, first.ID, r.e.ID, "the repeat answers with the first's entry")
			} else {
				assert.ErrorIs(t, r.err, c.wantErr)
			}
			require.NoError(t, (outbox{txB}).add(ctx, "host.b", nil), "the second host's transaction is usable")
			require.NoError(t, txB.Commit(ctx))

			counts := rowCounts(t, pool)
			assert.Equal(t, 1, counts["loyalty_entries"], "the command was applied once")
			assert.Equal(t, 1, counts["loyalty_commands"])
			b, err := loyalty.NewService(postgres.NewLoyaltyStore(pool), nil).Balance(ctx, p, member, "points")
			require.NoError(t, err)
			assert.Equal(t, int64(100), b.Available)
			assert.Equal(t, []string{ledgerTopic(loyalty.KindEarn), "host.a", "host.b"}, outboxTopics(t, pool))
		})
	}
}

// A host writes kehu's rows in its own transaction: the stores are built over the pgx.Tx,
// and a kehu.Publisher over the same transaction puts kehu's events in the host's outbox.
// If the function returns an error, pgx.BeginFunc rolls everything back. (This example
// needs a server, so it is compiled but not run.)
func Example_hostTransaction() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()
	program, err := loyalty.LoadProgram(strings.NewReader(`{"id": "shop", "version": 1, "name": "Shop",
  "time_zone": "Asia/Shanghai", "currency": "CNY",
  "point_types": [{"code": "points", "name": "Points", "kind": "spendable",
		                 "expiry": {"kind": "end_of_year", "years": 1}}],
  "earning": {"base": [{"point_type": "points", "points": 1, "per": "1"}]}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		opts := &kehu.Options{Events: outbox{tx}} // kehu's events go to the outbox, in tx
		customers := crm.NewService(postgres.NewCRMStore(tx), opts)
		ledger := loyalty.NewService(postgres.NewLoyaltyStore(tx), opts)

		c, err := customers.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "Li Na"}},
			&crm.CreateOptions{Key: "signup:li.na@example.com"})
		if err != nil {
			return err
		}
		paid := time.Date(2026, 12, 5, 10, 30, 0, 0, time.UTC) // from the host's order
		order := kehu.Order{ID: "SO-1", CustomerID: c.ID, At: paid, Currency: "CNY",
			Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney("128.50", "CNY")}}}
		if _, err := ledger.EarnOrder(ctx, program, order, loyalty.Member{}); err != nil {
			return err // a refused command rolls back its own savepoint; the host decides
		}
		_, err = tx.Exec(ctx, `INSERT INTO host_outbox (topic, payload) VALUES ('shop.order_paid', '{"order": "SO-1"}')`)
		return err
	})
	if err != nil {
		fmt.Println(err)
	}
}
