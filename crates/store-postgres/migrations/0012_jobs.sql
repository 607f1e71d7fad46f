-- Durable job queue, its run history, and the configured schedules (issue #9).
-- Several replicas claim from `jobs` at once: claims lock the rows they take
-- (FOR UPDATE SKIP LOCKED), so each job is leased by one worker at a time.

CREATE TABLE jobs (
    id                bigserial PRIMARY KEY,
    kind              text NOT NULL,
    payload           jsonb NOT NULL,
    -- queued | running | succeeded | dead | cancelled
    status            text NOT NULL,
    priority          integer NOT NULL,
    -- Attempts started, the current one included.
    attempt           integer NOT NULL,
    max_attempts      integer NOT NULL,
    run_at            timestamptz NOT NULL,
    dedupe_key        text,
    schedule          text,
    slot              timestamptz,
    created_by        text NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    -- The current lease, while running: only its token can finish the job.
    worker            text,
    lease_token       text,
    lease_expires_at  timestamptz,
    run_id            bigint,
    last_error        text,
    finished_at       timestamptz
);

-- At most one open job per dedupe key.
CREATE UNIQUE INDEX jobs_open_dedupe ON jobs (dedupe_key) WHERE status IN ('queued', 'running');
-- One job per schedule slot.
CREATE UNIQUE INDEX jobs_schedule_slot ON jobs (schedule, slot) WHERE slot IS NOT NULL;
-- Claiming: due queued jobs by priority, then age.
CREATE INDEX jobs_due ON jobs (priority DESC, run_at, id) WHERE status = 'queued';
-- Reclaiming expired leases.
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_by_status ON jobs (status, id);
CREATE INDEX jobs_by_schedule ON jobs (schedule, id);

CREATE TABLE job_runs (
    id           bigserial PRIMARY KEY,
    job_id       bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    kind         text NOT NULL,
    schedule     text,
    attempt      integer NOT NULL,
    worker       text NOT NULL,
    -- running | succeeded | failed | dead | lost | released | cancelled
    status       text NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    error        text,
    summary      text
);

CREATE INDEX job_runs_by_job ON job_runs (job_id, id);
CREATE INDEX job_runs_by_kind ON job_runs (kind, id);

CREATE TABLE job_schedules (
    name          text PRIMARY KEY,
    cron          text NOT NULL,
    timezone      text NOT NULL,
    kind          text NOT NULL,
    payload       jsonb NOT NULL,
    enabled       boolean NOT NULL,
    priority      integer NOT NULL,
    max_attempts  integer NOT NULL,
    -- The latest slot fired; only ever moves forward.
    last_slot     timestamptz,
    next_at       timestamptz,
    updated_at    timestamptz NOT NULL
);
