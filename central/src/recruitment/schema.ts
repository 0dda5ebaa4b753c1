/**
 * Recruitment and selection at the central (#17), migration 60 of db/migrations.ts (range 60–69).
 *
 * - ref_employers / ref_vacancies gain the term columns of protocol/src/recruitment.ts, appended in
 *   the order reference-tables.ts declares them (the feed test checks both agree).
 * - ref_recruitment_outcomes is the projection sent to the appliances of the office a candidacy was
 *   recorded at (reference scope 'office:<code>'): reference_scope() learns the table.
 * - recruitment_candidacies is the central's own record (outcome dates, the contract offered and its
 *   comparison, orientation, departure); every change also rewrites the outcome row in the same
 *   transaction (selection.ts).
 * - recruitment_events keeps every accepted appliance event by id (idempotency, conflict detection).
 * - recruitment_costs: payments reported by migrants; a payment to a recruiter or agent is a
 *   protection case until staff mark it followed up.
 * - recruitment_exchange_rates: ZAR per unit of a currency from a date (the 10.7.1 conversion).
 * - recruitment_audit: every staff change, who and when.
 */
export const RECRUITMENT_MIGRATION_VERSION = 60;
export const RECRUITMENT_MIGRATION_NAME = 'recruitment: vacancy terms, outcomes feed, candidacies, costs, rates, audit';

export const recruitmentSchema = /* sql */ `
  ALTER TABLE ref_employers
    ADD COLUMN sa_registration_no text CHECK (sa_registration_no ~ '^[0-9]{4}/[0-9]{6}/[0-9]{2}$'),
    ADD COLUMN contact_name       text,
    ADD COLUMN contact_phone      text,
    ADD COLUMN contact_email      text,
    ADD COLUMN compliance_status  text CHECK (compliance_status IN ('compliant', 'under_review', 'suspended'));

  ALTER TABLE ref_vacancies
    ADD COLUMN workplace_district     text,
    ADD COLUMN wage_zar_cents         integer CHECK (wage_zar_cents > 0),
    ADD COLUMN wage_period            text CHECK (wage_period IN ('hour', 'day', 'week', 'fortnight', 'month')),
    ADD COLUMN hours_per_week         integer CHECK (hours_per_week BETWEEN 1 AND 84),
    ADD COLUMN days_per_week          integer CHECK (days_per_week BETWEEN 1 AND 7),
    ADD COLUMN contract_months        integer CHECK (contract_months BETWEEN 1 AND 60),
    ADD COLUMN accommodation          text CHECK (accommodation IN ('provided_free', 'provided_deducted', 'not_provided')),
    ADD COLUMN transport              text CHECK (transport IN ('provided_free', 'provided_deducted', 'not_provided')),
    ADD COLUMN start_date             date,
    ADD COLUMN recruitment_cost_payer text CHECK (recruitment_cost_payer IN ('employer', 'worker', 'shared')),
    ADD COLUMN travel_cost_payer      text CHECK (travel_cost_payer IN ('employer', 'worker', 'shared')),
    ADD COLUMN min_age                integer CHECK (min_age >= 18),
    ADD COLUMN min_experience_seasons integer CHECK (min_experience_seasons >= 0),
    ADD COLUMN required_skills        text[],
    ADD COLUMN required_certificates  text[],
    ADD COLUMN terms_note             text,
    ADD COLUMN places_left            integer CHECK (places_left >= 0),
    ADD COLUMN flags                  text[];

  CREATE TABLE ref_recruitment_outcomes (
    candidacy_id      text PRIMARY KEY,
    registration_id   text NOT NULL,
    vacancy_id        text NOT NULL,
    office_code       text NOT NULL,
    status            text NOT NULL CHECK (status IN ('candidate', 'shortlisted', 'selected', 'not_selected', 'withdrew')),
    status_on         date NOT NULL,
    contract_flags    text[] NOT NULL DEFAULT '{}',
    contract_recorded boolean NOT NULL DEFAULT false,
    orientation_on    date,
    departure_on      date
  );
  CREATE TRIGGER ref_recruitment_outcomes_changes AFTER INSERT OR UPDATE OR DELETE ON ref_recruitment_outcomes
    FOR EACH ROW EXECUTE FUNCTION reference_record_change('recruitment_outcomes', 'candidacy_id');
  CREATE TRIGGER ref_recruitment_outcomes_no_truncate BEFORE TRUNCATE ON ref_recruitment_outcomes
    FOR EACH STATEMENT EXECUTE FUNCTION reference_no_truncate();

  CREATE OR REPLACE FUNCTION reference_scope(tbl text, r jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE tbl
      WHEN 'officers' THEN 'office:' || (r ->> 'office_code')
      WHEN 'recruitment_outcomes' THEN 'office:' || (r ->> 'office_code')
      WHEN 'vacancies' THEN 'destination:' || (r ->> 'destination_province')
      ELSE '*'
    END
  $$;

  CREATE TABLE recruitment_events (
    event_id     uuid PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('candidacy', 'candidacy-withdrawn', 'cost-report')),
    device_id    text NOT NULL,
    office_code  text NOT NULL,
    -- SHA-256 of the event's canonical JSON: a resend with other content under the same id is a conflict.
    content_hash text NOT NULL CHECK (length(content_hash) = 64),
    event        jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
  );

  CREATE TABLE recruitment_candidacies (
    candidacy_id         uuid PRIMARY KEY,
    registration_id      uuid NOT NULL,
    -- No foreign key: one would make TRUNCATE ref_vacancies fail before its no-truncate trigger explains
    -- why; ref_vacancies_keep_candidacies refuses the delete instead, with the same SQLSTATE.
    vacancy_id           text NOT NULL,
    office_code          text NOT NULL,
    device_id            text NOT NULL,
    officer_id           text NOT NULL,
    recorded_at          timestamptz NOT NULL,
    status               text NOT NULL DEFAULT 'candidate' CHECK (status IN ('candidate', 'shortlisted', 'selected', 'not_selected', 'withdrew')),
    status_on            date NOT NULL,
    shortlisted_on       date,
    selected_on          date,
    not_selected_on      date,
    withdrew_on          date,
    contract             jsonb,
    contract_recorded_on date,
    contract_flags       text[] NOT NULL DEFAULT '{}',
    orientation_on       date,
    departure_on         date,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (registration_id, vacancy_id)
  );
  CREATE INDEX recruitment_candidacies_vacancy ON recruitment_candidacies (vacancy_id, status);

  CREATE FUNCTION ref_vacancies_keep_candidacies() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM recruitment_candidacies WHERE vacancy_id = OLD.vacancy_id) THEN
      RAISE EXCEPTION 'vacancy % has candidacies: close it instead of deleting it', OLD.vacancy_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
  END
  $$;
  CREATE TRIGGER ref_vacancies_keep_candidacies BEFORE DELETE ON ref_vacancies
    FOR EACH ROW EXECUTE FUNCTION ref_vacancies_keep_candidacies();

  CREATE TABLE recruitment_costs (
    event_id        uuid PRIMARY KEY REFERENCES recruitment_events (event_id),
    registration_id uuid NOT NULL,
    vacancy_id      text,
    office_code     text NOT NULL,
    amount_minor    bigint NOT NULL CHECK (amount_minor >= 0),
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    paid_to         text NOT NULL CHECK (paid_to IN ('recruiter', 'agent', 'transport', 'documents', 'medical', 'other')),
    purpose         text NOT NULL,
    paid_on         date NOT NULL,
    recorded_at     timestamptz NOT NULL,
    officer_id      text NOT NULL,
    protection_flag boolean NOT NULL,
    followed_up_at  timestamptz,
    followed_up_by  text,
    follow_up_note  text
  );
  CREATE INDEX recruitment_costs_registration ON recruitment_costs (registration_id);
  CREATE INDEX recruitment_costs_open_flags ON recruitment_costs (recorded_at) WHERE protection_flag AND followed_up_at IS NULL;

  CREATE TABLE recruitment_exchange_rates (
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$' AND currency <> 'ZAR'),
    valid_from   date NOT NULL,
    zar_per_unit numeric(20, 8) NOT NULL CHECK (zar_per_unit > 0),
    source       text NOT NULL,
    PRIMARY KEY (currency, valid_from)
  );

  CREATE TABLE recruitment_audit (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor        text NOT NULL,
    action       text NOT NULL,
    candidacy_id uuid,
    vacancy_id   text,
    employer_id  text,
    detail       jsonb NOT NULL DEFAULT '{}'
  );
  CREATE INDEX recruitment_audit_candidacy ON recruitment_audit (candidacy_id, at);
`;
