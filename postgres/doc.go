// Package postgres keeps kehu's domain data in PostgreSQL, with pgx.
//
// It is a module of its own (github.com/kehu-crm/kehu/postgres), so that a host that keeps
// its data elsewhere never downloads a database driver. Each store implements one domain
// package's Store interface and passes that package's conformance suite against a real
// server:
//
//   - [CRMStore] implements crm.Store (crmtest.Run);
//   - [LoyaltyStore] implements loyalty.Store (loyaltytest.Run);
//   - [SurveyStore] implements survey.Store (surveytest.Run);
//   - [ComplaintStore] implements complaint.Store (complainttest.Run).
//
// [SummaryCells] computes segment's BTYD cells from a host's orders table, in the database.
//
// The schema ships with the package as embedded SQL migrations. [Migrate] applies the ones
// a database has not seen yet, in order, each in its own transaction, under an advisory
// lock so that several processes starting at once apply each migration once:
//
//	pool, err := pgxpool.New(ctx, "postgres://app@db/crm")
//	if err != nil { ... }
//	if err := postgres.Migrate(ctx, pool); err != nil { ... }
//	svc := loyalty.NewService(postgres.NewLoyaltyStore(pool), nil)
//	cases := complaint.NewService(postgres.NewComplaintStore(pool), nil)
//
// A host that applies migrations with its own tool takes them from [Migrations] instead.
//
// The tables live in the connection's search_path, so a host that wants kehu in a schema of
// its own sets search_path on the pool's connections (pgxpool.Config.ConnConfig.RuntimeParams).
//
// Entities are kept whole as JSONB documents (their encoding/json form) beside the columns
// their queries select and order on; a complaint case's steps, its append-only trail, are
// one document per step in a table of their own, so that an update appends a row. A
// loyalty account's lots are rows of their own too (loyalty_lots, a column per field, in
// the order added), with partial indexes over the lots that still hold points in each
// spend order and by availability, so that an update reads the few lots its command needs
// (loyalty.Need) and writes back only those it changed or added: its cost depends on the
// command, not on how many lots the member has gathered. The stores keep exactly what they are given: the
// services give them instants of whole microseconds (kehu.Precision), which is what
// timestamptz keeps, so time columns hold the documents' instants exactly, and query
// bounds of any precision compare exactly. Every atomic update is one transaction that locks the rows it
// changes (SELECT … FOR UPDATE, or FOR NO KEY UPDATE where child rows reference them), in
// key order, so concurrent writers are serialised by the database rather than retried; a
// deadlock or serialisation failure the server reports is returned as kehu.ErrConflict.
//
// PostgreSQL text cannot hold NUL characters: a write carrying one fails with
// kehu.ErrInvalid and writes nothing.
//
// The tests run against the server named by KEHU_POSTGRES_DSN
// (postgres://postgres@127.0.0.1:5432/test?sslmode=disable, say), each in a fresh schema
// dropped afterwards; without the variable they are skipped, except under CI=true, where
// they fail.
package postgres
