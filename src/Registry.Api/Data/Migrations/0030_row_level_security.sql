-- Tenancy is enforced by PostgreSQL: row-level security on every hospital-scoped table, enabled and forced (so
-- the owner is bound too; only a superuser or a BYPASSRLS role is not), and a role for the API that owns nothing.
--
-- The API calls registry_set_caller on every connection it opens (Security/CallerSettings.cs), saying who is calling:
--   registry.role      'admin' | 'analyst' | 'hospital'   (unset: nothing is visible)
--   registry.hospital  the hospital id of a hospital key
-- Npgsql resets a pooled connection's settings when it is returned (DISCARD ALL / RESET ALL), so a connection never
-- carries one request's caller into another; a path that forgot to set them sees nothing rather than everything.

-- Acts as registry_api (see below) for the rest of the session, on behalf of this caller. A procedure, so a batch can
-- start with it (a CALL returns no rows) and one parameterised statement serves every caller.
CREATE PROCEDURE registry_set_caller(caller_role text, caller_hospital uuid)
LANGUAGE sql AS $$
  SELECT set_config('role', 'registry_api', false),
         set_config('registry.role', caller_role, false),
         set_config('registry.hospital', coalesce(caller_hospital::text, ''), false)
$$;

CREATE FUNCTION registry_caller_role() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT current_setting('registry.role', true) $$;

CREATE FUNCTION registry_caller_hospital() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT nullif(current_setting('registry.hospital', true), '')::uuid $$;

-- May the caller read rows of this hospital? Admins and analysts read every hospital's (analysts' redaction is the
-- API's: Security/Visibility.cs); a hospital key reads its own. Plain SQL, so the planner inlines it into each query.
CREATE FUNCTION registry_may_read(hospital uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT registry_caller_role() IN ('admin', 'analyst') OR hospital = registry_caller_hospital()
$$;

-- May the caller write rows of this hospital? Admins any; a hospital key its own; analysts none.
CREATE FUNCTION registry_may_write(hospital uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT registry_caller_role() = 'admin' OR hospital = registry_caller_hospital()
$$;

-- Puts a table with a hospital_id column under the tenancy policies. A new hospital-scoped table needs this one
-- call (and its grants to registry_api below).
CREATE FUNCTION registry_scope_to_hospital(target regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  EXECUTE format('CREATE POLICY hospital_read ON %s FOR SELECT USING (registry_may_read(hospital_id))', target);
  EXECUTE format('CREATE POLICY hospital_insert ON %s FOR INSERT WITH CHECK (registry_may_write(hospital_id))', target);
  EXECUTE format('CREATE POLICY hospital_update ON %s FOR UPDATE USING (registry_may_write(hospital_id)) WITH CHECK (registry_may_write(hospital_id))', target);
  EXECUTE format('CREATE POLICY hospital_delete ON %s FOR DELETE USING (registry_may_write(hospital_id))', target);
END
$$;

SELECT registry_scope_to_hospital(t) FROM unnest(ARRAY['patients', 'cases', 'diagnostics', 'medications', 'outcomes']::regclass[]) t;

-- The audit trail: a hospital reads its own rows; any caller appends rows stamped with its own hospital (admins,
-- analysts and the service itself have none). There is no UPDATE or DELETE policy, and the API holds no such grant.
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY hospital_read ON audit_log FOR SELECT USING (registry_may_read(hospital_id));
CREATE POLICY caller_append ON audit_log FOR INSERT WITH CHECK (
  registry_caller_role() = 'admin'
  OR (registry_caller_role() IN ('analyst', 'hospital') AND hospital_id IS NOT DISTINCT FROM registry_caller_hospital()));

-- The role the API's requests run as: it owns nothing, is no superuser and cannot bypass RLS. Deployments create it
-- with LOGIN and a password beforehand (run.sh, docker-compose, the test fixture); a superuser connection is
-- downgraded to it with SET ROLE on every connection (README, Security model).
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'registry_api') THEN
    CREATE ROLE registry_api NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM registry_api;
GRANT USAGE ON SCHEMA public TO registry_api;
GRANT SELECT, INSERT, UPDATE, DELETE
  ON hospitals, patients, cases, diagnostics, medications, outcomes, drugs, api_keys, idempotent_requests
  TO registry_api;
-- Only appended to by the triggers and the seed loader; read by both.
GRANT SELECT, INSERT ON drug_combinations, seed_history TO registry_api;
-- Append-only for the API: no UPDATE, DELETE or TRUNCATE; SELECT for GET /audit and for INSERT ... RETURNING.
GRANT SELECT, INSERT ON audit_log TO registry_api;
-- GET /health/ready asks for it.
GRANT SELECT ON schema_migrations TO registry_api;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO registry_api;
