-- Campaigns: what Steward asked people to do, and the audit trail of every answer and step.

CREATE TABLE campaigns (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL,
    title       text NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    -- The [campaigns] configuration the campaign runs with.
    config      jsonb NOT NULL,
    state       text NOT NULL DEFAULT 'open',
    closed_by   text,
    closed_at   timestamptz
);

CREATE TABLE campaign_tasks (
    id              bigserial PRIMARY KEY,
    campaign_id     bigint NOT NULL REFERENCES campaigns (id),
    tenant_id       text NOT NULL,
    kind            text NOT NULL,
    resource_id     text NOT NULL,
    environment_id  text NOT NULL,
    assignee        text NOT NULL,
    state           text NOT NULL,
    open            boolean NOT NULL,
    due_at          timestamptz,
    opened_at       timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    data            jsonb NOT NULL
);

-- At most one open task per kind and resource, whatever campaign holds it; concurrent
-- inserts of the same task wait for each other and the second does nothing.
CREATE UNIQUE INDEX campaign_tasks_one_open ON campaign_tasks (kind, resource_id) WHERE open;
CREATE INDEX campaign_tasks_by_campaign ON campaign_tasks (campaign_id, open);
CREATE INDEX campaign_tasks_by_assignee ON campaign_tasks (assignee, open);
CREATE INDEX campaign_tasks_by_resource ON campaign_tasks (resource_id);
CREATE INDEX campaign_tasks_due ON campaign_tasks (due_at) WHERE open;

CREATE TABLE campaign_events (
    seq         bigserial PRIMARY KEY,
    task_id     bigint NOT NULL REFERENCES campaign_tasks (id),
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    from_state  text,
    to_state    text NOT NULL,
    action      text NOT NULL,
    note        text
);

CREATE INDEX campaign_events_by_task ON campaign_events (task_id, seq);
