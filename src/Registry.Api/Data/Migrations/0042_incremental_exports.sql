-- Incremental exports (GET /cases/export?since=, GET /fhir/$export-bundles?since=; Exports/ChangeFeed) ask which
-- versions were written by transactions the cursor's snapshot could not see:
--   recorded_by >= pg_snapshot_xmin(cursor) AND NOT pg_visible_in_snapshot(recorded_by, cursor)
-- The first condition is this index's range: the versions written since the oldest transaction then in progress,
-- not the whole history.
CREATE INDEX case_versions_recorded_by ON case_versions (recorded_by);

-- A deletion whose tombstone replaces a version row (ON CONFLICT) is the deleting transaction's write: stamp it with
-- that transaction, or an incremental export whose cursor already saw the replaced row would never see the deletion.
CREATE OR REPLACE FUNCTION case_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_versions (case_id, version, hospital_id, deleted, snapshot)
  VALUES (OLD.id, OLD.version + 1, OLD.hospital_id, true, NULL)
  ON CONFLICT (case_id, version) DO UPDATE
    SET deleted = true, snapshot = NULL, recorded_at = now(), recorded_by = pg_current_xact_id();
  RETURN NULL;
END
$$;
