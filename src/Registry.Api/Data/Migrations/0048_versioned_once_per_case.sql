-- A whole-case write changes the case row and about ten child rows. Each fires a deferred trigger at commit, and
-- each called record_case_version, which after the first call only found that this transaction had versioned the
-- case already. The call that versions a case (or finds it versioned) now names it in a transaction-local setting,
-- and the triggers skip their call while the setting names their case: rows of one case fire in a row. Same
-- versions as before: the setting ends with the transaction, and with a rolled-back savepoint like the row it stands
-- for. docs/performance.md, "Writes: one version call per case".
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
  IF recorded IS DISTINCT FROM pg_current_xact_id() THEN
    IF recorded IS NOT NULL THEN
      UPDATE cases SET version = version + 1, updated_at = now() WHERE id = target RETURNING version INTO current_version;
    END IF;
    INSERT INTO case_versions (case_id, version, hospital_id, recorded_at, snapshot)
    SELECT target, current_version, c.hospital_id, c.updated_at, case_snapshot(target) FROM cases c WHERE c.id = target;
  END IF;
  PERFORM set_config('registry.versioned_case', target::text, true);
END
$$;

CREATE OR REPLACE FUNCTION case_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id::text IS DISTINCT FROM current_setting('registry.versioned_case', true) THEN
    PERFORM record_case_version(NEW.id);
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION case_child_versioned() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  versioned text := current_setting('registry.versioned_case', true);
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.case_id::text IS DISTINCT FROM versioned THEN
    PERFORM record_case_version(OLD.case_id);
  END IF;
  IF (TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.case_id <> OLD.case_id))
     AND NEW.case_id::text IS DISTINCT FROM current_setting('registry.versioned_case', true) THEN
    PERFORM record_case_version(NEW.case_id);
  END IF;
  RETURN NULL;
END
$$;
