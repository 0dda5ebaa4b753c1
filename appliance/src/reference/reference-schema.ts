/**
 * The appliance's copy of the central reference data (protocol/src/reference-tables.ts), appended
 * to the store's migrations (store/migrations.ts). Append-only like every migration: change it
 * with a new one, never edit it.
 *
 * - No foreign keys: the feed delivers changes in version order and filtered by scope, so a row
 *   may legitimately arrive before (or without) the row it names.
 * - Booleans are 0/1, text[] columns are JSON arrays, dates YYYY-MM-DD text.
 * - ref_sync_state is one row: the version applied, the feed epoch it belongs to, and the times
 *   the status route reports. It changes in the same transaction as the rows (apply.ts).
 */
import type { Migration } from '../store/migrations.ts';
export const REFERENCE_MIGRATION_NAME = 'reference-data';

export const referenceSchema = /* sql */ `
CREATE TABLE ref_provinces (
  code TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL
);

CREATE TABLE ref_districts (
  code          TEXT PRIMARY KEY NOT NULL,
  province_code TEXT NOT NULL,
  name          TEXT NOT NULL
);
CREATE INDEX ref_districts_by_province ON ref_districts (province_code, name);

CREATE TABLE ref_occupations (
  isco_code     TEXT PRIMARY KEY NOT NULL,
  title         TEXT NOT NULL,
  level         INTEGER NOT NULL,
  parent_code   TEXT,
  common_sector TEXT,
  common_rank   INTEGER
);
CREATE INDEX ref_occupations_common ON ref_occupations (common_rank) WHERE common_rank IS NOT NULL;

CREATE TABLE ref_offices (
  code                  TEXT PRIMARY KEY NOT NULL,
  name                  TEXT NOT NULL,
  province_code         TEXT NOT NULL,
  district_code         TEXT,
  destination_provinces TEXT NOT NULL CHECK (json_valid(destination_provinces))
);

CREATE TABLE ref_officers (
  officer_id   TEXT PRIMARY KEY NOT NULL,
  office_code  TEXT NOT NULL,
  display_name TEXT NOT NULL,
  role         TEXT NOT NULL,
  active       INTEGER NOT NULL CHECK (active IN (0, 1))
);

CREATE TABLE ref_employers (
  employer_id TEXT PRIMARY KEY NOT NULL,
  name        TEXT NOT NULL,
  country     TEXT NOT NULL,
  province    TEXT NOT NULL,
  town        TEXT,
  sector      TEXT NOT NULL,
  demo        INTEGER NOT NULL CHECK (demo IN (0, 1))
);

CREATE TABLE ref_vacancies (
  vacancy_id           TEXT PRIMARY KEY NOT NULL,
  employer_id          TEXT NOT NULL,
  occupation_isco      TEXT NOT NULL,
  destination_province TEXT NOT NULL,
  title                TEXT,
  positions            INTEGER NOT NULL,
  opens_on             TEXT,
  closes_on            TEXT,
  status               TEXT NOT NULL,
  demo                 INTEGER NOT NULL CHECK (demo IN (0, 1))
);
CREATE INDEX ref_vacancies_by_employer ON ref_vacancies (employer_id, status);

CREATE TABLE ref_sync_state (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  version         INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
  epoch           TEXT,
  head_version    INTEGER NOT NULL DEFAULT 0,
  -- The last pull that reached the end of the feed ("complete").
  last_sync_at    TEXT,
  last_applied_at TEXT,
  last_attempt_at TEXT,
  -- Coded, non-personal reason of the last failed attempt; NULL after a success.
  last_error      TEXT
);
INSERT INTO ref_sync_state (id) VALUES (1);
`;

/** This module's migrations; `version` is the place in the appliance's one schema history (appliance/src/schema.ts). */
export const referenceMigrations: readonly Migration[] = [
  { version: 7, name: REFERENCE_MIGRATION_NAME, sql: referenceSchema },
];
