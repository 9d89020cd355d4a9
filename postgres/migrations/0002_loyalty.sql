-- loyalty: accounts, entries, commands, members, rewards, reservations and coupons.
--
-- Every record is kept whole as a JSONB document (doc) beside the columns its queries
-- select and order on. Text keys use the "C" collation, so that ORDER BY follows Go's
-- byte order of strings; uuid columns compare by bytes, as crm.ID.Compare does.
--
-- timestamptz keeps microseconds while the documents keep nanoseconds: time columns hold
-- the instant rounded down to the microsecond, so that a range query over them never misses
-- a row, and the store filters the rows exactly on the document's times.

-- One member's balance of one point type. next_due is the earliest ExpiresAt among the
-- lots with points left whose expiry entry is not written yet (Account.NextExpiry), NULL
-- when there is none. loyalty_accounts_due serves scans for due accounts in key order: it
-- holds only accounts with a due date, and the date is checked in the index, so accounts
-- not due yet cost no table read.
CREATE TABLE loyalty_accounts (
    program    text COLLATE "C" NOT NULL,
    customer   uuid NOT NULL,
    point_type text COLLATE "C" NOT NULL,
    version    bigint NOT NULL,
    next_due   timestamptz,
    doc        jsonb NOT NULL,
    PRIMARY KEY (program, customer, point_type)
);

CREATE INDEX loyalty_accounts_due ON loyalty_accounts (program, customer, point_type, next_due)
    WHERE next_due IS NOT NULL;

-- Ledger entries, immutable; seq is the order of writing.
CREATE TABLE loyalty_entries (
    id          uuid PRIMARY KEY,
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    program     text COLLATE "C" NOT NULL,
    customer    uuid NOT NULL,
    point_type  text COLLATE "C" NOT NULL,
    at          timestamptz NOT NULL,
    source_type text COLLATE "C" NOT NULL,
    source_ref  text COLLATE "C" NOT NULL,
    doc         jsonb NOT NULL
);

CREATE INDEX loyalty_entries_account ON loyalty_entries (program, customer, point_type, seq);

CREATE INDEX loyalty_entries_source ON loyalty_entries (program, source_type, source_ref, seq)
    WHERE source_ref <> '';

-- Records of idempotent commands, one per programme and key.
CREATE TABLE loyalty_commands (
    program text COLLATE "C" NOT NULL,
    key     text COLLATE "C" NOT NULL,
    digest  text NOT NULL,
    at      timestamptz NOT NULL,
    doc     jsonb NOT NULL,
    PRIMARY KEY (program, key)
);

-- Member states. next_due is the earliest of NextReview, DowngradeAt and AssignedUntil that
-- is set, NULL when none is.
CREATE TABLE loyalty_members (
    program  text COLLATE "C" NOT NULL,
    customer uuid NOT NULL,
    version  bigint NOT NULL,
    next_due timestamptz,
    doc      jsonb NOT NULL,
    PRIMARY KEY (program, customer)
);

CREATE INDEX loyalty_members_due ON loyalty_members (program, customer, next_due)
    WHERE next_due IS NOT NULL;

-- The rewards catalogue.
CREATE TABLE loyalty_rewards (
    program text COLLATE "C" NOT NULL,
    id      text COLLATE "C" NOT NULL,
    version bigint NOT NULL,
    doc     jsonb NOT NULL,
    PRIMARY KEY (program, id)
);

-- Reservations of rewards. Every change of a reservation holds its reward's row lock, so
-- that the units a member holds are counted consistently.
CREATE TABLE loyalty_reservations (
    program  text COLLATE "C" NOT NULL,
    id       text COLLATE "C" NOT NULL,
    customer uuid NOT NULL,
    reward   text COLLATE "C" NOT NULL,
    status   text NOT NULL,
    units    bigint NOT NULL,
    doc      jsonb NOT NULL,
    PRIMARY KEY (program, id)
);

CREATE INDEX loyalty_reservations_holder ON loyalty_reservations (program, reward, customer);

CREATE INDEX loyalty_reservations_customer ON loyalty_reservations (program, customer, id);

-- Coupons issued by confirmed reservations.
CREATE TABLE loyalty_coupons (
    program text COLLATE "C" NOT NULL,
    code    text COLLATE "C" NOT NULL,
    doc     jsonb NOT NULL,
    PRIMARY KEY (program, code)
);
