-- The app catalog: items with their metadata, maturity stage and publication state, the history
-- of every stage move and publication step, ratings, reviews and access requests.
-- Times are milliseconds since the Unix epoch; lists (tags, screenshots, checklists) are JSON text.

-- One catalog-wide change counter: every write to an item takes the next number, so a search
-- index can follow the catalog by change number (writes are serialised, so numbers commit in order).
CREATE TABLE catalog_clock (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL
);
INSERT INTO catalog_clock (id, seq) VALUES (1, 0);

CREATE TABLE catalog_items (
    id                 INTEGER PRIMARY KEY,
    seq                INTEGER NOT NULL,
    resource_id        TEXT,
    kind               TEXT NOT NULL,
    platform           TEXT NOT NULL,
    title              TEXT NOT NULL,
    summary            TEXT NOT NULL,
    description        TEXT NOT NULL,
    department         TEXT,
    business_area      TEXT,
    category           TEXT,
    tags               TEXT NOT NULL,
    owner              TEXT,
    backup_owner       TEXT,
    support_tier       TEXT,
    documentation_url  TEXT,
    screenshots        TEXT NOT NULL,
    criticality        TEXT,
    featured           INTEGER NOT NULL,
    hero               INTEGER NOT NULL,
    stage              TEXT NOT NULL,
    state              TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    created_by         TEXT NOT NULL,
    updated_at         INTEGER NOT NULL,
    updated_by         TEXT NOT NULL,
    -- Kept with the rating and review writes, so reads need no aggregate.
    rating_count       INTEGER NOT NULL DEFAULT 0,
    rating_sum         INTEGER NOT NULL DEFAULT 0,
    review_count       INTEGER NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX catalog_items_by_seq ON catalog_items (seq);
-- One item per inventory resource.
CREATE UNIQUE INDEX catalog_items_one_per_resource ON catalog_items (resource_id) WHERE resource_id IS NOT NULL;
CREATE INDEX catalog_items_by_state ON catalog_items (state, id);
CREATE INDEX catalog_items_by_owner ON catalog_items (owner);
CREATE INDEX catalog_items_by_backup_owner ON catalog_items (backup_owner);
CREATE INDEX catalog_items_by_creator ON catalog_items (created_by);

CREATE TABLE catalog_stage_events (
    seq         INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES catalog_items (id),
    from_stage  TEXT,
    to_stage    TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          INTEGER NOT NULL,
    note        TEXT
);
CREATE INDEX catalog_stage_events_by_item ON catalog_stage_events (item_id, seq);

CREATE TABLE catalog_publication_events (
    seq         INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES catalog_items (id),
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    action      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          INTEGER NOT NULL,
    note        TEXT,
    checklist   TEXT NOT NULL
);
CREATE INDEX catalog_publication_events_by_item ON catalog_publication_events (item_id, seq);

CREATE TABLE catalog_ratings (
    item_id  INTEGER NOT NULL REFERENCES catalog_items (id),
    user_id  TEXT NOT NULL,
    stars    INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    at       INTEGER NOT NULL,
    PRIMARY KEY (item_id, user_id)
);

CREATE TABLE catalog_reviews (
    id       INTEGER PRIMARY KEY,
    item_id  INTEGER NOT NULL REFERENCES catalog_items (id),
    actor    TEXT NOT NULL,
    text     TEXT NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX catalog_reviews_by_item ON catalog_reviews (item_id, at);

CREATE TABLE catalog_access_requests (
    id             INTEGER PRIMARY KEY,
    item_id        INTEGER NOT NULL REFERENCES catalog_items (id),
    requester      TEXT NOT NULL,
    reason         TEXT NOT NULL,
    state          TEXT NOT NULL,
    requested_at   INTEGER NOT NULL,
    decided_by     TEXT,
    decided_at     INTEGER,
    decision_note  TEXT
);
-- One open request per user and item.
CREATE UNIQUE INDEX catalog_access_one_open ON catalog_access_requests (item_id, requester) WHERE state = 'requested';
CREATE INDEX catalog_access_by_requester ON catalog_access_requests (requester);
