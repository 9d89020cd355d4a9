-- lot_keys: a lot is keyed by its account and its ID.
--
-- A lot was keyed by its account and seq, and found by ID through a second unique index, so
-- every lot an earn added went into both. The unique index on the ID becomes the primary
-- key and the key on seq goes: seq stays the order in which the account's lots were added,
-- given out under the account's lock, and the queries that list lots in that order sort the
-- account's lots by it.
ALTER TABLE loyalty_lots DROP CONSTRAINT loyalty_lots_pkey;
ALTER TABLE loyalty_lots ADD CONSTRAINT loyalty_lots_pkey PRIMARY KEY USING INDEX loyalty_lots_id;
