-- HFS Registry schema. Every table carries hospital_id so it can be distributed by hospital (Citus)
-- and every child references its parent through (id, hospital_id).

CREATE FUNCTION is_partial_date(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT value ~ '^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$'
$$;

-- The first day a partial date can name: '2019' -> 2019-01-01, '2019-04' -> 2019-04-01.
CREATE FUNCTION partial_date_start(value text) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT make_date(substr(value, 1, 4)::int,
                   coalesce(nullif(substr(value, 6, 2), '')::int, 1),
                   coalesce(nullif(substr(value, 9, 2), '')::int, 1))
$$;

CREATE TABLE hospitals (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    city        text CHECK (length(city) BETWEEN 1 AND 100),
    country     text CHECK (length(country) BETWEEN 1 AND 100),
    version     integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE patients (
    id          uuid PRIMARY KEY,
    hospital_id uuid NOT NULL REFERENCES hospitals (id) ON DELETE RESTRICT,
    pseudonym   text NOT NULL CHECK (length(pseudonym) BETWEEN 1 AND 100),
    sex         text NOT NULL CHECK (sex IN ('male', 'female', 'other', 'unknown')),
    birth_year  integer CHECK (birth_year BETWEEN 1900 AND 2100),
    version     integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT patients_pseudonym_per_hospital UNIQUE (hospital_id, pseudonym),
    CONSTRAINT patients_id_hospital UNIQUE (id, hospital_id)
);
CREATE INDEX patients_sex ON patients (sex);

CREATE TABLE drugs (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(code) <= 60),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    atc_code    text CHECK (atc_code ~ '^[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$'),
    drug_class  text NOT NULL CHECK (length(drug_class) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cases (
    id                               uuid PRIMARY KEY,
    hospital_id                      uuid NOT NULL REFERENCES hospitals (id) ON DELETE RESTRICT,
    patient_id                       uuid NOT NULL,
    source_case_id                   text CHECK (length(source_case_id) BETWEEN 1 AND 100),
    age_at_presentation              integer NOT NULL CHECK (age_at_presentation BETWEEN 0 AND 120),
    presentation_date                text NOT NULL CHECK (is_partial_date(presentation_date)),
    presentation_date_start          date GENERATED ALWAYS AS (partial_date_start(presentation_date)) STORED,
    admission_date                   text CHECK (is_partial_date(admission_date)),
    length_of_stay_days              integer CHECK (length_of_stay_days BETWEEN 0 AND 36500),
    follow_up_days                   integer CHECK (follow_up_days BETWEEN 0 AND 36500),
    affected_side                    text NOT NULL CHECK (affected_side IN ('left', 'right', 'bilateral')),
    symptom_duration_days            integer CHECK (symptom_duration_days BETWEEN 0 AND 36500),
    affected_regions                 text[] NOT NULL DEFAULT '{}',
    triggers                         text[] NOT NULL DEFAULT '{}',
    present_during_sleep             boolean,
    associated_symptoms              text[] NOT NULL DEFAULT '{}',
    prior_facial_palsy               boolean NOT NULL,
    prior_facial_palsy_months_before integer CHECK (prior_facial_palsy_months_before BETWEEN 0 AND 1440),
    history_notes                    text CHECK (length(history_notes) <= 4000),
    diagnosis_name                   text NOT NULL CHECK (length(diagnosis_name) BETWEEN 1 AND 200),
    diagnosis_icd10                  text NOT NULL CHECK (diagnosis_icd10 ~ '^[A-Z]\d{2}(\.\d{1,2})?$'),
    diagnosis_snomed_ct              text CHECK (diagnosis_snomed_ct ~ '^\d{6,18}$'),
    etiology                         text NOT NULL CHECK (etiology IN ('idiopathic', 'neurovascular-compression', 'post-inflammatory', 'secondary-other')),
    diagnosis_notes                  text CHECK (length(diagnosis_notes) <= 4000),
    supportive_care                  text[] NOT NULL DEFAULT '{}',
    notes                            text CHECK (length(notes) <= 4000),
    -- Derived from outcomes by trigger: the latest assessment's status, its day, and the first day improved or better.
    final_outcome_status             text,
    final_outcome_day                integer,
    first_improvement_day            integer,
    version                          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at                       timestamptz NOT NULL DEFAULT now(),
    updated_at                       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cases_patient FOREIGN KEY (patient_id, hospital_id) REFERENCES patients (id, hospital_id) ON DELETE CASCADE,
    CONSTRAINT cases_source_case_id_per_hospital UNIQUE (hospital_id, source_case_id),
    CONSTRAINT cases_id_hospital UNIQUE (id, hospital_id),
    CONSTRAINT cases_palsy_months_need_palsy CHECK (prior_facial_palsy OR prior_facial_palsy_months_before IS NULL)
);
-- One index per filter of GET /cases, and the keyset orders.
CREATE INDEX cases_patient ON cases (patient_id);
CREATE INDEX cases_hospital ON cases (hospital_id, created_at, id);
CREATE INDEX cases_created ON cases (created_at, id);
CREATE INDEX cases_presentation ON cases (presentation_date_start, id);
CREATE INDEX cases_age ON cases (age_at_presentation, id);
CREATE INDEX cases_side ON cases (affected_side);
CREATE INDEX cases_final_outcome ON cases (final_outcome_status);

CREATE TABLE diagnostics (
    id           uuid PRIMARY KEY,
    case_id      uuid NOT NULL,
    hospital_id  uuid NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('neurological-exam', 'ct-head', 'mri-brain', 'eeg', 'emg', 'vital-signs', 'lab', 'other')),
    day          integer CHECK (day BETWEEN 0 AND 36500),
    result       text NOT NULL CHECK (result IN ('normal', 'abnormal', 'inconclusive')),
    findings     text[] NOT NULL DEFAULT '{}',
    summary      text CHECK (length(summary) <= 4000),
    measurements jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(measurements) = 'array'),
    version      integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT diagnostics_case FOREIGN KEY (case_id, hospital_id) REFERENCES cases (id, hospital_id) ON DELETE CASCADE
);
CREATE INDEX diagnostics_case ON diagnostics (case_id);

CREATE TABLE medications (
    id           uuid PRIMARY KEY,
    case_id      uuid NOT NULL,
    hospital_id  uuid NOT NULL,
    drug         text NOT NULL REFERENCES drugs (code) ON DELETE RESTRICT,
    product_name text CHECK (length(product_name) <= 200),
    route        text NOT NULL CHECK (route IN ('oral', 'intravenous', 'intramuscular', 'subcutaneous', 'parenteral', 'topical', 'other')),
    form         text CHECK (length(form) <= 100),
    dose_amount  numeric(12, 4) CHECK (dose_amount > 0),
    dose_unit    text CHECK (length(dose_unit) BETWEEN 1 AND 30),
    frequency    text CHECK (length(frequency) <= 100),
    start_day    integer CHECK (start_day BETWEEN 0 AND 36500),
    end_day      integer CHECK (end_day BETWEEN 0 AND 36500),
    setting      text NOT NULL CHECK (setting IN ('inpatient', 'outpatient', 'both')),
    purpose      text CHECK (length(purpose) <= 500),
    adjustments  jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(adjustments) = 'array'),
    ending       text CHECK (ending IN ('completed', 'tapered', 'stopped', 'ongoing')),
    version      integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT medications_case FOREIGN KEY (case_id, hospital_id) REFERENCES cases (id, hospital_id) ON DELETE CASCADE,
    CONSTRAINT medications_dose_pair CHECK ((dose_amount IS NULL) = (dose_unit IS NULL)),
    CONSTRAINT medications_end_after_start CHECK (end_day IS NULL OR start_day IS NULL OR end_day >= start_day)
);
CREATE INDEX medications_case ON medications (case_id);
CREATE INDEX medications_drug_case ON medications (drug, case_id);

CREATE TABLE outcomes (
    id                uuid PRIMARY KEY,
    case_id           uuid NOT NULL,
    hospital_id       uuid NOT NULL,
    day               integer NOT NULL CHECK (day BETWEEN 0 AND 36500),
    method            text NOT NULL CHECK (method IN ('in-person', 'phone', 'record')),
    status            text NOT NULL CHECK (status IN ('resolved', 'marked-improvement', 'improved', 'unchanged', 'worsened')),
    severity_scale    text CHECK (severity_scale IN ('smc', 'jankovic', 'hfs-7', 'hfs-30', 'other')),
    severity_score    integer,
    recurrence        boolean,
    residual_findings text[] NOT NULL DEFAULT '{}',
    notes             text CHECK (length(notes) <= 4000),
    version           integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT outcomes_case FOREIGN KEY (case_id, hospital_id) REFERENCES cases (id, hospital_id) ON DELETE CASCADE,
    CONSTRAINT outcomes_severity_pair CHECK ((severity_scale IS NULL) = (severity_score IS NULL)),
    CONSTRAINT outcomes_severity_range CHECK (
        severity_scale IS NULL
        OR (severity_scale = 'smc' AND severity_score BETWEEN 1 AND 4)
        OR (severity_scale = 'jankovic' AND severity_score BETWEEN 0 AND 8)
        OR (severity_scale = 'hfs-7' AND severity_score BETWEEN 0 AND 28)
        OR (severity_scale = 'hfs-30' AND severity_score BETWEEN 0 AND 120)
        OR (severity_scale = 'other' AND severity_score >= 0))
);
CREATE INDEX outcomes_case_day ON outcomes (case_id, day);

-- A case's final outcome is its latest assessment by day (ties: the one recorded last).
CREATE FUNCTION refresh_case_outcome(target uuid) RETURNS void
LANGUAGE sql AS $$
  UPDATE cases SET
    (final_outcome_status, final_outcome_day) =
      (SELECT o.status, o.day FROM outcomes o WHERE o.case_id = target
       ORDER BY o.day DESC, o.created_at DESC, o.id DESC LIMIT 1),
    first_improvement_day =
      (SELECT min(o.day) FROM outcomes o
       WHERE o.case_id = target AND o.status IN ('resolved', 'marked-improvement', 'improved'))
  WHERE id = target
$$;

CREATE FUNCTION outcomes_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM refresh_case_outcome(OLD.case_id); END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.case_id <> OLD.case_id) THEN
    PERFORM refresh_case_outcome(NEW.case_id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER outcomes_refresh_case AFTER INSERT OR UPDATE OR DELETE ON outcomes
FOR EACH ROW EXECUTE FUNCTION outcomes_changed();
