-- Review queues: exemption requests, decided by an admin of the subject's environment.

CREATE TABLE exemption_requests (
    id              bigserial PRIMARY KEY,
    policy_id       text NOT NULL,
    subject_id      text NOT NULL,
    environment_id  text NOT NULL,
    reason          text NOT NULL,
    requested_by    text NOT NULL,
    requested_at    timestamptz NOT NULL,
    expires_at      timestamptz,
    state           text NOT NULL,
    decided_by      text,
    decided_at      timestamptz,
    decision_note   text,
    exemption_id    bigint REFERENCES exemptions (id)
);

-- One open request per policy and subject, whatever the replicas do.
CREATE UNIQUE INDEX exemption_requests_open ON exemption_requests (policy_id, subject_id)
    WHERE state = 'requested';
-- The queues read the open requests of some environments.
CREATE INDEX exemption_requests_by_state ON exemption_requests (state, environment_id);
CREATE INDEX exemption_requests_by_requester ON exemption_requests (requested_by);
