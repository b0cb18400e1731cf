-- Analytics at a million cases, and a clear mark on synthetic (generated) data.

-- Hospitals created by the synthetic-data generator (tests/Registry.Load) carry synthetic = true, and so do
-- all their patients and cases by way of hospital_id. Real hospitals never do: the API has no way to set it.
ALTER TABLE hospitals ADD COLUMN synthetic boolean NOT NULL DEFAULT false;

-- A summary column: the case's distinct drug codes, sorted. Kept by a trigger on medications (like the final
-- outcome columns are kept from outcomes), so analytics count drug x outcome from one row per case instead
-- of joining and de-duplicating medications. It is also the case's drug combination.
ALTER TABLE cases ADD COLUMN drugs text[] NOT NULL DEFAULT '{}';

UPDATE cases c SET drugs = ARRAY(SELECT DISTINCT m.drug FROM medications m WHERE m.case_id = c.id ORDER BY 1)
WHERE EXISTS (SELECT 1 FROM medications m WHERE m.case_id = c.id);

CREATE FUNCTION refresh_case_drugs(target uuid) RETURNS void
LANGUAGE sql AS $$
  UPDATE cases c SET drugs = d.drugs
  FROM (SELECT ARRAY(SELECT DISTINCT m.drug FROM medications m WHERE m.case_id = target ORDER BY 1) AS drugs) d
  WHERE c.id = target AND c.drugs IS DISTINCT FROM d.drugs
$$;

CREATE FUNCTION medications_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM refresh_case_drugs(OLD.case_id); END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (NEW.case_id <> OLD.case_id OR NEW.drug <> OLD.drug)) THEN
    PERFORM refresh_case_drugs(NEW.case_id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER medications_refresh_case AFTER INSERT OR UPDATE OR DELETE ON medications
FOR EACH ROW EXECUTE FUNCTION medications_changed();

-- Covering index for the analytics: every column the GET /cases filters (except sex) and the drug/outcome
-- aggregates read, so outcomes-by-drug, -by-combination and the summary are index-only scans once the table
-- is vacuumed, instead of reading whole case rows.
CREATE INDEX cases_analytics ON cases (presentation_date_start)
  INCLUDE (hospital_id, age_at_presentation, affected_side, etiology, final_outcome_status, first_improvement_day, drugs, patient_id);

-- The drug filter and per-drug counts through the summary column.
CREATE INDEX cases_drugs ON cases USING gin (drugs);
