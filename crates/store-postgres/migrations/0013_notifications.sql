-- Notifications (issue #9): preferences, destinations, the delivery log, feedback answers,
-- maker skills and the makers the welcome job has seen.

CREATE TABLE notification_preferences (
    recipient   text NOT NULL,
    kind        text NOT NULL,
    channel     text NOT NULL,
    frequency   text NOT NULL,
    PRIMARY KEY (recipient, kind, channel)
);

-- An e-mail address, or the name of a webhook configured in steward.toml (never its URL).
CREATE TABLE notification_destinations (
    recipient   text NOT NULL,
    channel     text NOT NULL,
    address     text NOT NULL,
    PRIMARY KEY (recipient, channel)
);

CREATE TABLE deliveries (
    id               bigserial PRIMARY KEY,
    kind             text NOT NULL,
    recipient        text NOT NULL,
    channel          text NOT NULL,
    destination      text NOT NULL,
    idempotency_key  text NOT NULL,
    subject          text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    sent_at          timestamptz,
    next_attempt_at  timestamptz
);

-- A retried job never sends twice, whatever the replicas do: one delivery per message,
-- recipient and channel.
CREATE UNIQUE INDEX deliveries_once ON deliveries (idempotency_key, recipient, channel);
-- The sender reads what is due.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('queued', 'failed');
CREATE INDEX deliveries_by_status ON deliveries (status, id);

CREATE TABLE feedback (
    id        bigserial PRIMARY KEY,
    username  text NOT NULL,
    rating    smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    answered  boolean NOT NULL,
    comment   text,
    at        timestamptz NOT NULL
);
CREATE INDEX feedback_by_time ON feedback (at);

CREATE TABLE maker_skills (
    principal_id  text PRIMARY KEY,
    skills        jsonb NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE makers_seen (
    principal_id   text PRIMARY KEY,
    first_seen_at  timestamptz NOT NULL
);
