package postgres

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
)

// The statements that find rows by key must keep to the keys' indexes in a generic plan
// made while the tables are small and have never been analysed. A connection keeps such a
// plan for its life when nothing refreshes the statistics (autovacuum off, as on many test
// and batch servers), and a plan that scans the whole table then costs in proportion to
// the programme's members on every command: a host saw a lock of one account take 5.7 ms
// at 20,000 accounts, and a write 7 ms.
func TestGenericPlansFindRowsByKey(t *testing.T) {
	pool := pgtest.Pool(t, Migrate)
	ctx := t.Context()
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, "SET plan_cache_mode = force_generic_plan")
	require.NoError(t, err)

	scanDue, _ := lyScanAccountsQuery("p", 100, &loyalty.AccountKey{}, time.Unix(0, 0), false)
	scanDueKeys, _ := lyScanAccountsQuery("p", 100, &loyalty.AccountKey{}, time.Unix(0, 0), true)
	scan := regexp.MustCompile(`Seq Scan on (loyalty_\w+)`)
	tests := []struct{ name, sql string }{
		{"lock accounts", lySQLAccountsLock},
		{"write lots and accounts", lySQLWrite},
		{"command record", lySQLCommand},
		{"working set", lySQLPicks},
		{"spendable lots", lySpendOrders[false]},
		{"a member's accounts", fmt.Sprintf(lySQLReadAccounts, lySQLMemberAccounts)},
		{"a page of due accounts", fmt.Sprintf(lySQLReadAccounts, scanDue)},
		{"a page of due accounts' keys", scanDueKeys},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if plan := genericPlan(t, conn, fmt.Sprintf("plan_%d", i), tc.sql); scan.MatchString(plan) {
				t.Errorf("the generic plan scans all of %s:\n%s", scan.FindStringSubmatch(plan)[1], plan)
			}
		})
	}
}

// TestUpdatePlansKeepToIndexesOnAHeavyAccount holds the statements of an Update, run with
// the settings the store gives its own transactions (lySQLGenericPlans), to index scans on
// tables whose statistics say that one account holds every lot: a small programme with a
// heavy member. There a generic plan without those settings reads the due and pending lots
// by scanning the table, since it cannot see the instant that bounds their ranges, and a
// spend from an account of 10,000 lots cost twice one from 10 lots.
func TestUpdatePlansKeepToIndexesOnAHeavyAccount(t *testing.T) {
	pool := pgtest.Pool(t, Migrate)
	ctx := t.Context()
	store := NewLoyaltyStore(pool)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	key := loyalty.AccountKey{Program: "p", Customer: crm.CustomerIDFrom([16]byte{15: 1}), PointType: "points"}
	storeLots(t, store, []loyalty.AccountKey{key}, []int{2000}, start, nil)
	require.NoError(t, store.Analyze(ctx))

	tx := ownTx(t, pool)
	scan := regexp.MustCompile(`Seq Scan on (loyalty_\w+)`)
	tests := []struct{ name, sql string }{
		{"create accounts", lySQLAccountsCreate},
		{"lock accounts", lySQLAccountsLock},
		{"working set", lySQLPicks},
		{"spendable lots, nearest expiry first", lySpendOrders[false]},
		{"spendable lots, oldest first", lySpendOrders[true]},
		{"write lots and accounts", lySQLWrite},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if plan := genericPlan(t, tx, fmt.Sprintf("heavy_%d", i), tc.sql); scan.MatchString(plan) {
				t.Errorf("the generic plan scans all of %s:\n%s", scan.FindStringSubmatch(plan)[1], plan)
			}
		})
	}
}

// storeLots stores, in one Update of store, lots[n] lots in the account keys[n]: each of 10
// points, the i-th earned i hours before at and expiring a year after it was earned. edit,
// when not nil, changes each lot before it is stored.
func storeLots(t *testing.T, store *LoyaltyStore, keys []loyalty.AccountKey, lots []int, at time.Time, edit func(n, i int, l *loyalty.Lot)) {
	t.Helper()
	err := store.Update(t.Context(), keys, loyalty.Need{All: true}, func(as []*loyalty.Account) (*loyalty.Commit, error) {
		for n, a := range as {
			for i := range lots[n] {
				earned := at.Add(-time.Duration(i) * time.Hour)
				l := loyalty.Lot{ID: loyalty.LotIDFrom(uuid.New()), Entry: loyalty.EntryIDFrom(uuid.New()),
					Points: 10, Remaining: 10, Earned: 10, EarnedAt: earned, AvailableAt: earned, ExpiresAt: earned.AddDate(1, 0, 0)}
				if edit != nil {
					edit(n, i, &l)
				}
				a.Lots = append(a.Lots, l)
			}
		}
		return nil, nil
	})
	require.NoError(t, err)
}

// ownTx begins a transaction with the settings the store gives its own (lySQLGenericPlans),
// rolled back when t ends.
func ownTx(t *testing.T, pool *pgxpool.Pool) pgx.Tx {
	t.Helper()
	ctx := t.Context()
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, tx.Rollback(context.WithoutCancel(ctx))) })
	_, err = tx.Exec(ctx, lySQLGenericPlans)
	require.NoError(t, err)
	return tx
}

// genericPlan prepares sql as name on db and returns the plan EXPLAIN gives for its
// execution with every parameter NULL (a generic plan under force_generic_plan).
func genericPlan(t *testing.T, db explainer, name, sql string) string {
	t.Helper()
	n := 0
	for _, m := range regexp.MustCompile(`\$(\d+)`).FindAllStringSubmatch(sql, -1) {
		k, _ := strconv.Atoi(m[1])
		n = max(n, k)
	}
	return explain(t, db, "EXPLAIN", name, sql, strings.TrimSuffix(strings.Repeat("NULL, ", n), ", "))
}

// explainer is what explain runs on: a connection or a transaction.
type explainer interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	Query(context.Context, string, ...any) (pgx.Rows, error)
}

// explain prepares sql as name on db and returns what how (EXPLAIN and its options) says
// of executing it with args, the text of its parameters' values; then it deallocates it.
func explain(t *testing.T, db explainer, how, name, sql, args string) string {
	t.Helper()
	ctx := t.Context()
	_, err := db.Exec(ctx, "PREPARE "+name+" AS "+sql)
	require.NoError(t, err)
	defer func() {
		_, err := db.Exec(ctx, "DEALLOCATE "+name)
		require.NoError(t, err)
	}()
	rows, err := db.Query(ctx, how+" EXECUTE "+name+"("+args+")")
	require.NoError(t, err)
	var plan strings.Builder
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		plan.WriteString(line + "\n")
	}
	require.NoError(t, rows.Err())
	return plan.String()
}

// TestUpdatePlanSettingsEndWithItsTransaction checks that the plan settings an update gives
// its own transaction (lySQLGenericPlans) end with it: the connection a host's pool lends
// the store next serves the host's queries with the server's settings, not with sequential
// scans disabled; and an update made in a host's transaction leaves the host's settings as
// they were.
func TestUpdatePlanSettingsEndWithItsTransaction(t *testing.T) {
	pool := pgtest.Pool(t, Migrate)
	ctx := t.Context()
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	settings := func(db interface {
		QueryRow(context.Context, string, ...any) pgx.Row
	}) [2]string {
		var s [2]string
		require.NoError(t, db.QueryRow(ctx, "SELECT current_setting('plan_cache_mode'), current_setting('enable_seqscan')").Scan(&s[0], &s[1]))
		return s
	}
	before := settings(conn)
	key := loyalty.AccountKey{Program: "p", Customer: crm.CustomerIDFrom([16]byte{15: 2}), PointType: "points"}
	earn := func(s *LoyaltyStore, ref string) {
		t.Helper()
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		err := s.Update(ctx, []loyalty.AccountKey{key}, loyalty.Need{At: at}, func(a []*loyalty.Account) (*loyalty.Commit, error) {
			a[0].Lots = append(a[0].Lots, loyalty.Lot{ID: loyalty.LotIDFrom(uuid.New()), Entry: loyalty.EntryIDFrom(uuid.New()),
				Points: 10, Remaining: 10, Earned: 10, EarnedAt: at, AvailableAt: at})
			return &loyalty.Commit{Command: &loyalty.Command{Program: "p", Key: ref, Digest: "d", At: at}}, nil
		})
		require.NoError(t, err)
	}

	earn(NewLoyaltyStore(conn.Conn()), "own")
	require.Equal(t, before, settings(conn), "the update's own transaction left its settings on the connection")

	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	earn(NewLoyaltyStore(tx), "host")
	require.Equal(t, before, settings(tx), "the update changed the settings of the host's transaction")
}

// TestWorkingSetReadKeepsToItsLots holds the read of an update's working set (lySQLPicks),
// under the settings of the store's own transactions, to the lots it returns, on tables
// never analysed and analysed: from an account of 400 lots, four of them due, four held
// back until after the update's instant, one earned after it and a few held back no
// longer, it reads the due and pending lots and the two a command names and filters out
// none of the others. A generic plan made without statistics read the due lots through
// loyalty_lots_pending and the named ones through the account's range of the primary key,
// filtering every lot of the account on every command, so that an earn read more the more
// a member had earned.
func TestWorkingSetReadKeepsToItsLots(t *testing.T) {
	pool := pgtest.Pool(t, Migrate)
	ctx := t.Context()
	store := NewLoyaltyStore(pool)
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	key := loyalty.AccountKey{Program: "p", Customer: crm.CustomerIDFrom([16]byte{15: 3}), PointType: "points"}
	var named []loyalty.LotID
	storeLots(t, store, []loyalty.AccountKey{key}, []int{400}, at, func(_, i int, l *loyalty.Lot) {
		if i%4 == 0 {
			l.Remaining, l.Returned = 0, 10 // spent or returned: out of the open lots' indexes
		}
		switch {
		case i%100 == 1:
			l.ExpiresAt = l.EarnedAt // due at the update's instant
		case i%50 == 10:
			l.AvailableAt = at.Add(24 * time.Hour) // held back: pending (if open)
		case i%50 == 30:
			l.AvailableAt = l.EarnedAt.Add(time.Hour) // held back, available by now
		case i == 399:
			l.EarnedAt, l.AvailableAt = at.Add(time.Hour), at.Add(time.Hour) // earned later: pending
		}
		if i == 8 || i == 301 {
			named = append(named, l.ID)
		}
	})

	for _, analysed := range []bool{false, true} {
		t.Run(fmt.Sprintf("analysed=%t", analysed), func(t *testing.T) {
			if analysed {
				require.NoError(t, store.Analyze(ctx))
			}
			tx := ownTx(t, pool)
			args := fmt.Sprintf("ARRAY['p'], ARRAY['%s'::uuid], ARRAY['points'], ARRAY[false], '%s', ARRAY['%s'::uuid, '%s'::uuid]",
				key.Customer, at.Format(time.RFC3339Nano), named[0], named[1])
			plan := explainExecute(t, tx, fmt.Sprintf("picks_%t", analysed), lySQLPicks, args)
			require.Regexp(t, `^Nested Loop \(actual rows=11 `, plan, "the four due lots, the five pending and the two named")
			if n := filteredLots(plan); n > 0 {
				t.Errorf("the working-set read filtered out %d lots:\n%s", n, plan)
			}
		})
	}
}

// explainExecute returns what EXPLAIN ANALYZE says of executing sql with args on tx (see
// explain).
func explainExecute(t *testing.T, tx pgx.Tx, name, sql, args string) string {
	t.Helper()
	return explain(t, tx, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF)", name, sql, args)
}

// filteredLots is how many rows a plan's scans of loyalty_lots read and filtered out.
func filteredLots(plan string) int {
	scan := regexp.MustCompile(`Scan (?:using \w+ )?on (\w+)`)
	removed := regexp.MustCompile(`Rows Removed by Filter: (\d+)`)
	n, table := 0, ""
	for _, line := range strings.Split(plan, "\n") {
		if m := scan.FindStringSubmatch(line); m != nil {
			table = m[1]
		}
		if m := removed.FindStringSubmatch(line); m != nil && table == "loyalty_lots" {
			k, _ := strconv.Atoi(m[1])
			n += k
		}
	}
	return n
}

// TestOpenAccountReadsOpenLotsAlone holds OpenAccount's read to the account's open lots: of
// an account of 400 lots, 300 of them spent, among 100 other members', it reads the 100
// that hold points and no other, on tables never analysed and analysed, with the plan made
// for the values and with a generic one.
func TestOpenAccountReadsOpenLotsAlone(t *testing.T) {
	pool := pgtest.Pool(t, Migrate)
	ctx := t.Context()
	store := NewLoyaltyStore(pool)
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	key := loyalty.AccountKey{Program: "p", Customer: crm.CustomerIDFrom([16]byte{15: 4}), PointType: "points"}
	keys := []loyalty.AccountKey{key} // and 100 other members of 40 open lots each
	for c := range 100 {
		keys = append(keys, loyalty.AccountKey{Program: "p", Customer: crm.CustomerIDFrom([16]byte{14: byte(c), 15: 5}), PointType: "points"})
	}
	lots := make([]int, len(keys))
	for n := range lots {
		lots[n] = 40
	}
	lots[0] = 400
	storeLots(t, store, keys, lots, at, func(n, i int, l *loyalty.Lot) {
		if n == 0 && i%4 != 0 {
			l.Remaining, l.Returned = 0, 10
		}
	})
	open, err := store.OpenAccount(ctx, key)
	require.NoError(t, err)
	require.Len(t, open.Lots, 100)

	sel := `SELECT program, customer, point_type, doc FROM loyalty_accounts
WHERE program = $1 AND customer = $2 AND point_type = $3 AND version > 0`
	args := fmt.Sprintf("'p', '%s'::uuid, 'points'", key.Customer)
	for _, analysed := range []bool{false, true} {
		for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
			t.Run(fmt.Sprintf("analysed=%t/%s", analysed, mode), func(t *testing.T) {
				if analysed {
					require.NoError(t, store.Analyze(ctx))
				}
				tx, err := pool.Begin(ctx)
				require.NoError(t, err)
				defer func() { require.NoError(t, tx.Rollback(ctx)) }()
				_, err = tx.Exec(ctx, "SELECT set_config('plan_cache_mode', $1, true)", mode)
				require.NoError(t, err)
				plan := explainExecute(t, tx, fmt.Sprintf("open_%t_%s", analysed, mode), fmt.Sprintf(lySQLReadOpenAccounts, sel), args)
				require.Regexp(t, `^Append \(actual rows=101 `, plan, "the account and its 100 open lots")
				if n := filteredLots(plan); n > 0 {
					t.Errorf("the read filtered out %d lots:\n%s", n, plan)
				}
			})
		}
	}
}
