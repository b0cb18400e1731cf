-- FHIR Bulk Data export jobs. A kick-off stores the job; a worker of any API instance claims it (FOR UPDATE SKIP
-- LOCKED, with a lease so a job whose instance died is claimed again) and records which cases match at its
-- transaction time. The NDJSON files are generated from that snapshot when downloaded, so nothing of size is
-- stored and an instance restart or another instance serves the same job.
CREATE TABLE bulk_export_jobs (
    id               uuid PRIMARY KEY,
    api_key_id       uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    hospital_id      uuid,
    request          text NOT NULL,
    types            text[] NOT NULL,
    since            timestamptz,
    status           text NOT NULL CHECK (status IN ('queued', 'running', 'complete', 'failed', 'cancelled')),
    progress         text,
    lease_until      timestamptz,
    transaction_time timestamptz,
    counts           jsonb,
    error            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL
);
CREATE INDEX bulk_export_jobs_pending ON bulk_export_jobs (created_at) WHERE status IN ('queued', 'running');

-- The cases a job exports, fixed at its transaction time; the flags mark the first case (by id) of each patient
-- and hospital, whose Patient and Organization the Patient and Organization files write once.
CREATE TABLE bulk_export_cases (
    job_id            uuid NOT NULL REFERENCES bulk_export_jobs (id) ON DELETE CASCADE,
    case_id           uuid NOT NULL,
    first_of_patient  boolean NOT NULL,
    first_of_hospital boolean NOT NULL,
    PRIMARY KEY (job_id, case_id)
);

-- The request role (migration 0030) keeps and reads jobs; they are found by the key that started them, not by row-level
-- security (they hold case ids, no clinical data; the files read the cases under it).
GRANT SELECT, INSERT, UPDATE, DELETE ON bulk_export_jobs, bulk_export_cases TO registry_api;
