-- A case's summary columns (drugs, final outcome, first improvement day) have one authority: the writers, by the rules
-- of Cases/SummaryColumns. Whole-case writes fill them in before saving and the child routes refresh them, in the
-- transaction of the write, so the commit-time triggers of 0014/0021 only ever recomputed what was already there:
-- once per medication and outcome row written. Without them a bulk chunk stored 13% more cases per second, and
-- leaving the columns to the triggers alone halved it (each case row written again at commit); docs/performance.md.
-- 0043 dropped them already (it kept the summary in record_case_version instead); IF EXISTS keeps this step whole.
DROP TRIGGER IF EXISTS medications_refresh_case ON medications;
DROP TRIGGER IF EXISTS outcomes_refresh_case ON outcomes;
DROP FUNCTION IF EXISTS case_child_changed();

-- As 0043 (one lookup), without refreshing the summary before the snapshot: the writer has set it by then.
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
  INSERT INTO case_versions (case_id, version, hospital_id, recorded_at, snapshot)
  SELECT target, current_version, c.hospital_id, c.updated_at, case_snapshot(target) FROM cases c WHERE c.id = target;
END
$$;

DROP FUNCTION refresh_case_summary(uuid);
