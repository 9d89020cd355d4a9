package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB is what a store runs its statements on: a *pgxpool.Pool, a *pgx.Conn, or a pgx.Tx
// the host began.
//
// Over a pool, each of the store's writes is a transaction of its own. Over a pgx.Tx, the
// store's writes join the host's transaction and commit or roll back with it, so a host
// writes its own rows (an outbox, say) and kehu's atomically; each write then runs in a
// savepoint, so that a write the store refuses (a duplicate key, a conflict) is undone
// alone and leaves the host's transaction usable. A pgx.Tx or *pgx.Conn serves one
// goroutine at a time, and so does a store built over one.
type DB interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// inTx runs fn in a transaction (a savepoint, over a host's pgx.Tx) and commits it if fn
// returns nil; otherwise it rolls back, even when ctx is done, so that a pooled connection
// goes back clean. fn's error is returned as is (fn translates the database's errors
// itself); errors of the transaction are wrapped with what.
func inTx(ctx context.Context, db DB, what string, fn func(pgx.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		return dbError(what+": begin", err)
	}
	defer func() {
		// After Commit this is a no-op.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = tx.Rollback(rctx)
	}()
	if err := fn(tx); err != nil {
		return err
	}
	return dbError(what+": commit", tx.Commit(ctx))
}

// atomically runs fn on db such that its statements commit or fail together: over a pool
// or connection fn gets db itself (a batch sent outside a transaction is one implicit
// transaction, in one round trip), over a host's pgx.Tx a savepoint.
func atomically(ctx context.Context, db DB, what string, fn func(DB) error) error {
	if _, ok := db.(pgx.Tx); !ok {
		return fn(db)
	}
	return inTx(ctx, db, what, func(tx pgx.Tx) error { return fn(tx) })
}
