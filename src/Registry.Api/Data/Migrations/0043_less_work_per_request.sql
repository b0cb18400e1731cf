-- Less database work per request. First: a case's summary columns are refreshed once per case per transaction, by the version it records (0032), instead
-- of once more for every medication and outcome row written.
--
-- Since case history (0032), every write of a medication or outcome fires two deferred triggers: *_refresh_case
-- (0014), which recomputes the summary (four subqueries) and finds nothing to change, and *_versioned, whose
-- record_case_version refreshes the summary itself before it takes the case's snapshot. A whole-case POST with two
-- drugs and three outcomes ran the summary five more times than needed, a PUT that replaces them ten more; in the
-- mixed load those calls were about a fifth of PostgreSQL's time in the write path (docs/performance.md,
-- "Group-committed read audits, and the summary once per version"). Every child write that fires *_refresh_case
-- fires *_versioned too (same tables, same events), so record_case_version alone keeps the summary current.
DROP TRIGGER medications_refresh_case ON medications;
DROP TRIGGER outcomes_refresh_case ON outcomes;
DROP FUNCTION case_child_changed();

-- Unchanged but for one lookup instead of two: the case's version and whether this transaction recorded it already.
-- It runs once per written row (a case and each of its children), and all but the first return here.
CREATE OR REPLACE FUNCTION record_case_version(target uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  current_version integer;
  recorded xid8;
BEGIN
  SELECT c.version, v.recorded_by INTO current_version, recorded
  FROM cases c LEFT JOIN case_versions v ON v.case_id = c.id AND v.version = c.version
  WHERE c.id = target;
  IF NOT FOUND THEN RETURN; END IF; -- deleted in this transaction: its tombstone is written already
  IF recorded = pg_current_xact_id() THEN RETURN; END IF;
  IF recorded IS NOT NULL THEN
    UPDATE cases SET version = version + 1, updated_at = now() WHERE id = target RETURNING version INTO current_version;
  END IF;
  -- The summary columns (drugs, final outcome) are refreshed at commit too; make them current before the snapshot.
  PERFORM refresh_case_summary(target);
  INSERT INTO case_versions (case_id, version, hospital_id, recorded_at, snapshot)
  SELECT target, current_version, c.hospital_id, c.updated_at, case_snapshot(target) FROM cases c WHERE c.id = target;
END
$$;

-- Every request calls registry_set_caller on each connection it takes from the pool (Data/CallerSettings). As a SQL
-- procedure its statement was parsed and planned on every call (PostgreSQL caches no plan for a non-inlined SQL
-- function), 0.08 ms of PostgreSQL's time per call in the mixed load, its single most expensive statement; PL/pgSQL
-- keeps the plan for the connection's life. Same settings, same order.
CREATE OR REPLACE PROCEDURE registry_set_caller(caller_role text, caller_hospital uuid)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('role', CASE caller_role
                               WHEN 'admin' THEN 'registry_admin'
                               WHEN 'analyst' THEN 'registry_analyst'
                               WHEN 'hospital' THEN 'registry_hospital'
                               ELSE 'registry_api' END, false),
          set_config('registry.role', caller_role, false),
          set_config('registry.hospital', coalesce(caller_hospital::text, ''), false);
END
$$;
