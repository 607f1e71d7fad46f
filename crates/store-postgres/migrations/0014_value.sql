-- Business value (issue #7): value records per resource, potential and actual apart, with every
-- revision kept, and value assessments of solutions and business units.

-- The current record of each resource and kind. Amounts are hundredths of the currency, times
-- hundredths of a minute (integers: sums of many records never go through floating point).
CREATE TABLE value_records (
    resource_id              TEXT NOT NULL,
    kind                     TEXT NOT NULL,
    revision                 INTEGER NOT NULL,
    users_impacted           BIGINT,
    centiminutes_per_use     BIGINT,
    centiminutes_per_week    BIGINT,
    cost_avoided_per_year    BIGINT,
    revenue_enabled_per_year BIGINT,
    currency                 TEXT NOT NULL,
    problem                  TEXT NOT NULL,
    solution                 TEXT NOT NULL,
    obstacles                TEXT NOT NULL,
    value_story              TEXT NOT NULL,
    next_steps               TEXT NOT NULL,
    recorded_by              TEXT NOT NULL,
    recorded_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (resource_id, kind)
);
CREATE INDEX value_records_by_author ON value_records (recorded_by);

-- Every revision, the current one included, written in the same transaction as the record.
CREATE TABLE value_record_history (
    resource_id              TEXT NOT NULL,
    kind                     TEXT NOT NULL,
    revision                 INTEGER NOT NULL,
    users_impacted           BIGINT,
    centiminutes_per_use     BIGINT,
    centiminutes_per_week    BIGINT,
    cost_avoided_per_year    BIGINT,
    revenue_enabled_per_year BIGINT,
    currency                 TEXT NOT NULL,
    problem                  TEXT NOT NULL,
    solution                 TEXT NOT NULL,
    obstacles                TEXT NOT NULL,
    value_story              TEXT NOT NULL,
    next_steps               TEXT NOT NULL,
    recorded_by              TEXT NOT NULL,
    recorded_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (resource_id, kind, revision)
);

-- Assessments are appended; the newest of a subject is its current one. Answers as JSON
-- (question id, score 0-5, note): the questions are data shipped with steward-value.
CREATE TABLE value_assessments (
    id            BIGSERIAL PRIMARY KEY,
    subject       TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    questionnaire TEXT NOT NULL,
    answers       JSONB NOT NULL,
    assessed_by   TEXT NOT NULL,
    assessed_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX value_assessments_by_subject ON value_assessments (subject, subject_id, assessed_at);
