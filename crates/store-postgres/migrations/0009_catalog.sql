-- The app catalog: items with their metadata, maturity stage and publication state, the history
-- of every stage move and publication step, ratings, reviews and access requests.

-- One catalog-wide change counter. Every write to an item takes the next number first thing in
-- its transaction; the row lock is held until commit, so numbers become visible in order and a
-- search index following the catalog by change number never skips one.
CREATE TABLE catalog_clock (
    id   integer PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL
);
INSERT INTO catalog_clock (id, seq) VALUES (1, 0);

CREATE TABLE catalog_items (
    id                 bigserial PRIMARY KEY,
    seq                bigint NOT NULL,
    resource_id        text,
    kind               text NOT NULL,
    platform           text NOT NULL,
    title              text NOT NULL,
    summary            text NOT NULL,
    description        text NOT NULL,
    department         text,
    business_area      text,
    category           text,
    tags               text[] NOT NULL,
    owner              text,
    backup_owner       text,
    support_tier       text,
    documentation_url  text,
    screenshots        text[] NOT NULL,
    criticality        text,
    featured           boolean NOT NULL,
    hero               boolean NOT NULL,
    stage              text NOT NULL,
    state              text NOT NULL,
    created_at         timestamptz NOT NULL,
    created_by         text NOT NULL,
    updated_at         timestamptz NOT NULL,
    updated_by         text NOT NULL,
    -- Kept with the rating and review writes, so reads need no aggregate.
    rating_count       bigint NOT NULL DEFAULT 0,
    rating_sum         bigint NOT NULL DEFAULT 0,
    review_count       bigint NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX catalog_items_by_seq ON catalog_items (seq);
-- One item per inventory resource.
CREATE UNIQUE INDEX catalog_items_one_per_resource ON catalog_items (resource_id) WHERE resource_id IS NOT NULL;
CREATE INDEX catalog_items_by_state ON catalog_items (state, id);
CREATE INDEX catalog_items_by_owner ON catalog_items (owner);
CREATE INDEX catalog_items_by_backup_owner ON catalog_items (backup_owner);
CREATE INDEX catalog_items_by_creator ON catalog_items (created_by);

CREATE TABLE catalog_stage_events (
    seq         bigserial PRIMARY KEY,
    item_id     bigint NOT NULL REFERENCES catalog_items (id),
    from_stage  text,
    to_stage    text NOT NULL,
    actor       text NOT NULL,
    at          timestamptz NOT NULL,
    note        text
);
CREATE INDEX catalog_stage_events_by_item ON catalog_stage_events (item_id, seq);

CREATE TABLE catalog_publication_events (
    seq         bigserial PRIMARY KEY,
    item_id     bigint NOT NULL REFERENCES catalog_items (id),
    from_state  text,
    to_state    text NOT NULL,
    action      text NOT NULL,
    actor       text NOT NULL,
    at          timestamptz NOT NULL,
    note        text,
    checklist   jsonb NOT NULL
);
CREATE INDEX catalog_publication_events_by_item ON catalog_publication_events (item_id, seq);

CREATE TABLE catalog_ratings (
    item_id  bigint NOT NULL REFERENCES catalog_items (id),
    user_id  text NOT NULL,
    stars    integer NOT NULL CHECK (stars BETWEEN 1 AND 5),
    at       timestamptz NOT NULL,
    PRIMARY KEY (item_id, user_id)
);

CREATE TABLE catalog_reviews (
    id       bigserial PRIMARY KEY,
    item_id  bigint NOT NULL REFERENCES catalog_items (id),
    actor    text NOT NULL,
    text     text NOT NULL,
    at       timestamptz NOT NULL
);
CREATE INDEX catalog_reviews_by_item ON catalog_reviews (item_id, at);

CREATE TABLE catalog_access_requests (
    id             bigserial PRIMARY KEY,
    item_id        bigint NOT NULL REFERENCES catalog_items (id),
    requester      text NOT NULL,
    reason         text NOT NULL,
    state          text NOT NULL,
    requested_at   timestamptz NOT NULL,
    decided_by     text,
    decided_at     timestamptz,
    decision_note  text
);
-- One open request per user and item; of two racing requests the second does nothing.
CREATE UNIQUE INDEX catalog_access_one_open ON catalog_access_requests (item_id, requester) WHERE state = 'requested';
CREATE INDEX catalog_access_by_requester ON catalog_access_requests (requester);
