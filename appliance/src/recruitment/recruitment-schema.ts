/**
 * Recruitment at the counter (issue #17), appended to the appliance's schema history (appliance/src/schema.ts).
 * Append-only like every migration: change it with a new one, never edit it.
 *
 * 1. The reference mirror gains the columns and the table #17 adds to the feed (protocol/src/recruitment.ts
 *    EMPLOYER_TERM_COLUMNS, VACANCY_TERM_COLUMNS, RecruitmentOutcomeRow): the applier (reference/apply.ts) prepares
 *    an upsert over every column protocol/reference-tables.ts declares, so the columns exist before the
 *    declaration does. text[] columns hold JSON arrays, booleans 0/1, as in reference-schema.ts.
 * 2. The counter's own records: the migrant's work profile (experience, skills, where they would go), the
 *    candidacies (interest in a vacancy, with the terms as the migrant was shown them, for the slip) and the
 *    recruitment costs the migrant reports. ON DELETE CASCADE: the retention purge (store/outbox.ts purgeSent)
 *    takes them with the registration.
 * 3. recruitment_outbox: the events for the central (protocol/src/recruitment.ts RecruitmentEvent), one row each,
 *    written in the transaction of the record it reports. No foreign key to registrations: an event not yet
 *    acknowledged must outlive the registration's local retention.
 */
import type { Migration } from '../store/migrations.ts';

export const RECRUITMENT_MIGRATION_NAME = 'recruitment-counter';

export const recruitmentSchema = /* sql */ `
ALTER TABLE ref_employers ADD COLUMN sa_registration_no TEXT;
ALTER TABLE ref_employers ADD COLUMN contact_name TEXT;
ALTER TABLE ref_employers ADD COLUMN contact_phone TEXT;
ALTER TABLE ref_employers ADD COLUMN contact_email TEXT;
ALTER TABLE ref_employers ADD COLUMN compliance_status TEXT;

ALTER TABLE ref_vacancies ADD COLUMN workplace_district TEXT;
ALTER TABLE ref_vacancies ADD COLUMN wage_zar_cents INTEGER;
ALTER TABLE ref_vacancies ADD COLUMN wage_period TEXT;
ALTER TABLE ref_vacancies ADD COLUMN hours_per_week INTEGER;
ALTER TABLE ref_vacancies ADD COLUMN days_per_week INTEGER;
ALTER TABLE ref_vacancies ADD COLUMN contract_months INTEGER;
ALTER TABLE ref_vacancies ADD COLUMN accommodation TEXT;
ALTER TABLE ref_vacancies ADD COLUMN transport TEXT;
ALTER TABLE ref_vacancies ADD COLUMN start_date TEXT;
ALTER TABLE ref_vacancies ADD COLUMN recruitment_cost_payer TEXT;
ALTER TABLE ref_vacancies ADD COLUMN travel_cost_payer TEXT;
ALTER TABLE ref_vacancies ADD COLUMN min_age INTEGER;
ALTER TABLE ref_vacancies ADD COLUMN min_experience_seasons INTEGER;
ALTER TABLE ref_vacancies ADD COLUMN required_skills TEXT CHECK (required_skills IS NULL OR json_valid(required_skills));
ALTER TABLE ref_vacancies ADD COLUMN required_certificates TEXT CHECK (required_certificates IS NULL OR json_valid(required_certificates));
ALTER TABLE ref_vacancies ADD COLUMN terms_note TEXT;
ALTER TABLE ref_vacancies ADD COLUMN places_left INTEGER;
ALTER TABLE ref_vacancies ADD COLUMN flags TEXT CHECK (flags IS NULL OR json_valid(flags));
CREATE INDEX ref_vacancies_open ON ref_vacancies (occupation_isco) WHERE status = 'open';

CREATE TABLE ref_recruitment_outcomes (
  candidacy_id      TEXT PRIMARY KEY NOT NULL,
  registration_id   TEXT NOT NULL,
  vacancy_id        TEXT NOT NULL,
  office_code       TEXT NOT NULL,
  status            TEXT NOT NULL,
  status_on         TEXT NOT NULL,
  contract_flags    TEXT NOT NULL CHECK (json_valid(contract_flags)),
  contract_recorded INTEGER NOT NULL CHECK (contract_recorded IN (0, 1)),
  orientation_on    TEXT,
  departure_on      TEXT
);
CREATE INDEX ref_recruitment_outcomes_by_registration ON ref_recruitment_outcomes (registration_id);

CREATE TABLE recruitment_profiles (
  registration_id       TEXT PRIMARY KEY NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
  experience_seasons    INTEGER NOT NULL CHECK (experience_seasons BETWEEN 0 AND 40),
  skills                TEXT NOT NULL CHECK (json_valid(skills)),
  certificates          TEXT NOT NULL CHECK (json_valid(certificates)),
  destination_provinces TEXT NOT NULL CHECK (json_valid(destination_provinces)),
  destination_districts TEXT NOT NULL CHECK (json_valid(destination_districts)),
  updated_at            TEXT NOT NULL,
  updated_by            TEXT NOT NULL
);

CREATE TABLE recruitment_candidacies (
  candidacy_id    TEXT PRIMARY KEY NOT NULL CHECK (length(candidacy_id) = 36),
  registration_id TEXT NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
  vacancy_id      TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('candidate', 'withdrew')),
  -- The vacancy, its employer and terms as the migrant was shown them: the slip prints these.
  terms_json      TEXT NOT NULL CHECK (json_valid(terms_json)),
  -- Score and reasons of the match when the interest was recorded.
  match_json      TEXT CHECK (match_json IS NULL OR json_valid(match_json)),
  recorded_at     TEXT NOT NULL,
  recorded_by     TEXT NOT NULL,
  withdrawn_at    TEXT,
  UNIQUE (registration_id, vacancy_id)
);

CREATE TABLE recruitment_costs (
  cost_id         TEXT PRIMARY KEY NOT NULL CHECK (length(cost_id) = 36),
  registration_id TEXT NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
  vacancy_id      TEXT,
  amount_minor    INTEGER NOT NULL CHECK (amount_minor >= 0),
  currency        TEXT NOT NULL CHECK (length(currency) = 3),
  paid_to         TEXT NOT NULL,
  purpose         TEXT NOT NULL,
  paid_on         TEXT NOT NULL,
  protection_flag INTEGER NOT NULL CHECK (protection_flag IN (0, 1)),
  recorded_at     TEXT NOT NULL,
  recorded_by     TEXT NOT NULL
);
CREATE INDEX recruitment_costs_by_registration ON recruitment_costs (registration_id, recorded_at);

CREATE TABLE recruitment_outbox (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id        TEXT NOT NULL UNIQUE CHECK (length(event_id) = 36),
  kind            TEXT NOT NULL,
  registration_id TEXT NOT NULL,
  payload_json    TEXT NOT NULL CHECK (json_valid(payload_json)),
  created_at      TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  sent_at         TEXT,
  last_error      TEXT,
  -- Refused for good by the central (EVENT_INVALID, EVENT_CONFLICT, VACANCY_UNKNOWN…): never resent.
  rejected_at     TEXT,
  rejected_code   TEXT
);
CREATE INDEX recruitment_outbox_pending ON recruitment_outbox (seq) WHERE sent_at IS NULL AND rejected_at IS NULL;

-- Outcomes the counter has noticed (a slip to hand over, a message queued): one row per candidacy and status.
CREATE TABLE recruitment_outcome_notices (
  candidacy_id    TEXT NOT NULL,
  status          TEXT NOT NULL,
  registration_id TEXT NOT NULL,
  noticed_at      TEXT NOT NULL,
  slip_printed_at TEXT,
  PRIMARY KEY (candidacy_id, status)
);
`;

/** This module's migrations; `version` is the place in the appliance's one schema history (appliance/src/schema.ts). */
export const recruitmentMigrations: readonly Migration[] = [{ version: 13, name: RECRUITMENT_MIGRATION_NAME, sql: recruitmentSchema }];
