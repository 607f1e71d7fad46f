-- Success detection: the board's versioned rule sets, what the rules found, and every review
-- decision. Days are days since 1970-01-01, as in the usage tables.

CREATE TABLE success_rule_sets (
    version     integer PRIMARY KEY,
    rules_toml  text NOT NULL,
    saved_by    text NOT NULL,
    saved_at    timestamptz NOT NULL,
    active      boolean NOT NULL DEFAULT false
);

-- One row per tenant, resource and rule: re-detection refreshes the row, never the state.
CREATE TABLE success_detections (
    id                 bigserial PRIMARY KEY,
    tenant_id          text NOT NULL,
    resource_id        text NOT NULL,
    rule_id            text NOT NULL,
    kind               text,
    rule_version       integer NOT NULL,
    state              text NOT NULL DEFAULT 'new',
    state_by           text,
    state_at           timestamptz,
    note               text,
    first_detected_at  timestamptz NOT NULL,
    last_detected_at   timestamptz NOT NULL,
    active             boolean NOT NULL,
    window_from        integer NOT NULL,
    window_to          integer NOT NULL,
    figures            jsonb NOT NULL,
    UNIQUE (tenant_id, resource_id, rule_id)
);

CREATE INDEX success_detections_by_state ON success_detections (state, active);

CREATE TABLE success_detection_history (
    seq           bigserial PRIMARY KEY,
    detection_id  bigint NOT NULL REFERENCES success_detections (id),
    from_state    text,
    to_state      text NOT NULL,
    changed_by    text NOT NULL,
    changed_at    timestamptz NOT NULL,
    note          text
);

CREATE INDEX success_detection_history_by_detection ON success_detection_history (detection_id, seq);
