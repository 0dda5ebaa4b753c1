/**
 * The fingerprints table, appended to the store's migration list (store/migrations.ts). Frozen once
 * shipped: the finger and reason lists are written out here rather than generated from fingers.ts, so
 * a later edit of that file cannot change what an installed appliance already applied.
 *
 * The `outbox_fingerprint_summary` trigger below (both versions) is history: migration
 * 'finalized-record-in-service' dropped it, and the finalize service builds the same summary and
 * biometrics list from TemplateVault.finalizedSummary (registrations/finalize-service.ts).
 */
import { finalizedChildTriggers } from '../store/finalized-child-triggers.ts';
import type { Migration } from '../store/migrations.ts';
export const FINGERPRINTS_MIGRATION_NAME = 'fingerprints';

export const fingerprintsSchema = /* sql */ `
CREATE TABLE fingerprints (
  -- Deleted with its registration (retention purge, outbox.purgeSent): biometric data never outlives the record.
  registration_id  TEXT NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
  finger           TEXT NOT NULL CHECK (finger IN ('right-thumb', 'right-index', 'right-middle', 'right-ring', 'right-little',
                                                   'left-thumb', 'left-index', 'left-middle', 'left-ring', 'left-little')),
  status           TEXT NOT NULL CHECK (status IN ('captured', 'exception')),
  quality          INTEGER CHECK (quality BETWEEN 0 AND 100),
  attempts         INTEGER NOT NULL CHECK (attempts >= 0),
  -- Templates verify only against templates of the same format (a simulator's never against a module's).
  template_format  TEXT,
  -- AES-256-GCM blobs (crypto/blob-cipher.ts) bound to (registration_id, finger); the key is not in this file.
  template_blob    BLOB,
  image_blob       BLOB,
  exception_reason TEXT CHECK (exception_reason IS NULL OR
                              exception_reason IN ('amputated', 'bandaged', 'scarred', 'deformed', 'unreadable', 'other')),
  approved_by      TEXT,
  recorded_by      TEXT NOT NULL,
  recorded_at      TEXT NOT NULL,
  PRIMARY KEY (registration_id, finger),
  CHECK ((status = 'captured') = (template_blob IS NOT NULL AND template_format IS NOT NULL AND quality IS NOT NULL)),
  CHECK ((status = 'exception') = (exception_reason IS NOT NULL AND approved_by IS NOT NULL)),
  CHECK (status = 'captured' OR image_blob IS NULL)
);

-- A finalized registration is forwarded as-is: its fingerprints are as immutable as its row.
-- DELETE stays allowed so the retention purge can cascade.
${finalizedChildTriggers('fingerprints')}

-- The finalized event carries a capture summary: counts and exceptions, never templates (those stay on
-- the appliance). Written by trigger so it is in the same transaction as the finalize itself. A
-- registration with no fingerprint record at all (a post without a reader) gets no summary key.
CREATE TRIGGER outbox_fingerprint_summary
AFTER INSERT ON outbox
WHEN NEW.event_type = 'registration.finalized'
 AND EXISTS (SELECT 1 FROM fingerprints WHERE registration_id = NEW.registration_id)
BEGIN
  UPDATE outbox SET payload_json = json_set(payload_json, '$.fingerprints', json_object(
    'captured', (SELECT count(*) FROM fingerprints WHERE registration_id = NEW.registration_id AND status = 'captured'),
    'exceptions', (SELECT json_group_array(json_object('finger', finger, 'reason', exception_reason))
                   FROM fingerprints WHERE registration_id = NEW.registration_id AND status = 'exception'),
    'templates', 'kept-on-appliance'
  ))
  WHERE seq = NEW.seq;
END;
`;

/**
 * Migration 'fingerprint-blobs': the finalized outbox record names the sealed blobs it forwards.
 *
 * Each blob gets a random id (a new one whenever the finger is captured again before finalize) and the
 * SHA-256 of its ciphertext as stored, computed by the vault when it seals (SQLite has no SHA-256). The
 * blobs themselves stay in this table; the relay reads them by id (TemplateVault.sealedBlob) and
 * attaches them; the central checks `sha256` and `bytes` against what arrives.
 *
 * The outbox trigger is replaced, in the same transaction as the finalize as before, by one that also
 * writes `$.biometrics`: one entry per sealed blob, never plaintext or key. keyId is bytes 1..8 of the
 * blob header (crypto/blob-cipher.ts layout); for an image, templateFormat names the reader family that
 * produced it (the image itself is always an 8-bit grey PNG).
 *
 * Rows captured before this migration get ids here but no sha256 (null in their outbox entry): only
 * development databases have such rows.
 */
export const FINGERPRINT_BLOBS_MIGRATION_NAME = 'fingerprint-blobs';

export const fingerprintBlobsSchema = /* sql */ `
ALTER TABLE fingerprints ADD COLUMN template_blob_id TEXT;
ALTER TABLE fingerprints ADD COLUMN template_sha256 TEXT;
ALTER TABLE fingerprints ADD COLUMN image_blob_id TEXT;
ALTER TABLE fingerprints ADD COLUMN image_sha256 TEXT;
UPDATE fingerprints SET template_blob_id = lower(hex(randomblob(16))) WHERE template_blob IS NOT NULL;
UPDATE fingerprints SET image_blob_id = lower(hex(randomblob(16))) WHERE image_blob IS NOT NULL;
CREATE UNIQUE INDEX fingerprints_template_blob_id ON fingerprints (template_blob_id) WHERE template_blob_id IS NOT NULL;
CREATE UNIQUE INDEX fingerprints_image_blob_id ON fingerprints (image_blob_id) WHERE image_blob_id IS NOT NULL;

DROP TRIGGER outbox_fingerprint_summary;

-- Summary (counts, exceptions) and the list of sealed blobs forwarded with the record. json() around
-- each entry keeps it an object, not a string, through the subquery.
CREATE TRIGGER outbox_fingerprint_summary
AFTER INSERT ON outbox
WHEN NEW.event_type = 'registration.finalized'
 AND EXISTS (SELECT 1 FROM fingerprints WHERE registration_id = NEW.registration_id)
BEGIN
  UPDATE outbox SET payload_json = json_set(payload_json,
    '$.fingerprints', json_object(
      'captured', (SELECT count(*) FROM fingerprints WHERE registration_id = NEW.registration_id AND status = 'captured'),
      'exceptions', (SELECT json_group_array(json_object('finger', finger, 'reason', exception_reason))
                     FROM fingerprints WHERE registration_id = NEW.registration_id AND status = 'exception'),
      'templates', 'sealed-in-biometrics'
    ),
    '$.biometrics', (SELECT json_group_array(json(entry)) FROM (
      SELECT finger, 0 AS k, json_object('finger', finger, 'kind', 'template', 'blobId', template_blob_id, 'sha256', template_sha256,
               'bytes', length(template_blob), 'keyId', lower(hex(substr(template_blob, 2, 8))), 'templateFormat', template_format) AS entry
        FROM fingerprints WHERE registration_id = NEW.registration_id AND template_blob IS NOT NULL
      UNION ALL
      SELECT finger, 1 AS k, json_object('finger', finger, 'kind', 'image', 'blobId', image_blob_id, 'sha256', image_sha256,
               'bytes', length(image_blob), 'keyId', lower(hex(substr(image_blob, 2, 8))), 'templateFormat', template_format) AS entry
        FROM fingerprints WHERE registration_id = NEW.registration_id AND image_blob IS NOT NULL
      ORDER BY finger, k
    ))
  )
  WHERE seq = NEW.seq;
END;
`;

/** This module's migrations; `version` is the place in the appliance's one schema history (appliance/src/schema.ts). */
export const fingerprintMigrations: readonly Migration[] = [
  { version: 6, name: FINGERPRINTS_MIGRATION_NAME, sql: fingerprintsSchema },
  { version: 9, name: FINGERPRINT_BLOBS_MIGRATION_NAME, sql: fingerprintBlobsSchema },
];
