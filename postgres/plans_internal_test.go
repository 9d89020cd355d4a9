package postgres

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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

	scanDue, _ := lyScanAccountsQuery("p", 100, &loyalty.AccountKey{}, time.Unix(0, 0))
	param := regexp.MustCompile(`\$(\d+)`)
	scan := regexp.MustCompile(`Seq Scan on (loyalty_\w+)`)
	tests := []struct{ name, sql string }{
		{"lock accounts", lySQLAccountsLock},
		{"write lots and accounts", lySQLWrite},
		{"command record", lySQLCommand},
		{"working set", lySQLPicks},
		{"spendable lots", lySpendOrders[false]},
		{"a member's accounts", fmt.Sprintf(lySQLReadAccounts, lySQLMemberAccounts)},
		{"a page of due accounts", fmt.Sprintf(lySQLReadAccounts, scanDue)},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			for _, m := range param.FindAllStringSubmatch(tc.sql, -1) {
				k, _ := strconv.Atoi(m[1])
				n = max(n, k)
			}
			name := fmt.Sprintf("plan_%d", i)
			_, err := conn.Exec(ctx, "PREPARE "+name+" AS "+tc.sql)
			require.NoError(t, err)
			defer func() {
				_, err := conn.Exec(ctx, "DEALLOCATE "+name)
				require.NoError(t, err)
			}()
			nulls := strings.TrimSuffix(strings.Repeat("NULL, ", n), ", ")
			rows, err := conn.Query(ctx, "EXPLAIN EXECUTE "+name+"("+nulls+")")
			require.NoError(t, err)
			var plan strings.Builder
			for rows.Next() {
				var line string
				require.NoError(t, rows.Scan(&line))
				plan.WriteString(line + "\n")
			}
			require.NoError(t, rows.Err())
			if m := scan.FindStringSubmatch(plan.String()); m != nil {
				t.Errorf("the generic plan scans all of %s:\n%s", m[1], plan.String())
			}
		})
	}
}
