-- Usage is kept as rollups, not as raw events (the optional Parquet archive keeps those).
-- The raw-event tables of 0001 are replaced; see crates/store/src/usage/mod.rs for the design.
DROP TABLE usage_events;
DROP TABLE usage_daily;
DROP TABLE usage_daily_actors;

-- Hashes (xxh3-64 of the lowercased record id) of the records counted for each tenant-day,
-- as a sorted little-endian u64 blob: what makes replaying a record change nothing.
CREATE TABLE usage_ledger (
    tenant_id  TEXT NOT NULL,
    day        INTEGER NOT NULL,   -- days since 1970-01-01
    records    INTEGER NOT NULL,   -- number of hashes in `ids`
    ids        BLOB NOT NULL,
    PRIMARY KEY (tenant_id, day)
) WITHOUT ROWID;

-- Days before `before_day` have lost their ledger to retention: records for them are refused.
CREATE TABLE usage_sealed (
    tenant_id   TEXT PRIMARY KEY,
    before_day  INTEGER NOT NULL
) WITHOUT ROWID;

-- Actors (principal id, else lowercased UPN) get a small integer so that actor sets are 4 bytes
-- per member.
CREATE TABLE usage_actors (
    id         INTEGER PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    actor      TEXT NOT NULL
);
CREATE UNIQUE INDEX usage_actors_by_actor ON usage_actors (tenant_id, actor);

-- One row per scope (resource, environment, maker, tenant), period (day, week, month), period
-- start and metric (use, make): the count and the distinct actors as a sorted u32 blob.
CREATE TABLE usage_rollups (
    scope      TEXT NOT NULL,
    scope_id   TEXT NOT NULL,
    period     TEXT NOT NULL,
    start_day  INTEGER NOT NULL,
    metric     TEXT NOT NULL,
    tenant_id  TEXT NOT NULL,
    uses       INTEGER NOT NULL,
    users      INTEGER NOT NULL,
    actors     BLOB NOT NULL,
    PRIMARY KEY (scope, period, metric, scope_id, start_day)
) WITHOUT ROWID;
-- Window scans over all resources (top, success rules, the board report).
CREATE INDEX usage_rollups_by_start ON usage_rollups (scope, period, metric, start_day);

-- First and last day with a use of each resource.
CREATE TABLE usage_spans (
    resource_id  TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    first_day    INTEGER NOT NULL,
    last_day     INTEGER NOT NULL
) WITHOUT ROWID;
