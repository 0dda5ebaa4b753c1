/**
 * The officers table, appended to the store's migration list (store/migrations.ts) so it is versioned with
 * the rest of the schema. Sessions are deliberately NOT stored: they live in memory and end when the
 * appliance restarts (a power cut signs everyone out, which is what a shared counter PC should do).
 */
export const OFFICERS_MIGRATION_NAME = 'officers';

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
