-- Inventory filters: the status every compliance run leaves per evaluated resource, and the
-- indexes that keep the filtered and sorted resource lists from scanning the table.

-- Criticality and compliance are computed (steward-responsibility, the live violations), so a
-- list cannot filter on them without this table; a compliance run writes the rows of the
-- resources it evaluated in its own transaction. No row: no run evaluated the resource yet.
CREATE TABLE resource_status (
    resource_id    TEXT PRIMARY KEY,
    criticality    TEXT,
    service_level  TEXT,
    compliance     TEXT NOT NULL,
    open_must      INTEGER NOT NULL,
    open_should    INTEGER NOT NULL,
    open_could     INTEGER NOT NULL,
    exempted       INTEGER NOT NULL,
    computed_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX resource_status_by_criticality ON resource_status (criticality, resource_id);
CREATE INDEX resource_status_by_compliance ON resource_status (compliance, resource_id);

-- The kind and environment sorts walk these in order; they also cover what the two indexes
-- they replace served (counts by kind and environment of live resources read `deleted_at`).
DROP INDEX resources_by_kind;
DROP INDEX resources_by_environment;
CREATE INDEX resources_by_kind ON resources (kind, name_key, id, deleted_at);
CREATE INDEX resources_by_environment ON resources (environment_id, name_key, id, deleted_at);

-- A maker's own resources include those they created (bulk loads defer it like the
-- `resources` indexes, see bulk.rs).
CREATE INDEX resource_details_by_creator ON resource_details (created_by) WHERE created_by IS NOT NULL;

-- The department filter (resources of any owner in a department, makers of a department).
CREATE INDEX principals_by_department ON principals (department_key);

-- "Used since" and the last-used sort start from the most recent uses.
CREATE INDEX usage_spans_by_last_day ON usage_spans (last_day, resource_id);

-- The lifecycle stage filter (the stage of a resource's catalog item).
CREATE INDEX catalog_items_by_stage ON catalog_items (stage, resource_id);
