-- API keys: only a SHA-256 hash of each key's secret is stored; the prefix identifies the key in logs
-- and lookups. A hospital key is bound to one hospital.
CREATE TABLE api_keys (
    id          uuid PRIMARY KEY,
    prefix      text NOT NULL UNIQUE CHECK (prefix ~ '^[a-z0-9]{6,32}$'),
    secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role        text NOT NULL CHECK (role IN ('admin', 'hospital', 'analyst')),
    hospital_id uuid REFERENCES hospitals (id) ON DELETE RESTRICT,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CONSTRAINT api_keys_hospital_role CHECK ((role = 'hospital') = (hospital_id IS NOT NULL))
);

-- Idempotent POSTs: the first response to (key, Idempotency-Key) is stored in the same transaction as
-- the write it reports, so a retry replays it and a crash leaves neither.
CREATE TABLE idempotent_requests (
    api_key_id      uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    request_hash    bytea NOT NULL,
    status          integer NOT NULL,
    location        text,
    body            bytea,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (api_key_id, idempotency_key)
);

-- Who did what, when: written in the same transaction as each change; never updated or deleted.
CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    request_id     text,
    api_key_id     uuid,
    role           text,
    hospital_id    uuid,
    action         text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'read')),
    resource       text NOT NULL,
    resource_id    text NOT NULL,
    version_before integer,
    version_after  integer
);
CREATE INDEX audit_log_resource ON audit_log (resource, resource_id, id);
CREATE INDEX audit_log_key ON audit_log (api_key_id, id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
