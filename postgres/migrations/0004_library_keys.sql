-- library_keys: the idempotency keys kehu makes for itself move into their own namespace.
--
-- Commands that carry a natural identifier derive their key from it: an order's earning,
-- an event's, a partner exchange, a reversal, a reservation's points hold. Those keys were
-- "order:SO-9", "reverse:<entry>" and so on, which a host key could take first; they now
-- start with "kehu:" (kehu.LibraryKeyPrefix), a prefix host keys may not use. The command
-- records and entries written under the old keys move to the new ones, so that a replayed
-- order, event, exchange, reversal or hold still finds its first result.

CREATE FUNCTION pg_temp.kehu_library_key(k text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN k ~ '^(order|event|partner|reverse|reservation):' THEN 'kehu:' || k ELSE k END
$$;

UPDATE loyalty_entries
   SET doc = jsonb_set(doc, '{key}', to_jsonb(pg_temp.kehu_library_key(doc->>'key')))
 WHERE doc->>'key' ~ '^(order|event|partner|reverse|reservation):';

UPDATE loyalty_commands
   SET key = pg_temp.kehu_library_key(key),
       doc = jsonb_set(
           jsonb_set(doc, '{key}', to_jsonb(pg_temp.kehu_library_key(key))),
           '{entries}',
           COALESCE((
               SELECT jsonb_agg(
                          CASE WHEN e ? 'key'
                               THEN jsonb_set(e, '{key}', to_jsonb(pg_temp.kehu_library_key(e->>'key')))
                               ELSE e END
                          ORDER BY n)
                 FROM jsonb_array_elements(doc->'entries') WITH ORDINALITY AS x(e, n)
           ), doc->'entries'))
 WHERE key ~ '^(order|event|partner|reverse|reservation):'
   AND jsonb_typeof(doc->'entries') = 'array';

UPDATE loyalty_commands
   SET key = pg_temp.kehu_library_key(key),
       doc = jsonb_set(doc, '{key}', to_jsonb(pg_temp.kehu_library_key(key)))
 WHERE key ~ '^(order|event|partner|reverse|reservation):';
