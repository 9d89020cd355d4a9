-- survey: published versions of questionnaires and their responses.
--
-- Each version and response is kept whole as a JSONB document (its encoding/json form)
-- beside the columns its queries select and order on. Text keys use the "C" collation, so
-- that they compare byte for byte. Time columns hold the documents' instants exactly: the
-- service gives whole microseconds, which is what timestamptz keeps.

-- Versions are immutable: one row per survey and version, never updated.
CREATE TABLE survey_versions (
    survey       text COLLATE "C" NOT NULL,
    version      bigint NOT NULL,
    published_at timestamptz NOT NULL,
    doc          jsonb NOT NULL,
    PRIMARY KEY (survey, version)
);

-- The last position given to a response of each survey. Every response takes the next
-- position by updating its survey's row, which it holds until it commits, so a survey's
-- responses commit in the order of their positions, and a listing's cursor (the last
-- position read) never skips a response committed after the page was read.
CREATE TABLE survey_response_positions (
    survey text COLLATE "C" PRIMARY KEY,
    last   bigint NOT NULL
);

-- Responses, immutable. seq is the response's position in its survey's listing; key is
-- the submission's idempotency key, one response per survey and key.
CREATE TABLE survey_responses (
    id           uuid PRIMARY KEY,
    survey       text COLLATE "C" NOT NULL,
    seq          bigint NOT NULL,
    version      bigint NOT NULL,
    submitted_at timestamptz NOT NULL,
    key          text COLLATE "C" NOT NULL,
    doc          jsonb NOT NULL,
    CONSTRAINT survey_responses_seq UNIQUE (survey, seq),
    CONSTRAINT survey_responses_key UNIQUE (survey, key)
);

-- The responses to one version of a survey, in the order stored.
CREATE INDEX survey_responses_version ON survey_responses (survey, version, seq);
