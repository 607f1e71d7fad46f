-- Success detection: the board's versioned rule sets, what the rules found, and every review
-- decision. Times are milliseconds since the Unix epoch; days are days since 1970-01-01.

CREATE TABLE success_rule_sets (
    version     INTEGER PRIMARY KEY,
    rules_toml  TEXT NOT NULL,
    saved_by    TEXT NOT NULL,
    saved_at    INTEGER NOT NULL,
    active      INTEGER NOT NULL DEFAULT 0
);

-- One row per tenant, resource and rule: re-detection refreshes the row, never the state.
CREATE TABLE success_detections (
    id                 INTEGER PRIMARY KEY,
    tenant_id          TEXT NOT NULL,
    resource_id        TEXT NOT NULL,
    rule_id            TEXT NOT NULL,
    kind               TEXT,
    rule_version       INTEGER NOT NULL,
    state              TEXT NOT NULL DEFAULT 'new',
    state_by           TEXT,
    state_at           INTEGER,
    note               TEXT,
    first_detected_at  INTEGER NOT NULL,
    last_detected_at   INTEGER NOT NULL,
    active             INTEGER NOT NULL,
    window_from        INTEGER NOT NULL,
    window_to          INTEGER NOT NULL,
    figures            TEXT NOT NULL,
    UNIQUE (tenant_id, resource_id, rule_id)
);

CREATE INDEX success_detections_by_state ON success_detections (state, active);

CREATE TABLE success_detection_history (
    seq           INTEGER PRIMARY KEY,
    detection_id  INTEGER NOT NULL REFERENCES success_detections (id),
    from_state    TEXT,
    to_state      TEXT NOT NULL,
    changed_by    TEXT NOT NULL,
    changed_at    INTEGER NOT NULL,
    note          TEXT
);

CREATE INDEX success_detection_history_by_detection ON success_detection_history (detection_id, seq);
