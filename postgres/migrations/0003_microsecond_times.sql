-- microsecond_times: time columns hold the instants themselves.
--
-- Every instant kehu records is a whole microsecond (kehu.Precision): the services read a
-- clock truncated to the microsecond and truncate the instants a host passes in. That is
-- what timestamptz keeps, so a time column now holds the document's instant exactly, and
-- the nanoseconds that 0001_crm kept beside each time column (created_ns, at_ns,
-- reply_by_ns) are dropped, with the indexes that ordered on them and the CHECK
-- constraints on them. The indexes are rebuilt on the time columns alone. The loyalty
-- tables need no change: their time columns (loyalty_entries.at, loyalty_commands.at and
-- next_due) held the instant rounded down to the microsecond, which is now the instant.
--
-- Rows written before this migration by a service whose clock read nanoseconds keep those
-- nanoseconds in their documents, and are returned as they were stored; queries compare
-- and order them by the microsecond they fall in.

DROP INDEX crm_customers_created;
DROP INDEX crm_interactions_at;
DROP INDEX crm_interactions_customer_at;
DROP INDEX crm_interactions_awaiting;

-- Dropping a column drops the CHECK constraints that name it, including the one that ties
-- reply_by_ns to reply_by.
ALTER TABLE crm_customers DROP COLUMN created_ns;
ALTER TABLE crm_interactions DROP COLUMN at_ns, DROP COLUMN reply_by_ns;

CREATE INDEX crm_customers_created ON crm_customers (created_at, id);

-- Interactions, listed by (at, id).
CREATE INDEX crm_interactions_at ON crm_interactions (at, id);
CREATE INDEX crm_interactions_customer_at ON crm_interactions (customer_id, at, id);
-- The interactions still awaiting a reply, for OverdueAt queries.
CREATE INDEX crm_interactions_awaiting ON crm_interactions (at, id)
    WHERE reply_by IS NOT NULL AND NOT replied;
