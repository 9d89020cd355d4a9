-- distribution_keys: every table gets a column it can be spread over machines by, and every
-- unique constraint includes that column.
--
-- A distributed PostgreSQL (Citus) places each row of a table by one column, and can only
-- enforce a primary key or a unique constraint that includes it. Until now several keys
-- were global — an entry's ID, an interaction's ID and idempotency key, a customer's create
-- key, a history entry's number, a response's ID, a case's key and number — so those tables
-- could not be spread by customer. After this migration:
--
--   by customer:   crm_customers (id), crm_customer_lookup, crm_customer_tags, crm_history,
--                  crm_interactions (customer_id), loyalty_accounts, loyalty_lots,
--                  loyalty_members, loyalty_entries (customer);
--   by survey:     survey_versions, survey_response_positions, survey_responses (survey);
--   by own ID:     complaint_cases (id), complaint_steps (case_id), loyalty_reservations (id);
--   by key:        crm_customer_keys, crm_interaction_keys, complaint_case_keys (key) and
--                  loyalty_commands (key): an idempotency key is checked where it lives,
--                  whichever customer its command is for;
--   whole on each: loyalty_rewards, loyalty_coupons, complaint_case_positions (small
--                  catalogues and one counter).
--
-- IDs stay unique as the service makes them (UUIDs): the database checks an ID within its
-- customer, survey or account rather than across the whole table, and finds a row by ID
-- through a plain index.

-- crm: a customer's create key, and an interaction's idempotency key, in tables of their own.
CREATE TABLE crm_customer_keys (
    key         text COLLATE "C" PRIMARY KEY,
    customer_id uuid NOT NULL
);
INSERT INTO crm_customer_keys (key, customer_id)
    SELECT create_key, id FROM crm_customers WHERE create_key IS NOT NULL;
ALTER TABLE crm_customers DROP COLUMN create_key;

CREATE TABLE crm_interaction_keys (
    key            text COLLATE "C" PRIMARY KEY,
    customer_id    uuid NOT NULL,
    interaction_id uuid NOT NULL
);
INSERT INTO crm_interaction_keys (key, customer_id, interaction_id)
    SELECT key, customer_id, id FROM crm_interactions WHERE key IS NOT NULL;
ALTER TABLE crm_interactions DROP COLUMN key;

ALTER TABLE crm_interactions DROP CONSTRAINT crm_interactions_pkey;
ALTER TABLE crm_interactions ADD CONSTRAINT crm_interactions_pkey PRIMARY KEY (customer_id, id);
CREATE INDEX crm_interactions_id ON crm_interactions (id);

-- A customer's history is numbered by one sequence, and found by customer and number.
ALTER TABLE crm_history DROP CONSTRAINT crm_history_pkey;
ALTER TABLE crm_history ADD CONSTRAINT crm_history_pkey PRIMARY KEY (customer_id, seq);
DROP INDEX crm_history_customer;

-- loyalty: an entry is keyed by its account and its place in the order of writing, and
-- found by ID through an index that also refuses an ID its customer already has.
ALTER TABLE loyalty_entries DROP CONSTRAINT loyalty_entries_pkey;
ALTER TABLE loyalty_entries ADD CONSTRAINT loyalty_entries_pkey PRIMARY KEY (program, customer, point_type, seq);
DROP INDEX loyalty_entries_account;
CREATE UNIQUE INDEX loyalty_entries_id ON loyalty_entries (id, customer);

-- survey: a response is keyed by its survey.
ALTER TABLE survey_responses DROP CONSTRAINT survey_responses_pkey;
ALTER TABLE survey_responses ADD CONSTRAINT survey_responses_pkey PRIMARY KEY (survey, id);
CREATE INDEX survey_responses_id ON survey_responses (id);

-- complaint: a case's key in a table of its own; its position is unique because the one
-- counter row hands out each position once.
CREATE TABLE complaint_case_keys (
    key     text COLLATE "C" PRIMARY KEY,
    case_id uuid NOT NULL
);
INSERT INTO complaint_case_keys (key, case_id) SELECT key, id FROM complaint_cases;
ALTER TABLE complaint_cases DROP COLUMN key;
ALTER TABLE complaint_cases DROP CONSTRAINT complaint_cases_seq;
CREATE INDEX complaint_cases_seq ON complaint_cases (seq);
