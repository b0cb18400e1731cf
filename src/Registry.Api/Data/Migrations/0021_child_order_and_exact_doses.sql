-- Children come back in the order they were sent, and doses as they were sent.
--
-- Same-day diagnostics, medications and outcomes were ordered by created_at and id: a whole case's children share
-- one created_at, and their ids (UUIDv7 made within the same millisecond) are not in the order of the list, so the
-- same document came back in a different order each time. Each child now carries its position among its case's
-- children of that kind, set by every writer (the list's index; a child added later goes after the others), and
-- every reader orders by day, then ordinal.
ALTER TABLE diagnostics ADD COLUMN ordinal integer;
ALTER TABLE medications ADD COLUMN ordinal integer;
ALTER TABLE outcomes ADD COLUMN ordinal integer;

-- Existing rows keep the order GET /cases/{id} showed them in. Numbering them changes no case summary: the refresh
-- triggers are off meanwhile (otherwise they queue a refresh per row until commit).
ALTER TABLE medications DISABLE TRIGGER medications_refresh_case;
ALTER TABLE outcomes DISABLE TRIGGER outcomes_refresh_case;
UPDATE diagnostics d SET ordinal = n.ordinal
FROM (SELECT id, row_number() OVER (PARTITION BY case_id ORDER BY day NULLS LAST, created_at, id) - 1 AS ordinal FROM diagnostics) n
WHERE d.id = n.id;
UPDATE medications m SET ordinal = n.ordinal
FROM (SELECT id, row_number() OVER (PARTITION BY case_id ORDER BY start_day NULLS LAST, drug, id) - 1 AS ordinal FROM medications) n
WHERE m.id = n.id;
UPDATE outcomes o SET ordinal = n.ordinal
FROM (SELECT id, row_number() OVER (PARTITION BY case_id ORDER BY day, created_at, id) - 1 AS ordinal FROM outcomes) n
WHERE o.id = n.id;
ALTER TABLE medications ENABLE TRIGGER medications_refresh_case;
ALTER TABLE outcomes ENABLE TRIGGER outcomes_refresh_case;

-- No default: a writer that forgets the ordinal fails loudly instead of mixing the order again.
ALTER TABLE diagnostics ALTER COLUMN ordinal SET NOT NULL, ADD CONSTRAINT diagnostics_ordinal CHECK (ordinal >= 0);
ALTER TABLE medications ALTER COLUMN ordinal SET NOT NULL, ADD CONSTRAINT medications_ordinal CHECK (ordinal >= 0);
ALTER TABLE outcomes ALTER COLUMN ordinal SET NOT NULL, ADD CONSTRAINT outcomes_ordinal CHECK (ordinal >= 0);

-- The final outcome is the latest assessment by day; of several on that day, the last one in the case's list (the
-- highest ordinal: the last sent, or the last added). As 0014 otherwise.
CREATE OR REPLACE FUNCTION refresh_case_summary(target uuid) RETURNS void
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
    LEFT JOIN LATERAL (
      SELECT o.status, o.day FROM outcomes o WHERE o.case_id = target
      ORDER BY o.day DESC, o.ordinal DESC, o.id DESC LIMIT 1) latest ON true
  ) s
  WHERE c.id = target
    AND (c.drugs, c.final_outcome_status, c.final_outcome_day, c.first_improvement_day)
        IS DISTINCT FROM (s.drugs, s.status, s.day, s.improved);
END
$$;

-- numeric(12, 4) padded every dose to four decimals: 100 came back as 100.0000. Plain numeric keeps the scale it
-- was given; the bounds the old type implied (four decimals, under 10^8) stay as a check.
ALTER TABLE medications ALTER COLUMN dose_amount TYPE numeric USING trim_scale(dose_amount),
    ADD CONSTRAINT medications_dose_amount_precision CHECK (dose_amount = round(dose_amount, 4) AND dose_amount < 100000000);
