-- Governance: versioned policy sets and their adoption, compliance runs, violations with their
-- history, and exemptions. Times are milliseconds since the Unix epoch.

-- Versions are immutable; `seq` orders them by saving.
CREATE TABLE policy_sets (
    seq         INTEGER PRIMARY KEY,
    version     TEXT NOT NULL UNIQUE,
    digest      TEXT NOT NULL,
    content     TEXT NOT NULL,
    saved_by    TEXT NOT NULL,
    saved_at    INTEGER NOT NULL,
    active      INTEGER NOT NULL DEFAULT 0,
    adopted_by  TEXT,
    adopted_at  INTEGER
);

-- At most one active set, whatever the writers do.
CREATE UNIQUE INDEX policy_sets_one_active ON policy_sets (active) WHERE active = 1;

CREATE TABLE policy_adoptions (
    seq         INTEGER PRIMARY KEY,
    version     TEXT NOT NULL REFERENCES policy_sets (version),
    previous    TEXT,
    adopted_by  TEXT NOT NULL,
    adopted_at  INTEGER NOT NULL
);

CREATE TABLE exemptions (
    id              INTEGER PRIMARY KEY,
    policy_id       TEXT NOT NULL,
    subject_id      TEXT,
    environment_id  TEXT,
    reason          TEXT NOT NULL,
    requested_by    TEXT NOT NULL,
    approved_by     TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER,
    revoked_at      INTEGER,
    revoked_by      TEXT
);

CREATE TABLE compliance_runs (
    id                  INTEGER PRIMARY KEY,
    at                  INTEGER NOT NULL,
    policy_set_version  TEXT NOT NULL,
    tenant_id           TEXT,
    subjects_evaluated  INTEGER NOT NULL,
    policies_evaluated  INTEGER NOT NULL,
    findings            INTEGER NOT NULL,
    opened              INTEGER NOT NULL DEFAULT 0,
    resolved            INTEGER NOT NULL DEFAULT 0,
    exempted            INTEGER NOT NULL DEFAULT 0,
    reopened            INTEGER NOT NULL DEFAULT 0,
    still_open          INTEGER NOT NULL DEFAULT 0,
    still_exempted      INTEGER NOT NULL DEFAULT 0,
    open_total          INTEGER NOT NULL DEFAULT 0,
    exempted_total      INTEGER NOT NULL DEFAULT 0
);

-- Live violations per evaluated policy after each run, for trends.
CREATE TABLE compliance_run_policies (
    run_id     INTEGER NOT NULL REFERENCES compliance_runs (id),
    policy_id  TEXT NOT NULL,
    open       INTEGER NOT NULL,
    exempted   INTEGER NOT NULL,
    PRIMARY KEY (run_id, policy_id)
) WITHOUT ROWID;

CREATE INDEX compliance_run_policies_by_policy ON compliance_run_policies (policy_id, run_id);

-- One row per policy × subject episode. `last_run_id` is the last run that found it: the
-- live violations of an evaluated policy that the run did not touch are the ones to resolve.
CREATE TABLE violations (
    id              INTEGER PRIMARY KEY,
    policy_id       TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    policy_version  INTEGER NOT NULL,
    level           TEXT NOT NULL,
    subject_kind    TEXT NOT NULL,
    tenant_id       TEXT NOT NULL,
    environment_id  TEXT NOT NULL,
    state           TEXT NOT NULL,
    exemption_id    INTEGER,
    opened_at       INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    resolved_at     INTEGER,
    last_run_id     INTEGER NOT NULL,
    evidence        TEXT NOT NULL
);

-- At most one live episode per policy and subject; the lookup of every finding.
CREATE UNIQUE INDEX violations_live ON violations (policy_id, subject_id) WHERE state <> 'resolved';
CREATE INDEX violations_by_subject ON violations (subject_id);

CREATE TABLE violation_events (
    seq           INTEGER PRIMARY KEY,
    violation_id  INTEGER NOT NULL REFERENCES violations (id),
    run_id        INTEGER,
    kind          TEXT NOT NULL,
    at            INTEGER NOT NULL,
    exemption_id  INTEGER,
    note          TEXT
);

CREATE INDEX violation_events_by_violation ON violation_events (violation_id, seq);
