-- Time to improvement needs each case's final assessment day (a case that never improved is censored there), which
-- cases_analytics did not carry: a filtered Kaplan–Meier read the heap. With it included, the filtered analyses are
-- all index-only scans. Measured at 1,000,002 cases (docs/performance.md, 2026-12-07): time-to-improvement
-- ?sex=female&minAge=40&maxAge=60 went from a sequential scan (2.77 s) to an index-only scan (1.27 s), load average 25.
-- The index is rebuilt without CONCURRENTLY (migrations run in a transaction): writes to cases wait for it, about
-- 4 s per million cases here.
DROP INDEX cases_analytics;
CREATE INDEX cases_analytics ON cases (presentation_date_start)
  INCLUDE (hospital_id, age_at_presentation, affected_side, etiology, patient_sex, final_outcome_status,
           first_improvement_day, final_outcome_day, drug_combination);
