-- Inventory filters: the status every compliance run leaves per evaluated resource, and the
-- indexes that keep the filtered and sorted resource lists from scanning the table.

-- Criticality and compliance are computed (steward-responsibility, the live violations), so a
-- list cannot filter on them without this table; a compliance run writes the rows of the
-- resources it evaluated in its own transaction. No row: no run evaluated the resource yet.
CREATE TABLE resource_status (
    resource_id    text COLLATE "C" PRIMARY KEY,
    criticality    text COLLATE "C",
    service_level  text,
    compliance     text COLLATE "C" NOT NULL,
    open_must      bigint NOT NULL,
    open_should    bigint NOT NULL,
    open_could     bigint NOT NULL,
    exempted       bigint NOT NULL,
    computed_at    timestamptz NOT NULL
);
CREATE INDEX resource_status_criticality ON resource_status (criticality, resource_id);
CREATE INDEX resource_status_compliance ON resource_status (compliance, resource_id);

-- The kind and environment sorts walk these in order.
CREATE INDEX resources_kind_name ON resources (kind, name_key, id);
CREATE INDEX resources_environment_name ON resources (environment_id, name_key, id);

-- A maker's own resources include those they created.
CREATE INDEX resources_created_by ON resources (created_by) WHERE created_by IS NOT NULL;

-- The department filter (resources of any owner in a department, makers of a department).
CREATE INDEX principals_department ON principals (department_key);

-- "Used since" and the last-used sort start from the most recent uses.
CREATE INDEX usage_spans_last_day ON usage_spans (last_day, resource_id);

-- The lifecycle stage filter (the stage of a resource's catalog item).
CREATE INDEX catalog_items_stage ON catalog_items (stage, resource_id);
