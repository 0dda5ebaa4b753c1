/**
 * The CSCA certificates the central sends down (#18): reference table `csca_certificates`
 * (protocol/src/reference-tables.ts), applied by the reference pull like every other reference table
 * (reference/apply.ts) and read by csca-sync.ts. Append-only like every migration.
 *
 * The pull position goes back to 0 (same epoch, rows kept): a central that held CSCA certificates before this
 * appliance's software knew the table has already sent them and seen them skipped; pulling again from 0 brings
 * them (every change is an idempotent upsert or delete, in version order).
 */
import type { Migration } from '../store/migrations.ts';

export const CSCA_SYNC_MIGRATION_NAME = 'csca-certificates-reference';

export const cscaSyncSchema = /* sql */ `
CREATE TABLE ref_csca_certificates (
  fingerprint TEXT PRIMARY KEY NOT NULL,
  country     TEXT NOT NULL,
  subject     TEXT NOT NULL,
  not_before  TEXT NOT NULL,
  not_after   TEXT NOT NULL,
  der_base64  TEXT NOT NULL
);
UPDATE ref_sync_state SET version = 0 WHERE id = 1;
`;

/** This module's migrations; `version` is the place in the appliance's one schema history (appliance/src/schema.ts). */
export const cscaSyncMigrations: readonly Migration[] = [{ version: 17, name: CSCA_SYNC_MIGRATION_NAME, sql: cscaSyncSchema }];
