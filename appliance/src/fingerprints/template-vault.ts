import { createHash, randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { FinalizedBiometric, FinalizedFingerprintPart } from '@lmc/protocol/finalized-record.ts';
import type { X25519Recipient } from '@lmc/protocol/print-seal.ts';
import { type BlobContext, openBlob, sealBlob } from '../crypto/blob-cipher.ts';
import type { DataKey } from '../crypto/data-key.ts';
import { appendAudit } from '../store/audit-chain.ts';
import { guard } from '../store/errors.ts';
import type { ExceptionReason, FingerName } from './fingers.ts';

/** One finger of a registration as the desk may see it: never template or image bytes. */
export interface FingerRecord {
  finger: FingerName;
  status: 'captured' | 'exception';
  quality: number | null;
  attempts: number;
  templateFormat: string | null;
  imageStored: boolean;
  exceptionReason: ExceptionReason | null;
  approvedBy: string | null;
  recordedBy: string;
  recordedAt: string;
}

export interface ReferenceTemplate {
  finger: FingerName;
  templateFormat: string;
  template: Buffer;
}

export interface SaveCaptureInput {
  registrationId: string;
  finger: FingerName;
  quality: number;
  attempts: number;
  templateFormat: string;
  template: Uint8Array;
  /** PNG of the kept capture (lossless), when the plan says storeImages (the default). */
  imagePng?: Uint8Array;
  actor: string;
}

export interface SaveExceptionInput {
  registrationId: string;
  finger: FingerName;
  reason: ExceptionReason;
  attempts: number;
  approvedBy: string;
  actor: string;
}

interface Row {
  finger: FingerName;
  status: 'captured' | 'exception';
  quality: number | null;
  attempts: number;
  template_format: string | null;
  image_stored: 0 | 1;
  exception_reason: ExceptionReason | null;
  approved_by: string | null;
  recorded_by: string;
  recorded_at: string;
}

const toRecord = (r: Row): FingerRecord => ({
  finger: r.finger,
  status: r.status,
  quality: r.quality,
  attempts: r.attempts,
  templateFormat: r.template_format,
  imageStored: r.image_stored === 1,
  exceptionReason: r.exception_reason,
  approvedBy: r.approved_by,
  recordedBy: r.recorded_by,
  recordedAt: r.recorded_at,
});

/**
 * Key id of a sealed blob: bytes 1..8 of its header (crypto/blob-cipher.ts layout: version byte, 8-byte key id,
 * nonce, tag, ciphertext), as lower-case hex. Read from the header the caller selected, never by opening the blob.
 */
const KEY_ID_START = 1;
const KEY_ID_END = 9;
const keyIdOf = (header: Buffer): string => header.subarray(KEY_ID_START, KEY_ID_END).toString('hex');

interface SummaryRow {
  finger: FingerName;
  status: 'captured' | 'exception';
  exception_reason: ExceptionReason | null;
  template_format: string | null;
  template_blob_id: string | null;
  template_sha256: string | null;
  template_bytes: number | null;
  template_header: Buffer | null;
  image_blob_id: string | null;
  image_sha256: string | null;
  image_bytes: number | null;
  image_header: Buffer | null;
}

/**
 * What a finalized record says about a registration's fingerprints (protocol/src/finalized-record.ts), or undefined
 * when it has no fingerprint record at all (a post without a reader). Counts, exceptions and, per sealed blob, its
 * id, kind, stored SHA-256, size and key id: no template, image or key, and nothing decrypted, so it needs no data
 * key. Fingers in name order, a finger's template before its image (the order the outbox has always held).
 */
export function readFingerprintSummary(db: Database, registrationId: string): FinalizedFingerprintPart | undefined {
  const rows = guard(
    'fingerprints.finalizedSummary',
    () =>
      db
        .prepare(
          `SELECT finger, status, exception_reason, template_format,
                  template_blob_id, template_sha256, length(template_blob) AS template_bytes, substr(template_blob, 1, ${KEY_ID_END}) AS template_header,
                  image_blob_id, image_sha256, length(image_blob) AS image_bytes, substr(image_blob, 1, ${KEY_ID_END}) AS image_header
           FROM fingerprints WHERE registration_id = ? ORDER BY finger`,
        )
        .all(registrationId) as SummaryRow[],
  );
  if (rows.length === 0) return undefined;
  const biometrics: FinalizedBiometric[] = [];
  const blob = (r: SummaryRow, kind: 'template' | 'image'): void => {
    const header = kind === 'template' ? r.template_header : r.image_header;
    if (header === null) return;
    biometrics.push({
      finger: r.finger,
      kind,
      blobId: kind === 'template' ? r.template_blob_id : r.image_blob_id,
      sha256: kind === 'template' ? r.template_sha256 : r.image_sha256,
      bytes: (kind === 'template' ? r.template_bytes : r.image_bytes) ?? 0,
      keyId: keyIdOf(header),
      templateFormat: r.template_format,
    });
  };
  for (const r of rows) {
    blob(r, 'template');
    blob(r, 'image');
  }
  return {
    fingerprints: {
      captured: rows.filter((r) => r.status === 'captured').length,
      // The table's CHECK gives every exception its reason.
      exceptions: rows.filter((r) => r.status === 'exception').map((r) => ({ finger: r.finger, reason: r.exception_reason as ExceptionReason })),
      templates: 'sealed-in-biometrics',
    },
    biometrics,
  };
}

/** A sealed blob with the id and ciphertext digest the finalized outbox record names it by. */
function sealed(blob: Buffer): { blob: Buffer; blobId: string; sha256: string } {
  return { blob, blobId: randomUUID(), sha256: createHash('sha256').update(blob).digest('hex') };
}

/**
 * Fingerprint records of registrations: templates (and images, if configured) sealed with AES-256-GCM
 * under the data key, bound to (registration, finger); every write is one IMMEDIATE transaction that
 * also appends its audit row (no biometric data in it).
 *
 * Own connection to the store's file (the Store hides its handle; auth/ does the same), with the
 * store's durability settings: WAL, synchronous=FULL, foreign keys on.
 */
export class TemplateVault {
  readonly #db: Database;
  readonly #key: DataKey;
  readonly #central: X25519Recipient | null;
  readonly #now: () => Date;
  readonly #log: Logger;

  /**
   * `central`: the central's encryption key pinned at enrolment (keys/central-trust.ts): every new print is also
   * sealed to it (blob format 2) so the central can open what the relay forwards. Absent (enrolled before the
   * central had one): format 1, openable by this appliance only, as before.
   */
  constructor(options: { db: Database; key: DataKey; central?: X25519Recipient | null; now?: () => Date; logger?: Logger }) {
    this.#log = options.logger ?? createLogger('fingerprints:vault');
    this.#db = options.db;
    this.#key = options.key;
    this.#central = options.central ?? null;
    this.#now = options.now ?? (() => new Date());
  }

  saveCapture(input: SaveCaptureInput): FingerRecord {
    const ctx = (kind: BlobContext['kind']): BlobContext => ({ kind, registrationId: input.registrationId, finger: input.finger });
    const template = sealed(sealBlob(this.#key, input.template, ctx('fingerprint-template'), this.#central));
    const image = input.imagePng ? sealed(sealBlob(this.#key, input.imagePng, ctx('fingerprint-image'), this.#central)) : null;
    return this.#write('fingerprints.saveCapture', input.registrationId, (at) => {
      this.#db
        .prepare(
          `INSERT OR REPLACE INTO fingerprints (registration_id, finger, status, quality, attempts, template_format, template_blob,
             image_blob, exception_reason, approved_by, recorded_by, recorded_at, template_blob_id, template_sha256, image_blob_id, image_sha256)
           VALUES (?, ?, 'captured', ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.registrationId,
          input.finger,
          input.quality,
          input.attempts,
          input.templateFormat,
          template.blob,
          image?.blob ?? null,
          input.actor,
          at,
          template.blobId,
          template.sha256,
          image?.blobId ?? null,
          image?.sha256 ?? null,
        );
      appendAudit(
        this.#db,
        {
          actor: input.actor,
          action: 'fingerprint.captured',
          entityType: 'registration',
          entityId: input.registrationId,
          details: { finger: input.finger, quality: input.quality, attempts: input.attempts, templateFormat: input.templateFormat, imageStored: image !== null },
        },
        at,
      );
      return input.finger;
    });
  }

  saveException(input: SaveExceptionInput): FingerRecord {
    return this.#write('fingerprints.saveException', input.registrationId, (at) => {
      this.#db
        .prepare(
          `INSERT OR REPLACE INTO fingerprints (registration_id, finger, status, quality, attempts, template_format, template_blob,
             image_blob, exception_reason, approved_by, recorded_by, recorded_at)
           VALUES (?, ?, 'exception', NULL, ?, NULL, NULL, NULL, ?, ?, ?, ?)`,
        )
        .run(input.registrationId, input.finger, input.attempts, input.reason, input.approvedBy, input.actor, at);
      appendAudit(
        this.#db,
        {
          actor: input.approvedBy,
          action: 'fingerprint.exception',
          entityType: 'registration',
          entityId: input.registrationId,
          details: { finger: input.finger, reason: input.reason, attempts: input.attempts, recordedBy: input.actor },
        },
        at,
      );
      return input.finger;
    });
  }

  list(registrationId: string): FingerRecord[] {
    return guard('fingerprints.list', () =>
      (
        this.#db
          .prepare(
            `SELECT finger, status, quality, attempts, template_format, image_blob IS NOT NULL AS image_stored, exception_reason,
                    approved_by, recorded_by, recorded_at
             FROM fingerprints WHERE registration_id = ? ORDER BY recorded_at, finger`,
          )
          .all(registrationId) as Row[]
      ).map(toRecord),
    );
  }

  /** Decrypted templates of one registration, for verification on the sensor. Stays in memory only. */
  referenceTemplates(registrationId: string): ReferenceTemplate[] {
    const rows = guard(
      'fingerprints.referenceTemplates',
      () =>
        this.#db
          .prepare(`SELECT finger, template_format, template_blob FROM fingerprints WHERE registration_id = ? AND status = 'captured'`)
          .all(registrationId) as Array<{ finger: FingerName; template_format: string; template_blob: Buffer }>,
    );
    return rows.map((r) => ({
      finger: r.finger,
      templateFormat: r.template_format,
      template: openBlob(this.#key, r.template_blob, { kind: 'fingerprint-template', registrationId, finger: r.finger }),
    }));
  }

  /** The stored image of a finger as PNG, or undefined when images are not kept. */
  image(registrationId: string, finger: FingerName): Buffer | undefined {
    const blob = guard(
      'fingerprints.image',
      () =>
        this.#db.prepare('SELECT image_blob FROM fingerprints WHERE registration_id = ? AND finger = ?').pluck().get(registrationId, finger) as
          | Buffer
          | null
          | undefined,
    );
    return blob ? openBlob(this.#key, blob, { kind: 'fingerprint-image', registrationId, finger }) : undefined;
  }

  /**
   * A sealed blob exactly as stored (header, nonce, tag, ciphertext), by the blobId the finalized
   * outbox record lists under `biometrics`: what the relay attaches when it forwards the record. No
   * decryption happens here; a format 2 blob opens at the central with its X25519 key, a format 1 blob
   * (sealed before the central's key was pinned) only with this appliance's data key. NOT_FOUND once the
   * registration was purged or the finger captured again (a new blobId) before finalize.
   */
  sealedBlob(blobId: string): Buffer {
    const blob = guard(
      'fingerprints.sealedBlob',
      () =>
        this.#db
          .prepare(
            `SELECT template_blob FROM fingerprints WHERE template_blob_id = ?
             UNION ALL SELECT image_blob FROM fingerprints WHERE image_blob_id = ?`,
          )
          .pluck()
          .get(blobId, blobId) as Buffer | undefined,
    );
    if (!blob) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, 'No sealed biometric blob with that id.', { blobId });
    return blob;
  }

  /** The fingerprint part of the registration's finalized record (readFingerprintSummary); undefined without any fingerprint record. */
  finalizedSummary(registrationId: string): FinalizedFingerprintPart | undefined {
    return readFingerprintSummary(this.#db, registrationId);
  }

  /** Audit that an officer looked at a fingerprint image (who, which finger; not the image). */
  recordImageView(entry: { registrationId: string; finger: FingerName; actor: string }): void {
    guard('fingerprints.recordImageView', () =>
      this.#db
        .transaction(() =>
          appendAudit(
            this.#db,
            { actor: entry.actor, action: 'fingerprint.image-viewed', entityType: 'registration', entityId: entry.registrationId, details: { finger: entry.finger } },
            this.#now().toISOString(),
          ),
        )
        .immediate(),
    );
  }

  /** Audit a returning-migrant verification: decision, scores, fingers; no biometric data. */
  recordVerification(entry: { registrationId: string; actor: string; details: Record<string, unknown> }): void {
    guard('fingerprints.recordVerification', () =>
      this.#db
        .transaction(() =>
          appendAudit(
            this.#db,
            { actor: entry.actor, action: 'fingerprint.verified', entityType: 'registration', entityId: entry.registrationId, details: entry.details },
            this.#now().toISOString(),
          ),
        )
        .immediate(),
    );
  }

  /** The connection is the store's: nothing to release here. */
  close(): void {}

  #write(operation: string, registrationId: string, fn: (at: string) => FingerName): FingerRecord {
    const tx = this.#db.transaction(() => {
      const status = this.#db.prepare('SELECT status FROM registrations WHERE id = ?').pluck().get(registrationId) as string | undefined;
      if (status === undefined) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, 'No registration with that id.', { id: registrationId });
      if (status === 'finalized') {
        throw new ApplianceError(ApplianceErrors.REGISTRATION_FINALIZED.code, 'This registration is finalized; its fingerprints can no longer be changed.', {
          id: registrationId,
        });
      }
      return fn(this.#now().toISOString());
    });
    const finger = guard(operation, () => tx.immediate());
    const record = this.list(registrationId).find((r) => r.finger === finger);
    if (!record) throw new ApplianceError(ApplianceErrors.STORE_FAILED.code, 'The fingerprint record was not saved.', { id: registrationId });
    this.#log.debug({ registrationId, finger, status: record.status }, 'fingerprint record saved');
    return record;
  }
}
