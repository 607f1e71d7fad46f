-- Steward schema, version 1.
--
-- Conventions: timestamps are INTEGER milliseconds since the Unix epoch (UTC); days are INTEGER
-- days since 1970-01-01; nested parts of a record are JSON text; `content_hash` is
-- steward_store::content_hash of the record as last written, so an identical re-import is
-- detected without rewriting the row. `name_key` columns hold the display name lowercased by
-- Steward (not by SQLite, whose lower() only folds ASCII) and carry the name sort and `q` filter.

CREATE TABLE tenants (
    id            TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    domain        TEXT,
    content_hash  TEXT NOT NULL,
    first_seen    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL
);

CREATE TABLE environments (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL,
    platform           TEXT NOT NULL,
    display_name       TEXT NOT NULL,
    name_key           TEXT NOT NULL,
    description        TEXT,
    environment_type   TEXT NOT NULL,
    region             TEXT,
    managed            INTEGER NOT NULL,
    has_dataverse      INTEGER NOT NULL,
    dataverse_url      TEXT,
    environment_group  TEXT,
    business_area      TEXT,
    state              TEXT,
    created_at         INTEGER,
    modified_at        INTEGER,
    created_by         TEXT,
    capacity           TEXT NOT NULL,
    addons             TEXT NOT NULL,
    deleted_at         INTEGER,
    content_hash       TEXT NOT NULL,
    first_seen         INTEGER NOT NULL,
    last_seen          INTEGER NOT NULL
);
CREATE INDEX environments_by_name ON environments (name_key, id);
CREATE INDEX environments_by_tenant ON environments (tenant_id, name_key, id);

CREATE TABLE connectors (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    platform        TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    tier            TEXT NOT NULL,
    publisher       TEXT,
    environment_id  TEXT,
    content_hash    TEXT NOT NULL,
    first_seen      INTEGER NOT NULL,
    last_seen       INTEGER NOT NULL
);
CREATE INDEX connectors_by_tenant ON connectors (tenant_id, id);

CREATE TABLE data_policies (
    id                      TEXT PRIMARY KEY,
    tenant_id               TEXT NOT NULL,
    platform                TEXT NOT NULL,
    display_name            TEXT NOT NULL,
    scope                   TEXT NOT NULL,
    default_classification  TEXT,
    connector_groups        TEXT NOT NULL,
    created_at              INTEGER,
    modified_at             INTEGER,
    content_hash            TEXT NOT NULL,
    first_seen              INTEGER NOT NULL,
    last_seen               INTEGER NOT NULL
);
CREATE INDEX data_policies_by_tenant ON data_policies (tenant_id, id);

-- The environments a policy lists, in the policy's order; indexed by environment so that
-- "which policies cover this environment" does not scan every policy.
CREATE TABLE data_policy_environments (
    policy_id       TEXT NOT NULL REFERENCES data_policies (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    environment_id  TEXT NOT NULL,
    PRIMARY KEY (policy_id, position)
) WITHOUT ROWID;
CREATE INDEX data_policy_environments_by_environment ON data_policy_environments (environment_id);

CREATE TABLE principals (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    upn             TEXT,
    upn_key         TEXT,
    department      TEXT,
    department_key  TEXT,
    country         TEXT,
    job_title       TEXT,
    manager_id      TEXT,
    enabled         INTEGER NOT NULL,
    deleted_at      INTEGER,
    content_hash    TEXT NOT NULL,
    first_seen      INTEGER NOT NULL,
    last_seen       INTEGER NOT NULL
);
CREATE INDEX principals_by_name ON principals (name_key, id);
CREATE INDEX principals_by_upn ON principals (upn_key);

-- Resources carry an integer key (`rid`) so that the child tables, which are written for every
-- added resource, store and index 8 bytes instead of a 36-character id.
-- `created_sort` and `modified_sort` are the negated dates with missing dates as the largest
-- integer: "newest first, missing last, then id" becomes one ascending index and one row-value
-- comparison for keyset paging.
-- The uniqueness of `id` is a named index rather than a column constraint so that a bulk load
-- (see bulk.rs in the crate) can drop it and build it once at commit.
CREATE TABLE resources (
    rid                    INTEGER PRIMARY KEY,
    id                     TEXT NOT NULL,
    tenant_id              TEXT NOT NULL,
    environment_id         TEXT NOT NULL,
    platform               TEXT NOT NULL,
    kind                   TEXT NOT NULL,
    display_name           TEXT NOT NULL,
    name_key               TEXT NOT NULL,
    state                  TEXT NOT NULL,
    created_at             INTEGER,
    modified_at            INTEGER,
    published_at           INTEGER,
    created_sort           INTEGER NOT NULL,
    modified_sort          INTEGER NOT NULL,
    shared_users           INTEGER NOT NULL,
    shared_groups          INTEGER NOT NULL,
    shared_with_everyone   INTEGER NOT NULL,
    quarantined            INTEGER NOT NULL,
    deleted_at             INTEGER,
    content_hash           TEXT NOT NULL,
    first_seen             INTEGER NOT NULL,
    last_changed           INTEGER NOT NULL
);
CREATE UNIQUE INDEX resources_by_id ON resources (id);
CREATE INDEX resources_by_name ON resources (name_key, id);
CREATE INDEX resources_by_created ON resources (created_sort, id);
CREATE INDEX resources_by_modified ON resources (modified_sort, id);
CREATE INDEX resources_by_environment ON resources (environment_id, deleted_at);
CREATE INDEX resources_by_kind ON resources (kind, deleted_at);

-- The wide columns of each resource (JSON and free text, ~450 of ~700 bytes per resource), one row
-- per `resources` row with the same `rid`, written and rewritten with it. Kept apart so that
-- `resources` holds only what filters, sorts and counts read: every index build of a bulk load
-- (see bulk.rs) and every count scans a table a third of the size. Measured at 1M resources:
-- the six index builds 3.7 s -> 2.5 s in the sqlite3 shell, the commit of the 1M bench 4.5 s -> 3.9 s.
-- Read back only for the page being returned.
-- No foreign key, like the child tables below.
CREATE TABLE resource_details (
    rid                    INTEGER PRIMARY KEY,
    description            TEXT,
    created_by             TEXT,
    owners                 TEXT NOT NULL,
    sharing                TEXT NOT NULL,
    connection_references  TEXT NOT NULL,
    solution_id            TEXT,
    attributes             TEXT NOT NULL
);

-- When each resource was last seen by an ingest, for rows seen again after being written: the
-- last sighting is max(last_seen here, resources.last_changed). Kept apart from `resources` so
-- that re-importing an unchanged resource rewrites a 16-byte row, not the whole resource.
-- The child tables below have no foreign keys on purpose: only the writer thread writes them,
-- and a foreign key costs a probe of `resources` for every child row of a bulk import.
CREATE TABLE resource_seen (
    rid        INTEGER PRIMARY KEY,
    last_seen  INTEGER NOT NULL
);

-- Owners again (the `owners` JSON of resource_details keeps their order and roles), keyed for the
-- owner filter and makers. Rows of a changed resource are found through its previous `owners`
-- JSON, which saves a second index on every import.
CREATE TABLE resource_owners (
    principal_id  TEXT NOT NULL,
    rid           INTEGER NOT NULL,
    role          TEXT NOT NULL,
    PRIMARY KEY (principal_id, rid)
) WITHOUT ROWID;

-- Connectors a resource uses, for connector filters and premium-use reports; maintained like owners.
CREATE TABLE resource_connectors (
    connector_id  TEXT NOT NULL,
    rid           INTEGER NOT NULL,
    PRIMARY KEY (connector_id, rid)
) WITHOUT ROWID;

-- Declared and computed governance. Ingestion never writes this table.
CREATE TABLE resource_governance (
    resource_id      TEXT PRIMARY KEY REFERENCES resources (id),
    business_impact  TEXT,
    criticality      TEXT,
    support_tier     TEXT,
    lifecycle_stage  TEXT,
    cost_centre      TEXT,
    catalog_state    TEXT,
    justification    TEXT,
    mitigation_plan  TEXT,
    updated_at       INTEGER NOT NULL
);

-- One row per audit record id; the audit feed repeats records, the primary key drops repeats.
-- `actor` is the principal id, else the lowercased UPN: the identity unique-user counts use.
CREATE TABLE usage_events (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    occurred_at     INTEGER NOT NULL,
    principal_id    TEXT,
    principal_upn   TEXT,
    actor           TEXT,
    resource_id     TEXT,
    environment_id  TEXT,
    kind            TEXT NOT NULL,
    is_use          INTEGER NOT NULL,
    operation       TEXT NOT NULL,
    workload        TEXT
);
CREATE INDEX usage_events_by_tenant_time ON usage_events (tenant_id, occurred_at);
CREATE INDEX usage_events_by_time ON usage_events (occurred_at);

-- Uses per resource and day, kept up to date as events arrive (only days with a use have a row).
CREATE TABLE usage_daily (
    resource_id   TEXT NOT NULL,
    day           INTEGER NOT NULL,
    uses          INTEGER NOT NULL,
    unique_users  INTEGER NOT NULL,
    PRIMARY KEY (resource_id, day)
) WITHOUT ROWID;

-- The distinct actors of each resource-day, so that unique_users grows by one exactly when an
-- actor is new for that day, however the events are split across imports.
CREATE TABLE usage_daily_actors (
    resource_id  TEXT NOT NULL,
    day          INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    PRIMARY KEY (resource_id, day, actor)
) WITHOUT ROWID;
