-- Notifications (issue #9): preferences, destinations, the delivery log, feedback answers,
-- maker skills and the makers the welcome job has seen. Times are milliseconds since the epoch.

CREATE TABLE notification_preferences (
    recipient   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    channel     TEXT NOT NULL,
    frequency   TEXT NOT NULL,
    PRIMARY KEY (recipient, kind, channel)
);

-- An e-mail address, or the name of a webhook configured in steward.toml (never its URL).
CREATE TABLE notification_destinations (
    recipient   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    address     TEXT NOT NULL,
    PRIMARY KEY (recipient, channel)
);

CREATE TABLE deliveries (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    channel          TEXT NOT NULL,
    destination      TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    subject          TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    sent_at          INTEGER,
    next_attempt_at  INTEGER
);

-- A retried job never sends twice: one delivery per message, recipient and channel.
CREATE UNIQUE INDEX deliveries_once ON deliveries (idempotency_key, recipient, channel);
-- The sender reads what is due.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('queued', 'failed');
CREATE INDEX deliveries_by_status ON deliveries (status, id);

CREATE TABLE feedback (
    id        INTEGER PRIMARY KEY,
    username  TEXT NOT NULL,
    rating    INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    answered  INTEGER NOT NULL,
    comment   TEXT,
    at        INTEGER NOT NULL
);
CREATE INDEX feedback_by_time ON feedback (at);

CREATE TABLE maker_skills (
    principal_id  TEXT PRIMARY KEY,
    skills        TEXT NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE makers_seen (
    principal_id   TEXT PRIMARY KEY,
    first_seen_at  INTEGER NOT NULL
);
