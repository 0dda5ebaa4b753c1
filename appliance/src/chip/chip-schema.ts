/**
 * The chip-read table (issue #18): one row per registration, the last chip read of the document attached to it.
 * Frozen once shipped: the status and outcome lists are written out here.
 *
 * - `printed_mrz`: the MRZ lines (joined) whose BAC key opened the chip; a different document attached later makes
 *   the row stale, and the chip module deletes it.
 * - `face_blob`: the DG2 face image sealed with the data key (crypto/blob-cipher.ts, kind 'document-face', bound to
 *   the registration); `face_sha256` is the SHA-256 of the image itself (what the finalized record forwards).
 * - A finalized registration is forwarded as-is: its chip row can no longer be inserted or changed. DELETE stays
 *   allowed so the retention purge can cascade.
 */
import { finalizedChildTriggers } from '../store/finalized-child-triggers.ts';
import type { Migration } from '../store/migrations.ts';

export const CHIP_READS_MIGRATION_NAME = 'chip-reads';

const chipReadsSchema = /* sql */ `
CREATE TABLE chip_reads (
  registration_id TEXT PRIMARY KEY NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
  printed_mrz     TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('read', 'not-present', 'failed')),
  code            TEXT,
  access_control  TEXT CHECK (access_control IS NULL OR access_control IN ('bac', 'none')),
  pa_outcome      TEXT CHECK (pa_outcome IS NULL OR pa_outcome IN ('genuine', 'data-altered', 'unknown-issuer', 'signer-expired', 'no-csca')),
  dg1_match       INTEGER CHECK (dg1_match IS NULL OR dg1_match IN (0, 1)),
  result_json     TEXT NOT NULL CHECK (json_valid(result_json)),
  face_blob       BLOB,
  face_sha256     TEXT CHECK (face_sha256 IS NULL OR length(face_sha256) = 64),
  face_mime       TEXT CHECK (face_mime IS NULL OR face_mime IN ('image/jpeg', 'image/jp2')),
  read_at         TEXT NOT NULL,
  CHECK ((status = 'read') = (pa_outcome IS NOT NULL AND dg1_match IS NOT NULL)),
  CHECK ((face_blob IS NULL) = (face_sha256 IS NULL))
);

${finalizedChildTriggers('chip_reads')}
`;

export const CHIP_FACE_BLOB_ID_MIGRATION_NAME = 'chip-face-blob-id';

/**
 * Migration 'chip-face-blob-id': the face travels to the central as a sealed blob like the prints (issue #18). Each
 * stored face gets the id the finalized record names it by under `biometrics` (kind 'face') and the relay serves it
 * by (ChipRepository.sealedFace). A random id, a new one whenever the chip is read again before finalize, as the
 * fingerprint vault does. Faces of registrations not yet finalized get one now (the triggers leave those rows
 * writable); finalized ones were queued without a face and are never sent again, so they keep none.
 */
const chipFaceBlobIdSchema = /* sql */ `
ALTER TABLE chip_reads ADD COLUMN face_blob_id TEXT;

UPDATE chip_reads
   SET face_blob_id = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
                            substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))
 WHERE face_blob IS NOT NULL
   AND (SELECT status FROM registrations WHERE id = chip_reads.registration_id) <> 'finalized';

CREATE UNIQUE INDEX chip_reads_face_blob_id ON chip_reads (face_blob_id) WHERE face_blob_id IS NOT NULL;
`;

export const CHIP_FACE_DISPLAY_MIGRATION_NAME = 'chip-face-display';

/**
 * Migration 'chip-face-display': a JPEG 2000 face also gets a displayable JPEG derived from it at read time
 * (chip/face-display.ts), sealed under the data key like the face (kind 'document-face', finger 'dg2-display').
 * The face as read stays in face_blob: it is what passive authentication hashed and what is forwarded; this copy is
 * for the screen and the slip only and never leaves the appliance. NULL for JPEG faces and for older reads.
 */
const chipFaceDisplaySchema = /* sql */ `
ALTER TABLE chip_reads ADD COLUMN face_display_blob BLOB CHECK (face_display_blob IS NULL OR face_blob IS NOT NULL);
`;

export const chipMigrations: readonly Migration[] = [
  { version: 12, name: CHIP_READS_MIGRATION_NAME, sql: chipReadsSchema },
  { version: 16, name: CHIP_FACE_BLOB_ID_MIGRATION_NAME, sql: chipFaceBlobIdSchema },
  { version: 18, name: CHIP_FACE_DISPLAY_MIGRATION_NAME, sql: chipFaceDisplaySchema },
];
