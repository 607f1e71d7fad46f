-- Subscribed products (Microsoft Graph subscribedSkus) per tenant.
CREATE TABLE licenses (
    tenant_id          text COLLATE "C" NOT NULL,
    sku_id             text COLLATE "C" NOT NULL,
    sku_part_number    text COLLATE "C" NOT NULL,
    capability_status  text,
    enabled_units      bigint NOT NULL,
    consumed_units     bigint NOT NULL,
    service_plans      jsonb NOT NULL,
    content_hash       text COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, sku_id)
);

-- Who holds which product; a principal's rows are replaced as a set.
CREATE TABLE principal_licenses (
    principal_id  text COLLATE "C" NOT NULL,
    sku_id        text COLLATE "C" NOT NULL,
    PRIMARY KEY (principal_id, sku_id)
);
