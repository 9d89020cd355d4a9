-- command_entries: a command's record names its entries instead of repeating them.
--
-- A command's entries are written to loyalty_entries in the same transaction as its record,
-- which kept a second copy of each in its document. The record now keeps their IDs, in
-- order, in entries, and its document no longer holds them; a replay reads the entries by
-- ID. Records written before this migration keep their copies (entries is NULL) and are
-- read from them as before.
ALTER TABLE loyalty_commands ADD COLUMN entries uuid[];
