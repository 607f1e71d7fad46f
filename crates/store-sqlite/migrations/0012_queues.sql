-- Review queues: exemption requests, decided by an admin of the subject's environment.
-- Times are milliseconds since the Unix epoch.

CREATE TABLE exemption_requests (
    id              INTEGER PRIMARY KEY,
    policy_id       TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    environment_id  TEXT NOT NULL,
    reason          TEXT NOT NULL,
    requested_by    TEXT NOT NULL,
    requested_at    INTEGER NOT NULL,
    expires_at      INTEGER,
    state           TEXT NOT NULL,
    decided_by      TEXT,
    decided_at      INTEGER,
    decision_note   TEXT,
    exemption_id    INTEGER REFERENCES exemptions (id)
);

-- One open request per policy and subject, whatever the writers do.
CREATE UNIQUE INDEX exemption_requests_open ON exemption_requests (policy_id, subject_id)
    WHERE state = 'requested';
-- The queues read the open requests of some environments.
CREATE INDEX exemption_requests_by_state ON exemption_requests (state, environment_id);
CREATE INDEX exemption_requests_by_requester ON exemption_requests (requested_by);
