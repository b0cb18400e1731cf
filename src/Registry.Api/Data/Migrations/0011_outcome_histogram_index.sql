-- The outcome analytics group cases by (drug combination, final status, first-improvement day). This narrow
-- index holds exactly those keys, so the unfiltered reports read it in order with an index-only scan (about a
-- tenth of the pages of the cases table) and aggregate without hashing or sorting.
CREATE INDEX cases_outcome_histogram ON cases (drugs, final_outcome_status, first_improvement_day);
