-- A case's summary columns (drugs, final outcome, first improvement) are refreshed once per case per transaction,
-- when it commits, instead of once per child row as it is written.
--
-- The row triggers of 0001 and 0010 updated the case row after every medication and outcome written: storing a
-- whole case with two drugs and two outcomes wrote the case row five times, and replacing one wrote it about ten
-- times, each a new row version in every index on cases (the summary columns are indexed, so no HOT update).
-- Deferred, every trigger runs at commit, when all children are in place; the first one for a case writes the
-- summary and the rest find nothing to change, since the UPDATE only matches when a value differs.

-- PL/pgSQL, not SQL: PostgreSQL plans a (not inlined) SQL function's statement on every call, and planning this
-- UPDATE of a table with a dozen indexes took ~1 ms, twenty times the work itself; PL/pgSQL keeps the plan.
CREATE FUNCTION refresh_case_summary(target uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE cases c SET
    drugs = s.drugs, final_outcome_status = s.status, final_outcome_day = s.day, first_improvement_day = s.improved
  FROM (
    SELECT
      ARRAY(SELECT DISTINCT m.drug FROM medications m WHERE m.case_id = target ORDER BY 1) AS drugs,
      latest.status, latest.day,
      (SELECT min(o.day) FROM outcomes o
       WHERE o.case_id = target AND o.status IN ('resolved', 'marked-improvement', 'improved')) AS improved
    FROM (SELECT) one
    -- The final outcome is the latest assessment by day (ties: the one recorded last), as in 0001.
    LEFT JOIN LATERAL (
      SELECT o.status, o.day FROM outcomes o WHERE o.case_id = target
      ORDER BY o.day DESC, o.created_at DESC, o.id DESC LIMIT 1) latest ON true
  ) s
  WHERE c.id = target
    AND (c.drugs, c.final_outcome_status, c.final_outcome_day, c.first_improvement_day)
        IS DISTINCT FROM (s.drugs, s.status, s.day, s.improved);
END
$$;

CREATE FUNCTION case_child_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM refresh_case_summary(OLD.case_id); END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.case_id <> OLD.case_id) THEN
    PERFORM refresh_case_summary(NEW.case_id);
  END IF;
  RETURN NULL;
END
$$;

-- Same names as before: the synthetic data generator disables and re-enables them by name.
DROP TRIGGER medications_refresh_case ON medications;
DROP TRIGGER outcomes_refresh_case ON outcomes;
CREATE CONSTRAINT TRIGGER medications_refresh_case AFTER INSERT OR UPDATE OR DELETE ON medications
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION case_child_changed();
CREATE CONSTRAINT TRIGGER outcomes_refresh_case AFTER INSERT OR UPDATE OR DELETE ON outcomes
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION case_child_changed();

DROP FUNCTION medications_changed();
DROP FUNCTION outcomes_changed();
DROP FUNCTION refresh_case_drugs(uuid);
DROP FUNCTION refresh_case_outcome(uuid);
