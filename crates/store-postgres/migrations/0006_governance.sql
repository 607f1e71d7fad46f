-- Governance: versioned policy sets and their adoption, compliance runs, violations with their
-- history, and exemptions.

-- Versions are immutable; `seq` orders them by saving. The content is kept as given (json, not
-- jsonb): it is only ever read back whole.
CREATE TABLE policy_sets (
    seq         bigserial PRIMARY KEY,
    version     text NOT NULL UNIQUE,
    digest      text NOT NULL,
    content     json NOT NULL,
    saved_by    text NOT NULL,
    saved_at    timestamptz NOT NULL,
    active      boolean NOT NULL DEFAULT false,
    adopted_by  text,
    adopted_at  timestamptz
);

-- At most one active set, whatever the replicas do.
CREATE UNIQUE INDEX policy_sets_one_active ON policy_sets (active) WHERE active;

CREATE TABLE policy_adoptions (
    seq         bigserial PRIMARY KEY,
    version     text NOT NULL REFERENCES policy_sets (version),
    previous    text,
    adopted_by  text NOT NULL,
    adopted_at  timestamptz NOT NULL
);

CREATE TABLE exemptions (
    id              bigserial PRIMARY KEY,
    policy_id       text NOT NULL,
    subject_id      text,
    environment_id  text,
    reason          text NOT NULL,
    requested_by    text NOT NULL,
    approved_by     text NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz,
    revoked_at      timestamptz,
    revoked_by      text
);

CREATE TABLE compliance_runs (
    id                  bigserial PRIMARY KEY,
    at                  timestamptz NOT NULL,
    policy_set_version  text NOT NULL,
    tenant_id           text,
    subjects_evaluated  bigint NOT NULL,
    policies_evaluated  bigint NOT NULL,
    findings            bigint NOT NULL,
    opened              bigint NOT NULL DEFAULT 0,
    resolved            bigint NOT NULL DEFAULT 0,
    exempted            bigint NOT NULL DEFAULT 0,
    reopened            bigint NOT NULL DEFAULT 0,
    still_open          bigint NOT NULL DEFAULT 0,
    still_exempted      bigint NOT NULL DEFAULT 0,
    open_total          bigint NOT NULL DEFAULT 0,
    exempted_total      bigint NOT NULL DEFAULT 0
);

-- Live violations per evaluated policy after each run, for trends.
CREATE TABLE compliance_run_policies (
    run_id     bigint NOT NULL REFERENCES compliance_runs (id),
    policy_id  text NOT NULL,
    open       bigint NOT NULL,
    exempted   bigint NOT NULL,
    PRIMARY KEY (run_id, policy_id)
);

CREATE INDEX compliance_run_policies_by_policy ON compliance_run_policies (policy_id, run_id);

-- One row per policy × subject episode. `last_run_id` is the last run that found it: the
-- live violations of an evaluated policy that the run did not touch are the ones to resolve.
-- Every run rewrites every live row it finds (last seen, evidence). With 60% of each page left
-- free, the new version fits beside the old one, so the update is HOT (no index writes) and the
-- next run's page pruning reclaims the old version: measured 2-3x faster than fillfactor 70,
-- and no larger after a few runs (70 grows as non-HOT versions move to new pages).
CREATE TABLE violations (
    id              bigserial PRIMARY KEY,
    policy_id       text NOT NULL,
    subject_id      text NOT NULL,
    policy_version  bigint NOT NULL,
    level           text NOT NULL,
    subject_kind    text NOT NULL,
    tenant_id       text NOT NULL,
    environment_id  text NOT NULL,
    state           text NOT NULL,
    exemption_id    bigint,
    opened_at       timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    resolved_at     timestamptz,
    last_run_id     bigint NOT NULL,
    evidence        jsonb NOT NULL
) WITH (fillfactor = 40);

-- At most one live episode per policy and subject; the lookup of every finding.
CREATE UNIQUE INDEX violations_live ON violations (policy_id, subject_id) WHERE state <> 'resolved';
CREATE INDEX violations_by_subject ON violations (subject_id);

-- No foreign key to violations: its per-row trigger would cost more than the rest of recording a
-- run, and events are only written by the run that writes their violation, in one transaction.
CREATE TABLE violation_events (
    seq           bigserial PRIMARY KEY,
    violation_id  bigint NOT NULL,
    run_id        bigint,
    kind          text NOT NULL,
    at            timestamptz NOT NULL,
    exemption_id  bigint,
    note          text
);

CREATE INDEX violation_events_by_violation ON violation_events (violation_id, seq);
