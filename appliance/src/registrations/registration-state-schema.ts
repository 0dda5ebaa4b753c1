/**
 * The counter's working state of a registration (issue #14), appended to the store's migrations (store/migrations.ts).
 * Frozen once shipped: change it with a new migration.
 *
 * One row per registration, created on first use; nothing here is part of the finalized record:
 * - the one migrant language (consent text, receipt, slip);
 * - where the officer was (step, field) so a reload, crash or idle logout resumes there;
 * - the details typed so far (autosave; the full PUT /details still validates and saves them);
 * - the supervisor's approval of this registration's blocking warnings (voided when the document changes);
 * - a draft discarded by an officer (reason, audited) or expired (stale), which can then no longer change.
 */
import type { Migration } from '../store/migrations.ts';
export const REGISTRATION_STATE_MIGRATION_NAME = 'registration-counter-state';

export const registrationStateSchema = /* sql */ `
CREATE TABLE registration_state (
  registration_id    TEXT PRIMARY KEY NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
  migrant_language   TEXT CHECK (migrant_language IS NULL OR migrant_language IN ('en', 'sn', 'nd')),
  step               TEXT,
  field              TEXT,
  progress_at        TEXT,
  details_draft_json TEXT CHECK (details_draft_json IS NULL OR json_valid(details_draft_json)),
  prefilled_json     TEXT CHECK (prefilled_json IS NULL OR json_valid(prefilled_json)),
  approved_by        TEXT,
  approved_at        TEXT,
  approved_warnings  TEXT CHECK (approved_warnings IS NULL OR json_valid(approved_warnings)),
  discarded_at       TEXT,
  discarded_by       TEXT,
  discard_reason     TEXT,
  discard_note       TEXT,
  expired            INTEGER NOT NULL DEFAULT 0 CHECK (expired IN (0, 1)),
  touched_at         TEXT NOT NULL,
  CHECK ((approved_by IS NULL) = (approved_at IS NULL)),
  CHECK ((discarded_at IS NULL) = (discard_reason IS NULL))
);
CREATE INDEX registration_state_open ON registration_state (discarded_at);
`;

// The finalized outbox record is built in TypeScript by the finalize service (registrations/finalize-service.ts,
// typed as protocol/src/finalized-record.ts FinalizedRecordV1) inside the finalize transaction; the triggers that
// completed payload_json after the insert (fingerprint summary and blobs, details and "returning") go. Rows they
// already completed keep their payload as it is.
export const FINALIZED_RECORD_IN_SERVICE_MIGRATION_NAME = 'finalized-record-in-service';

const finalizedRecordInService = /* sql */ `
DROP TRIGGER outbox_fingerprint_summary;
DROP TRIGGER outbox_registration_details;
`;

/** This module's migrations; `version` is the place in the appliance's one schema history (appliance/src/schema.ts). */
export const registrationMigrations: readonly Migration[] = [
  { version: 10, name: FINALIZED_RECORD_IN_SERVICE_MIGRATION_NAME, sql: finalizedRecordInService },
  { version: 11, name: REGISTRATION_STATE_MIGRATION_NAME, sql: registrationStateSchema },
];
