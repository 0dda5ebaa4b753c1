/**
 * Migration 80 (ingest's range 80–89): registrations' payloads compressed with lz4 instead of pglz. A 3.9 KB
 * payload is over PostgreSQL's 2 KB TOAST threshold, so every insert compresses it; pglz made that about a third of
 * the batch INSERT's time (issue 13 point 7, measured with tests/bench/ingest.ts). Only rows written afterwards
 * use lz4; older ones stay readable as they are. A server built without lz4 (PGlite) keeps pglz.
 */
export const INGEST_STORAGE_MIGRATION = {
  version: 80,
  name: 'registrations payload compressed with lz4',
  sql: `
    DO $$ BEGIN
      ALTER TABLE registrations ALTER COLUMN payload SET COMPRESSION lz4;
    EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN NULL;
    END $$;
  `,
} as const;
