-- A replayed response keeps its media type: FHIR imports answer application/fhir+json (transaction-response
-- Bundles and OperationOutcomes), which the replay used to send as problem+json or JSON with an empty body.
-- Null for rows stored before this column: those replay as before.
ALTER TABLE idempotent_requests ADD COLUMN content_type text;
