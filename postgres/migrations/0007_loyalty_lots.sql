-- loyalty_lots: an account's lots become rows of their own.
--
-- Until now an account was one document holding every lot it ever had, so every change
-- re-encoded the account's whole history. Each lot is now a row of loyalty_lots, keyed by
-- its account and seq (its position among the account's lots: 1, 2, … in the order they
-- were added), so that an account's lots are one range of the primary key. A lot's fields
-- are all numbers, IDs and instants, so each is a column of its own: no document to decode
-- on the way in or out, nothing kept twice, and the columns the working-set queries filter
-- and order on are the lot itself. expires_at and expired_at are NULL for the zero time
-- (never expires; no expiry entry yet).
--
-- The indexes over open lots (remaining > 0) find a command's working set (loyalty.Need)
-- without reading the rest of the account:
--   loyalty_lots_expiry   the open lots in NearestExpiryFirst order (never-expiring lots
--                         last: NULLs sort last), so that the lots due to expire are its
--                         first and a spend reads the first few;
--   loyalty_lots_oldest   the open lots in OldestFirst order;
--   loyalty_lots_pending  the open lots by availability, for those still pending;
-- and loyalty_lots_id finds a lot by ID within its account.
CREATE TABLE loyalty_lots (
    program      text COLLATE "C" NOT NULL,
    customer     uuid NOT NULL,
    point_type   text COLLATE "C" NOT NULL,
    seq          bigint NOT NULL,
    id           uuid NOT NULL,
    entry        uuid NOT NULL,
    points       bigint NOT NULL,
    remaining    bigint NOT NULL,
    earned_at    timestamptz NOT NULL,
    available_at timestamptz NOT NULL,
    expires_at   timestamptz,
    expired_at   timestamptz,
    earned       bigint NOT NULL,
    returned     bigint NOT NULL,
    returned_qty bigint NOT NULL,
    units        bigint NOT NULL,
    lapsed       bigint NOT NULL,
    PRIMARY KEY (program, customer, point_type, seq)
);

CREATE UNIQUE INDEX loyalty_lots_id ON loyalty_lots (program, customer, point_type, id);

CREATE INDEX loyalty_lots_expiry ON loyalty_lots (program, customer, point_type, expires_at, earned_at, id)
    WHERE remaining > 0;

CREATE INDEX loyalty_lots_oldest ON loyalty_lots (program, customer, point_type, earned_at, id)
    WHERE remaining > 0;

CREATE INDEX loyalty_lots_pending ON loyalty_lots (program, customer, point_type, available_at)
    WHERE remaining > 0;

-- The account row keeps the account without its lots (doc), and beside it: debt, forgiven
-- and updated_at as columns for the programme's totals; held, what all its lots hold
-- (Σ remaining), so that an update knows what the lots it was not handed hold; and lots,
-- the seq of its last lot.
ALTER TABLE loyalty_accounts
    ADD COLUMN debt       bigint NOT NULL DEFAULT 0,
    ADD COLUMN forgiven   bigint NOT NULL DEFAULT 0,
    ADD COLUMN updated_at timestamptz,
    ADD COLUMN held       bigint NOT NULL DEFAULT 0,
    ADD COLUMN lots       bigint NOT NULL DEFAULT 0;

-- An instant of a stored document. Documents written before 0003_microsecond_times may
-- hold nanoseconds: the column keeps the microsecond they fall in, as 0002's time columns
-- did (a cast would round to the nearest).
CREATE FUNCTION pg_temp.kehu_instant(s text) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(s, '(\.[0-9]{6})[0-9]+', '\1')::timestamptz
$$;

-- An ID of a stored document: the zero ID is written as "".
CREATE FUNCTION pg_temp.kehu_uuid(s text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(NULLIF(s, ''), '00000000-0000-0000-0000-000000000000')::uuid
$$;

INSERT INTO loyalty_lots (program, customer, point_type, seq, id, entry, points, remaining,
                          earned_at, available_at, expires_at, expired_at,
                          earned, returned, returned_qty, units, lapsed)
SELECT a.program, a.customer, a.point_type, x.n,
       pg_temp.kehu_uuid(x.l->>'id'), pg_temp.kehu_uuid(x.l->>'entry'),
       COALESCE((x.l->>'points')::bigint, 0), COALESCE((x.l->>'remaining')::bigint, 0),
       pg_temp.kehu_instant(COALESCE(x.l->>'earned_at', '0001-01-01T00:00:00Z')),
       pg_temp.kehu_instant(COALESCE(x.l->>'available_at', '0001-01-01T00:00:00Z')),
       pg_temp.kehu_instant(x.l->>'expires_at'), pg_temp.kehu_instant(x.l->>'expired_at'),
       COALESCE((x.l->>'earned')::bigint, 0), COALESCE((x.l->>'returned')::bigint, 0),
       COALESCE((x.l->>'returned_qty')::bigint, 0), COALESCE((x.l->>'units')::bigint, 0),
       COALESCE((x.l->>'lapsed')::bigint, 0)
FROM loyalty_accounts a
CROSS JOIN LATERAL jsonb_array_elements(a.doc->'lots') WITH ORDINALITY AS x(l, n)
WHERE jsonb_typeof(a.doc->'lots') = 'array';

UPDATE loyalty_accounts a
   SET debt       = COALESCE((a.doc->>'debt')::bigint, 0),
       forgiven   = COALESCE((a.doc->>'forgiven')::bigint, 0),
       updated_at = pg_temp.kehu_instant(a.doc->>'updated_at'),
       held       = COALESCE((SELECT sum(l.remaining) FROM loyalty_lots l
                               WHERE l.program = a.program AND l.customer = a.customer
                                 AND l.point_type = a.point_type), 0),
       lots       = COALESCE((SELECT max(l.seq) FROM loyalty_lots l
                               WHERE l.program = a.program AND l.customer = a.customer
                                 AND l.point_type = a.point_type), 0),
       doc        = a.doc - 'lots';

-- Entries: their kind and points as columns, for the programme's flows (Totals.Flows),
-- which loyalty_entries_flows serves by programme and instant.
ALTER TABLE loyalty_entries
    ADD COLUMN kind   text COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN points bigint NOT NULL DEFAULT 0;

UPDATE loyalty_entries
   SET kind = COALESCE(doc->>'kind', ''), points = COALESCE((doc->>'points')::bigint, 0);

ALTER TABLE loyalty_entries ALTER COLUMN kind DROP DEFAULT, ALTER COLUMN points DROP DEFAULT;

CREATE INDEX loyalty_entries_flows ON loyalty_entries (program, at) INCLUDE (point_type, kind, points)
    WHERE kind IN ('earn', 'expire');
