-- Measured at 1,000,000 cases (docs/performance.md): with the GIN index on cases.drugs the planner answered
-- GET /cases?drug=…&from=…&to=… with a bitmap scan of every case given the drug and a sort (155 ms) instead of
-- walking the page order's index and stopping after one page (~1 ms). The aggregates scan anyway; drop it.
DROP INDEX IF EXISTS cases_drugs;
