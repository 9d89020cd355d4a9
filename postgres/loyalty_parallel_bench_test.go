package postgres_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/loyalty/loyaltytest"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
)

// The parallel benchmarks measure the loyalty Service over the PostgreSQL store as a host
// runs it: several clients, each a goroutine with a connection of its own, each command a
// real one with a fresh idempotency key. Their rates are what scripts/pgbench-compare sets
// beside pgbench's TPC-B-like transactions on the same server.

// parallelMembers is how many members the earning benchmark spreads its orders over: with
// 8 clients, two orders of one member meet about once in 250 rounds.
const parallelMembers = 2_000

// BenchmarkPostgresEarnParallel earns loyaltytest.BenchOrder (5 lines, 20 rules) under
// loyaltytest.BenchEarnProgram for a random member among 2,000 who have each ordered once
// before, from 1 and from 8 clients at once: like the accounts of pgbench's TPC-B-like
// transaction, every order finds its member's rows there (the points account, what the
// member spent and bought, the counters), so the rate is that of a programme's repeat
// orders whatever the order of the runs and however long they take. (A member's first
// order also creates those rows: BenchmarkLoyaltyEarn measures it.) Each order is one
// EarnOrder: the account locked, its working set read, the command record, the lots, the
// accounts and the entry written, committed. It reports orders/s over all clients, the
// mean time of one order as a client sees it (ms/op), and the round trips and statements
// each order sends.
func BenchmarkPostgresEarnParallel(b *testing.B) {
	benchEarnParallel(b, loyaltytest.BenchEarnProgram(b))
}

// BenchmarkPostgresEarnTiered is BenchmarkPostgresEarnParallel under the same programme
// with tiers by the calendar year's spend, so that every order also reads the member's
// standing before its write (the member's state and figure counters), counts its spend
// and purchase in the same write, and brings the member's tier up to date after it (an
// upgrade when the order crosses a threshold). Its round trips per order are what a tiered
// programme adds to an earn.
func BenchmarkPostgresEarnTiered(b *testing.B) {
	spec := loyaltytest.BenchEarnProgram(b).Spec()
	spec.ID = "bench-tiered"
	spec.Tiers = &loyalty.Tiers{
		Levels: []loyalty.TierLevel{{Code: "member", Name: "Member"},
			{Code: "silver", Name: "Silver", Spend: decimal.NewFromInt(5_000)},
			{Code: "gold", Name: "Gold", Spend: decimal.NewFromInt(50_000)}},
		Window: loyalty.TierWindow{Kind: loyalty.WindowCalendarYear}, Review: loyalty.ReviewCalendarYear,
	}
	p, err := loyalty.Compile(spec)
	if err != nil {
		b.Fatal(err)
	}
	benchEarnParallel(b, p)
}

// benchEarnParallel is BenchmarkPostgresEarnParallel under the programme p.
func benchEarnParallel(b *testing.B, p *loyalty.Program) {
	pool := pgtest.Pool(b, postgres.Migrate)
	ctx := b.Context()
	at := time.Date(2026, 11, 14, 3, 0, 0, 0, time.UTC)
	opts, _, _ := kehu.Deterministic(at)
	var orders atomic.Int64 // order numbers, unique across the set-up and every run
	earn := func(svc *loyalty.Service, o *kehu.Order, m *loyalty.Member, member crm.CustomerID) error {
		o.ID = "P-" + strconv.FormatInt(orders.Add(1), 10)
		m.CustomerID = member
		_, err := svc.EarnOrder(ctx, p, *o, *m)
		return err
	}
	members := make([]crm.CustomerID, parallelMembers)
	for i := range members {
		members[i] = crm.CustomerIDFrom([16]byte{0: 0x20, 12: byte(i >> 24), 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)})
	}
	// Each member's first order, from 8 clients.
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			svc := loyalty.NewService(postgres.NewLoyaltyStore(pool), opts)
			o, m := loyaltytest.BenchOrder("", at), loyaltytest.BenchMember()
			for i := next.Add(1) - 1; i < parallelMembers; i = next.Add(1) - 1 {
				if err := earn(svc, &o, &m, members[i]); err != nil {
					b.Errorf("first order of member %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		return
	}
	for _, clients := range []int{1, 8} {
		b.Run("clients="+strconv.Itoa(clients), func(b *testing.B) {
			runClients(b, pool, clients, "orders/s", func(db postgres.DB, client int) func() error {
				svc := loyalty.NewService(postgres.NewLoyaltyStore(db), opts)
				rng := rand.New(rand.NewPCG(uint64(clients), uint64(client)))
				o, m := loyaltytest.BenchOrder("", at), loyaltytest.BenchMember()
				return func() error { return earn(svc, &o, &m, members[rng.IntN(len(members))]) }
			})
		})
	}
}

// BenchmarkPostgresSpendContended redeems from one member's account from 8 clients at
// once, so every spend waits for the account's row lock. It reports spends/s, and checks
// that the balance went down by exactly what the spends took: no update was lost.
func BenchmarkPostgresSpendContended(b *testing.B) {
	pool := pgtest.Pool(b, postgres.Migrate)
	ctx := b.Context()
	p := loyaltytest.BenchSpendProgram(b)
	opts, _, _ := kehu.Deterministic(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(postgres.NewLoyaltyStore(pool), opts)
	hot := crm.CustomerIDFrom([16]byte{0: 0x40, 15: 1})
	_, err := svc.Earn(ctx, p, loyalty.Points{Customer: hot, PointType: "points", Points: loyalty.MaxPoints, Key: "stock"})
	if err != nil {
		b.Fatal(err)
	}
	var keys atomic.Int64 // spend keys, unique across every run of the sub-benchmark
	b.Run("clients=8", func(b *testing.B) {
		before, err := svc.Balance(ctx, p, hot, "points")
		if err != nil {
			b.Fatal(err)
		}
		var spent atomic.Int64
		runClients(b, pool, 8, "spends/s", func(db postgres.DB, client int) func() error {
			svc := loyalty.NewService(postgres.NewLoyaltyStore(db), opts)
			rng := rand.New(rand.NewPCG(8, uint64(client)))
			return func() error {
				n := 1 + rng.Int64N(5)
				_, err := svc.Redeem(ctx, p, loyalty.Points{Customer: hot, PointType: "points", Points: n,
					Key: "spend-" + strconv.FormatInt(keys.Add(1), 10)})
				if err == nil {
					spent.Add(n)
				}
				return err
			}
		})
		after, err := svc.Balance(ctx, p, hot, "points")
		if err != nil {
			b.Fatal(err)
		}
		if want := before.Available - spent.Load(); after.Available != want {
			b.Fatalf("balance %d after spending %d of %d: want %d (an update was lost)",
				after.Available, spent.Load(), before.Available, want)
		}
	})
}

// runClients runs b.N operations from clients goroutines, each on a connection of its own
// taken from pool before the clock starts; newClient makes a client's operation over its
// connection. It reports the rate of all clients together in unit (operations per second),
// the mean time of one operation as a client sees it (ms/op), the round trips and
// statements each operation sent, and, on Linux, the CPU time each operation cost this
// process (client-cpu-ms/op) and, when the server runs on this machine, its PostgreSQL
// processes (server-cpu-ms/op). At 8 clients on a machine of few CPUs the rate is the
// CPU's to give, and the sum of the two is what an operation costs it: a figure that other
// work on the machine disturbs less than it does the rate.
func runClients(b *testing.B, pool *pgxpool.Pool, clients int, unit string, newClient func(db postgres.DB, client int) func() error) {
	b.Helper()
	if int(pool.Config().MaxConns) < clients {
		b.Fatalf("the pool holds %d connections, fewer than %d clients", pool.Config().MaxConns, clients)
	}
	var sent sendCount
	ops := make([]func() error, clients)
	for i := range clients {
		conn, err := pool.Acquire(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Release()
		ops[i] = newClient(countingDB{db: conn.Conn(), n: &sent}, i)
	}
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	b.ReportAllocs()
	server0, local := serverCPU()
	client0 := clientCPU() // after reading the server's, which costs this process too
	b.ResetTimer()
	start := time.Now()
	for i := range clients {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := ops[i](); err != nil {
					b.Errorf("client %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	client1 := clientCPU()
	server1, _ := serverCPU()
	n := float64(b.N)
	b.ReportMetric(n/elapsed.Seconds(), unit)
	b.ReportMetric(elapsed.Seconds()*1000*float64(clients)/n, "ms/op")
	b.ReportMetric(float64(sent.trips.Load())/n, "round-trips/op")
	b.ReportMetric(float64(sent.stmts.Load())/n, "statements/op")
	if client1 > client0 {
		b.ReportMetric(float64(client1-client0)/float64(time.Millisecond)/n, "client-cpu-ms/op")
	}
	if local {
		b.ReportMetric(float64(server1-server0)/float64(time.Millisecond)/n, "server-cpu-ms/op")
	}
}

// sendCount counts what stores send: round trips (a statement sent alone, a batch, a
// transaction's begin, commit or rollback, a savepoint's) and statements (each of a
// batch's). A statement's first use on a connection, which pgx prepares first, costs one
// more round trip that is not counted.
type sendCount struct{ trips, stmts atomic.Int64 }

func (n *sendCount) add(stmts int) {
	n.trips.Add(1)
	n.stmts.Add(int64(stmts))
}

// countingDB is a postgres.DB that counts what is sent through it, and through the
// transactions begun on it, in n.
type countingDB struct {
	db postgres.DB
	n  *sendCount
}

var _ postgres.DB = countingDB{}

func (c countingDB) Begin(ctx context.Context) (pgx.Tx, error) {
	c.n.add(1)
	tx, err := c.db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, n: c.n}, nil
}

func (c countingDB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c.n.add(1)
	return c.db.Exec(ctx, sql, args...)
}

func (c countingDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.n.add(1)
	return c.db.Query(ctx, sql, args...)
}

func (c countingDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c.n.add(1)
	return c.db.QueryRow(ctx, sql, args...)
}

func (c countingDB) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	c.n.add(b.Len())
	return c.db.SendBatch(ctx, b)
}

// countingTx is a transaction begun on a countingDB. A Rollback after the transaction
// ended sends nothing, and is not counted.
type countingTx struct {
	pgx.Tx
	n      *sendCount
	closed bool
}

func (t *countingTx) Begin(ctx context.Context) (pgx.Tx, error) {
	t.n.add(1)
	tx, err := t.Tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, n: t.n}, nil
}

func (t *countingTx) Commit(ctx context.Context) error {
	t.n.add(1)
	t.closed = true
	return t.Tx.Commit(ctx)
}

func (t *countingTx) Rollback(ctx context.Context) error {
	if !t.closed {
		t.n.add(1)
		t.closed = true
	}
	return t.Tx.Rollback(ctx)
}

func (t *countingTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	t.n.add(1)
	return t.Tx.Exec(ctx, sql, args...)
}

func (t *countingTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	t.n.add(1)
	return t.Tx.Query(ctx, sql, args...)
}

func (t *countingTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	t.n.add(1)
	return t.Tx.QueryRow(ctx, sql, args...)
}

func (t *countingTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	t.n.add(b.Len())
	return t.Tx.SendBatch(ctx, b)
}
