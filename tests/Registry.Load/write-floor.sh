#!/usr/bin/env bash
# PostgreSQL's CPU for the statements of one whole-case POST alone: the rows a synthetic POST of the mixed load stores
# (a patient, a case, a diagnostic, two medications, three outcomes and their eight audit rows), sent by pgbench as
# prepared statements in one pipelined round trip per transaction, as registry_admin. No lookups, no read-back, no
# pool reset, no API: what no change to the API's code can go below. Three variants on a copy of the database:
#   full                 - as the API writes today (version snapshot and summary at commit, audit rows);
#   no versions          - the *_versioned triggers disabled;
#   no versions, audit   - and no audit INSERT either.
#
#   tests/Registry.Load/write-floor.sh "host=127.0.0.1 port=57400 user=postgres dbname=mine" [seconds] [clients]
#
# The database is one the load tool generated (it needs a synthetic hospital); it is copied (CREATE DATABASE …
# TEMPLATE), so nobody may be connected to it, and the copy is dropped at the end. The user must be a superuser on a
# local cluster: the CPU is read from /proc for the postmaster and its children. Autovacuum is best off while it runs
# (ALTER SYSTEM SET autovacuum = off): a worker that ends mid-run moves its CPU out of the count.
set -euo pipefail
connection=$1; seconds=${2:-10}; clients=${3:-2}
pgbench=$(command -v pgbench || echo /usr/lib/postgresql/15/bin/pgbench)
copy=write_floor_$$
source_db=$(psql "$connection" -tAc "select current_database()")
psql "$connection" -qc "CREATE DATABASE $copy TEMPLATE $source_db"
work="$connection dbname=$copy"
scripts=$(mktemp -d)
trap 'rm -rf "$scripts"; psql "$connection" -qc "DROP DATABASE IF EXISTS $copy" || true' EXIT

hospital=$(psql "$work" -tAc "select id from hospitals where synthetic limit 1")
postmaster=$(psql "$work" -tAc "select pid from pg_stat_activity where backend_type = 'checkpointer'" | xargs -I{} awk '{ print $4 }' /proc/{}/stat)
case_id="('00000000-0000-7000-9000-' || lpad(:n::text, 12, '0'))::uuid"
patient_id="('00000000-0000-7000-8000-' || lpad(:n::text, 12, '0'))::uuid"
medication="INSERT INTO medications (adjustments, id, case_id, created_at, dose_amount, dose_unit, drug, end_day, ending, form, frequency, hospital_id, ordinal, product_name, purpose, route, setting, start_day, updated_at, version) VALUES ('[]', gen_random_uuid(), $case_id, now()"
outcome="INSERT INTO outcomes (id, case_id, created_at, day, hospital_id, method, notes, ordinal, recurrence, residual_findings, severity_scale, severity_score, status, updated_at, version) VALUES (gen_random_uuid(), $case_id, now()"
cat > "$scripts/full.sql" <<EOF
\set n random(1, 999999999999)
\startpipeline
BEGIN;
INSERT INTO patients (id, birth_year, created_at, hospital_id, pseudonym, sex, updated_at, version) VALUES ($patient_id, 1951, now(), '$hospital', 'floor-' || :n, 'female', now(), 1);
INSERT INTO cases (id, admission_date, affected_regions, affected_side, age_at_presentation, associated_symptoms, created_at, diagnosis_icd10, diagnosis_name, diagnosis_notes, diagnosis_snomed_ct, drugs, etiology, final_outcome_day, final_outcome_status, first_improvement_day, follow_up_days, history_notes, hospital_id, length_of_stay_days, notes, patient_id, present_during_sleep, presentation_date, prior_facial_palsy, prior_facial_palsy_months_before, source_case_id, supportive_care, symptom_duration_days, triggers, updated_at, version) VALUES ($case_id, '2019-09-02', '{eyelid,cheek,perioral,chin,neck}', 'right', 68, '{}', now(), 'G51.3', 'Hemifacial spasm', NULL, '13753008', '{botulinum-toxin-a,carbamazepine}', 'neurovascular-compression', 134, 'worsened', NULL, 134, NULL, '$hospital', NULL, 'SYNTHETIC', $patient_id, NULL, '2019-09-02', false, NULL, 'floor-' || :n, '{}', 665, '{fatigue,facial-expression}', now(), 1);
INSERT INTO diagnostics (measurements, id, case_id, created_at, day, findings, hospital_id, kind, ordinal, result, summary, updated_at, version) VALUES ('[]', gen_random_uuid(), $case_id, now(), 0, '{"hemifacial spasm"}', '$hospital', 'neurological-exam', 0, 'abnormal', NULL, now(), 1);
$medication, 25, '[iU]', 'botulinum-toxin-a', 30, 'completed', 'injection', 'once', '$hospital', 1, NULL, NULL, 'intramuscular', 'outpatient', 0, now(), 1);
$medication, 200, 'mg', 'carbamazepine', NULL, 'ongoing', 'tablet', 'twice daily', '$hospital', 0, NULL, NULL, 'oral', 'both', 0, now(), 1);
$outcome, 35, '$hospital', 'phone', NULL, 1, NULL, '{}', 'smc', 3, 'unchanged', now(), 1);
$outcome, 19, '$hospital', 'phone', NULL, 0, NULL, '{}', 'smc', 3, 'unchanged', now(), 1);
$outcome, 134, '$hospital', 'in-person', NULL, 2, NULL, '{}', 'smc', 4, 'worsened', now(), 1);
INSERT INTO audit_log (at, request_id, api_key_id, role, hospital_id, action, resource, resource_id, version_before, version_after) SELECT now(), 'floor', NULL, 'admin', NULL, 'create', r, $case_id::text, NULL, 1 FROM unnest('{patient,case,diagnostic,medication,medication,outcome,outcome,outcome}'::text[]) r;
COMMIT;
\endpipeline
EOF
grep -v 'INSERT INTO audit_log' "$scripts/full.sql" > "$scripts/no-audit.sql"

# CPU seconds of the postmaster's live children, then of the postmaster with the children it has reaped (in this order,
# so that a child reaped in between is counted twice rather than lost).
cpu() {
  local total=0 fields
  for p in $(pgrep -P "$postmaster") "$postmaster"; do
    fields=($(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null)) || continue
    [[ ${#fields[@]} -gt 14 ]] && total=$((total + fields[11] + fields[12] + fields[13] + fields[14]))
  done
  echo "$total"
}
run() {
  local label=$1 script=$2 before after output count
  sleep 2; before=$(cpu)
  output=$(PGOPTIONS="-c role=registry_admin" "$pgbench" "$work" -n -M prepared -c "$clients" -j "$clients" -T "$seconds" -f "$script" 2>&1)
  sleep 2; after=$(cpu)
  count=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<< "$output")
  grep -q 'number of failed transactions: 0 ' <<< "$output" || { echo "$label: pgbench failed:"; echo "$output" | tail -5; exit 1; }
  awk -v l="$label" -v c="$count" -v s="$seconds" -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%-22s %7d POSTs (%5.0f/s), PostgreSQL CPU per POST %.2f ms\n", l ":", c, c / s, t / hz * 1000 / c }'
}
versioned() { for t in cases diagnostics medications outcomes; do psql "$work" -qc "ALTER TABLE $t $1 TRIGGER ${t}_versioned"; done; }

run "full" "$scripts/full.sql"
versioned DISABLE
run "no versions" "$scripts/full.sql"
run "no versions, no audit" "$scripts/no-audit.sql"
