-- Accounts, sessions, API tokens and the audit trail. Only hashes of session cookies and
-- tokens are kept.

CREATE TABLE users (
    id            text PRIMARY KEY,
    username      text NOT NULL,
    display_name  text NOT NULL,
    email         text,
    role          text NOT NULL,
    -- For environment_admin: the environments administered.
    environments  text[] NOT NULL DEFAULT '{}',
    principal_id  text,
    password_hash text,
    oidc_issuer   text,
    oidc_subject  text,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

-- Usernames are unique whatever their case; sign-in looks them up the same way. The index
-- names are what a refused write reports (see src/auth.rs).
CREATE UNIQUE INDEX users_username ON users (lower(username));
CREATE UNIQUE INDEX users_oidc ON users (oidc_issuer, oidc_subject) WHERE oidc_issuer IS NOT NULL;

CREATE TABLE sessions (
    id_hash       text PRIMARY KEY,
    user_id       text NOT NULL REFERENCES users (id),
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL
);

CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id            text PRIMARY KEY,
    name          text NOT NULL,
    token_hash    text NOT NULL,
    user_id       text NOT NULL REFERENCES users (id),
    role          text NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id, created_at);

CREATE TABLE audit_log (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL,
    actor   text NOT NULL,
    action  text NOT NULL,
    target  text NOT NULL,
    before  jsonb,
    after   jsonb,
    via     text NOT NULL
);

-- Newest first by id is the primary key; these serve the filters.
CREATE INDEX audit_log_by_target ON audit_log (target, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor, id);
