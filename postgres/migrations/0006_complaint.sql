-- complaint: cases and their audit trails.
--
-- A case is kept as a JSONB document (its encoding/json form, without its steps) beside the
-- columns its queries select and order on; its steps, the append-only audit trail, are rows
-- of their own, one JSONB document each, keyed by the case and the step's position. An
-- update writes the case's row and inserts its one new step: the history is never
-- rewritten, and an update costs the same however long the history is. Text keys use the
-- "C" collation, so that they compare byte for byte.

-- The last position given to a case, in one row made by the first case. Every case takes
-- the next position by updating this row, which it holds until it commits, so cases commit
-- in the order of their positions and a listing's cursor (the last position read) never
-- skips a case committed after the page was read.
CREATE TABLE complaint_case_positions (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    last     bigint NOT NULL
);

-- Cases. seq is the order in which they were opened; key the idempotency key of the
-- command that opened the case; version, customer and status are the document's.
CREATE TABLE complaint_cases (
    id       uuid PRIMARY KEY,
    seq      bigint NOT NULL CONSTRAINT complaint_cases_seq UNIQUE,
    key      text COLLATE "C" NOT NULL CONSTRAINT complaint_cases_key UNIQUE,
    customer uuid NOT NULL,
    status   text NOT NULL,
    version  bigint NOT NULL,
    doc      jsonb NOT NULL
);

CREATE INDEX complaint_cases_customer ON complaint_cases (customer, seq);
CREATE INDEX complaint_cases_status ON complaint_cases (status, seq);

-- Steps, oldest first: seq is the step's position in the case's Steps, from 0. Rows are
-- only ever inserted, under the lock of their case's row.
CREATE TABLE complaint_steps (
    case_id uuid NOT NULL REFERENCES complaint_cases (id) ON DELETE CASCADE,
    seq     integer NOT NULL CHECK (seq >= 0),
    doc     jsonb NOT NULL,
    PRIMARY KEY (case_id, seq)
);
