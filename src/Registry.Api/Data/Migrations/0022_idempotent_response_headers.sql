-- A replayed response carries the headers the first one had: its ETag (the version of what it created) and its
-- media type (a FHIR import answers application/fhir+json), besides the Location stored already.
ALTER TABLE idempotent_requests ADD COLUMN etag text, ADD COLUMN content_type text;
