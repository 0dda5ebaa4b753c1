/**
 * The officers table, appended to the store's migration list (store/migrations.ts) so it is versioned with
 * the rest of the schema. Sessions are deliberately NOT stored: they live in memory and end when the
 * appliance restarts (a power cut signs everyone out, which is what a shared counter PC should do).
 */
import type { Migration } from '../store/migrations.ts';
export const OFFICERS_MIGRATION_NAME = 'officers';

/*
 * Lockout columns (authenticator.ts; the migration text below is applied history and stays as it was):
 * - failed_attempts: wrong PINs for the officer from ALL terminals since the last good sign-in, unlock or PIN
 *   change. Not reset by a lock: every `officerMaxAttempts` (default 20) locks officer-wide, each lock twice as
 *   long as the one before. It survives a restart; counted shortly before one, it counts at every terminal.
 * - locked_until: the officer-wide lock. The per-terminal lock (5 wrong PINs from one client address) is kept
 *   in memory, so that nobody can lock a supervisor out of the counter from another machine.
 */

export const officersSchema = /* sql */ `
CREATE TABLE officers (
  officer_id      TEXT PRIMARY KEY NOT NULL CHECK (length(officer_id) BETWEEN 1 AND 32),
  display_name    TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 80),
  role            TEXT NOT NULL CHECK (role IN ('officer', 'supervisor', 'technician')),
  -- argon2id PHC string; never the PIN.
  pin_hash        TEXT NOT NULL CHECK (pin_hash LIKE '$argon2id$%'),
  -- Lockout state is in the database, not memory: restarting the appliance must not reset it.
  failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  locked_until    TEXT,
  active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  last_sign_in_at TEXT
);
`;

/** This module's migrations; `version` is the place in the appliance's one schema history (appliance/src/schema.ts). */
export const officerMigrations: readonly Migration[] = [
  { version: 4, name: OFFICERS_MIGRATION_NAME, sql: officersSchema },
];
