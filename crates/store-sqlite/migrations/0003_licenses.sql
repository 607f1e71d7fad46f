-- Subscribed products (Microsoft Graph subscribedSkus) per tenant.
CREATE TABLE licenses (
    tenant_id          TEXT NOT NULL,
    sku_id             TEXT NOT NULL,
    sku_part_number    TEXT NOT NULL,
    capability_status  TEXT,
    enabled_units      INTEGER NOT NULL,
    consumed_units     INTEGER NOT NULL,
    service_plans      TEXT NOT NULL,
    content_hash       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, sku_id)
) WITHOUT ROWID;

-- Who holds which product; a principal's rows are replaced as a set.
CREATE TABLE principal_licenses (
    principal_id  TEXT NOT NULL,
    sku_id        TEXT NOT NULL,
    PRIMARY KEY (principal_id, sku_id)
) WITHOUT ROWID;
