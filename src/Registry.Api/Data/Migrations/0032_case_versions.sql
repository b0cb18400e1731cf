-- Every version of a case is kept: each write stores the whole case as it was (its row and its diagnostics,
-- medications and outcomes as to_jsonb), in the transaction of the write, so no writer — EF, bulk COPY, the seed
-- loader, a child route — can change a case without leaving a version. A deletion leaves a tombstone (no snapshot)
-- one version above the last. GET /cases/{id}/versions and FHIR vread/_history read this table (Cases/CaseVersions).
CREATE TABLE case_versions (
    case_id     uuid NOT NULL,
    version     integer NOT NULL CHECK (version >= 1),
    hospital_id uuid NOT NULL,
    deleted     boolean NOT NULL DEFAULT false,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    -- The transaction that wrote it: a case is snapshotted once per transaction, however many of its rows changed.
    recorded_by xid8 NOT NULL DEFAULT pg_current_xact_id(),
    snapshot    jsonb CHECK (deleted = (snapshot IS NULL)),
    PRIMARY KEY (case_id, version)
);
CREATE INDEX case_versions_deleted ON case_versions (case_id) WHERE deleted;

CREATE FUNCTION case_snapshot(target uuid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'case', to_jsonb(c),
    'diagnostics', COALESCE((SELECT jsonb_agg(to_jsonb(d)) FROM diagnostics d WHERE d.case_id = c.id), '[]'),
    'medications', COALESCE((SELECT jsonb_agg(to_jsonb(m)) FROM medications m WHERE m.case_id = c.id), '[]'),
    'outcomes', COALESCE((SELECT jsonb_agg(to_jsonb(o)) FROM outcomes o WHERE o.case_id = c.id), '[]'))
  FROM cases c WHERE c.id = target
$$;

-- Runs at commit (deferred), when the case and all its children are in place. A write that changed only children
-- (the /medications, /outcomes, /diagnostics routes) changed what GET /cases/{id} returns, so it gives the case a new
-- version too: the version a snapshot carries is always the case's version (its ETag) at that time.
CREATE FUNCTION record_case_version(target uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  current_version integer;
  recorded xid8;
BEGIN
  SELECT version INTO current_version FROM cases WHERE id = target;
  IF NOT FOUND THEN RETURN; END IF; -- deleted in this transaction: its tombstone is written already
  SELECT recorded_by INTO recorded FROM case_versions WHERE case_id = target AND version = current_version;
  IF FOUND AND recorded = pg_current_xact_id() THEN RETURN; END IF;
  IF FOUND THEN
    UPDATE cases SET version = version + 1, updated_at = now() WHERE id = target RETURNING version INTO current_version;
  END IF;
  -- The summary columns (drugs, final outcome) are refreshed at commit too; make them current before the snapshot.
  PERFORM refresh_case_summary(target);
  INSERT INTO case_versions (case_id, version, hospital_id, recorded_at, snapshot)
  SELECT target, current_version, c.hospital_id, c.updated_at, case_snapshot(target) FROM cases c WHERE c.id = target;
END
$$;

CREATE FUNCTION case_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM record_case_version(NEW.id);
  RETURN NULL;
END
$$;

CREATE FUNCTION case_child_versioned() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM record_case_version(OLD.case_id); END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.case_id <> OLD.case_id) THEN PERFORM record_case_version(NEW.case_id); END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION case_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_versions (case_id, version, hospital_id, deleted, snapshot)
  VALUES (OLD.id, OLD.version + 1, OLD.hospital_id, true, NULL)
  ON CONFLICT (case_id, version) DO UPDATE SET deleted = true, snapshot = NULL, recorded_at = now();
  RETURN NULL;
END
$$;

-- Names the synthetic data generator (tests/Registry.Load) disables by, as it does the summary triggers.
CREATE CONSTRAINT TRIGGER cases_versioned AFTER INSERT OR UPDATE ON cases
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION case_changed();
CREATE CONSTRAINT TRIGGER diagnostics_versioned AFTER INSERT OR UPDATE OR DELETE ON diagnostics
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION case_child_versioned();
CREATE CONSTRAINT TRIGGER medications_versioned AFTER INSERT OR UPDATE OR DELETE ON medications
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION case_child_versioned();
CREATE CONSTRAINT TRIGGER outcomes_versioned AFTER INSERT OR UPDATE OR DELETE ON outcomes
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION case_child_versioned();
CREATE TRIGGER cases_deleted AFTER DELETE ON cases FOR EACH ROW EXECUTE FUNCTION case_deleted();

-- The cases stored before this migration start their history at the version they are at. Read as an admin caller:
-- cases is under row-level security (0030), which binds the owner too unless it is a superuser.
SELECT set_config('registry.role', 'admin', true);
INSERT INTO case_versions (case_id, version, hospital_id, recorded_at, snapshot)
SELECT c.id, c.version, c.hospital_id, c.updated_at, case_snapshot(c.id) FROM cases c;

-- Tenancy by row-level security like every hospital-scoped table (0030). The request role reads and appends versions
-- (the triggers run with the writer's rights); UPDATE only because a deletion's tombstone is an upsert (ON CONFLICT).
SELECT registry_scope_to_hospital('case_versions');
GRANT SELECT, INSERT, UPDATE ON case_versions TO registry_api;
