-- Steward schema, version 1: the whole platform-neutral model.
--
-- Every text column uses COLLATE "C" so that ordering and comparison are byte-wise, exactly as
-- in the SQLite store, and the case-insensitive keys (`name_key`, `upn_key`, `department_key`)
-- are lowercased in Rust by ingestion rather than by the database: keyset paging, `q` search and
-- the content digest then agree between the two backends for every script, not only ASCII.
--
-- Each inventory table keeps `content_hash` (steward_store::content_hash of the whole record)
-- so that an upsert of unchanged data writes nothing, and first_seen/last_seen bookkeeping
-- (last_seen moves when the content changed) that the digest ignores.

CREATE TABLE tenants (
    id            text COLLATE "C" PRIMARY KEY,
    display_name  text COLLATE "C" NOT NULL,
    domain        text COLLATE "C",
    content_hash  text COLLATE "C" NOT NULL,
    first_seen    timestamptz NOT NULL DEFAULT now(),
    last_seen     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE environments (
    id                 text COLLATE "C" PRIMARY KEY,
    tenant_id          text COLLATE "C" NOT NULL,
    platform           text COLLATE "C" NOT NULL,
    display_name       text COLLATE "C" NOT NULL,
    name_key           text COLLATE "C" NOT NULL,
    description        text COLLATE "C",
    environment_type   text COLLATE "C" NOT NULL,
    region             text COLLATE "C",
    managed            boolean NOT NULL,
    has_dataverse      boolean NOT NULL,
    dataverse_url      text COLLATE "C",
    environment_group  text COLLATE "C",
    business_area      text COLLATE "C",
    state              text COLLATE "C",
    created_at         timestamptz,
    modified_at        timestamptz,
    created_by         text COLLATE "C",
    capacity           jsonb NOT NULL,
    addons             jsonb NOT NULL,
    deleted_at         timestamptz,
    content_hash       text COLLATE "C" NOT NULL,
    first_seen         timestamptz NOT NULL DEFAULT now(),
    last_seen          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX environments_tenant ON environments (tenant_id);
CREATE INDEX environments_name ON environments (name_key, id);

CREATE TABLE connectors (
    id              text COLLATE "C" PRIMARY KEY,
    tenant_id       text COLLATE "C" NOT NULL,
    platform        text COLLATE "C" NOT NULL,
    display_name    text COLLATE "C" NOT NULL,
    tier            text COLLATE "C" NOT NULL,
    publisher       text COLLATE "C",
    environment_id  text COLLATE "C",
    content_hash    text COLLATE "C" NOT NULL,
    first_seen      timestamptz NOT NULL DEFAULT now(),
    last_seen       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX connectors_tenant ON connectors (tenant_id);

CREATE TABLE data_policies (
    id                      text COLLATE "C" PRIMARY KEY,
    tenant_id               text COLLATE "C" NOT NULL,
    platform                text COLLATE "C" NOT NULL,
    display_name            text COLLATE "C" NOT NULL,
    scope                   text COLLATE "C" NOT NULL,
    environment_ids         jsonb NOT NULL,
    default_classification  text COLLATE "C",
    connector_groups        jsonb NOT NULL,
    created_at              timestamptz,
    modified_at             timestamptz,
    content_hash            text COLLATE "C" NOT NULL,
    first_seen              timestamptz NOT NULL DEFAULT now(),
    last_seen               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_policies_tenant ON data_policies (tenant_id);

CREATE TABLE principals (
    id            text COLLATE "C" PRIMARY KEY,
    tenant_id     text COLLATE "C" NOT NULL,
    kind          text COLLATE "C" NOT NULL,
    display_name  text COLLATE "C" NOT NULL,
    name_key      text COLLATE "C" NOT NULL,
    upn           text COLLATE "C",
    upn_key       text COLLATE "C",
    department    text COLLATE "C",
    department_key text COLLATE "C",
    country       text COLLATE "C",
    job_title     text COLLATE "C",
    manager_id    text COLLATE "C",
    enabled       boolean NOT NULL,
    deleted_at    timestamptz,
    content_hash  text COLLATE "C" NOT NULL,
    first_seen    timestamptz NOT NULL DEFAULT now(),
    last_seen     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX principals_tenant ON principals (tenant_id);
CREATE INDEX principals_name ON principals (name_key, id);
CREATE INDEX principals_upn ON principals (upn_key);

-- Owners, sharing and connection references are kept whole as jsonb (the record as read back);
-- resource_owners and resource_connectors index them for filters and joins.
CREATE TABLE resources (
    id                     text COLLATE "C" PRIMARY KEY,
    tenant_id              text COLLATE "C" NOT NULL,
    environment_id         text COLLATE "C" NOT NULL,
    platform               text COLLATE "C" NOT NULL,
    kind                   text COLLATE "C" NOT NULL,
    display_name           text COLLATE "C" NOT NULL,
    name_key               text COLLATE "C" NOT NULL,
    description            text COLLATE "C",
    state                  text COLLATE "C" NOT NULL,
    created_at             timestamptz,
    modified_at            timestamptz,
    published_at           timestamptz,
    created_by             text COLLATE "C",
    owners                 jsonb NOT NULL,
    sharing                jsonb NOT NULL,
    shared_users           bigint NOT NULL,
    shared_groups          bigint NOT NULL,
    shared_with_everyone   boolean NOT NULL,
    connection_references  jsonb NOT NULL,
    solution_id            text COLLATE "C",
    quarantined            boolean NOT NULL,
    attributes             jsonb NOT NULL,
    deleted_at             timestamptz,
    content_hash           text COLLATE "C" NOT NULL,
    first_seen             timestamptz NOT NULL DEFAULT now(),
    last_seen              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX resources_tenant ON resources (tenant_id);
CREATE INDEX resources_environment ON resources (environment_id);
CREATE INDEX resources_kind ON resources (kind);
CREATE INDEX resources_name ON resources (name_key, id);
CREATE INDEX resources_created ON resources (created_at DESC NULLS LAST, id);
CREATE INDEX resources_modified ON resources (modified_at DESC NULLS LAST, id);

CREATE TABLE resource_owners (
    resource_id   text COLLATE "C" NOT NULL,
    ordinal       integer NOT NULL,
    principal_id  text COLLATE "C" NOT NULL,
    role          text COLLATE "C" NOT NULL,
    PRIMARY KEY (resource_id, ordinal)
);
CREATE INDEX resource_owners_principal ON resource_owners (principal_id);

CREATE TABLE resource_connectors (
    resource_id   text COLLATE "C" NOT NULL,
    ordinal       integer NOT NULL,
    connector_id  text COLLATE "C" NOT NULL,
    tier          text COLLATE "C" NOT NULL,
    PRIMARY KEY (resource_id, ordinal)
);
CREATE INDEX resource_connectors_connector ON resource_connectors (connector_id);

-- Declared and computed governance facts. Ingestion never writes here, so a sync cannot
-- overwrite what makers and the CoE declared.
CREATE TABLE resource_governance (
    resource_id  text COLLATE "C" PRIMARY KEY,
    governance   jsonb NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE usage_events (
    id              text COLLATE "C" PRIMARY KEY,
    tenant_id       text COLLATE "C" NOT NULL,
    occurred_at     timestamptz NOT NULL,
    principal_id    text COLLATE "C",
    principal_upn   text COLLATE "C",
    -- Who counts as the user: the principal id, else the UPN lowercased (Unicode, in Rust, so
    -- that every backend folds the same way).
    actor           text COLLATE "C",
    resource_id     text COLLATE "C",
    environment_id  text COLLATE "C",
    kind            text COLLATE "C" NOT NULL,
    operation       text COLLATE "C" NOT NULL,
    workload        text COLLATE "C"
);
CREATE INDEX usage_events_resource ON usage_events (resource_id, occurred_at);
CREATE INDEX usage_events_occurred ON usage_events (occurred_at);

CREATE TABLE usage_daily (
    resource_id   text COLLATE "C" NOT NULL,
    day           date NOT NULL,
    uses          bigint NOT NULL,
    unique_users  bigint NOT NULL,
    PRIMARY KEY (resource_id, day)
);
