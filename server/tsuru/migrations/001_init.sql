-- tsuru: users, sessions, teams, platforms, healers, quotas, apps, services and instances.
-- Names are the keys, as in tsuru (its MongoDB documents used the name as _id). Rules that
-- must hold across replicas are constraints: unique keys for duplicates, and RESTRICT
-- foreign keys for "cannot remove while in use".
CREATE TABLE tsuru_users (
    email         TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE TABLE tsuru_tokens (
    hash       TEXT PRIMARY KEY,
    email      TEXT REFERENCES tsuru_users(email) ON DELETE CASCADE,
    app_name   TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX tsuru_tokens_email ON tsuru_tokens (email);
CREATE TABLE tsuru_password_tokens (
    hash       TEXT PRIMARY KEY,
    email      TEXT NOT NULL REFERENCES tsuru_users(email) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    used       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE tsuru_keys (
    email TEXT NOT NULL REFERENCES tsuru_users(email) ON DELETE CASCADE,
    pubkey TEXT NOT NULL,
    name  TEXT NOT NULL,
    PRIMARY KEY (email, pubkey)
);
CREATE TABLE tsuru_teams (
    name       TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);
CREATE TABLE tsuru_team_members (
    team  TEXT NOT NULL REFERENCES tsuru_teams(name) ON DELETE CASCADE,
    email TEXT NOT NULL REFERENCES tsuru_users(email) ON DELETE CASCADE,
    PRIMARY KEY (team, email)
);
CREATE INDEX tsuru_team_members_email ON tsuru_team_members (email);
CREATE TABLE tsuru_platforms (
    name     TEXT PRIMARY KEY,
    -- listing order: the order platforms were added, as tsuru's MongoDB listed them
    position BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE tsuru_healers (
    name     TEXT PRIMARY KEY,
    url      TEXT NOT NULL,
    runs     BIGINT NOT NULL DEFAULT 0,
    last_run BIGINT NOT NULL DEFAULT 0
);
-- One quota per owner; used counts the items and is changed only by conditional updates
-- (used < max_items), so concurrent allocations cannot overshoot. max_items < 0: unlimited.
CREATE TABLE tsuru_quotas (
    owner     TEXT PRIMARY KEY,
    max_items BIGINT NOT NULL,
    used      BIGINT NOT NULL DEFAULT 0 CHECK (used >= 0)
);
CREATE TABLE tsuru_quota_items (
    owner TEXT NOT NULL REFERENCES tsuru_quotas(owner) ON DELETE CASCADE,
    item  TEXT NOT NULL,
    PRIMARY KEY (owner, item)
);
CREATE TABLE tsuru_apps (
    name       TEXT PRIMARY KEY,
    platform   TEXT NOT NULL REFERENCES tsuru_platforms(name),
    repository TEXT NOT NULL,
    state      TEXT NOT NULL,
    ip         TEXT NOT NULL,
    owner      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
-- RESTRICT: a team with access to apps cannot be removed.
CREATE TABLE tsuru_app_teams (
    app  TEXT NOT NULL REFERENCES tsuru_apps(name) ON DELETE CASCADE,
    team TEXT NOT NULL REFERENCES tsuru_teams(name),
    PRIMARY KEY (app, team)
);
CREATE INDEX tsuru_app_teams_team ON tsuru_app_teams (team);
CREATE TABLE tsuru_units (
    app   TEXT NOT NULL REFERENCES tsuru_apps(name) ON DELETE CASCADE,
    seq   INTEGER NOT NULL,
    name  TEXT NOT NULL,
    ip    TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (app, seq)
);
-- instance is the service instance that exported a private variable ('' for user variables).
CREATE TABLE tsuru_app_env (
    app      TEXT NOT NULL REFERENCES tsuru_apps(name) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    value    TEXT NOT NULL,
    public   BOOLEAN NOT NULL,
    instance TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (app, name)
);
CREATE TABLE tsuru_services (
    name                TEXT PRIMARY KEY,
    endpoint_production TEXT NOT NULL,
    endpoint_test       TEXT NOT NULL DEFAULT '',
    doc                 TEXT NOT NULL DEFAULT '',
    restricted          BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          BIGINT NOT NULL
);
CREATE TABLE tsuru_service_owners (
    service TEXT NOT NULL REFERENCES tsuru_services(name) ON DELETE CASCADE,
    team    TEXT NOT NULL REFERENCES tsuru_teams(name) ON DELETE CASCADE,
    PRIMARY KEY (service, team)
);
CREATE TABLE tsuru_service_teams (
    service TEXT NOT NULL REFERENCES tsuru_services(name) ON DELETE CASCADE,
    team    TEXT NOT NULL REFERENCES tsuru_teams(name) ON DELETE CASCADE,
    PRIMARY KEY (service, team)
);
-- RESTRICT: a service with instances cannot be removed.
CREATE TABLE tsuru_instances (
    name       TEXT PRIMARY KEY,
    service    TEXT NOT NULL REFERENCES tsuru_services(name),
    created_at BIGINT NOT NULL
);
CREATE INDEX tsuru_instances_service ON tsuru_instances (service);
CREATE TABLE tsuru_instance_teams (
    instance TEXT NOT NULL REFERENCES tsuru_instances(name) ON DELETE CASCADE,
    team     TEXT NOT NULL REFERENCES tsuru_teams(name) ON DELETE CASCADE,
    PRIMARY KEY (instance, team)
);
-- RESTRICT on instance: a bound instance cannot be removed.
CREATE TABLE tsuru_instance_apps (
    instance TEXT NOT NULL REFERENCES tsuru_instances(name),
    app      TEXT NOT NULL REFERENCES tsuru_apps(name) ON DELETE CASCADE,
    PRIMARY KEY (instance, app)
);
