-- crm: customers, their audit history and interactions.
--
-- Every customer, history entry and interaction is kept whole as a JSONB document, its
-- encoding/json form (times as RFC 3339 text with nanoseconds), beside the columns that
-- queries select and order on. The documents are what the store returns; the columns are
-- derived from them on every write.
--
-- timestamptz keeps microseconds, so each time that queries compare or order on is split
-- into a timestamptz truncated to the microsecond and the nanoseconds left over (0-999):
-- comparing the pair is exact to the nanosecond, like the documents.

CREATE TABLE crm_customers (
    id          uuid PRIMARY KEY,
    version     bigint NOT NULL,
    stage       text NOT NULL,
    owner       text NOT NULL,
    created_at  timestamptz NOT NULL,
    created_ns  smallint NOT NULL CHECK (created_ns BETWEEN 0 AND 999),
    -- merged into another customer (MergedInto set)
    tombstone   boolean NOT NULL,
    -- the Key of the first history entry: the create's idempotency key; NULL when none
    create_key  text CONSTRAINT crm_customers_create_key UNIQUE,
    -- crm.SearchText of the document; keyword terms are substrings of it
    search_text text NOT NULL,
    doc         jsonb NOT NULL
);

CREATE INDEX crm_customers_owner ON crm_customers (owner, id);
CREATE INDEX crm_customers_stage ON crm_customers (stage, id);
CREATE INDEX crm_customers_created ON crm_customers (created_at, created_ns, id);

-- The exact-match indexes of LookupCustomers: normalised emails, E.164 phones and name keys
-- (crm.NameKeys) of every customer that is not a tombstone.
CREATE TABLE crm_customer_lookup (
    field       text NOT NULL CHECK (field IN ('email', 'phone', 'name_key')),
    value       text NOT NULL,
    customer_id uuid NOT NULL REFERENCES crm_customers (id) ON DELETE CASCADE,
    PRIMARY KEY (field, value, customer_id)
);

CREATE INDEX crm_customer_lookup_customer ON crm_customer_lookup (customer_id);

-- Every customer's (normalised) tags, tombstones included.
CREATE TABLE crm_customer_tags (
    customer_id uuid NOT NULL REFERENCES crm_customers (id) ON DELETE CASCADE,
    tag         text NOT NULL,
    PRIMARY KEY (customer_id, tag)
);

CREATE INDEX crm_customer_tags_tag ON crm_customer_tags (tag, customer_id);

-- Audit history. seq orders a customer's entries as they were appended: every append locks
-- the customer's row first, so a customer's entries commit in seq order and a cursor (the
-- last seq read) never skips an entry committed later. Entries a merge copies to the
-- survivor get new seqs and keep their document (with "from" set and no key).
CREATE TABLE crm_history (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id uuid NOT NULL REFERENCES crm_customers (id) ON DELETE CASCADE,
    change_id   uuid NOT NULL,
    -- the idempotency key of the command that made the change; NULL when none
    key         text,
    doc         jsonb NOT NULL,
    CONSTRAINT crm_history_key UNIQUE (customer_id, key)
);

CREATE INDEX crm_history_customer ON crm_history (customer_id, seq);

-- Interactions, listed by (at, at_ns, id).
CREATE TABLE crm_interactions (
    id          uuid PRIMARY KEY,
    customer_id uuid NOT NULL CONSTRAINT crm_interactions_customer REFERENCES crm_customers (id),
    at          timestamptz NOT NULL,
    at_ns       smallint NOT NULL CHECK (at_ns BETWEEN 0 AND 999),
    -- the idempotency key the interaction was recorded with; NULL when none
    key         text CONSTRAINT crm_interactions_key UNIQUE,
    -- when a reply is due; NULL when none is needed
    reply_by    timestamptz,
    reply_by_ns smallint CHECK (reply_by_ns BETWEEN 0 AND 999),
    -- the reply was made (RepliedAt set)
    replied     boolean NOT NULL,
    doc         jsonb NOT NULL,
    CHECK ((reply_by IS NULL) = (reply_by_ns IS NULL))
);

CREATE INDEX crm_interactions_at ON crm_interactions (at, at_ns, id);
CREATE INDEX crm_interactions_customer_at ON crm_interactions (customer_id, at, at_ns, id);
-- The interactions still awaiting a reply, for OverdueAt queries.
CREATE INDEX crm_interactions_awaiting ON crm_interactions (at, at_ns, id)
    WHERE reply_by IS NOT NULL AND NOT replied;

-- Keyword search matches terms as substrings (LIKE '%term%'), which a trigram index serves.
-- pg_trgm ships with PostgreSQL's contrib package and is a trusted extension, but a server
-- may lack it or the role may not be allowed to create it; the index is then left out and
-- search scans. The extension goes into schema public when it exists (where extensions
-- usually live), so that several kehu schemas in one database share it.
DO $$
DECLARE
    trgm name;
BEGIN
    SELECT n.nspname INTO trgm
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_trgm';
    IF trgm IS NULL THEN
        SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public')
                    THEN 'public' ELSE current_schema() END
          INTO trgm;
        BEGIN
            EXECUTE format('CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA %I', trgm);
        EXCEPTION WHEN insufficient_privilege OR undefined_file OR invalid_schema_name THEN
            RAISE NOTICE 'kehu: pg_trgm is not available (%); keyword search will scan', SQLERRM;
            RETURN;
        END;
    END IF;
    EXECUTE format('CREATE INDEX crm_customers_search ON crm_customers USING gin (search_text %I.gin_trgm_ops)', trgm);
END
$$;
