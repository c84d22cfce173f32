CREATE TABLE cvm_users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE cvm_token_pairs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES cvm_users(id) ON DELETE CASCADE,
    public_hash  TEXT NOT NULL UNIQUE,
    private_hash TEXT NOT NULL,
    client_api   BOOLEAN NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE TABLE cvm_nodes (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    name      TEXT NOT NULL UNIQUE,
    reachable BOOLEAN NOT NULL
);
CREATE TABLE cvm_vpses (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id             INTEGER NOT NULL REFERENCES cvm_users(id) ON DELETE CASCADE,
    node_id             INTEGER NOT NULL REFERENCES cvm_nodes(id),
    virtualization_type INTEGER NOT NULL DEFAULT 1,
    hostname            TEXT NOT NULL,
    guaranteed_ram      BIGINT NOT NULL CHECK (guaranteed_ram >= 0),
    burstable_ram       BIGINT CHECK (burstable_ram >= 0),
    disk_space          BIGINT NOT NULL CHECK (disk_space >= 0),
    cpu_count           BIGINT NOT NULL CHECK (cpu_count >= 0),
    traffic_split       BOOLEAN NOT NULL,
    traffic_limit       BIGINT NOT NULL DEFAULT 0,
    traffic_used        BIGINT NOT NULL DEFAULT 0,
    traffic_in_limit    BIGINT NOT NULL DEFAULT 0,
    traffic_in_used     BIGINT NOT NULL DEFAULT 0,
    traffic_out_limit   BIGINT NOT NULL DEFAULT 0,
    traffic_out_used    BIGINT NOT NULL DEFAULT 0,
    ram_used            BIGINT NOT NULL DEFAULT 0,
    disk_used           BIGINT NOT NULL DEFAULT 0,
    status              TEXT NOT NULL CHECK (status IN ('running', 'stopped', 'suspended', 'terminated')),
    updated_at          BIGINT NOT NULL
);
CREATE INDEX cvm_vpses_user ON cvm_vpses (user_id, id);
