package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Faults: a store's server backend killed in the middle of its work.
//
// A test finds the backend of a store's transaction with LockHolder (from inside an update
// function, while the transaction holds its locks) or stops a write half way with
// StallWrites, and ends that backend with Terminate, as an administrator or a failing
// server would. The store's next statement on the connection then fails; the test checks
// that the call returned an error, that nothing of the write was kept, and that the store
// works again on the same pool.

// Querier is what the fault helpers send their queries through: a pool or a connection
// whose search_path names the test's schema (Pool's connections do).
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// faultTimeout bounds each helper's wait for the server.
const faultTimeout = 10 * time.Second

// LockHolder returns the process ID of the server backend, other than the one db's query
// runs on, that holds a lock on table (a name looked up in db's search_path): the backend
// of a transaction that has read the table FOR UPDATE or written it and not yet ended. It
// fails the test unless there is exactly one.
func LockHolder(t testing.TB, db Querier, table string) uint32 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), faultTimeout)
	defer cancel()
	var pids []int32
	err := db.QueryRow(ctx, `SELECT COALESCE(array_agg(DISTINCT pid), '{}') FROM pg_locks
		WHERE locktype = 'relation' AND granted AND pid <> pg_backend_pid()
		  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND relation = $1::text::regclass`, table).Scan(&pids)
	if err != nil {
		t.Fatalf("pgtest: backends locking %s: %v", table, err)
	}
	if len(pids) != 1 {
		t.Fatalf("pgtest: want one backend holding a lock on %s, found %d (%v)", table, len(pids), pids)
	}
	return uint32(pids[0])
}

// Terminate ends the server backend pid with pg_terminate_backend and waits until it has
// exited, so that the connection it served is broken when Terminate returns: the client
// learns it at its next statement.
func Terminate(t testing.TB, db Querier, pid uint32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), faultTimeout)
	defer cancel()
	var ok bool
	if err := db.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, int32(pid)).Scan(&ok); err != nil {
		t.Fatalf("pgtest: terminate backend %d: %v", pid, err)
	}
	if !ok {
		t.Fatalf("pgtest: terminate backend %d: no such backend", pid)
	}
	for {
		var alive bool
		if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)`, int32(pid)).Scan(&alive); err != nil {
			t.Fatalf("pgtest: wait for backend %d to exit: %v", pid, err)
		}
		if !alive {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stallClass is the first half of the advisory lock keys of stalls ("ke" in ASCII); the
// second half is random, so that tests running at once on one server never share a stall.
const stallClass = 0x6b65

// Stall holds the writes of one table half way: every row inserted into or updated in the
// table waits, inside the server, in a trigger that takes an advisory lock the Stall
// holds. A write that changes other tables before this one has done so when it stalls, so
// a test that terminates the stalled backend (Stalled, Terminate) checks that a write
// broken off in the middle is undone whole.
type Stall struct {
	pool  *pgxpool.Pool
	conn  *pgxpool.Conn
	table string
	name  string
	key   int32
	once  sync.Once
}

// StallWrites installs a stall on table, in the schema of pool's connections, and holds
// it until Release (called at the latest when t ends).
func StallWrites(t testing.TB, pool *pgxpool.Pool, table string) *Stall {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), faultTimeout)
	defer cancel()
	var b [4]byte
	_, _ = rand.Read(b[:])
	s := &Stall{pool: pool, table: table, name: "kehu_test_stall_" + hex.EncodeToString(b[:]),
		key: int32(binary.BigEndian.Uint32(b[:]) & 0x7fffffff)}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatalf("pgtest: stall %s: %v", table, err)
	}
	s.conn = conn
	t.Cleanup(func() { s.Release(t) })
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, int32(stallClass), s.key); err != nil {
		t.Fatalf("pgtest: stall %s: %v", table, err)
	}
	fn := pgx.Identifier{s.name}.Sanitize()
	for _, sql := range []string{
		fmt.Sprintf(`CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				PERFORM pg_advisory_xact_lock(%d, %d);
				RETURN NEW;
			END $$`, fn, stallClass, s.key),
		fmt.Sprintf(`CREATE TRIGGER %s BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION %s()`,
			fn, pgx.Identifier{table}.Sanitize(), fn),
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatalf("pgtest: stall %s: %v", table, err)
		}
	}
	return s
}

// Stalled waits until a backend is held by the stall and returns its process ID.
func (s *Stall) Stalled(t testing.TB) uint32 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), faultTimeout)
	defer cancel()
	for {
		var pid int32
		err := s.pool.QueryRow(ctx, `SELECT pid FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted AND objsubid = 2
			  AND classid::bigint = $1 AND objid::bigint = $2
			  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
			LIMIT 1`, int64(stallClass), int64(s.key)).Scan(&pid)
		switch {
		case err == nil:
			return uint32(pid)
		case !errors.Is(err, pgx.ErrNoRows):
			t.Fatalf("pgtest: wait for a write to %s to stall: %v", s.table, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Release lets the writes through and removes the stall's trigger. It may be called more
// than once.
func (s *Stall) Release(t testing.TB) {
	t.Helper()
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), faultTimeout)
		defer cancel()
		if _, err := s.conn.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, int32(stallClass), s.key); err != nil {
			t.Errorf("pgtest: release the stall of %s: %v", s.table, err)
		}
		s.conn.Release()
		fn := pgx.Identifier{s.name}.Sanitize()
		for _, sql := range []string{
			fmt.Sprintf(`DROP TRIGGER IF EXISTS %s ON %s`, fn, pgx.Identifier{s.table}.Sanitize()),
			fmt.Sprintf(`DROP FUNCTION IF EXISTS %s()`, fn),
		} {
			if _, err := s.pool.Exec(ctx, sql); err != nil {
				t.Errorf("pgtest: remove the stall of %s: %v", s.table, err)
			}
		}
	})
}
