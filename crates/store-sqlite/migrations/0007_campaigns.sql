-- Campaigns: what Steward asked people to do, and the audit trail of every answer and step.
-- Times are milliseconds since the Unix epoch; JSON is stored as text.

CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    -- The [campaigns] configuration the campaign runs with.
    config      TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open',
    closed_by   TEXT,
    closed_at   INTEGER
);

CREATE TABLE campaign_tasks (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns (id),
    tenant_id       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    resource_id     TEXT NOT NULL,
    environment_id  TEXT NOT NULL,
    assignee        TEXT NOT NULL,
    state           TEXT NOT NULL,
    open            INTEGER NOT NULL,
    due_at          INTEGER,
    opened_at       INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    data            TEXT NOT NULL
);

-- At most one open task per kind and resource, whatever campaign holds it.
CREATE UNIQUE INDEX campaign_tasks_one_open ON campaign_tasks (kind, resource_id) WHERE open = 1;
CREATE INDEX campaign_tasks_by_campaign ON campaign_tasks (campaign_id, open);
CREATE INDEX campaign_tasks_by_assignee ON campaign_tasks (assignee, open);
CREATE INDEX campaign_tasks_by_resource ON campaign_tasks (resource_id);
CREATE INDEX campaign_tasks_due ON campaign_tasks (due_at) WHERE open = 1;

CREATE TABLE campaign_events (
    seq         INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES campaign_tasks (id),
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    action      TEXT NOT NULL,
    note        TEXT
);

CREATE INDEX campaign_events_by_task ON campaign_events (task_id, seq);
