-- Durable job queue, its run history, and the configured schedules (issue #9).
-- Times are milliseconds since the Unix epoch.

CREATE TABLE jobs (
    id                INTEGER PRIMARY KEY,
    kind              TEXT NOT NULL,
    payload           TEXT NOT NULL,
    -- queued | running | succeeded | dead | cancelled
    status            TEXT NOT NULL,
    priority          INTEGER NOT NULL,
    -- Attempts started, the current one included.
    attempt           INTEGER NOT NULL,
    max_attempts      INTEGER NOT NULL,
    run_at            INTEGER NOT NULL,
    dedupe_key        TEXT,
    schedule          TEXT,
    slot              INTEGER,
    created_by        TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    -- The current lease, while running: only its token can finish the job.
    worker            TEXT,
    lease_token       TEXT,
    lease_expires_at  INTEGER,
    run_id            INTEGER,
    last_error        TEXT,
    finished_at       INTEGER
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
    id           INTEGER PRIMARY KEY,
    job_id       INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    schedule     TEXT,
    attempt      INTEGER NOT NULL,
    worker       TEXT NOT NULL,
    -- running | succeeded | failed | dead | lost | released | cancelled
    status       TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    error        TEXT,
    summary      TEXT
);

CREATE INDEX job_runs_by_job ON job_runs (job_id, id);
CREATE INDEX job_runs_by_kind ON job_runs (kind, id);

CREATE TABLE job_schedules (
    name          TEXT PRIMARY KEY,
    cron          TEXT NOT NULL,
    timezone      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    enabled       INTEGER NOT NULL,
    priority      INTEGER NOT NULL,
    max_attempts  INTEGER NOT NULL,
    -- The latest slot fired; only ever moves forward.
    last_slot     INTEGER,
    next_at       INTEGER,
    updated_at    INTEGER NOT NULL
);
