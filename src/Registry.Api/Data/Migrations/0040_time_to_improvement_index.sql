-- Time to first improvement reads each case's last assessment day too (the censoring day of a case that never
-- improved): carried in the histogram index, so the Kaplan–Meier GROUP BY stays an index-only scan like the
-- outcome histogram it shares the index with.
DROP INDEX cases_outcome_histogram;
CREATE INDEX cases_outcome_histogram ON cases (drug_combination, final_outcome_status, first_improvement_day)
  INCLUDE (final_outcome_day);
