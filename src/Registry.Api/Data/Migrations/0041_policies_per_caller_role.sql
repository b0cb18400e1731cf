-- Row-level security by database role: each kind of caller acts as a role of its own, and each policy names the role
-- it is for. Replaces 0030's one policy per command, which asked every row "is the caller an admin or an analyst,
-- or of this hospital?".
--
-- Why (measured at 100,000 cases, docs/performance.md, 2026-12-07): that question is a per-row OR of two settings
-- the planner cannot see through. It costs two current_setting calls per row scanned and is estimated to keep 1% of
-- the rows, so a custom plan for "GET /cases?sex=female&minAge=40&maxAge=60" looked dearer than the generic plan; after
-- five runs of the prepared statement PostgreSQL switched to the generic plan, which sorts 38,000 rows (0.9 -> 76 ms).
-- A policy for a role that does not apply is never added to the query, and USING (true) is folded away: an admin's or
-- analyst's query is planned exactly as without row-level security. A hospital's gets one equality on hospital_id,
-- with the hospital read once per query (an InitPlan), estimated from hospital_id's statistics.
--
--   registry_admin     reads and writes every hospital's rows
--   registry_analyst   reads every hospital's rows (the API redacts them: Security/Visibility.cs), writes none
--   registry_hospital  reads and writes the rows of registry.hospital
--
-- registry_api, the login, is a NOINHERIT member of the three: it may SET ROLE to each (registry_set_caller does), but
-- holds none of their policies itself, so a connection that names no caller still sees no hospital-scoped row.
-- Creating the roles needs CREATEROLE: a deployment whose owner lacks it creates them beforehand, as a superuser
-- (docker/initdb/10-registry-roles.sh does).
DO $$
DECLARE
  caller_role text;
BEGIN
  FOREACH caller_role IN ARRAY ARRAY['registry_admin', 'registry_analyst', 'registry_hospital'] LOOP
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = caller_role) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', caller_role);
    END IF;
    IF NOT pg_has_role('registry_api', caller_role, 'MEMBER') THEN
      EXECUTE format('GRANT %I TO registry_api', caller_role);
    END IF;
  END LOOP;
  IF (SELECT rolinherit FROM pg_roles WHERE rolname = 'registry_api') THEN
    ALTER ROLE registry_api NOINHERIT;
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  -- The statements in the message itself: start-up logs the message, not always the hint.
  RAISE EXCEPTION 'The roles registry_admin, registry_analyst and registry_hospital are missing, or registry_api is not a NOINHERIT member of them, and the migrating role may not fix that (%). Run once, as a superuser: CREATE ROLE registry_admin NOLOGIN; CREATE ROLE registry_analyst NOLOGIN; CREATE ROLE registry_hospital NOLOGIN; GRANT registry_admin, registry_analyst, registry_hospital TO registry_api; ALTER ROLE registry_api NOINHERIT; (docker/initdb/10-registry-roles.sh does this on a fresh volume)', SQLERRM;
END
$$;

-- The caller roles hold the grants registry_api was given (0030, 0032, 0034): those are what the requests need.
DO $$
DECLARE
  t regclass;
  privileges text;
BEGIN
  FOR t IN SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v') LOOP
    SELECT string_agg(p, ', ') INTO privileges
    FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p WHERE has_table_privilege('registry_api', t, p);
    IF privileges IS NOT NULL THEN
      EXECUTE format('GRANT %s ON %s TO registry_admin, registry_analyst, registry_hospital', privileges, t);
    END IF;
  END LOOP;
END
$$;
GRANT USAGE ON SCHEMA public TO registry_admin, registry_analyst, registry_hospital;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO registry_admin, registry_analyst, registry_hospital;

CREATE OR REPLACE PROCEDURE registry_set_caller(caller_role text, caller_hospital uuid)
LANGUAGE sql AS $$
  SELECT set_config('role', CASE caller_role
                              WHEN 'admin' THEN 'registry_admin'
                              WHEN 'analyst' THEN 'registry_analyst'
                              WHEN 'hospital' THEN 'registry_hospital'
                              ELSE 'registry_api' END, false),
         set_config('registry.role', caller_role, false),
         set_config('registry.hospital', coalesce(caller_hospital::text, ''), false)
$$;

-- Puts a table with a hospital_id column under the tenancy policies. A new hospital-scoped table needs this one call
-- and its grants to the three caller roles.
CREATE OR REPLACE FUNCTION registry_scope_to_hospital(target regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  old_policy text;
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  FOREACH old_policy IN ARRAY ARRAY['hospital_read', 'hospital_insert', 'hospital_update', 'hospital_delete'] LOOP
    EXECUTE format('DROP POLICY IF EXISTS %I ON %s', old_policy, target);
  END LOOP;
  EXECUTE format('CREATE POLICY admin_all ON %s TO registry_admin USING (true) WITH CHECK (true)', target);
  EXECUTE format('CREATE POLICY analyst_read ON %s FOR SELECT TO registry_analyst USING (true)', target);
  EXECUTE format('CREATE POLICY hospital_own ON %s TO registry_hospital '
                 'USING (hospital_id = (SELECT registry_caller_hospital())) '
                 'WITH CHECK (hospital_id = (SELECT registry_caller_hospital()))', target);
END
$$;

SELECT registry_scope_to_hospital(t)
FROM unnest(ARRAY['patients', 'cases', 'diagnostics', 'medications', 'outcomes', 'case_versions']::regclass[]) t;

-- The audit trail: read as the tables above; appended to by every caller, stamped with its own hospital (admins may
-- stamp any, analysts none). Still no UPDATE or DELETE policy, and no such grant.
DROP POLICY hospital_read ON audit_log;
DROP POLICY caller_append ON audit_log;
CREATE POLICY admin_read ON audit_log FOR SELECT TO registry_admin USING (true);
CREATE POLICY admin_append ON audit_log FOR INSERT TO registry_admin WITH CHECK (true);
CREATE POLICY analyst_read ON audit_log FOR SELECT TO registry_analyst USING (true);
CREATE POLICY analyst_append ON audit_log FOR INSERT TO registry_analyst WITH CHECK (hospital_id IS NULL);
CREATE POLICY hospital_read ON audit_log FOR SELECT TO registry_hospital
  USING (hospital_id = (SELECT registry_caller_hospital()));
CREATE POLICY hospital_append ON audit_log FOR INSERT TO registry_hospital
  WITH CHECK (hospital_id = (SELECT registry_caller_hospital()));

DROP FUNCTION registry_may_read(uuid);
DROP FUNCTION registry_may_write(uuid);
